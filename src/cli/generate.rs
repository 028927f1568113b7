//! Shell completions and manual pages, generated from the clap definitions in [`crate::cli::args`]
//! so they never drift from what the binary accepts. The sections clap cannot know (exit
//! status, environment) are written here, next to the generator, from the same facts the
//! code acts on.

use crate::cli::args::{Cli, ShellArg};
use crate::ui::report::Report;
use crate::{Error, Result};
use clap::CommandFactory;
use clap_mangen::roff::{bold, italic, roman, Inline, Roff};
use std::path::Path;

/// Prints the completion script for `shell` on stdout.
pub(crate) fn completions(shell: ShellArg, report: &Report) -> Result<()> {
    let kind = match shell {
        ShellArg::Bash => clap_complete::Shell::Bash,
        ShellArg::Zsh => clap_complete::Shell::Zsh,
        ShellArg::Fish => clap_complete::Shell::Fish,
    };
    let mut cmd = completion_command();
    let mut out = Vec::new();
    clap_complete::generate(kind, &mut cmd, "pluginctl", &mut out);
    let script = only_debs(shell, &String::from_utf8_lossy(&out));
    report.stdout(&script)
}

/// The command line as the completions see it: `lint --explain` offers the tag names (the
/// parser itself takes any word, so that an unknown tag gets a suggestion, not a list).
fn completion_command() -> clap::Command {
    let tags: Vec<&'static str> = crate::lint::tags::TAGS.iter().map(|t| t.name).collect();
    Cli::command().mut_subcommand("lint", |lint| {
        lint.mut_arg("explain", |a| {
            a.value_parser(clap::builder::PossibleValuesParser::new(tags))
        })
    })
}

/// `pluginctl help [COMMAND]`: the same text as `pluginctl [COMMAND] --help`.
pub(crate) fn help(command: Option<&str>, report: &Report) -> Result<()> {
    let mut cmd = Cli::command();
    cmd.build();
    let target = match command {
        None => &mut cmd,
        Some(name) => match cmd.find_subcommand_mut(name) {
            Some(sub) => sub,
            None => {
                return Err(Error::Usage(format!(
                    "help {name}: no such command; see pluginctl --help"
                )))
            }
        },
    };
    report.stdout(&target.render_long_help().to_string())
}

/// Prints `pluginctl(1)` on stdout, or writes every page into `dir`.
pub(crate) fn man(dir: Option<&Path>, report: &Report) -> Result<()> {
    let mut cmd = Cli::command();
    cmd.build();
    match dir {
        None => report.stdout(&String::from_utf8_lossy(&page(&cmd, None)?)),
        Some(dir) => {
            let mut pages = vec![("pluginctl.1".to_string(), page(&cmd, None)?)];
            for sub in documented(&cmd) {
                pages.push((
                    format!("pluginctl-{}.1", sub.get_name()),
                    page(sub, Some(&cmd))?,
                ));
            }
            pages.push((
                "pluginctl-plugin.yml.5".to_string(),
                super::pages::plugin_yml_page(),
            ));
            let created = crate::files::missing_folders(dir);
            let written = write_pages(dir, &pages);
            if written.is_err() {
                // Deepest first; a folder that is not empty (another writer's) stays.
                for folder in &created {
                    if std::fs::remove_dir(folder).is_err() {
                        break;
                    }
                }
            }
            written?;
            report.info(&format!("wrote the manual pages into {}", dir.display()));
            Ok(())
        }
    }
}

/// Writes every page into `dir` (created when missing) as the index files are written: all
/// of them to temporaries first, then each renamed into place, which replaces whatever sits
/// at its name (a link is replaced, never followed). Nothing of a page is left when any
/// write fails (a full disk).
fn write_pages(dir: &Path, pages: &[(String, Vec<u8>)]) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "cannot create the folder", e))?;
    let staged = pages
        .iter()
        .map(|(name, text)| crate::files::atomic::Staged::new(&dir.join(name), text))
        .collect::<Result<Vec<_>>>()?;
    crate::interrupt::check()?;
    for page in staged {
        page.commit()?;
    }
    Ok(())
}

/// The subcommands that get a page (all but `help`, which `--help` covers).
fn documented(cmd: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    cmd.get_subcommands()
        .filter(|s| s.get_name() != "help" && !s.is_hide_set())
}

/// One manual page: `cmd` is the top command, or a subcommand of `parent`.
fn page(cmd: &clap::Command, parent: Option<&clap::Command>) -> Result<Vec<u8>> {
    let version = env!("CARGO_PKG_VERSION");
    let (title, name) = match parent {
        None => ("pluginctl".to_string(), None),
        Some(_) => (
            format!("pluginctl-{}", cmd.get_name()),
            Some(cmd.get_name()),
        ),
    };
    let man = clap_mangen::Man::new(cmd.clone().display_name(title.clone()).version(version))
        .title(title.clone())
        .section("1")
        .source(format!("pluginctl {version}"))
        .manual("pluginctl manual");
    let mut out = Vec::new();
    let io = |e| Error::io("stdout", "cannot render the manual page", e);
    // The title line by hand: clap_mangen drops an empty date field, which shifts the
    // version into the date's place.
    out.extend_from_slice(
        format!(".TH {title} 1 \"\" \"pluginctl {version}\" \"pluginctl manual\"\n").as_bytes(),
    );
    man.render_name_section(&mut out).map_err(io)?;
    let mut roff = Roff::new();
    synopsis(&mut roff, cmd, name);
    out.extend_from_slice(roff.to_roff().as_bytes());
    man.render_description_section(&mut out).map_err(io)?;
    man.render_options_section(&mut out).map_err(io)?;
    let mut roff = Roff::new();
    if parent.is_none() {
        roff.control("SH", ["COMMANDS"]);
        for sub in documented(cmd) {
            roff.control("TP", []);
            roff.text([bold(format!("pluginctl-{}", sub.get_name())), roman("(1)")]);
            let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
            roff.text([roman(about)]);
        }
    }
    super::pages::render_examples(&mut roff, name);
    exit_status(&mut roff, name);
    environment(&mut roff, name);
    roff.control("SH", ["SEE ALSO"]);
    let see_also: Vec<String> = match parent {
        None => documented(cmd)
            .map(|s| format!("pluginctl-{}(1)", s.get_name()))
            .collect(),
        Some(_) => vec!["pluginctl(1)".to_string()],
    };
    let see_also: Vec<String> = see_also
        .into_iter()
        .chain(["pluginctl-plugin.yml(5)".to_string()])
        .collect();
    let mut refs = Vec::new();
    for (i, r) in see_also
        .iter()
        .chain(["dpkg-deb(1)".to_string()].iter())
        .enumerate()
    {
        if i > 0 {
            refs.push(roman(", "));
        }
        let (page, section) = r.split_at(r.find('(').unwrap_or(r.len()));
        refs.push(bold(page.to_string()));
        refs.push(roman(section.to_string()));
    }
    roff.text(refs);
    roff.control("SH", ["VERSION"]);
    roff.text([roman(format!("pluginctl {version}"))]);
    out.extend_from_slice(roff.to_roff().as_bytes());
    Ok(out)
}

/// `pluginctl build [-o|--output <DIR>] ... [PLUGIN_DIR]...`: every option with its value.
fn synopsis(roff: &mut Roff, cmd: &clap::Command, name: Option<&str>) {
    roff.control("SH", ["SYNOPSIS"]);
    let mut line: Vec<Inline> = vec![bold(match name {
        Some(n) => format!("pluginctl {n}"),
        None => "pluginctl".to_string(),
    })];
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        line.push(roman(" "));
        let value = |a: &clap::Arg| -> Option<String> {
            if !a.get_action().takes_values() {
                return None;
            }
            let choices: Vec<String> = a
                .get_possible_values()
                .iter()
                .map(|p| p.get_name().to_string())
                .collect();
            if !choices.is_empty() {
                return Some(format!("<{}>", choices.join("|")));
            }
            let names = a.get_value_names().map(|v| v.join(" "));
            Some(format!(
                "<{}>",
                names.unwrap_or_else(|| a.get_id().to_string().to_uppercase())
            ))
        };
        if arg.is_positional() {
            let v = value(arg).unwrap_or_default();
            let many = matches!(arg.get_num_args(), Some(r) if r.max_values() > 1);
            let dots = if many { "..." } else { "" };
            if arg.is_required_set() {
                line.push(italic(format!("{v}{dots}")));
            } else {
                line.push(roman("["));
                line.push(italic(v));
                line.push(roman(format!("]{dots}")));
            }
            continue;
        }
        line.push(roman(if arg.is_required_set() { "" } else { "[" }));
        let mut first = true;
        if let Some(s) = arg.get_short() {
            line.push(bold(format!("-{s}")));
            first = false;
        }
        if let Some(l) = arg.get_long() {
            if !first {
                line.push(roman("|"));
            }
            line.push(bold(format!("--{l}")));
        }
        if let Some(v) = value(arg) {
            line.push(roman(" "));
            line.push(italic(v));
        }
        line.push(roman(if arg.is_required_set() { "" } else { "]" }));
    }
    if name.is_none() {
        line.push(roman(" "));
        line.push(italic("<COMMAND>"));
        line.push(roman(" [OPTIONS]"));
    }
    roff.text(line);
}

/// The exit statuses `command` can return, as [`crate::error`] maps failures to them.
fn exit_status(roff: &mut Roff, command: Option<&str>) {
    use crate::error::*;
    roff.control("SH", ["EXIT STATUS"]);
    let rows = [
        (EXIT_OK.to_string(), "Success (lint: no error finding)."),
        (
            EXIT_FAILURE.to_string(),
            "An operational failure: the output folder cannot be written, the disk is full, a \
             package cannot be read; lint: an error finding.",
        ),
        (
            EXIT_USAGE.to_string(),
            "A usage error: unknown option, bad level, bad SOURCE_DATE_EPOCH, a dependency cycle.",
        ),
        (
            EXIT_INVALID_PLUGIN.to_string(),
            "The plugin is invalid: wazo/plugin.yml, wazo/rules or what rules package staged.",
        ),
        (
            EXIT_RULES_FAILED.to_string(),
            "A wazo/rules step failed; its status or signal is in the message.",
        ),
        (
            "128+N".to_string(),
            "Interrupted by signal N (129 SIGHUP, 130 SIGINT, 143 SIGTERM); everything was \
             cleaned up.",
        ),
    ];
    let only = super::pages::statuses(command);
    for (status, meaning) in rows.into_iter().filter(|(s, _)| only.contains(&s.as_str())) {
        roff.control("TP", []);
        roff.text([bold(status)]);
        roff.text([roman(meaning)]);
    }
}

/// The environment variables pluginctl reads, and which commands read them.
const ENVIRONMENT: [(&str, &[&str], &str); 6] = [
    (
        "SOURCE_DATE_EPOCH",
        &["build", "index"],
        "Seconds since 1970-01-01 UTC: the timestamp of every file of the package (build) and \
         the Date of Release (index). Without it, build takes the commit time of HEAD, else the \
         modification time of wazo/plugin.yml.",
    ),
    (
        "TMPDIR",
        &["build"],
        "Where the staging folder for rules package is made (default /tmp); it must be \
         writable and outside the plugin folder.",
    ),
    (
        "PATH",
        &["build"],
        "Searched for fakeroot (rules package runs under it when not root) and git (for the \
         commit time of HEAD).",
    ),
    (
        "TERM",
        &["build"],
        "When dumb, no progress bar is drawn (neither is one when stderr is not a terminal).",
    ),
    (
        "PLUGINCTL_PROGRESS_DELAY_MS",
        &["build"],
        "How long archiving runs before the progress bar appears, in milliseconds (default 300).",
    ),
    (
        "COLUMNS",
        &["*"],
        "The width --help text is wrapped to (at most 100), instead of the terminal's.",
    ),
];

fn environment(roff: &mut Roff, command: Option<&str>) {
    roff.control("SH", ["ENVIRONMENT"]);
    for (var, commands, text) in ENVIRONMENT {
        let applies = match command {
            None => true,
            Some(c) => commands.iter().any(|x| *x == "*" || *x == c),
        };
        if !applies {
            continue;
        }
        roff.control("TP", []);
        roff.text([bold(var)]);
        let who = if commands == ["*"] || command.is_some() {
            String::new()
        } else {
            format!(" ({})", commands.join(", "))
        };
        roff.text([roman(format!("{text}{who}"))]);
    }
}

/// Makes `inspect`'s argument complete to `.deb` files (and folders to walk into) only:
/// clap's generators know "a file" but not "a file of this kind".
fn only_debs(shell: ShellArg, script: &str) -> String {
    match shell {
        ShellArg::Bash => {
            let mut out = String::with_capacity(script.len() + 300);
            for line in script.split_inclusive('\n') {
                out.push_str(line);
                if line.trim() == "pluginctl__subcmd__inspect)" {
                    out.push_str(
                        "            if [[ ${cur} != -* ]] ; then\n\
                         \x20               compopt -o filenames 2>/dev/null\n\
                         \x20               COMPREPLY=( $(compgen -d -- \"${cur}\") $(compgen -f -X '!*.deb' -- \"${cur}\") )\n\
                         \x20               return 0\n\
                         \x20           fi\n",
                    );
                }
            }
            out
        }
        ShellArg::Zsh => script
            .lines()
            .map(|l| {
                if l.contains(":PKG.deb -- ") || l.contains("The package to read") {
                    l.replace(":_files'", ":_files -g \"*.deb\"'")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n",
        ShellArg::Fish => format!(
            "{script}complete -c pluginctl -n \"__fish_pluginctl_using_subcommand inspect\" -k -x -a \"(__fish_complete_suffix .deb)\"\n"
        ),
    }
}
