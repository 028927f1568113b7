//! Python's `distutils.version.LooseVersion`, which wazo-plugind orders plugin and Wazo
//! versions with (`helpers/version.py`'s `less_than`): which market version is
//! upgradable, which one a dependency gets.
//!
//! LooseVersion splits a version into numbers, runs of lower-case letters and any other
//! runs of characters, dropping the dots (`1.0a` is `[1, 0, "a"]`), and compares the lists
//! as Python compares lists. Where one holds a number and the other text at the first
//! difference, Python raises TypeError: the server's market listing fails on such a pair.
//! Digits are ASCII digits here; Python also counts other Unicode decimal digits.

use std::cmp::Ordering;
use std::fmt;

/// One component of a LooseVersion.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// A run of digits, without its leading zeros (Python's `int()`: `01` == `1`).
    Num(String),
    /// A run of lower-case letters, or of characters that are neither digits, lower-case
    /// letters nor dots.
    Text(String),
}

impl Part {
    /// Python's `<` on two components; `None` for a number against text (TypeError).
    fn cmp(&self, other: &Part) -> Option<Ordering> {
        match (self, other) {
            (Part::Num(a), Part::Num(b)) => Some(a.len().cmp(&b.len()).then_with(|| a.cmp(b))),
            (Part::Text(a), Part::Text(b)) => Some(a.as_str().cmp(b.as_str())),
            _ => None,
        }
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Part::Num(n) => f.write_str(n),
            Part::Text(t) => write!(f, "{t:?}"),
        }
    }
}

/// A version as LooseVersion reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LooseVersion {
    parts: Vec<Part>,
}

/// What kind of character starts a component.
fn class(c: char) -> u8 {
    match c {
        '0'..='9' => 0,
        'a'..='z' => 1,
        '.' => 2,
        _ => 3,
    }
}

impl LooseVersion {
    /// Splits `text` as LooseVersion's `parse` does.
    pub(crate) fn parse(text: &str) -> LooseVersion {
        let mut parts = Vec::new();
        let mut chars = text.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            let k = class(c);
            let mut end = start + c.len_utf8();
            // A dot is a component of its own (then dropped); the others are runs.
            if k != 2 {
                while let Some(&(i, d)) = chars.peek() {
                    if class(d) != k {
                        break;
                    }
                    end = i + d.len_utf8();
                    chars.next();
                }
            }
            let run = &text[start..end];
            match k {
                0 => {
                    let trimmed = run.trim_start_matches('0');
                    parts.push(Part::Num(
                        if trimmed.is_empty() { "0" } else { trimmed }.into(),
                    ));
                }
                2 => {}
                _ => parts.push(Part::Text(run.to_string())),
            }
        }
        LooseVersion { parts }
    }

    /// Python's comparison of the two component lists: equal lists first, then the first
    /// difference decides, a shorter prefix being smaller. `Err` holds the two components
    /// Python cannot order (it raises TypeError).
    pub(crate) fn compare(&self, other: &LooseVersion) -> Result<Ordering, TypeError> {
        for (a, b) in self.parts.iter().zip(&other.parts) {
            if a == b {
                continue;
            }
            return a.cmp(b).ok_or_else(|| TypeError {
                left: a.to_string(),
                right: b.to_string(),
            });
        }
        Ok(self.parts.len().cmp(&other.parts.len()))
    }
}

/// Two components LooseVersion cannot order: a number and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypeError {
    /// The left one, as Python shows it (`1`, `"a"`).
    pub(crate) left: String,
    /// The right one.
    pub(crate) right: String,
}

impl fmt::Display for TypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "LooseVersion cannot order {} against {} (Python raises TypeError)",
            self.left, self.right
        )
    }
}

/// A value of a market document as Python holds it after `json.loads`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PyValue {
    /// A string.
    Str(String),
    /// Anything else, by Python's `str()` of it (`20.1`, `True`), and its truth.
    Other { text: String, truthy: bool },
    /// None (a missing key compares as None too).
    None,
}

impl PyValue {
    /// The Python value of a JSON value.
    pub(crate) fn from_json(v: &serde_json::Value) -> PyValue {
        use serde_json::Value as J;
        match v {
            J::String(s) => PyValue::Str(s.clone()),
            J::Null => PyValue::None,
            J::Bool(b) => PyValue::Other {
                text: if *b { "True" } else { "False" }.into(),
                truthy: *b,
            },
            J::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => PyValue::Other {
                    text: i.to_string(),
                    truthy: i != 0,
                },
                (_, Some(u), _) => PyValue::Other {
                    text: u.to_string(),
                    truthy: u != 0,
                },
                (_, _, Some(f)) => PyValue::Other {
                    text: crate::plugin::pyyaml::python_float(f),
                    truthy: f != 0.0,
                },
                _ => PyValue::None,
            },
            other => PyValue::Other {
                text: other.to_string(),
                truthy: !matches!(other, J::Array(a) if a.is_empty())
                    && !matches!(other, J::Object(o) if o.is_empty()),
            },
        }
    }

    fn truthy(&self) -> bool {
        match self {
            PyValue::Str(s) => !s.is_empty(),
            PyValue::Other { truthy, .. } => *truthy,
            PyValue::None => false,
        }
    }

    /// Python's `str()` of it.
    pub(crate) fn text(&self) -> &str {
        match self {
            PyValue::Str(s) | PyValue::Other { text: s, .. } => s,
            PyValue::None => "None",
        }
    }
}

/// wazo-plugind's `less_than(left, right)`: a false left (empty, None, 0) is less, a false
/// right is not; strings are compared as LooseVersions; anything else by its `str()`,
/// which is compared as a LooseVersion against a string and as plain text against another
/// non-string.
pub(crate) fn less_than(left: &PyValue, right: &PyValue) -> Result<bool, TypeError> {
    if !left.truthy() {
        return Ok(true);
    }
    if !right.truthy() {
        return Ok(false);
    }
    if let (PyValue::Other { text: a, .. }, PyValue::Other { text: b, .. }) = (left, right) {
        return Ok(a < b);
    }
    let order = LooseVersion::parse(left.text()).compare(&LooseVersion::parse(right.text()))?;
    Ok(order == Ordering::Less)
}

#[cfg(test)]
mod tests;
