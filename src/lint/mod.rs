//! `pluginctl lint`: checks plugin checkouts and `.deb` files natively (no lintian, no dpkg)
//! and reports every finding at once, as text lines or one JSON document.
//!
//! A finding is a [`Tag`] from the registry in [`tags`] (which fixes its severity and its
//! explanation), a place (file, line, column) and a message. [`checkout`] checks a plugin
//! folder, [`package`] a `.deb` in one streamed pass; [`script`] holds the shell heuristics
//! both use on rules files and maintainer scripts.

pub(crate) mod checkout;
pub(crate) mod control;
pub(crate) mod package;
pub(crate) mod script;
pub(crate) mod tags;

pub(crate) use tags::{Tag, TAGS};

use crate::cli::args::LintArgs;
use crate::plugin::yaml::Pos;
use crate::{Error, Result};
use serde::Serialize;
use std::cmp::Ordering;
use std::fmt;
use std::path::{Path, PathBuf};

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
    list: Vec<Finding>,
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

/// A Wazo version: numbers separated by dots, compared number by number (23.5 < 23.10).
#[derive(Debug, Clone)]
pub(crate) struct WazoVersion {
    parts: Vec<u64>,
    text: String,
}

impl WazoVersion {
    /// Parses `23.05`, `24.16`, `2024.1`; anything else is an error with the reason.
    pub(crate) fn parse(text: &str) -> std::result::Result<WazoVersion, String> {
        let text = text.trim();
        let parts: Option<Vec<u64>> = text
            .split('.')
            .map(|p| {
                (!p.is_empty() && p.len() <= 18 && p.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| p.parse().ok())
                    .flatten()
            })
            .collect();
        match parts {
            Some(parts) if !text.is_empty() => Ok(WazoVersion {
                parts,
                text: text.to_string(),
            }),
            _ => Err(format!(
                "{text:?} is not a Wazo version (numbers separated by dots, such as 24.16)"
            )),
        }
    }
}

impl PartialEq for WazoVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for WazoVersion {}

impl PartialOrd for WazoVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for WazoVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.parts.len().max(other.parts.len());
        (0..len)
            .map(|i| {
                let a = self.parts.get(i).copied().unwrap_or(0);
                let b = other.parts.get(i).copied().unwrap_or(0);
                a.cmp(&b)
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl fmt::Display for WazoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The candidate that `word` most likely misspells: 1 edit away for short words, 2 for
/// words of five characters or more; `None` when nothing is that close.
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if word.len() > 64 {
        return None; // no typo of a short key, and the distance table would be large
    }
    let lower = word.to_lowercase();
    let allowed = if word.chars().count() >= 5 { 2 } else { 1 };
    candidates
        .iter()
        .map(|c| (strsim::osa_distance(&lower, c), *c))
        .filter(|&(d, c)| d <= allowed && c != word)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// What `lint` was asked to do besides the paths.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    /// `--wazo-version`: report plugins that cannot install on it.
    pub(crate) wazo_version: Option<WazoVersion>,
    /// `--deny-warnings`: warnings count as errors.
    pub(crate) deny_warnings: bool,
}

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
    /// 0 without errors, 1 with at least one.
    pub(crate) fn exit_status(&self) -> i32 {
        if self.summary.errors > 0 {
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
                out.push_str(&f.to_string());
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
        out.push_str(&format!(
            "{} checked: {}, {}, {} info\n",
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

/// Checks one path: a folder as a plugin checkout, anything else as a `.deb`.
pub(crate) fn lint_path(path: &Path, opts: &Options) -> InputReport {
    let shown = path.display().to_string();
    let mut findings = Findings::default();
    let kind = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            checkout::check(path, opts, &mut findings);
            InputKind::Plugin
        }
        Ok(m) if m.is_file() => {
            package::check(path, &mut findings);
            InputKind::Deb
        }
        Ok(_) => {
            findings.add(
                Tag::InputUnreadable,
                Place::file(&shown),
                "neither a folder nor a regular file; give a plugin folder or a .deb file",
            );
            InputKind::Unreadable
        }
        Err(e) => {
            findings.add(
                Tag::InputUnreadable,
                Place::file(&shown),
                format!(
                    "{}; give a plugin folder or a .deb file",
                    crate::error::describe_io(&e)
                ),
            );
            InputKind::Unreadable
        }
    };
    let mut list = findings.list;
    if opts.deny_warnings {
        for f in &mut list {
            if f.severity == Severity::Warning {
                f.severity = Severity::Error;
            }
        }
    }
    // Stable: findings without a line come first in their file, then by position.
    list.sort_by(|a, b| (a.path.as_str(), a.line, a.col).cmp(&(b.path.as_str(), b.line, b.col)));
    InputReport {
        path: shown,
        kind,
        findings: list,
    }
}

/// What `build` checks before it runs the rules: the same checks `lint` runs on the
/// checkout. Their errors (a rules file that makes an unremovable package, a plugin that
/// depends on itself...) are printed as warnings, never silently; with `deny` they stop
/// the build before anything runs.
pub(crate) fn before_build(
    dir: &Path,
    deny: bool,
    report: &crate::ui::report::Report,
) -> Result<()> {
    let input = lint_path(dir, &Options::default());
    let errors: Vec<&Finding> = input
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    for f in &errors {
        let place = Place {
            path: f.path.clone(),
            line: f.line,
            col: f.col,
        };
        report.warn(&format!("{place}: {}: {}", f.tag.name(), f.message));
    }
    if deny && !errors.is_empty() {
        let n = errors.len();
        let what = if n == 1 { "error" } else { "errors" };
        return Err(Error::Plugin(format!(
            "{}: {n} lint {what} in the checkout (above) and --deny-warnings: nothing was \
             built; fix them, or build without --deny-warnings",
            dir.display()
        )));
    }
    Ok(())
}

/// Checks every path, in order.
pub(crate) fn lint_paths(paths: &[PathBuf], opts: &Options) -> LintReport {
    let inputs: Vec<InputReport> = paths
        .iter()
        .take_while(|_| crate::ui::signals::pending().is_none())
        .map(|p| lint_path(p, opts))
        .collect();
    let mut summary = Summary::default();
    for f in inputs.iter().flat_map(|i| &i.findings) {
        match f.severity {
            Severity::Error => summary.errors += 1,
            Severity::Warning => summary.warnings += 1,
            Severity::Info => summary.info += 1,
        }
    }
    LintReport { inputs, summary }
}

/// Wraps text at `width` columns (for `--explain` in a terminal).
fn wrap(text: &str, width: usize) -> String {
    let mut out = crate::package::extras::wrap_words(text, width).join("\n");
    out.push('\n');
    out
}

/// The text of `--explain TAG`, or a usage error naming the closest tags.
pub(crate) fn explain(name: &str) -> Result<String> {
    let Some(info) = tags::find(name) else {
        let names: Vec<&str> = TAGS.iter().map(|t| t.name).collect();
        let hint = match closest(name, &names) {
            Some(near) => format!("; did you mean {near}?"),
            None => String::new(),
        };
        return Err(Error::Usage(format!(
            "--explain {name}: no such tag{hint} (`pluginctl lint --list-tags` lists them)"
        )));
    };
    Ok(format!(
        "{} ({}, {})\n\n{}",
        info.name,
        info.severity.word(),
        info.scope.describe(),
        wrap(info.explanation, 78)
    ))
}

/// The tag list of `--list-tags`: `tag  severity  scope`, one per line.
pub(crate) fn list_tags() -> String {
    let width = TAGS.iter().map(|t| t.name.len()).max().unwrap_or(0);
    TAGS.iter()
        .map(|t| {
            format!(
                "{:width$}  {} ({})\n",
                t.name,
                t.severity.letter(),
                t.scope.describe()
            )
        })
        .collect()
}

/// The Markdown page `docs/lint-tags.md`, generated from the registry.
#[cfg(test)]
pub(crate) fn tags_markdown() -> String {
    let mut out = String::from(
        "# pluginctl lint tags\n\n\
         <!-- Generated from src/lint/tags.rs; do not edit by hand. Regenerate with\n     \
         PLUGINCTL_BLESS=1 cargo test --lib lint::tests::tag_doc_is_in_sync -->\n\n\
         Each finding of `pluginctl lint` names one of these tags. Severity: **E** error \
         (exit status 1), **W** warning (an error with `--deny-warnings`), **I** info. \
         `pluginctl lint --explain TAG` prints the same text.\n\n\
         | tag | severity | checked on |\n|---|---|---|\n",
    );
    for t in TAGS {
        out.push_str(&format!(
            "| [`{0}`](#{0}) | {1} | {2} |\n",
            t.name,
            t.severity.letter(),
            t.scope.describe()
        ));
    }
    for t in TAGS {
        out.push_str(&format!(
            "\n## {}\n\n{}, {}.\n\n{}",
            t.name,
            t.severity.word(),
            t.scope.describe(),
            wrap(t.explanation, 90)
        ));
    }
    out
}

/// Runs `pluginctl lint`: prints the report on stdout and returns the exit status.
pub(crate) fn run(args: &LintArgs) -> Result<i32> {
    // A closed pipe (`pluginctl lint | head`) ends the output quietly; a full disk is an error.
    let print = crate::ui::report::write_stdout;
    if let Some(tag) = &args.explain {
        print(&explain(tag)?)?;
        return Ok(crate::error::EXIT_OK);
    }
    if args.list_tags {
        print(&list_tags())?;
        return Ok(crate::error::EXIT_OK);
    }
    let wazo_version = args
        .wazo_version
        .as_deref()
        .map(WazoVersion::parse)
        .transpose()
        .map_err(|why| Error::Usage(format!("--wazo-version: {why}")))?;
    let opts = Options {
        wazo_version,
        deny_warnings: args.deny_warnings,
    };
    let report = lint_paths(&args.paths, &opts);
    // An interrupted read shows as findings: report the interruption, not them.
    crate::ui::signals::check()?;
    print(&if args.json {
        report.to_json()
    } else {
        report.to_text()
    })?;
    Ok(report.exit_status())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_doc_is_in_sync() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/lint-tags.md");
        let want = tags_markdown();
        if std::env::var_os("PLUGINCTL_BLESS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        for t in TAGS {
            assert!(
                have.contains(&format!("\n## {}\n", t.name)),
                "docs/lint-tags.md lacks the tag {}; regenerate it: \
                 PLUGINCTL_BLESS=1 cargo test --lib lint::tests::tag_doc_is_in_sync",
                t.name
            );
        }
        assert!(
            have == want,
            "docs/lint-tags.md is out of date; regenerate it: \
             PLUGINCTL_BLESS=1 cargo test --lib lint::tests::tag_doc_is_in_sync"
        );
    }

    #[test]
    fn typos_are_close_and_other_keys_are_not() {
        let known = crate::plugin::manifest::KNOWN_KEYS;
        assert_eq!(closest("namepsace", known), Some("namespace"));
        assert_eq!(closest("debian_depend", known), Some("debian_depends"));
        assert_eq!(closest("dependss", known), Some("depends"));
        assert_eq!(closest("Name", known), Some("name"));
        assert_eq!(closest("tag", known), Some("tags"));
        assert_eq!(closest("license", known), None);
        assert_eq!(closest("namespace", known), None);
        assert_eq!(closest("screenshots", known), None);
    }

    #[test]
    fn wazo_versions_compare_by_number() {
        let v = |s| WazoVersion::parse(s).unwrap();
        assert!(v("23.5") < v("23.10"));
        assert!(v("24.01") > v("23.16"));
        assert_eq!(v("24"), v("24.0"));
        assert_eq!(v("23.05"), v("23.5"));
        assert!(WazoVersion::parse("24.x").is_err());
        assert!(WazoVersion::parse("").is_err());
        assert!(WazoVersion::parse("24..1").is_err());
    }

    #[test]
    fn explain_knows_every_tag_and_suggests_on_a_typo() {
        for t in TAGS {
            assert!(explain(t.name).unwrap().starts_with(t.name));
        }
        let e = explain("pax-headr").unwrap_err().to_string();
        assert!(e.contains("did you mean pax-header?"), "{e}");
    }
}
