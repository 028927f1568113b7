//! One writer type over xz, gzip, zstd and no compression, with output bytes that never
//! depend on the number of threads.

use std::io::{self, Write};

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

/// A compressing writer that must be finished to flush its trailer.
pub(crate) trait Encoder: Write {
    /// Writes the end of the stream and returns nothing more to write.
    fn finish(self: Box<Self>) -> io::Result<()>;
}

struct Plain<W: Write>(W);

impl<W: Write> Write for Plain<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl<W: Write> Encoder for Plain<W> {
    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.0.flush()
    }
}

impl<W: Write> Encoder for super::pgzip::ParallelGz<W> {
    fn finish(self: Box<Self>) -> io::Result<()> {
        (*self).finish()?.flush()
    }
}

/// An xz stream driven here rather than by `liblzma::write::XzEncoder`, whose `write` and
/// `finish` loop inside until liblzma makes progress: with the threaded encoder that is
/// until a whole block (24 MiB at level 6) is compressed, a minute on a slow machine, with
/// no look at signals. Here every call to liblzma is bounded (at most [`XZ_STEP`] bytes in
/// or out, and a 100 ms timeout for the threaded encoder), and a pending signal is seen
/// between two calls.
struct Xz<W: Write> {
    stream: liblzma::stream::Stream,
    out: W,
    buf: Vec<u8>,
}

/// The most bytes handed to or taken from liblzma in one call.
const XZ_STEP: usize = 64 << 10;

impl<W: Write> Xz<W> {
    fn new(out: W, stream: liblzma::stream::Stream) -> Self {
        Xz {
            stream,
            out,
            buf: Vec::with_capacity(XZ_STEP),
        }
    }

    /// One bounded call to liblzma; its output goes on to `out`. Returns the input bytes it
    /// took and whether the stream has ended.
    fn step(&mut self, input: &[u8], action: liblzma::stream::Action) -> io::Result<(usize, bool)> {
        crate::interrupt::check_io()?;
        let before = self.stream.total_in();
        self.buf.clear();
        let status = self
            .stream
            .process_vec(input, &mut self.buf, action)
            .map_err(other)?;
        self.out.write_all(&self.buf)?;
        let taken = (self.stream.total_in() - before) as usize;
        match status {
            liblzma::stream::Status::StreamEnd => Ok((taken, true)),
            liblzma::stream::Status::MemNeeded => {
                Err(io::Error::other("the xz encoder can make no progress"))
            }
            _ => Ok((taken, false)),
        }
    }
}

impl<W: Write> Write for Xz<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.is_empty() {
            return Ok(0);
        }
        let data = &data[..data.len().min(XZ_STEP)];
        loop {
            // The threaded encoder may time out having taken nothing: ask again.
            let (taken, _) = self.step(data, liblzma::stream::Action::Run)?;
            if taken > 0 {
                return Ok(taken);
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> Encoder for Xz<W> {
    fn finish(mut self: Box<Self>) -> io::Result<()> {
        while !self.step(&[], liblzma::stream::Action::Finish)?.1 {}
        self.out.flush()
    }
}

impl<W: Write> Encoder for zstd::stream::write::Encoder<'static, W> {
    fn finish(self: Box<Self>) -> io::Result<()> {
        (*self).finish()?.flush()
    }
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

impl Compression {
    /// Wraps `out` in an encoder for a member of exactly `size` uncompressed bytes.
    ///
    /// The size only ever shrinks what a small member costs: xz's dictionary (and so its
    /// memory and set-up time) is cut down to the member, and zstd is told the size up front
    /// (it then writes it in the frame header and picks its tables for it). Both are
    /// functions of the input alone, so the bytes still never depend on the machine.
    pub(crate) fn encoder<'w, W: Write + 'w>(
        &self,
        out: W,
        size: u64,
    ) -> io::Result<Box<dyn Encoder + 'w>> {
        Ok(match self.algorithm {
            Algorithm::None => Box::new(Plain(out)),
            Algorithm::Gzip => Box::new(super::pgzip::ParallelGz::new(
                out,
                self.level,
                self.threads,
            )?),
            Algorithm::Xz => {
                // A dictionary larger than the input buys nothing but memory to clear.
                let fit = size.max(4096).next_power_of_two();
                let dict = u64::from(xz_dict_size(self.level)).min(fit);
                // Fixed block size (liblzma's own default: 3 x the dictionary, at least 1 MiB,
                // as dpkg-deb uses), so the blocks, and so the bytes, are the same for any
                // thread count.
                let block = dict.saturating_mul(3).max(1 << 20);
                let blocks = size.div_ceil(block).max(1);
                let threads = blocks.min(u64::from(self.threads.max(1)));
                let mut options =
                    liblzma::stream::LzmaOptions::new_preset(self.level).map_err(other)?;
                options.dict_size(dict as u32);
                let mut filters = liblzma::stream::Filters::new();
                filters.lzma2(&options);
                let check = liblzma::stream::Check::Crc64;
                // A member of one block needs no threads (nor their set-up): the plain
                // encoder, chosen by the size alone, so whatever --threads says.
                let stream = if blocks == 1 {
                    liblzma::stream::Stream::new_stream_encoder(&filters, check)
                } else {
                    xz_threaded(threads as u32, block, &options, check)
                }
                .map_err(other)?;
                Box::new(Xz::new(out, stream))
            }
            Algorithm::Zstd => {
                let mut enc = zstd::stream::write::Encoder::new(out, self.level as i32)?;
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
                enc.multithread(crate::threads::affordable(workers, each))?;
                // The overlap between jobs is zstd's default for the level (each job hashes
                // it again: a larger one costs CPU for a few tenths of a percent). So is the
                // job size up to level 2 (4 windows: 2 MiB at level 1); above, where the
                // default grows to 8 MiB and more, it is held at 4 MiB: half the memory for
                // about a tenth of a percent of ratio. All of it depends on the level alone.
                if self.level > 2 {
                    enc.set_parameter(zstd::stream::raw::CParameter::JobSize(ZSTD_JOB))?;
                }
                enc.include_checksum(true)?;
                enc.set_pledged_src_size(Some(size))?;
                Box::new(enc)
            }
        })
    }
}

/// liblzma's threaded encoder with `threads` threads, or fewer when the memory for that
/// many cannot be had (each holds a block in and out and an encoder: about 90 MiB at
/// level 6): the block size is fixed, so the bytes are the same with any number.
fn xz_threaded(
    mut threads: u32,
    block: u64,
    options: &liblzma::stream::LzmaOptions,
    check: liblzma::stream::Check,
) -> Result<liblzma::stream::Stream, liblzma::stream::Error> {
    loop {
        let mut filters = liblzma::stream::Filters::new();
        filters.lzma2(options);
        let mut builder = liblzma::stream::MtStreamBuilder::new();
        builder
            .threads(threads)
            // Returns to us at least every 100 ms, so signals are seen; the timeout never
            // changes the bytes.
            .timeout_ms(100)
            .block_size(block)
            .filters(filters)
            .check(check);
        // liblzma starts its threads as blocks come: memory it cannot have then is an error
        // half-way. So under `ulimit -v`, no more than the address space holds, with each
        // thread's stack (8 MiB by default) on top of liblzma's own estimate.
        let each = builder.memusage() / u64::from(threads) + (8 << 20);
        let fit = crate::threads::affordable(threads, each);
        if fit < threads {
            threads = fit;
            continue;
        }
        let made = builder.encoder();
        match made {
            Err(liblzma::stream::Error::Mem) if threads > 1 => threads /= 2,
            made => return made,
        }
    }
}

/// Input bytes per zstd job above level 2.
const ZSTD_JOB: u32 = 4 << 20;

/// The LZMA2 dictionary size of an xz preset.
fn xz_dict_size(level: u32) -> u32 {
    const MIB: u32 = 1 << 20;
    match level {
        0 => 256 << 10,
        1 => MIB,
        2..=4 => 4 * MIB,
        5 | 6 => 8 * MIB,
        7 => 16 * MIB,
        8 => 32 * MIB,
        _ => 64 * MIB,
    }
}
