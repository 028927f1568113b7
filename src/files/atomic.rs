//! Files replaced whole: written to a temporary beside the target, synced, then renamed.
//!
//! A reader (apt fetching a repository, the market reading its document) sees the old file
//! or the new one, never half of one. Several files can be staged first and renamed later,
//! so that a failure while writing any of them leaves every target as it was.

use crate::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A complete temporary file waiting to be renamed over its target.
pub(crate) struct Staged {
    tmp: tempfile::NamedTempFile,
    target: PathBuf,
}

impl Staged {
    /// Writes `bytes` to a temporary file in `target`'s folder, synced, with a new file's
    /// mode: everything that can fail is done before any [`Staged::commit`].
    pub(crate) fn new(target: &Path, bytes: &[u8]) -> Result<Staged> {
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        // Named with our pid and locked while open, as the package's temporaries are: what
        // a killed run left here is removed by the next run that writes here.
        crate::files::leftovers::remove_stale_temp_files(dir);
        let mut tmp = tempfile::Builder::new()
            .prefix(&crate::files::leftovers::temp_prefix())
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| Error::io(dir, "cannot create a file in the folder", e))?;
        crate::files::leftovers::hold(std::os::fd::AsFd::as_fd(tmp.as_file()))
            .map_err(|e| Error::io(tmp.path(), "cannot lock", e))?;
        // Through the File itself: NamedTempFile's own writes wrap the error, hiding the
        // errno (ENOSPC) that the message's hint is chosen by.
        tmp.as_file_mut()
            .write_all(bytes)
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| Error::io(target, "cannot write", e))?;
        give_new_file_mode(&tmp, target)?;
        Ok(Staged {
            tmp,
            target: target.to_path_buf(),
        })
    }

    /// The path it will be renamed to.
    pub(crate) fn target(&self) -> &Path {
        &self.target
    }

    /// Renames the temporary over the target; returns the target.
    pub(crate) fn commit(self) -> Result<PathBuf> {
        rename(self.tmp, &self.target)?;
        Ok(self.target)
    }
}

/// Gives a temporary file the mode a new file gets under the umask: its own 0600 would hide
/// a package or a repository from the web server that serves it.
fn give_new_file_mode(tmp: &tempfile::NamedTempFile, target: &Path) -> Result<()> {
    std::fs::set_permissions(
        tmp.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o666 & !crate::files::umask()),
    )
    .map_err(|e| Error::io(target, "cannot set its mode", e))
}

fn rename(tmp: tempfile::NamedTempFile, target: &Path) -> Result<()> {
    tmp.persist(target)
        .map_err(|e| Error::io(target, "cannot move it into place", e.error))?;
    Ok(())
}

/// Puts a complete temporary file (a package) under its name, with a new file's mode: the
/// one place a finished file gets its name, as [`Staged::commit`] does for the index files.
pub(crate) fn put_in_place(tmp: tempfile::NamedTempFile, target: &Path) -> Result<()> {
    give_new_file_mode(&tmp, target)?;
    rename(tmp, target)
}

/// Replaces `target` with `bytes` in one rename.
pub(crate) fn write(target: &Path, bytes: &[u8]) -> Result<PathBuf> {
    Staged::new(target, bytes)?.commit()
}
