//! The files of the data member, read ahead of the tar stream on a few threads, each file's
//! md5sum computed from the very buffers that go into the archive.
//!
//! Reading many small files is a string of system calls, and md5 costs a core-second per
//! gigabyte or so: both run on reader threads, in parallel with the tar stream and the
//! compressor. The files are cut into runs of consecutive files (one big file, or up to a
//! mebibyte of small ones), dealt to the readers in turn; each reader sends its pieces in
//! order through its own bounded channel, small files batched together so a thread switch
//! is not paid per file, and the tar side takes them in archive order. So at most
//! `readers * QUEUE` batches of about [`PIECE`] bytes are in memory, whatever the tree, and
//! the md5sum always matches the archived bytes (each file is read once). A file of at most
//! [`PIECE`] bytes is read whole, and the md5sums of the whole files of a batch are computed
//! together, several side by side ([`Md5::digest_all`]), just before the batch is sent.

use crate::deb::md5::Md5;
use crate::package::staging::Source;
use crate::{Error, Result};
use std::collections::VecDeque;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::Scope;

/// Largest piece of a file read at once, and about the largest batch sent.
pub(crate) const PIECE: usize = 128 << 10;
/// Batches a reader may have sent ahead of the tar stream.
const QUEUE: usize = 8;
/// Most files in one batch.
const BATCH_FILES: usize = 64;
/// A run of small files ends once it holds this many bytes (or files).
const RUN_BYTES: u64 = 1 << 20;

/// What a reader sends for a file: its bytes, the last ones with its md5sum.
pub(crate) enum Piece {
    /// The next bytes of the file; more follow.
    Data(Vec<u8>),
    /// The last bytes of the file (maybe none) and its md5sum.
    End(Vec<u8>, [u8; 16]),
}

/// A regular file to read: where from and its size when the tree was walked.
pub(crate) struct Job<'a> {
    /// Its bytes.
    pub(crate) source: &'a Source,
    /// Exactly this many bytes are archived.
    pub(crate) size: u64,
}

type Batch = Vec<Piece>;

/// The receiving end: pieces of every file, in the order the jobs were given.
pub(crate) struct Feed {
    readers: Vec<Receiver<Result<Batch>>>,
    pending: Vec<VecDeque<Piece>>,
    /// The reader of each file.
    owner: Vec<u8>,
    file: usize,
}

impl Feed {
    /// Starts up to `readers` threads in `scope` reading `jobs` in order: as many as the
    /// system gives, the files being dealt among those; an error only when it gives none.
    pub(crate) fn start<'scope, 'env>(
        scope: &'scope Scope<'scope, 'env>,
        jobs: Vec<Job<'env>>,
        readers: usize,
    ) -> Result<Feed> {
        let wanted = readers.clamp(1, 16).min(jobs.len().max(1));
        // The threads first, each waiting for its share: a share is dealt only to a reader
        // that exists.
        let mut started = Vec::with_capacity(wanted);
        let mut receivers = Vec::with_capacity(wanted);
        for _ in 0..wanted {
            let (share_tx, share_rx) = sync_channel::<Vec<(usize, Job<'env>)>>(1);
            let (tx, rx) = sync_channel(QUEUE);
            let reader = move || {
                if let Ok(share) = share_rx.recv() {
                    read_all(&share, &tx);
                }
            };
            match crate::threads::spawn_scoped(scope, reader) {
                Ok(_) => {
                    started.push(share_tx);
                    receivers.push(rx);
                }
                Err(e) if started.is_empty() => return Err(crate::threads::refused(e)),
                Err(_) => break,
            }
        }
        let readers = started.len();
        let mut shares: Vec<Vec<(usize, Job<'env>)>> = (0..readers).map(|_| Vec::new()).collect();
        let mut owner = Vec::with_capacity(jobs.len());
        let (mut reader, mut run_bytes, mut run_files) = (0, 0, 0);
        for (i, job) in jobs.into_iter().enumerate() {
            if run_bytes >= RUN_BYTES || run_files >= BATCH_FILES {
                reader = (reader + 1) % readers;
                (run_bytes, run_files) = (0, 0);
            }
            run_bytes += job.size;
            run_files += 1;
            owner.push(reader as u8);
            shares[reader].push((i, job));
        }
        for (share, tx) in shares.into_iter().zip(started) {
            // A reader with an empty share ends at once.
            let _ = tx.send(share);
        }
        Ok(Feed {
            pending: receivers.iter().map(|_| VecDeque::new()).collect(),
            readers: receivers,
            owner,
            file: 0,
        })
    }

    /// The next piece of the current file; after its [`Piece::End`], pieces of the next one.
    pub(crate) fn piece(&mut self) -> Result<Piece> {
        let r = usize::from(self.owner[self.file]);
        if self.pending[r].is_empty() {
            let batch = self.readers[r]
                .recv()
                .map_err(|_| Error::Io("a file reader thread stopped".into()))??;
            self.pending[r].extend(batch);
        }
        let piece = self.pending[r]
            .pop_front()
            .ok_or_else(|| Error::Io("a file reader sent an empty batch".into()))?;
        if let Piece::End(..) = piece {
            self.file += 1;
        }
        Ok(piece)
    }
}

/// Pieces gathered until there are enough to be worth a message.
struct Outbox<'a> {
    tx: &'a SyncSender<Result<Batch>>,
    batch: Batch,
    bytes: usize,
    /// The pieces of `batch` that are whole files still without their md5sum.
    unhashed: Vec<usize>,
}

impl Outbox<'_> {
    /// Queues a piece; false when nobody listens any more.
    fn put(&mut self, piece: Piece) -> bool {
        self.bytes += match &piece {
            Piece::Data(b) | Piece::End(b, _) => b.len(),
        };
        self.batch.push(piece);
        if self.bytes >= PIECE || self.batch.len() >= BATCH_FILES {
            return self.flush();
        }
        true
    }

    /// Queues a whole file; its md5sum is computed with the batch's other whole files.
    fn put_whole(&mut self, bytes: Vec<u8>) -> bool {
        self.unhashed.push(self.batch.len());
        self.put(Piece::End(bytes, [0; 16]))
    }

    fn flush(&mut self) -> bool {
        if self.batch.is_empty() {
            return true;
        }
        if !self.unhashed.is_empty() {
            let whole: Vec<&[u8]> = self
                .unhashed
                .iter()
                .filter_map(|&i| match &self.batch[i] {
                    Piece::End(bytes, _) => Some(bytes.as_slice()),
                    Piece::Data(_) => None,
                })
                .collect();
            let sums = Md5::digest_all(&whole);
            for (&i, sum) in self.unhashed.iter().zip(sums) {
                if let Piece::End(_, digest) = &mut self.batch[i] {
                    *digest = sum;
                }
            }
            self.unhashed.clear();
        }
        self.bytes = 0;
        self.tx.send(Ok(std::mem::take(&mut self.batch))).is_ok()
    }
}

/// A reader: reads its share in order and sends it; stops at the first error or when the
/// receiving end is gone.
fn read_all(share: &[(usize, Job<'_>)], tx: &SyncSender<Result<Batch>>) {
    let mut out = Outbox {
        tx,
        batch: Vec::new(),
        bytes: 0,
        unhashed: Vec::new(),
    };
    let mut previous = None;
    for (index, job) in share {
        // The tar side waits for the end of this run before it wants the next one.
        if previous.is_some_and(|p| p + 1 != *index) && !out.flush() {
            return;
        }
        previous = Some(*index);
        let sent = match job.source {
            Source::Bytes(bytes) => out.put_whole(bytes.to_vec()),
            Source::Disk { path, dev, ino } => {
                match read_file(path, (*dev, *ino), job.size, &mut out) {
                    Ok(sent) => sent,
                    Err(e) => {
                        out.flush();
                        let _ = tx.send(Err(e));
                        return;
                    }
                }
            }
        };
        if !sent {
            return;
        }
    }
    out.flush();
}

/// Opens the file the walk saw at `path`: never through a final link, and only when it is
/// still that very file (device, inode, type and size), so nothing put in its place after
/// the walk is read into the package.
fn open_walked(path: &Path, (dev, ino): (u64, u64), size: u64) -> Result<File> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path);
    let replaced = || {
        Error::plugin(
            path,
            "replaced while it was archived; a process started by wazo/rules still \
             changes the staged files",
        )
    };
    let file = match file {
        Ok(file) => file,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Err(replaced()),
        Err(e) => return Err(Error::io(path, "cannot read staged file", e)),
    };
    let meta = file
        .metadata()
        .map_err(|e| Error::io(path, "cannot read staged file", e))?;
    if !meta.is_file() || meta.dev() != dev || meta.ino() != ino {
        return Err(replaced());
    }
    if meta.len() != size {
        return Err(Error::plugin(
            path,
            format!(
                "changed size while it was archived ({size} bytes when the tree was read, {} \
             now); a process started by wazo/rules still writes into it",
                meta.len()
            ),
        ));
    }
    Ok(file)
}

/// Reads `size` bytes of `path` (the file walked as `id`) into pieces, the last with the
/// md5sum; false when nobody listens any more.
fn read_file(path: &Path, id: (u64, u64), size: u64, out: &mut Outbox<'_>) -> Result<bool> {
    let mut file = open_walked(path, id, size)?;
    if size <= PIECE as u64 {
        // A small file: read whole, hashed with its batch.
        crate::interrupt::check()?;
        let buf = read_exactly(&mut file, path, size)?;
        return Ok(out.put_whole(buf));
    }
    let mut md5 = Md5::new();
    let mut left = size;
    loop {
        // A large file must not delay an interrupt until it is read to the end.
        crate::interrupt::check()?;
        let want = left.min(PIECE as u64);
        let buf = read_exactly(&mut file, path, want)?;
        md5.update(&buf);
        left -= want;
        if left == 0 {
            return Ok(out.put(Piece::End(buf, md5.finalize())));
        }
        if !out.put(Piece::Data(buf)) {
            return Ok(false);
        }
    }
}

/// The next `want` bytes of `file` (at `path`), which must have them.
fn read_exactly(file: &mut File, path: &Path, want: u64) -> Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(want as usize);
    file.take(want)
        .read_to_end(&mut buf)
        .map_err(|e| Error::io(path, "cannot read staged file", e))?;
    if (buf.len() as u64) < want {
        return Err(Error::Io(format!(
            "{}: file shrank while it was archived",
            path.display()
        )));
    }
    Ok(buf)
}
