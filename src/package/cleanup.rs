//! Removing the staging tree behind the archiver, so the cleanup overlaps with archiving
//! instead of following it.
//!
//! Deleting a staged tree is a string of `unlink` and `rmdir` calls, and on file systems that
//! discard freed blocks synchronously each `rmdir` waits for the disk. So a reaper thread
//! follows the archiver through the entries (which come depth first, every folder before its
//! contents): symlinks and second names of hard links go at once (nothing reads them), a
//! file once the archiver has its bytes, a folder once everything in it is gone. The calls
//! themselves run on a few deleter threads, which wait on the disk in parallel. Folders that
//! hold other folders are removed last, deepest first.
//!
//! Only what was staged is removed: a path is touched only when it lies in the staging
//! folder and every folder on the way to it is a real folder of the tree (never a symlink).
//! Each removal opens its folder from the staging folder's descriptor one component at a
//! time, without following links or crossing a mount ([`crate::files::nofollow`]), so even a
//! folder swapped for a link after the walk leads nowhere outside.

use crate::files::nofollow;
use crate::package::staging::{Entry, Kind, Source, StagingDir};
use std::collections::HashSet;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::Scope;

/// Deleter threads: enough to overlap the disk's waits, few enough to stay cheap.
const DELETERS: usize = 4;
/// Files of one folder removed in one batch, so a huge folder is not kept to the end.
const BATCH: usize = 256;

enum Progress {
    /// Entries before this index are archived: their files were read.
    Archived(usize),
    /// Every entry is archived: remove the rest.
    Finished,
}

/// The archiver's side: tells the reaper how far it got.
pub(crate) struct Reaper {
    progress: Sender<Progress>,
}

impl Reaper {
    /// Entries before `n` are archived (their bytes were read).
    pub(crate) fn archived(&self, n: usize) {
        // A reaper that stopped leaves the rest to the staging folder's drop.
        let _ = self.progress.send(Progress::Archived(n));
    }

    /// Every entry is archived: the rest of the tree can go.
    pub(crate) fn finished(self) {
        let _ = self.progress.send(Progress::Finished);
    }
}

/// Starts the reaper of `stage` (whose tree `entries` were collected from) on `scope`.
/// Dropped without [`Reaper::finished`], it stops and leaves the rest to the staging
/// folder's own drop; so does the build when the system gives no thread for it (None).
pub(crate) fn start<'scope, 'env>(
    scope: &'scope Scope<'scope, 'env>,
    stage: &'env StagingDir,
    entries: &'env [Entry],
) -> Option<Reaper> {
    let (tx, rx) = channel();
    crate::threads::spawn_scoped(scope, move || {
        if Walk::new(stage, entries).run(&rx) {
            stage.mark_removed();
        }
    })
    .ok()?;
    Some(Reaper { progress: tx })
}

/// Paths to remove together: files, then (once they are gone) their folder.
#[derive(Default)]
struct Job<'a> {
    files: Vec<&'a str>,
    dir: Option<&'a str>,
}

/// A folder of the tree the walk is in.
struct Open<'a> {
    rel: &'a str,
    has_subdirs: bool,
    files: Vec<&'a str>,
}

struct Walk<'a> {
    stage: &'a StagingDir,
    root: &'a Path,
    entries: &'a [Entry],
    /// The folders reached through folders only (never through a symlink): the only ones
    /// whose contents are ever touched.
    ours: HashSet<&'a str>,
    open: Vec<Open<'a>>,
    /// Folders holding folders: removed at the end, deepest first.
    parents: Vec<(usize, &'a str)>,
    next: usize,
}

impl<'a> Walk<'a> {
    fn new(stage: &'a StagingDir, entries: &'a [Entry]) -> Walk<'a> {
        // Every folder comes before its contents, so its parent is decided first.
        let mut ours = HashSet::new();
        for entry in entries {
            if matches!(entry.kind, Kind::Dir) && parent_is(&ours, &entry.path) {
                ours.insert(entry.path.as_str());
            }
        }
        Walk {
            stage,
            root: stage.path(),
            entries,
            ours,
            open: Vec::new(),
            parents: Vec::new(),
            next: 0,
        }
    }

    /// Follows the archiver until it finishes (true when the whole tree is gone) or stops.
    fn run(mut self, progress: &Receiver<Progress>) -> bool {
        let (jobs_tx, jobs_rx) = channel::<Job<'a>>();
        let root = self.stage.fd();
        let (done_tx, done_rx) = channel::<bool>();
        let jobs_rx = Arc::new(Mutex::new(jobs_rx));
        std::thread::scope(|s| {
            // A small tree is gone before extra threads would have started.
            let dirs = self
                .entries
                .iter()
                .filter(|e| matches!(e.kind, Kind::Dir))
                .count();
            let mut deleters = 0;
            for _ in 0..(dirs / 16).clamp(1, DELETERS) {
                let jobs = Arc::clone(&jobs_rx);
                let done = done_tx.clone();
                if crate::threads::spawn_scoped(s, move || delete(root, &jobs, &done)).is_err() {
                    break;
                }
                deleters += 1;
            }
            // No thread to be had: the staging folder's own removal does it all.
            if deleters == 0 {
                return false;
            }
            let mut pool = Pool {
                jobs: jobs_tx,
                done: done_rx,
                sent: 0,
                ok: true,
            };
            pool.send(self.links());
            loop {
                match progress.recv() {
                    Ok(Progress::Archived(n)) => self.advance(n, &mut pool),
                    Ok(Progress::Finished) => break,
                    // The archiver failed: the staging folder's drop removes the rest.
                    Err(_) => return false,
                }
            }
            self.advance(self.entries.len(), &mut pool);
            while let Some(open) = self.open.pop() {
                self.close(open, &mut pool);
            }
            pool.wait();
            self.parents.sort_by_key(|p| std::cmp::Reverse(p.0));
            let parents = std::mem::take(&mut self.parents);
            for level in parents.chunk_by(|a, b| a.0 == b.0) {
                for (_, dir) in level {
                    pool.send(Job {
                        files: Vec::new(),
                        dir: Some(dir),
                    });
                }
                pool.wait();
            }
            let ok = pool.ok && self.stage.remove_root();
            drop(pool);
            if !ok {
                // Something was left (a folder the rules made read-only): the slow way.
                self.stage.remove();
            }
            true
        })
    }

    /// Symlinks and second names of hard links: nothing reads them, they go first.
    fn links(&self) -> Job<'a> {
        let files = self
            .entries
            .iter()
            .filter(|e| matches!(e.kind, Kind::Symlink { .. } | Kind::HardLink { .. }))
            .filter(|e| parent_is(&self.ours, &e.path))
            .map(|e| e.path.as_str())
            .collect();
        Job { files, dir: None }
    }

    /// Closes the innermost open folder if it does not hold `rel`.
    fn enter(&mut self, rel: &str) -> Option<Open<'a>> {
        let top = self.open.last()?;
        let inside = rel.len() > top.rel.len()
            && rel.starts_with(top.rel)
            && rel.as_bytes()[top.rel.len()] == b'/';
        if inside {
            None
        } else {
            self.open.pop()
        }
    }

    fn push(&mut self, rel: &'a str) {
        if let Some(parent) = self.open.last_mut() {
            parent.has_subdirs = true;
        }
        self.open.push(Open {
            rel,
            has_subdirs: false,
            files: Vec::new(),
        });
    }

    /// Walks the entries archived so far, handing files and closed folders to the pool.
    fn advance(&mut self, upto: usize, pool: &mut Pool<'a>) {
        let entries = self.entries;
        while self.next < upto.min(entries.len()) {
            let entry = &entries[self.next];
            self.next += 1;
            while let Some(closed) = self.enter(&entry.path) {
                self.close(closed, pool);
            }
            match &entry.kind {
                Kind::Dir => self.push(&entry.path),
                Kind::File {
                    source: Source::Disk { path, .. },
                    ..
                } if path.starts_with(self.root) && parent_is(&self.ours, &entry.path) => {
                    let path = entry.path.as_str();
                    match self.open.last_mut() {
                        // The innermost open folder is its parent (files come right after
                        // their folder, depth first).
                        Some(top) => {
                            top.files.push(path);
                            if top.files.len() >= BATCH {
                                pool.send(Job {
                                    files: std::mem::take(&mut top.files),
                                    dir: None,
                                });
                            }
                        }
                        None => pool.send(Job {
                            files: vec![path],
                            dir: None,
                        }),
                    }
                }
                _ => {}
            }
        }
    }

    /// A folder the archiver left: its files go now, and the folder too unless it holds
    /// folders (those are removed at the end, once their contents are surely gone).
    fn close(&mut self, open: Open<'a>, pool: &mut Pool<'a>) {
        let dir = open.rel;
        let ours = self.ours.contains(open.rel);
        let removable = ours && !open.has_subdirs;
        if ours && open.has_subdirs {
            self.parents.push((self.open.len(), dir));
        }
        if removable || !open.files.is_empty() {
            pool.send(Job {
                files: open.files,
                dir: removable.then_some(dir),
            });
        }
    }
}

/// True when `rel` sits at the root or in one of the `ours` folders.
fn parent_is(ours: &HashSet<&str>, rel: &str) -> bool {
    rel.rfind('/').is_none_or(|at| ours.contains(&rel[..at]))
}

/// The deleter threads' queue and their answers.
struct Pool<'a> {
    jobs: Sender<Job<'a>>,
    done: Receiver<bool>,
    sent: usize,
    ok: bool,
}

impl<'a> Pool<'a> {
    fn send(&mut self, job: Job<'a>) {
        if !job.files.is_empty() || job.dir.is_some() {
            self.sent += usize::from(self.jobs.send(job).is_ok());
        }
    }

    /// Waits until every job sent so far is done.
    fn wait(&mut self) {
        while self.sent > 0 {
            match self.done.recv() {
                Ok(ok) => self.ok &= ok,
                Err(_) => {
                    self.ok = false;
                    return;
                }
            }
            self.sent -= 1;
        }
    }
}

/// A deleter thread: removes the paths of each job; tells whether all went.
fn delete(root: BorrowedFd<'_>, jobs: &Mutex<Receiver<Job<'_>>>, done: &Sender<bool>) {
    // Without it nothing is removed here: the staging folder's own removal takes over.
    let place = nofollow::place_of(root).ok().map(|p| p.0);
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let mut ok = true;
        // The files of a job share their folder: it is opened once.
        let mut folder: Option<(&str, std::io::Result<std::os::fd::OwnedFd>)> = None;
        let files = job.files.iter().map(|rel| (*rel, false));
        for (rel, is_dir) in files.chain(job.dir.map(|rel| (rel, true))) {
            let (parent, name) = rel.rsplit_once('/').unwrap_or(("", rel));
            if folder.as_ref().is_none_or(|(p, _)| *p != parent) {
                folder = Some((parent, nofollow::open_beneath(root, parent)));
            }
            let removed = match (&folder, place) {
                (_, None) => false,
                (Some((_, Ok(fd))), Some(place)) => {
                    nofollow::c_name(name.as_ref()).is_ok_and(|name| {
                        if is_dir {
                            nofollow::remove_at(fd.as_fd(), &name, place)
                        } else {
                            let r = rustix::fs::unlinkat(fd, &name, rustix::fs::AtFlags::empty());
                            matches!(r, Ok(()) | Err(rustix::io::Errno::NOENT))
                        }
                    })
                }
                // Gone already is fine: a folder of the tree that was never staged, say.
                (Some((_, Err(e))), _) => e.kind() == std::io::ErrorKind::NotFound,
                (None, _) => false,
            };
            ok &= removed;
        }
        if done.send(ok).is_err() {
            return;
        }
    }
}
