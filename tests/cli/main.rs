//! Integration tests of the `pluginctl` binary. Every package built here is read back with
//! the real Debian tools: dpkg-deb, dpkg in a throwaway root, md5sum and lintian.

mod build;
mod cli_docs;
mod compression;
mod error_paths;
mod errors;
mod firsthour;
mod index;
mod inputs;
mod inspect;
mod lint;
mod lint_real;
mod market_trust;
mod multi;
mod new;
mod publish;
mod reading;
mod safety;
mod signals;
mod streams;
mod support;
mod yaml;
