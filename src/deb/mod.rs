//! Assembling a `.deb`: the data member streamed from the tree, the control member, and the
//! ar container around them, under a temporary name until it is complete.

pub mod ar;
pub mod compress;
pub mod control;
pub mod package_info;
pub mod reader;
pub mod tar;

use crate::manifest::Manifest;
use crate::staging::{Entry, Kind, Source};
use crate::{Error, Result};
use compress::Compression;
use md5::{Digest, Md5};
use std::fs::File;
use std::io::{BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};
use tar::{EntryType, Header, TarWriter};

/// Size of the read buffer used to stream files into the archive.
const BUF_SIZE: usize = 256 << 10;

/// Everything the package is made of, ready to be written.
pub struct Package<'a> {
    /// The validated manifest.
    pub manifest: &'a Manifest,
    /// The Maintainer field.
    pub maintainer: &'a str,
    /// The data entries in archive order.
    pub entries: &'a [Entry],
    /// Compression of both members.
    pub compression: Compression,
    /// The build timestamp (every mtime).
    pub mtime: u64,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Written {
    /// The final path of the `.deb`.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
}

/// The process umask, read without changing it (Linux reports it in /proc).
pub fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("Umask:")
                    .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
            })
        })
        .unwrap_or(0o022)
}

/// `<package>_<version without epoch>_all.deb`.
pub fn file_name(m: &Manifest) -> String {
    format!(
        "{}_{}_all.deb",
        m.package(),
        crate::version::without_epoch(&m.version)
    )
}

/// A reader that fails once a signal is pending, so that copying a large file stops
/// promptly on an interrupt (the error is then reported as the interrupt).
struct Interruptible<R>(R);

impl<R: Read> Read for Interruptible<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if crate::signals::pending().is_some() {
            return Err(std::io::Error::other("interrupted"));
        }
        self.0.read(buf)
    }
}

fn temp_in(dir: &Path, suffix: &str) -> Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(".pluginctl-")
        .suffix(suffix)
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, "cannot create a file in the output folder", e))
}

impl Package<'_> {
    /// Writes the `.deb` into `out_dir`; it appears under its final name only when complete.
    pub fn write(&self, out_dir: &Path) -> Result<Written> {
        self.write_observed(out_dir, &mut |_| {})
    }

    /// [`Package::write`], calling `archived` after each data entry is written (progress).
    pub fn write_observed(
        &self,
        out_dir: &Path,
        archived: &mut dyn FnMut(&Entry),
    ) -> Result<Written> {
        let final_path = out_dir.join(file_name(self.manifest));
        let mut data = temp_in(out_dir, ".data.tmp")?;
        let sums = self
            .write_data(data.as_file_mut(), archived)
            .map_err(|e| match e {
                Error::Io(m) if !m.starts_with('/') && !m.starts_with('.') => {
                    Error::Io(format!("{}: {m}", out_dir.display()))
                }
                e => e,
            })?;
        crate::signals::check()?;
        let control = self
            .control_member(sums)
            .map_err(|e| Error::io(out_dir, "cannot write the control member", e))?;

        let mut deb = temp_in(out_dir, ".deb.tmp")?;
        let ext = self.compression.algorithm.extension();
        let write = |deb: &mut File, data: &mut File| -> std::io::Result<u64> {
            let mut out = BufWriter::new(deb);
            out.write_all(ar::MAGIC)?;
            ar::write_member(&mut out, "debian-binary", self.mtime, b"2.0\n")?;
            ar::write_member(&mut out, &format!("control.tar{ext}"), self.mtime, &control)?;
            let data_size = data.seek(std::io::SeekFrom::End(0))?;
            out.write_all(&ar::member_header(
                &format!("data.tar{ext}"),
                self.mtime,
                data_size,
            )?)?;
            out.flush()?;
            let deb = out.into_inner().map_err(|e| e.into_error())?;
            data.rewind()?;
            let copied = std::io::copy(&mut Interruptible(data), deb)?;
            if copied % 2 == 1 {
                deb.write_all(b"\n")?;
            }
            deb.flush()?;
            deb.stream_position()
        };
        let size = write(deb.as_file_mut(), data.as_file_mut())
            .map_err(|e| Error::io(out_dir, "cannot write the package", e))?;
        drop(data);
        crate::signals::check()?;
        // A temporary file is 0600; the package gets the mode any new file would get.
        std::fs::set_permissions(
            deb.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o666 & !umask()),
        )
        .map_err(|e| Error::io(deb.path(), "cannot set the package's mode", e))?;
        deb.persist(&final_path)
            .map_err(|e| Error::io(&final_path, "cannot move the package into place", e.error))?;
        Ok(Written {
            path: final_path,
            size,
        })
    }

    /// Streams the data member into `out`; returns the md5sum of every regular file.
    fn write_data(
        &self,
        out: &mut File,
        archived: &mut dyn FnMut(&Entry),
    ) -> Result<Vec<(String, [u8; 16])>> {
        let io = |e| {
            if let Some(sig) = crate::signals::pending() {
                return Error::Interrupted(sig);
            }
            Error::Io(format!(
                "cannot write the data member: {}",
                crate::error::describe_io(&e)
            ))
        };
        let encoder = self
            .compression
            .encoder(BufWriter::with_capacity(BUF_SIZE, out))
            .map_err(io)?;
        let mut tar = TarWriter::new(encoder, self.mtime);
        let mut buf = vec![0u8; BUF_SIZE];
        let mut sums: Vec<(String, [u8; 16])> = Vec::new();
        let mut digests: std::collections::HashMap<&str, [u8; 16]> =
            std::collections::HashMap::new();
        tar.header(&Header {
            path: "./",
            kind: EntryType::Dir,
            mode: 0o755,
            size: 0,
            link: None,
        })
        .map_err(io)?;
        for entry in self.entries {
            crate::signals::check()?;
            let path = entry.tar_path();
            match &entry.kind {
                Kind::Dir => tar
                    .header(&Header {
                        path: &path,
                        kind: EntryType::Dir,
                        mode: entry.mode,
                        size: 0,
                        link: None,
                    })
                    .map_err(io)?,
                Kind::Symlink { target } => tar
                    .header(&Header {
                        path: &path,
                        kind: EntryType::Symlink,
                        mode: 0o777,
                        size: 0,
                        link: Some(target),
                    })
                    .map_err(io)?,
                Kind::HardLink { target } => {
                    let link = format!("./{target}");
                    tar.header(&Header {
                        path: &path,
                        kind: EntryType::HardLink,
                        mode: entry.mode,
                        size: 0,
                        link: Some(&link),
                    })
                    .map_err(io)?;
                    if let Some(d) = digests.get(target.as_str()) {
                        sums.push((entry.path.clone(), *d));
                    }
                }
                Kind::File { size, source } => {
                    let header = Header {
                        path: &path,
                        kind: EntryType::File,
                        mode: entry.mode,
                        size: *size,
                        link: None,
                    };
                    let mut md5 = Md5::new();
                    let result = match source {
                        Source::Bytes(bytes) => {
                            tar.entry(&header, &mut &bytes[..], &mut buf, |c| md5.update(c))
                        }
                        Source::Disk(file) => {
                            let mut f = File::open(file)
                                .map_err(|e| Error::io(file, "cannot read staged file", e))?;
                            let mut f = Interruptible(&mut f);
                            tar.entry(&header, &mut f as &mut dyn Read, &mut buf, |c| {
                                md5.update(c)
                            })
                            .map_err(|e| {
                                if e.kind() == std::io::ErrorKind::UnexpectedEof {
                                    return std::io::Error::other(format!(
                                        "{}: file shrank while it was archived",
                                        file.display()
                                    ));
                                }
                                e
                            })
                        }
                    };
                    result.map_err(io)?;
                    let digest: [u8; 16] = md5.finalize().into();
                    digests.insert(&entry.path, digest);
                    sums.push((entry.path.clone(), digest));
                }
            }
            archived(entry);
        }
        let encoder = tar.finish().map_err(io)?;
        encoder.finish().map_err(io)?;
        Ok(sums)
    }

    /// The compressed control member, in memory (it is small).
    fn control_member(&self, sums: Vec<(String, [u8; 16])>) -> std::io::Result<Vec<u8>> {
        let m = self.manifest;
        let control =
            control::control_file(m, self.maintainer, control::installed_size(self.entries));
        let md5sums = control::md5sums(sums);
        let mut out = Vec::new();
        let encoder = self.compression.encoder(&mut out)?;
        let mut tar = TarWriter::new(encoder, self.mtime);
        let mut buf = vec![0u8; 64 << 10];
        tar.header(&Header {
            path: "./",
            kind: EntryType::Dir,
            mode: 0o755,
            size: 0,
            link: None,
        })?;
        let mut file = |tar: &mut TarWriter<_>, name: &str, mode: u32, text: &str| {
            let path = format!("./{name}");
            let header = Header {
                path: &path,
                kind: EntryType::File,
                mode,
                size: text.len() as u64,
                link: None,
            };
            tar.entry(&header, &mut text.as_bytes(), &mut buf, |_| {})
        };
        file(&mut tar, "control", 0o644, &control)?;
        file(&mut tar, "md5sums", 0o644, &md5sums)?;
        for (name, text) in control::scripts(m) {
            file(&mut tar, name, 0o755, &text)?;
        }
        tar.finish()?.finish()?;
        Ok(out)
    }
}
