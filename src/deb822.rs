//! Debian control paragraphs (deb822): `Name: value` fields with continuation lines.
//!
//! The one reader of control fields, shared by `inspect` (a package's `control` file) and
//! `index` (which copies those fields into an apt `Packages` file), so both read a package
//! the same way.

use serde::ser::{Serialize, SerializeMap, Serializer};
use std::fmt;

/// One paragraph: its fields in file order.
///
/// A value is kept as dpkg stores it: the text after `Name:` with surrounding blanks
/// trimmed, and each continuation line appended after a `\n` exactly as written (with
/// its leading space), so writing `Name: value` back gives the original lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paragraph {
    fields: Vec<(String, String)>,
}

impl Paragraph {
    /// The value of a field; names compare without regard to case, as dpkg does.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The fields in order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// True when the paragraph has no field.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Appends a field (the caller keeps names unique).
    pub fn push(&mut self, name: &str, value: &str) {
        self.fields.push((name.to_string(), value.to_string()));
    }

    /// Removes a field (any case); true when it was there.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.fields.len();
        self.fields.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.fields.len() != before
    }

    /// Inserts a field before the one named `before` (at the end when there is none).
    pub fn insert_before(&mut self, before: &str, name: &str, value: &str) {
        let at = self
            .fields
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(before))
            .unwrap_or(self.fields.len());
        self.fields
            .insert(at, (name.to_string(), value.to_string()));
    }
}

/// Writes the paragraph as control-file lines, each ending in `\n` (no blank line after).
impl fmt::Display for Paragraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in &self.fields {
            if value.starts_with('\n') || value.is_empty() {
                writeln!(f, "{name}:{value}")?;
            } else {
                writeln!(f, "{name}: {value}")?;
            }
        }
        Ok(())
    }
}

/// A JSON object of the fields, in file order.
impl Serialize for Paragraph {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.fields.len()))?;
        for (name, value) in &self.fields {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// A syntax problem: the 1-based line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Line number, from 1.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Parses text holding one or more paragraphs separated by blank lines.
///
/// Comment lines (`#`) are skipped, as dpkg does in control files. A field name repeated
/// within a paragraph, a continuation line with no field before it, or a line without a
/// colon is an error.
pub fn parse(text: &str) -> Result<Vec<Paragraph>, SyntaxError> {
    let mut out = Vec::new();
    let mut current = Paragraph::default();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let err = |message: String| SyntaxError {
            line: line_no,
            message,
        };
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            let Some(last) = current.fields.last_mut() else {
                return Err(err(
                    "a continuation line (starting with a space) before any field".into(),
                ));
            };
            last.1.push('\n');
            last.1.push_str(line.trim_end());
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(err(format!(
                "{:?} is neither \"Name: value\" nor a continuation line",
                truncate(line)
            )));
        };
        if name.is_empty()
            || name.starts_with('-')
            || !name.chars().all(|c| c.is_ascii_graphic() && c != ':')
        {
            return Err(err(format!("bad field name {:?}", truncate(name))));
        }
        if current.get(name).is_some() {
            return Err(err(format!("field {name:?} appears twice")));
        }
        current.push(name, value.trim());
    }
    if !current.is_empty() {
        out.push(current);
    }
    Ok(out)
}

/// Parses text that must hold exactly one paragraph (a `control` file).
pub fn parse_one(text: &str) -> Result<Paragraph, SyntaxError> {
    let mut paragraphs = parse(text)?;
    match paragraphs.len() {
        0 => Err(SyntaxError {
            line: 1,
            message: "no field at all".into(),
        }),
        1 => Ok(paragraphs.remove(0)),
        n => Err(SyntaxError {
            line: 1,
            message: format!("{n} paragraphs where one was expected"),
        }),
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_case_and_continuation_lines() {
        let text = "Package: a\nversion: 1.0\nDescription: short\n long line\n .\n end\n";
        let p = parse_one(text).unwrap();
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
    fn splits_paragraphs_on_blank_lines() {
        let ps = parse("A: 1\n\n\nA: 2\nB: 3\n").unwrap();
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[1].get("b"), Some("3"));
    }

    #[test]
    fn reports_bad_lines_with_their_number() {
        assert_eq!(
            parse("A: 1\nA: 2\n").unwrap_err().to_string(),
            "line 2: field \"A\" appears twice"
        );
        assert_eq!(
            parse(" x\n").unwrap_err().to_string(),
            "line 1: a continuation line (starting with a space) before any field"
        );
        assert_eq!(
            parse("A: 1\nnothing\n").unwrap_err().to_string(),
            "line 2: \"nothing\" is neither \"Name: value\" nor a continuation line"
        );
    }
}
