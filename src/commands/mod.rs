//! One module per subcommand: each turns parsed arguments into work and a result.

pub(crate) mod build;
pub(crate) mod index;
pub(crate) mod inspect;
pub(crate) mod market;
pub(crate) mod market_keep;
pub(crate) mod new;
pub(crate) mod plan;

use crate::cli::args::{Cli, Command};
use crate::error;
use crate::ui::report::{Report, Verbosity};
use crate::ui::signals;
use crate::{cli, lint};

/// Runs a parsed command line; returns the exit status.
pub fn run(cli: Cli) -> i32 {
    signals::install();
    crate::threads::few_arenas();
    crate::ui::report::set_color(match cli.color {
        cli::args::ColorArg::Always => Some(true),
        cli::args::ColorArg::Never => Some(false),
        cli::args::ColorArg::Auto => None,
    });
    let (report, result) = match cli.command {
        Command::Build(args) => {
            let report = Report::new(if args.quiet {
                Verbosity::Quiet
            } else if args.verbose > 0 {
                Verbosity::Verbose
            } else {
                Verbosity::Normal
            });
            let result = plan::build_plan(&args, &report)
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
                passphrase_file: args.passphrase_file.as_deref(),
                sign_with: args.sign_with.as_deref(),
                valid_for: args.valid_for,
                fields: [args.origin, args.label, args.suite, args.codename],
                keep: args.keep,
                strict: args.strict,
                quiet: args.quiet,
            };
            let result = index::run(&args.dir, &options, &report).map(|_| error::EXIT_OK);
            (report, result)
        }
        Command::Completions(args) => {
            let report = Report::default();
            let result = cli::generate::completions(args.shell, &report).map(|_| error::EXIT_OK);
            (report, result)
        }
        Command::Man(args) => {
            let report = Report::default();
            let result = cli::generate::man(args.dir.as_deref(), &report).map(|_| error::EXIT_OK);
            (report, result)
        }
        Command::Help(args) => {
            let report = Report::default();
            let result =
                cli::generate::help(args.command.as_deref(), &report).map(|_| error::EXIT_OK);
            (report, result)
        }
        Command::Lint(mut args) => {
            let report = Report::default();
            let mut result = Ok(error::EXIT_OK);
            if args.paths.is_empty() && args.explain.is_none() && !args.list_tags {
                match crate::plugin::search::find_plugin_dir("lint", &report) {
                    Ok(dir) => args.paths = vec![dir],
                    Err(e) => result = Err(e),
                }
            }
            let result = result.and_then(|_| lint::run(&lint_request(args)));
            (report, result)
        }
        Command::Market(args) => {
            let report = Report::default();
            let found = match args.dir.clone() {
                Some(dir) => Ok(dir),
                None => crate::plugin::search::find_plugin_dir("market", &report),
            };
            let result = found.and_then(|dir| {
                let request = market::Request {
                    dir: &dir,
                    url: args.url.as_deref(),
                    git_ref: args.git_ref.as_deref(),
                    into: args.into.as_deref(),
                    subdirectory: args.subdirectory.as_deref(),
                };
                market::run(&request, &report).map(|()| error::EXIT_OK)
            });
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

/// The lint request of a parsed `pluginctl lint` command line.
fn lint_request(args: cli::args::LintArgs) -> lint::Request {
    use crate::lint::format::Format;
    use cli::args::LintFormat;
    let format = match args.format {
        _ if args.json => Format::Json,
        LintFormat::Text => Format::Text,
        LintFormat::Json => Format::Json,
        LintFormat::Github => Format::Github,
        LintFormat::Gitlab => Format::Gitlab,
        LintFormat::Junit => Format::Junit,
    };
    lint::Request {
        paths: args.paths,
        explain: args.explain,
        list_tags: args.list_tags,
        wazo_version: args.wazo_version,
        market: args.market,
        deny_warnings: args.deny_warnings,
        allow: args.allow,
        format,
    }
}
