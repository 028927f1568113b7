//! Reading a `.deb` back, streamed: the ar members, their decompression, and the tar entries
//! with every raw detail a checker needs (GNU long names, PAX and sparse entries, checksums).
//!
//! Used by `inspect`, `lint` and the tests. A damaged package yields an error, never a panic.

use super::compress::Algorithm;
use super::limits::{limit, size_text, MAX_LONG_NAME, XZ_MEMLIMIT};
use std::io::{self, BufRead, BufReader, Read};

/// One ar member header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Name, with a trailing `/` (GNU style) removed.
    pub name: String,
    /// The name field exactly as stored (trailing spaces trimmed).
    pub raw_name: String,
    /// Modification time.
    pub mtime: u64,
    /// Owner.
    pub uid: u64,
    /// Group.
    pub gid: u64,
    /// Mode, octal as stored.
    pub mode: u32,
    /// Data size.
    pub size: u64,
    /// Byte offset of the data in the file.
    pub offset: u64,
}

fn bad(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

fn field_num(field: &[u8], radix: u32, what: &str) -> io::Result<u64> {
    let text = std::str::from_utf8(field)
        .map_err(|_| bad(format!("ar header: {what} is not text")))?
        .trim();
    if text.is_empty() {
        return Ok(0);
    }
    u64::from_str_radix(text, radix)
        .map_err(|_| bad(format!("ar header: {what} {text:?} is not a number")))
}

/// Reads an ar archive member by member.
pub struct ArReader<R: Read> {
    inner: R,
    pos: u64,
    pending: u64,
}

impl<R: Read> ArReader<R> {
    /// Checks the global header.
    pub fn new(mut inner: R) -> io::Result<Self> {
        let mut magic = [0u8; 8];
        read_exact_or(
            &mut inner,
            &mut magic,
            "the file is too short to be a .deb (no ar header)",
        )?;
        if &magic != super::ar::MAGIC {
            return Err(bad(
                "not a .deb: the file does not start with the ar magic \"!<arch>\\n\"",
            ));
        }
        Ok(ArReader {
            inner,
            pos: 8,
            pending: 0,
        })
    }

    /// The next member header, skipping what is left of the previous member; `None` at the end.
    pub fn next_member(&mut self) -> io::Result<Option<Member>> {
        self.skip_rest()?;
        let mut header = [0u8; 60];
        let mut got = 0;
        while got < 60 {
            let n = self.inner.read(&mut header[got..])?;
            if n == 0 {
                break;
            }
            got += n;
        }
        if got == 0 {
            return Ok(None);
        }
        if got < 60 {
            return Err(bad("truncated: the file ends inside an ar member header"));
        }
        if &header[58..60] != b"`\n" {
            return Err(bad(format!(
                "ar member header at byte {} has a bad end marker",
                self.pos
            )));
        }
        let raw_name = String::from_utf8_lossy(&header[..16])
            .trim_end()
            .to_string();
        let name = raw_name.strip_suffix('/').unwrap_or(&raw_name).to_string();
        let member = Member {
            name,
            raw_name,
            mtime: field_num(&header[16..28], 10, "mtime")?,
            uid: field_num(&header[28..34], 10, "uid")?,
            gid: field_num(&header[34..40], 10, "gid")?,
            mode: field_num(&header[40..48], 8, "mode")? as u32,
            size: field_num(&header[48..58], 10, "size")?,
            offset: self.pos + 60,
        };
        self.pos += 60;
        self.pending = member.size + member.size % 2;
        Ok(Some(member))
    }

    fn skip_rest(&mut self) -> io::Result<()> {
        if self.pending > 0 {
            let want = self.pending;
            let skipped = io::copy(&mut (&mut self.inner).take(want), &mut io::sink())?;
            self.pos += skipped;
            self.pending -= skipped;
            // A missing final pad byte is tolerated, as dpkg does.
            if skipped + 1 < want {
                return Err(bad("truncated: the file ends inside an ar member"));
            }
            self.pending = 0;
        }
        Ok(())
    }

    /// The underlying reader (to read what follows the last member).
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The current member's data (call once per member, before `next_member`).
    pub fn data(&mut self, member: &Member) -> MemberData<'_, R> {
        MemberData {
            ar: self,
            left: member.size,
            size: member.size,
        }
    }
}

/// The data of one member; reading past its size returns EOF, a short file an error.
pub struct MemberData<'a, R: Read> {
    ar: &'a mut ArReader<R>,
    left: u64,
    size: u64,
}

impl<R: Read> Read for MemberData<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let size = self.size;
        let n = read_bounded(&mut self.ar.inner, &mut self.left, buf, || {
            format!("truncated: the file ends inside a member of {size} bytes")
        })?;
        self.ar.pos += n as u64;
        self.ar.pending -= n as u64;
        Ok(n)
    }
}

/// Reads at most `left` bytes into `buf` and counts them off; an early end is an error.
fn read_bounded(
    inner: &mut impl Read,
    left: &mut u64,
    buf: &mut [u8],
    truncated: impl FnOnce() -> String,
) -> io::Result<usize> {
    if *left == 0 {
        return Ok(0);
    }
    let want = buf.len().min(usize::try_from(*left).unwrap_or(usize::MAX));
    let n = inner.read(&mut buf[..want])?;
    if n == 0 {
        return Err(bad(truncated()));
    }
    *left -= n as u64;
    Ok(n)
}

fn read_exact_or(r: &mut impl Read, buf: &mut [u8], msg: &str) -> io::Result<()> {
    r.read_exact(buf).map_err(|e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            bad(msg)
        } else {
            e
        }
    })
}

/// The compression a member name says it uses: `data.tar.xz` -> xz.
pub fn algorithm_of(name: &str) -> Option<Algorithm> {
    let rest = name
        .strip_prefix("control.tar")
        .or_else(|| name.strip_prefix("data.tar"))?;
    match rest {
        "" => Some(Algorithm::None),
        ".gz" => Some(Algorithm::Gzip),
        ".xz" => Some(Algorithm::Xz),
        ".zst" => Some(Algorithm::Zstd),
        _ => None,
    }
}

/// A decompressing reader for a member's data.
pub fn decompress<'a>(
    algorithm: Algorithm,
    data: impl Read + 'a,
) -> io::Result<Box<dyn Read + 'a>> {
    // The decompressed side is checked too: a few KiB of input can be gigabytes of output.
    Ok(Box::new(crate::ui::signals::Interruptible(
        match algorithm {
            Algorithm::None => Box::new(data) as Box<dyn Read + 'a>,
            Algorithm::Gzip => Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(data))),
            Algorithm::Xz => {
                // A crafted header can ask for a dictionary of gigabytes; real packages use at
                // most 64 MiB (xz -9), so the decoder's memory is capped well above that.
                let stream = liblzma::stream::Stream::new_stream_decoder(
                    XZ_MEMLIMIT,
                    liblzma::stream::CONCATENATED,
                )
                .map_err(io::Error::other)?;
                Box::new(liblzma::read::XzDecoder::new_stream(
                    BufReader::new(data),
                    stream,
                ))
            }
            Algorithm::Zstd => Box::new(zstd::stream::read::Decoder::new(data)?),
        },
    )))
}

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

/// Reads a whole small member or file into a string (control files), refusing huge ones.
pub fn read_text(r: &mut impl Read, max: u64) -> io::Result<String> {
    let data = read_small(r, max, "a control file")?;
    String::from_utf8(data).map_err(|_| bad("a control file is not valid UTF-8"))
}

/// Reads a small file whole (a control file, a script); one larger than `max` is refused as
/// pluginctl's own limit, naming `what`.
pub fn read_small(r: &mut (impl Read + ?Sized), max: u64, what: &str) -> io::Result<Vec<u8>> {
    let mut data = Vec::new();
    (&mut *r).take(max + 1).read_to_end(&mut data)?;
    if data.len() as u64 > max {
        return Err(limit(format!(
            "{what} exceeds pluginctl's {} limit",
            size_text(max)
        )));
    }
    Ok(data)
}

/// Drains a reader (to check a compressed stream to its end).
pub fn drain(r: &mut impl BufRead) -> io::Result<u64> {
    io::copy(r, &mut io::sink())
}
