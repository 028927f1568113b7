//! Lint checks on a `.deb`, ours or anyone's, in one streamed pass.
//!
//! The ar members are read in order through [`crate::deb::reader`]; each tar member is
//! decompressed and walked entry by entry. The control member comes first, so its small
//! files (control, md5sums, maintainer scripts) are kept; the data member is never held in
//! memory: each file's MD5 is computed as it streams by, and only the shipped `plugin.yml`
//! and `rules` (bounded) are kept. Everything that needs several members is decided at the
//! end, in [`Deb::finish`].

use super::control::{self, Control};
use super::script::{self, RulesFacts, Stage};
use super::{Findings, Place, Sample, Tag};
use crate::deb::compress::Algorithm;
use crate::deb::reader::{self, ArReader, TarEntry, TarKind};
use crate::deb::{limits, walk};
use crate::plugin::manifest;
use md5::{Digest, Md5};
use std::collections::{HashMap, HashSet};
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// Largest plugin.yml or rules file kept for checking (control files: [`limits`]).
const MAX_SMALL_FILE: u64 = 1 << 20;
/// At most this many plugin.yml or rules files are kept (a package has one of each).
const MAX_KEPT: usize = 4;
/// Entries older than this (1975-01-01) have lost their timestamps.
const ANCIENT: i64 = 157_766_400;
/// Where installed plugins live.
const PLUGINS_ROOT: &str = "usr/lib/wazo-plugind/plugins";
/// Folders that hold the plugin itself and the packaging documents, not its payload.
const PACKAGING: &[&str] = &[PLUGINS_ROOT, "usr/share/doc", "usr/share/lintian/overrides"];
/// How entries are counted in messages.
const ENTRY: (&str, &str) = ("entry", "entries");
/// How files are counted in messages.
const FILE: (&str, &str) = ("file", "files");
/// Maintainer scripts dpkg runs.
const SCRIPTS: &[&str] = crate::package::info::SCRIPT_NAMES;

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
    members: Vec<String>,
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
    let p = path.strip_prefix("./").unwrap_or(path);
    let p = p.strip_prefix('/').unwrap_or(p);
    let p = p.trim_end_matches('/');
    if p == "." {
        ""
    } else {
        p
    }
}

fn kib(n: u64) -> u64 {
    n.div_ceil(1024)
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

/// `<namespace>/<name>` and the file name, for `usr/lib/wazo-plugind/plugins/<ns>/<name>/wazo/<file>`.
fn plugin_file(path: &str) -> Option<(String, String, &str)> {
    let rest = path.strip_prefix(PLUGINS_ROOT)?.strip_prefix('/')?;
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [ns, name, "wazo", file] if !ns.is_empty() && !name.is_empty() => {
            Some((ns.to_string(), name.to_string(), file))
        }
        _ => None,
    }
}

/// True for `path` inside, equal to or above one of the packaging folders.
fn is_packaging(path: &str) -> bool {
    path.is_empty()
        || PACKAGING.iter().any(|root| {
            path == *root
                || path
                    .strip_prefix(root)
                    .is_some_and(|rest| rest.starts_with('/'))
                || root
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
}

/// Debian's fixed system users and groups: the static ids of base-passwd
/// (`/usr/share/base-passwd/{passwd,group}.master`), the same on every Debian system.
const STATIC_USERS: &[(&str, u64)] = &[
    ("root", 0),
    ("daemon", 1),
    ("bin", 2),
    ("sys", 3),
    ("sync", 4),
    ("games", 5),
    ("man", 6),
    ("lp", 7),
    ("mail", 8),
    ("news", 9),
    ("uucp", 10),
    ("proxy", 13),
    ("www-data", 33),
    ("backup", 34),
    ("list", 38),
    ("irc", 39),
    ("_apt", 42),
    ("nobody", 65534),
];
/// The static groups of base-passwd.
const STATIC_GROUPS: &[(&str, u64)] = &[
    ("root", 0),
    ("daemon", 1),
    ("bin", 2),
    ("sys", 3),
    ("adm", 4),
    ("tty", 5),
    ("disk", 6),
    ("lp", 7),
    ("mail", 8),
    ("news", 9),
    ("uucp", 10),
    ("man", 12),
    ("proxy", 13),
    ("kmem", 15),
    ("dialout", 20),
    ("fax", 21),
    ("voice", 22),
    ("cdrom", 24),
    ("floppy", 25),
    ("tape", 26),
    ("sudo", 27),
    ("audio", 29),
    ("dip", 30),
    ("www-data", 33),
    ("backup", 34),
    ("operator", 37),
    ("list", 38),
    ("irc", 39),
    ("src", 40),
    ("shadow", 42),
    ("utmp", 43),
    ("video", 44),
    ("sasl", 45),
    ("plugdev", 46),
    ("staff", 50),
    ("games", 60),
    ("users", 100),
    ("nogroup", 65534),
];

/// True when dpkg gives the entry an owner that is the same on every Debian system: dpkg
/// takes the name when the system knows it, else the number, so a static name (whatever
/// number the builder's system gave it) or, without a name, a static number.
fn fixed_owner(table: &[(&str, u64)], id: u64, name: &str) -> bool {
    if name.is_empty() {
        table.iter().any(|&(_, i)| i == id)
    } else {
        table.iter().any(|&(n, _)| n == name)
    }
}

/// True for a path under `/tmp`, which the system empties.
fn in_tmp(path: &str) -> bool {
    path.split('/').next() == Some("tmp")
}

/// True for a path the build machine leaked into the payload: a home, or the marks of a
/// pyenv or virtualenv interpreter. A bare `venv` folder is not one: Python's standard
/// library has a module of that name.
fn from_build_machine(path: &str) -> bool {
    let mut parts = path.split('/');
    matches!(parts.next(), Some("root" | "home"))
        || path.rsplit('/').next() == Some("pyvenv.cfg")
        || path
            .split('/')
            .any(|c| matches!(c, ".pyenv" | ".virtualenvs" | ".venv" | "site-packages"))
}

/// Reads an entry's data to its end, returning its MD5 and its first `keep` bytes.
fn digest(r: &mut (impl Read + ?Sized), keep: u64) -> io::Result<([u8; 16], Vec<u8>)> {
    let mut md5 = Md5::new();
    let mut kept = Vec::new();
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        md5.update(&buf[..n]);
        let room = keep.saturating_sub(kept.len() as u64) as usize;
        kept.extend_from_slice(&buf[..n.min(room)]);
    }
    Ok((md5.finalize().into(), kept))
}

/// Bytes kept from the start of every payload file, for the magic numbers below.
const MAGIC_BYTES: u64 = 20;

/// What an ELF file is, from its header: `None` for anything else.
fn elf_kind(head: &[u8]) -> Option<&'static str> {
    if !head.starts_with(b"\x7fELF") || head.len() < 18 {
        return None;
    }
    // e_type, 16 bits at offset 16, in the byte order EI_DATA (offset 5) names.
    let e_type = match head[5] {
        2 => u16::from_be_bytes([head[16], head[17]]),
        _ => u16::from_le_bytes([head[16], head[17]]),
    };
    Some(match e_type {
        1 => "ELF object file",
        2 => "ELF executable",
        3 => "ELF shared object or executable",
        4 => "ELF core dump",
        _ => "ELF file",
    })
}

fn hex(d: &[u8; 16]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

impl Deb {
    fn new(shown: String) -> Deb {
        Deb {
            shown,
            members: Vec::new(),
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

    /// Reads every member once, in order.
    fn read(&mut self, path: &Path, out: &mut Findings) {
        let file = match walk::open(path) {
            Ok(f) => f,
            Err(e) => {
                out.add(
                    Tag::InputUnreadable,
                    self.whole(),
                    format!("cannot read: {}", crate::error::describe_io(&e)),
                );
                return;
            }
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
            Err(e) => {
                out.add(
                    Tag::InputUnreadable,
                    self.whole(),
                    format!("cannot read: {}", crate::error::describe_io(&e)),
                );
                return;
            }
        };
        loop {
            let member = match ar.next_member() {
                Ok(Some(m)) => m,
                Ok(None) => break,
                Err(e) => {
                    self.truncated = io_tag(&e) == Tag::TruncatedPackage;
                    out.add(io_tag(&e), self.whole(), e.to_string());
                    return;
                }
            };
            self.members.push(member.name.clone());
            let name = member.name.clone();
            let data = ar.data(&member);
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
                    return;
                }
            }
        }
    }

    fn debian_binary(&mut self, data: impl Read, out: &mut Findings) -> io::Result<()> {
        let mut bytes = Vec::new();
        data.take(64).read_to_end(&mut bytes)?;
        let text = String::from_utf8_lossy(&bytes);
        let ok = text
            .strip_prefix("2.")
            .and_then(|rest| rest.strip_suffix('\n'))
            .is_some_and(|minor| !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            out.add(
                Tag::BadDebianBinary,
                self.inside("debian-binary"),
                format!("holds {text:?}; dpkg installs format 2.x packages, whose debian-binary holds \"2.0\\n\""),
            );
        }
        Ok(())
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
        let result = self.walk(which, algorithm, data, &mut facts);
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
    ) -> io::Result<()> {
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

    fn control_entry(
        &mut self,
        path: &str,
        entry: &TarEntry,
        tar: &mut dyn Read,
    ) -> io::Result<()> {
        if entry.kind != TarKind::File {
            return Ok(());
        }
        let kept = path == "control" || SCRIPTS.contains(&path);
        if kept && entry.size > limits::MAX_CONTROL_FILE {
            // inspect and index stop at the same limit, with the same words.
            return Err(limits::limit(format!(
                "the control file {path:?} of {} exceeds pluginctl's {} limit; it was not checked",
                limits::size_text(entry.size),
                limits::size_text(limits::MAX_CONTROL_FILE)
            )));
        }
        if !matches!(path, "control" | "md5sums") {
            self.control_kib += kib(entry.size);
        }
        match path {
            "control" => {
                let (_, bytes) = digest(tar, limits::MAX_CONTROL_FILE)?;
                self.control = Some(bytes);
            }
            "md5sums" => self.md5sums = Some(self.read_md5sums(tar)?),
            "conffiles" => {
                let (_, bytes) = digest(tar, MAX_SMALL_FILE)?;
                // `/etc/x`, or `remove-on-upgrade /etc/x` (dpkg 1.20.1): the path is the
                // last word.
                self.conffiles = String::from_utf8_lossy(&bytes)
                    .lines()
                    .filter_map(|l| l.split_whitespace().last())
                    .map(|p| normalize(p).to_string())
                    .collect();
            }
            name if SCRIPTS.contains(&name) => {
                let (_, bytes) = digest(tar, limits::MAX_CONTROL_FILE)?;
                // A duplicated entry replaces the first, as it would on unpacking.
                self.scripts.retain(|s| s.name != name);
                self.scripts.push(ScriptFile {
                    name: name.to_string(),
                    mode: entry.mode,
                    bytes,
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// Parses md5sums line by line; syntax problems are kept as pending findings.
    fn read_md5sums(&mut self, r: &mut dyn Read) -> io::Result<HashMap<String, [u8; 16]>> {
        let mut sums = HashMap::new();
        let mut bad: Vec<usize> = Vec::new();
        let mut reader = BufReader::new(r);
        let mut line = Vec::new();
        let mut line_no = 0;
        loop {
            line.clear();
            // A line longer than a path can be is cut; the rest is read as the next "line".
            let n = (&mut reader).take(8192).read_until(b'\n', &mut line)?;
            if n == 0 {
                break;
            }
            line_no += 1;
            let text = String::from_utf8_lossy(&line);
            let text = text.strip_suffix('\n').unwrap_or(&text);
            match parse_md5_line(text) {
                Some((digest, path)) => {
                    sums.insert(normalize(path).to_string(), digest);
                }
                None => bad.push(line_no),
            }
        }
        if let Some(&first) = bad.first() {
            let what = match bad.len() {
                1 => "a malformed line".to_string(),
                n => format!("{n} malformed lines, the first here"),
            };
            self.md5sums_syntax = Some((first, what));
        }
        Ok(sums)
    }

    fn data_entry(&mut self, path: &str, entry: &TarEntry, tar: &mut dyn Read) -> io::Result<()> {
        let Some(d) = self.data.as_mut() else {
            return Ok(());
        };
        let shown = &entry.path;
        if !fixed_owner(STATIC_USERS, entry.uid, &entry.uname)
            || !fixed_owner(STATIC_GROUPS, entry.gid, &entry.gname)
        {
            d.not_root.add(format!(
                "{shown} ({}/{} {}:{})",
                entry.uid, entry.gid, entry.uname, entry.gname
            ));
        }
        let sticky_dir = entry.kind == TarKind::Dir && entry.mode & 0o1000 != 0;
        if entry.kind != TarKind::Symlink && entry.mode & 0o002 != 0 && !sticky_dir {
            d.world_writable
                .add(format!("{shown} ({:04o})", entry.mode & 0o7777));
        }
        if entry.mtime < ANCIENT {
            d.ancient.add(format!(
                "{shown} ({} UTC)",
                crate::commands::inspect::date_minutes(entry.mtime)
            ));
        }
        if !is_packaging(path) {
            d.payload.add(shown.clone());
        }
        if entry.kind != TarKind::Dir && from_build_machine(path) {
            d.build_machine.add(shown.clone());
        } else if entry.kind != TarKind::Dir && in_tmp(path) {
            d.tmp.add(shown.clone());
        }
        let wazo_file = plugin_file(path);
        match entry.kind {
            TarKind::Dir => d.installed_kib += 1,
            TarKind::File => {
                let room = d.plugin_ymls.len().max(d.rules.len()) < MAX_KEPT;
                let keep = if wazo_file.is_some() && room {
                    MAX_SMALL_FILE
                } else {
                    MAGIC_BYTES
                };
                let (digest, bytes) = digest(tar, keep)?;
                if let Some(what) = elf_kind(&bytes) {
                    d.elf.add(format!("{shown} ({what})"));
                }
                if bytes.starts_with(b"!<arch>\n") && path.to_ascii_lowercase().ends_with(".deb") {
                    d.debs.add(shown.clone());
                }
                if entry.mode & 0o6000 != 0 {
                    d.setuid
                        .add(format!("{shown} ({:04o})", entry.mode & 0o7777));
                }
                d.digests.insert(path.to_string(), digest);
                d.installed_kib += kib(entry.size);
                if let Some((ns, name, file)) = wazo_file {
                    let kept = Kept {
                        place: (ns, name),
                        kind: entry.kind,
                        mode: entry.mode,
                        bytes,
                    };
                    match file {
                        "plugin.yml" => d.plugin_ymls.push(kept),
                        "rules" => d.rules.push(kept),
                        _ => {}
                    }
                }
                return Ok(());
            }
            TarKind::HardLink => {
                if entry.link.starts_with('/') || entry.link.split('/').any(|c| c == "..") {
                    d.hard_link_outside
                        .add(format!("{shown} -> {}", entry.link));
                }
                if let Some(digest) = d.digests.get(normalize(&entry.link)).copied() {
                    d.digests.insert(path.to_string(), digest);
                }
            }
            TarKind::Symlink => d.installed_kib += kib(entry.link.len() as u64),
            _ => d.installed_kib += 1,
        }
        if let Some((ns, name, file)) = wazo_file {
            let kept = Kept {
                place: (ns, name),
                kind: entry.kind,
                mode: entry.mode,
                bytes: Vec::new(),
            };
            match file {
                "plugin.yml" => d.plugin_ymls.push(kept),
                "rules" => d.rules.push(kept),
                _ => {}
            }
        }
        Ok(())
    }
}

/// `<32 hex>  <path>` (or `<32 hex> *<path>`, binary mode) -> (digest, path).
fn parse_md5_line(line: &str) -> Option<([u8; 16], &str)> {
    let hex = line.get(..32)?;
    let sep = line.get(32..34)?;
    let path = line.get(34..)?;
    if !(sep == "  " || sep == " *") || path.is_empty() {
        return None;
    }
    let mut digest = [0u8; 16];
    for (i, byte) in digest.iter_mut().enumerate() {
        let pair = hex.get(2 * i..2 * i + 2)?;
        if !pair
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return None;
        }
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some((digest, path))
}

/// What the shipped plugin.yml says, once it is found.
struct Shipped {
    /// `<namespace>/<name>` of the folder it is installed in.
    place: (String, String),
    /// `name` and `namespace` from the file (or from its place when unreadable).
    name: String,
    namespace: String,
    format: u8,
}

impl Deb {
    /// The checks that need several members, once everything was read.
    fn finish(&mut self, out: &mut Findings) {
        if self.members.is_empty() && out.tags().next().is_some() {
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

    /// Member names and order: debian-binary, control.tar*, data.tar*.
    fn check_members(&self, out: &mut Findings) {
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

    /// ELF files in an `Architecture: all` package, and packages inside the payload.
    fn binaries(&self, d: &Data, c: &Control, out: &mut Findings) {
        let arch = c.get("Architecture").map(|f| f.value.trim());
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
                .get("Package")
                .map(|f| format!("{}_", f.value.trim()))
                .is_some_and(|prefix| {
                    d.debs
                        .examples
                        .iter()
                        .any(|p| p.rsplit('/').next().is_some_and(|n| n.starts_with(&prefix)))
                });
            let why = if own {
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
    fn payload_samples(&self, d: &Data, out: &mut Findings) {
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

    /// The shipped plugin.yml: present once, valid, at its place, matching the package.
    fn shipped_plugin(
        &self,
        d: &Data,
        control: Option<&Control>,
        out: &mut Findings,
    ) -> Option<Shipped> {
        let Some(first) = d.plugin_ymls.first() else {
            out.add(
                Tag::PluginYmlMissing,
                self.whole(),
                format!(
                    "no {PLUGINS_ROOT}/<namespace>/<name>/wazo/plugin.yml: the Wazo daemon \
                     lists installed plugins by that file"
                ),
            );
            return None;
        };
        let (ns_dir, name_dir) = first.place.clone();
        let rel = format!("{PLUGINS_ROOT}/{ns_dir}/{name_dir}/wazo/plugin.yml");
        let place = self.inside(&rel);
        if d.plugin_ymls.len() > 1 {
            let all: Vec<String> = d
                .plugin_ymls
                .iter()
                .map(|k| format!("{}/{}", k.place.0, k.place.1))
                .collect();
            out.add(
                Tag::PluginPlaceMismatch,
                self.whole(),
                format!(
                    "the package ships {} plugins ({}); one package holds one plugin",
                    all.len(),
                    all.join(", ")
                ),
            );
        }
        let mut shipped = Shipped {
            place: first.place.clone(),
            name: name_dir.clone(),
            namespace: ns_dir.clone(),
            format: 0,
        };
        if first.kind != TarKind::File {
            out.add(
                Tag::PluginYmlInvalid,
                place,
                "not a regular file; the daemon reads it as one",
            );
            return Some(shipped);
        }
        let tree = match manifest::parse_bytes(&first.bytes) {
            Ok(tree) => tree,
            Err(diag) => {
                out.add(Tag::PluginYmlInvalid, place.at(diag.pos), diag.message);
                return Some(shipped);
            }
        };
        let text = |key: &str| super::checkout::text_of(&tree, key).map(str::to_string);
        match manifest::from_tree(&tree) {
            Ok(m) => shipped.format = m.format,
            Err(diags) => {
                for diag in diags {
                    out.add(Tag::PluginYmlInvalid, place.at(diag.pos), diag.message);
                }
                shipped.format = super::checkout::format_of(&tree);
            }
        }
        if let (Some(name), Some(ns)) = (text("name"), text("namespace")) {
            if (ns.as_str(), name.as_str()) != (ns_dir.as_str(), name_dir.as_str()) {
                out.add(
                    Tag::PluginPlaceMismatch,
                    place.clone(),
                    format!(
                        "plugin.yml names {ns}/{name} but is installed under {ns_dir}/{name_dir}; \
                         the daemon looks for it at {PLUGINS_ROOT}/{ns}/{name}/wazo/"
                    ),
                );
            }
            shipped.name = name;
            shipped.namespace = ns;
        }
        let Some(control) = control else {
            return Some(shipped);
        };
        let want = manifest::package_name(&shipped.name, &shipped.namespace);
        if let Some(f) = control.get("Package").filter(|f| f.value != want) {
            out.add(
                Tag::PackageNameMismatch,
                self.inside("DEBIAN/control").line(f.line),
                format!(
                    "Package {:?}, but the shipped plugin.yml makes it {want:?}; the Wazo daemon \
                     finds the plugin's package by that name",
                    f.value
                ),
            );
        }
        if let (Some(f), Some(version)) = (control.get("Version"), text("version")) {
            if f.value != version.trim() {
                out.add(
                    Tag::VersionMismatch,
                    self.inside("DEBIAN/control").line(f.line),
                    format!(
                        "Version {:?}, but the shipped plugin.yml says version {:?}",
                        f.value, version
                    ),
                );
            }
        }
        Some(shipped)
    }

    /// The shipped rules file: present, regular, executable, and its text.
    fn shipped_rules(&self, d: &Data, s: &Shipped, out: &mut Findings) -> RulesFacts {
        let (ns, name) = &s.place;
        let rel = format!("{PLUGINS_ROOT}/{ns}/{name}/wazo/rules");
        let place = self.inside(&rel);
        let Some(rules) = d.rules.iter().find(|k| k.place == s.place) else {
            out.add(
                Tag::RulesMissing,
                self.whole(),
                format!("no {rel}: the maintainer scripts run it to install and remove the plugin"),
            );
            return RulesFacts::default();
        };
        match rules.kind {
            TarKind::File => {}
            TarKind::HardLink => return RulesFacts::default(),
            _ => {
                out.add(
                    Tag::RulesNotRegular,
                    place,
                    "not a regular file; the maintainer scripts run it and prerm copies it",
                );
                return RulesFacts::default();
            }
        }
        if rules.mode & 0o111 == 0 {
            out.add(
                Tag::RulesNotExecutable,
                place.clone(),
                format!(
                    "mode {:04o}: not executable, so the maintainer scripts cannot run it",
                    rules.mode & 0o7777
                ),
            );
        }
        script::check_rules(&rules.bytes, s.format, Stage::Package, &place, out)
    }

    /// Maintainer scripts in UTF-8 (Debian policy 5.1), as the control file.
    fn scripts_encoding(&self, out: &mut Findings) {
        for f in &self.scripts {
            if let Some((line, why)) = control::first_non_utf8(&f.bytes) {
                out.add(
                    Tag::NonUtf8Text,
                    self.inside(&format!("DEBIAN/{}", f.name)).line(line),
                    format!("{why}; Debian policy 5.1 wants control files in UTF-8"),
                );
            }
        }
    }

    /// Modes, `#!`, line endings, and the calls of the rules file.
    fn maintainer_scripts(&self, s: Option<&Shipped>, out: &mut Findings) {
        for f in &self.scripts {
            let place = self.inside(&format!("DEBIAN/{}", f.name));
            let mode = f.mode & 0o7777;
            if mode & 0o555 != 0o555 || mode & 0o7002 != 0 {
                out.add(
                    Tag::ScriptNotExecutable,
                    place.clone(),
                    format!("mode {mode:04o}; dpkg wants maintainer scripts between 0555 and 0775 (0755)"),
                );
            }
            if !script::has_shebang(&f.bytes) {
                out.add(
                    Tag::ScriptNoShebang,
                    place.line(1),
                    "does not start with #!, so dpkg cannot execute it",
                );
            }
            if let Some(line) = script::first_crlf_line(&f.bytes) {
                out.add(
                    Tag::ScriptCrlf,
                    place.line(line),
                    "CR LF line endings: the interpreter line ends in a carriage return, so the script will not run",
                );
            }
        }
        let Some(s) = s else { return };
        let installed = format!("plugins/{}/{}/wazo/rules", s.place.0, s.place.1);
        let backup = format!("rules.{}.{}", s.name, s.namespace);
        let script = |name: &str| {
            self.scripts
                .iter()
                .find(|f| f.name == name)
                .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
        };
        let place_of = |name: &str, text: &Option<String>| match text {
            Some(_) => self.inside(&format!("DEBIAN/{name}")),
            None => self.whole(),
        };
        let missing = |text: &Option<String>, name: &str| {
            if text.is_none() {
                format!("there is no {name} script")
            } else {
                format!("{name} never runs it")
            }
        };
        let postinst = script("postinst");
        if !calls_with(&postinst, &installed, "install") {
            out.add(
                Tag::RulesNotCalled,
                place_of("postinst", &postinst),
                format!(
                    "{}: .../{installed} install, so the plugin's install step would not run",
                    missing(&postinst, "postinst")
                ),
            );
        }
        let prerm = script("prerm");
        if !calls_with(&prerm, &installed, "uninstall") {
            out.add(
                Tag::RulesNotCalled,
                place_of("prerm", &prerm),
                format!(
                    "{}: .../{installed} uninstall, so the plugin's uninstall step would not run",
                    missing(&prerm, "prerm")
                ),
            );
        }
        if s.format == 0 {
            return;
        }
        let saves_backup = |t: &String| {
            script::expand_assigned(t)
                .iter()
                .any(|line| line.contains(&backup))
        };
        if prerm.as_ref().is_some_and(|t| !saves_backup(t)) {
            out.add(
                Tag::RulesNotCalled,
                place_of("prerm", &prerm),
                format!(
                    "prerm does not save the rules file as /{}/{backup}, so postrm cannot run \
                     it (plugin_format_version {})",
                    crate::package::control::RULES_BACKUP_DIR,
                    s.format
                ),
            );
        }
        let postrm = script("postrm");
        if !calls_with(&postrm, &backup, "postrm") {
            let why = if calls_with(&postrm, &installed, "postrm") {
                "postrm runs the installed rules file, which dpkg has already removed by then; \
                 run the copy prerm saved"
                    .to_string()
            } else {
                format!(
                    "{}: the saved .../{backup} postrm (plugin_format_version {})",
                    missing(&postrm, "postrm"),
                    s.format
                )
            };
            out.add(Tag::RulesNotCalled, place_of("postrm", &postrm), why);
        }
    }

    /// md5sums present, complete and matching.
    fn md5sums(&self, d: &Data, out: &mut Findings) {
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
    fn installed_size(&self, d: &Data, c: &Control, out: &mut Findings) {
        let payload = d.installed_kib + 1; // the control folder counts one
        let with_control = payload + self.control_kib;
        let Some(f) = c.get("Installed-Size") else {
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

/// True when `text` (a script, if present) runs `target` with `word` as its first argument.
fn calls_with(text: &Option<String>, target: &str, word: &str) -> bool {
    text.as_deref()
        .is_some_and(|t| script::calls(t, target).iter().any(|w| w == word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_machine_paths() {
        for leaked in [
            "home/builder/.pyenv/versions/3.7.3/lib/python3.7/site-packages/x.py",
            "root/.local/bin/tool",
            "usr/local/lib/python3.7/site-packages/hello/__init__.py",
            "opt/app/.venv/lib/python3.11/x.py",
            "opt/app/env/pyvenv.cfg",
        ] {
            assert!(from_build_machine(leaked), "{leaked}");
        }
        for fine in [
            "usr/lib/python3/dist-packages/hello/__init__.py",
            "usr/share/big/python3.11/venv/__init__.py",
            "usr/share/doc/homer/README",
            "etc/asterisk/extensions_extra.d/hello.conf",
            "tmp/build/out.txt",
        ] {
            assert!(!from_build_machine(fine), "{fine}");
        }
        assert!(in_tmp("tmp/build/out.txt") && !in_tmp("usr/tmp/x"));
    }

    #[test]
    fn packaging_folders() {
        assert!(is_packaging(""));
        assert!(is_packaging("usr"));
        assert!(is_packaging(
            "usr/lib/wazo-plugind/plugins/demo/hello/wazo/rules"
        ));
        assert!(is_packaging(
            "usr/share/doc/wazo-plugind-hello-demo/copyright"
        ));
        assert!(!is_packaging("usr/share/hello"));
        assert!(!is_packaging("usr/lib/wazo-plugind-other"));
        assert!(!is_packaging("etc"));
    }

    #[test]
    fn md5sums_lines() {
        let (d, p) = parse_md5_line("d41d8cd98f00b204e9800998ecf8427e  usr/x").unwrap();
        assert_eq!(
            (hex(&d).as_str(), p),
            ("d41d8cd98f00b204e9800998ecf8427e", "usr/x")
        );
        assert!(parse_md5_line("D41D8CD98F00B204E9800998ECF8427E  usr/x").is_none());
        assert!(parse_md5_line("d41d8cd98f00b204e9800998ecf8427e usr/x").is_none());
        assert!(parse_md5_line("d41d8cd98f00b204e9800998ecf8427e  ").is_none());
        assert!(parse_md5_line("é1d8cd98f00b204e9800998ecf8427e  usr/x").is_none());
    }
}
