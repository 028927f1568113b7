//! Tar entries exactly as dpkg wants them: GNU format, every header field set by us.
//!
//! No PAX headers and no sparse entries (dpkg refuses both), owner root:root, one mtime for
//! every entry, GNU long-name entries for paths and link targets of 100 bytes or more, and
//! base-256 numbers for sizes and times too large for octal.

use std::io::{self, Write};

/// Tar block size.
pub(crate) const BLOCK: usize = 512;

/// The kind of a tar entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryType {
    /// A regular file.
    File,
    /// A hard link to an earlier entry.
    HardLink,
    /// A symbolic link.
    Symlink,
    /// A folder.
    Dir,
}

impl EntryType {
    fn flag(self) -> u8 {
        match self {
            EntryType::File => b'0',
            EntryType::HardLink => b'1',
            EntryType::Symlink => b'2',
            EntryType::Dir => b'5',
        }
    }
}

/// One header to write: the archive path (`./x`, `./d/`), its kind, mode, size and link.
#[derive(Debug, Clone)]
pub(crate) struct Header<'a> {
    /// Path as stored, `./` prefixed, folders with a trailing `/`.
    pub(crate) path: &'a str,
    /// Entry kind.
    pub(crate) kind: EntryType,
    /// Permission bits.
    pub(crate) mode: u32,
    /// Data size (0 for anything but files).
    pub(crate) size: u64,
    /// Link target for symlinks and hard links.
    pub(crate) link: Option<&'a str>,
}

/// Bytes the end-of-archive blocks take.
pub(crate) const END_LEN: u64 = 2 * BLOCK as u64;

/// `n` rounded up to a whole number of blocks.
fn padded(n: u64) -> u64 {
    n.div_ceil(BLOCK as u64) * BLOCK as u64
}

/// Bytes an entry takes in the stream: its header, GNU long-name entries and padded data.
/// Knowing the stream's length up front lets the compressors size themselves to it.
pub(crate) fn entry_len(h: &Header<'_>) -> u64 {
    let long = |len: usize| {
        if len >= 100 {
            BLOCK as u64 + padded(len as u64 + 1)
        } else {
            0
        }
    };
    BLOCK as u64 + long(h.path.len()) + long(h.link.map_or(0, str::len)) + padded(h.size)
}

/// The archive's root folder, first in both members of a `.deb`.
pub(crate) const ROOT: Header<'static> = Header {
    path: "./",
    kind: EntryType::Dir,
    mode: 0o755,
    size: 0,
    link: None,
};

/// A small member (the control member) from files held in memory: `(name, mode, text)`
/// under the root folder, compressed whole into a buffer.
pub(crate) fn small_member(
    files: &[(&str, u32, String)],
    compression: super::compress::Compression,
    mtime: u64,
) -> io::Result<Vec<u8>> {
    let paths: Vec<String> = files
        .iter()
        .map(|(name, _, _)| format!("./{name}"))
        .collect();
    let headers: Vec<Header<'_>> = files
        .iter()
        .zip(&paths)
        .map(|((_, mode, text), path)| Header {
            path,
            kind: EntryType::File,
            mode: *mode,
            size: text.len() as u64,
            link: None,
        })
        .collect();
    let len = entry_len(&ROOT) + headers.iter().map(entry_len).sum::<u64>() + END_LEN;
    let mut out = Vec::new();
    let mut tar = TarWriter::new(
        compression.encoder(&mut out, len, Default::default())?,
        mtime,
    );
    tar.header(&ROOT)?;
    for (header, (_, _, text)) in headers.iter().zip(files) {
        tar.header(header)?;
        tar.data(text.as_bytes())?;
        tar.end_data(header.size)?;
    }
    tar.finish()?.finish()?;
    Ok(out)
}

/// Writes a tar stream with one fixed mtime.
pub(crate) struct TarWriter<W: Write> {
    out: W,
    mtime: u64,
}

impl<W: Write> TarWriter<W> {
    /// A writer stamping every entry with `mtime`.
    pub(crate) fn new(out: W, mtime: u64) -> Self {
        TarWriter { out, mtime }
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)
    }

    fn pad(&mut self, size: u64) -> io::Result<()> {
        let rem = (size % BLOCK as u64) as usize;
        if rem != 0 {
            self.put(&[0u8; BLOCK][..BLOCK - rem])?;
        }
        Ok(())
    }

    fn long_entry(&mut self, flag: u8, text: &str) -> io::Result<()> {
        let mut data = text.as_bytes().to_vec();
        data.push(0);
        let block = raw_header(
            b"././@LongLink",
            flag,
            0o644,
            data.len() as u64,
            self.mtime,
            b"",
        );
        self.put(&block)?;
        self.put(&data)?;
        self.pad(data.len() as u64)
    }

    /// Writes a header (and GNU long-name entries when needed), but no data.
    pub(crate) fn header(&mut self, h: &Header<'_>) -> io::Result<()> {
        if h.path.len() >= 100 {
            self.long_entry(b'L', h.path)?;
        }
        let link = h.link.unwrap_or("");
        if link.len() >= 100 {
            self.long_entry(b'K', link)?;
        }
        let name = &h.path.as_bytes()[..h.path.len().min(100)];
        let link = &link.as_bytes()[..link.len().min(100)];
        let block = raw_header(name, h.kind.flag(), h.mode, h.size, self.mtime, link);
        self.put(&block)
    }

    /// Writes the next bytes of an entry's data, after its [`TarWriter::header`]; the pieces
    /// must add up to the header's size exactly, then [`TarWriter::end_data`] pads them.
    pub(crate) fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.put(bytes)
    }

    /// Pads an entry's data of `size` bytes to a whole block.
    pub(crate) fn end_data(&mut self, size: u64) -> io::Result<()> {
        self.pad(size)
    }

    /// Writes the end-of-archive blocks and returns the inner writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        self.put(&[0u8; BLOCK * 2])?;
        Ok(self.out)
    }
}

/// Writes `value` into `field` as zero-padded octal with a NUL, or base-256 when too large.
fn numeric(field: &mut [u8], value: u64) {
    let digits = field.len() - 1;
    if digits >= 22 || value < 1u64 << (3 * digits) {
        let text = format!("{value:0digits$o}");
        field[..digits].copy_from_slice(text.as_bytes());
        field[digits] = 0;
    } else {
        field.fill(0);
        let bytes = value.to_be_bytes();
        let n = field.len();
        field[n - 8..].copy_from_slice(&bytes);
        field[0] |= 0x80;
    }
}

fn raw_header(name: &[u8], flag: u8, mode: u32, size: u64, mtime: u64, link: &[u8]) -> [u8; BLOCK] {
    let mut h = [0u8; BLOCK];
    h[..name.len()].copy_from_slice(name);
    numeric(&mut h[100..108], u64::from(mode));
    numeric(&mut h[108..116], 0);
    numeric(&mut h[116..124], 0);
    numeric(&mut h[124..136], size);
    numeric(&mut h[136..148], mtime);
    h[156] = flag;
    h[157..157 + link.len()].copy_from_slice(link);
    h[257..265].copy_from_slice(b"ustar  \0");
    h[265..269].copy_from_slice(b"root");
    h[297..301].copy_from_slice(b"root");
    h[148..156].fill(b' ');
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    let text = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(text.as_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_and_base256() {
        let mut f = [0u8; 12];
        numeric(&mut f, 5);
        assert_eq!(&f, b"00000000005\0");
        numeric(&mut f, 8 << 30);
        assert_eq!(f[0], 0x80);
        assert_eq!(u64::from_be_bytes(f[4..].try_into().unwrap()), 8 << 30);
    }

    #[test]
    fn entry_len_is_what_the_writer_writes() {
        let long = format!("./{}", "a".repeat(300));
        for (path, link, size) in [
            ("./x", None, 0),
            ("./y", None, 513),
            (&long[..], Some(&long[..]), 1),
        ] {
            let h = Header {
                path,
                kind: if link.is_some() {
                    EntryType::Symlink
                } else {
                    EntryType::File
                },
                mode: 0o644,
                size,
                link,
            };
            let mut w = TarWriter::new(Vec::new(), 0);
            let data = vec![7u8; size as usize];
            w.header(&h).unwrap();
            w.data(&data).unwrap();
            w.end_data(size).unwrap();
            assert_eq!(
                w.finish().unwrap().len() as u64,
                entry_len(&h) + END_LEN,
                "{path}"
            );
        }
    }

    #[test]
    fn long_names_get_a_gnu_entry() {
        let mut w = TarWriter::new(Vec::new(), 0);
        let path = format!("./{}", "a".repeat(150));
        w.header(&Header {
            path: &path,
            kind: EntryType::Dir,
            mode: 0o755,
            size: 0,
            link: None,
        })
        .unwrap();
        let out = w.finish().unwrap();
        assert_eq!(&out[..13], b"././@LongLink");
        assert_eq!(out[156], b'L');
        assert_eq!(out.len(), 512 + 512 + 512 + 1024);
    }
}
