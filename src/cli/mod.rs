//! The command line: clap definitions, and the completions and manual pages made from them.

pub mod args;
pub(crate) mod generate;
mod pages;
