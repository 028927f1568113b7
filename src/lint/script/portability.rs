//! What a rules file asks of the Debian it runs on: `set -o pipefail` under `#!/bin/sh`
//! (Debian's sh is dash, which refuses the option, and a refused option of the special
//! builtin `set` ends the script at once), and a bare `python` (Debian 11 and later have
//! only `python3`).

use super::{interpreter, statements, strip_comment, Findings, Place, Tag};
use crate::plugin::yaml::Pos;

/// True when a `set` statement turns on pipefail: `set -o pipefail`, `set -euo pipefail`,
/// `set -e -o pipefail`.
fn sets_pipefail(stmt: &str) -> bool {
    let words: Vec<&str> = stmt.split_whitespace().collect();
    words.first() == Some(&"set")
        && words.windows(2).any(|w| {
            w[1] == "pipefail"
                && w[0].starts_with('-')
                && !w[0].starts_with("--")
                && w[0].contains('o')
        })
}

/// The commands of a line: its statements, split again at `&&`, `||`, `|`, `$(`, a
/// backquote and a subshell's `(`, each trimmed.
fn commands(code: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for stmt in statements(code) {
        out.extend(
            stmt.split(['|', '&', '`', '('])
                .map(|c| c.trim_start_matches('$').trim())
                .filter(|c| !c.is_empty()),
        );
    }
    out
}

/// The program a command runs: its first word after variable assignments and the
/// wrappers that run another program (`exec`, `env`, `sudo`, `nohup`, `time`; not
/// `command`, whose `-v` only looks the name up).
fn program(command: &str) -> &str {
    command
        .split_whitespace()
        .find(|w| {
            let option = w.starts_with('-');
            let assignment = w.contains('=');
            let wrapper = matches!(*w, "exec" | "env" | "sudo" | "nohup" | "time" | "!");
            !(option || assignment || wrapper)
        })
        .unwrap_or("")
}

/// True for an unversioned Python: `python`, `/usr/bin/python`.
fn is_bare_python(program: &str) -> bool {
    program.rsplit('/').next() == Some("python")
}

/// The advice for a bare `python`.
const PYTHON_FIX: &str = "Debian 11 and later have no `python` command, only `python3`, so \
                          this fails with \"not found\"; call python3";

/// The `#!` line: a rules file run by a bare `python` cannot start.
pub(super) fn check_interpreter(first: &str, place: &Place, out: &mut Findings) {
    if interpreter(first).is_some_and(is_bare_python) {
        out.add(
            Tag::RulesUnversionedPython,
            place.line(1),
            format!("the #! line runs `python`: {PYTHON_FIX} (#!/usr/bin/python3)"),
        );
    }
}

/// A shell rules file's lines: pipefail under sh, and calls of a bare `python`.
pub(super) fn check_shell(lines: &[String], place: &Place, out: &mut Findings) {
    let first = lines.first().map_or("", String::as_str);
    let sh = matches!(interpreter(first), Some("sh" | "dash"));
    let mut python_reported = false;
    for (i, raw) in lines.iter().enumerate().skip(1) {
        let code = strip_comment(raw);
        if sh {
            if let Some(stmt) = statements(code).find(|s| sets_pipefail(s)) {
                out.add(
                    Tag::RulesPipefailInSh,
                    place.line(i + 1),
                    format!(
                        "`{stmt}` under {}: Debian's sh is dash, which refuses it (\"Illegal \
                         option -o pipefail\") and stops the script there, so every step of \
                         the rules file fails; start the file with #!/bin/bash, or drop \
                         pipefail",
                        first.trim()
                    ),
                );
            }
        }
        if !python_reported {
            if let Some(cmd) = commands(code)
                .into_iter()
                .find(|c| is_bare_python(program(c)))
            {
                let col = raw.find(cmd).map_or(1, |at| raw[..at].chars().count() + 1);
                out.add(
                    Tag::RulesUnversionedPython,
                    place.at(Pos { line: i + 1, col }),
                    format!("`{}` runs `python`: {PYTHON_FIX}", cmd.trim()),
                );
                python_reported = true;
            }
        }
    }
}
