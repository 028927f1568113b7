//! Lint checks on a `.deb`, ours or anyone's, in one streamed pass.
//!
//! The ar members are read in order through [`crate::deb::reader`]; each tar member is
//! decompressed and walked entry by entry. The control member comes first, so its small
//! files (control, md5sums, maintainer scripts) are kept; the data member is never held in
//! memory: each file's MD5 is computed as it streams by, and only the shipped `plugin.yml`
//! and `rules` (bounded) are kept. Everything that needs several members is decided at the
//! end, in [`Deb::finish`].
//!
//! [`read`] streams the members, [`control_files`] and [`entries`] record what the control
//! and data members hold; [`members`], [`payload`], [`plugin`], [`scripts`] and [`declared`]
//! judge it.

mod control_files;
mod declared;
mod entries;
mod members;
mod payload;
mod plugin;
mod read;
mod scripts;
#[cfg(test)]
mod tests;

use super::control;
use super::{Findings, Place, Sample, Tag};
use crate::deb::md5::Md5;
use crate::deb::reader::TarKind;
use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::path::Path;

/// Largest plugin.yml or rules file kept for checking (control files: [`limits`](crate::deb::limits)).
const MAX_SMALL_FILE: u64 = 1 << 20;
/// Where installed plugins live.
const PLUGINS_ROOT: &str = "usr/lib/wazo-plugind/plugins";
/// How entries are counted in messages.
const ENTRY: (&str, &str) = ("entry", "entries");
/// How files are counted in messages.
const FILE: (&str, &str) = ("file", "files");

/// Checks a `.deb` file.
pub(crate) fn check(path: &Path, out: &mut Findings) {
    let mut deb = Deb::new(path.display().to_string());
    deb.read(path, out);
    deb.finish(out);
}

/// A maintainer script as found in the control member.
struct ScriptFile {
    name: String,
    mode: u32,
    bytes: Vec<u8>,
}

/// A file of the plugin's own `wazo/` folder, kept for checking.
struct Kept {
    /// `<namespace>/<name>` from its path.
    place: (String, String),
    kind: TarKind,
    mode: u32,
    bytes: Vec<u8>,
}

/// Facts gathered from one tar member.
#[derive(Default)]
struct TarFacts {
    dirs: HashSet<String>,
    pax: Sample,
    sparse: Sample,
    missing_parent: Sample,
    unsafe_path: Sample,
    unsupported: Sample,
    special: Sample,
    newline: Sample,
}

/// What the data member told us.
#[derive(Default)]
struct Data {
    /// Read to its end without error.
    complete: bool,
    digests: HashMap<String, [u8; 16]>,
    installed_kib: u64,
    plugin_ymls: Vec<Kept>,
    rules: Vec<Kept>,
    payload: Sample,
    build_machine: Sample,
    tmp: Sample,
    elf: Sample,
    setuid: Sample,
    hard_link_outside: Sample,
    debs: Sample,
    not_root: Sample,
    world_writable: Sample,
    ancient: Sample,
}

/// Which tar member is being read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Which {
    Control,
    Data,
}

/// The state of one package check.
struct Deb {
    shown: String,
    members: members::MemberFacts,
    /// The file ends early: members after that point are not missing, just cut off.
    truncated: bool,
    control_read: bool,
    control: Option<Vec<u8>>,
    md5sums: Option<HashMap<String, [u8; 16]>>,
    /// The first bad md5sums line and a description of all of them.
    md5sums_syntax: Option<(usize, String)>,
    scripts: Vec<ScriptFile>,
    /// The paths `conffiles` declares: dpkg checks them by their own hashes, so Debian
    /// leaves them out of md5sums.
    conffiles: HashSet<String>,
    /// KiB of the control member's files besides `control` and `md5sums` (maintainer
    /// scripts, conffiles, triggers...), which dpkg-gencontrol counts in Installed-Size.
    control_kib: u64,
    data: Option<Data>,
}

/// `./usr/lib/x/` -> `usr/lib/x`; `./` -> ``.
fn normalize(path: &str) -> &str {
    let p = crate::deb::walk::relative(path).trim_end_matches('/');
    if p == "." {
        ""
    } else {
        p
    }
}

fn kib(n: u64) -> u64 {
    n.div_ceil(1024)
}

/// Reads an entry's data to its end, returning its MD5 and its first `keep` bytes.
fn digest(r: &mut (impl Read + ?Sized), keep: u64) -> io::Result<([u8; 16], Vec<u8>)> {
    let mut md5 = Md5::new();
    let keep = usize::try_from(keep).unwrap_or(usize::MAX);
    let kept = crate::deb::reader::read_through(r, keep, |bytes| md5.update(bytes))?;
    Ok((md5.finalize(), kept))
}

impl Deb {
    fn new(shown: String) -> Deb {
        Deb {
            shown,
            members: members::MemberFacts::default(),
            truncated: false,
            control_read: false,
            control: None,
            md5sums: None,
            md5sums_syntax: None,
            scripts: Vec::new(),
            conffiles: HashSet::new(),
            control_kib: 0,
            data: None,
        }
    }

    /// A place inside the package: `x.deb!inner`.
    fn inside(&self, inner: &str) -> Place {
        Place::file(format!("{}!{inner}", self.shown))
    }

    fn whole(&self) -> Place {
        Place::file(&self.shown)
    }
}

/// What the shipped plugin.yml says, once it is found.
struct Shipped {
    /// `<namespace>/<name>` of the folder it is installed in.
    place: (String, String),
    /// `name` and `namespace` from the file (or from its place when unreadable).
    name: String,
    namespace: String,
    /// Its format version; `None` when the file cannot tell it.
    format: Option<u8>,
}

impl Deb {
    /// The checks that need several members, once everything was read.
    fn finish(&mut self, out: &mut Findings) {
        if self.members.count == 0 && out.tags().next().is_some() {
            return; // not a deb at all, or unreadable: nothing more to say
        }
        self.check_members(out);
        let control_place = self.inside("DEBIAN/control");
        let control = match &self.control {
            Some(text) => {
                let c = control::parse(text, &control_place, out);
                control::check(&c, &control_place, out);
                Some(c)
            }
            None => {
                if self.control_read {
                    out.add(
                        Tag::ControlMissing,
                        self.whole(),
                        "the control member has no control file",
                    );
                }
                None
            }
        };
        let Some(data) = self.data.take() else {
            return;
        };
        self.payload_samples(&data, out);
        if let Some(c) = &control {
            self.binaries(&data, c, out);
        }
        if !data.complete {
            return; // the rest would only repeat that the payload is damaged
        }
        let shipped = self.shipped_plugin(&data, control.as_ref(), out);
        let facts = shipped
            .as_ref()
            .map(|s| self.shipped_rules(&data, s, out))
            .unwrap_or_default();
        if self.control_read {
            self.scripts_encoding(out);
            self.maintainer_scripts(shipped.as_ref(), out);
            self.md5sums(&data, out);
        }
        if let Some(c) = &control {
            self.installed_size(&data, c, out);
        }
        if shipped.is_some() && data.payload.count == 0 && facts.package_does_work {
            let why = if facts.set_e {
                ""
            } else {
                ", and the rules file has no set -e, so a failing command did not stop the build"
            };
            out.add(
                Tag::PayloadOnlyPluginFolder,
                self.whole(),
                format!(
                    "the payload holds nothing but the plugin's wazo/ folder although `rules \
                     package` runs commands{why}"
                ),
            );
        }
    }
}
