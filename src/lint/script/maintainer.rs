//! How maintainer scripts call the rules file: the variables they assign are expanded, then
//! the command words passed to the rules file's path are read.

use super::{statements, strip_comment, unquote};

/// `NAME=value` (after `export`, `readonly` or `local`) at the start of a statement: the
/// name and the value without its quotes. A value holding a command substitution is not
/// followed (its text is not what the variable holds).
fn assignment(stmt: &str) -> Option<(&str, String)> {
    let stmt = stmt.trim_start();
    let stmt = ["export ", "readonly ", "local "]
        .iter()
        .find_map(|kw| stmt.strip_prefix(kw))
        .map_or(stmt, str::trim_start);
    let (name, value) = stmt.split_once('=')?;
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let value = value.split_whitespace().next().unwrap_or("");
    if !valid || value.contains("$(") || value.contains('`') {
        return None;
    }
    Some((name, value.replace(['"', '\''], "")))
}

/// The script's lines with the variables it assigns expanded in the lines after the
/// assignment (`RULES=/usr/lib/.../wazo/rules` then `"$RULES" install` reads as
/// `"/usr/lib/.../wazo/rules" install`), as the Wazo daemon's own maintainer scripts call the
/// rules file. Comments are dropped; variables the script does not assign stay as written.
pub(crate) fn expand_assigned(text: &str) -> Vec<String> {
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut out = Vec::new();
    for line in text.lines() {
        let mut code = strip_comment(line).to_string();
        // Longest names first, so that $RULES_DIR is not read as $RULES followed by _DIR.
        let mut sorted: Vec<&(String, String)> = vars.iter().collect();
        sorted.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
        for (name, value) in sorted {
            code = code.replace(&format!("${{{name}}}"), value);
            let plain = format!("${name}");
            let mut expanded = String::with_capacity(code.len());
            let mut rest = code.as_str();
            while let Some(at) = rest.find(&plain) {
                let after = &rest[at + plain.len()..];
                expanded.push_str(&rest[..at]);
                if after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                    expanded.push_str(&plain);
                } else {
                    expanded.push_str(value);
                }
                rest = after;
            }
            expanded.push_str(rest);
            code = expanded;
        }
        for stmt in statements(&code) {
            if let Some((name, value)) = assignment(stmt) {
                vars.retain(|(n, _)| n != name);
                vars.push((name.to_string(), value));
            }
        }
        out.push(code);
    }
    out
}

/// The command words a maintainer script passes to a program named `target` (a path ending,
/// such as `plugins/demo/hello/wazo/rules`): `"$DPKG_ROOT/.../wazo/rules" install` gives
/// `install`, and so does `"${RULES}" install` after `RULES=.../wazo/rules`.
pub(crate) fn calls(text: &str, target: &str) -> Vec<String> {
    let mut out = Vec::new();
    for code in expand_assigned(text) {
        let mut rest = code.as_str();
        while let Some(at) = rest.find(target) {
            let after = &rest[at + target.len()..];
            let after = after.trim_start_matches(['"', '\'', '}']);
            if after.starts_with([' ', '\t']) {
                let word = unquote(after.split_whitespace().next().unwrap_or(""));
                let word = word.trim_end_matches(';').to_string();
                if !word.is_empty() {
                    out.push(word);
                }
            }
            rest = &rest[at + target.len()..];
        }
    }
    out
}
