//! Putting the staged index files in place all or nothing. The renames are ordered for
//! readers (see [`super::run`]); if one of them fails, the files already renamed get their
//! previous content back and removed signatures come back, so a failed run never leaves a
//! `Release` beside a signature of another `Release`, nor a `Release` that lost its
//! `InRelease`. The previous files are kept as hard links until the end: a reader sees the
//! old file or the new one, never none.

use crate::files::atomic::Staged;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// A second name for an existing file, deleted when dropped unless put back.
type Backup = tempfile::NamedTempFile<()>;

/// A hard link to `path` beside it, when `path` is a regular file.
fn backup(path: &Path) -> Result<Option<Backup>> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, "cannot read", e)),
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    tempfile::Builder::new()
        .prefix(".pluginctl-")
        .suffix(".tmp")
        .make_in(dir, |link| std::fs::hard_link(path, link))
        .map(Some)
        .map_err(|e| Error::io(path, "cannot keep a copy while it is replaced", e))
}

/// Puts `path` back as `saved` held it, or removes it when there was nothing before.
fn restore(path: &Path, saved: Option<Backup>) {
    let _ = match saved {
        Some(b) => b.persist(path).map(drop).map_err(|e| e.error),
        None => std::fs::remove_file(path),
    };
}

/// Removes each of `remove` (absent ones are skipped), then renames each of `staged`
/// into place, in order; on a failure, undoes what was done and returns the error. Returns
/// the paths written and the paths removed.
pub(crate) fn all_or_nothing(
    remove: &[PathBuf],
    staged: Vec<Staged>,
) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let mut removed: Vec<(PathBuf, Backup)> = Vec::new();
    let mut written: Vec<(PathBuf, Option<Backup>)> = Vec::new();
    let undo = |removed: Vec<(PathBuf, Backup)>, written: Vec<(PathBuf, Option<Backup>)>| {
        for (path, saved) in written.into_iter().rev() {
            restore(&path, saved);
        }
        for (path, saved) in removed.into_iter().rev() {
            restore(&path, Some(saved));
        }
    };
    for path in remove {
        let saved = match backup(path) {
            Ok(Some(saved)) => saved,
            Ok(None) => continue,
            Err(e) => {
                undo(removed, written);
                return Err(e);
            }
        };
        if let Err(e) = std::fs::remove_file(path) {
            undo(removed, written);
            return Err(Error::io(path, "cannot remove the stale signature", e));
        }
        removed.push((path.clone(), saved));
    }
    let mut staged = staged.into_iter();
    for file in staged.by_ref() {
        let target = file.target().to_path_buf();
        let saved = match backup(&target) {
            Ok(saved) => saved,
            Err(e) => {
                undo(removed, written);
                return Err(e);
            }
        };
        if let Err(e) = file.commit() {
            undo(removed, written);
            return Err(e);
        }
        written.push((target, saved));
    }
    let paths = written.into_iter().map(|(p, _)| p).collect();
    Ok((paths, removed.into_iter().map(|(p, _)| p).collect()))
}
