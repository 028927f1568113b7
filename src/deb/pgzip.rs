//! Parallel gzip whose bytes never depend on the thread count (the pigz way).
//!
//! The input is cut into blocks of [`BLOCK`] bytes. Each block is deflated on its own, primed
//! with the last 32 KiB of the block before it as a dictionary (so matches still reach back a
//! whole window and the ratio stays that of one stream), and ended with a sync flush: an empty
//! stored block leaves it byte-aligned and not final, so the blocks concatenate into one valid
//! deflate stream. The last block is finished instead. One gzip member wraps them: a fixed
//! header (no name, mtime 0, OS 3) and a trailer with the CRC-32 combined over the blocks.
//!
//! A block's bytes depend only on its input and the previous block's tail, so compressing
//! blocks in one thread or many gives the same output. That holds because every block gets
//! a freshly made compressor: zlib-rs's `reset()` clears the hash heads but not the window
//! nor the hash chains, and at every level but 9 its hash reads four bytes at a position, so
//! the last positions of the dictionary and of the input hash bytes left in the window by
//! whatever block that compressor did before (which depends on how the blocks were dealt to
//! the threads). A new compressor's window is zeroed; it costs a few tens of microseconds
//! against milliseconds of deflate per block. Workers start with the second full
//! block: a small member (a control member, a small package) is compressed inline, without
//! threads. At most two blocks per worker are in flight, which bounds memory.

use flate2::{Compress, FlushCompress, Status};
use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Input bytes per independently compressed block.
pub(crate) const BLOCK: usize = 256 << 10;
/// The deflate window, and so the dictionary handed from one block to the next.
const WINDOW: usize = 32 << 10;

/// A block to compress and where to send the result.
struct Job {
    input: Vec<u8>,
    dict: Vec<u8>,
    last: bool,
    done: SyncSender<io::Result<Done>>,
}

/// A compressed block, with its input buffer given back for reuse.
struct Done {
    input: Vec<u8>,
    output: Vec<u8>,
    crc: crc32fast::Hasher,
}

/// Deflates one block with a new compressor at `level`: primed with `dict`, ended by a sync
/// flush, or finished when `last`.
fn deflate_block(
    level: u32,
    input: &[u8],
    dict: &[u8],
    last: bool,
    output: &mut Vec<u8>,
) -> io::Result<()> {
    // Never a reused one: see the module documentation. zlib-rs asserts that it got the
    // memory for one (about 300 KiB): out of memory is an error here, not a panic.
    let mut c = crate::threads::without_panic_message(|| compressor(level))
        .ok_or_else(|| io::Error::from(io::ErrorKind::OutOfMemory))?;
    if !dict.is_empty() {
        c.set_dictionary(dict).map_err(io::Error::other)?;
    }
    output.clear();
    // Stored blocks cost 5 bytes per 64 KiB at worst; the sync marker 5 more. Memory that
    // cannot be had is an error to report, not an abort that leaves the build's files.
    output
        .try_reserve(input.len() + input.len() / 8192 * 5 + 64)
        .map_err(out_of_memory)?;
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    loop {
        let consumed = c.total_in() as usize;
        let status = c
            .compress_vec(&input[consumed..], output, flush)
            .map_err(io::Error::other)?;
        let all_in = c.total_in() as usize == input.len();
        let room_left = output.len() < output.capacity();
        match status {
            Status::StreamEnd => return Ok(()),
            Status::Ok | Status::BufError if all_in && room_left && !last => return Ok(()),
            _ => output
                .try_reserve(output.capacity().max(4096))
                .map_err(out_of_memory)?,
        }
    }
}

/// A buffer that could not be allocated, as an I/O error that names the cause.
pub(crate) fn out_of_memory(_: std::collections::TryReserveError) -> io::Error {
    io::Error::from(io::ErrorKind::OutOfMemory)
}

fn compressor(level: u32) -> Compress {
    Compress::new_with_window_bits(flate2::Compression::new(level), false, 15)
}

/// The worker threads and the queue of blocks in flight, oldest first.
struct Pool {
    jobs: Option<SyncSender<Job>>,
    workers: Vec<JoinHandle<()>>,
    pending: VecDeque<Receiver<io::Result<Done>>>,
}

impl Pool {
    /// Starts up to `threads` workers: as many as the system gives (none at all when it
    /// refuses the first, and the blocks are then compressed inline).
    fn start(threads: usize, level: u32) -> Option<Pool> {
        let (tx, rx) = mpsc::sync_channel::<Job>(threads);
        let rx = Arc::new(Mutex::new(rx));
        let mut workers = Vec::with_capacity(threads);
        for _ in 0..threads {
            let rx = Arc::clone(&rx);
            match crate::threads::spawn(move || work(&rx, level)) {
                Ok(worker) => workers.push(worker),
                Err(_) => break,
            }
        }
        if workers.is_empty() {
            return None;
        }
        Some(Pool {
            jobs: Some(tx),
            workers,
            pending: VecDeque::new(),
        })
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closing the queue ends the workers once they are done with their block.
        self.jobs = None;
        self.pending.clear();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

/// A worker: compresses blocks until the queue closes.
fn work(jobs: &Mutex<Receiver<Job>>, level: u32) {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let result = compress(level, job.input, &job.dict, job.last, Vec::new());
        // The encoder may be gone after an error of its own; nobody is left to tell.
        let _ = job.done.send(result);
    }
}

/// Compresses one block into `output` and computes its CRC.
fn compress(
    level: u32,
    input: Vec<u8>,
    dict: &[u8],
    last: bool,
    mut output: Vec<u8>,
) -> io::Result<Done> {
    deflate_block(level, &input, dict, last, &mut output)?;
    let mut crc = crc32fast::Hasher::new();
    crc.update(&input);
    Ok(Done { input, output, crc })
}

/// A gzip writer compressing blocks on `threads` threads; [`ParallelGz::finish`] ends it.
pub(crate) struct ParallelGz<W: Write> {
    out: W,
    level: u32,
    threads: usize,
    block: Vec<u8>,
    dict: Vec<u8>,
    crc: crc32fast::Hasher,
    pool: Option<Pool>,
    spare_inputs: Vec<Vec<u8>>,
    spare_output: Vec<u8>,
    /// Follows the input of the blocks written out.
    meter: super::encoder::Meter,
}

impl<W: Write> ParallelGz<W> {
    /// A writer at deflate `level` (1-9) using up to `threads` threads; writes the header.
    pub(crate) fn new(
        mut out: W,
        level: u32,
        threads: u32,
        meter: super::encoder::Meter,
    ) -> io::Result<Self> {
        // XFL as gzip sets it: 2 for the slowest level, 4 for the fastest.
        let xfl = match level {
            9 => 2,
            1 => 4,
            _ => 0,
        };
        out.write_all(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3])?;
        Ok(ParallelGz {
            out,
            // The level asked, always (zlib-rs's level 1 is its own faster, weaker
            // matcher, zlib-ng's deflate_quick; that is what level 1 means here).
            level,
            threads: threads.max(1) as usize,
            block: Vec::with_capacity(BLOCK),
            dict: Vec::new(),
            crc: crc32fast::Hasher::new(),
            pool: None,
            spare_inputs: Vec::new(),
            spare_output: Vec::new(),
            meter,
        })
    }

    /// Writes out a compressed block and keeps its buffers for the next ones.
    fn take(&mut self, done: Done) -> io::Result<()> {
        self.out.write_all(&done.output)?;
        self.crc.combine(&done.crc);
        self.meter.reach(self.crc.total_len());
        self.spare_inputs.push(done.input);
        self.spare_output = done.output;
        Ok(())
    }

    /// Waits for the oldest block in flight and writes it; false when none is left.
    fn collect_one(&mut self) -> io::Result<bool> {
        let Some(rx) = self.pool.as_mut().and_then(|p| p.pending.pop_front()) else {
            return Ok(false);
        };
        let done = rx
            .recv()
            .map_err(|_| io::Error::other("a gzip worker thread stopped"))??;
        self.take(done)?;
        Ok(true)
    }

    /// Compresses the current block, on the pool or inline.
    fn end_block(&mut self, last: bool) -> io::Result<()> {
        let next = match self.spare_inputs.pop() {
            Some(spare) => spare,
            None => {
                let mut fresh = Vec::new();
                fresh.try_reserve_exact(BLOCK).map_err(out_of_memory)?;
                fresh
            }
        };
        let input = std::mem::replace(&mut self.block, next);
        self.block.clear();
        let dict = std::mem::take(&mut self.dict);
        if !last {
            let tail = input.len().saturating_sub(WINDOW);
            self.dict.extend_from_slice(&input[tail..]);
        }
        // A lone last block is compressed inline: small members never start threads.
        if self.threads > 1 && self.pool.is_none() && !last {
            self.pool = Pool::start(self.threads, self.level);
            // No thread to be had: the blocks are compressed here, the bytes are the same.
            self.threads = self.pool.as_ref().map_or(1, |p| p.workers.len());
        }
        if let Some(pool) = self.pool.as_mut() {
            if pool.pending.len() >= 2 * pool.workers.len() {
                self.collect_one()?;
            }
        }
        if let Some(pool) = self.pool.as_mut() {
            let (done, rx) = mpsc::sync_channel(1);
            pool.pending.push_back(rx);
            let job = Job {
                input,
                dict,
                last,
                done,
            };
            let sent = pool.jobs.as_ref().map(|jobs| jobs.send(job));
            return match sent {
                Some(Ok(())) => Ok(()),
                _ => Err(io::Error::other("the gzip worker threads stopped")),
            };
        }
        let output = std::mem::take(&mut self.spare_output);
        let done = compress(self.level, input, &dict, last, output)?;
        self.take(done)
    }

    /// Compresses what is left, writes the trailer and returns the inner writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        self.end_block(true)?;
        while self.collect_one()? {}
        self.pool = None;
        let len = self.crc.total_len();
        let crc = std::mem::take(&mut self.crc).finalize();
        self.out.write_all(&crc.to_le_bytes())?;
        // ISIZE is the input length modulo 2^32.
        self.out.write_all(&(len as u32).to_le_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for ParallelGz<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(BLOCK - self.block.len());
        self.block.extend_from_slice(&buf[..n]);
        if self.block.len() == BLOCK {
            self.end_block(false)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        // Block boundaries must not depend on when callers flush: nothing to do until finish.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn sample(len: usize) -> Vec<u8> {
        let mut x = 12345u64;
        (0..len)
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                if (i / 5000) % 3 == 0 {
                    (x >> 56) as u8
                } else {
                    b"the quick brown fox "[i % 20]
                }
            })
            .collect()
    }

    fn gz(data: &[u8], level: u32, threads: u32, piece: usize) -> Vec<u8> {
        let mut w = ParallelGz::new(Vec::new(), level, threads, Default::default()).unwrap();
        for chunk in data.chunks(piece) {
            w.write_all(chunk).unwrap();
        }
        w.finish().unwrap()
    }

    #[test]
    fn same_bytes_for_any_thread_count_and_write_size() {
        let data = sample(3 * BLOCK + 1234);
        let one = gz(&data, 9, 1, 1 << 20);
        assert_eq!(one, gz(&data, 9, 2, 777));
        assert_eq!(one, gz(&data, 9, 5, 64 << 10));
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&one[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, data);
    }

    #[test]
    fn same_bytes_at_every_level_whatever_the_order_of_blocks() {
        // Regression: a compressor reused across blocks leaked its window into the next
        // block's hashes at levels 1-8, so the bytes depended on which thread got which block.
        let data = sample(6 * BLOCK + 999);
        for level in 1..=9 {
            let one = gz(&data, level, 1, 1 << 20);
            for threads in 2..=4 {
                assert_eq!(one, gz(&data, level, threads, 100_000), "level {level}");
            }
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(&one[..])
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, data, "level {level}");
        }
    }

    #[test]
    fn refused_threads_give_the_same_bytes_with_those_left() {
        // Regression: a thread the system refused (ulimit -v, --threads 64) panicked.
        let data = sample(5 * BLOCK + 77);
        let one = gz(&data, 6, 1, 1 << 20);
        for allowed in [0, 1, 2] {
            crate::threads::refuse_after(allowed);
            assert_eq!(one, gz(&data, 6, 8, 100_000), "{allowed} threads allowed");
        }
    }

    #[test]
    fn level_one_is_level_one() {
        let data = sample(BLOCK);
        assert_ne!(gz(&data, 1, 1, 4096), gz(&data, 2, 1, 4096));
        assert_eq!(gz(&data, 1, 1, 4096)[8], 4, "XFL of the fastest level");
    }

    #[test]
    fn empty_and_exact_block_inputs_round_trip() {
        for len in [0, 1, BLOCK, 2 * BLOCK] {
            let data = sample(len);
            let out = gz(&data, 6, 2, 4096);
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(&out[..])
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, data, "length {len}");
            assert_eq!(out, gz(&data, 6, 1, 4096));
        }
    }
}
