//! Names a script gives to what the dispatch checks look for: variables holding the first
//! argument (`CMD="${1:-}"`, then `case "$CMD" in`) and functions that exit with a failure
//! (`die() { echo "$*" >&2; exit 1; }`, then `*) die "unknown command" ;;`), as real
//! plugins write their rules files.

use super::{statements, strip_comment};

/// True for a shell variable name.
fn is_name(word: &str) -> bool {
    let mut chars = word.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// True for an expansion of the first argument: `$1`, `"$1"`, `${1}`, `${1:-}`, `${1-x}`.
pub(super) fn is_first_arg_expansion(word: &str) -> bool {
    let s = word.trim_matches(|c| c == '"' || c == '\'');
    s == "$1" || s.starts_with("${1}") || s.starts_with("${1:") || s.starts_with("${1-")
}

/// The variables assigned the first argument at the top of the script: `CMD=$1`,
/// `CMD="${1:-}"`, `readonly ACTION="$1"`, `local cmd=$1`.
pub(super) fn first_arg_names(lines: &[String]) -> Vec<String> {
    let mut names = Vec::new();
    for raw in lines {
        for stmt in statements(strip_comment(raw)) {
            let mut words = stmt.split_whitespace();
            let mut word = words.next().unwrap_or("");
            if matches!(
                word,
                "readonly" | "local" | "export" | "declare" | "typeset"
            ) {
                word = words.next().unwrap_or("");
            }
            let Some((name, value)) = word.split_once('=') else {
                continue;
            };
            if is_name(name) && words.next().is_none() && is_first_arg_expansion(value) {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// True when `word` expands one of `names`: `$CMD`, `"$CMD"`, `${CMD}`, `"${CMD:-}"`.
pub(super) fn expands_one_of(word: &str, names: &[String]) -> bool {
    let s = word.trim_matches(|c| c == '"' || c == '\'');
    let Some(rest) = s.strip_prefix('$') else {
        return false;
    };
    let name = match rest.strip_prefix('{') {
        Some(inner) => inner
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .next()
            .unwrap_or(""),
        None => rest,
    };
    names.iter().any(|n| n == name)
}

/// The `exit N` (N != 0) among statements, when there is one.
pub(super) fn failing_exit(stmt: &str) -> bool {
    let mut words = stmt.split_whitespace();
    words.next() == Some("exit")
        && words
            .next()
            .is_some_and(|n| n.parse::<i64>().is_ok_and(|n| n != 0))
}

/// The name a line defines as a function (`die() {`, `die () {`, `function die {`), and
/// the code after its opening brace.
fn function_head(code: &str) -> Option<(String, &str)> {
    let code = code.trim_start();
    let code = code.strip_prefix("function ").map_or(code, str::trim_start);
    let end = code
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(code.len());
    let (name, rest) = code.split_at(end);
    if name.is_empty() {
        return None;
    }
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("()").map_or(rest, str::trim_start);
    let body = rest.strip_prefix('{')?;
    Some((name.to_string(), body))
}

/// The functions whose body runs `exit N` with N != 0: calling one fails the script.
pub(super) fn exiting_functions(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<(String, bool)> = None;
    for raw in lines {
        let code = strip_comment(raw).trim();
        if current.is_none() {
            if let Some((name, body)) = function_head(code) {
                let body = body.trim();
                let one_line = body.ends_with('}');
                let body = body.trim_end_matches('}');
                let exits = statements(body).any(failing_exit);
                if one_line {
                    if exits {
                        out.push(name);
                    }
                } else {
                    current = Some((name, exits));
                }
            }
            continue;
        }
        if let Some((name, exits)) = current.as_mut() {
            let body = code.trim_end_matches('}');
            *exits |= statements(body).any(failing_exit);
            if code == "}" || code.ends_with(" }") || code.ends_with(";}") {
                if *exits {
                    out.push(std::mem::take(name));
                }
                current = None;
            }
        }
    }
    out
}
