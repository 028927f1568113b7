//! Small path helpers shared by the steps: how paths are shown and how they are checked.
//!
//! Every message about a file of the plugin names it through [`display_join`] (or
//! [`shown`] for the folder itself). A `build --ref` works in a clone in a private temporary
//! folder the user never sees; while it lasts ([`show_as_ref`]), its files are named in
//! git's notation for a file at a ref, `REF:wazo/plugin.yml`, which `git show` takes as is.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The folders shown under a ref's name: the top of a `--ref` clone (as made, and
/// resolved), and the ref.
static SHOWN_AS_REF: Mutex<Vec<(PathBuf, String)>> = Mutex::new(Vec::new());

/// While this lives, the files of a `--ref` clone are shown as `REF:path` ([`shown`]).
#[derive(Debug)]
pub(crate) struct ShownAsRef {
    /// The folders it added to [`SHOWN_AS_REF`].
    roots: Vec<PathBuf>,
}

/// Shows the files under `clone` (the top of a clone of `git_ref`) as `git_ref:path` until
/// the returned guard goes.
pub(crate) fn show_as_ref(clone: &Path, git_ref: &str) -> ShownAsRef {
    let mut roots = vec![clone.to_path_buf()];
    if let Ok(real) = clone.canonicalize() {
        if real != clone {
            roots.push(real);
        }
    }
    let mut shown = SHOWN_AS_REF.lock().unwrap_or_else(|e| e.into_inner());
    shown.extend(roots.iter().map(|r| (r.clone(), git_ref.to_string())));
    ShownAsRef { roots }
}

impl Drop for ShownAsRef {
    fn drop(&mut self) {
        SHOWN_AS_REF
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(root, _)| !self.roots.contains(root));
    }
}

/// The ref and the path in the repository (empty for its top) of `path`, when `path` lies
/// in a `--ref` clone.
pub(crate) fn in_ref(path: &Path) -> Option<(String, PathBuf)> {
    let roots = SHOWN_AS_REF.lock().unwrap_or_else(|e| e.into_inner());
    roots.iter().find_map(|(root, git_ref)| {
        let rel = path.strip_prefix(root).ok()?;
        Some((git_ref.clone(), rel.to_path_buf()))
    })
}

/// `path` as the user knows it: in a `--ref` clone, `REF:path/in/the/repository` (`REF`
/// alone for the clone's top); elsewhere, as is.
pub(crate) fn shown(path: &Path) -> PathBuf {
    let Some((git_ref, rel)) = in_ref(path) else {
        return path.to_path_buf();
    };
    let mut name = std::ffi::OsString::from(git_ref);
    if !rel.as_os_str().is_empty() {
        name.push(":");
        name.push(rel);
    }
    PathBuf::from(name)
}

/// `dir/rel` as shown to the user: just `rel` when `dir` is `.`; see [`shown`].
pub(crate) fn display_join(dir: &Path, rel: &str) -> PathBuf {
    if dir == Path::new(".") || dir.as_os_str().is_empty() {
        PathBuf::from(rel)
    } else {
        shown(&dir.join(rel))
    }
}

/// True when `inner` is `outer` or lies below it (both should be absolute and canonical).
pub(crate) fn is_within(inner: &Path, outer: &Path) -> bool {
    inner.starts_with(outer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_of_a_ref_clone_are_shown_ref_colon_path_while_it_lasts() {
        let clone = Path::new("/nonexistent-pluginctl-test/stage/clone");
        let file = clone.join("plugins/hello/wazo/plugin.yml");
        let guard = show_as_ref(clone, "v1.0");
        assert_eq!(shown(clone), PathBuf::from("v1.0"));
        assert_eq!(
            display_join(&clone.join("plugins/hello"), "wazo/plugin.yml"),
            PathBuf::from("v1.0:plugins/hello/wazo/plugin.yml")
        );
        assert_eq!(
            in_ref(&file),
            Some(("v1.0".into(), "plugins/hello/wazo/plugin.yml".into()))
        );
        // A folder beside the clone whose name only begins the same is not in it.
        let beside = Path::new("/nonexistent-pluginctl-test/stage/clone2/wazo/rules");
        assert_eq!(shown(beside), beside);
        drop(guard);
        assert_eq!(shown(&file), file);
        assert_eq!(
            display_join(Path::new("."), "wazo/rules"),
            PathBuf::from("wazo/rules")
        );
    }
}
