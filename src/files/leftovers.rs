//! What a killed build left behind, recognised and removed by the next build.
//!
//! A build killed outright (SIGKILL, power loss) cannot clean up: its temporary files stay in
//! the output folder and its staging folder in `TMPDIR`. Each is named with the pid of its
//! build (`.pluginctl-<pid>-...` and `pluginctl-stage-<pid>-...`) and held under an
//! exclusive `flock` for as long as the build runs; the kernel drops the lock when the
//! process dies, however it dies. So a later build removes one only when it can take the lock
//! itself AND no process with that pid runs: a live build's files are never touched, even in
//! the instant between creating a file and locking it.

use crate::files::nofollow;
use rustix::fs::{AtFlags, FileType, FlockOperation, Mode, OFlags};
use std::ffi::CStr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

/// Temporary files in the output folder start with this, then `<pid>-`.
pub(crate) const TEMP_PREFIX: &str = ".pluginctl-";

/// The name of a staging folder in `TMPDIR` starts with this, then the pid of its build and
/// a `-`.
pub(crate) const STAGE_PREFIX: &str = "pluginctl-stage-";

/// The prefix of this process's temporary files in the output folder.
pub(crate) fn temp_prefix() -> String {
    format!("{TEMP_PREFIX}{}-", std::process::id())
}

/// Locks a temporary file or folder of this build for as long as `fd` stays open.
pub(crate) fn hold(fd: BorrowedFd<'_>) -> std::io::Result<()> {
    Ok(rustix::fs::flock(fd, FlockOperation::LockExclusive)?)
}

/// Removes the temporary files of dead builds from the output folder `dir`.
pub(crate) fn remove_stale_temp_files(dir: &Path) {
    sweep(dir, TEMP_PREFIX, FileType::RegularFile);
}

/// Removes the temporary folders of dead runs (`pluginctl new`'s) from `dir`.
pub(crate) fn remove_stale_temp_folders(dir: &Path) {
    sweep(dir, TEMP_PREFIX, FileType::Directory);
}

/// Removes the staging folders of dead builds from `TMPDIR`.
pub(crate) fn remove_stale_staging() {
    sweep(&std::env::temp_dir(), STAGE_PREFIX, FileType::Directory);
}

/// Removes the entries of `dir` named `<prefix><pid>-...` of type `kind`, owned by us, whose
/// build is gone. Best effort: whatever cannot be looked at is left alone.
fn sweep(dir: &Path, prefix: &str, kind: FileType) {
    let Ok(dir_fd) = nofollow::open_dir(dir) else {
        return;
    };
    let Ok(names) = nofollow::list(dir_fd.as_fd()) else {
        return;
    };
    let me = rustix::process::geteuid().as_raw();
    for name in names {
        let Some(pid) = owner_pid(&name, prefix) else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        let Ok(stat) = rustix::fs::statat(&dir_fd, &name, AtFlags::SYMLINK_NOFOLLOW) else {
            continue;
        };
        // As root, a `build --ref` gave its `$pkgdir` to the unprivileged build user.
        let ours = stat.st_uid == me || (me == 0 && stat.st_uid == super::SANDBOX_ID);
        if FileType::from_raw_mode(stat.st_mode) != kind || !ours {
            continue;
        }
        let Some(lock) = take_lock(dir_fd.as_fd(), &name, kind, stat.st_ino) else {
            continue;
        };
        if running(pid) {
            continue;
        }
        match kind {
            FileType::Directory => {
                if let Ok(stat) = rustix::fs::fstat(&lock) {
                    if stat.st_mode & 0o700 != 0o700 {
                        let _ =
                            rustix::fs::fchmod(&lock, Mode::from_raw_mode(stat.st_mode | 0o700));
                    }
                }
                if let Ok((place, _)) = nofollow::place_of(lock.as_fd()) {
                    nofollow::remove_contents(lock.as_fd(), place);
                }
                let _ = rustix::fs::unlinkat(&dir_fd, &name, AtFlags::REMOVEDIR);
            }
            _ => {
                let _ = rustix::fs::unlinkat(&dir_fd, &name, AtFlags::empty());
            }
        }
        drop(lock);
    }
}

/// The pid in a name `<prefix><pid>-...`.
fn owner_pid(name: &CStr, prefix: &str) -> Option<u32> {
    let rest = name.to_str().ok()?.strip_prefix(prefix)?;
    let (pid, _) = rest.split_once('-')?;
    pid.parse().ok().filter(|&p| p > 0)
}

/// Opens `name` (no link followed) and takes its lock without waiting; `None` when its
/// build still holds it, or when it is not the entry that was looked at.
fn take_lock(dir: BorrowedFd<'_>, name: &CStr, kind: FileType, ino: u64) -> Option<OwnedFd> {
    let mut flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
    if kind == FileType::Directory {
        flags |= OFlags::DIRECTORY;
    }
    let fd = rustix::fs::openat(dir, name, flags, Mode::empty()).ok()?;
    if rustix::fs::fstat(&fd).ok()?.st_ino != ino {
        return None;
    }
    rustix::fs::flock(&fd, FlockOperation::NonBlockingLockExclusive).ok()?;
    Some(fd)
}

/// True when a process with this pid exists (ours to signal or not).
fn running(pid: u32) -> bool {
    let Some(pid) = rustix::process::Pid::from_raw(pid as i32) else {
        return false;
    };
    match rustix::process::test_kill_process(pid) {
        Ok(()) => true,
        Err(e) => e != rustix::io::Errno::SRCH,
    }
}
