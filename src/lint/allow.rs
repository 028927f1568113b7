//! Accepting a finding the user judged wrong, as shellcheck and clippy do: a comment
//! directive `# pluginctl: allow TAG` on the line before the finding (in `wazo/rules` or
//! `wazo/plugin.yml`; in the file's leading comment lines for a finding about the whole
//! file), or `lint --allow TAG` for every finding of a tag. Allowed findings are counted,
//! not shown; an allow that names no tag, or that allows nothing, is itself a warning, so
//! that a stale one cannot silence a finding that comes back later.

use super::{closest, tags, Finding, Findings, Place, Tag, TAGS};
use std::path::Path;

/// The largest file read for directives (as large as the checks read).
const MAX_BYTES: u64 = 1 << 20;

/// One `# pluginctl: allow` directive.
struct Directive {
    /// The file, as findings name it.
    path: String,
    /// Its line (1-based).
    line: usize,
    /// True when it is in the file's leading comment lines (it also covers the findings
    /// about the whole file).
    leading: bool,
    /// The tags it names, each with whether it allowed a finding.
    tags: Vec<(String, bool)>,
}

/// The tags of a directive line, when `line` is one.
fn parse(line: &str) -> Option<Vec<String>> {
    let rest = line.trim_start().strip_prefix('#')?.trim_start();
    let rest = rest.strip_prefix("pluginctl:")?.trim_start();
    let rest = rest.strip_prefix("allow")?;
    if !rest.is_empty() && !rest.starts_with([' ', '\t', '(']) {
        return None;
    }
    let tags: Vec<String> = rest
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    Some(tags)
}

/// Reads the directives of one file (`shown` as the findings name it).
fn read(file: &Path, shown: &str) -> Vec<Directive> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let meta_ok = std::fs::metadata(file).is_ok_and(|m| m.is_file());
    if !meta_ok
        || crate::files::input::open_input(file)
            .and_then(|f| f.take(MAX_BYTES).read_to_end(&mut bytes))
            .is_err()
    {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut leading = true;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if !(trimmed.is_empty() || trimmed.starts_with('#')) {
            leading = false;
        }
        if let Some(tags) = parse(line) {
            out.push(Directive {
                path: shown.to_string(),
                line: i + 1,
                leading,
                tags: tags.into_iter().map(|t| (t, false)).collect(),
            });
        }
    }
    out
}

/// Removes the allowed findings of one input (a checkout's `dir`, or `None` for a `.deb`)
/// and adds a warning for each directive that allows nothing; returns how many were
/// allowed, and the `--allow` tags (of `allowed`) that allowed one.
pub(super) fn apply(
    dir: Option<&Path>,
    allowed: &[String],
    findings: &mut Findings,
) -> (usize, Vec<String>) {
    let mut by_flag: Vec<String> = Vec::new();
    let mut directives = Vec::new();
    if let Some(dir) = dir {
        let yml = crate::plugin::manifest::manifest_path(dir);
        if crate::plugin::manifest::read_inside(dir).is_ok() {
            directives.extend(read(
                &dir.join(crate::plugin::manifest::MANIFEST_PATH),
                &yml.display().to_string(),
            ));
        }
        if let Ok(rules) = crate::plugin::rules::locate(dir) {
            let shown = crate::plugin::paths::display_join(dir, crate::plugin::rules::RULES_PATH);
            directives.extend(read(&rules, &shown.display().to_string()));
        }
    }
    let before = findings.list.len();
    findings.list.retain(|f| {
        if let Some(t) = allowed.iter().find(|t| *t == f.tag.name()) {
            if !by_flag.contains(t) {
                by_flag.push(t.clone());
            }
            return false;
        }
        let mut keep = true;
        for d in directives.iter_mut().filter(|d| covers(d, f)) {
            for (_, used) in d.tags.iter_mut().filter(|(t, _)| t == f.tag.name()) {
                *used = true;
                keep = false;
            }
        }
        keep
    });
    let count = before - findings.list.len();
    for d in &directives {
        let place = Place::file(d.path.clone()).line(d.line);
        if d.tags.is_empty() {
            findings.add(
                Tag::UnusedAllow,
                place.clone(),
                "allow names no tag; write # pluginctl: allow TAG (`pluginctl lint --list-tags` \
                 lists them)",
            );
        }
        for (tag, used) in &d.tags {
            if let Some(why) = useless(tag, *used, "on the next line") {
                findings.add(
                    Tag::UnusedAllow,
                    place.clone(),
                    format!("allow {tag}: {why}"),
                );
            }
        }
    }
    (count, by_flag)
}

/// True when directive `d` covers finding `f`: the finding is on the next line of the same
/// file, or is about the whole file and the directive is in its leading comments.
fn covers(d: &Directive, f: &Finding) -> bool {
    d.path == f.path
        && match f.line {
            Some(line) => line == d.line + 1,
            None => d.leading,
        }
}

/// Why an allow of `tag` does nothing, if it does nothing: no such tag (with the nearest
/// one), or no finding of it `where_`.
pub(super) fn useless(tag: &str, used: bool, where_: &str) -> Option<String> {
    if tags::find(tag).is_none() {
        let hint = match nearest_hint(tag) {
            h if h.is_empty() => " (`pluginctl lint --list-tags` lists them)".to_string(),
            h => h,
        };
        return Some(format!("no such tag{hint}"));
    }
    if used {
        return None;
    }
    Some(format!(
        "no {tag} finding {where_}, so it allows nothing; remove it"
    ))
}

/// `; did you mean TAG?` naming the registered tag `name` most likely stands for: a typo of
/// it, else the shortest tag holding `name` (`set-e`: `rules-no-set-e`), else the nearest
/// one when it shares at least half of its letters; empty when no tag is that close (a word
/// such as `nope` gets no unrelated suggestion).
pub(super) fn nearest_hint(name: &str) -> String {
    let names: Vec<&str> = TAGS.iter().map(|t| t.name).collect();
    let lower = name.to_lowercase();
    let near = closest(name, &names)
        .or_else(|| {
            names
                .iter()
                .filter(|n| lower.len() >= 3 && n.contains(lower.as_str()))
                .min_by_key(|n| n.len())
                .copied()
        })
        .or_else(|| {
            names
                .iter()
                .map(|n| (strsim::osa_distance(&lower, n), *n))
                .filter(|&(d, n)| 2 * d <= lower.chars().count().max(n.len()))
                .min_by_key(|&(d, _)| d)
                .map(|(_, n)| n)
        });
    match near {
        Some(near) => format!("; did you mean {near}?"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_are_read_with_their_tags() {
        assert_eq!(
            parse("  # pluginctl: allow rules-no-set-e, unknown-key-typo"),
            Some(vec![
                "rules-no-set-e".to_string(),
                "unknown-key-typo".to_string()
            ])
        );
        assert_eq!(parse("#pluginctl: allow"), Some(vec![]));
        assert_eq!(parse("# pluginctl: allowed x"), None);
        assert_eq!(parse("echo # pluginctl: allow x"), None);
        assert_eq!(parse("# shellcheck disable=SC2086"), None);
    }

    #[test]
    fn the_nearest_tag_is_suggested() {
        assert_eq!(
            nearest_hint("rules-no-sete"),
            "; did you mean rules-no-set-e?"
        );
        assert_eq!(
            nearest_hint("deb-in-chekout"),
            "; did you mean deb-in-checkout?"
        );
        // Part of a tag's name: that tag.
        assert_eq!(nearest_hint("set-e"), "; did you mean rules-no-set-e?");
        assert_eq!(nearest_hint("CHECKOUT"), "; did you mean deb-in-checkout?");
        // Half the letters of a tag: the nearest.
        assert_eq!(
            nearest_hint("maintainer-defaults-x"),
            "; did you mean maintainer-default?"
        );
        // Nothing close: no suggestion, rather than an unrelated tag.
        assert_eq!(nearest_hint("nope"), "");
        assert_eq!(nearest_hint("zz"), "");
    }
}
