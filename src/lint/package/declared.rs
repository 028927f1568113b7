//! What the control member declares about the payload, checked against the payload as
//! read: md5sums (present, complete, matching) and Installed-Size.

use super::{Data, Deb, FILE};
use crate::lint::control::Control;
use crate::lint::{Findings, Sample, Tag};

pub(super) fn hex(d: &[u8; 16]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

impl Deb {
    /// md5sums present, complete and matching.
    pub(super) fn md5sums(&self, d: &Data, out: &mut Findings) {
        let place = self.inside("DEBIAN/md5sums");
        if let Some((line, what)) = &self.md5sums_syntax {
            out.add(
                Tag::Md5sumsSyntax,
                place.line(*line),
                format!("{what}; each line is 32 lower-case hex digits, two spaces and a path"),
            );
        }
        let Some(sums) = &self.md5sums else {
            out.add(
                Tag::Md5sumsMissing,
                self.whole(),
                "no md5sums in the control member; dpkg --verify cannot check the installed files",
            );
            return;
        };
        let mut paths: Vec<&String> = d.digests.keys().collect();
        paths.sort();
        let (mut mismatch, mut unlisted) = (Sample::default(), Sample::default());
        for path in paths {
            match sums.get(path) {
                Some(listed) if *listed != d.digests[path] => mismatch.add(format!(
                    "{path} (listed {}, actual {})",
                    hex(listed),
                    hex(&d.digests[path])
                )),
                Some(_) => {}
                None if self.conffiles.contains(path.as_str()) => {}
                None => unlisted.add(path.clone()),
            }
        }
        let mut extra: Vec<&String> = sums
            .keys()
            .filter(|p| !d.digests.contains_key(*p))
            .collect();
        extra.sort();
        if mismatch.count > 0 {
            out.add(
                Tag::Md5sumsMismatch,
                place.clone(),
                mismatch.describe(FILE, "whose content does not match md5sums"),
            );
        }
        if unlisted.count > 0 {
            out.add(
                Tag::Md5sumsIncomplete,
                place.clone(),
                unlisted.describe(FILE, "missing from md5sums"),
            );
        }
        if !extra.is_empty() {
            let mut s = Sample::default();
            for p in extra {
                s.add(p.clone());
            }
            out.add(
                Tag::Md5sumsIncomplete,
                place,
                s.describe(
                    ("path", "paths"),
                    "listed in md5sums that are not regular files of the payload",
                ),
            );
        }
    }

    /// Installed-Size present and close to what the package takes. dpkg-gencontrol counts
    /// the payload, one KiB for the control folder and the files in it when it runs (the
    /// maintainer scripts, conffiles, triggers; not control and md5sums, written after it);
    /// other builders count the payload alone. Both are plausible.
    pub(super) fn installed_size(&self, d: &Data, c: &Control, out: &mut Findings) {
        let payload = d.installed_kib + 1; // the control folder counts one
        let with_control = payload + self.control_kib;
        let Some(f) = c.field("Installed-Size") else {
            out.add(
                Tag::InstalledSizeMissing,
                self.inside("DEBIAN/control"),
                format!("no Installed-Size field (the package takes {with_control} KiB)"),
            );
            return;
        };
        let Ok(declared) = f.value.parse::<u64>() else {
            return; // reported as control-syntax
        };
        let near = |computed: u64| {
            let diff = declared.abs_diff(computed);
            diff * 10 <= computed || diff <= 16
        };
        if (payload..=with_control).contains(&declared) || near(payload) || near(with_control) {
            return;
        }
        let counted = if with_control == payload {
            format!("the package takes {payload} KiB as dpkg-gencontrol counts it")
        } else {
            format!(
                "the package takes {with_control} KiB as dpkg-gencontrol counts it \
                 ({payload} KiB without the control files)"
            )
        };
        out.add(
            Tag::InstalledSizeImplausible,
            self.inside("DEBIAN/control").line(f.line),
            format!("Installed-Size {declared}, but {counted}"),
        );
    }
}
