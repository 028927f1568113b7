//! Whether the plugins of a repository can be installed from it: every `wazo-plugind-*`
//! dependency of every listed package must be met by a listed package (or its `Provides`),
//! with its version constraint compared in dpkg's order. A plugin whose dependency is
//! missing installs nowhere: apt refuses it on every server.

use super::Entry;
use crate::deb::version::{parse_relation, Alternative};

/// The prefix of every Wazo plugin package; other dependencies come from Debian.
const PLUGIN_PREFIX: &str = "wazo-plugind-";

/// A dependency that nothing in the repository meets.
pub(crate) struct Unmet {
    /// The package file that depends.
    pub(crate) file: String,
    /// Its package name.
    pub(crate) package: String,
    /// Its version.
    pub(crate) version: String,
    /// The relation item as written (`wazo-plugind-a-demo (>= 2.0)`).
    pub(crate) relation: String,
    /// Packages of the repository meet it, but none of them can be installed.
    pub(crate) indirect: bool,
}

impl Unmet {
    /// The sentence shown for it (after the file name).
    pub(crate) fn describe(&self) -> String {
        let which = if self.indirect {
            "which only packages with unmet dependencies satisfy"
        } else {
            "which no package of the repository satisfies"
        };
        format!(
            "{} {} depends on {}, {which}; add it to the folder (apt-get install refuses {} on every server)",
            self.package, self.version, self.relation, self.package
        )
    }
}

/// Whether some entry (or a `Provides` of one) meets `alt`.
fn met(alt: &Alternative, entries: &[Entry]) -> bool {
    entries.iter().any(|e| {
        (e.package() == alt.name && alt.accepts(Some(e.version())))
            || e.stanza.get("Provides").is_some_and(|provides| {
                provides.split(',').any(|item| {
                    parse_relation(item.trim()).is_ok_and(|alts| {
                        alts.iter().any(|p| {
                            p.name == alt.name && alt.accepts(p.constraint.map(|(_, v)| v))
                        })
                    })
                })
            })
    })
}

/// Every `Depends` and `Pre-Depends` item of `entries` made only of `wazo-plugind-*`
/// alternatives, none of which is met by an installable package of `entries`: first by any
/// package, then, until nothing changes, by the packages not yet found uninstallable. An
/// item with another alternative may be met from Debian, and is not judged here.
pub(crate) fn unmet(entries: &[Entry]) -> Vec<Unmet> {
    let mut out: Vec<Unmet> = Vec::new();
    let mut bad = vec![false; entries.len()];
    loop {
        let installable: Vec<Entry> = entries
            .iter()
            .zip(&bad)
            .filter(|(_, b)| !**b)
            .map(|(e, _)| e.clone())
            .collect();
        let mut changed = false;
        for (i, e) in entries.iter().enumerate() {
            if bad[i] {
                continue;
            }
            for item in plugin_items(e) {
                let Ok(alts) = parse_relation(item) else {
                    continue;
                };
                if !alts.iter().any(|a| met(a, &installable)) {
                    out.push(Unmet {
                        file: e.file.clone(),
                        package: e.package().to_string(),
                        version: e.version().to_string(),
                        relation: item.split_whitespace().collect::<Vec<_>>().join(" "),
                        indirect: alts.iter().any(|a| met(a, entries)),
                    });
                    bad[i] = true;
                    changed = true;
                    break;
                }
            }
        }
        if !changed {
            return out;
        }
    }
}

/// The `Pre-Depends` and `Depends` items of a package whose alternatives are all plugins.
fn plugin_items(e: &Entry) -> Vec<&str> {
    ["Pre-Depends", "Depends"]
        .iter()
        .filter_map(|f| e.stanza.get(f))
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|item| {
            !item.is_empty()
                && parse_relation(item)
                    .is_ok_and(|alts| alts.iter().all(|a| a.name.starts_with(PLUGIN_PREFIX)))
        })
        .collect()
}
