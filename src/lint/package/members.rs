//! The ar layout of the package: the debian-binary member's content, and the names and
//! order of the members, as dpkg wants them.

use super::Deb;
use crate::deb::walk::{Misplaced, Role};
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

    /// Member names and order, as the one pass over them judged them by dpkg's rule
    /// ([`crate::deb::walk::Layout`]): the first member dpkg refuses is an error, and a member it skips
    /// is noted.
    pub(super) fn check_members(&self, out: &mut Findings) {
        let place = self.whole();
        let facts = &self.members;
        if facts.count == 0 {
            out.add(Tag::ArMemberOrder, place, "the ar archive is empty");
            return;
        }
        for name in &facts.ignored {
            out.add(
                Tag::ExtraArMember,
                place.clone(),
                format!("member {name:?} is ignored by dpkg"),
            );
        }
        if let Some(why) = &facts.refused {
            // A member of a known kind in the wrong place, or a name dpkg does not know (or a
            // compression it does not know).
            let name = why.name();
            let known = name == "debian-binary"
                || name.starts_with("control.tar")
                || name.starts_with("data.tar");
            let tag = match why {
                Misplaced::NotFirst(_) => Tag::ArMemberOrder,
                Misplaced::UnknownCompression(_) => Tag::UnknownArMember,
                _ if known => Tag::ArMemberOrder,
                _ => Tag::UnknownArMember,
            };
            out.add(
                tag,
                place,
                format!("member {name:?}: {why}; dpkg refuses the package"),
            );
        } else if let Some(missing) = facts.missing.filter(|_| !self.truncated) {
            out.add(Tag::ArMemberOrder, place, format!("no {missing} member"));
        }
    }
}

/// What the pass over the members saw of their layout, for [`Deb::check_members`].
#[derive(Default)]
pub(super) struct MemberFacts {
    /// How many members the archive has (up to where it could be read).
    pub(super) count: usize,
    /// The members dpkg skips, before any it refuses.
    ignored: Vec<String>,
    /// The first member dpkg refuses the package for.
    refused: Option<Misplaced>,
    /// The member dpkg still waits for at the end.
    pub(super) missing: Option<&'static str>,
}

impl MemberFacts {
    /// Records one member and dpkg's verdict on it; after a refusal, the verdicts on the
    /// members that follow mean nothing (dpkg has stopped) and only the count goes on.
    pub(super) fn record(&mut self, name: &str, role: Result<Role, Misplaced>) {
        self.count += 1;
        if self.refused.is_some() {
            return;
        }
        match role {
            Ok(Role::Ignored) => self.ignored.push(name.to_string()),
            Ok(_) => {}
            Err(why) => self.refused = Some(why),
        }
    }
}
