//! A summary of a `.deb`, read back natively and streamed: its ar members, its control
//! fields and control files (maintainer scripts among them), the shipped `plugin.yml`, and
//! the list of files with their type, mode, owner, size and link target.
//!
//! Built on [`crate::deb::walk`] (the walker `lint` uses too) and [`crate::deb::deb822`] (the control
//! parser `lint` uses too); used by `inspect` and `index`. The package is read once, front
//! to back, and never held in memory: only the control files (a few KiB) and the plugin's
//! manifest are kept. It is judged as `dpkg --unpack` judges it: what dpkg refuses, the
//! reader refuses naming the member and the line; what dpkg accepts (a date before 1970, a
//! Latin-1 byte) it shows. A damaged package, a refused one or one past pluginctl's own
//! limits ([`crate::deb::limits`]) yields [`Error::Package`] saying which of the three.

use crate::deb::compress::Algorithm;
use crate::deb::deb822::{self, Paragraph};
use crate::deb::digest::{Digests, Hashing};
use crate::deb::limits::{self, Verdict, MAX_CONTROL_FILE};
use crate::deb::reader::{self, ArReader, TarEntry, TarKind};
use crate::deb::walk::{self, Role};
use crate::plugin::manifest::{self, Manifest, MANIFEST_PATH};
use crate::{Error, Result};
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

/// Longest interpreter `dpkg-deb --info` shows, `#!` included.
const INTERPRETER_MAX: usize = 200;
/// How much of a large control file is kept to find its interpreter.
const HEAD_KEPT: usize = 4096;
/// Where a plugin's `wazo/` folder is installed; its `plugin.yml` is found under it.
pub(crate) const PLUGINS_PLACE: &str = "usr/lib/wazo-plugind/plugins/";

/// One ar member, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MemberInfo {
    /// Its name (`debian-binary`, `control.tar.xz`, ...).
    pub(crate) name: String,
    /// Its size in bytes.
    pub(crate) size: u64,
}

/// One file of the control member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ControlFile {
    /// Its name without `./` (`control`, `md5sums`, `postinst`).
    pub(crate) name: String,
    /// Permission bits.
    pub(crate) mode: u32,
    /// Size in bytes.
    pub(crate) size: u64,
    /// Its lines as `dpkg-deb --info` counts them.
    pub(crate) lines: u64,
    /// The interpreter after `#!`, as `dpkg-deb --info` shows it: its first word (`/bin/sh`
    /// for a script starting `#!/bin/sh -e`).
    pub(crate) interpreter: Option<String>,
    /// The text, kept for `control` and the maintainer scripts only (lossy when not UTF-8).
    pub(crate) text: Option<String>,
    /// False when the kept text is not valid UTF-8.
    pub(crate) utf8: bool,
}

/// One entry of the data member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileInfo {
    /// The path as stored (usually `./etc/...`), as text (lossy when not UTF-8).
    pub(crate) path: String,
    /// The path's bytes exactly.
    pub(crate) raw_path: Vec<u8>,
    /// Entry type.
    pub(crate) kind: TarKind,
    /// Permission bits (and set-id bits).
    pub(crate) mode: u32,
    /// Owner id.
    pub(crate) uid: u64,
    /// Group id.
    pub(crate) gid: u64,
    /// Owner name (may be empty).
    pub(crate) owner: String,
    /// Group name (may be empty).
    pub(crate) group: String,
    /// Data size (0 for anything but regular files).
    pub(crate) size: u64,
    /// Modification time, seconds since 1970 (negative before).
    pub(crate) mtime: i64,
    /// Symlink or hard link target (empty otherwise).
    pub(crate) link: String,
    /// The link target's bytes exactly.
    pub(crate) raw_link: Vec<u8>,
    /// Major and minor numbers of a device.
    pub(crate) device: Option<(u64, u64)>,
}

/// The plugin manifest shipped inside the package.
#[derive(Debug, Clone)]
pub(crate) struct PluginInfo {
    /// Its path in the data member (as stored).
    pub(crate) path: String,
    /// The validated manifest, or every problem found in it (one line each).
    pub(crate) manifest: std::result::Result<Manifest, Vec<String>>,
}

/// What a `.deb` holds.
#[derive(Debug, Clone)]
pub(crate) struct PackageInfo {
    /// The file read.
    pub(crate) path: PathBuf,
    /// Its size in bytes.
    pub(crate) size: u64,
    /// The content of `debian-binary`, trimmed (`2.0`).
    pub(crate) format: String,
    /// The ar members in order.
    pub(crate) members: Vec<MemberInfo>,
    /// Compression of the control member.
    pub(crate) control_compression: Algorithm,
    /// Compression of the data member.
    pub(crate) data_compression: Algorithm,
    /// The `control` file's fields.
    pub(crate) control: Paragraph,
    /// The control member's files, in archive order.
    pub(crate) control_files: Vec<ControlFile>,
    /// The data member's entries, in archive order.
    pub(crate) files: Vec<FileInfo>,
    /// The shipped `plugin.yml`, when the package is a Wazo plugin.
    pub(crate) plugin: Option<PluginInfo>,
}

impl PackageInfo {
    /// The control files dpkg runs (`preinst`, `postinst`, `prerm`, `postrm`, `config`).
    pub(crate) fn scripts(&self) -> impl Iterator<Item = &ControlFile> {
        self.control_files
            .iter()
            .filter(|f| crate::deb::SCRIPT_NAMES.contains(&f.name.as_str()))
    }
}

/// Reads a whole package: members, control, every data entry and the plugin manifest.
pub(crate) fn read_package(path: &Path) -> Result<PackageInfo> {
    read(path, true, false).map(|(info, _)| info)
}

/// Reads a whole package and the digests of its file, in one pass (what `index` needs).
pub(crate) fn read_package_with_digests(path: &Path) -> Result<(PackageInfo, Digests)> {
    let (info, digests) = read(path, true, true)?;
    let digests = digests.ok_or_else(|| Error::package(path, "the digests were not computed"))?;
    Ok((info, digests))
}

/// What an error met while reading means for the user: damage, dpkg's refusal, a limit.
fn judged(path: &Path, place: &str, e: io::Error) -> Error {
    if let Some(sig) = crate::interrupt::pending() {
        return Error::Interrupted(sig);
    }
    let cause = cause(&e);
    let fix = match limits::verdict(&e) {
        Some(Verdict::Refused(_)) => "; dpkg --unpack refuses such a package",
        Some(Verdict::Limit(_)) => "",
        None if cause.starts_with("not a .deb") => "",
        None => "; the package is damaged (rebuild it or fetch it again)",
    };
    Error::Package {
        path: path.to_path_buf(),
        problem: format!("{place}{cause}{fix}"),
        source: Some(e),
    }
}

fn read(path: &Path, full: bool, hash: bool) -> Result<(PackageInfo, Option<Digests>)> {
    let file = walk::open(path).map_err(|e| Error::io(path, "cannot open", e))?;
    let size = file
        .get_ref()
        .metadata()
        .map_err(|e| Error::io(path, "cannot open", e))?
        .len();
    let place = |place: &str, e: io::Error| judged(path, place, e);
    let mut ar = ArReader::new(BufReader::with_capacity(256 << 10, Hashing::new(file)))
        .map_err(|e| place("", e))?;
    let mut info = PackageInfo {
        path: path.to_path_buf(),
        size,
        format: String::new(),
        members: Vec::new(),
        control_compression: Algorithm::None,
        data_compression: Algorithm::None,
        control: Paragraph::default(),
        control_files: Vec::new(),
        files: Vec::new(),
        plugin: None,
    };
    let mut control_only = false;
    let mut layout = walk::Layout::default();
    let walked = walk::members(&mut ar, &mut layout, |member, role, data| {
        info.members.push(MemberInfo {
            name: member.name.clone(),
            size: member.size,
        });
        match role.map_err(|why| limits::refused(why.to_string()))? {
            Role::Format => {
                info.format = walk::read_format(data)?.map_err(limits::refused)?;
            }
            Role::Ignored => {}
            Role::Control(algorithm) => {
                info.control_compression = algorithm;
                read_control_member(&mut info, algorithm, data)?;
                if !full {
                    control_only = true;
                    return Ok(walk::Next::Stop);
                }
            }
            Role::Data(None) => {
                return Err(limits::limit(
                    "compressed with a deprecated method dpkg still reads and pluginctl does not (rebuild the package with xz)",
                ))
            }
            Role::Data(Some(algorithm)) => {
                info.data_compression = algorithm;
                read_data_member(&mut info, algorithm, data)?;
            }
        }
        // Members after the data member are listed, as dpkg-deb --info lists them.
        Ok(walk::Next::Continue)
    });
    walked.map_err(|(member, e)| match member {
        Some(name) => place(&format!("{name}: "), e),
        None => place("", e),
    })?;
    if control_only {
        return Ok((info, None));
    }
    if let Some(missing) = layout.missing() {
        return Err(place(
            "",
            bad(format!("the archive ends before its {missing} member")),
        ));
    }
    let digests = if hash {
        let hashing = ar.into_inner().into_inner();
        Some(hashing.finish().map_err(|e| place("", e))?)
    } else {
        None
    };
    Ok((info, digests))
}

fn bad(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

fn cause(e: &io::Error) -> String {
    let text = crate::error::describe_io(e);
    match e.kind() {
        io::ErrorKind::UnexpectedEof => format!("{text} (the file is truncated)"),
        _ => text,
    }
}

fn read_control_member(
    info: &mut PackageInfo,
    algorithm: Algorithm,
    data: impl Read,
) -> io::Result<()> {
    let mut control_bytes = None;
    walk::entries(algorithm, data, |entry, tar| {
        if let Some(why) = walk::refusal(entry) {
            return Err(limits::refused(why));
        }
        let name = walk::relative(&entry.path)
            .trim_end_matches('/')
            .to_string();
        if entry.kind != TarKind::File || name.is_empty() {
            return Ok(());
        }
        let keep = name == "control" || crate::deb::SCRIPT_NAMES.contains(&name.as_str());
        let (lines, interpreter, text, utf8) = if keep {
            if entry.size > MAX_CONTROL_FILE {
                return Err(limits::limit(format!(
                    "the control file {name:?} of {} exceeds pluginctl's {} limit",
                    limits::size_text(entry.size),
                    limits::size_text(MAX_CONTROL_FILE)
                )));
            }
            let bytes =
                reader::read_small(tar, MAX_CONTROL_FILE, &format!("the control file {name:?}"))?;
            let (lines, interpreter) = dpkg_deb_view(&bytes, newlines(&bytes));
            let utf8 = std::str::from_utf8(&bytes).is_ok();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            if name == "control" {
                control_bytes = Some(bytes);
            }
            (lines, interpreter, Some(text), utf8)
        } else {
            let (lines, interpreter) = count_lines(tar)?;
            (lines, interpreter, None, true)
        };
        info.control_files.push(ControlFile {
            name,
            mode: entry.mode,
            size: entry.size,
            lines,
            interpreter,
            text,
            utf8,
        });
        Ok(())
    })?;
    let Some(bytes) = control_bytes else {
        return Err(bad("the control member has no \"control\" file".into()));
    };
    info.control = deb822::parse_one(&bytes)
        .map_err(|e| limits::refused(format!("control, line {}: {}", e.line, e.message)))?;
    for required in ["Package", "Version"] {
        if info.control.get(required).is_none_or(str::is_empty) {
            return Err(limits::refused(format!(
                "control: the {required} field is missing"
            )));
        }
    }
    Ok(())
}

/// Lines and interpreter of a control file as `dpkg-deb --info` shows them, from its first
/// bytes (`head`) and its newline count.
///
/// dpkg-deb reads two bytes to look for `#!` before it counts newlines, so a newline among
/// those two (a file starting with `\n` or `#\n`) is not counted; after `#!` it skips spaces
/// and shows the interpreter up to the first blank.
fn dpkg_deb_view(head: &[u8], newlines: u64) -> (u64, Option<String>) {
    let uncounted = u64::from(head.starts_with(b"\n") || head.starts_with(b"#\n"));
    let interpreter = head.strip_prefix(b"#!").map(|rest| {
        let rest = &rest[rest.iter().take_while(|&&b| b == b' ').count()..];
        let word: Vec<u8> = rest
            .iter()
            .take_while(|&&b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
            .take(INTERPRETER_MAX - 2)
            .copied()
            .collect();
        String::from_utf8_lossy(&word).into_owned()
    });
    (newlines - uncounted.min(newlines), interpreter)
}

/// Counts newlines in a stream and gives what `dpkg-deb --info` shows of it.
fn count_lines(r: &mut dyn Read) -> io::Result<(u64, Option<String>)> {
    let mut lines = 0;
    let head = reader::read_through(r, HEAD_KEPT, |bytes| lines += newlines(bytes))?;
    Ok(dpkg_deb_view(&head, lines))
}

fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

fn read_data_member(
    info: &mut PackageInfo,
    algorithm: Algorithm,
    data: impl Read,
) -> io::Result<()> {
    // What dpkg leaves unread is lint's to report: dpkg installs the package.
    walk::entries(algorithm, data, |entry, tar| {
        if let Some(why) = walk::refusal(entry) {
            return Err(limits::refused(why));
        }
        if info.plugin.is_none() && is_plugin_manifest(entry) {
            info.plugin = Some(read_plugin(entry, tar)?);
        }
        info.files.push(FileInfo {
            path: entry.path.clone(),
            raw_path: entry.raw_path.clone(),
            kind: entry.kind,
            mode: entry.mode,
            uid: entry.uid,
            gid: entry.gid,
            owner: entry.uname.clone(),
            group: entry.gname.clone(),
            size: entry.size,
            mtime: entry.mtime,
            link: entry.link.clone(),
            raw_link: entry.raw_link.clone(),
            device: entry.device,
        });
        Ok(())
    })
    .map(drop)
}

/// True for `./usr/lib/wazo-plugind/plugins/<namespace>/<name>/wazo/plugin.yml`.
fn is_plugin_manifest(entry: &TarEntry) -> bool {
    if entry.kind != TarKind::File {
        return false;
    }
    let Some(rest) = walk::relative(&entry.path).strip_prefix(PLUGINS_PLACE) else {
        return false;
    };
    let Some(place) = rest.strip_suffix(MANIFEST_PATH) else {
        return false;
    };
    let parts: Vec<&str> = place.split('/').collect();
    parts.len() == 3 && parts[2].is_empty() && !parts[0].is_empty() && !parts[1].is_empty()
}

fn read_plugin(entry: &TarEntry, data: &mut dyn Read) -> io::Result<PluginInfo> {
    let mut bytes = Vec::new();
    data.take(manifest::MAX_MANIFEST_BYTES + 1)
        .read_to_end(&mut bytes)?;
    let shown = Path::new(walk::relative(&entry.path));
    let manifest = if bytes.len() as u64 > manifest::MAX_MANIFEST_BYTES {
        Err(vec![format!(
            "{}: larger than {} MiB",
            shown.display(),
            manifest::MAX_MANIFEST_BYTES >> 20
        )])
    } else {
        manifest::parse_bytes(&bytes)
            .map_err(|d| vec![d])
            .and_then(|tree| manifest::from_tree(&tree))
            .map_err(|diags| diags.iter().map(|d| d.render(shown)).collect())
    };
    Ok(PluginInfo {
        path: entry.path.clone(),
        manifest,
    })
}
