//! The command line: clap definitions, and the completions and manual pages made from them.

pub mod args;
pub(crate) mod generate;
mod pages;

/// Parses the command line. `--help` and `--version` are written here, not by clap, which
/// ignores a failed write (`--help > /dev/full` exited 0): their text goes through the
/// same stdout writer as every result, so a full disk is the same one line and status 1.
/// `Err` holds the status to exit with, once everything was said.
pub fn parse() -> Result<args::Cli, i32> {
    use clap::error::ErrorKind;
    let err = match <args::Cli as clap::Parser>::try_parse() {
        Ok(cli) => return Ok(cli),
        Err(err) => err,
    };
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // Styled as clap would: on a terminal, unless NO_COLOR or TERM=dumb.
            let styled = std::io::IsTerminal::is_terminal(&std::io::stdout())
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb");
            let rendered = err.render();
            let text = if styled {
                rendered.ansi().to_string()
            } else {
                rendered.to_string()
            };
            match crate::ui::report::write_stdout(&text) {
                Ok(()) => Err(crate::error::EXIT_OK),
                Err(e) => {
                    crate::ui::report::Report::default().error(&e.to_string());
                    Err(e.exit_code())
                }
            }
        }
        // Usage errors (and help shown for a missing command) go to stderr, where a failed
        // write has nowhere left to be told; their status says it.
        _ => {
            let _ = err.print();
            Err(err.exit_code())
        }
    }
}
