//! Assembling a `.deb`: the data member streamed from the tree, the control member, and the
//! ar container around them, under a temporary name until it is complete.
//!
//! Files are read ahead on reader threads ([`super::feed`]), which compute the md5sums from the
//! archived bytes; the compressor runs on its own threads ([`crate::deb::compress`]); the staging tree is
//! removed behind the archiver ([`crate::package::cleanup`]). Uncompressed and zstd packages are written
//! in place; an xz or gzip data member goes through a temporary file in the output folder and
//! is copied in the kernel behind the control member.

use super::control;
use super::feed::{self, Feed, Piece};
use crate::deb::ar;
use crate::deb::compress::{Algorithm, Compression};
use crate::deb::encoder::Meter;
use crate::deb::tar::{self, EntryType, Header, TarWriter};
use crate::package::staging::{Entry, Kind, StagingDir};
use crate::plugin::manifest::Manifest;
use crate::{Error, Result};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::thread::Scope;

/// Size of the buffer in front of the output file.
const BUF_SIZE: usize = 256 << 10;

/// Everything the package is made of, ready to be written.
pub(crate) struct Package<'a> {
    /// The validated manifest.
    pub(crate) manifest: &'a Manifest,
    /// The Maintainer field.
    pub(crate) maintainer: &'a str,
    /// The data entries in archive order.
    pub(crate) entries: &'a [Entry],
    /// Compression of both members.
    pub(crate) compression: Compression,
    /// The build timestamp (every mtime).
    pub(crate) mtime: u64,
    /// The staging folder the entries come from: emptied while the package is written.
    pub(crate) staging: Option<&'a StagingDir>,
}

/// Fills a zstd member up to `len` bytes with a skippable frame (magic, length, zeros), which
/// decoders pass over; false when there is no room for its 8-byte header.
fn pad_with_skippable_frame(member: &mut Vec<u8>, len: usize) -> bool {
    let Some(content) = len.checked_sub(member.len() + 8) else {
        return false;
    };
    let Ok(content) = u32::try_from(content) else {
        return false;
    };
    member.extend_from_slice(&0x184D_2A50_u32.to_le_bytes());
    member.extend_from_slice(&content.to_le_bytes());
    member.resize(len, 0);
    true
}

/// The owned text of an entry's tar header: its archive path and link target.
struct TarNames {
    path: String,
    link: Option<String>,
}

impl TarNames {
    fn of(entry: &Entry) -> TarNames {
        TarNames {
            path: entry.tar_path(),
            link: match &entry.kind {
                Kind::Symlink { target } => Some(target.clone()),
                Kind::HardLink { target } => Some(format!("./{target}")),
                Kind::Dir | Kind::File { .. } => None,
            },
        }
    }

    /// The entry's header: symlinks are 0777, only files have a size.
    fn header(&self, entry: &Entry) -> Header<'_> {
        let (kind, mode, size) = match &entry.kind {
            Kind::Dir => (EntryType::Dir, entry.mode, 0),
            Kind::Symlink { .. } => (EntryType::Symlink, 0o777, 0),
            Kind::HardLink { .. } => (EntryType::HardLink, entry.mode, 0),
            Kind::File { size, .. } => (EntryType::File, entry.mode, *size),
        };
        Header {
            path: &self.path,
            kind,
            mode,
            size,
            link: self.link.as_deref(),
        }
    }
}

/// What was written.
#[derive(Debug, Clone)]
pub(crate) struct Written {
    /// The final path of the `.deb`.
    pub(crate) path: PathBuf,
    /// Its size in bytes.
    pub(crate) size: u64,
}

/// `<package>_<version without epoch>_all.deb`.
pub(crate) fn file_name(m: &Manifest) -> String {
    format!(
        "{}_{}_all.deb",
        m.package(),
        crate::deb::version::without_epoch(&m.version)
    )
}

/// A temporary file in the output folder, named with our pid and locked while it is open, so
/// a later build can tell it from a killed build's leftover ([`crate::files::leftovers`]).
fn temp_in(dir: &Path, suffix: &str) -> Result<tempfile::NamedTempFile> {
    let file = tempfile::Builder::new()
        .prefix(&crate::files::leftovers::temp_prefix())
        .suffix(suffix)
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, "cannot create a file in the output folder", e))?;
    crate::files::leftovers::hold(std::os::fd::AsFd::as_fd(file.as_file()))
        .map_err(|e| Error::io(file.path(), "cannot lock", e))?;
    Ok(file)
}

impl Package<'_> {
    /// Writes the `.deb` into `out_dir` under `name` (`-o FILE.deb`), else its Debian name;
    /// it appears under that name only when complete. `meter` follows the bytes of the data
    /// member's tar stream compressed so far ([`Package::data_tar_ends`] says where each
    /// entry ends in it), for a progress bar.
    pub(crate) fn write(
        &self,
        out_dir: &Path,
        name: Option<&std::ffi::OsStr>,
        meter: &Meter,
    ) -> Result<Written> {
        let final_path = match name {
            Some(name) => out_dir.join(name),
            None => out_dir.join(file_name(self.manifest)),
        };
        // Walking the tree left freed memory in the heap; hand it back before the compressor
        // takes its share.
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: malloc_trim only releases free heap pages; it has no preconditions.
        unsafe {
            libc::malloc_trim(0);
        }
        let mut deb = temp_in(out_dir, ".deb.tmp")?;
        let size = std::thread::scope(|scope| match self.compression.algorithm {
            Algorithm::None | Algorithm::Zstd => {
                self.write_in_place(scope, deb.as_file_mut(), out_dir, meter)
            }
            Algorithm::Xz | Algorithm::Gzip => {
                self.write_through_temp(scope, deb.as_file_mut(), out_dir, meter)
            }
        })?;
        crate::interrupt::check()?;
        crate::files::atomic::put_in_place(deb, &final_path)?;
        Ok(Written {
            path: final_path,
            size,
        })
    }

    /// Uncompressed or zstd: the data member is streamed straight into the package behind a
    /// place kept for the control member, which is written there at the end.
    ///
    /// Uncompressed, the control member's size is known before any file is read (md5sums
    /// lines have a fixed width). With zstd it is estimated by compressing the control member
    /// with stand-in digests, plus a margin; the real one is then filled up to the place with
    /// a skippable frame, which the zstd format defines for this and every decoder passes
    /// over (RFC 8878, 3.1.2). Should it not fit, the package is rebuilt around the data
    /// member already written, as for the other compressions.
    fn write_in_place<'scope, 'env>(
        &'env self,
        scope: &'scope Scope<'scope, 'env>,
        deb: &mut File,
        out_dir: &Path,
        meter: &Meter,
    ) -> Result<u64> {
        let fail = |e| Error::io(out_dir, "cannot write the package", e);
        let padded = self.compression.algorithm == Algorithm::Zstd;
        let stand_in = self.control_member(self.stand_in_sums()).map_err(fail)?;
        let reserved = if padded {
            // Real digests compress within a few tenths of a percent of the stand-ins.
            (stand_in.len() + stand_in.len() / 256 + 32).next_multiple_of(2)
        } else {
            stand_in.len()
        };
        drop(stand_in);
        let ext = self.compression.algorithm.extension();
        let mut out = BufWriter::with_capacity(BUF_SIZE, &mut *deb);
        out.write_all(ar::MAGIC).map_err(fail)?;
        ar::write_member(&mut out, "debian-binary", self.mtime, b"2.0\n").map_err(fail)?;
        let control_at = out.stream_position().map_err(fail)? + 60;
        let control_name = format!("control.tar{ext}");
        ar::write_member(&mut out, &control_name, self.mtime, &vec![0; reserved]).map_err(fail)?;
        let data_at = out.stream_position().map_err(fail)? + 60;
        let member =
            ar::OpenMember::begin(&mut out, &format!("data.tar{ext}"), self.mtime).map_err(fail)?;
        let sums = self.write_data(scope, &mut out, out_dir, meter)?;
        let data_len = member.end(&mut out).map_err(fail)?;
        let size = out.stream_position().map_err(fail)?;
        out.flush().map_err(fail)?;
        drop(out);
        crate::interrupt::check()?;
        let mut control = self.control_member(sums).map_err(fail)?;
        let fits = if padded {
            pad_with_skippable_frame(&mut control, reserved)
        } else {
            control.len() == reserved
        };
        if fits {
            deb.seek(SeekFrom::Start(control_at)).map_err(fail)?;
            deb.write_all(&control).map_err(fail)?;
            return Ok(size);
        }
        if !padded {
            return Err(Error::Io(format!(
                "{}: the control member came out at {} bytes instead of the {reserved} kept (a bug)",
                out_dir.display(),
                control.len(),
            )));
        }
        // The estimate fell short: move the data member out and build the package around it.
        let mut data = temp_in(out_dir, ".data.tmp")?;
        let moved = (|| {
            deb.seek(SeekFrom::Start(data_at))?;
            std::io::copy(&mut (&mut *deb).take(data_len), data.as_file_mut())?;
            deb.set_len(0)?;
            deb.rewind()?;
            self.assemble(deb, &control, data.as_file_mut(), data_len)
        })();
        let size = moved.map_err(fail)?;
        // Without a thread to spare, the file is freed here.
        let _ = crate::threads::spawn_scoped(scope, move || drop(data));
        Ok(size)
    }

    /// xz and gzip: the control member's size depends on the md5sums, so the data member goes
    /// to a temporary file first, then is copied in the kernel behind the control member.
    fn write_through_temp<'scope, 'env>(
        &'env self,
        scope: &'scope Scope<'scope, 'env>,
        deb: &mut File,
        out_dir: &Path,
        meter: &Meter,
    ) -> Result<u64> {
        let mut data = temp_in(out_dir, ".data.tmp")?;
        let sums = {
            let mut out = BufWriter::with_capacity(BUF_SIZE, data.as_file_mut());
            let sums = self.write_data(scope, &mut out, out_dir, meter)?;
            out.flush()
                .map_err(|e| Error::io(out_dir, "cannot write the data member", e))?;
            sums
        };
        crate::interrupt::check()?;
        let control = self
            .control_member(sums)
            .map_err(|e| Error::io(out_dir, "cannot write the control member", e))?;
        let size = data
            .as_file_mut()
            .seek(SeekFrom::End(0))
            .and_then(|len| self.assemble(deb, &control, data.as_file_mut(), len))
            .map_err(|e| Error::io(out_dir, "cannot write the package", e))?;
        // Freeing the blocks of a big file may wait for the disk: not on the way to the
        // finished package.
        if size > 64 << 20 {
            // Without a thread to spare, the file is freed here.
            let _ = crate::threads::spawn_scoped(scope, move || drop(data));
        }
        Ok(size)
    }

    /// Writes the package into `deb` from its control member and the `len` bytes of `data`
    /// (from its start), copied in the kernel (copy_file_range on Linux); returns its size.
    fn assemble(
        &self,
        deb: &mut File,
        control: &[u8],
        data: &mut File,
        len: u64,
    ) -> std::io::Result<u64> {
        let ext = self.compression.algorithm.extension();
        let mut out = BufWriter::new(&mut *deb);
        out.write_all(ar::MAGIC)?;
        ar::write_member(&mut out, "debian-binary", self.mtime, b"2.0\n")?;
        ar::write_member(&mut out, &format!("control.tar{ext}"), self.mtime, control)?;
        out.write_all(&ar::member_header(
            &format!("data.tar{ext}"),
            self.mtime,
            len,
        )?)?;
        out.flush()?;
        drop(out);
        data.rewind()?;
        // In steps, so an interrupt is not held up by the copy of a large member.
        let mut copied = 0;
        while copied < len {
            if let Some(sig) = crate::interrupt::pending() {
                return Err(std::io::Error::other(format!(
                    "interrupted by signal {sig}"
                )));
            }
            let step = std::io::copy(
                &mut Read::by_ref(data).take((len - copied).min(64 << 20)),
                deb,
            )?;
            if step == 0 {
                break;
            }
            copied += step;
        }
        if copied != len {
            return Err(std::io::Error::other(
                "the data member shrank while it was copied",
            ));
        }
        if len % 2 == 1 {
            deb.write_all(b"\n")?;
        }
        deb.stream_position()
    }

    /// Digests that look like real ones (for sizing the control member before the files
    /// are read): every path of md5sums with the md5 of its own name.
    fn stand_in_sums(&self) -> Vec<(String, [u8; 16])> {
        self.md5sums_paths()
            .map(|p| {
                let digest = crate::deb::md5::Md5::digest(p.as_bytes());
                (p, digest)
            })
            .collect()
    }

    /// The paths md5sums lists: every regular file and every hard link to one.
    fn md5sums_paths(&self) -> impl Iterator<Item = String> + '_ {
        self.entries
            .iter()
            .filter(|e| matches!(e.kind, Kind::File { .. } | Kind::HardLink { .. }))
            .map(|e| e.path.clone())
    }

    /// Streams the data member into `out` through the encoder; returns the md5sum of every
    /// regular file (and hard link). Files are read ahead on reader threads in `scope`; once
    /// the last one was read, the staging folder is removed on another thread while the
    /// compressor finishes.
    fn write_data<'scope, 'env>(
        &'env self,
        scope: &'scope Scope<'scope, 'env>,
        out: &mut dyn Write,
        out_dir: &Path,
        meter: &Meter,
    ) -> Result<Vec<(String, [u8; 16])>> {
        let io = |e| Error::io(out_dir, "cannot write the data member", e);
        let jobs = self
            .entries
            .iter()
            .filter_map(|e| match &e.kind {
                Kind::File { size, source } => Some(feed::Job {
                    source,
                    size: *size,
                }),
                _ => None,
            })
            .collect();
        // xz takes seconds per megabyte: one reader keeps well ahead of it.
        let readers = match self.compression.algorithm {
            Algorithm::Xz => 1,
            _ => self.compression.threads.clamp(1, 4) as usize,
        };
        let mut feed = Feed::start(scope, jobs, readers)?;
        let reaper = self
            .staging
            .and_then(|stage| crate::package::cleanup::start(scope, stage, self.entries));
        let encoder = self
            .compression
            .encoder(out, self.data_tar_len(), meter.clone())
            .map_err(io)?;
        let mut tar = TarWriter::new(encoder, self.mtime);
        // Digests by entry index: no copy of every path while the compressor holds memory.
        let mut sums: Vec<(usize, [u8; 16])> = Vec::new();
        let link_targets: HashSet<&str> = self
            .entries
            .iter()
            .filter_map(|e| match &e.kind {
                Kind::HardLink { target } => Some(target.as_str()),
                _ => None,
            })
            .collect();
        let mut digests: HashMap<&str, [u8; 16]> = HashMap::new();
        tar.header(&tar::ROOT).map_err(io)?;
        let mut reported = (0, 0);
        for (index, entry) in self.entries.iter().enumerate() {
            crate::interrupt::check()?;
            let names = TarNames::of(entry);
            let header = names.header(entry);
            tar.header(&header).map_err(io)?;
            match &entry.kind {
                Kind::Dir | Kind::Symlink { .. } => {}
                Kind::HardLink { target } => {
                    if let Some(d) = digests.get(target.as_str()) {
                        sums.push((index, *d));
                    }
                }
                Kind::File { size, .. } => {
                    let digest = loop {
                        match feed.piece()? {
                            Piece::Data(bytes) => tar.data(&bytes).map_err(io)?,
                            Piece::End(bytes, digest) => {
                                tar.data(&bytes).map_err(io)?;
                                break digest;
                            }
                        }
                    };
                    tar.end_data(*size).map_err(io)?;
                    if link_targets.contains(entry.path.as_str()) {
                        digests.insert(&entry.path, digest);
                    }
                    sums.push((index, digest));
                    // The reaper is told in steps: a wake-up per file would cost more than
                    // the unlink.
                    reported.1 += size;
                    if let Some(reaper) = &reaper {
                        if index + 1 - reported.0 >= 256 || reported.1 >= 8 << 20 {
                            reaper.archived(index + 1);
                            reported = (index + 1, 0);
                        }
                    }
                }
            }
        }
        drop(feed);
        if let Some(reaper) = reaper {
            reaper.finished();
        }
        let encoder = tar.finish().map_err(io)?;
        encoder.finish().map_err(io)?;
        Ok(sums
            .into_iter()
            .map(|(index, digest)| (self.entries[index].path.clone(), digest))
            .collect())
    }

    /// The exact length of the data member's tar stream.
    pub(crate) fn data_tar_len(&self) -> u64 {
        self.data_tar_ends()
            .last()
            .copied()
            .unwrap_or(tar::entry_len(&tar::ROOT))
            + tar::END_LEN
    }

    /// Where each entry (in the order of `entries`) ends in the data member's tar stream.
    pub(crate) fn data_tar_ends(&self) -> Vec<u64> {
        self.entries
            .iter()
            .scan(tar::entry_len(&tar::ROOT), |at, e| {
                *at += tar::entry_len(&TarNames::of(e).header(e));
                Some(*at)
            })
            .collect()
    }

    /// The compressed control member, in memory (it is small).
    fn control_member(&self, sums: Vec<(String, [u8; 16])>) -> std::io::Result<Vec<u8>> {
        let m = self.manifest;
        let control =
            control::control_file(m, self.maintainer, control::installed_size(self.entries, m));
        let md5sums = control::md5sums(sums);
        let mut files = vec![("control", 0o644, control), ("md5sums", 0o644, md5sums)];
        for (name, text) in control::scripts(m) {
            files.push((name, 0o755, text));
        }
        tar::small_member(&files, self.compression, self.mtime)
    }
}
