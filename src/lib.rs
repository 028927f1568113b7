//! pluginctl turns a Wazo PBX plugin checkout (`wazo/plugin.yml` and `wazo/rules`) into a
//! Debian package, natively: validated input with exact error positions, root-owned
//! reproducible archives, md5sums, lintian-clean output.
//!
//! Data flows one way: [`manifest`] -> [`rules`] -> [`staging`] -> [`deb::control`] ->
//! [`deb::tar`] -> [`deb::compress`] -> [`deb::ar`].

pub(crate) mod atomic;
pub mod build;
pub mod cli;
pub mod cli_docs;
pub mod deb;
pub mod deb822;
pub mod digest;
pub mod docs;
pub mod error;
#[cfg(any(test, fuzzing))]
pub mod fuzzing;
pub mod index;
pub mod inspect;
pub mod leftovers;
pub mod lint;
pub mod manifest;
pub mod market;
pub mod new;
pub mod nofollow;
pub mod order;
pub mod paths;
pub mod plan;
pub mod progress;
pub mod reap;
pub mod report;
pub mod rules;
pub mod sign;
pub mod signals;
pub mod staging;
pub(crate) mod tail;
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
            } else if args.verbose > 0 {
                Verbosity::Verbose
            } else {
                Verbosity::Normal
            });
            let result = plan::BuildPlan::from_args(&args, &report)
                .and_then(|plan| build::run(&plan, &report))
                .map(|_| error::EXIT_OK);
            (report, result)
        }
        Command::Inspect(args) => {
            let report = Report::default();
            let result = inspect::run(&args.deb, args.json, &report).map(|_| error::EXIT_OK);
            (report, result)
        }
        Command::New(args) => {
            let report = Report::default();
            let result = new::run(
                &args.name,
                &args.namespace,
                args.dir.as_deref(),
                args.format,
                &report,
            )
            .map(|_| error::EXIT_OK);
            (report, result)
        }
        Command::Index(args) => {
            let report = Report::new(if args.quiet {
                Verbosity::Quiet
            } else {
                Verbosity::Normal
            });
            let options = index::Options {
                sign: args.sign.as_deref(),
                valid_for: args.valid_for,
            };
            let result = index::run(&args.dir, &options, &report).map(|_| error::EXIT_OK);
            (report, result)
        }
        Command::Completions(args) => {
            let report = Report::default();
            let result = cli_docs::completions(args.shell, &report).map(|_| error::EXIT_OK);
            (report, result)
        }
        Command::Man(args) => {
            let report = Report::default();
            let result = cli_docs::man(args.dir.as_deref(), &report).map(|_| error::EXIT_OK);
            (report, result)
        }
        Command::Help(args) => {
            let report = Report::default();
            let result = cli_docs::help(args.command.as_deref(), &report).map(|_| error::EXIT_OK);
            (report, result)
        }
        Command::Lint(mut args) => {
            let report = Report::default();
            if args.paths.is_empty() && args.explain.is_none() && !args.list_tags {
                args.paths = vec![plan::find_plugin_dir(&report)];
            }
            let result = lint::run(&args);
            (report, result)
        }
        Command::Market(args) => {
            let report = Report::default();
            let request = market::Request {
                dir: &args.dir,
                url: args.url.as_deref(),
                git_ref: args.git_ref.as_deref(),
                into: args.into.as_deref(),
            };
            let result = market::run(&request, &report).map(|()| error::EXIT_OK);
            (report, result)
        }
    };
    match result {
        Ok(status) => status,
        Err(e) => {
            report.error(&e.to_string());
            e.exit_code()
        }
    }
}
