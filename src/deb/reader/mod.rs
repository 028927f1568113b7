//! Reading a `.deb` back, streamed: the ar members, their decompression, and the tar entries
//! with every raw detail a checker needs (GNU long names, PAX and sparse entries, checksums).
//!
//! Used by `inspect`, `lint` and the tests. A damaged package yields an error, never a panic.

use super::compress::Algorithm;
use super::limits::{limit, size_text};
use std::io::{self, BufRead, Read};

mod stream;
mod tar;
pub use stream::{Decoded, Rest};
pub use tar::{TarEntry, TarKind, TarReader};

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

/// A decompressing reader for a member's data, reading what dpkg reads (see the `stream`
/// module).
pub fn decompress<'a>(algorithm: Algorithm, data: impl Read + 'a) -> io::Result<Decoded<'a>> {
    stream::decode(algorithm, data)
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

/// Reads `r` to its end through `io::copy` (whose buffer is not zeroed per call), handing every
/// chunk to `each` and returning the first `keep` bytes.
pub fn read_through(
    r: &mut (impl Read + ?Sized),
    keep: usize,
    each: impl FnMut(&[u8]),
) -> io::Result<Vec<u8>> {
    struct Sink<F> {
        each: F,
        kept: Vec<u8>,
        keep: usize,
    }
    impl<F: FnMut(&[u8])> io::Write for Sink<F> {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            (self.each)(bytes);
            let room = self.keep.saturating_sub(self.kept.len());
            self.kept.extend_from_slice(&bytes[..bytes.len().min(room)]);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut sink = Sink {
        each,
        kept: Vec::new(),
        keep,
    };
    io::copy(r, &mut sink)?;
    Ok(sink.kept)
}

/// Drains a reader (to check a compressed stream to its end).
pub fn drain(r: &mut impl BufRead) -> io::Result<u64> {
    io::copy(r, &mut io::sink())
}
