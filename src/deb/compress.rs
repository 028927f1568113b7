//! One writer type over xz, gzip, zstd and no compression, with output bytes that never
//! depend on the number of threads.

use super::encoder::{take_some, Encoder, Meter};
use std::io::{self, Write};
use zstd::zstd_safe::zstd_sys::ZSTD_EndDirective as EndDirective;

/// A compression algorithm of a `.deb` member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// xz, through liblzma's multi-threaded encoder.
    Xz,
    /// gzip.
    Gzip,
    /// zstd, always in worker mode.
    Zstd,
    /// Stored as is.
    None,
}

/// An algorithm with its level and thread count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Compression {
    /// The algorithm.
    pub(crate) algorithm: Algorithm,
    /// Its level, within [`Algorithm::levels`].
    pub(crate) level: u32,
    /// Threads to use (1 or more).
    pub(crate) threads: u32,
}

impl Algorithm {
    /// The member name suffix: `.xz`, `.gz`, `.zst` or nothing.
    pub(crate) fn extension(self) -> &'static str {
        match self {
            Algorithm::Xz => ".xz",
            Algorithm::Gzip => ".gz",
            Algorithm::Zstd => ".zst",
            Algorithm::None => "",
        }
    }

    /// The default level, as dpkg-deb's.
    pub(crate) fn default_level(self) -> u32 {
        match self {
            Algorithm::Xz => 6,
            Algorithm::Gzip => 9,
            Algorithm::Zstd => 3,
            Algorithm::None => 0,
        }
    }

    /// The accepted levels.
    pub(crate) fn levels(self) -> std::ops::RangeInclusive<u32> {
        match self {
            Algorithm::Xz => 0..=9,
            Algorithm::Gzip => 1..=9,
            Algorithm::Zstd => 1..=19,
            Algorithm::None => 0..=9,
        }
    }

    /// The name users type.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Algorithm::Xz => "xz",
            Algorithm::Gzip => "gzip",
            Algorithm::Zstd => "zstd",
            Algorithm::None => "none",
        }
    }
}

struct Plain<W: Write> {
    out: W,
    meter: Meter,
    written: u64,
}

impl<W: Write> Write for Plain<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.written += n as u64;
        self.meter.reach(self.written);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> Encoder for Plain<W> {
    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> Encoder for super::pgzip::ParallelGz<W> {
    fn finish(self: Box<Self>) -> io::Result<()> {
        (*self).finish()?.flush()
    }
}

/// A zstd stream driven here, call by call, rather than by `zstd::stream::write::Encoder`:
/// between two calls a pending signal is seen (also while the stream is finished, which
/// waits for every worker) and the meter learns how much input the workers have compressed
/// (`ZSTD_getFrameProgression`), which the crate's writer does not tell.
struct Zstd<W: Write> {
    cctx: zstd::zstd_safe::CCtx<'static>,
    out: W,
    buf: Vec<u8>,
    meter: Meter,
}

impl<W: Write> Zstd<W> {
    /// One call to zstd with at most [`STEP`] bytes of input; its output goes on to `out`.
    /// Returns the input bytes it took and what zstd says is left to flush.
    fn step(&mut self, input: &[u8], op: EndDirective) -> io::Result<(usize, usize)> {
        crate::interrupt::check_io()?;
        let input = &input[..input.len().min(STEP)];
        self.buf.clear();
        let mut inbuf = zstd::zstd_safe::InBuffer::around(input);
        let mut outbuf = zstd::zstd_safe::OutBuffer::around(&mut self.buf);
        let left = self
            .cctx
            .compress_stream2(&mut outbuf, &mut inbuf, op)
            .map_err(|code| other(zstd::zstd_safe::get_error_name(code)))?;
        let taken = inbuf.pos();
        self.out.write_all(&self.buf)?;
        self.meter.reach(self.cctx.get_frame_progression().consumed);
        Ok((taken, left))
    }
}

impl<W: Write> Write for Zstd<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        take_some(data, |d| Ok(self.step(d, EndDirective::ZSTD_e_continue)?.0))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> Encoder for Zstd<W> {
    fn finish(mut self: Box<Self>) -> io::Result<()> {
        while self.step(&[], EndDirective::ZSTD_e_end)?.1 > 0 {}
        self.out.flush()
    }
}

/// The most input bytes handed to a compressor in one call (so a signal is seen between
/// two of them).
const STEP: usize = 64 << 10;

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

impl Compression {
    /// Wraps `out` in an encoder for a member of exactly `size` uncompressed bytes; `meter`
    /// follows the input it compresses.
    ///
    /// The size only ever shrinks what a small member costs: xz's dictionary (and so its
    /// memory and set-up time) is cut down to the member, and zstd is told the size up front
    /// (it then writes it in the frame header and picks its tables for it). Both are
    /// functions of the input alone, so the bytes still never depend on the machine.
    pub(crate) fn encoder<'w, W: Write + 'w>(
        &self,
        out: W,
        size: u64,
        meter: Meter,
    ) -> io::Result<Box<dyn Encoder + 'w>> {
        Ok(match self.algorithm {
            Algorithm::None => Box::new(Plain {
                out,
                meter,
                written: 0,
            }),
            Algorithm::Gzip => Box::new(super::pgzip::ParallelGz::new(
                out,
                self.level,
                self.threads,
                meter,
            )?),
            Algorithm::Xz => {
                // A dictionary larger than the input buys nothing but memory to clear.
                let fit = size.max(4096).next_power_of_two();
                let dict = u64::from(super::xz::dict_size(self.level)).min(fit);
                // Fixed block size (liblzma's own default: 3 x the dictionary, at least 1 MiB,
                // as dpkg-deb uses), so the blocks, and so the bytes, are the same for any
                // thread count.
                let block = dict.saturating_mul(3).max(1 << 20);
                let blocks = size.div_ceil(block).max(1);
                let threads = blocks.min(u64::from(self.threads.max(1))) as u32;
                // A member of one block needs no threads (nor their set-up): the plain
                // encoder, chosen by the size alone, so whatever --threads says.
                if blocks == 1 {
                    Box::new(super::xz::Xz::single(out, self.level, dict as u32, meter)?)
                } else {
                    Box::new(super::xz::Xz::threaded(
                        out,
                        threads,
                        block,
                        self.level,
                        dict as u32,
                        meter,
                    )?)
                }
            }
            Algorithm::Zstd => {
                use zstd::zstd_safe::CParameter;
                let mut cctx = zstd::zstd_safe::CCtx::try_create().ok_or_else(|| {
                    io::Error::new(io::ErrorKind::OutOfMemory, "no memory for zstd")
                })?;
                let mut set = |p: CParameter| {
                    cctx.set_parameter(p)
                        .map(drop)
                        .map_err(|code| other(zstd::zstd_safe::get_error_name(code)))
                };
                set(CParameter::CompressionLevel(self.level as i32))?;
                // Worker mode always (even with one thread): its output does not depend on
                // the number of workers, while single-thread mode differs from it. No more
                // workers than jobs (of 1 MiB at least, whatever the level): each one more
                // costs a thread and its buffers, and --threads 64 on a small member would
                // ask the system for all of that for nothing.
                let jobs = size.div_ceil(1 << 20).max(1);
                let workers = jobs.min(u64::from(self.threads.max(1))) as u32;
                // Under `ulimit -v`, no more than the address space holds: each worker takes
                // a thread stack (8 MiB by default) and a job in and out (4 MiB each).
                let each = u64::from(ZSTD_JOB) * 3 + (8 << 20);
                set(CParameter::NbWorkers(crate::threads::affordable(
                    workers, each,
                )))?;
                // The overlap between jobs is zstd's default for the level (each job hashes
                // it again: a larger one costs CPU for a few tenths of a percent). So is the
                // job size up to level 2 (4 windows: 2 MiB at level 1); above, where the
                // default grows to 8 MiB and more, it is held at 4 MiB: half the memory for
                // about a tenth of a percent of ratio. All of it depends on the level alone.
                if self.level > 2 {
                    set(CParameter::JobSize(ZSTD_JOB))?;
                }
                set(CParameter::ChecksumFlag(true))?;
                cctx.set_pledged_src_size(Some(size))
                    .map_err(|code| other(zstd::zstd_safe::get_error_name(code)))?;
                Box::new(Zstd {
                    cctx,
                    out,
                    buf: Vec::with_capacity(zstd::zstd_safe::CCtx::out_size()),
                    meter,
                })
            }
        })
    }
}

/// Input bytes per zstd job above level 2.
const ZSTD_JOB: u32 = 4 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every encoder's meter ends at the whole input, and never goes back on the way.
    #[test]
    fn every_meter_ends_at_the_input_length() {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let data: Vec<u8> = (0..(3 << 20) / 8)
            .flat_map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state % 64).to_le_bytes()
            })
            .collect();
        for algorithm in [
            Algorithm::Xz,
            Algorithm::Gzip,
            Algorithm::Zstd,
            Algorithm::None,
        ] {
            for threads in [1, 2] {
                let compression = Compression {
                    algorithm,
                    level: algorithm.levels().start().max(&1).to_owned(),
                    threads,
                };
                let meter = Meter::default();
                let mut out = Vec::new();
                let mut enc = compression
                    .encoder(&mut out, data.len() as u64, meter.clone())
                    .unwrap();
                let mut seen = vec![0];
                for chunk in data.chunks(100_000) {
                    enc.write_all(chunk).unwrap();
                    seen.push(meter.get());
                }
                enc.finish().unwrap();
                seen.push(meter.get());
                let name = algorithm.name();
                assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{name}: {seen:?}");
                assert_eq!(meter.get(), data.len() as u64, "{name}, {threads} threads");
            }
        }
    }
}
