//! A summary of a `.deb`, read back natively and streamed: its ar members, its control
//! fields and control files (maintainer scripts among them), the shipped `plugin.yml`, and
//! the list of files with their type, mode, owner, size and link target.
//!
//! Built on [`super::reader`]; used by `inspect` (everything) and `index` (the control part
//! only). The package is read once, front to back, and never held in memory: only the
//! control files (a few KiB) and the plugin's manifest are kept. A damaged package yields
//! [`Error::Package`] naming the file, the member and the cause.

use super::compress::Algorithm;
use super::reader::{self, ArReader, TarEntry, TarKind, TarReader};
use crate::deb822::{self, Paragraph};
use crate::manifest::{self, Manifest, MANIFEST_PATH};
use crate::{Error, Result};
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

/// Largest control file read into memory (`control`, scripts); larger ones are refused.
pub const MAX_CONTROL_FILE: u64 = 4 << 20;
/// Where a plugin's `wazo/` folder is installed; its `plugin.yml` is found under it.
pub const PLUGINS_PLACE: &str = "usr/lib/wazo-plugind/plugins/";
/// The control files that dpkg runs.
pub const SCRIPT_NAMES: &[&str] = &["preinst", "postinst", "prerm", "postrm", "config"];

/// One ar member, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInfo {
    /// Its name (`debian-binary`, `control.tar.xz`, ...).
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
}

/// One file of the control member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlFile {
    /// Its name without `./` (`control`, `md5sums`, `postinst`).
    pub name: String,
    /// Permission bits.
    pub mode: u32,
    /// Size in bytes.
    pub size: u64,
    /// Newline characters it holds, as `dpkg-deb --info` counts lines.
    pub lines: u64,
    /// The first line without `#!` when it starts with `#!` (a script's interpreter).
    pub interpreter: Option<String>,
    /// The text, kept for `control` and the maintainer scripts only.
    pub text: Option<String>,
}

/// One entry of the data member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    /// The path as stored (usually `./etc/...`).
    pub path: String,
    /// Entry type.
    pub kind: TarKind,
    /// Permission bits (and set-id bits).
    pub mode: u32,
    /// Owner id.
    pub uid: u64,
    /// Group id.
    pub gid: u64,
    /// Owner name (may be empty).
    pub owner: String,
    /// Group name (may be empty).
    pub group: String,
    /// Data size (0 for anything but regular files).
    pub size: u64,
    /// Modification time, seconds since 1970.
    pub mtime: u64,
    /// Symlink or hard link target (empty otherwise).
    pub link: String,
}

/// The plugin manifest shipped inside the package.
#[derive(Debug, Clone)]
pub struct PluginInfo {
    /// Its path in the data member (as stored).
    pub path: String,
    /// The validated manifest, or every problem found in it (one line each).
    pub manifest: std::result::Result<Manifest, Vec<String>>,
}

/// What a `.deb` holds.
#[derive(Debug, Clone)]
pub struct PackageInfo {
    /// The file read.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// The content of `debian-binary`, trimmed (`2.0`).
    pub format: String,
    /// The ar members in order.
    pub members: Vec<MemberInfo>,
    /// Compression of the control member.
    pub control_compression: Algorithm,
    /// Compression of the data member.
    pub data_compression: Algorithm,
    /// The `control` file's fields.
    pub control: Paragraph,
    /// The control member's files, in archive order.
    pub control_files: Vec<ControlFile>,
    /// The data member's entries, in archive order (empty from [`read_control`]).
    pub files: Vec<FileInfo>,
    /// The shipped `plugin.yml`, when the package is a Wazo plugin (`None` from [`read_control`]).
    pub plugin: Option<PluginInfo>,
}

impl PackageInfo {
    /// The control files dpkg runs (`preinst`, `postinst`, `prerm`, `postrm`, `config`).
    pub fn scripts(&self) -> impl Iterator<Item = &ControlFile> {
        self.control_files
            .iter()
            .filter(|f| SCRIPT_NAMES.contains(&f.name.as_str()))
    }
}

/// Reads a whole package: members, control, every data entry and the plugin manifest.
pub fn read_package(path: &Path) -> Result<PackageInfo> {
    read(path, true)
}

/// Reads a package up to its control member (members before it, control fields and files).
pub fn read_control(path: &Path) -> Result<PackageInfo> {
    read(path, false)
}

fn read(path: &Path, full: bool) -> Result<PackageInfo> {
    let file = crate::signals::open_input(path).map_err(|e| Error::Package(opening(path, &e)))?;
    let size = file
        .get_ref()
        .metadata()
        .map_err(|e| Error::Package(opening(path, &e)))?
        .len();
    let place = |place: &str, e: io::Error| {
        if let Some(sig) = crate::signals::pending() {
            return Error::Interrupted(sig);
        }
        let cause = cause(&e);
        let fix = if cause.starts_with("not a .deb") {
            ""
        } else {
            "; the package is damaged (rebuild it or fetch it again)"
        };
        Error::Package(format!("{}: {place}{cause}{fix}", path.display()))
    };
    let mut ar =
        ArReader::new(BufReader::with_capacity(256 << 10, file)).map_err(|e| place("", e))?;
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
    enum Want {
        Binary,
        Control,
        Data,
    }
    let mut want = Want::Binary;
    loop {
        crate::signals::check()?;
        let Some(member) = ar.next_member().map_err(|e| place("", e))? else {
            let missing = match want {
                Want::Binary => "debian-binary",
                Want::Control => "control.tar",
                Want::Data => "data.tar",
            };
            return Err(place(
                "",
                bad(format!("the archive ends before its {missing} member")),
            ));
        };
        let at = format!("{}: ", member.name);
        info.members.push(MemberInfo {
            name: member.name.clone(),
            size: member.size,
        });
        match want {
            Want::Binary => {
                if member.name != "debian-binary" {
                    return Err(place(
                        "",
                        bad(format!(
                            "the first member is {:?}, not \"debian-binary\"",
                            member.name
                        )),
                    ));
                }
                let text =
                    reader::read_text(&mut ar.data(&member), 64).map_err(|e| place(&at, e))?;
                if !text.starts_with("2.") || !text.ends_with('\n') {
                    return Err(place(
                        &at,
                        bad(format!(
                            "format {:?}; only Debian binary format 2.x is read",
                            text.trim()
                        )),
                    ));
                }
                info.format = text.trim().to_string();
                want = Want::Control;
            }
            // dpkg skips members whose name starts with `_` (reserved for local additions).
            _ if member.name.starts_with('_') => {}
            Want::Control => {
                let algorithm =
                    member_algorithm(&member.name, "control.tar").map_err(|e| place("", e))?;
                info.control_compression = algorithm;
                read_control_member(&mut info, algorithm, ar.data(&member))
                    .map_err(|e| place(&at, e))?;
                if !full {
                    return Ok(info);
                }
                want = Want::Data;
            }
            Want::Data => {
                let algorithm =
                    member_algorithm(&member.name, "data.tar").map_err(|e| place("", e))?;
                info.data_compression = algorithm;
                read_data_member(&mut info, algorithm, ar.data(&member))
                    .map_err(|e| place(&at, e))?;
                break;
            }
        }
    }
    // Members after the data member are listed, as dpkg-deb --info lists them.
    while let Some(member) = ar.next_member().map_err(|e| place("", e))? {
        info.members.push(MemberInfo {
            name: member.name,
            size: member.size,
        });
    }
    Ok(info)
}

fn opening(path: &Path, e: &io::Error) -> String {
    format!(
        "{}: cannot open: {}",
        path.display(),
        crate::error::describe_io(e)
    )
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

fn member_algorithm(name: &str, expected: &str) -> io::Result<Algorithm> {
    if !name.starts_with(expected) {
        return Err(bad(format!(
            "member {name:?} where {expected}.* was expected (the members must be debian-binary, control.tar.*, data.tar.*)"
        )));
    }
    reader::algorithm_of(name).ok_or_else(|| {
        bad(format!(
            "member {name:?}: unknown compression (expected {expected}, {expected}.gz, .xz or .zst)"
        ))
    })
}

/// Strips the `./` (or `/`) that archive paths start with.
pub fn relative(path: &str) -> &str {
    path.trim_start_matches("./").trim_start_matches('/')
}

fn read_control_member(
    info: &mut PackageInfo,
    algorithm: Algorithm,
    data: impl Read,
) -> io::Result<()> {
    let mut stream = reader::decompress(algorithm, data)?;
    let mut tar = TarReader::new(&mut stream);
    let mut control_text = None;
    while let Some(entry) = tar.next_entry()? {
        let name = relative(&entry.path).trim_end_matches('/').to_string();
        if entry.kind != TarKind::File || name.is_empty() {
            continue;
        }
        let keep = name == "control" || SCRIPT_NAMES.contains(&name.as_str());
        let (lines, head, text) = if keep {
            let mut bytes = Vec::new();
            (&mut tar)
                .take(MAX_CONTROL_FILE + 1)
                .read_to_end(&mut bytes)?;
            if bytes.len() as u64 > MAX_CONTROL_FILE {
                return Err(bad(format!(
                    "control file {name:?} is larger than {} MiB",
                    MAX_CONTROL_FILE >> 20
                )));
            }
            let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
            let text = String::from_utf8(bytes)
                .map_err(|_| bad(format!("control file {name:?} is not valid UTF-8")))?;
            (
                lines,
                text.lines().next().unwrap_or("").to_string(),
                Some(text),
            )
        } else {
            let (lines, head) = count_lines(&mut tar)?;
            (lines, head, None)
        };
        if name == "control" {
            control_text = text.clone();
        }
        info.control_files.push(ControlFile {
            name,
            mode: entry.mode,
            size: entry.size,
            lines,
            interpreter: head
                .strip_prefix("#!")
                .map(|s| s.trim_end_matches('\r').to_string()),
            text,
        });
    }
    // The tar end marker may precede padding; the compressed stream is checked to its end.
    reader::drain(&mut BufReader::new(stream))?;
    let Some(text) = control_text else {
        return Err(bad("the control member has no \"control\" file".into()));
    };
    info.control = deb822::parse_one(&text).map_err(|e| bad(format!("control file, {e}")))?;
    for required in ["Package", "Version"] {
        if info.control.get(required).is_none_or(str::is_empty) {
            return Err(bad(format!(
                "control file: the {required} field is missing"
            )));
        }
    }
    Ok(())
}

/// Counts newlines in a stream and returns its first line (at most 256 bytes of it).
fn count_lines(r: &mut impl Read) -> io::Result<(u64, String)> {
    let mut buf = [0u8; 64 << 10];
    let mut lines = 0u64;
    let mut head: Vec<u8> = Vec::new();
    let mut head_done = false;
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        if !head_done {
            let end = chunk.iter().position(|&b| b == b'\n');
            head.extend_from_slice(&chunk[..end.unwrap_or(n)]);
            head.truncate(256);
            head_done = end.is_some() || head.len() >= 256;
        }
    }
    Ok((lines, String::from_utf8_lossy(&head).into_owned()))
}

fn read_data_member(
    info: &mut PackageInfo,
    algorithm: Algorithm,
    data: impl Read,
) -> io::Result<()> {
    let mut stream = reader::decompress(algorithm, data)?;
    let mut tar = TarReader::new(&mut stream);
    let mut count: u64 = 0;
    while let Some(entry) = tar.next_entry()? {
        count += 1;
        if count % 1024 == 0 && crate::signals::pending().is_some() {
            return Err(io::Error::other("interrupted"));
        }
        if info.plugin.is_none() && is_plugin_manifest(&entry) {
            info.plugin = Some(read_plugin(&entry, &mut tar)?);
        }
        info.files.push(FileInfo {
            path: entry.path,
            kind: entry.kind,
            mode: entry.mode,
            uid: entry.uid,
            gid: entry.gid,
            owner: entry.uname,
            group: entry.gname,
            size: entry.size,
            mtime: entry.mtime,
            link: entry.link,
        });
    }
    // The tar end marker may precede padding; the compressed stream is checked to its end.
    reader::drain(&mut BufReader::new(stream))?;
    Ok(())
}

/// True for `./usr/lib/wazo-plugind/plugins/<namespace>/<name>/wazo/plugin.yml`.
fn is_plugin_manifest(entry: &TarEntry) -> bool {
    if entry.kind != TarKind::File {
        return false;
    }
    let Some(rest) = relative(&entry.path).strip_prefix(PLUGINS_PLACE) else {
        return false;
    };
    let Some(place) = rest.strip_suffix(MANIFEST_PATH) else {
        return false;
    };
    let parts: Vec<&str> = place.split('/').collect();
    parts.len() == 3 && parts[2].is_empty() && !parts[0].is_empty() && !parts[1].is_empty()
}

fn read_plugin(entry: &TarEntry, data: &mut impl Read) -> io::Result<PluginInfo> {
    let mut bytes = Vec::new();
    data.take(manifest::MAX_MANIFEST_BYTES + 1)
        .read_to_end(&mut bytes)?;
    let shown = Path::new(relative(&entry.path));
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
