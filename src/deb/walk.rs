//! The one package walker: how `inspect`, `index` and `lint` open a `.deb`, decompress a
//! tar member and go through its entries, and what dpkg refuses in an entry.
//!
//! Each caller keeps its own policy (`inspect` stops at the first problem, `lint` notes it
//! and goes on), but the reading itself, the end-of-stream check, the interruption check
//! and dpkg's verdict on an entry are written here once.

use super::compress::Algorithm;
use super::reader::{self, ArReader, Member, TarEntry, TarKind, TarReader};
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Opens a package file for reading; the one place every reader opens one. A FIFO, device or
/// folder is refused without blocking, and every read stops once a signal arrived.
pub(crate) fn open(path: &Path) -> io::Result<crate::interrupt::Interruptible<File>> {
    crate::files::input::open_input(path)
}

/// Decompresses a tar member and calls `visit` for each entry with a reader of its data
/// (what `visit` leaves unread is skipped), then checks the stream to its end.
pub(crate) fn entries(
    algorithm: Algorithm,
    data: impl Read,
    mut visit: impl FnMut(&TarEntry, &mut dyn Read) -> io::Result<()>,
) -> io::Result<reader::Rest> {
    let mut stream = reader::decompress(algorithm, data)?;
    let mut tar = TarReader::new(&mut stream);
    let mut count: u64 = 0;
    while let Some(entry) = tar.next_entry()? {
        count += 1;
        if count.is_multiple_of(1024) && crate::interrupt::pending().is_some() {
            return Err(io::Error::other("interrupted"));
        }
        visit(&entry, &mut tar)?;
    }
    // The tar end marker may precede padding; the compressed stream is checked to its end,
    // and what follows it in the member is measured.
    stream.finish()
}

/// An archive path relative to the root it installs into: leading `/` and `./` skipped in
/// any number and mix, as dpkg skips them (`./usr/x`, `/usr/x` and `.//./usr/x` are all
/// `usr/x`).
pub(crate) fn relative(path: &str) -> &str {
    let mut p = path;
    loop {
        match p.strip_prefix('/').or_else(|| p.strip_prefix("./")) {
            Some(rest) => p = rest,
            None => return p,
        }
    }
}

/// What dpkg makes of an ar member of a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// `debian-binary`, the format version.
    Format,
    /// The control member; its compression.
    Control(Algorithm),
    /// The data member; its compression, or `None` for one dpkg reads and pluginctl does
    /// not (`.bz2`, `.lzma`, both deprecated).
    Data(Option<Algorithm>),
    /// A member dpkg skips: a name starting with `_`, or anything after the data member.
    Ignored,
}

/// Why dpkg refuses a package for the name or place of one of its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Misplaced {
    /// The first member is not `debian-binary` (dpkg: "not a Debian binary archive").
    NotFirst(String),
    /// This member comes where dpkg wants `control.tar` or `data.tar` (dpkg: "premature
    /// member").
    Premature {
        /// The member.
        name: String,
        /// `control.tar` or `data.tar`.
        wanted: &'static str,
    },
    /// `control.tar.*` or `data.tar.*` with a compression dpkg does not know.
    UnknownCompression(String),
}

impl Misplaced {
    /// The member at fault.
    pub(crate) fn name(&self) -> &str {
        match self {
            Misplaced::NotFirst(name)
            | Misplaced::Premature { name, .. }
            | Misplaced::UnknownCompression(name) => name,
        }
    }
}

/// Why, without the member's name (the place names it).
impl std::fmt::Display for Misplaced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const ORDER: &str = "the members must be debian-binary, control.tar.*, data.tar.*";
        match self {
            Misplaced::NotFirst(_) => {
                write!(
                    f,
                    "the first member, where dpkg wants debian-binary ({ORDER})"
                )
            }
            Misplaced::Premature { wanted, .. } => {
                write!(f, "where dpkg wants {wanted}.* ({ORDER})")
            }
            Misplaced::UnknownCompression(name) => {
                let known = if name.starts_with("data") {
                    "none, .gz, .xz, .zst, .bz2 or .lzma"
                } else {
                    "none, .gz, .xz or .zst"
                };
                write!(f, "a compression dpkg does not know (it knows {known})")
            }
        }
    }
}

/// What the visitor of [`members`] wants next.
pub(crate) enum Next {
    /// The next member.
    Continue,
    /// Nothing more.
    Stop,
}

/// An error met by [`members`]: the member it was met in (none for the archive itself) and
/// the error.
pub(crate) type Failure = (Option<String>, io::Error);

/// The one pass over the ar members of a package, in order, for `inspect`, `index` and
/// `lint`: each member is judged by dpkg's rule ([`Layout`]) and handed to `visit` with a
/// reader of its data (what `visit` leaves unread is skipped). It ends with the archive,
/// when `visit` says [`Next::Stop`], or at the first error (a pending signal is one);
/// `layout` then knows what member is still missing, whichever way it ended.
pub(crate) fn members<R: Read>(
    ar: &mut ArReader<R>,
    layout: &mut Layout,
    mut visit: impl FnMut(&Member, Result<Role, Misplaced>, &mut dyn Read) -> io::Result<Next>,
) -> Result<(), Failure> {
    loop {
        if crate::interrupt::pending().is_some() {
            return Err((None, io::Error::other("interrupted")));
        }
        let member = match ar.next_member() {
            Ok(Some(member)) => member,
            Ok(None) => return Ok(()),
            Err(e) => return Err((None, e)),
        };
        let role = layout.next(&member.name);
        match visit(&member, role, &mut ar.data(&member)) {
            Ok(Next::Continue) => {}
            Ok(Next::Stop) => return Ok(()),
            Err(e) => return Err((Some(member.name), e)),
        }
    }
}

/// The member dpkg wants next.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Stage {
    #[default]
    Format,
    Control,
    Data,
    Done,
}

/// dpkg's rule for the members of a package, one member at a time: `debian-binary` first,
/// then `control.tar[.gz|.xz|.zst]`, then `data.tar[.gz|.xz|.zst|.bz2|.lzma]`, members
/// whose name starts with `_` skipped between them, and anything after the data member
/// ignored. `inspect`, `index` and `lint` all judge the layout with it.
#[derive(Debug, Default)]
pub(crate) struct Layout {
    stage: Stage,
}

impl Layout {
    /// What the next member, named `name`, is; or why dpkg refuses the package for it.
    pub(crate) fn next(&mut self, name: &str) -> Result<Role, Misplaced> {
        let unknown = || Misplaced::UnknownCompression(name.to_string());
        match self.stage {
            Stage::Format if name == "debian-binary" => {
                self.stage = Stage::Control;
                Ok(Role::Format)
            }
            Stage::Format => Err(Misplaced::NotFirst(name.to_string())),
            Stage::Done => Ok(Role::Ignored),
            _ if name.starts_with('_') => Ok(Role::Ignored),
            Stage::Control if name.starts_with("control.tar") => {
                let algorithm = reader::algorithm_of(name).ok_or_else(unknown)?;
                self.stage = Stage::Data;
                Ok(Role::Control(algorithm))
            }
            Stage::Data if name.starts_with("data.tar") => {
                let algorithm = match &name["data.tar".len()..] {
                    ".bz2" | ".lzma" => None,
                    _ => Some(reader::algorithm_of(name).ok_or_else(unknown)?),
                };
                self.stage = Stage::Done;
                Ok(Role::Data(algorithm))
            }
            stage => Err(Misplaced::Premature {
                name: name.to_string(),
                wanted: if stage == Stage::Control {
                    "control.tar"
                } else {
                    "data.tar"
                },
            }),
        }
    }

    /// The member dpkg still waits for once the archive has ended, if any.
    pub(crate) fn missing(&self) -> Option<&'static str> {
        match self.stage {
            Stage::Format => Some("debian-binary"),
            Stage::Control => Some("control.tar"),
            Stage::Data => Some("data.tar"),
            Stage::Done => None,
        }
    }
}

/// The longest `debian-binary` first line read; dpkg reads the whole member, so a longer one
/// is pluginctl's own limit.
pub(crate) const MAX_FORMAT_LINE: u64 = 1024;

/// The package format in a `debian-binary` member (`2.0`), read as dpkg-deb reads it: the
/// text up to the first newline (there must be one, before any NUL byte) is
/// `<major>.<minor>`, both decimal digits only and at most 2147483647, and the major
/// version is 2; what follows the newline is ignored. Otherwise the reason dpkg gives.
pub(crate) fn format_version(member: &[u8]) -> Result<String, String> {
    let text = &member[..member.iter().position(|&b| b == 0).unwrap_or(member.len())];
    let Some(end) = text.iter().position(|&b| b == b'\n') else {
        return Err("debian-binary has no newline".into());
    };
    let line = String::from_utf8_lossy(&text[..end]);
    let number = |part: &str, which: &str| -> Result<u32, String> {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("the format version {line:?} has no {which} number"));
        }
        let digits = part.trim_start_matches('0');
        digits
            .parse::<u32>()
            .ok()
            .or(digits.is_empty().then_some(0))
            .filter(|&n| n <= i32::MAX as u32)
            .ok_or_else(|| format!("the format version {line:?} has a {which} number too big"))
    };
    let Some((major, minor)) = line.split_once('.') else {
        return Err(format!("the format version {line:?} has no dot"));
    };
    let major = number(major, "major")?;
    number(minor, "minor")?;
    if major != 2 {
        return Err(format!(
            "format version {line}; only Debian binary format 2.x is read"
        ));
    }
    Ok(line.into_owned())
}

/// Reads a `debian-binary` member and judges its first line ([`format_version`]); the
/// outer error is a read failure, or a first line longer than [`MAX_FORMAT_LINE`].
pub(crate) fn read_format(member: impl Read) -> io::Result<Result<String, String>> {
    let mut bytes = Vec::new();
    member.take(MAX_FORMAT_LINE).read_to_end(&mut bytes)?;
    let ended = bytes.iter().any(|&b| b == 0 || b == b'\n');
    if !ended && bytes.len() as u64 == MAX_FORMAT_LINE {
        return Err(super::limits::limit(format!(
            "the first line of debian-binary exceeds pluginctl's {} limit",
            super::limits::size_text(MAX_FORMAT_LINE)
        )));
    }
    Ok(format_version(&bytes))
}

/// Why `dpkg --unpack` refuses an entry, if it does.
pub(crate) fn refusal(entry: &TarEntry) -> Option<String> {
    let shown = escape_name(&entry.raw_path);
    if entry.raw_path.contains(&b'\n') {
        return Some(format!(
            "{shown}: a path holding a newline, which dpkg --unpack refuses"
        ));
    }
    if entry.pax {
        return Some(format!(
            "{shown}: preceded by a PAX header, which dpkg --unpack refuses"
        ));
    }
    if entry.sparse {
        return Some(format!(
            "{shown}: a GNU sparse file, which dpkg --unpack refuses"
        ));
    }
    if let TarKind::Other(flag) = entry.kind {
        return Some(format!(
            "{shown}: an entry of type {}, which dpkg --unpack cannot unpack",
            escape_name(&[flag])
        ));
    }
    None
}

/// A file name as GNU tar lists it (`dpkg-deb --contents`) in a UTF-8 locale: printable
/// characters as they are, a backslash doubled, `\n`, `\t` and the other C escapes, and any
/// other control character or byte that is not UTF-8 as `\ooo` (octal).
pub(crate) fn escape_name(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\x07' => out.push_str("\\a"),
                '\x08' => out.push_str("\\b"),
                '\x0c' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\x0b' => out.push_str("\\v"),
                c if c.is_control() => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("\\{b:03o}"));
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\{b:03o}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_slashes_and_dot_slashes_are_skipped_as_dpkg_skips_them() {
        for (path, want) in [
            ("./usr/x", "usr/x"),
            ("/usr/x", "usr/x"),
            (".//./usr/x", "usr/x"),
            ("/./usr/x/", "usr/x/"),
            ("./", ""),
            (".", "."),
            ("../x", "../x"),
            ("usr/./x", "usr/./x"),
        ] {
            assert_eq!(relative(path), want, "{path:?}");
        }
    }

    #[test]
    fn format_versions_are_read_as_dpkg_reads_them() {
        for ok in [
            "2.0\n",
            "2.1\n",
            "02.0\n",
            "2.00009\n",
            "2.0\nmore\n",
            "2.2147483647\n",
        ] {
            assert!(format_version(ok.as_bytes()).is_ok(), "{ok:?}");
        }
        for bad in [
            "2.0",
            "2.0\0\n",
            "2.x\n",
            "2.\n",
            " 2.0\n",
            "+2.0\n",
            "2.0 \n",
            "2.0\r\n",
            "2\n",
            "2.0.1\n",
            "3.0\n",
            "2.2147483648\n",
            "",
        ] {
            assert!(format_version(bad.as_bytes()).is_err(), "{bad:?}");
        }
        assert_eq!(format_version(b"2.0\n").unwrap(), "2.0");
    }

    #[test]
    fn names_are_escaped_as_tar_lists_them() {
        assert_eq!(escape_name(b"./d/a\\b\tc"), "./d/a\\\\b\\tc");
        assert_eq!(escape_name(b"a\x01b\x7fc\x1bd"), "a\\001b\\177c\\033d");
        assert_eq!(escape_name(b"lat\xe9 caf\xc3\xa9"), "lat\\351 caf\u{e9}");
        assert_eq!(escape_name(b"cr\rx\nq\"'?"), "cr\\rx\\nq\"'?");
    }
}
