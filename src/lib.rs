//! pluginctl turns a Wazo PBX plugin checkout (`wazo/plugin.yml` and `wazo/rules`) into a
//! Debian package, natively: validated input with exact error positions, root-owned
//! reproducible archives, md5sums, lintian-clean output.
//!
//! The tree shows the layers: [`cli`] parses, `commands` runs one subcommand each, [`plugin`]
//! reads the checkout, `package` turns it into a package, [`deb`] knows the Debian formats and
//! nothing about Wazo, `lint` judges checkouts and packages, [`ui`] is what the user sees,
//! `files` the file-system primitives all of them share (the crate-private modules are named
//! without links: `cargo doc --document-private-items` shows them).
//!
//! Data flows one way: `plugin::manifest` -> `plugin::rules` -> `package::staging` ->
//! `package::control` -> `deb::tar` -> `deb::compress` -> `deb::ar`.

pub mod cli;
pub mod commands;
pub mod deb;
pub(crate) mod error;
pub(crate) mod files;
#[cfg(any(test, fuzzing))]
pub mod fuzzing;
pub(crate) mod interrupt;
pub(crate) mod lint;
pub(crate) mod package;
pub mod plugin;
pub(crate) mod threads;
pub mod ui;

pub(crate) use error::{Error, Result};
