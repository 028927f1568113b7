//! Walking, opening and removing inside a folder without ever following a link or crossing
//! into another file system.
//!
//! A rules step (or a process it left running) may swap a staged folder for a symlink, or
//! mount something under `$pkgdir`, at any moment. Paths are resolved again by the kernel at
//! each use, so every step here is taken relative to a folder already open: `openat` with
//! `O_NOFOLLOW | O_DIRECTORY`, then `statx` to compare the device and the mount with the
//! root's (a bind mount keeps the device number; its mount id differs), and `unlinkat` of a
//! single name. A link can then only ever be removed or read as a link.

use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags, StatxFlags};
use std::ffi::{CStr, CString, OsStr};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

/// The error of a folder that lies on another file system than the root.
pub(crate) fn other_file_system() -> io::Error {
    io::Error::other("on another file system (a mount point)")
}

/// Where a folder lies: its device and its mount (0 on kernels before 5.8, which do not
/// report mounts; the device is compared alone there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    dev: (u32, u32),
    mount: u64,
}

/// The place and inode of an open file or folder.
pub(crate) fn place_of(fd: BorrowedFd<'_>) -> io::Result<(Place, u64)> {
    let want = StatxFlags::INO | StatxFlags::MNT_ID;
    let st = rfs::statx(fd, c"", AtFlags::EMPTY_PATH, want)?;
    let mount = if StatxFlags::from_bits_retain(st.stx_mask).contains(StatxFlags::MNT_ID) {
        st.stx_mnt_id
    } else {
        0
    };
    let place = Place {
        dev: (st.stx_dev_major, st.stx_dev_minor),
        mount,
    };
    Ok((place, st.stx_ino))
}

/// Opens the folder at `path` itself, refusing a symlink there.
pub(crate) fn open_dir(path: &std::path::Path) -> io::Result<OwnedFd> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    Ok(rfs::open(path, flags, Mode::empty())?)
}

/// Opens the folder `name` of `parent` without following a link; it must lie at `place`.
pub(crate) fn open_subdir(
    parent: BorrowedFd<'_>,
    name: &CStr,
    place: Place,
) -> io::Result<OwnedFd> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = rfs::openat(parent, name, flags, Mode::empty())?;
    if place_of(fd.as_fd())?.0 != place {
        return Err(other_file_system());
    }
    Ok(fd)
}

/// Opens the folder `rel` (`a/b/c`, empty for the root itself) below `root`, one component
/// at a time, each a real folder on the root's file system.
pub(crate) fn open_beneath(root: BorrowedFd<'_>, rel: &str) -> io::Result<OwnedFd> {
    let place = place_of(root)?.0;
    let mut fd = rfs::openat(
        root,
        c".",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    for part in rel.split('/').filter(|p| !p.is_empty()) {
        fd = open_subdir(fd.as_fd(), &c_name(OsStr::new(part))?, place)?;
    }
    Ok(fd)
}

/// A file name as the kernel takes it.
pub(crate) fn c_name(name: &OsStr) -> io::Result<CString> {
    CString::new(name.as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

/// The names in an open folder (without `.` and `..`), sorted by bytes.
pub(crate) fn list(dir: BorrowedFd<'_>) -> io::Result<Vec<CString>> {
    let mut names = Vec::new();
    for entry in rfs::Dir::read_from(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if name != c"." && name != c".." {
            names.push(name.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// Removes `name` from `dir`: a folder with everything in it, anything else as it is (a
/// link is removed, never followed). A folder on another file system is left in place.
/// True when it is gone (or was already).
pub(crate) fn remove_at(dir: BorrowedFd<'_>, name: &CStr, place: Place) -> bool {
    let stat = match rfs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(s) => s,
        Err(rustix::io::Errno::NOENT) => return true,
        Err(_) => return false,
    };
    if FileType::from_raw_mode(stat.st_mode) != FileType::Directory {
        return gone(rfs::unlinkat(dir, name, AtFlags::empty()));
    }
    let Ok(sub) = open_writable_subdir(dir, name, place) else {
        return false;
    };
    let emptied = remove_contents(sub.as_fd(), place);
    drop(sub);
    emptied && gone(rfs::unlinkat(dir, name, AtFlags::REMOVEDIR))
}

/// Removes everything inside the open folder `dir` (see [`remove_at`]); true when empty.
pub(crate) fn remove_contents(dir: BorrowedFd<'_>, place: Place) -> bool {
    let Ok(names) = list(dir) else { return false };
    // Every entry is tried, also after one that could not be removed: no short circuit.
    let mut all_removed = true;
    for name in &names {
        all_removed &= remove_at(dir, name, place);
    }
    all_removed
}

/// Opens a sub-folder to empty it, first giving its owner full access when a rules step
/// made it read-only (through `/proc/self/fd`, which names the folder opened, not a path).
fn open_writable_subdir(parent: BorrowedFd<'_>, name: &CStr, place: Place) -> io::Result<OwnedFd> {
    let fd = match open_subdir(parent, name, place) {
        Ok(fd) => fd,
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let path_fd = rfs::openat(parent, name, flags, Mode::empty())?;
            if place_of(path_fd.as_fd())?.0 != place {
                return Err(other_file_system());
            }
            let proc = format!(
                "/proc/self/fd/{}",
                std::os::fd::AsRawFd::as_raw_fd(&path_fd)
            );
            rfs::chmod(proc.as_str(), Mode::RWXU)?;
            open_subdir(parent, name, place)?
        }
        Err(e) => return Err(e),
    };
    let mode = rfs::fstat(&fd)?.st_mode;
    if mode & 0o700 != 0o700 {
        rfs::fchmod(&fd, Mode::from_raw_mode(mode | 0o700))?;
    }
    Ok(fd)
}

fn gone(r: rustix::io::Result<()>) -> bool {
    matches!(r, Ok(()) | Err(rustix::io::Errno::NOENT))
}
