//! What every encoder of a package member shares: the [`Encoder`] contract, the [`Meter`]
//! the progress bar reads, and [`take_some`], the loop that hands input to a compressor whose
//! threads may be busy. Below the encoders themselves (`compress`, `xz`, `pgzip`), which all
//! use it.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A compressing writer that must be finished to flush its trailer.
pub(crate) trait Encoder: Write {
    /// Writes the end of the stream and returns nothing more to write.
    fn finish(self: Box<Self>) -> io::Result<()>;
}

/// How many input bytes an encoder has compressed so far, readable from another thread
/// (the progress bar's). Threaded encoders take input well before they compress it: this
/// counts the work done, not the bytes handed over.
#[derive(Debug, Clone, Default)]
pub struct Meter(Arc<AtomicU64>);

impl Meter {
    /// The input bytes compressed so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Moves the count up to `done` (never down).
    pub(crate) fn reach(&self, done: u64) {
        self.0.fetch_max(done, Ordering::Relaxed);
    }
}

/// Hands `data` to a compressor through `step`, which may take nothing when its threads are
/// busy (it returned to let a signal be seen): asks again until some is taken.
pub(crate) fn take_some(
    data: &[u8],
    mut step: impl FnMut(&[u8]) -> io::Result<usize>,
) -> io::Result<usize> {
    if data.is_empty() {
        return Ok(0);
    }
    loop {
        let taken = step(data)?;
        if taken > 0 {
            return Ok(taken);
        }
    }
}
