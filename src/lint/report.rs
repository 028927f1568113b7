//! The report of a `lint` run: the findings of each input and the counts by severity, as
//! text lines or one JSON document, and the exit status they make.

use super::Finding;
use serde::Serialize;

/// What an input turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum InputKind {
    /// A folder, checked as a plugin checkout.
    Plugin,
    /// A file, checked as a `.deb`.
    Deb,
    /// Neither: it does not exist or cannot be read.
    Unreadable,
}

/// The findings of one input.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct InputReport {
    /// The path as given.
    pub(crate) path: String,
    /// What it was checked as.
    pub(crate) kind: InputKind,
    /// Its findings, by file, line and column.
    pub(crate) findings: Vec<Finding>,
    /// How many findings an allow (directive or `--allow`) accepted.
    #[serde(skip_serializing_if = "is_zero")]
    pub(crate) allowed: usize,
    /// The `--allow` tags that accepted one here.
    #[serde(skip)]
    pub(crate) allowed_by_flag: Vec<String>,
}

/// Counts by severity (after `--deny-warnings`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Summary {
    /// Errors.
    pub(crate) errors: usize,
    /// Warnings.
    pub(crate) warnings: usize,
    /// Informational notes.
    pub(crate) info: usize,
    /// Findings accepted by an allow (not in the lists); left out of the JSON when 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub(crate) allowed: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Everything `lint` found: the JSON document of `--json`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LintReport {
    /// One entry per path, in the order given.
    pub(crate) inputs: Vec<InputReport>,
    /// The counts.
    pub(crate) summary: Summary,
}

impl LintReport {
    /// 0 without errors, 1 with at least one (the verdict `build --deny-warnings` shares).
    pub(crate) fn exit_status(&self) -> i32 {
        if self.inputs.iter().any(|i| super::fails(&i.findings)) {
            crate::error::EXIT_FAILURE
        } else {
            crate::error::EXIT_OK
        }
    }

    /// The text form: one line per finding, grouped per input, then a summary line.
    pub(crate) fn to_text(&self) -> String {
        let mut out = String::new();
        for input in &self.inputs {
            for f in &input.findings {
                // One finding, one line, whatever its path or message holds.
                out.push_str(&crate::ui::report::one_line(&f.to_string()));
                out.push('\n');
            }
        }
        let n = self.inputs.len();
        let s = self.summary;
        let plural = |n: usize, word: &str| {
            if n == 1 {
                format!("{n} {word}")
            } else {
                format!("{n} {word}s")
            }
        };
        let allowed = if s.allowed > 0 {
            format!(", {} allowed", s.allowed)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{} checked: {}, {}, {} info{allowed}\n",
            plural(n, "input"),
            plural(s.errors, "error"),
            plural(s.warnings, "warning"),
            s.info
        ));
        out
    }

    /// The JSON form (one document, pretty-printed, ending with a newline).
    pub(crate) fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_else(|e| {
            format!("{{\"error\": {:?}}}", e.to_string()) // serializing plain data cannot fail
        });
        text.push('\n');
        text
    }
}
