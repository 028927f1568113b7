//! The tar entries of a member, read one by one with every raw detail a checker needs: GNU
//! long names, PAX and sparse entries, header checksums, signed dates.

use super::{bad, read_bounded, read_exact_or};
use crate::deb::limits::{limit, size_text, MAX_LONG_NAME};
use std::io::{self, Read};

/// A tar entry's type as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TarKind {
    /// `0` or NUL.
    File,
    /// `1`.
    HardLink,
    /// `2`.
    Symlink,
    /// `3`.
    CharDevice,
    /// `4`.
    BlockDevice,
    /// `5`.
    Dir,
    /// `6`.
    Fifo,
    /// Any other flag (`7`, vendor flags).
    Other(u8),
}

/// One tar entry, with the raw facts a checker needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarEntry {
    /// Full path (GNU long names resolved).
    pub path: String,
    /// Entry type.
    pub kind: TarKind,
    /// Permission bits.
    pub mode: u32,
    /// Owner id.
    pub uid: u64,
    /// Group id.
    pub gid: u64,
    /// Owner name.
    pub uname: String,
    /// Group name.
    pub gname: String,
    /// Data size.
    pub size: u64,
    /// Modification time, seconds since 1970 (negative before it: dpkg-deb stores such
    /// dates in base-256 and dpkg installs them).
    pub mtime: i64,
    /// Link target (GNU long link names resolved).
    pub link: String,
    /// The path's bytes exactly as stored (`path` is their lossy text).
    pub raw_path: Vec<u8>,
    /// The link target's bytes exactly as stored.
    pub raw_link: Vec<u8>,
    /// Device major and minor numbers (devices only).
    pub device: Option<(u64, u64)>,
    /// True when a PAX header (`x` or `g`) preceded this entry.
    pub pax: bool,
    /// True for a GNU sparse entry (`S`).
    pub sparse: bool,
}

/// Reads tar entries one by one; the caller may read each file's data.
pub struct TarReader<R: Read> {
    inner: R,
    left: u64,
    pad: u64,
    done: bool,
}

/// A signed tar number: base-256 with the sign in the first byte's bit 6 (GNU tar and
/// dpkg-deb write dates before 1970 so), else octal.
fn tar_signed(field: &[u8]) -> io::Result<i64> {
    match field.first() {
        Some(&first) if first & 0x80 != 0 => {
            // The bits after the marker bit, in two's complement.
            let mut v = i64::from(first & 0x7f) - if first & 0x40 != 0 { 128 } else { 0 };
            for &b in &field[1..] {
                v = v
                    .checked_mul(256)
                    .and_then(|v| v.checked_add(i64::from(b)))
                    .ok_or_else(|| bad("tar: base-256 number too large"))?;
            }
            Ok(v)
        }
        _ => i64::try_from(tar_num(field)?).map_err(|_| bad("tar: number too large")),
    }
}

fn tar_num(field: &[u8]) -> io::Result<u64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        let mut v: u64 = u64::from(field[0] & 0x7f);
        for &b in &field[1..] {
            v = v
                .checked_mul(256)
                .and_then(|v| v.checked_add(u64::from(b)))
                .ok_or_else(|| bad("tar: base-256 number too large"))?;
        }
        return Ok(v);
    }
    let text: String = field
        .iter()
        .take_while(|&&b| b != 0)
        .map(|&b| b as char)
        .collect();
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    u64::from_str_radix(text, 8).map_err(|_| bad(format!("tar: bad number field {text:?}")))
}

fn c_bytes(field: &[u8]) -> &[u8] {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    &field[..end]
}

fn c_string(field: &[u8]) -> String {
    String::from_utf8_lossy(c_bytes(field)).into_owned()
}

impl<R: Read> TarReader<R> {
    /// A reader over a tar stream.
    pub fn new(inner: R) -> Self {
        TarReader {
            inner,
            left: 0,
            pad: 0,
            done: false,
        }
    }

    fn skip_data(&mut self) -> io::Result<()> {
        let want = self.left + self.pad;
        let got = io::copy(&mut (&mut self.inner).take(want), &mut io::sink())?;
        if got < want {
            return Err(bad("tar: truncated inside an entry's data"));
        }
        self.left = 0;
        self.pad = 0;
        Ok(())
    }

    fn block(&mut self) -> io::Result<Option<[u8; 512]>> {
        let mut b = [0u8; 512];
        let mut got = 0;
        while got < 512 {
            let n = self.inner.read(&mut b[got..])?;
            if n == 0 {
                return if got == 0 {
                    Ok(None)
                } else {
                    Err(bad("tar: truncated header block"))
                };
            }
            got += n;
        }
        Ok(Some(b))
    }

    fn read_long(&mut self, size: u64) -> io::Result<Vec<u8>> {
        if size > MAX_LONG_NAME {
            return Err(limit(format!(
                "a GNU long name of {} exceeds pluginctl's {} limit",
                size_text(size),
                size_text(MAX_LONG_NAME)
            )));
        }
        let mut data = vec![0u8; size as usize];
        read_exact_or(&mut self.inner, &mut data, "tar: truncated long name")?;
        let pad = (512 - size % 512) % 512;
        io::copy(&mut (&mut self.inner).take(pad), &mut io::sink())?;
        data.truncate(c_bytes(&data).len());
        Ok(data)
    }

    /// The underlying reader (to check what follows the end-of-archive blocks).
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The next entry (its data is then readable through `self` as `Read`); `None` at the end.
    pub fn next_entry(&mut self) -> io::Result<Option<TarEntry>> {
        self.skip_data()?;
        if self.done {
            return Ok(None);
        }
        let (mut long_name, mut long_link, mut pax) = (None, None, false);
        loop {
            let Some(h) = self.block()? else {
                self.done = true;
                return Ok(None);
            };
            if h.iter().all(|&b| b == 0) {
                self.done = true;
                return Ok(None);
            }
            let stored = tar_num(&h[148..156])?;
            let sum: u64 = h
                .iter()
                .enumerate()
                .map(|(i, &b)| {
                    if (148..156).contains(&i) {
                        32
                    } else {
                        u64::from(b)
                    }
                })
                .sum();
            if stored != sum {
                return Err(bad("tar: header checksum mismatch (damaged archive)"));
            }
            let size = tar_num(&h[124..136])?;
            let flag = h[156];
            match flag {
                b'L' => long_name = Some(self.read_long(size)?),
                b'K' => long_link = Some(self.read_long(size)?),
                b'x' | b'g' => {
                    pax = true;
                    self.left = size;
                    self.pad = (512 - size % 512) % 512;
                    self.skip_data()?;
                }
                _ => {
                    let mut path = c_bytes(&h[..100]).to_vec();
                    if &h[257..263] == b"ustar\0" && h[345] != 0 {
                        let mut full = c_bytes(&h[345..500]).to_vec();
                        full.push(b'/');
                        full.extend_from_slice(&path);
                        path = full;
                    }
                    let kind = match flag {
                        b'0' | 0 | b'7' => TarKind::File,
                        b'1' => TarKind::HardLink,
                        b'2' => TarKind::Symlink,
                        b'3' => TarKind::CharDevice,
                        b'4' => TarKind::BlockDevice,
                        b'5' => TarKind::Dir,
                        b'6' => TarKind::Fifo,
                        other => TarKind::Other(other),
                    };
                    let raw_path = long_name.take().unwrap_or(path);
                    let raw_link = long_link
                        .take()
                        .unwrap_or_else(|| c_bytes(&h[157..257]).to_vec());
                    let device = matches!(kind, TarKind::CharDevice | TarKind::BlockDevice)
                        .then(|| {
                            Ok::<_, io::Error>((tar_num(&h[329..337])?, tar_num(&h[337..345])?))
                        })
                        .transpose()?;
                    let entry = TarEntry {
                        path: String::from_utf8_lossy(&raw_path).into_owned(),
                        kind,
                        mode: tar_num(&h[100..108])? as u32,
                        uid: tar_num(&h[108..116])?,
                        gid: tar_num(&h[116..124])?,
                        uname: c_string(&h[265..297]),
                        gname: c_string(&h[297..329]),
                        size: if matches!(kind, TarKind::File | TarKind::Other(_)) {
                            size
                        } else {
                            0
                        },
                        mtime: tar_signed(&h[136..148])?,
                        link: String::from_utf8_lossy(&raw_link).into_owned(),
                        raw_path,
                        raw_link,
                        device,
                        pax,
                        sparse: flag == b'S',
                    };
                    self.left = entry.size;
                    self.pad = (512 - entry.size % 512) % 512;
                    return Ok(Some(entry));
                }
            }
        }
    }
}

impl<R: Read> Read for TarReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        read_bounded(&mut self.inner, &mut self.left, buf, || {
            "tar: truncated inside an entry's data".to_string()
        })
    }
}
