//! Size, MD5 and SHA-256 of a file in one streamed pass: what `build --json` reports for a
//! package and what `index` writes into `Packages` and `Release`.

use super::md5::Md5;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// The digests of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Digests {
    /// Size in bytes.
    pub(crate) size: u64,
    /// MD5, lowercase hex.
    pub(crate) md5: String,
    /// SHA-256, lowercase hex.
    pub(crate) sha256: String,
}

/// Lowercase hex of some bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// Reads `r` to its end and returns its digests.
pub(crate) fn of_reader(r: &mut impl Read) -> std::io::Result<Digests> {
    let mut md5 = Md5::new();
    let mut sha = Sha256::new();
    let mut buf = vec![0u8; 256 << 10];
    let mut size = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        md5.update(&buf[..n]);
        sha.update(&buf[..n]);
        size += n as u64;
    }
    Ok(Digests {
        size,
        md5: hex(&md5.finalize()),
        sha256: hex(&sha.finalize()),
    })
}

/// The digests of a file, or an error naming it.
pub(crate) fn of_file(path: &Path) -> crate::Result<Digests> {
    let mut f = crate::files::input::open_input(path)
        .map_err(|e| crate::Error::io(path, "cannot read", e))?;
    of_reader(&mut f).map_err(|e| crate::Error::io(path, "cannot read", e))
}

/// A reader that computes the digests of what passes through it, so that a file read for
/// another purpose (`index` reading a package) is not read a second time for its sums.
pub(crate) struct Hashing<R> {
    inner: R,
    md5: Md5,
    sha: Sha256,
    size: u64,
}

impl<R: Read> Hashing<R> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: R) -> Self {
        Hashing {
            inner,
            md5: Md5::new(),
            sha: Sha256::new(),
            size: 0,
        }
    }

    /// Reads what is left to the end and returns the digests of everything read.
    pub(crate) fn finish(mut self) -> std::io::Result<Digests> {
        std::io::copy(&mut self, &mut std::io::sink())?;
        Ok(Digests {
            size: self.size,
            md5: hex(&self.md5.finalize()),
            sha256: hex(&self.sha.finalize()),
        })
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.md5.update(&buf[..n]);
        self.sha.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

/// The digests of bytes in memory.
pub(crate) fn of_bytes(mut bytes: &[u8]) -> Digests {
    of_reader(&mut bytes).expect("reading from memory cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        let d = of_bytes(b"abc");
        assert_eq!(d.size, 3);
        assert_eq!(d.md5, "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            d.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
