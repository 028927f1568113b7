//! Findings about the payload as a whole: ownership, modes, timestamps and build-machine
//! paths, compiled files in an `Architecture: all` package, and packages inside the package.

use super::{Data, Deb, ENTRY, FILE};
use crate::lint::control::Control;
use crate::lint::{Findings, Tag};

impl Deb {
    /// ELF files in an `Architecture: all` package, and packages inside the payload.
    pub(super) fn binaries(&self, d: &Data, c: &Control, out: &mut Findings) {
        let arch = c.field("Architecture").map(|f| f.value.trim());
        if d.elf.count > 0 && arch == Some("all") {
            out.add(
                Tag::BinaryInArchAll,
                self.whole(),
                d.elf.describe(
                    FILE,
                    "compiled for one processor in a package for every architecture \
                     (Architecture all, as the Wazo daemon always builds); build them on the \
                     server from `rules install`, or depend on a Debian package that ships \
                     them",
                ),
            );
        }
        if d.debs.count > 0 {
            let own = c
                .field("Package")
                .map(|f| format!("{}_", f.value.trim()))
                .is_some_and(|prefix| {
                    d.debs
                        .examples
                        .iter()
                        .any(|p| p.rsplit('/').next().is_some_and(|n| n.starts_with(&prefix)))
                });
            // Under the plugin's own wazo/ folder (shipped whole by every build): a build
            // run there with `-o .`, not a copy made by the rules file.
            let in_wazo = d.debs.examples.iter().any(|p| {
                let parts: Vec<&str> = p.trim_start_matches("./").split('/').collect();
                let root = super::PLUGINS_ROOT.split('/').count();
                parts.len() > root + 3
                    && parts[..root].join("/") == super::PLUGINS_ROOT
                    && parts[root + 2] == "wazo"
            });
            let why = if in_wazo {
                "left in the plugin's wazo/ folder, which every build ships whole: a build run \
                 there with -o .; remove it from wazo/ and build with -o outside the checkout"
            } else if own {
                "a previous build of this very package, copied in by `cp -R . \"$pkgdir\"` \
                 when the output folder is the checkout; build with -o outside the checkout, \
                 or remove the old .deb"
            } else {
                "a package inside the package, usually a previous build copied in with the \
                 checkout; build with -o outside the checkout, or ship a .deb only on purpose"
            };
            out.add(
                Tag::DebInPayload,
                self.whole(),
                d.debs
                    .describe(FILE, &format!("holding a Debian package ({why})")),
            );
        }
    }

    /// Ownership, modes, timestamps and build-machine paths of the payload.
    pub(super) fn payload_samples(&self, d: &Data, out: &mut Findings) {
        let place = self.whole();
        if d.build_machine.count > 0 {
            out.add(
                Tag::PayloadFromBuildMachine,
                place.clone(),
                d.build_machine.describe(
                    FILE,
                    "under /root, /home or a pyenv, virtualenv or site-packages prefix of the \
                     build machine (a Wazo server's python3 does not read them)",
                ),
            );
        }
        if d.tmp.count > 0 {
            out.add(
                Tag::PayloadFromBuildMachine,
                place.clone(),
                d.tmp.describe(
                    FILE,
                    "under /tmp, which the system empties at boot: they vanish while dpkg still \
                     lists them (create them from `rules install`, or ship them under /usr/share)",
                ),
            );
        }
        if d.setuid.count > 0 {
            out.add(
                Tag::SetuidFile,
                place.clone(),
                d.setuid.describe(
                    FILE,
                    "setuid or setgid: they run with their owner's or group's rights whoever \
                     starts them",
                ),
            );
        }
        if d.hard_link_outside.count > 0 {
            out.add(
                Tag::HardLinkOutside,
                place.clone(),
                d.hard_link_outside.describe(
                    ("hard link", "hard links"),
                    "whose target is an absolute path or climbs out with ..: dpkg would link a \
                     file of the server into the package",
                ),
            );
        }
        if d.not_root.count > 0 {
            out.add(
                Tag::FileNotRoot,
                place.clone(),
                d.not_root.describe(ENTRY, "not owned by root:root"),
            );
        }
        if d.world_writable.count > 0 {
            out.add(
                Tag::WorldWritable,
                place.clone(),
                d.world_writable.describe(ENTRY, "writable by every user"),
            );
        }
        if d.ancient.count > 0 {
            out.add(
                Tag::AncientTimestamp,
                place,
                d.ancient.describe(ENTRY, "dated before 1975"),
            );
        }
    }
}
