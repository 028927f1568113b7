//! Heuristics on shell scripts: the rules file of a checkout or of a package, and the
//! maintainer scripts of a package.
//!
//! pluginctl does not parse shell. It reads lines, drops comments, finds the `case`
//! statements on `$1` and their branch patterns, and the variables a line expands. That is
//! enough for the mistakes plugin authors make (a missing `postrm)` branch, `DEB_BUILD_ARCH`,
//! `$pkgdir` in `install`), and every check says in its explanation how it decides.

mod aliases;
mod dispatch;
mod maintainer;
mod portability;
#[cfg(test)]
mod tests;
mod variables;

use super::{Findings, Place, Tag};
use dispatch::dispatch;
pub(super) use maintainer::{calls, expand_assigned};
use variables::{assigns, expansions, never_set};

/// What the payload checks of a package need to know about its rules file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RulesFacts {
    /// The file stops on the first failing command (`set -e` or `#!/bin/sh -e`).
    pub(crate) set_e: bool,
    /// Its `package` branch runs something besides `:`, `true` and `echo`.
    pub(crate) package_does_work: bool,
}

/// Where a rules file is checked, which decides the commands it must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// A checkout: `build` and `package` will be run too.
    Checkout,
    /// A built package: only the maintainer-time commands remain.
    Package,
}

use crate::plugin::shebang::interpreter;
pub(crate) use crate::plugin::shebang::{first_crlf_line, has_shebang};

/// True when the `#!` line names a POSIX-like shell (directly or through `env`).
fn is_shell(first_line: &str) -> bool {
    // No interpreter: a shell is what the author most likely meant.
    interpreter(first_line).is_none_or(|program| {
        matches!(
            program,
            "sh" | "bash" | "dash" | "ksh" | "mksh" | "zsh" | "ash" | "busybox"
        )
    })
}

/// A line without its comment (a `#` at the start of a word, outside quotes).
fn strip_comment(line: &str) -> &str {
    let (mut single, mut double, mut prev_blank) = (false, false, true);
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && prev_blank => return &line[..i],
            _ => {}
        }
        prev_blank = c.is_whitespace() || c == ';';
    }
    line
}

/// The statements of a line, split on `;` (the `;;` of a branch end is dropped).
fn statements(code: &str) -> impl Iterator<Item = &str> {
    code.split(';').map(str::trim).filter(|s| !s.is_empty())
}

fn unquote(word: &str) -> String {
    word.trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .to_string()
}

/// True when the script turns on errexit: `set -e`, `set -eu`, `set -o errexit`, `sh -e`.
fn has_set_e(lines: &[String]) -> bool {
    if let Some(first) = lines.first().filter(|l| l.starts_with("#!")) {
        if first
            .split_whitespace()
            .skip(1)
            .any(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('e'))
        {
            return true;
        }
    }
    lines.iter().any(|l| {
        statements(strip_comment(l)).any(|stmt| {
            let words: Vec<&str> = stmt.split_whitespace().collect();
            words.first() == Some(&"set")
                && (words[1..]
                    .iter()
                    .any(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('e'))
                    || words.windows(2).any(|w| w == ["-o", "errexit"]))
        })
    })
}

/// What a rules command is for, to say why a missing branch matters.
fn purpose(word: &str) -> &'static str {
    match word {
        "build" => "the first build step",
        "package" => "the build step that fills $pkgdir",
        "install" => "run by postinst after the package is installed",
        "uninstall" => "run by prerm before the package is removed",
        _ => "run by postrm after the package is removed (plugin_format_version >= 1)",
    }
}

/// Checks a rules file's text (from a checkout or a package) and returns what the package
/// checks need; the mode and the file type are the caller's business. `format` is the
/// plugin's format version, `None` when the manifest cannot tell it: the checks that
/// depend on it are then skipped.
pub(crate) fn check_rules(
    bytes: &[u8],
    format: Option<u8>,
    stage: Stage,
    place: &Place,
    out: &mut Findings,
) -> RulesFacts {
    if !has_shebang(bytes) {
        out.add(
            Tag::RulesNoShebang,
            place.line(1),
            crate::plugin::shebang::NO_SHEBANG,
        );
    }
    if let Some(line) = first_crlf_line(bytes) {
        // The fix names the file as the other messages do (`m2/wazo/rules`).
        let shown = match stage {
            Stage::Checkout => place.path.as_str(),
            _ => "wazo/rules",
        };
        out.add(
            Tag::RulesCrlf,
            place.line(line),
            crate::plugin::shebang::crlf_problem(shown),
        );
    }
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.trim_end_matches('\r').to_string())
        .collect();
    let facts_default = RulesFacts {
        set_e: true,
        package_does_work: false,
    };
    let first = lines.first().map_or("", String::as_str);
    portability::check_interpreter(first, place, out);
    if !is_shell(first) {
        return facts_default;
    }
    portability::check_shell(&lines, place, out);
    let set_e = has_set_e(&lines);
    if !set_e {
        out.add(
            Tag::RulesNoSetE,
            place.clone(),
            "no set -e: a failing command does not stop the rules file (add set -e after the #! line)",
        );
    }
    let d = dispatch(&lines);
    let mut words = match stage {
        Stage::Checkout => vec!["build", "package", "install", "uninstall"],
        Stage::Package => vec!["install", "uninstall"],
    };
    if format.is_some_and(|f| f >= 1) {
        words.push("postrm");
    }
    if !d.is_empty() {
        let failing = d
            .branches
            .iter()
            .filter(|b| b.is_catch_all())
            .find_map(|b| b.failure(&d.exiting).map(|f| (b.line, f)));
        if let Some((branch_line, (_, stmt))) = failing {
            for word in words.iter().filter(|w| !d.handles(w)) {
                out.add(
                    Tag::RulesMissingCommand,
                    place.line(branch_line),
                    format!(
                        "no branch for \"{word}\" ({}), and the *) branch here ends with `{stmt}`, \
                         so that call fails; add a branch, even an empty one: {word}) ;;",
                        purpose(word)
                    ),
                );
            }
        }
    }
    if format == Some(0) {
        if let Some(b) = d
            .branches
            .iter()
            // A branch shared with other commands (`install|postrm)`) is live code.
            .find(|b| b.patterns.iter().all(|p| p == "postrm") && b.does_work())
        {
            out.add(
                Tag::RulesPostrmIgnored,
                place.line(b.line),
                "this postrm branch never runs: the package calls `rules postrm` only for \
                 plugin_format_version 1 or more (set plugin_format_version: 1)",
            );
        }
    }
    let mut reported = std::collections::HashSet::new();
    for (i, raw) in lines.iter().enumerate() {
        for (col, name) in expansions(strip_comment(raw)) {
            if let Some(advice) = never_set(&name) {
                if reported.insert(name.clone()) && !assigns(&lines, &name) {
                    out.add(
                        Tag::RulesUnsetVariable,
                        place.at(crate::plugin::yaml::Pos { line: i + 1, col }),
                        format!(
                            "${name} is never set when wazo-plugind runs the rules file, so it \
                             is empty here; {advice}"
                        ),
                    );
                }
            }
        }
    }
    for b in d.branches.iter().filter(|b| !b.names("package")) {
        for (line, code) in &b.body {
            if let Some((col, _)) = expansions(code).into_iter().find(|(_, n)| n == "pkgdir") {
                let raw = &lines[line - 1];
                let col = raw.find(code.as_str()).map_or(col, |at| at + col);
                out.add(
                    Tag::RulesUnsetVariable,
                    place.at(crate::plugin::yaml::Pos { line: *line, col }),
                    format!(
                        "$pkgdir is only set for `rules package`; in the \"{}\" branch it is \
                         empty, so \"$pkgdir/...\" means a path from /",
                        b.patterns.join("|")
                    ),
                );
                break;
            }
        }
    }
    RulesFacts {
        set_e,
        package_does_work: d
            .branches
            .iter()
            .any(|b| b.names("package") && b.does_work()),
    }
}

/// The folders of the checkout that the `package` branch copies (`cp -R SRC... "$pkgdir..."`,
/// `cp -a`, `rsync -a`), as written relative to the checkout (`.` for all of it); sources
/// holding a `$` or a glob are left out, since their value cannot be told from the text.
pub(crate) fn package_copies(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.trim_end_matches('\r').to_string())
        .collect();
    let d = dispatch(&lines);
    let mut out = Vec::new();
    for b in d.branches.iter().filter(|b| b.names("package")) {
        for (_, code) in &b.body {
            for stmt in statements(code) {
                let words: Vec<&str> = stmt.split_whitespace().collect();
                if !matches!(words.first(), Some(&"cp") | Some(&"rsync")) {
                    continue;
                }
                let args: Vec<&str> = words[1..]
                    .iter()
                    .copied()
                    .filter(|w| !w.starts_with('-'))
                    .collect();
                let Some((_, sources)) = args.split_last() else {
                    continue;
                };
                for src in sources {
                    let src = unquote(src);
                    if src.is_empty() || src.contains(['$', '*', '?', '[', '`']) {
                        continue;
                    }
                    let src = src.trim_end_matches('/').to_string();
                    let src = if src.is_empty() { "/".to_string() } else { src };
                    if !out.contains(&src) {
                        out.push(src);
                    }
                }
            }
        }
    }
    out
}
