//! Small path helpers shared by the steps: how paths are shown and how they are checked.

use std::path::{Path, PathBuf};

/// `dir/rel` as shown to the user: just `rel` when `dir` is `.`.
pub(crate) fn display_join(dir: &Path, rel: &str) -> PathBuf {
    if dir == Path::new(".") || dir.as_os_str().is_empty() {
        PathBuf::from(rel)
    } else {
        dir.join(rel)
    }
}

/// True when `inner` is `outer` or lies below it (both should be absolute and canonical).
pub(crate) fn is_within(inner: &Path, outer: &Path) -> bool {
    inner.starts_with(outer)
}
