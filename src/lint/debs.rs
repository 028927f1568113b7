//! Packages left inside a plugin checkout: a `.deb` under `wazo/` (a build run there with
//! `-o .`) or under a folder that `rules package` copies is shipped again inside the next
//! package, which then grows with every build. `lint` reports them on the checkout, and
//! `build`, which runs the same checks before the rules, warns before shipping one.

use super::{Findings, Place, Tag};
use std::path::Path;

/// Most entries looked at under one folder: lint stays quick on a checkout with a huge tree.
const MAX_ENTRIES: usize = 200_000;

/// Reports every `.deb` file under `wazo/` and under the checkout folders in `copied` (as
/// the rules file names them, relative to the checkout). Links are not followed, and
/// nothing outside the checkout is looked at.
pub(super) fn check(dir: &Path, copied: &[String], out: &mut Findings) {
    let mut seen = std::collections::HashSet::new();
    for (rel, why) in shipped_folders(copied) {
        if !real_folder(dir, &rel) {
            continue;
        }
        let root = dir.join(&rel);
        let walk = walkdir::WalkDir::new(&root)
            .follow_links(false)
            .follow_root_links(false)
            .into_iter()
            .filter_map(Result::ok)
            .take(MAX_ENTRIES);
        for entry in walk {
            let is_deb = entry.file_type().is_file()
                && entry
                    .path()
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("deb"));
            if !is_deb {
                continue;
            }
            let Ok(inside) = entry.path().strip_prefix(dir) else {
                continue;
            };
            if !seen.insert(inside.to_path_buf()) {
                continue;
            }
            let shown = crate::plugin::paths::display_join(dir, &inside.to_string_lossy());
            out.add(
                Tag::DebInCheckout,
                Place::file(shown.display().to_string()),
                format!(
                    "a Debian package in the checkout, and {why}: the next build ships it \
                     inside the new package; move it out of the checkout (and build with -o \
                     a folder outside it)"
                ),
            );
        }
    }
}

/// The checkout folders a package ships, relative to the checkout, each with why: `wazo/`,
/// and the folders in `copied` (as the rules file names them) that stay inside the checkout.
fn shipped_folders(copied: &[String]) -> Vec<(String, String)> {
    let mut roots: Vec<(String, String)> = vec![(
        "wazo".into(),
        "it is shipped as the plugin's own folder".into(),
    )];
    for src in copied {
        let rel = src.trim_start_matches("./");
        let rel = if rel.is_empty() { "." } else { rel };
        if rel.starts_with('/') || rel.split('/').any(|c| c == "..") {
            continue;
        }
        roots.push((
            rel.to_string(),
            format!("`rules package` copies {src} into the package"),
        ));
    }
    roots
}

/// Why a package written to `output` would be shipped by the next build of the plugin in
/// `dir` (both canonical), when it would: the output folder is, or is below, a folder the
/// package ships (`rules`: the rules file's bytes, for what `rules package` copies).
pub(crate) fn output_shipped(dir: &Path, rules: &[u8], output: &Path) -> Option<String> {
    let copied = super::script::package_copies(rules);
    shipped_folders(&copied).into_iter().find_map(|(rel, why)| {
        output.starts_with(dir.join(&rel)).then(|| {
            format!(
                "the output folder is inside the checkout, and {why}: the next build ships \
                 this package inside the new one; build with -o a folder outside the checkout"
            )
        })
    })
}

/// True when `rel` leads from `dir` to a folder through folders only: a symlink on the way
/// could lead out of the checkout, and is never followed.
fn real_folder(dir: &Path, rel: &str) -> bool {
    let mut at = dir.to_path_buf();
    for part in Path::new(rel).components() {
        match part {
            std::path::Component::CurDir => continue,
            std::path::Component::Normal(name) => at.push(name),
            _ => return false,
        }
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.is_dir() => {}
            _ => return false,
        }
    }
    true
}
