//! Reading a file that a user named (a market document, a signing key, plugin.yml, a license
//! file, the rules file): the one place such a file is opened and read.
//!
//! A FIFO there would block the open or the read forever, deaf to signals, and a link to
//! `/dev/zero` would be read until memory runs out. So the file is opened as
//! [`crate::ui::signals::open_input`] opens inputs (non-blocking, anything but a regular
//! file refused on the open descriptor, so no swap between a check and the open), every
//! read stops once a signal is pending, and no more than a stated limit is ever read.

use crate::deb::limits::size_text;
use std::io::{self, Read};
use std::path::Path;

/// Reads the regular file at `path` whole; one larger than `limit` is refused with an error
/// of kind [`io::ErrorKind::FileTooLarge`] naming the limit, after reading at most one byte
/// past it.
pub(crate) fn read_whole(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    crate::ui::signals::open_input(path)?
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
    crate::ui::signals::open_input(path)?
        .take(max)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The error of a file past `limit`.
pub(crate) fn too_large(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!("larger than pluginctl's {} limit", size_text(limit)),
    )
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
