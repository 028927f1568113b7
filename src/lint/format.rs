//! The forms of a `lint` report for CI systems, beside the text and JSON of `report.rs`:
//! GitHub workflow commands (findings shown on the pull request's lines), a GitLab Code
//! Quality report, and JUnit XML (one test case per input). Each is written from the
//! same [`LintReport`], so the findings and the exit status never depend on the form.
//!
//! Paths are made relative to the repository (`GITHUB_WORKSPACE`, `CI_PROJECT_DIR`, else
//! the current folder), as the CI systems match them against the files of a commit.

use super::report::LintReport;
use super::{Finding, Severity};
use std::path::{Component, Path, PathBuf};

/// How `lint` prints its report (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// One line per finding, then a summary line.
    Text,
    /// One JSON document (same as --json).
    Json,
    /// GitHub Actions workflow commands (::error file=...,line=...::message).
    Github,
    /// A GitLab Code Quality report (JSON array).
    Gitlab,
    /// JUnit XML: one test case per input, a failure per error.
    Junit,
}

/// The report in `format`.
pub(crate) fn render(report: &LintReport, format: Format) -> String {
    let base = base_dir();
    match format {
        Format::Text => report.to_text(),
        Format::Json => report.to_json(),
        Format::Github => github(report, &base),
        Format::Gitlab => gitlab(report, &base),
        Format::Junit => junit(report, &base),
    }
}

/// The folder paths are made relative to.
fn base_dir() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    ["GITHUB_WORKSPACE", "CI_PROJECT_DIR"]
        .iter()
        .filter_map(std::env::var_os)
        .map(PathBuf::from)
        .find(|p| p.is_absolute())
        .unwrap_or(cwd)
}

/// `path` (relative to the current folder, or absolute) relative to `base` when it lies
/// under it, with `.` and `..` resolved by name; else as given.
fn relative(path: &str, base: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut full = PathBuf::new();
    for c in cwd.join(path).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                full.pop();
            }
            other => full.push(other),
        }
    }
    match full.strip_prefix(base) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_string_lossy().into_owned(),
        _ => path.to_string(),
    }
}

/// A finding's file for the CI system, and the text to put before its message: a place
/// inside a package (`x.deb!DEBIAN/control:3`) is shown on the package file, its inner
/// place in the message (its lines are not the package's).
fn place(f: &Finding, base: &Path) -> (String, Option<usize>, Option<usize>, String) {
    match f.path.split_once('!') {
        Some((outer, inner)) => {
            let mut at = inner.to_string();
            if let Some(line) = f.line {
                at.push_str(&format!(":{line}"));
            }
            (relative(outer, base), None, None, format!("{at}: "))
        }
        None => (relative(&f.path, base), f.line, f.col, String::new()),
    }
}

/// The summary line of the text form.
fn summary_line(report: &LintReport) -> String {
    let text = report.to_text();
    format!("{}\n", text.lines().last().unwrap_or(""))
}

/// GitHub's escaping of a workflow command's message.
fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub's escaping of a workflow command's property value.
fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn github(report: &LintReport, base: &Path) -> String {
    let mut out = String::new();
    for f in report.inputs.iter().flat_map(|i| &i.findings) {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let (file, line, col, prefix) = place(f, base);
        let mut props = vec![format!("file={}", gh_property(&file))];
        if let Some(line) = line {
            props.push(format!("line={line}"));
            if let Some(col) = col {
                props.push(format!("col={col}"));
            }
        }
        props.push(format!("title={}", gh_property(f.tag.name())));
        out.push_str(&format!(
            "::{command} {}::{}\n",
            props.join(","),
            gh_data(&format!("{prefix}{}", f.message))
        ));
    }
    out.push_str(&summary_line(report));
    out
}

fn gitlab(report: &LintReport, base: &Path) -> String {
    use sha2::Digest;
    let mut seen = std::collections::HashMap::new();
    let issues: Vec<serde_json::Value> = report
        .inputs
        .iter()
        .flat_map(|i| &i.findings)
        .map(|f| {
            let (file, line, col, prefix) = place(f, base);
            let description = format!("{prefix}{}", f.message);
            let key = format!("{}\0{file}\0{line:?}\0{col:?}\0{description}", f.tag.name());
            // Two identical findings still need two fingerprints.
            let n = seen.entry(key.clone()).or_insert(0u32);
            *n += 1;
            let fingerprint = format!("{:x}", sha2::Sha256::digest(format!("{key}\0{n}")));
            serde_json::json!({
                "description": description,
                "check_name": f.tag.name(),
                "fingerprint": fingerprint,
                "severity": match f.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                    Severity::Info => "info",
                },
                "location": { "path": file, "lines": { "begin": line.unwrap_or(1) } },
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".into());
    text.push('\n');
    text
}

/// Text for XML: markup characters escaped, characters XML 1.0 cannot hold shown as
/// `\u{..}`.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

fn junit(report: &LintReport, base: &Path) -> String {
    let tests = report.inputs.len();
    let failed = report
        .inputs
        .iter()
        .filter(|i| i.findings.iter().any(|f| f.severity == Severity::Error))
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"pluginctl lint\" tests=\"{tests}\" failures=\"{failed}\" errors=\"0\">\n"
    ));
    out.push_str(&format!(
        "  <testsuite name=\"pluginctl lint\" tests=\"{tests}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\">\n"
    ));
    for input in &report.inputs {
        out.push_str(&format!(
            "    <testcase name=\"{}\" classname=\"pluginctl.lint\">\n",
            xml(&relative(&input.path, base))
        ));
        let mut notes = String::new();
        for f in &input.findings {
            let (file, line, col, prefix) = place(f, base);
            let mut at = file;
            if let Some(line) = line {
                at.push_str(&format!(":{line}"));
                if let Some(col) = col {
                    at.push_str(&format!(":{col}"));
                }
            }
            let text = format!("{at}: {prefix}{}", f.message);
            if f.severity == Severity::Error {
                out.push_str(&format!(
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                    xml(f.tag.name()),
                    xml(&text),
                    xml(&format!("{}: {text}", f.tag.name()))
                ));
            } else {
                notes.push_str(&format!(
                    "{}: {}: {text}\n",
                    f.severity.letter(),
                    f.tag.name()
                ));
            }
        }
        if !notes.is_empty() {
            out.push_str(&format!("      <system-out>{}</system-out>\n", xml(&notes)));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escapes_what_its_toolkit_escapes() {
        assert_eq!(gh_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(gh_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn xml_text_holds_no_markup_and_no_forbidden_character() {
        assert_eq!(
            xml("<a href=\"x\">&'\u{7}\u{1b}\t\n</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;\\u{7}\\u{1b}\t\n&lt;/a&gt;"
        );
    }

    #[test]
    fn paths_under_the_base_become_relative_and_others_stay() {
        let cwd = std::env::current_dir().unwrap();
        let base = cwd.parent().unwrap().to_path_buf();
        let here = cwd.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(relative("./a/../b/x.yml", &base), format!("{here}/b/x.yml"));
        assert_eq!(relative("/elsewhere/x", &base), "/elsewhere/x");
    }
}
