//! Decompressing a member as dpkg does, and telling what dpkg leaves unread.
//!
//! Measured with dpkg 1.21.23 on members made by hand (xz, zstd and gzip CLIs, then `ar`,
//! then `dpkg --unpack` in a throwaway root):
//! - xz: dpkg decodes the first stream only. A second stream is never read: a member split
//!   in two streams in the middle of a file is refused ("cannot skip padding ... unexpected
//!   end of file"), one split between two entries installs the first part and exits 0.
//! - zstd: the same, with frames.
//! - gzip: zlib goes on through every gzip member that follows (a member split in two
//!   installs whole), and stops without a word at the first bytes that are not a gzip header.
//! - In all three, bytes after what dpkg reads are ignored, never an error.
//!
//! So the readers here decode exactly what dpkg decodes, and [`Decoded::finish`] says what
//! followed, for `lint` to report (a package that holds files dpkg will never install).

use super::super::compress::Algorithm;
use super::super::limits::{limit, size_text, XZ_MEMLIMIT, ZSTD_WINDOW_LOG_MAX};
use std::io::{self, BufRead, BufReader, Cursor, Read};

/// What a member holds after the part dpkg decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rest {
    /// Bytes after the part dpkg decodes that are neither xz stream padding nor zstd
    /// skippable frames (both of which decoders are meant to pass over).
    pub ignored: u64,
}

type Input<'a> = BufReader<io::Chain<Cursor<Vec<u8>>, Box<dyn Read + 'a>>>;

fn input<'a>(head: Vec<u8>, rest: Box<dyn Read + 'a>) -> Input<'a> {
    BufReader::new(Cursor::new(head).chain(rest))
}

enum Kind<'a> {
    Plain(Box<dyn Read + 'a>),
    /// The current gzip member; `None` once the last one ended.
    Gzip(
        Option<Box<flate2::bufread::GzDecoder<Input<'a>>>>,
        Option<Input<'a>>,
    ),
    Xz(Box<liblzma::bufread::XzDecoder<Input<'a>>>),
    Zstd(Box<zstd::stream::read::Decoder<'static, Input<'a>>>),
}

/// A member's data decompressed as dpkg decompresses it.
pub struct Decoded<'a> {
    kind: Kind<'a>,
    algorithm: Algorithm,
    done: bool,
}

/// A decompressing reader for a member's data, reading what dpkg reads and no more.
pub(crate) fn decode<'a>(algorithm: Algorithm, data: impl Read + 'a) -> io::Result<Decoded<'a>> {
    let data: Box<dyn Read + 'a> = Box::new(data);
    let kind = match algorithm {
        Algorithm::None => Kind::Plain(data),
        Algorithm::Gzip => Kind::Gzip(
            Some(Box::new(flate2::bufread::GzDecoder::new(input(
                Vec::new(),
                data,
            )))),
            None,
        ),
        Algorithm::Xz => {
            // No LZMA_CONCATENATED: dpkg stops at the end of the first stream.
            let stream = liblzma::stream::Stream::new_stream_decoder(XZ_MEMLIMIT, 0)
                .map_err(io::Error::other)?;
            Kind::Xz(Box::new(liblzma::bufread::XzDecoder::new_stream(
                input(Vec::new(), data),
                stream,
            )))
        }
        Algorithm::Zstd => {
            let mut d =
                zstd::stream::read::Decoder::with_buffer(input(Vec::new(), data))?.single_frame();
            d.window_log_max(ZSTD_WINDOW_LOG_MAX)?;
            Kind::Zstd(Box::new(d))
        }
    };
    Ok(Decoded {
        kind,
        algorithm,
        done: false,
    })
}

/// The error for a stream that asks more memory than pluginctl's limit, or `e` itself.
fn name_limit(algorithm: Algorithm, e: io::Error) -> io::Error {
    let xz = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<liblzma::stream::Error>())
        .is_some_and(|inner| matches!(inner, liblzma::stream::Error::MemLimit));
    // libzstd's name for ZSTD_error_frameParameter_windowTooLarge, the only text the zstd
    // crate hands on.
    let zstd = algorithm == Algorithm::Zstd
        && e.to_string() == "Frame requires too much memory for decoding";
    if xz {
        limit(format!(
            "the xz stream needs more than pluginctl's {} memory limit for decompression \
             (its dictionary is larger than any xz preset uses; recompress it with xz -9 or less)",
            size_text(XZ_MEMLIMIT)
        ))
    } else if zstd {
        limit(format!(
            "the zstd frame needs a window larger than pluginctl's {} limit \
             (recompress it without --long, or with --long=27 or less)",
            size_text(1 << ZSTD_WINDOW_LOG_MAX)
        ))
    } else {
        e
    }
}

impl Read for Decoded<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        crate::interrupt::check_io()?;
        let algorithm = self.algorithm;
        let n = match &mut self.kind {
            Kind::Plain(r) => r.read(buf),
            Kind::Xz(r) => r.read(buf),
            Kind::Zstd(r) => r.read(buf),
            Kind::Gzip(current, after) => loop {
                let Some(gz) = current else { break Ok(0) };
                let n = gz.read(buf)?;
                if n > 0 {
                    break Ok(n);
                }
                // This member ended: zlib goes on if a gzip header follows.
                let mut rest = current.take().expect("a member").into_inner();
                let head = peek(&mut rest, 2)?;
                let next = input(head, take_chain(rest));
                if next
                    .get_ref()
                    .get_ref()
                    .0
                    .get_ref()
                    .starts_with(&[0x1f, 0x8b])
                {
                    *current = Some(Box::new(flate2::bufread::GzDecoder::new(next)));
                } else {
                    *after = Some(next);
                }
            },
        }
        .map_err(|e| name_limit(algorithm, e))?;
        if n == 0 {
            self.done = true;
        }
        Ok(n)
    }
}

/// Reads until `rest` has `want` bytes buffered (or ends), and returns what it holds.
fn peek(rest: &mut Input<'_>, want: usize) -> io::Result<Vec<u8>> {
    let mut head = rest.buffer().to_vec();
    let len = head.len();
    rest.consume(len);
    while head.len() < want {
        let more = rest.fill_buf()?;
        if more.is_empty() {
            break;
        }
        let n = more.len();
        head.extend_from_slice(more);
        rest.consume(n);
    }
    Ok(head)
}

/// The reader under an [`Input`] whose buffer was emptied, with what its cursor still holds
/// put back in front.
fn take_chain<'a>(rest: Input<'a>) -> Box<dyn Read + 'a> {
    let (cursor, inner) = rest.into_inner().into_inner();
    Box::new(cursor.chain(inner))
}

impl Decoded<'_> {
    /// Reads the decoded stream to its end (a tar end marker may precede more), then what
    /// follows it in the member, and says what dpkg leaves unread.
    pub fn finish(mut self) -> io::Result<Rest> {
        io::copy(&mut self, &mut io::sink())?;
        let rest: Option<Input<'_>> = match self.kind {
            Kind::Plain(_) => None,
            Kind::Gzip(_, after) => after,
            Kind::Xz(r) => Some(r.into_inner()),
            Kind::Zstd(r) => Some(r.finish()),
        };
        let Some(mut rest) = rest else {
            return Ok(Rest::default());
        };
        let mut tail = Tail {
            algorithm: self.algorithm,
            header: Vec::new(),
            skip: 0,
            ignored: 0,
        };
        loop {
            crate::interrupt::check_io()?;
            let chunk = rest.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            tail.feed(chunk);
            let n = chunk.len();
            rest.consume(n);
        }
        let ignored = tail.ignored + tail.header.len() as u64;
        Ok(Rest { ignored })
    }
}

/// Judges what follows the decoded part, chunk by chunk, in constant memory.
struct Tail {
    algorithm: Algorithm,
    /// The start of a zstd skippable-frame header not all read yet.
    header: Vec<u8>,
    /// Bytes of the current zstd skippable frame still to pass.
    skip: u64,
    /// Bytes dpkg drops that are not padding; once one is seen, all that follows counts.
    ignored: u64,
}

impl Tail {
    fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.ignored > 0 {
                self.ignored += bytes.len() as u64;
                return;
            }
            match self.algorithm {
                // xz stream padding: zero bytes, which a decoder skips.
                Algorithm::Xz => {
                    if let Some(i) = bytes.iter().position(|&b| b != 0) {
                        self.ignored = (bytes.len() - i) as u64;
                    }
                    return;
                }
                // zstd skippable frames: magic 0x184D2A5?, a 32-bit length, that many bytes.
                Algorithm::Zstd if self.skip > 0 => {
                    let n = bytes
                        .len()
                        .min(usize::try_from(self.skip).unwrap_or(usize::MAX));
                    self.skip -= n as u64;
                    bytes = &bytes[n..];
                }
                Algorithm::Zstd => {
                    let n = bytes.len().min(8 - self.header.len());
                    self.header.extend_from_slice(&bytes[..n]);
                    bytes = &bytes[n..];
                    let h = &self.header;
                    let magic = [0x50, 0x2a, 0x4d, 0x18];
                    let fits = h.iter().zip(magic).enumerate().all(|(i, (&b, m))| {
                        if i == 0 {
                            b & 0xf0 == m
                        } else {
                            b == m
                        }
                    });
                    if !fits {
                        self.ignored = h.len() as u64;
                        self.header.clear();
                    } else if h.len() == 8 {
                        self.skip = u64::from(u32::from_le_bytes([h[4], h[5], h[6], h[7]]));
                        self.header.clear();
                    }
                }
                _ => {
                    self.ignored = bytes.len() as u64;
                    return;
                }
            }
        }
    }
}
