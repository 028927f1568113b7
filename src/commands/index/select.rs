//! Which packages of the folder a repository lists: every one, or the newest `--keep N`
//! versions of each (files are never deleted), and never two different files that claim to
//! be the same package: a server would install whichever apt picked.

use super::Entry;
use crate::deb::version::compare;
use crate::{Error, Result};
use std::cmp::Ordering;
use std::path::Path;

/// The architecture a stanza is for (`all` when missing, which dpkg refuses anyway).
fn arch(e: &Entry) -> &str {
    e.stanza.get("Architecture").unwrap_or("all")
}

/// Refuses two files of the same package, version (equal in dpkg's order: `1.0` and
/// `0:1.0` are one version) and architecture whose bytes differ. Identical copies pass.
pub(crate) fn check_duplicates(dir: &Path, entries: &[Entry]) -> Result<()> {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by(|a, b| same_order(a, b).then_with(|| a.file.cmp(&b.file)));
    for pair in sorted.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if same_order(a, b) == Ordering::Equal && a.stanza.get("SHA256") != b.stanza.get("SHA256") {
            return Err(Error::package(
                dir.join(&b.file),
                format!(
                    "the same package as {} ({} {}, {}) with other contents; a server would install whichever apt picked: remove one, or rebuild the newer one with a higher version",
                    dir.join(&a.file).display(),
                    a.package(),
                    a.version(),
                    arch(a)
                ),
            ));
        }
    }
    Ok(())
}

/// Orders by package, architecture and version (dpkg's order).
fn same_order(a: &Entry, b: &Entry) -> Ordering {
    a.package()
        .cmp(b.package())
        .then_with(|| arch(a).cmp(arch(b)))
        .then_with(|| compare(a.version(), b.version()))
}

/// Splits `entries` into the files of the newest `keep` versions of each package (dpkg's
/// order; every architecture and copy of a kept version) and the rest, both in file order.
pub(crate) fn keep_newest(entries: Vec<Entry>, keep: usize) -> (Vec<Entry>, Vec<Entry>) {
    let mut by_package: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for e in &entries {
        by_package
            .entry(e.package().to_string())
            .or_default()
            .push(e.version().to_string());
    }
    let newest: std::collections::BTreeMap<String, Vec<String>> = by_package
        .into_iter()
        .map(|(name, mut versions)| {
            versions.sort_by(|a, b| compare(b, a));
            versions.dedup_by(|a, b| compare(a, b) == Ordering::Equal);
            versions.truncate(keep);
            (name, versions)
        })
        .collect();
    entries.into_iter().partition(|e| {
        newest[e.package()]
            .iter()
            .any(|v| compare(v, e.version()) == Ordering::Equal)
    })
}
