//! The ar layout of the package: the debian-binary member's content, and the names and
//! order of the members, as dpkg wants them.

use super::Deb;
use crate::deb::walk::{self, Misplaced, Role};
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

    /// Member names and order, judged by dpkg's rule ([`walk::Layout`]): the first member
    /// dpkg refuses is an error, and a member it skips is noted.
    pub(super) fn check_members(&self, out: &mut Findings) {
        let place = self.whole();
        if self.members.is_empty() {
            out.add(Tag::ArMemberOrder, place, "the ar archive is empty");
            return;
        }
        let mut layout = walk::Layout::default();
        for name in &self.members {
            match layout.next(name) {
                Ok(Role::Ignored) => out.add(
                    Tag::ExtraArMember,
                    place.clone(),
                    format!("member {name:?} is ignored by dpkg"),
                ),
                Ok(_) => {}
                Err(why) => {
                    // A member of a known kind in the wrong place, or a name dpkg does not
                    // know (or a compression it does not know).
                    let known = |n: &str| {
                        n == "debian-binary"
                            || n.starts_with("control.tar")
                            || n.starts_with("data.tar")
                    };
                    let tag = match &why {
                        Misplaced::NotFirst(_) => Tag::ArMemberOrder,
                        Misplaced::UnknownCompression(_) => Tag::UnknownArMember,
                        _ if known(why.name()) => Tag::ArMemberOrder,
                        _ => Tag::UnknownArMember,
                    };
                    let name = why.name();
                    out.add(
                        tag,
                        place,
                        format!("member {name:?}: {why}; dpkg refuses the package"),
                    );
                    return;
                }
            }
        }
        if let Some(missing) = layout.missing().filter(|_| !self.truncated) {
            out.add(Tag::ArMemberOrder, place, format!("no {missing} member"));
        }
    }
}
