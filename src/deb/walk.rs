//! The one package walker: how `inspect`, `index` and `lint` open a `.deb`, decompress a
//! tar member and go through its entries, and what dpkg refuses in an entry.
//!
//! Each caller keeps its own policy (`inspect` stops at the first problem, `lint` notes it
//! and goes on), but the reading itself, the end-of-stream check, the interruption check
//! and dpkg's verdict on an entry are written here once.

use super::compress::Algorithm;
use super::reader::{self, TarEntry, TarKind, TarReader};
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

/// Opens a package file for reading; the one place every reader opens one. A FIFO, device or
/// folder is refused without blocking, and every read stops once a signal arrived.
pub(crate) fn open(path: &Path) -> io::Result<crate::ui::signals::Interruptible<File>> {
    crate::ui::signals::open_input(path)
}

/// Decompresses a tar member and calls `visit` for each entry with a reader of its data
/// (what `visit` leaves unread is skipped), then checks the stream to its end.
pub(crate) fn entries(
    algorithm: Algorithm,
    data: impl Read,
    mut visit: impl FnMut(&TarEntry, &mut dyn Read) -> io::Result<()>,
) -> io::Result<()> {
    let mut stream = reader::decompress(algorithm, data)?;
    let mut tar = TarReader::new(&mut stream);
    let mut count: u64 = 0;
    while let Some(entry) = tar.next_entry()? {
        count += 1;
        if count.is_multiple_of(1024) && crate::ui::signals::pending().is_some() {
            return Err(io::Error::other("interrupted"));
        }
        visit(&entry, &mut tar)?;
    }
    // The tar end marker may precede padding; the compressed stream is checked to its end.
    reader::drain(&mut BufReader::new(stream))?;
    Ok(())
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
    fn names_are_escaped_as_tar_lists_them() {
        assert_eq!(escape_name(b"./d/a\\b\tc"), "./d/a\\\\b\\tc");
        assert_eq!(escape_name(b"a\x01b\x7fc\x1bd"), "a\\001b\\177c\\033d");
        assert_eq!(escape_name(b"lat\xe9 caf\xc3\xa9"), "lat\\351 caf\u{e9}");
        assert_eq!(escape_name(b"cr\rx\nq\"'?"), "cr\\rx\\nq\"'?");
    }
}
