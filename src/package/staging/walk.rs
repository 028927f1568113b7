//! Walking a folder through open folder descriptors (see [`crate::files::nofollow`]), on
//! several threads.
//!
//! Listing a large tree is a `statx` per entry and an allocation or two: on one core it was
//! a seventh of a build of 20,000 small files, with the other core idle. So a sub-folder is
//! handed to the next free thread as a job of its own while few jobs wait (at most
//! [`QUEUED`], so the descriptors held open stay few); otherwise it is walked in place. Each
//! job lists its folder depth first, with a mark where a sub-folder went to another job, and
//! the lists are spliced in order: the entries, and the first error met, are those of a walk
//! on one thread.

use super::{Entry, Kind, Source};
use crate::{files::nofollow, Error, Result};
use rustix::fs::{AtFlags, FileType};
use std::collections::VecDeque;
use std::ffi::OsStr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::{Condvar, Mutex};

/// Sub-folders waiting for a thread, at most.
const QUEUED: usize = 64;
/// Threads walking one tree, at most: the work is system calls on one file system.
const THREADS: usize = 8;

/// What a folder's listing holds, in the walk's order.
enum Item {
    Entry(Entry),
    /// A sub-folder's contents, listed by job `n`.
    Folder(usize),
}

/// A job's listing: what it found before it stopped, and why it stopped early, if it did.
struct Listing {
    items: Vec<Item>,
    error: Option<Error>,
}

/// The jobs of one walk, shared by its threads.
struct Pool {
    state: Mutex<State>,
    wake: Condvar,
}

struct State {
    waiting: VecDeque<(usize, OwnedFd, String)>,
    /// Jobs being walked (the root's included, until it is done).
    active: usize,
    /// Each job's listing, once done.
    done: Vec<Option<Listing>>,
}

impl Pool {
    /// Queues the sub-folder `dir` at `rel` as a job of its own, unless enough wait already
    /// (then it comes back, to be walked in place).
    fn defer(&self, dir: OwnedFd, rel: String) -> std::result::Result<usize, (OwnedFd, String)> {
        let Ok(mut state) = self.state.lock() else {
            return Err((dir, rel));
        };
        if state.waiting.len() >= QUEUED {
            return Err((dir, rel));
        }
        let job = state.done.len();
        state.done.push(None);
        state.waiting.push_back((job, dir, rel));
        self.wake.notify_one();
        Ok(job)
    }

    /// Takes jobs until none is left and none is being walked.
    fn work(&self, walker: &Walker<'_>) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        loop {
            if let Some((job, dir, rel)) = state.waiting.pop_front() {
                state.active += 1;
                drop(state);
                let running = Running(self);
                let mut items = Vec::new();
                let error = walker.walk(dir.as_fd(), &rel, &mut items, Some(self)).err();
                drop(dir);
                if let Ok(mut state) = self.state.lock() {
                    state.done[job] = Some(Listing { items, error });
                }
                drop(running);
                state = match self.state.lock() {
                    Ok(state) => state,
                    Err(_) => return,
                };
                continue;
            }
            if state.active == 0 {
                return;
            }
            state = match self.wake.wait(state) {
                Ok(state) => state,
                Err(_) => return,
            };
        }
    }

    /// A job is done: wake the waiting threads when it was the last.
    fn finished(&self, state: &mut State) {
        state.active -= 1;
        if state.active == 0 && state.waiting.is_empty() {
            self.wake.notify_all();
        }
    }
}

/// A job being walked: counted as done when dropped, also by a panic, so that the other
/// threads never wait for it forever (the panic then reaches the caller of the scope).
struct Running<'p>(&'p Pool);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let mut state = self
            .0
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.0.finished(&mut state);
    }
}

/// Appends the entries of `items` to `out`, sub-folders' listings in their place; stops at
/// the first error in that order.
fn splice(items: Vec<Item>, done: &mut [Option<Listing>], out: &mut Vec<Entry>) -> Result<()> {
    for item in items {
        match item {
            Item::Entry(entry) => out.push(entry),
            Item::Folder(job) => {
                let listing = done.get_mut(job).and_then(Option::take).ok_or_else(|| {
                    Error::Io("a folder of the staged tree was not walked (a bug)".into())
                })?;
                splice(listing.items, done, out)?;
                if let Some(error) = listing.error {
                    return Err(error);
                }
            }
        }
    }
    Ok(())
}

/// One walk of a folder.
pub(super) struct Walker<'a> {
    /// The archive path of the walked folder (empty for the staging folder).
    pub(super) prefix: &'a str,
    /// The walked folder's path, to read its files later and to name it in errors.
    pub(super) base: &'a Path,
    /// Its file system and mount: a folder elsewhere is a mount point, refused.
    pub(super) place: nofollow::Place,
    pub(super) refuse: &'a (dyn Fn(&str) -> Result<(), String> + Sync),
}

impl Walker<'_> {
    /// Everything below the open folder `root`, depth first, on up to `threads` threads.
    pub(super) fn walk_all(&self, root: BorrowedFd<'_>, threads: usize) -> Result<Vec<Entry>> {
        let mut items = Vec::new();
        let threads = threads.min(THREADS);
        if threads <= 1 {
            self.walk(root, "", &mut items, None)?;
            let mut out = Vec::with_capacity(items.len());
            splice(items, &mut [], &mut out)?;
            return Ok(out);
        }
        let pool = Pool {
            state: Mutex::new(State {
                waiting: VecDeque::new(),
                active: 1,
                done: Vec::new(),
            }),
            wake: Condvar::new(),
        };
        let error = std::thread::scope(|scope| {
            // The root's listing counts as a job from the start (`active: 1`), and is
            // counted as done whatever happens next: before, a panic while starting the
            // threads left those already started waiting for it forever.
            let root_job = Running(&pool);
            // A thread the system refuses (out of memory or threads) is one fewer to walk
            // with: the jobs go to the others, or to this one alone.
            for _ in 1..threads {
                if crate::threads::spawn_scoped(scope, || pool.work(self)).is_err() {
                    break;
                }
            }
            let error = self.walk(root, "", &mut items, Some(&pool)).err();
            drop(root_job);
            pool.work(self);
            error
        });
        let mut done = pool
            .state
            .into_inner()
            .map_err(|_| Error::Io("a thread walking the staged tree failed".into()))?
            .done;
        let entries = items.len()
            + done
                .iter()
                .flatten()
                .map(|listing| listing.items.len())
                .sum::<usize>();
        let mut out = Vec::with_capacity(entries);
        splice(items, &mut done, &mut out)?;
        match error {
            Some(error) => Err(error),
            None => Ok(out),
        }
    }

    /// A path of the walk as shown: staged paths under $pkgdir, the checkout's under wazo/.
    fn shown(&self, rel: &Path) -> String {
        let root = if self.prefix.is_empty() {
            "$pkgdir"
        } else {
            "wazo"
        };
        format!("{root}/{}", rel.to_string_lossy())
    }

    /// Lists everything in the open folder `dir` (at `rel` below the root), depth first,
    /// into `out`; with a pool, sub-folders may go to other threads.
    fn walk(
        &self,
        dir: BorrowedFd<'_>,
        rel: &str,
        out: &mut Vec<Item>,
        pool: Option<&Pool>,
    ) -> Result<()> {
        let here = self.base.join(rel);
        let names =
            nofollow::list(dir).map_err(|e| Error::io(&here, "cannot read staged tree", e))?;
        for name in names {
            crate::interrupt::check()?;
            let os = OsStr::from_bytes(name.to_bytes());
            let rel_os = Path::new(rel).join(os);
            let Some(text) = os.to_str() else {
                return Err(Error::plugin(
                    self.shown(&rel_os),
                    "the file name is not valid UTF-8; rename it",
                ));
            };
            let child = if rel.is_empty() {
                text.to_string()
            } else {
                format!("{rel}/{text}")
            };
            if child.contains(['\n', '\r']) {
                return Err(Error::plugin(
                    format!("{:?}", self.shown(&rel_os)),
                    "a file name with a line break cannot be listed in md5sums; rename it",
                ));
            }
            (self.refuse)(&child).map_err(|why| Error::plugin(self.shown(&rel_os), why))?;
            let path = if self.prefix.is_empty() {
                child.clone()
            } else {
                format!("{}/{child}", self.prefix)
            };
            let full = self.base.join(&child);
            let stat = rustix::fs::statat(dir, &name, AtFlags::SYMLINK_NOFOLLOW)
                .map_err(|e| Error::io(&full, "cannot read", e.into()))?;
            let perm = stat.st_mode & 0o7777;
            let (kind, mode, inode) = match FileType::from_raw_mode(stat.st_mode) {
                FileType::Directory => {
                    let sub = self.open_folder(dir, &name, &stat, &rel_os)?;
                    // As staged (setuid, setgid, sticky kept), minus group and other write.
                    out.push(Item::Entry(Entry {
                        path,
                        kind: Kind::Dir,
                        mode: perm & !0o022,
                        inode: None,
                    }));
                    let (sub, child) = match pool {
                        Some(pool) => match pool.defer(sub, child) {
                            Ok(job) => {
                                out.push(Item::Folder(job));
                                continue;
                            }
                            Err(back) => back,
                        },
                        None => (sub, child),
                    };
                    self.walk(sub.as_fd(), &child, out, pool)?;
                    continue;
                }
                FileType::RegularFile => (
                    Kind::File {
                        size: stat.st_size as u64,
                        source: Source::Disk {
                            path: full,
                            dev: stat.st_dev,
                            ino: stat.st_ino,
                        },
                    },
                    perm & !0o022,
                    (stat.st_nlink > 1).then_some((stat.st_dev, stat.st_ino)),
                ),
                FileType::Symlink => {
                    let target = rustix::fs::readlinkat(dir, &name, Vec::new())
                        .map_err(|e| Error::io(&full, "cannot read link", e.into()))?;
                    let Ok(target) = target.into_string() else {
                        return Err(Error::plugin(
                            self.shown(&rel_os),
                            "the symlink target is not valid UTF-8",
                        ));
                    };
                    (Kind::Symlink { target }, 0o777, None)
                }
                other => {
                    let what = match other {
                        FileType::Fifo => "a FIFO",
                        FileType::Socket => "a socket",
                        FileType::BlockDevice => "a block device",
                        FileType::CharacterDevice => "a character device",
                        _ => "a special file",
                    };
                    let fix = if self.prefix.is_empty() {
                        "remove it in wazo/rules package"
                    } else {
                        "remove it from the checkout"
                    };
                    return Err(Error::plugin(
                        self.shown(&rel_os),
                        format!("{what}; a package cannot carry it ({fix})"),
                    ));
                }
            };
            out.push(Item::Entry(Entry {
                path,
                kind,
                mode,
                inode,
            }));
        }
        Ok(())
    }

    /// Opens a sub-folder the walk found: never through a link, never on another file
    /// system, and the very folder that was seen.
    fn open_folder(
        &self,
        dir: BorrowedFd<'_>,
        name: &std::ffi::CStr,
        seen: &rustix::fs::Stat,
        rel: &Path,
    ) -> Result<OwnedFd> {
        let mount = || {
            Error::plugin(
                self.shown(rel),
                "a mount point (another file system); a package cannot carry it, \
                 copy the files instead",
            )
        };
        let changed = || {
            Error::plugin(
                self.shown(rel),
                "replaced while the staged tree was read; a process started by \
                 wazo/rules still changes it",
            )
        };
        let fd = match nofollow::open_subdir(dir, name, self.place) {
            Ok(fd) => fd,
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Err(changed()),
            Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => return Err(changed()),
            Err(e) if e.raw_os_error().is_none() => return Err(mount()),
            Err(e) => return Err(Error::io(self.base.join(rel), "cannot read", e)),
        };
        let now = rustix::fs::fstat(&fd)
            .map_err(|e| Error::io(self.base.join(rel), "cannot read", e.into()))?;
        if now.st_ino != seen.st_ino {
            return Err(changed());
        }
        Ok(fd)
    }
}
