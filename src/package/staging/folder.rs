//! The staging folder itself: created empty beside the build, held open and locked while the
//! build runs, and removed (read-only folders included) without following any link.

use crate::{files::nofollow, Error, Result};
use rustix::fs::Mode;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// The empty folder `wazo/rules package` fills, outside the plugin folder, removed on drop
/// (even when the rules left read-only folders in it).
///
/// It is held open from its creation: the walk and the removal start from that descriptor,
/// never from its path, so a `$pkgdir` replaced by a link leads nowhere. Its name carries
/// the pid and the open folder holds an exclusive `flock` while the build runs, so a later
/// build can tell a killed build's folder from a live one's ([`crate::files::leftovers`]).
///
/// The package writer may remove it earlier, behind the archiver ([`crate::package::cleanup`]), so the
/// cleanup overlaps with archiving; it then marks it removed.
#[derive(Debug)]
pub(crate) struct StagingDir {
    path: PathBuf,
    pub(super) fd: OwnedFd,
    pub(super) place: nofollow::Place,
    dev: u64,
    ino: u64,
    removed: AtomicBool,
}

/// Attempts at emptying and removing the folder before it is left to the next build.
const REMOVE_PASSES: u32 = 5;

impl StagingDir {
    /// Creates it in `TMPDIR`; refuses a place inside `plugin_dir` (a `cp -R .` would recurse).
    pub(crate) fn new(plugin_dir: &Path) -> Result<StagingDir> {
        let stage = StagingDir::scratch()?;
        let real = stage
            .path
            .canonicalize()
            .unwrap_or_else(|_| stage.path.clone());
        if crate::plugin::paths::is_within(&real, plugin_dir) {
            return Err(Error::Usage(format!(
                "{}: the staging folder would be inside the plugin folder; set TMPDIR to another place",
                real.display()
            )));
        }
        Ok(stage)
    }

    /// Creates an empty private folder of this build in `TMPDIR`, locked and removed on drop
    /// like a staging folder (`build --ref` clones into one).
    pub(crate) fn scratch() -> Result<StagingDir> {
        let fail = |e: std::io::Error| {
            match std::env::var_os("TMPDIR") {
            // Name the variable: the user set it, and may not think of it.
            Some(t) => Error::Io(format!(
                "TMPDIR={}: cannot create the staging folder: {} (point TMPDIR to a writable folder)",
                t.to_string_lossy(),
                crate::error::describe_io(&e)
            )),
            None => Error::io(std::env::temp_dir(), "cannot create the staging folder", e),
        }
        };
        let path = tempfile::Builder::new()
            .prefix(&format!(
                "{}{}-",
                crate::files::leftovers::STAGE_PREFIX,
                std::process::id()
            ))
            .tempdir()
            .map_err(fail)?
            .keep();
        let opened = (|| -> std::io::Result<_> {
            let fd = nofollow::open_dir(&path)?;
            rustix::fs::flock(&fd, rustix::fs::FlockOperation::LockExclusive)?;
            let stat = rustix::fs::fstat(&fd)?;
            let place = nofollow::place_of(fd.as_fd())?.0;
            Ok((fd, stat, place))
        })();
        let (fd, stat, place) = match opened {
            Ok(opened) => opened,
            Err(e) => {
                let _ = std::fs::remove_dir(&path);
                return Err(fail(e));
            }
        };
        Ok(StagingDir {
            path,
            fd,
            place,
            dev: stat.st_dev,
            ino: stat.st_ino,
            removed: AtomicBool::new(false),
        })
    }

    /// Gives the folder to the unprivileged build user `id` (user and group), so that a
    /// sandboxed `rules package` can fill it.
    pub(crate) fn give_to(&self, id: u32) -> Result<()> {
        let id = Some(rustix::fs::Uid::from_raw(id));
        let gid = id.map(|u| rustix::fs::Gid::from_raw(u.as_raw()));
        rustix::fs::fchown(&self.fd, id, gid)
            .map_err(|e| Error::io(&self.path, "cannot give it to the build user", e.into()))
    }

    /// Its path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The folder itself, open.
    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Checks that `$pkgdir` is still the folder created for it (after `rules package`).
    pub(crate) fn check_intact(&self, step: &str) -> Result<()> {
        let what = match std::fs::symlink_metadata(&self.path) {
            Err(_) => "removed",
            Ok(m) if m.file_type().is_symlink() => "replaced by a symlink",
            Ok(m) if !m.is_dir() || m.dev() != self.dev || m.ino() != self.ino => "replaced",
            Ok(_) => return Ok(()),
        };
        Err(Error::plugin(&self.path, format!("$pkgdir was {what} during `{step}`; install files into the folder, do not replace it")))
    }

    /// Tells that the folder is gone (removed behind the archiver): drop has nothing to do.
    pub(crate) fn mark_removed(&self) {
        self.removed.store(true, Ordering::Release);
    }

    /// Removes the folder's entry, once empty: the very folder created, or a link or other
    /// file a rules step put in its place (removed, never followed).
    pub(crate) fn remove_root(&self) -> bool {
        self.remove_root_at(&self.path)
    }

    /// [`StagingDir::remove_root`] for the folder's entry at `path`.
    fn remove_root_at(&self, path: &Path) -> bool {
        match std::fs::symlink_metadata(path) {
            Ok(m) if self.is_ours(&m) => std::fs::remove_dir(path).is_ok(),
            Ok(m) if !m.is_dir() => std::fs::remove_file(path).is_ok(),
            Ok(_) => false,
            Err(_) => true,
        }
    }

    /// True when `m` describes the very folder created.
    fn is_ours(&self, m: &std::fs::Metadata) -> bool {
        m.is_dir() && m.dev() == self.dev && m.ino() == self.ino
    }

    /// Removes everything in it, then the folder itself; nothing followed, nothing crossed.
    ///
    /// A process the rules step left running (outside its process group, so not killed) may
    /// still write into `$pkgdir/...` and create again each file removed, which left the
    /// folder behind. So the folder is first moved away from the path that process knows
    /// (renamed beside itself, the name still marking it as this build's), then emptied from
    /// its descriptor; a few passes catch a process that writes relative to a folder inside.
    pub(crate) fn remove(&self) {
        if let Ok(stat) = rustix::fs::fstat(&self.fd) {
            if stat.st_mode & 0o700 != 0o700 {
                let _ = rustix::fs::fchmod(&self.fd, Mode::from_raw_mode(stat.st_mode | 0o700));
            }
        }
        let mut gone = self.path.clone().into_os_string();
        gone.push(".removed");
        let gone = PathBuf::from(gone);
        let moved = std::fs::symlink_metadata(&self.path).is_ok_and(|m| self.is_ours(&m))
            && std::fs::rename(&self.path, &gone).is_ok();
        let at = if moved { &gone } else { &self.path };
        for pass in 0..REMOVE_PASSES {
            nofollow::remove_contents(self.fd(), self.place);
            if self.remove_root_at(at) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10 << pass));
        }
    }
}

impl Drop for StagingDir {
    fn drop(&mut self) {
        if !*self.removed.get_mut() {
            self.remove();
        }
    }
}
