//! Finding the plugin around the current folder when none is named (`pluginctl build`,
//! `pluginctl lint`), as cargo finds Cargo.toml, and trusting only what the user could have
//! put there.
//!
//! Building runs `wazo/rules`. A plugin found higher up than the current folder was not
//! named by the user: in a sub-folder of `/tmp`, the search would otherwise find a
//! `/tmp/wazo/plugin.yml` that anyone can plant, and run its rules as whoever builds (root,
//! on a build host). So, as git does for a repository it finds (`safe.directory`), a plugin
//! found by the search is used only when the folder, its `wazo/`, `wazo/plugin.yml` and
//! `wazo/rules` belong to the user who runs pluginctl (root: to root), are not links, and
//! no one else can write into `wazo/` or the plugin folder; and when no folder on the way
//! from it down to the current folder is writable by everyone or owned by another user
//! (root excepted). Otherwise the search stops with one line that names the folder, why,
//! and the command that names it explicitly, which is always obeyed.

use crate::{Error, Result};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The plugin folder to use when none is given: the nearest of the current folder and its
/// parents that holds `wazo/plugin.yml`, as a relative path (`.`, `..`, `../..`: the real
/// parents of the current folder, whatever renames happen above it). When it is not the
/// current folder, says so. When there is none, `.`, whose errors then say what is missing.
/// `command` (`build`, `lint`) is named in the way out of a refusal.
pub(crate) fn find_plugin_dir(
    command: &str,
    report: &crate::ui::report::Report,
) -> Result<PathBuf> {
    let Ok(cwd) = std::env::current_dir() else {
        return Ok(PathBuf::from("."));
    };
    for (depth, dir) in cwd.ancestors().enumerate() {
        if std::fs::symlink_metadata(dir.join(super::manifest::MANIFEST_PATH)).is_err() {
            continue;
        }
        if let Err(why) = trusted(dir, &cwd) {
            return Err(Error::Usage(format!(
                "{}: not using the plugin found there: {why}; if you trust it, name it: \
                 pluginctl {command} {}",
                dir.display(),
                dir.display()
            )));
        }
        if depth == 0 {
            break;
        }
        let rel: PathBuf = std::iter::repeat_n("..", depth).collect();
        report.info(&format!(
            "using the plugin in {} ({})",
            rel.display(),
            dir.display()
        ));
        return Ok(rel);
    }
    // None: say where we looked (as cargo does); the errors about "." then say what is
    // missing.
    if std::fs::symlink_metadata(cwd.join(super::manifest::MANIFEST_PATH)).is_err() {
        report.info(&format!(
            "no wazo/plugin.yml in {} or any folder above it (searched {})",
            cwd.display(),
            cwd.ancestors()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(PathBuf::from("."))
}

/// Why the plugin found in `dir` (an ancestor of `cwd`, or `cwd` itself) cannot be trusted.
fn trusted(dir: &Path, cwd: &Path) -> std::result::Result<(), String> {
    let me = rustix::process::geteuid().as_raw();
    let user = if me == 0 {
        "root".to_string()
    } else {
        format!("you (uid {me})")
    };
    // The plugin's own files: ours alone.
    for rel in [
        "",
        "wazo",
        super::manifest::MANIFEST_PATH,
        super::rules::RULES_PATH,
    ] {
        let path = if rel.is_empty() {
            dir.to_path_buf()
        } else {
            dir.join(rel)
        };
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            // A missing rules file is the build's to report, with its fix.
            Err(_) if rel == super::rules::RULES_PATH => continue,
            Err(e) => {
                return Err(format!(
                    "{}: {}",
                    path.display(),
                    crate::error::describe_io(&e)
                ))
            }
        };
        if meta.file_type().is_symlink() {
            return Err(format!("{} is a symbolic link", path.display()));
        }
        if meta.uid() != me {
            return Err(format!(
                "{} is owned by uid {}, not by {user}",
                path.display(),
                meta.uid()
            ));
        }
        if meta.is_dir() && meta.mode() & 0o002 != 0 {
            return Err(writable_by_everyone(&path, meta.mode()));
        }
    }
    // The way down to the current folder: no one else could have made or moved it.
    for folder in cwd.ancestors().take_while(|f| *f != dir) {
        let meta = std::fs::symlink_metadata(folder)
            .map_err(|e| format!("{}: {}", folder.display(), crate::error::describe_io(&e)))?;
        if meta.mode() & 0o002 != 0 {
            return Err(writable_by_everyone(folder, meta.mode()));
        }
        if meta.uid() != me && meta.uid() != 0 {
            return Err(format!(
                "{} is owned by uid {}, not by {user}",
                folder.display(),
                meta.uid()
            ));
        }
    }
    Ok(())
}

fn writable_by_everyone(path: &Path, mode: u32) -> String {
    format!(
        "{} is writable by everyone (mode {:o})",
        path.display(),
        mode & 0o7777
    )
}
