//! Reading `wazo/plugin.yml` from a checkout: found inside the checkout wherever `wazo/`
//! leads, read with a size bound and without blocking, parsed with line and column kept.

use super::{from_tree, Diagnostic, Manifest, MANIFEST_PATH, MAX_MANIFEST_BYTES};
use crate::plugin::yaml::{self, Node, Pos, Value};
use std::path::{Path, PathBuf};

/// The manifest path of a plugin folder, as shown to the user.
pub(crate) fn manifest_path(plugin_dir: &Path) -> PathBuf {
    crate::plugin::paths::display_join(plugin_dir, MANIFEST_PATH)
}

/// Reads and parses `wazo/plugin.yml` into a YAML tree; errors are already one line.
pub(crate) fn read_tree(plugin_dir: &Path) -> crate::Result<(PathBuf, Node)> {
    read_tree_and_bytes(plugin_dir).map(|(shown, tree, _)| (shown, tree))
}

/// [`read_tree`], also returning the bytes parsed (what `build` ships).
fn read_tree_and_bytes(plugin_dir: &Path) -> crate::Result<(PathBuf, Node, Vec<u8>)> {
    let shown = manifest_path(plugin_dir);
    let bytes = read_inside(plugin_dir)?;
    let tree = parse_bytes(&bytes).map_err(|d| d.error(&shown))?;
    Ok((shown, tree, bytes))
}

/// The bytes of `wazo/plugin.yml`, refused when the file (or `wazo/`) leads out of the
/// checkout: what `build` and `lint` both read.
pub(crate) fn read_inside(plugin_dir: &Path) -> crate::Result<Vec<u8>> {
    let shown = manifest_path(plugin_dir);
    let path = plugin_dir.join(MANIFEST_PATH);
    // A symlink (of the file or of wazo/) must not make us read a file of the build machine.
    if let (Ok(real), Ok(root)) = (path.canonicalize(), plugin_dir.canonicalize()) {
        if !crate::plugin::paths::is_within(&real, &root) {
            return Err(crate::Error::plugin(shown, format!("resolves to {}, outside the plugin folder; make it a regular file of the checkout",
                crate::plugin::paths::shown(&real).display()
            )));
        }
    }
    read_limited(&path, &shown)
}

/// Reads a manifest file of at most [`MAX_MANIFEST_BYTES`]; errors name `shown`.
pub(crate) fn read_limited(path: &Path, shown: &Path) -> crate::Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| {
        crate::Error::plugin(
            shown,
            match e.kind() {
                std::io::ErrorKind::NotFound => {
                    "not found; is this a Wazo plugin folder?".to_string()
                }
                _ => format!("cannot read: {}", crate::error::describe_io(&e)),
            },
        )
    })?;
    if !meta.is_file() {
        return Err(crate::Error::plugin(shown, "not a regular file"));
    }
    if meta.len() > MAX_MANIFEST_BYTES {
        return Err(crate::Error::plugin(
            shown,
            format!(
                "{} bytes; a manifest larger than {} MiB is refused",
                meta.len(),
                MAX_MANIFEST_BYTES >> 20
            ),
        ));
    }
    crate::files::input::read_whole(path, MAX_MANIFEST_BYTES).map_err(|e| {
        let why = if e.kind() == std::io::ErrorKind::FileTooLarge {
            // It grew since the check above.
            format!(
                "a manifest larger than {} MiB is refused",
                MAX_MANIFEST_BYTES >> 20
            )
        } else {
            format!("cannot read: {}", crate::error::describe_io(&e))
        };
        crate::Error::plugin(shown, why)
    })
}

/// The parser's words when a line is indented less or more than its block allows.
const MISINDENTED: [&str; 5] = [
    "did not find expected key",
    "did not find expected '-' indicator",
    "simple key expect ':'",
    "simple key expected",
    "could not find expected ':'",
];

/// The column (0-based) where the content of `line` starts, after its indentation and any
/// `- ` list markers: where a line continuing its block lines up.
fn content_column(line: &str) -> usize {
    let mut col = line.len() - line.trim_start_matches(' ').len();
    let mut rest = &line[col..];
    while let Some(after) = rest.strip_prefix("- ") {
        let spaces = after.len() - after.trim_start_matches(' ').len();
        col += 2 + spaces;
        rest = &after[spaces..];
    }
    col
}

/// "line N needs indenting", when the parser stopped at a line that does not line up with
/// the line before it (a continued value or a key of a list item indented too little).
fn indent_hint(text: &str, line: usize, message: &str) -> Option<String> {
    if !MISINDENTED.iter().any(|m| message.contains(m)) {
        return None;
    }
    let lines: Vec<&str> = text.lines().collect();
    let content = |i: &usize| {
        let l = lines[*i].trim_start();
        !l.is_empty() && !l.starts_with('#')
    };
    // The parser stops on the bad line's own token, or (a key without ':') on the next
    // token after it.
    let simple_key = key_without_colon(message);
    let bad = if simple_key {
        (0..line.saturating_sub(1).min(lines.len()))
            .rev()
            .find(content)?
    } else {
        line.checked_sub(1).filter(|i| *i < lines.len())?
    };
    let above = (0..bad).rev().find(content)?;
    let indent = lines[bad].len() - lines[bad].trim_start_matches(' ').len();
    let want = content_column(lines[above]);
    if indent >= want {
        return None;
    }
    let add = want - indent;
    let spaces = if add == 1 { "space" } else { "spaces" };
    // The spaces to add; with the total when the line is already indented a little.
    let by = if indent == 0 {
        format!("{add} {spaces}")
    } else {
        format!("{add} more {spaces} ({want} in all)")
    };
    Some(format!(
        "; line {} needs indenting: indent it by {by} to line up with line {}",
        bad + 1,
        above + 1
    ))
}

/// The parser's words for a key that no ':' follows.
fn key_without_colon(message: &str) -> bool {
    message.contains("simple key expect") || message.contains("expected ':'")
}

/// Where a syntax error really is. For a key without ':' the parser stops at the next
/// token, usually on a later line: the line at fault is then the last line with content
/// before where it stopped (or the line it stopped in, when it stopped after content on it),
/// and the place is that line's first character, as the hint names it.
fn fault_pos(text: &str, pos: Pos, message: &str) -> Pos {
    if !key_without_colon(message) {
        return pos;
    }
    let lines: Vec<&str> = text.lines().collect();
    let content = |l: &str| {
        let l = l.trim_start();
        !l.is_empty() && !l.starts_with('#')
    };
    let stopped_after_content = lines
        .get(pos.line.wrapping_sub(1))
        .and_then(|l| l.get(..pos.col.saturating_sub(1)))
        .is_some_and(content);
    let fault = if stopped_after_content {
        Some(pos.line - 1)
    } else {
        (0..pos.line.saturating_sub(1).min(lines.len()))
            .rev()
            .find(|i| content(lines[*i]))
    };
    match fault {
        Some(i) => Pos {
            line: i + 1,
            col: lines[i].len() - lines[i].trim_start_matches(' ').len() + 1,
        },
        None => pos,
    }
}

/// A fix for the parser's words where they give none: a line indented too little, or an
/// unquoted `: ` in a value (the usual cause of "mapping values are not allowed").
fn syntax_hint(text: &str, line: usize, message: &str) -> String {
    if let Some(hint) = indent_hint(text, line, message) {
        return hint;
    }
    if key_without_colon(message) {
        return "; a key must be followed by ':' and a space (key: value)".to_string();
    }
    if !message.starts_with("mapping values are not allowed") {
        return String::new();
    }
    let Some(source) = text.lines().nth(line.saturating_sub(1)) else {
        return String::new();
    };
    let item = source.trim_start().trim_start_matches("- ");
    let Some((key, value)) = item.split_once(": ") else {
        return String::new();
    };
    let value = value.trim();
    if !value.contains(": ") || value.starts_with(['"', '\'']) {
        return "; check this line's indentation against the lines above".to_string();
    }
    let quoted = value.replace('\\', "\\\\").replace('"', "\\\"");
    format!("; a value holding \": \" must be quoted: {key}: \"{quoted}\"")
}

/// Parses manifest bytes into a YAML tree (UTF-8, one document, a mapping).
pub(crate) fn parse_bytes(bytes: &[u8]) -> Result<Node, Diagnostic> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Diagnostic::new(
            yaml::utf8_error_pos(bytes, &e),
            "not valid UTF-8; save the file as UTF-8",
        )
    })?;
    let tree = yaml::parse(text).map_err(|e| {
        let hint = syntax_hint(text, e.pos.line, &e.message);
        Diagnostic::new(
            fault_pos(text, e.pos, &e.message),
            format!("YAML syntax: {}{hint}", e.message),
        )
    })?;
    let Some(tree) = tree else {
        return Err(Diagnostic::new(
            Pos { line: 1, col: 1 },
            "empty; a plugin needs at least name, namespace and version",
        ));
    };
    if !matches!(tree.value, Value::Map(_)) {
        return Err(Diagnostic::new(
            tree.pos,
            format!(
                "the file must be a YAML mapping (key: value lines), not {}",
                tree.kind_name()
            ),
        ));
    }
    Ok(tree)
}

/// A manifest as it was validated: its bytes (to notice a later change) and its tree (for
/// lint's checks before a build, which then need not read and parse the file again).
#[derive(Debug)]
pub(crate) struct Validated {
    /// The bytes read.
    pub(crate) bytes: Vec<u8>,
    /// The tree parsed from them.
    pub(crate) tree: Node,
}

/// Loads and validates a plugin's manifest (the error is the first problem, as one line),
/// with the bytes and tree that were validated.
pub(crate) fn load_with_bytes(plugin_dir: &Path) -> crate::Result<(Manifest, Validated)> {
    let (shown, tree, bytes) = read_tree_and_bytes(plugin_dir)?;
    let manifest = from_tree(&tree).map_err(|diags| diags[0].error(&shown))?;
    Ok((manifest, Validated { bytes, tree }))
}

#[cfg(test)]
mod tests {
    use super::parse_bytes;

    /// The line and the spaces a "needs indenting" hint names.
    fn hint(message: &str) -> Option<(usize, usize)> {
        let rest = message.split("; line ").nth(1)?;
        let (line, rest) = rest.split_once(" needs indenting: indent it by ")?;
        let spaces = rest.split(' ').next()?;
        Some((line.parse().ok()?, spaces.parse().ok()?))
    }

    /// Doing what the hint says makes the manifest parse: the line and the count are those
    /// to fix, whether the line has no indent or some.
    #[test]
    fn following_the_indent_hint_makes_the_manifest_parse() {
        let cases = [
            "name: a\ndepends:\n  - name: b\n   namespace: c\n",
            "name: a\ndepends:\n  - name: b\n namespace: c\n",
            "name: a\ndepends:\n- name: b\n namespace: c\n",
            "name: a\ndescription: >\n  Says hello\nto everyone\n",
            "name: a\ndepends:\n    - name: b\n      version: \"1\"\n  namespace: c\n",
        ];
        for text in cases {
            let err = parse_bytes(text.as_bytes()).expect_err(text);
            let (line, spaces) =
                hint(&err.message).unwrap_or_else(|| panic!("{text:?}: {}", err.message));
            let fixed: String = text
                .lines()
                .enumerate()
                .map(|(i, l)| {
                    let pad = if i + 1 == line { spaces } else { 0 };
                    format!("{}{l}\n", " ".repeat(pad))
                })
                .collect();
            assert!(
                parse_bytes(fixed.as_bytes()).is_ok(),
                "{text:?}: {} -> {fixed:?}",
                err.message
            );
        }
    }
}
