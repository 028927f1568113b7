//! File-system primitives every writer shares: walking without following links, atomic
//! replacement, the umask.

pub(crate) mod atomic;
pub(crate) mod input;
pub(crate) mod leftovers;
pub(crate) mod nofollow;

/// The id the steps of a `--ref` build run as: in Debian's reserved range 65000-65533, so no
/// account or daemon of the machine owns files with it, and below 65536, so it exists in a
/// container whose user namespace maps only that many ids.
pub(crate) const SANDBOX_ID: u32 = 65533;

/// The process umask, read without changing it (Linux reports it in /proc).
pub(crate) fn umask() -> u32 {
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

/// The folders of `dir` that do not exist yet, deepest first (`dir` itself included): what
/// a command that creates `dir` removes again when it ends having written nothing there.
pub(crate) fn missing_folders(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    dir.ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && d.symlink_metadata().is_err())
        .map(std::path::Path::to_path_buf)
        .collect()
}
