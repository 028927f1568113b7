//! Reading a file that a user named (a market document, a signing key, plugin.yml, a license
//! file, the rules file): the one place such a file is opened and read.
//!
//! A FIFO there would block the open or the read forever, deaf to signals, and a link to
//! `/dev/zero` would be read until memory runs out. So the file is opened as
//! [`open_input`] opens inputs (non-blocking, anything but a regular
//! file refused on the open descriptor, so no swap between a check and the open), every
//! read stops once a signal is pending, and no more than a stated limit is ever read.

use crate::interrupt::Interruptible;
use std::io::{self, Read};
use std::path::Path;

/// Reads the regular file at `path` whole; one larger than `limit` is refused with an error
/// of kind [`io::ErrorKind::FileTooLarge`] naming the limit, after reading at most one byte
/// past it.
pub(crate) fn read_whole(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_input(path)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(bytes)
}

/// Reads at most the first `max` bytes of the regular file at `path` (a `#!` line, a
/// license tag near the top): what lies past them is not wanted.
pub(crate) fn read_prefix(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open_input(path)?.take(max).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The error of a file past `limit`.
pub(crate) fn too_large(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!("larger than pluginctl's {} limit", size_text(limit)),
    )
}

/// Opens an input file for reading, refusing anything but a regular file without blocking:
/// the open is non-blocking (a FIFO without a writer would wait forever), the type is checked
/// on the open descriptor (no race with a swap after a `stat`), then blocking is restored.
/// Reads through the result stop once a signal is pending.
pub(crate) fn open_input(
    path: impl AsRef<std::path::Path>,
) -> io::Result<Interruptible<std::fs::File>> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}, not a regular file", kind_name(kind)),
        ));
    }
    let flags = rustix::fs::fcntl_getfl(&file)?;
    rustix::fs::fcntl_setfl(&file, flags - rustix::fs::OFlags::NONBLOCK)?;
    Ok(Interruptible(file))
}

/// `a FIFO`, `a folder`: what a non-regular file is, for messages.
pub(crate) fn kind_name(kind: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_file() {
        "a regular file"
    } else if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

/// A size as people write it (`4.1 MiB`, `12 bytes`), rounded up to a tenth.
pub(crate) fn size_text(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (unit, name) in UNITS {
        if bytes >= unit {
            // Rounded up to a tenth, so that a size past a limit never reads as the limit.
            let tenths = (bytes * 10).div_ceil(unit);
            let (whole, tenth) = (tenths / 10, tenths % 10);
            return if tenth == 0 {
                format!("{whole} {name}")
            } else {
                format!("{whole}.{tenth} {name}")
            };
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_read_and_never_past_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "12345").unwrap();
        assert_eq!(read_whole(&file, 5).unwrap(), b"12345");
        let e = read_whole(&file, 4).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(e.to_string(), "larger than pluginctl's 4 bytes limit");
        assert_eq!(read_prefix(&file, 2).unwrap(), b"12");
        let zero = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let e = read_whole(&zero, 1 << 30).unwrap_err();
        assert_eq!(e.to_string(), "a character device, not a regular file");
        assert_eq!(
            read_prefix(dir.path(), 1).unwrap_err().to_string(),
            "a folder, not a regular file"
        );
    }
}
