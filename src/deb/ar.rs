//! The `ar` container of a `.deb`, with member headers as dpkg-deb writes them.
//!
//! Small enough to own: the global magic, then per member a 60-byte header (name, mtime,
//! uid 0, gid 0, mode 100644, decimal size) and the data, padded to an even length.

use std::io::{self, Seek, SeekFrom, Write};

/// The global header of an ar archive.
pub(crate) const MAGIC: &[u8; 8] = b"!<arch>\n";
/// Largest member size the 10-digit size field can hold.
pub(crate) const MAX_MEMBER: u64 = 9_999_999_999;
/// Largest mtime the 12-digit mtime field can hold.
pub(crate) const MAX_MTIME: u64 = 999_999_999_999;

/// Formats one member header.
pub(crate) fn member_header(name: &str, mtime: u64, size: u64) -> io::Result<[u8; 60]> {
    if name.len() > 15 {
        return Err(io::Error::other(format!(
            "ar member name {name} is longer than 15 bytes"
        )));
    }
    if mtime > MAX_MTIME {
        return Err(io::Error::other(format!(
            "member {name}: mtime {mtime} does not fit the 12 digits of an ar header"
        )));
    }
    if size > MAX_MEMBER {
        return Err(io::Error::other(format!(
            "member {name} is {size} bytes; the ar size field holds at most {MAX_MEMBER} (use stronger compression)"
        )));
    }
    let text = format!(
        "{name:<16}{mtime:<12}{:<6}{:<6}{:<8}{size:<10}`\n",
        0, 0, 100644
    );
    let mut h = [0u8; 60];
    h.copy_from_slice(text.as_bytes());
    Ok(h)
}

/// Writes a whole member from memory.
pub(crate) fn write_member(
    out: &mut impl Write,
    name: &str,
    mtime: u64,
    data: &[u8],
) -> io::Result<()> {
    out.write_all(&member_header(name, mtime, data.len() as u64)?)?;
    out.write_all(data)?;
    if data.len() % 2 == 1 {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// A member whose size is only known once written: the header is filled in afterwards.
pub(crate) struct OpenMember {
    header_at: u64,
    name: String,
    mtime: u64,
}

impl OpenMember {
    /// Writes a placeholder header at the current position.
    pub(crate) fn begin(
        out: &mut (impl Write + Seek),
        name: &str,
        mtime: u64,
    ) -> io::Result<OpenMember> {
        let header_at = out.stream_position()?;
        out.write_all(&member_header(name, mtime, 0)?)?;
        Ok(OpenMember {
            header_at,
            name: name.to_string(),
            mtime,
        })
    }

    /// Fills in the size, pads, and leaves the position at the end.
    pub(crate) fn end(self, out: &mut (impl Write + Seek)) -> io::Result<u64> {
        let end = out.stream_position()?;
        let size = end - self.header_at - 60;
        let header = member_header(&self.name, self.mtime, size)?;
        out.seek(SeekFrom::Start(self.header_at))?;
        out.write_all(&header)?;
        out.seek(SeekFrom::Start(end))?;
        if size % 2 == 1 {
            out.write_all(b"\n")?;
        }
        Ok(size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_layout() {
        let h = member_header("debian-binary", 1_700_000_000, 4).unwrap();
        assert_eq!(
            &h[..],
            b"debian-binary   1700000000  0     0     100644  4         `\n"
        );
    }

    #[test]
    fn an_mtime_beyond_twelve_digits_is_an_error_not_a_panic() {
        assert!(member_header("debian-binary", MAX_MTIME, 4).is_ok());
        assert!(member_header("debian-binary", MAX_MTIME + 1, 4).is_err());
    }
}
