//! `pluginctl lint`: checks plugin checkouts and `.deb` files natively (no lintian, no dpkg)
//! and reports every finding at once, as text lines or one JSON document.
//!
//! A finding is a [`Tag`] from the registry in [`tags`] (which fixes its severity and its
//! explanation), a place (file, line, column) and a message. [`checkout`] checks a plugin
//! folder, [`package`] a `.deb` in one streamed pass; [`script`] holds the shell heuristics
//! both use on rules files and maintainer scripts, [`debs`] the packages left in a
//! checkout. [`finding`] defines what a finding is,
//! [`report`] what a run reports, [`tag_docs`] the tags' explanations as text.

mod allow;
pub(crate) mod checkout;
pub(crate) mod control;
pub(crate) mod debs;
mod finding;
pub(crate) mod format;
pub(crate) mod git;
pub(crate) mod market_deps;
pub(crate) mod package;
mod report;
pub(crate) mod script;
mod tag_docs;
pub(crate) mod tags;
mod version;
mod wazo_bounds;

use finding::{Finding, Sample, Severity};
pub(crate) use finding::{Findings, Place};
use report::{InputKind, InputReport, LintReport, Summary};
use tag_docs::{explain, list_tags};
pub(crate) use tags::{Tag, TAGS};
use version::WazoVersion;

use crate::{Error, Result};
use std::path::{Path, PathBuf};

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
    /// `--market FILE`: resolve each plugin's `depends` in this market document.
    pub(crate) market: Option<market_deps::Market>,
    /// `--allow TAG`: findings of these tags are counted, not shown.
    pub(crate) allow: Vec<String>,
}

/// Checks one path: a folder as a plugin checkout, anything else as a `.deb`.
pub(crate) fn lint_path(path: &Path, opts: &Options) -> InputReport {
    lint_input(path, opts, None)
}

/// [`lint_path`]; for a checkout whose manifest was already validated, its format version
/// and tree are given, and the file is not read again.
fn lint_input(
    path: &Path,
    opts: &Options,
    validated: Option<(u8, &crate::plugin::yaml::Node)>,
) -> InputReport {
    let shown = path.display().to_string();
    let mut findings = Findings::default();
    let mut checkout = None;
    let kind = match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            checkout::check(path, opts, validated, &mut findings);
            checkout = Some(path);
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
    let (allowed, allowed_by_flag) = allow::apply(checkout, &opts.allow, &mut findings);
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
        allowed,
        allowed_by_flag,
    }
}

/// Whether a list of findings (after `--deny-warnings`) fails: the one verdict of `lint`'s
/// exit status and of `build --deny-warnings`.
pub(super) fn fails(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// What `build` checks before it runs the rules: exactly what `lint` checks on the
/// checkout, with the same `--deny-warnings`, on the manifest build validated (`validated`:
/// its format version and tree). Every error and warning is printed (as a
/// warning: without `--deny-warnings` the build goes on); with `deny`, the findings that
/// would make `lint --deny-warnings` exit 1 stop the build before anything runs.
pub(crate) fn before_build(
    dir: &Path,
    validated: (u8, &crate::plugin::yaml::Node),
    deny: bool,
    report: &crate::ui::report::Report,
) -> Result<()> {
    let opts = Options {
        deny_warnings: deny,
        ..Options::default()
    };
    let input = lint_input(dir, &opts, Some(validated));
    // An interrupted pass (a git query cut short) shows as missing findings: stop on the
    // interruption instead of printing them.
    crate::interrupt::check()?;
    let shown: Vec<&Finding> = input
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        // The build stops on it with the same words: one line, not two.
        .filter(|f| f.tag != Tag::LicenseUnusable)
        .collect();
    for f in &shown {
        let place = Place {
            path: f.path.clone(),
            line: f.line,
            col: f.col,
        };
        report.warn(&format!("{place}: {}: {}", f.tag.name(), f.message));
    }
    // What git holds differs from the working tree: said even as information, since the
    // server builds the former.
    for f in input
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Info && git::TAGS.contains(&f.tag))
    {
        report.info(&format!("{}: {}: {}", f.path, f.tag.name(), f.message));
    }
    if deny && fails(&input.findings) {
        let n = shown.len();
        let what = if n == 1 { "error" } else { "errors" };
        return Err(Error::plugin(
            crate::plugin::paths::shown(dir),
            format!(
                "{n} lint {what} in the checkout (above) and --deny-warnings: nothing was \
             built; fix them, or build without --deny-warnings"
            ),
        ));
    }
    Ok(())
}

/// Checks every path, in order.
pub(crate) fn lint_paths(paths: &[PathBuf], opts: &Options) -> LintReport {
    let mut inputs: Vec<InputReport> = paths
        .iter()
        .take_while(|_| crate::interrupt::pending().is_none())
        .map(|p| lint_path(p, opts))
        .collect();
    // An --allow that names no tag, or that allowed nothing in any input, is a warning.
    let mut useless = Findings::default();
    for tag in &opts.allow {
        let used = inputs.iter().any(|i| i.allowed_by_flag.contains(tag));
        if let Some(why) = allow::useless(tag, used, "in these inputs") {
            useless.add(
                Tag::UnusedAllow,
                Place::file("--allow"),
                format!("--allow {tag}: {why}"),
            );
        }
    }
    if let Some(first) = inputs.first_mut() {
        for f in &mut useless.list {
            if opts.deny_warnings && f.severity == Severity::Warning {
                f.severity = Severity::Error;
            }
        }
        first.findings.splice(0..0, useless.list);
    }
    let mut summary = Summary {
        allowed: inputs.iter().map(|i| i.allowed).sum(),
        ..Summary::default()
    };
    for f in inputs.iter().flat_map(|i| &i.findings) {
        match f.severity {
            Severity::Error => summary.errors += 1,
            Severity::Warning => summary.warnings += 1,
            Severity::Info => summary.info += 1,
        }
    }
    LintReport { inputs, summary }
}

/// What `pluginctl lint` was asked, as plain values (`commands` makes it from the command line).
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// Plugin folders and `.deb` files.
    pub(crate) paths: Vec<PathBuf>,
    /// `--explain TAG`: explain a tag and stop.
    pub(crate) explain: Option<String>,
    /// `--list-tags`: list the tags and stop.
    pub(crate) list_tags: bool,
    /// `--wazo-version`, as given.
    pub(crate) wazo_version: Option<String>,
    /// `--market FILE`.
    pub(crate) market: Option<PathBuf>,
    /// `--deny-warnings`.
    pub(crate) deny_warnings: bool,
    /// `--allow TAG`: findings of these tags are counted, not shown.
    pub(crate) allow: Vec<String>,
    /// How to print the report (`--format`, or JSON for `--json`).
    pub(crate) format: format::Format,
}

/// Runs `pluginctl lint`: prints the report on stdout and returns the exit status.
pub(crate) fn run(args: &Request) -> Result<i32> {
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
    let market = args
        .market
        .as_deref()
        .map(market_deps::Market::load)
        .transpose()
        .map_err(|why| Error::Usage(format!("--market {why}")))?;
    let opts = Options {
        wazo_version,
        deny_warnings: args.deny_warnings,
        market,
        allow: args.allow.clone(),
    };
    let report = lint_paths(&args.paths, &opts);
    // An interrupted read shows as findings: report the interruption, not them.
    crate::interrupt::check()?;
    print(&format::render(&report, args.format))?;
    Ok(report.exit_status())
}

#[cfg(test)]
mod tests {
    use super::tag_docs::tags_markdown;
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
