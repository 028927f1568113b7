//! What a finding is: its severity, its place (file, line, column) and its message, and the
//! list each input collects; shared by the checkout and the package checks.

use super::Tag;
use crate::plugin::yaml::Pos;
use serde::Serialize;
use std::fmt;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Severity {
    /// The plugin or package is broken; `lint` exits 1.
    Error,
    /// Probably wrong; an error with `--deny-warnings`.
    Warning,
    /// Worth knowing; never fails.
    Info,
}

impl Severity {
    /// `E`, `W` or `I`, as printed.
    pub(crate) fn letter(self) -> &'static str {
        match self {
            Severity::Error => "E",
            Severity::Warning => "W",
            Severity::Info => "I",
        }
    }

    /// `error`, `warning` or `info`.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl Serialize for Severity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.letter())
    }
}

/// Where a finding is: a file (as shown to the user), maybe a line and a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    /// The file or folder, as shown (`wazo/plugin.yml`, `x.deb!DEBIAN/control`).
    pub(crate) path: String,
    /// 1-based line.
    pub(crate) line: Option<usize>,
    /// 1-based column.
    pub(crate) col: Option<usize>,
}

impl Place {
    /// A whole file.
    pub(crate) fn file(path: impl Into<String>) -> Place {
        Place {
            path: path.into(),
            line: None,
            col: None,
        }
    }

    /// The same file at a line.
    pub(crate) fn line(&self, line: usize) -> Place {
        Place {
            path: self.path.clone(),
            line: Some(line),
            col: None,
        }
    }

    /// The same file at a line and column.
    pub(crate) fn at(&self, pos: Pos) -> Place {
        Place {
            path: self.path.clone(),
            line: Some(pos.line),
            col: Some(pos.col),
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.col {
                write!(f, ":{col}")?;
            }
        }
        Ok(())
    }
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Finding {
    /// Its severity (the tag's, or Error for a warning under `--deny-warnings`).
    pub(crate) severity: Severity,
    /// Its tag.
    #[serde(serialize_with = "tag_name")]
    pub(crate) tag: Tag,
    /// The file it is about.
    pub(crate) path: String,
    /// Line, when known.
    pub(crate) line: Option<usize>,
    /// Column, when known.
    pub(crate) col: Option<usize>,
    /// What is wrong and how to fix it.
    pub(crate) message: String,
}

fn tag_name<S: serde::Serializer>(tag: &Tag, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(tag.name())
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = Place {
            path: self.path.clone(),
            line: self.line,
            col: self.col,
        };
        write!(
            f,
            "{}: {place}: {}: {}",
            self.severity.letter(),
            self.tag.name(),
            self.message
        )
    }
}

/// The findings of one input, as they are made.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub(super) list: Vec<Finding>,
}

impl Findings {
    /// Records a finding with the tag's severity.
    pub(crate) fn add(&mut self, tag: Tag, place: Place, message: impl Into<String>) {
        self.list.push(Finding {
            severity: tag.info().severity,
            tag,
            path: place.path,
            line: place.line,
            col: place.col,
            message: message.into(),
        });
    }

    /// The tags found so far (tests and heuristics).
    pub(crate) fn tags(&self) -> impl Iterator<Item = Tag> + '_ {
        self.list.iter().map(|f| f.tag)
    }
}

/// Counts up to a few examples of a repeated problem, to report it once per package.
#[derive(Debug, Default)]
pub(crate) struct Sample {
    /// How many times it was seen.
    pub(crate) count: usize,
    /// The first few occurrences.
    pub(crate) examples: Vec<String>,
}

impl Sample {
    /// Records one occurrence.
    pub(crate) fn add(&mut self, example: impl Into<String>) {
        self.count += 1;
        if self.examples.len() < 3 {
            self.examples.push(example.into());
        }
    }

    /// `2 entries <what>: a, b` or `40 entries <what>, e.g. a, b, c`; `noun` is
    /// `(singular, plural)`.
    pub(crate) fn describe(&self, noun: (&str, &str), what: &str) -> String {
        let noun = if self.count == 1 { noun.0 } else { noun.1 };
        let sep = if self.count > self.examples.len() {
            ", e.g."
        } else {
            ":"
        };
        format!(
            "{} {noun} {what}{sep} {}",
            self.count,
            self.examples.join(", ")
        )
    }
}
