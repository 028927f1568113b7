//! The resolved build plan (made from the command line by `commands::plan`), and the build
//! timestamp: `SOURCE_DATE_EPOCH`, the commit time or the manifest's.

use crate::deb::compress::Compression;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// Everything a build needs to know besides the plugin itself.
#[derive(Debug, Clone)]
pub(crate) struct BuildPlan {
    /// Plugin folders, in the order given.
    pub(crate) plugins: Vec<PathBuf>,
    /// Output folder.
    pub(crate) output: PathBuf,
    /// The package's file name in the output folder, when `-o` named a `.deb` file
    /// (otherwise the Debian name `<package>_<version>_all.deb`).
    pub(crate) output_name: Option<std::ffi::OsString>,
    /// Compression of the members.
    pub(crate) compression: Compression,
    /// `--maintainer`, when given (else `author`, else the default: see
    /// [`crate::package::control::maintainer`]).
    pub(crate) maintainer: Option<String>,
    /// Go on with the other plugins after one fails.
    pub(crate) keep_going: bool,
    /// The checkout's lint errors stop the build (`--deny-warnings`).
    pub(crate) deny_warnings: bool,
    /// Print one JSON document instead of one path per line.
    pub(crate) json: bool,
    /// `--ref`: build a branch or tag cloned as a Wazo server clones it.
    pub(crate) source: Option<crate::package::source::RefSource>,
    /// `SOURCE_DATE_EPOCH`, read and checked once, before anything runs or is created.
    pub(crate) source_date_epoch: Option<u64>,
    /// Set once the `--ref` clone is made: what it is, and the user the steps run as.
    pub(crate) origin: Option<crate::package::source::Origin>,
}

/// The latest build timestamp a package can carry: the tar headers hold an mtime in 11 octal
/// digits (the ar headers' 12 decimal digits hold more). Later times would need GNU base-256
/// numbers, which not every reader takes.
pub(crate) const MAX_TIMESTAMP: u64 = 0o77_777_777_777;

/// The refusal of a timestamp the headers cannot hold: `what` says where it came from.
fn out_of_range(what: &str, fix: &str) -> Error {
    Error::Usage(format!(
        "{what}: later than {MAX_TIMESTAMP} (2242-03-16), the latest time the tar headers of a \
         .deb can hold; {fix}"
    ))
}

/// `SOURCE_DATE_EPOCH` when set, checked: a whole number of seconds the headers can hold.
pub(crate) fn source_date_epoch() -> Result<Option<u64>> {
    let Some(value) = std::env::var_os("SOURCE_DATE_EPOCH") else {
        return Ok(None);
    };
    let text = value.to_string_lossy();
    let digits = text.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Usage(format!(
            "SOURCE_DATE_EPOCH={text:?}: must be a whole number of seconds since 1970-01-01"
        )));
    }
    match digits.parse::<u64>() {
        Ok(time) if time <= MAX_TIMESTAMP => Ok(Some(time)),
        _ => Err(out_of_range(
            &format!("SOURCE_DATE_EPOCH={text:?}"),
            "give a smaller number of seconds since 1970-01-01",
        )),
    }
}

/// The build timestamp: `source_date_epoch` (the plan's `SOURCE_DATE_EPOCH`), else HEAD's
/// commit time when the plugin is in a git work tree, else the modification time of
/// `wazo/plugin.yml`; always one the archive headers can hold.
pub(crate) fn build_timestamp(plugin_dir: &Path, source_date_epoch: Option<u64>) -> Result<u64> {
    if let Some(time) = source_date_epoch {
        return Ok(time);
    }
    let fix = "set SOURCE_DATE_EPOCH to the time to stamp the package with";
    if let Some(time) = crate::plugin::git::head_time(plugin_dir)? {
        if time > MAX_TIMESTAMP {
            return Err(out_of_range(
                &format!(
                    "{}: the commit time of HEAD ({time})",
                    crate::plugin::paths::shown(plugin_dir).display()
                ),
                fix,
            ));
        }
        return Ok(time);
    }
    let manifest = plugin_dir.join(crate::plugin::manifest::MANIFEST_PATH);
    let meta = std::fs::metadata(&manifest).map_err(|e| Error::io(&manifest, "cannot read", e))?;
    let mtime = meta
        .modified()
        .map_err(|e| Error::io(&manifest, "cannot read its time", e))?;
    let time = mtime
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    if time > MAX_TIMESTAMP {
        return Err(out_of_range(
            &format!(
                "{}: modified at {time}",
                crate::plugin::manifest::manifest_path(plugin_dir).display()
            ),
            fix,
        ));
    }
    Ok(time)
}
