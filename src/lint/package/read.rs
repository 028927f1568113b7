//! Reads the package once, in order: the ar members, then each tar member decompressed and
//! walked entry by entry, recording the facts that the checks at the end judge.

use super::{normalize, Data, Deb, TarFacts, Which, ENTRY};
use crate::deb::compress::Algorithm;
use crate::deb::reader::{self, ArReader, TarKind};
use crate::deb::{limits, walk};
use crate::lint::{Findings, Tag};
use std::io::{self, BufReader, Read};
use std::path::Path;

/// The words of an [`Tag::IgnoredMemberData`] finding.
fn ignored_text(algorithm: Algorithm, bytes: u64) -> String {
    let part = match algorithm {
        Algorithm::Xz => "the first xz stream",
        Algorithm::Zstd => "the first zstd frame",
        _ => "the last gzip member",
    };
    format!(
        "{} after {part}, which dpkg never reads (compress the member as one stream)",
        limits::size_text(bytes)
    )
}

/// The tag for an I/O error met while reading the package.
fn io_tag(e: &io::Error) -> Tag {
    let text = e.to_string();
    if let Some(limits::Verdict::Limit(_)) = limits::verdict(e) {
        Tag::PastLimit
    } else if text.starts_with("truncated") || e.kind() == io::ErrorKind::UnexpectedEof {
        Tag::TruncatedPackage
    } else if text.starts_with("ar ") {
        Tag::BadArHeader
    } else {
        Tag::CorruptMember
    }
}

impl Deb {
    /// The package cannot be opened or read at all.
    fn unreadable(&self, e: &io::Error, out: &mut Findings) {
        out.add(
            Tag::InputUnreadable,
            self.whole(),
            format!("cannot read: {}", crate::error::describe_io(e)),
        );
    }

    /// Reads every member once, in order.
    pub(super) fn read(&mut self, path: &Path, out: &mut Findings) {
        let file = match walk::open(path) {
            Ok(f) => f,
            Err(e) => return self.unreadable(&e, out),
        };
        let mut ar = match ArReader::new(BufReader::with_capacity(256 << 10, file)) {
            Ok(ar) => ar,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                let hint = if path.file_name().is_some_and(|n| n == "plugin.yml") {
                    "; to lint a plugin checkout, give its folder"
                } else {
                    ""
                };
                out.add(Tag::NotADeb, self.whole(), format!("{e}{hint}"));
                return;
            }
            Err(e) => return self.unreadable(&e, out),
        };
        let mut layout = walk::Layout::default();
        let walked = walk::members(&mut ar, &mut layout, |member, role, data| {
            // Every member is read by its name, wherever it stands: the layout is judged at
            // the end ([`Deb::check_members`]), and a misplaced member's content is checked
            // too.
            let name = member.name.clone();
            self.members.record(&name, role);
            let result = if name == "debian-binary" {
                self.debian_binary(data, out)
            } else if name.starts_with("control.tar") {
                self.tar_member(Which::Control, &name, data, out)
            } else if name.starts_with("data.tar") {
                self.tar_member(Which::Data, &name, data, out)
            } else {
                Ok(())
            };
            if let Err(e) = result {
                let tag = io_tag(&e);
                let text = e.to_string();
                let text = if tag == Tag::CorruptMember && !text.starts_with("tar:") {
                    format!("cannot decompress: {text}")
                } else {
                    text
                };
                out.add(tag, self.inside(&name), text);
                if tag == Tag::TruncatedPackage {
                    self.truncated = true;
                    return Ok(walk::Next::Stop);
                }
            }
            Ok(walk::Next::Continue)
        });
        // The visitor reports its own errors: what is left is the archive's.
        if let Err((_, e)) = walked {
            self.truncated = io_tag(&e) == Tag::TruncatedPackage;
            out.add(io_tag(&e), self.whole(), e.to_string());
        }
        self.members.missing = layout.missing();
    }

    /// Decompresses and walks one tar member.
    fn tar_member(
        &mut self,
        which: Which,
        name: &str,
        data: impl Read,
        out: &mut Findings,
    ) -> io::Result<()> {
        let place = self.inside(name);
        let Some(algorithm) = reader::algorithm_of(name) else {
            // Reported with the member layout; only data.tar.{bz2,lzma} are readable by dpkg.
            if which == Which::Data && (name.ends_with(".bz2") || name.ends_with(".lzma")) {
                out.add(
                    Tag::UnsupportedCompression,
                    place,
                    "compressed with a deprecated method pluginctl cannot read; its payload was not checked (use xz)",
                );
            }
            return Ok(());
        };
        if algorithm == Algorithm::Zstd {
            out.add(
                Tag::ZstdMember,
                place.clone(),
                "zstd needs dpkg 1.21.18 or later: Debian 11 cannot install this package (use xz for older Wazo servers)",
            );
        }
        let mut facts = TarFacts::default();
        if which == Which::Data {
            self.data = Some(Data::default());
        } else {
            self.control_read = true;
        }
        let result = self.walk(which, algorithm, data, &mut facts).map(|rest| {
            if rest.ignored > 0 {
                out.add(
                    Tag::IgnoredMemberData,
                    place.clone(),
                    ignored_text(algorithm, rest.ignored),
                );
            }
        });
        if which == Which::Control
            && result
                .as_ref()
                .is_err_and(|e| matches!(limits::verdict(e), Some(limits::Verdict::Limit(_))))
        {
            // Not read to its end: what it lacks is unknown, not missing.
            self.control_read = false;
        }
        if result.is_ok() {
            if let Some(d) = self.data.as_mut().filter(|_| which == Which::Data) {
                d.complete = true;
            }
        }
        for (sample, tag, what) in [
            (
                &facts.pax,
                Tag::PaxHeader,
                "preceded by a PAX header, which dpkg --unpack refuses (write the tar in GNU format)",
            ),
            (
                &facts.sparse,
                Tag::SparseEntry,
                "stored as GNU sparse files, which dpkg --unpack refuses (build without --sparse)",
            ),
            (
                &facts.missing_parent,
                Tag::MissingParentDir,
                "without an entry for their parent folder before them, so dpkg --unpack fails (No such file or directory)",
            ),
            (
                &facts.unsafe_path,
                Tag::UnsafePath,
                "with an absolute path or a .. component",
            ),
            (
                &facts.unsupported,
                Tag::UnsupportedTarEntry,
                "of a type dpkg cannot unpack",
            ),
            (
                &facts.special,
                Tag::SpecialFile,
                "that are device files or FIFOs",
            ),
            (
                &facts.newline,
                Tag::NewlineInPath,
                "whose path holds a newline, which dpkg --unpack refuses",
            ),
        ] {
            if sample.count > 0 {
                out.add(tag, place.clone(), sample.describe(ENTRY, what));
            }
        }
        result
    }

    fn walk(
        &mut self,
        which: Which,
        algorithm: Algorithm,
        data: impl Read,
        facts: &mut TarFacts,
    ) -> io::Result<reader::Rest> {
        walk::entries(algorithm, data, |entry, tar| {
            if entry.raw_path.contains(&b'\n') {
                // Named escaped, as tar lists it: a raw newline would split the report's line.
                facts.newline.add(walk::escape_name(&entry.raw_path));
                return Ok(());
            }
            let path = normalize(&entry.path).to_string();
            if entry.pax {
                facts.pax.add(&entry.path);
            }
            if entry.sparse {
                facts.sparse.add(&entry.path);
            }
            if let Some((parent, _)) = path.rsplit_once('/') {
                if !facts.dirs.contains(parent) {
                    facts.missing_parent.add(&entry.path);
                }
            }
            if entry.kind == TarKind::Dir {
                facts.dirs.insert(path.clone());
            }
            if entry.path.starts_with('/') || path.split('/').any(|c| c == "..") {
                facts.unsafe_path.add(&entry.path);
            }
            match entry.kind {
                TarKind::Other(flag) if !entry.sparse => facts
                    .unsupported
                    .add(format!("{} (type {:?})", entry.path, flag as char)),
                TarKind::CharDevice | TarKind::BlockDevice | TarKind::Fifo => {
                    facts.special.add(&entry.path)
                }
                _ => {}
            }
            match which {
                Which::Control => self.control_entry(&path, entry, tar),
                Which::Data => self.data_entry(&path, entry, tar),
            }
        })
    }
}
