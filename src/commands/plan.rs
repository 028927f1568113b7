//! `pluginctl build`'s command line -> one resolved [`BuildPlan`]: the only place below
//! `cli` where build's clap arguments are read, so that `package` never names clap.

use crate::cli::args::{BuildArgs, CompressionArg};
use crate::deb::compress::{Algorithm, Compression};
use crate::package::options::{source_date_epoch, BuildPlan};
use crate::package::source::RefSource;
use crate::ui::report::Report;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// Resolves and checks the arguments; without a plugin folder, finds the plugin around
/// the current folder (and says which, through `report`).
pub(crate) fn build_plan(args: &BuildArgs, report: &Report) -> Result<BuildPlan> {
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
    let source_date_epoch = source_date_epoch()?;
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
    let source = RefSource::new(
        args.git_ref.as_deref(),
        args.url.clone(),
        args.subdirectory.clone(),
        plugins.len(),
    )?;
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
        source_date_epoch,
        origin: None,
    })
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
