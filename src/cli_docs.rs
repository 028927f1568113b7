//! Shell completions and manual pages, generated from the clap definitions in [`crate::cli`]
//! so they never drift from what the binary accepts.

use crate::cli::{Cli, ShellArg};
use crate::report::Report;
use crate::{Error, Result};
use clap::CommandFactory;
use std::path::Path;

/// Prints the completion script for `shell` on stdout.
pub fn completions(shell: ShellArg, report: &Report) -> Result<()> {
    let shell = match shell {
        ShellArg::Bash => clap_complete::Shell::Bash,
        ShellArg::Zsh => clap_complete::Shell::Zsh,
        ShellArg::Fish => clap_complete::Shell::Fish,
    };
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "pluginctl", &mut out);
    report.stdout(&String::from_utf8_lossy(&out))
}

/// Prints `pluginctl(1)` on stdout, or writes every page into `dir`.
pub fn man(dir: Option<&Path>, report: &Report) -> Result<()> {
    let cmd = Cli::command();
    match dir {
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .map_err(|e| Error::io("stdout", "cannot render the manual page", e))?;
            report.stdout(&String::from_utf8_lossy(&out))
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(dir, "cannot create the folder", e))?;
            clap_mangen::generate_to(cmd, dir)
                .map_err(|e| Error::io(dir, "cannot write the manual pages", e))?;
            report.info(&format!("wrote the manual pages into {}", dir.display()));
            Ok(())
        }
    }
}
