//! A package's `control` file (deb822: `Name: value` fields with continuation lines), read
//! exactly as `dpkg --unpack` reads it.
//!
//! The one reader of control fields: `inspect` and `index` refuse a control file it finds
//! a syntax error in, and `lint` reports every one of them, so the three never disagree and
//! none of them disagrees with dpkg (the tests build each odd file into a package and ask
//! `dpkg --unpack`). It reads bytes: dpkg accepts any byte in a value (Latin-1 included), so
//! a value is kept both as the bytes written and as text (lossy), and only `lint` objects.

use serde::ser::{Serialize, SerializeMap, Serializer};
use std::fmt;

/// One field as dpkg stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    /// The name as written (lossy text when it is not UTF-8).
    pub(crate) name: String,
    /// The value: the text after `Name:` with surrounding blanks trimmed, each continuation
    /// line appended after a `\n` with its leading blank (lossy text when not UTF-8).
    pub(crate) value: String,
    /// The value's bytes exactly (same shape as `value`).
    pub(crate) bytes: Vec<u8>,
    /// The 1-based line the field starts on.
    pub(crate) line: usize,
    /// True when the value has continuation lines.
    pub(crate) multiline: bool,
    /// True when the name and the value are valid UTF-8.
    pub(crate) utf8: bool,
}

/// One paragraph: its fields in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Paragraph {
    fields: Vec<Field>,
}

impl Paragraph {
    /// The value of a field; names compare without regard to ASCII case, as dpkg does.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.field(name).map(|f| f.value.as_str())
    }

    /// The whole field named `name` (any case).
    pub(crate) fn field(&self, name: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The fields in order.
    pub(crate) fn fields(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter()
    }

    /// Removes a field (any case); true when it was there.
    pub(crate) fn remove(&mut self, name: &str) -> bool {
        let before = self.fields.len();
        self.fields.retain(|f| !f.name.eq_ignore_ascii_case(name));
        self.fields.len() != before
    }

    /// Inserts a field before the one named `before` (at the end when there is none).
    pub(crate) fn insert_before(&mut self, before: &str, name: &str, value: &str) {
        let at = self
            .fields
            .iter()
            .position(|f| f.name.eq_ignore_ascii_case(before))
            .unwrap_or(self.fields.len());
        self.fields.insert(at, made(name, value, at));
    }

    /// The control-file lines with every byte as read (what `index` publishes), each ending
    /// in `\n`, no blank line after.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for f in &self.fields {
            out.extend_from_slice(f.name.as_bytes());
            out.push(b':');
            if !(f.bytes.is_empty() || f.bytes.starts_with(b"\n")) {
                out.push(b' ');
            }
            out.extend_from_slice(&f.bytes);
            out.push(b'\n');
        }
        out
    }
}

fn made(name: &str, value: &str, line: usize) -> Field {
    Field {
        name: name.to_string(),
        value: value.to_string(),
        bytes: value.as_bytes().to_vec(),
        line,
        multiline: value.contains('\n'),
        utf8: true,
    }
}

/// Writes the paragraph as control-file lines (lossy text), each ending in `\n`.
impl fmt::Display for Paragraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.to_bytes()))
    }
}

/// A JSON object of the fields, in file order (values as lossy text).
impl Serialize for Paragraph {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.fields.len()))?;
        for f in &self.fields {
            map.serialize_entry(&f.name, &f.value)?;
        }
        map.end()
    }
}

/// A syntax error dpkg refuses the package for: the 1-based line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// Line number, from 1.
    pub(crate) line: usize,
    /// What is wrong.
    pub(crate) message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A control file read: the fields dpkg would keep, and every syntax error (dpkg stops at
/// the first; reading goes on past each so that `lint` can report them all).
#[derive(Debug, Clone, Default)]
pub(crate) struct Parsed {
    /// The fields of the (first) paragraph.
    pub(crate) paragraph: Paragraph,
    /// Syntax errors in line order; empty when dpkg accepts the file.
    pub(crate) errors: Vec<SyntaxError>,
}

/// The blanks of C's `isspace` (dpkg's `c_isspace`), newline aside.
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | 0x0b | 0x0c)
}

fn shown(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let cut: String = text.chars().take(60).collect();
    format!("{cut:?}")
}

fn trim_blanks(mut b: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = b {
        if !is_blank(*first) {
            break;
        }
        b = rest;
    }
    while let [rest @ .., last] = b {
        if !is_blank(*last) {
            break;
        }
        b = rest;
    }
    b
}

/// Reads a binary package's `control` file as `dpkg --unpack` does.
pub(crate) fn parse_control(text: &[u8]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut err = |line: usize, message: String| parsed.errors.push(SyntaxError { line, message });
    let mut fields: Vec<Field> = Vec::new();
    // `None` before the paragraph, `Some(0)` inside it, `Some(n)` after the blank line n.
    let mut ended: Option<usize> = None;
    let mut started = false;
    // A bad field line: its continuation lines are skipped with it.
    let mut skipping = false;
    let mut lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    let unterminated = lines.last().is_some_and(|l| !l.is_empty());
    if !unterminated {
        lines.pop();
    }
    let count = lines.len();
    for (i, line) in lines.into_iter().enumerate() {
        let line_no = i + 1;
        let last = line_no == count;
        let no_newline = last && unterminated;
        if line.is_empty() {
            if started && ended.is_none() {
                ended = Some(line_no);
            }
            continue;
        }
        if let Some(blank) = ended {
            err(
                line_no,
                format!(
                    "a second paragraph after the empty line {blank}; a package's control file \
                     holds one"
                ),
            );
            break;
        }
        started = true;
        if is_blank(line[0]) {
            if skipping {
                continue;
            }
            let Some(f) = fields.last_mut() else {
                err(
                    line_no,
                    "a continuation line (starting with a blank) before any field".into(),
                );
                skipping = true;
                continue;
            };
            if line.iter().all(|&b| is_blank(b)) {
                err(
                    line_no,
                    format!(
                        "a line of blanks inside the field {}; only an empty line ends a \
                         paragraph (remove the blanks, or write \" .\" for an empty line)",
                        f.name
                    ),
                );
                continue;
            }
            let mut end = line.len();
            while end > 0 && is_blank(line[end - 1]) {
                end -= 1;
            }
            f.bytes.push(b'\n');
            f.bytes.extend_from_slice(&line[..end]);
            f.multiline = true;
            if no_newline {
                err(
                    line_no,
                    format!(
                        "the file ends inside the field {} (no final newline)",
                        f.name
                    ),
                );
            }
            continue;
        }
        skipping = true;
        let name_end = line
            .iter()
            .position(|&b| b == b':' || is_blank(b))
            .unwrap_or(line.len());
        let name = &line[..name_end];
        let rest = trim_blanks(&line[name_end..]);
        if line[0] == b'#' && rest.first() != Some(&b':') {
            err(
                line_no,
                "a line starting with #: a control file has no comments (remove the line)".into(),
            );
            continue;
        }
        if name.is_empty() {
            err(
                line_no,
                "a line starting with a colon (no field name)".into(),
            );
            continue;
        }
        if name[0] == b'-' {
            err(
                line_no,
                format!("the field name {} starts with a hyphen", shown(name)),
            );
            continue;
        }
        let Some(value) = rest.strip_prefix(b":") else {
            let what = if rest.is_empty() {
                "has no colon"
            } else {
                "is not followed by a colon"
            };
            err(
                line_no,
                format!(
                    "{} {what}: neither \"Name: value\" nor a continuation line",
                    shown(name)
                ),
            );
            continue;
        };
        let name_text = String::from_utf8_lossy(name).into_owned();
        let value = trim_blanks(value);
        // dpkg looks for a value past the newline of an empty one: at the end of the file
        // there is none.
        if no_newline || (value.is_empty() && last) {
            err(
                line_no,
                format!("the file ends inside the field {name_text} (no final newline)"),
            );
            continue;
        }
        if let Some(first) = fields
            .iter()
            .find(|f| f.name.as_bytes().eq_ignore_ascii_case(name))
        {
            err(
                line_no,
                format!(
                    "the field {name_text} appears twice (first at line {})",
                    first.line
                ),
            );
            continue;
        }
        skipping = false;
        fields.push(Field {
            utf8: std::str::from_utf8(name).is_ok(),
            name: name_text,
            value: String::new(),
            bytes: value.to_vec(),
            line: line_no,
            multiline: false,
        });
    }
    for f in &mut fields {
        let end = f.bytes.len() - trim_tail(&f.bytes);
        f.bytes.truncate(end);
        f.utf8 &= std::str::from_utf8(&f.bytes).is_ok();
        f.value = String::from_utf8_lossy(&f.bytes).into_owned();
    }
    if fields.is_empty() && parsed.errors.is_empty() {
        parsed.errors.push(SyntaxError {
            line: 1,
            message: "no field at all".into(),
        });
    }
    parsed.paragraph = Paragraph { fields };
    parsed
}

/// How many blank bytes end `b`.
fn trim_tail(b: &[u8]) -> usize {
    b.iter().rev().take_while(|&&c| is_blank(c)).count()
}

/// Reads a control file that dpkg must accept: its first syntax error otherwise.
pub(crate) fn parse_one(text: &[u8]) -> Result<Paragraph, SyntaxError> {
    let mut parsed = parse_control(text);
    if parsed.errors.is_empty() {
        Ok(parsed.paragraph)
    } else {
        Err(parsed.errors.swap_remove(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_error(text: &[u8]) -> String {
        parse_one(text).unwrap_err().to_string()
    }

    #[test]
    fn keeps_order_case_and_continuation_lines() {
        let text = "Package: a\nversion: 1.0\nDescription: short\n long line\n .\n end\n";
        let p = parse_one(text.as_bytes()).unwrap();
        assert_eq!(p.get("Version"), Some("1.0"));
        assert_eq!(p.get("description"), Some("short\n long line\n .\n end"));
        assert_eq!(p.to_string(), text);
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            json,
            r#"{"Package":"a","version":"1.0","Description":"short\n long line\n .\n end"}"#
        );
    }

    #[test]
    fn keeps_bytes_that_are_not_utf8() {
        let p = parse_one(b"Package: a\nX-L: caf\xe9\n").unwrap();
        let f = p.field("x-l").unwrap();
        assert!(!f.utf8);
        assert_eq!(f.value, "caf\u{fffd}");
        assert_eq!(p.to_bytes(), b"Package: a\nX-L: caf\xe9\n");
    }

    #[test]
    fn refuses_what_dpkg_refuses() {
        assert_eq!(
            first_error(b"A: 1\nA: 2\n"),
            "line 2: the field A appears twice (first at line 1)"
        );
        assert_eq!(
            first_error(b" x\n"),
            "line 1: a continuation line (starting with a blank) before any field"
        );
        assert_eq!(
            first_error(b"A: 1\nnothing\n"),
            "line 2: \"nothing\" has no colon: neither \"Name: value\" nor a continuation line"
        );
        assert_eq!(
            first_error(b"# c\nA: 1\n"),
            "line 1: a line starting with #: a control file has no comments (remove the line)"
        );
        assert_eq!(
            first_error(b"A: 1"),
            "line 1: the file ends inside the field A (no final newline)"
        );
        assert_eq!(
            first_error(b"A: 1\n\nB: 2\n"),
            "line 3: a second paragraph after the empty line 2; a package's control file holds one"
        );
        assert!(parse_one(b"\n\nA: 1\nB:\nC : x\r\n\n\n").is_ok());
    }
}
