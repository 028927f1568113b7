//! Lint checks that compare a checkout with what git holds: a Wazo server never sees the
//! working tree, only `git clone --branch REF --depth 1` of it (see `build --ref`), so what
//! differs between the two breaks on the customer's server after the release is published.
//!
//! Each check runs only in a git work tree with git installed; elsewhere there is nothing to
//! compare, and nothing is reported.

use super::{Findings, Place, Tag};
use crate::plugin::manifest;
use crate::plugin::rules::{self, RULES_PATH};
use crate::plugin::{git, paths};
use std::path::Path;

/// The tags of this module: `build` shows their findings whatever their severity.
pub(crate) const TAGS: [Tag; 3] = [
    Tag::RulesNotExecutableInGit,
    Tag::UncommittedFiles,
    Tag::ReleaseTagNotVersion,
];

/// How many paths an uncommitted-files finding names.
const SHOWN_PATHS: usize = 3;

/// Checks the plugin folder `dir` against its git work tree; `version` is the manifest's, as
/// written, when it could be read.
pub(crate) fn check(dir: &Path, version: Option<&str>, out: &mut Findings) {
    if rules::find_in_path("git").is_none() || git::top_level(dir).is_none() {
        return;
    }
    rules_mode(dir, out);
    uncommitted(dir, out);
    if let Some(version) = version {
        tags(dir, version, out);
    }
}

/// `wazo/rules` executable on disk but not in the index or in HEAD: the clone gets mode
/// 100644, and the server cannot run it (common when the plugin is written on Windows).
fn rules_mode(dir: &Path, out: &mut Findings) {
    if rules::locate(dir).is_err() {
        return; // missing or not executable on disk: the rules-* checks say so
    }
    let (index, head) = git::modes(dir, RULES_PATH);
    let not_exec = |m: &Option<String>| m.as_deref().is_some_and(|m| m == "100644");
    let place = Place::file(paths::display_join(dir, RULES_PATH).display().to_string());
    let where_ = match (not_exec(&index), not_exec(&head)) {
        (true, true) => "in the git index and in HEAD",
        (true, false) => "in the git index",
        (false, true) => "in HEAD (the index has it executable: commit that)",
        (false, false) => return,
    };
    out.add(
        Tag::RulesNotExecutableInGit,
        place,
        format!(
            "executable on disk but mode 100644 {where_}: a Wazo server clones the repository \
             and cannot run it; fix: git update-index --chmod=+x wazo/rules, then commit"
        ),
    );
}

/// Files below the plugin folder that the server would not get: modified or untracked.
fn uncommitted(dir: &Path, out: &mut Findings) {
    let Some(files) = git::uncommitted(dir) else {
        return;
    };
    if files.is_empty() {
        return;
    }
    let n = files.len();
    let mut shown = files[..n.min(SHOWN_PATHS)].join(", ");
    if n > SHOWN_PATHS {
        shown.push_str(", ...");
    }
    let what = if n == 1 { "file is" } else { "files are" };
    out.add(
        Tag::UncommittedFiles,
        Place::file(paths::shown(dir).display().to_string()),
        format!(
            "{n} {what} modified or untracked ({shown}): a Wazo server builds the committed \
             tree only (pluginctl build --ref REF builds what it installs)"
        ),
    );
}

/// A tag at HEAD that does not name the manifest's version, less a leading `v`: a market
/// entry with that tag as its `ref` installs another version than it announces.
fn tags(dir: &Path, version: &str, out: &mut Findings) {
    for tag in git::tags_at_head(dir) {
        if let Some(why) = tag_mismatch(&tag, version) {
            out.add(
                Tag::ReleaseTagNotVersion,
                Place::file(manifest::manifest_path(dir).display().to_string()),
                why,
            );
        }
    }
}

/// Why the tag `tag` does not name `version`, if it does not.
pub(crate) fn tag_mismatch(tag: &str, version: &str) -> Option<String> {
    let bare = tag.strip_prefix('v').unwrap_or(tag);
    (bare != version).then(|| {
        format!(
            "the tag {tag} at HEAD is not the version {version}: a market entry with \"ref\": \
             \"{tag}\" would install version {version}; tag the release v{version}, or set \
             version to {bare}"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::tag_mismatch;

    #[test]
    fn a_leading_v_is_dropped_and_nothing_else() {
        assert_eq!(tag_mismatch("v1.2.0", "1.2.0"), None);
        assert_eq!(tag_mismatch("1.2.0", "1.2.0"), None);
        assert!(tag_mismatch("v1.2", "1.2.0").is_some());
        assert!(tag_mismatch("vv1.2.0", "1.2.0").is_some());
        assert!(tag_mismatch("V1.2.0", "1.2.0").is_some());
        assert!(tag_mismatch("release-1.2.0", "1.2.0").is_some());
    }
}
