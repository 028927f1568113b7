//! The files of the data member, read ahead of the tar stream on a few threads, each file's
//! md5sum computed from the very buffers that go into the archive.
//!
//! Reading many small files is a string of system calls, and md5 costs a core-second per
//! gigabyte or so: both run on reader threads, in parallel with the tar stream and the
//! compressor. File `i` is read by reader `i % readers`, which sends its pieces, in order,
//! through its own bounded channel; the tar side takes them file by file in archive order.
//! So at most `readers * QUEUE` pieces of at most [`PIECE`] bytes are in memory, whatever the
//! tree, and the md5sum always matches the archived bytes (the file is read once).

use crate::staging::Source;
use crate::{Error, Result};
use md5::{Digest, Md5};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::Scope;

/// Largest piece of a file sent at once.
pub const PIECE: usize = 128 << 10;
/// Pieces a reader may have sent ahead of the tar stream.
const QUEUE: usize = 8;

/// What a reader sends for a file: its bytes, the last ones with its md5sum.
pub enum Piece {
    /// The next bytes of the file; more follow.
    Data(Vec<u8>),
    /// The last bytes of the file (maybe none) and its md5sum.
    End(Vec<u8>, [u8; 16]),
}

/// A regular file to read: where from and its size when the tree was walked.
pub struct Job<'a> {
    /// Its bytes.
    pub source: &'a Source,
    /// Exactly this many bytes are archived.
    pub size: u64,
}

/// The receiving end: pieces of every file, in the order the jobs were given.
pub struct Feed {
    readers: Vec<Receiver<Result<Piece>>>,
    file: usize,
}

impl Feed {
    /// Starts `readers` threads in `scope` reading `jobs` in order.
    pub fn start<'scope, 'env>(
        scope: &'scope Scope<'scope, 'env>,
        jobs: Vec<Job<'env>>,
        readers: usize,
    ) -> Feed {
        let readers = readers.clamp(1, jobs.len().max(1));
        let mut shares: Vec<Vec<Job<'env>>> = (0..readers).map(|_| Vec::new()).collect();
        for (i, job) in jobs.into_iter().enumerate() {
            shares[i % readers].push(job);
        }
        let receivers = shares
            .into_iter()
            .map(|share| {
                let (tx, rx) = sync_channel(QUEUE);
                scope.spawn(move || read_all(&share, &tx));
                rx
            })
            .collect();
        Feed {
            readers: receivers,
            file: 0,
        }
    }

    /// The next piece of the current file; after its [`Piece::End`], pieces of the next one.
    pub fn piece(&mut self) -> Result<Piece> {
        let n = self.readers.len();
        let piece = self.readers[self.file % n]
            .recv()
            .map_err(|_| Error::Io("a file reader thread stopped".into()))??;
        if let Piece::End(..) = piece {
            self.file += 1;
        }
        Ok(piece)
    }
}

/// A reader: reads its share in order and sends it; stops at the first error or when the
/// receiving end is gone.
fn read_all(share: &[Job<'_>], tx: &SyncSender<Result<Piece>>) {
    for job in share {
        let sent = match job.source {
            Source::Bytes(bytes) => {
                let digest: [u8; 16] = Md5::digest(bytes).into();
                tx.send(Ok(Piece::End(bytes.to_vec(), digest))).is_ok()
            }
            Source::Disk(path) => match read_file(path, job.size, tx) {
                Ok(sent) => sent,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    false
                }
            },
        };
        if !sent {
            return;
        }
    }
}

/// Sends `size` bytes of `path`, then its md5sum with the last of them; false when nobody
/// listens any more.
fn read_file(path: &Path, size: u64, tx: &SyncSender<Result<Piece>>) -> Result<bool> {
    let mut file = File::open(path).map_err(|e| Error::io(path, "cannot read staged file", e))?;
    let mut md5 = Md5::new();
    let mut left = size;
    loop {
        let want = left.min(PIECE as u64);
        let mut buf = Vec::with_capacity(want as usize);
        (&mut file)
            .take(want)
            .read_to_end(&mut buf)
            .map_err(|e| Error::io(path, "cannot read staged file", e))?;
        if (buf.len() as u64) < want {
            return Err(Error::Io(format!(
                "{}: file shrank while it was archived",
                path.display()
            )));
        }
        md5.update(&buf);
        left -= want;
        let piece = if left == 0 {
            Piece::End(buf, md5.finalize_reset().into())
        } else {
            Piece::Data(buf)
        };
        let last = left == 0;
        if tx.send(Ok(piece)).is_err() {
            return Ok(false);
        }
        if last {
            return Ok(true);
        }
    }
}
