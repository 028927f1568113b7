//! Integration tests of the `pluginctl` binary. Every package built here is read back with
//! the real Debian tools: dpkg-deb, dpkg in a throwaway root, md5sum and lintian.

mod build;
mod cli_docs;
mod compression;
mod errors;
mod firsthour;
mod index;
mod inspect;
mod lint;
mod lint_real;
mod multi;
mod new;
mod publish;
mod reading;
mod roundtwo;
mod roundtwo_terminal;
mod safety;
mod signals;
mod support;
mod yaml;
