//! Integration tests of the `pluginctl` binary. Every package built here is read back with
//! the real Debian tools: dpkg-deb, dpkg in a throwaway root, md5sum and lintian.

mod build;
mod cli_docs;
mod compression;
mod errors;
mod exhausted;
mod firsthour;
mod forged;
mod index;
mod inspect;
mod lint;
mod lint_real;
mod multi;
mod new;
mod publish;
mod reading;
mod safety;
mod signals;
mod support;
mod upward;
mod yaml;
