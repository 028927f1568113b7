//! The limits pluginctl sets for its own safety when it reads a package, in one place, and
//! the two verdicts a reader gives besides "damaged": dpkg refuses the package, or the
//! package passes one of these limits.
//!
//! A limit is pluginctl's, not the package's fault: its message says so
//! ("control file of 10 MiB exceeds pluginctl's 4 MiB limit"), never "damaged".

use std::fmt;
use std::io;

/// Largest control file (`control`, a maintainer script) read into memory.
pub(crate) const MAX_CONTROL_FILE: u64 = 4 << 20;
/// Largest GNU long name or long link target.
pub(crate) const MAX_LONG_NAME: u64 = 1 << 20;
/// Most memory the xz decoder may use: a crafted header can ask for gigabytes, and real
/// packages use at most 64 MiB (xz -9).
pub(crate) const XZ_MEMLIMIT: u64 = 256 << 20;
/// Largest zstd window, as a power of two: 128 MiB, libzstd's own default for a decoder
/// (a frame written with `zstd --long=31` asks for 2 GiB); `zstd -19` uses 8 MiB.
pub(crate) const ZSTD_WINDOW_LOG_MAX: u32 = 27;

/// Why a readable package is not read further, when it is not damage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// `dpkg --unpack` refuses it (a PAX header, a path with a newline, a control syntax
    /// error); the text says what and where.
    Refused(String),
    /// It passes one of pluginctl's limits above.
    Limit(String),
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Refused(text) | Verdict::Limit(text) => f.write_str(text),
        }
    }
}

impl std::error::Error for Verdict {}

/// An error saying dpkg refuses the package.
pub(crate) fn refused(text: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, Verdict::Refused(text.into()))
}

/// An error saying the package passes one of pluginctl's limits.
pub(crate) fn limit(text: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, Verdict::Limit(text.into()))
}

/// The verdict an error carries, if it is one.
pub(crate) fn verdict(e: &io::Error) -> Option<&Verdict> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<Verdict>())
}

pub(crate) use crate::files::input::size_text;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size_text(10 << 20), "10 MiB");
        assert_eq!(size_text((4 << 20) + 1), "4.1 MiB");
        assert_eq!(size_text(1536), "1.5 KiB");
        assert_eq!(size_text(12), "12 bytes");
    }

    #[test]
    fn verdicts_survive_io_errors() {
        let e = limit("x");
        assert_eq!(verdict(&e), Some(&Verdict::Limit("x".into())));
        assert_eq!(e.to_string(), "x");
        assert_eq!(verdict(&io::Error::other("y")), None);
    }
}
