//! The ar layout of the package: the debian-binary member's content, and the names and
//! order of the members, as dpkg wants them.

use super::Deb;
use crate::lint::{Findings, Tag};
use std::io::{self, Read};

impl Deb {
    pub(super) fn debian_binary(&mut self, data: impl Read, out: &mut Findings) -> io::Result<()> {
        if let Err(why) = crate::deb::walk::read_format(data)? {
            out.add(
                Tag::BadDebianBinary,
                self.inside("debian-binary"),
                format!("{why}; dpkg refuses it (a format 2.x package's debian-binary holds \"2.0\\n\")"),
            );
        }
        Ok(())
    }

    /// Member names and order: debian-binary, control.tar*, data.tar*.
    pub(super) fn check_members(&self, out: &mut Findings) {
        let place = self.whole();
        let mut control_at = None;
        let mut data_at = None;
        match self.members.first() {
            None => out.add(Tag::ArMemberOrder, place.clone(), "the ar archive is empty"),
            Some(first) if first != "debian-binary" => out.add(
                Tag::ArMemberOrder,
                place.clone(),
                format!("the first member is {first:?}; dpkg wants debian-binary first"),
            ),
            _ => {}
        }
        for (i, name) in self.members.iter().enumerate() {
            let control_ext = ["", ".gz", ".xz", ".zst"];
            let data_ext = ["", ".gz", ".xz", ".zst", ".bz2", ".lzma"];
            let slot = if name == "debian-binary" {
                if i != 0 {
                    out.add(
                        Tag::ArMemberOrder,
                        place.clone(),
                        format!("debian-binary is member {}; it must be the first", i + 1),
                    );
                }
                continue;
            } else if let Some(ext) = name.strip_prefix("control.tar") {
                if !control_ext.contains(&ext) {
                    out.add(
                        Tag::UnknownArMember,
                        place.clone(),
                        format!("{name}: dpkg reads the control member as control.tar, .gz, .xz or .zst only"),
                    );
                    continue;
                }
                &mut control_at
            } else if let Some(ext) = name.strip_prefix("data.tar") {
                if !data_ext.contains(&ext) {
                    out.add(
                        Tag::UnknownArMember,
                        place.clone(),
                        format!("{name}: not a compression dpkg knows"),
                    );
                    continue;
                }
                &mut data_at
            } else if name.starts_with('_') {
                out.add(
                    Tag::ExtraArMember,
                    place.clone(),
                    format!("member {name:?} is ignored by dpkg"),
                );
                continue;
            } else {
                out.add(
                    Tag::UnknownArMember,
                    place.clone(),
                    format!("member {name:?} is not part of a .deb (debian-binary, control.tar*, data.tar*)"),
                );
                continue;
            };
            if slot.is_some() {
                out.add(
                    Tag::ArMemberOrder,
                    place.clone(),
                    format!("a second {name} member"),
                );
            } else {
                *slot = Some(i);
            }
        }
        match (control_at, data_at) {
            (None, _) | (_, None) if self.truncated => {}
            (None, _) => out.add(Tag::ArMemberOrder, place.clone(), "no control.tar member"),
            (_, None) => out.add(Tag::ArMemberOrder, place.clone(), "no data.tar member"),
            (Some(c), Some(d)) if d < c => out.add(
                Tag::ArMemberOrder,
                place,
                format!(
                    "{} comes before {}; dpkg wants the control member first",
                    self.members[d], self.members[c]
                ),
            ),
            _ => {}
        }
    }
}
