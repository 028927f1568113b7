//! The xz encoder, driven through liblzma's C API (liblzma-sys) rather than the `liblzma`
//! crate's `Stream`, for one call the crate does not offer: `lzma_get_progress`. The
//! threaded encoder takes a block's input long before its threads have compressed it (up to
//! a block per thread: 24 MiB each at level 6), so the bytes handed to it run far ahead of
//! the work done; `lzma_get_progress` tells how much input the threads have compressed, and
//! that is what [`Meter`] reports to the progress bar.
//!
//! Every call to liblzma is bounded (at most [`STEP`] bytes in or out, and a 100 ms timeout
//! for the threaded encoder), so a pending signal is seen between two calls, also while the
//! stream is finished.

use super::encoder::{take_some, Encoder, Meter};
use liblzma_sys as sys;
use std::io::{self, Write};

/// The most bytes handed to or taken from liblzma in one call.
const STEP: usize = 64 << 10;

/// How long the threaded encoder may wait in one call before it returns to us.
const TIMEOUT_MS: u32 = 100;

/// An xz stream (CRC64 check, one LZMA2 filter) writing to `out`.
pub(crate) struct Xz<W: Write> {
    /// Boxed so its address never changes while liblzma holds it.
    stream: Box<sys::lzma_stream>,
    out: W,
    buf: Vec<u8>,
    meter: Meter,
}

/// LZMA2 options of xz's preset `level` with the dictionary cut to `dict` bytes.
fn lzma2_options(level: u32, dict: u32) -> io::Result<sys::lzma_options_lzma> {
    // SAFETY: lzma_options_lzma is a plain C struct for which all zeroes is a valid value;
    // lzma_lzma_preset fills it in.
    let mut options: sys::lzma_options_lzma = unsafe { std::mem::zeroed() };
    // SAFETY: `options` is a valid, writable lzma_options_lzma.
    if unsafe { sys::lzma_lzma_preset(&mut options, level) } != 0 {
        return Err(io::Error::other(format!("xz has no preset {level}")));
    }
    options.dict_size = dict;
    Ok(options)
}

/// What a liblzma return code other than OK or STREAM_END means, as an error.
fn failure(code: sys::lzma_ret) -> io::Error {
    match code {
        sys::LZMA_MEM_ERROR => io::Error::new(
            io::ErrorKind::OutOfMemory,
            "the xz encoder cannot have the memory it needs",
        ),
        sys::LZMA_BUF_ERROR => io::Error::other("the xz encoder can make no progress"),
        sys::LZMA_OPTIONS_ERROR => io::Error::other("the xz encoder refused its options"),
        code => io::Error::other(format!("the xz encoder failed (liblzma error {code})")),
    }
}

impl<W: Write> Xz<W> {
    fn with_stream(out: W, stream: Box<sys::lzma_stream>, meter: Meter) -> Self {
        Xz {
            stream,
            out,
            buf: Vec::with_capacity(STEP),
            meter,
        }
    }

    /// A stream with no threads: for input that fits in one block.
    pub(crate) fn single(out: W, level: u32, dict: u32, meter: Meter) -> io::Result<Self> {
        let mut options = lzma2_options(level, dict)?;
        let filters = filters(&mut options);
        let mut stream = new_stream();
        // SAFETY: `stream` is a zeroed lzma_stream (LZMA_STREAM_INIT) and `filters` a list
        // ended by LZMA_VLI_UNKNOWN whose options outlive the call (liblzma copies them).
        let code = unsafe {
            sys::lzma_stream_encoder(&mut *stream, filters.as_ptr(), sys::LZMA_CHECK_CRC64)
        };
        if code != sys::LZMA_OK {
            return Err(failure(code));
        }
        Ok(Xz::with_stream(out, stream, meter))
    }

    /// liblzma's threaded encoder with blocks of `block` bytes on `threads` threads, or fewer
    /// when the memory for that many cannot be had (each holds a block in and out and an
    /// encoder: about 90 MiB at level 6). The block size is fixed, so the bytes are the same
    /// with any number of threads.
    pub(crate) fn threaded(
        out: W,
        mut threads: u32,
        block: u64,
        level: u32,
        dict: u32,
        meter: Meter,
    ) -> io::Result<Self> {
        let mut options = lzma2_options(level, dict)?;
        let filters = filters(&mut options);
        let mut stream = new_stream();
        loop {
            // SAFETY: lzma_mt is a plain C struct; all zeroes is its documented start (the
            // reserved fields must be zero).
            let mut mt: sys::lzma_mt = unsafe { std::mem::zeroed() };
            mt.threads = threads;
            mt.block_size = block;
            mt.timeout = TIMEOUT_MS;
            mt.filters = filters.as_ptr();
            mt.check = sys::LZMA_CHECK_CRC64;
            // liblzma starts its threads as blocks come: memory it cannot have then is an
            // error half-way. So under `ulimit -v`, no more than the address space holds,
            // with each thread's stack (8 MiB by default) on top of liblzma's own estimate.
            // SAFETY: `mt` is fully set and its filters outlive the call.
            let usage = unsafe { sys::lzma_stream_encoder_mt_memusage(&mt) };
            let each = usage / u64::from(threads) + (8 << 20);
            let fit = crate::threads::affordable(threads, each);
            if fit < threads {
                threads = fit;
                continue;
            }
            // SAFETY: as above; on failure liblzma ends the stream itself, so it can be
            // set up again.
            let code = unsafe { sys::lzma_stream_encoder_mt(&mut *stream, &mt) };
            match code {
                sys::LZMA_OK => return Ok(Xz::with_stream(out, stream, meter)),
                sys::LZMA_MEM_ERROR if threads > 1 => threads /= 2,
                code => return Err(failure(code)),
            }
        }
    }

    /// One bounded call to liblzma; its output goes on to `out`, and the meter learns how
    /// much input is compressed by now. Returns the input bytes it took and whether the
    /// stream has ended.
    fn step(&mut self, input: &[u8], action: sys::lzma_action) -> io::Result<(usize, bool)> {
        crate::interrupt::check_io()?;
        let input = &input[..input.len().min(STEP)];
        self.buf.clear();
        let room = self.buf.capacity();
        let stream = &mut *self.stream;
        stream.next_in = input.as_ptr();
        stream.avail_in = input.len();
        stream.next_out = self.buf.as_mut_ptr();
        stream.avail_out = room;
        // SAFETY: next_in/avail_in describe `input` and next_out/avail_out the spare
        // capacity of `buf`, both alive for the call; the stream was set up by an encoder.
        let code = unsafe { sys::lzma_code(stream, action) };
        let taken = input.len() - stream.avail_in;
        let produced = room - stream.avail_out;
        // No pointer into our buffers is left behind.
        stream.next_in = std::ptr::null();
        stream.avail_in = 0;
        stream.next_out = std::ptr::null_mut();
        stream.avail_out = 0;
        // SAFETY: liblzma wrote `produced` bytes at the start of the spare capacity.
        unsafe { self.buf.set_len(produced) };
        let (mut done, mut written) = (0u64, 0u64);
        // SAFETY: the stream is set up; the two out-pointers are valid u64s.
        unsafe { sys::lzma_get_progress(stream, &mut done, &mut written) };
        self.out.write_all(&self.buf)?;
        self.meter.reach(done);
        match code {
            sys::LZMA_OK => Ok((taken, false)),
            sys::LZMA_STREAM_END => Ok((taken, true)),
            code => Err(failure(code)),
        }
    }
}

/// A zeroed stream, which is liblzma's LZMA_STREAM_INIT.
fn new_stream() -> Box<sys::lzma_stream> {
    // SAFETY: all zeroes (null pointers, zero counts) is LZMA_STREAM_INIT.
    Box::new(unsafe { std::mem::zeroed() })
}

/// The filter chain: LZMA2 with `options`, then the terminator.
fn filters(options: &mut sys::lzma_options_lzma) -> [sys::lzma_filter; 2] {
    [
        sys::lzma_filter {
            id: sys::LZMA_FILTER_LZMA2,
            options: (options as *mut sys::lzma_options_lzma).cast(),
        },
        sys::lzma_filter {
            id: sys::LZMA_VLI_UNKNOWN,
            options: std::ptr::null_mut(),
        },
    ]
}

impl<W: Write> Drop for Xz<W> {
    fn drop(&mut self) {
        // SAFETY: the stream is zeroed or set up by an encoder; lzma_end frees what it
        // holds (and stops the threads of the threaded encoder) and accepts either.
        unsafe { sys::lzma_end(&mut *self.stream) };
    }
}

impl<W: Write> Write for Xz<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        // The threaded encoder may time out having taken nothing: take_some asks again.
        take_some(data, |d| Ok(self.step(d, sys::LZMA_RUN)?.0))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> Encoder for Xz<W> {
    fn finish(mut self: Box<Self>) -> io::Result<()> {
        while !self.step(&[], sys::LZMA_FINISH)?.1 {}
        self.out.flush()
    }
}

/// The LZMA2 dictionary size of an xz preset.
pub(crate) fn dict_size(level: u32) -> u32 {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes that do not compress: xorshift.
    fn noise(len: usize) -> Vec<u8> {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut data = Vec::with_capacity(len + 8);
        while data.len() < len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            data.extend_from_slice(&state.to_le_bytes());
        }
        data.truncate(len);
        data
    }

    /// The same stream as the `liblzma` crate's threaded encoder makes with the same
    /// options (the encoder pluginctl used before): the bytes of every package stay the same.
    #[test]
    fn bytes_are_those_of_the_liblzma_crate_for_any_thread_count() {
        let data = noise(3 << 20);
        let (level, dict, block) = (0, 256 << 10, 1 << 20);
        let mut options = liblzma::stream::LzmaOptions::new_preset(level).unwrap();
        options.dict_size(dict);
        let mut filters = liblzma::stream::Filters::new();
        filters.lzma2(&options);
        let stream = liblzma::stream::MtStreamBuilder::new()
            .threads(2)
            .block_size(block)
            .filters(filters)
            .check(liblzma::stream::Check::Crc64)
            .encoder()
            .unwrap();
        let mut theirs = liblzma::write::XzEncoder::new_stream(Vec::new(), stream);
        theirs.write_all(&data).unwrap();
        let theirs = theirs.finish().unwrap();
        for threads in [1, 2, 3] {
            let mut ours = Vec::new();
            let mut xz = Box::new(
                Xz::threaded(&mut ours, threads, block, level, dict, Meter::default()).unwrap(),
            );
            xz.write_all(&data).unwrap();
            xz.finish().unwrap();
            assert!(ours == theirs, "{threads} threads");
        }
        let stream = liblzma::stream::Stream::new_stream_encoder(
            &{
                let mut f = liblzma::stream::Filters::new();
                f.lzma2(&options);
                f
            },
            liblzma::stream::Check::Crc64,
        )
        .unwrap();
        let mut theirs = liblzma::write::XzEncoder::new_stream(Vec::new(), stream);
        theirs.write_all(&data[..100_000]).unwrap();
        let theirs = theirs.finish().unwrap();
        let mut ours = Vec::new();
        let mut xz = Box::new(Xz::single(&mut ours, level, dict, Meter::default()).unwrap());
        xz.write_all(&data[..100_000]).unwrap();
        xz.finish().unwrap();
        assert!(ours == theirs);
    }

    /// The meter follows what the threads compressed, not what they were handed: right after
    /// two blocks are handed to two threads at level 9 (seconds of work on noise), it is
    /// far behind; it reaches the whole input by the end, and never goes back.
    #[test]
    fn the_meter_follows_the_bytes_compressed_not_the_bytes_handed() {
        let block = 2 << 20;
        let data = noise(2 * block);
        let meter = Meter::default();
        let mut out = Vec::new();
        let mut xz =
            Box::new(Xz::threaded(&mut out, 2, block as u64, 9, 4 << 20, meter.clone()).unwrap());
        xz.write_all(&data).unwrap();
        let handed = data.len() as u64;
        let right_after = meter.get();
        // A block of noise takes liblzma over a second at level 9: both would have to be
        // done in the instant since the last of them was handed.
        assert!(
            right_after < handed,
            "the meter says {right_after} of {handed} bytes compressed right after handing them"
        );
        let mut seen = vec![right_after];
        while !xz.step(&[], sys::LZMA_FINISH).unwrap().1 {
            seen.push(meter.get());
        }
        seen.push(meter.get());
        assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
        assert_eq!(meter.get(), handed);
        // Progress was reported while the stream was finished, not only at its end.
        assert!(
            seen.iter().any(|&n| n > right_after && n < handed),
            "{seen:?}"
        );
    }
}
