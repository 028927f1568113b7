//! Integration tests of the `pluginctl` binary. Every package built here is read back with
//! the real Debian tools: dpkg-deb, dpkg in a throwaway root, md5sum and lintian.

mod build;
mod cli_docs;
mod compression;
mod error_paths;
mod errors;
mod exhausted;
mod firsthour;
mod fleet;
mod fleet_deps;
mod fleet_keys;
mod gitref;
mod forged;
mod index;
mod index_input;
mod index_keys;
mod inputs;
mod inspect;
mod lint;
mod lint_ci;
mod lint_market;
mod lint_real;
mod lint_rules;
mod market_entry;
mod market_trust;
mod multi;
mod new;
mod publish;
mod reading;
mod recipes;
mod safety;
mod signals;
mod streams;
mod support;
mod upward;
mod yaml;
