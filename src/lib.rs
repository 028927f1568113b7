//! pluginctl turns a Wazo PBX plugin checkout (`wazo/plugin.yml` and `wazo/rules`) into a
//! Debian package, natively: validated input with exact error positions, root-owned
//! reproducible archives, md5sums, lintian-clean output.
//!
//! Data flows one way: [`manifest`] -> [`rules`] -> [`staging`] -> [`deb::control`] ->
//! [`deb::tar`] -> [`deb::compress`] -> [`deb::ar`].

pub mod build;
pub mod cli;
pub mod deb;
pub mod docs;
pub mod error;
pub mod manifest;
pub mod paths;
pub mod plan;
pub mod reap;
pub mod report;
pub mod rules;
pub mod signals;
pub mod staging;
pub mod version;
pub mod yaml;
pub mod yaml11;

pub use error::{Error, Result};

use cli::{Cli, Command};
use report::{Report, Verbosity};

/// Runs a parsed command line; returns the exit status.
pub fn run(cli: Cli) -> i32 {
    signals::install();
    let (report, result) = match cli.command {
        Command::Build(args) => {
            let report = Report::new(if args.quiet {
                Verbosity::Quiet
            } else {
                Verbosity::Normal
            });
            let result = plan::BuildPlan::from_args(&args)
                .and_then(|plan| build::run(&plan, &report))
                .map(|_| ());
            (report, result)
        }
    };
    match result {
        Ok(()) => error::EXIT_OK,
        Err(e) => {
            report.error(&e.to_string());
            e.exit_code()
        }
    }
}
