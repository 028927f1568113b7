//! Command-line arguments and environment -> one resolved build plan.

use crate::cli::args::{BuildArgs, CompressionArg};
use crate::deb::compress::{Algorithm, Compression};
use crate::ui::report::Report;
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
    /// Set once the `--ref` clone is made: what it is, and the user the steps run as.
    pub(crate) origin: Option<crate::package::source::Origin>,
}

impl BuildPlan {
    /// Resolves and checks the arguments; without a plugin folder, finds the plugin around
    /// the current folder (and says which, through `report`).
    pub(crate) fn from_args(args: &BuildArgs, report: &Report) -> Result<BuildPlan> {
        let algorithm = match args.compression {
            CompressionArg::Xz => Algorithm::Xz,
            CompressionArg::Gzip => Algorithm::Gzip,
            CompressionArg::Zstd => Algorithm::Zstd,
            CompressionArg::None => Algorithm::None,
        };
        let level = args.level.unwrap_or_else(|| algorithm.default_level());
        let levels = algorithm.levels();
        if !levels.contains(&level) {
            return Err(Error::Usage(format!(
                "--level {level}: {} takes a level from {} to {}",
                algorithm.name(),
                levels.start(),
                levels.end()
            )));
        }
        // 0, as for xz and zstd: every core.
        let threads = match args.threads {
            Some(n) if n > 0 => n,
            _ => std::thread::available_parallelism().map_or(1, |n| n.get() as u32),
        };
        if let Some(m) = &args.maintainer {
            check_maintainer(m)?;
        }
        // A bad SOURCE_DATE_EPOCH stops the build before anything runs or is created.
        source_date_epoch()?;
        let plugins = if args.plugins.is_empty() && args.url.is_none() {
            vec![crate::plugin::search::find_plugin_dir("build", report)?]
        } else if args.plugins.is_empty() {
            // `--ref --url`: the plugin is the clone's; no checkout here is used.
            vec![PathBuf::from(".")]
        } else {
            args.plugins.clone()
        };
        let (output, output_name) = match &args.output {
            // As dpkg-deb and cargo-deb: a path ending in .deb that is not a folder names
            // the package file itself.
            Some(path) if names_a_deb_file(path) => {
                if plugins.len() > 1 {
                    return Err(Error::Usage(format!(
                        "-o {}: a .deb file takes one plugin, {} were given; give an output folder",
                        path.display(),
                        plugins.len()
                    )));
                }
                let dir = match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                (dir, path.file_name().map(|n| n.to_os_string()))
            }
            Some(path) => (path.clone(), None),
            // The package lands in the plugin folder when the plugin was found from inside it,
            // in the current folder otherwise.
            None if args.plugins.is_empty() => (plugins[0].clone(), None),
            None => (PathBuf::from("."), None),
        };
        let source = crate::package::source::RefSource::from_args(args, plugins.len())?;
        Ok(BuildPlan {
            plugins,
            output,
            output_name,
            compression: Compression {
                algorithm,
                level,
                threads,
            },
            maintainer: args.maintainer.as_deref().map(|m| m.trim().to_string()),
            keep_going: args.keep_going,
            deny_warnings: args.deny_warnings,
            json: args.json,
            source,
            origin: None,
        })
    }
}

/// True when `-o PATH` names the package file: it ends in `.deb` and is not a folder.
fn names_a_deb_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "deb")
        && !path.to_string_lossy().ends_with('/')
        && !path.is_dir()
}

fn check_maintainer(m: &str) -> Result<()> {
    let m = m.trim();
    if crate::package::control::is_maintainer(m) {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "--maintainer {m:?}: expected one line of the form \"Full Name <email@example.org>\""
        )))
    }
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

/// The build timestamp: `SOURCE_DATE_EPOCH`, else HEAD's commit time when the plugin is in a
/// git work tree, else the modification time of `wazo/plugin.yml`; always one the archive
/// headers can hold.
pub(crate) fn build_timestamp(plugin_dir: &Path) -> Result<u64> {
    if let Some(time) = source_date_epoch()? {
        return Ok(time);
    }
    let fix = "set SOURCE_DATE_EPOCH to the time to stamp the package with";
    if let Some(time) = git_head_time(plugin_dir) {
        if time > MAX_TIMESTAMP {
            return Err(out_of_range(
                &format!("{}: the commit time of HEAD ({time})", plugin_dir.display()),
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

fn git_head_time(dir: &Path) -> Option<u64> {
    crate::plugin::git::head_time(dir)
}
