//! Running git: the one place pluginctl starts it, for the build timestamp, the git-aware
//! lint checks and `build --ref` (which clones as a Wazo server does).
//!
//! git runs in its own process group, waited for as a rules step is, so that Ctrl-C or
//! SIGTERM stops a clone at once and the caller can remove what it left; it never prompts for
//! an HTTPS password (a clone that needs one fails with git's reason instead of waiting on a
//! terminal). ssh is left as the user set it up (`core.sshCommand`, `GIT_SSH_COMMAND`).

use crate::{Error, Result};
use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// Folders pluginctl cloned itself: git may read them although another user owns them
/// (a `--ref` build as root gives the clone to the unprivileged build user).
static TRUSTED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Lets git work in `dir`, a clone pluginctl made, whoever owns it now.
pub(crate) fn trust(dir: &Path) {
    TRUSTED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(dir.to_path_buf());
}

/// The git program, or the one-line refusal of a command that needs it.
pub(crate) fn program(why: &str) -> Result<PathBuf> {
    crate::plugin::rules::find_in_path("git").ok_or_else(|| {
        Error::Usage(format!(
            "git: not found in PATH; {why} (install it: apt-get install git)"
        ))
    })
}

/// What a git run printed, when it succeeded.
pub(crate) type Reply = std::result::Result<String, String>;

/// Runs `git ARGS` (in `dir` when given); `Ok(Ok(stdout))` when git succeeded, `Ok(Err(why))`
/// with git's own reason (its last `fatal:`/`error:` line) when it failed. The outer error
/// is an interruption or a git that cannot start.
pub(crate) fn run<S: AsRef<OsStr>>(dir: Option<&Path>, args: &[S]) -> Result<Reply> {
    let git = program("it is needed here")?;
    let mut cmd = Command::new(git);
    for trusted in TRUSTED.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        let mut value = std::ffi::OsString::from("safe.directory=");
        value.push(trusted);
        cmd.arg("-c").arg(value);
    }
    if let Some(dir) = dir {
        cmd.arg("-C").arg(dir);
    }
    cmd.args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own group, and umask 022: a clone's files get the same modes whatever the
    // caller's umask, as the rules steps do.
    crate::plugin::process::in_child(&mut cmd, None);
    crate::interrupt::check()?;
    let mut child = cmd.spawn().map_err(|e| {
        Error::Io(format!(
            "git: cannot start: {}",
            crate::error::describe_io(&e)
        ))
    })?;
    crate::interrupt::set_child_group(Some(child.id()));
    let readers: Vec<_> = [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .map(|stream| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(s) = stream {
                let _ = s.take(16 << 20).read_to_end(&mut bytes);
            }
            bytes
        })
    })
    .collect();
    let status = crate::plugin::process::wait_group(&mut child);
    crate::interrupt::set_child_group(None);
    let mut texts = readers
        .into_iter()
        .map(|r| String::from_utf8_lossy(&r.join().unwrap_or_default()).into_owned());
    let (out, err) = (
        texts.next().unwrap_or_default(),
        texts.next().unwrap_or_default(),
    );
    crate::interrupt::check()?;
    let status =
        status.map_err(|e| Error::Io(format!("git: {}", crate::error::describe_io(&e))))?;
    if status.success() {
        return Ok(Ok(out));
    }
    Ok(Err(
        reason(&err).unwrap_or_else(|| format!("git exited with {status}"))
    ))
}

/// git's reason for failing: its first `fatal:` line (else its last `error:` or other line),
/// without the prefix.
fn reason(stderr: &str) -> Option<String> {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let pick = lines
        .iter()
        .find(|l| l.starts_with("fatal:"))
        .or_else(|| lines.iter().rev().find(|l| l.starts_with("error:")))
        .or_else(|| lines.last())?;
    let text = pick
        .strip_prefix("fatal:")
        .or_else(|| pick.strip_prefix("error:"))
        .unwrap_or(pick)
        .trim();
    Some(text.to_string())
}

/// Runs a query whose failure only means "no answer" (not a work tree, no HEAD, no such
/// ref, no git); `Ok(None)` then. An interruption is still an error: the caller stops.
pub(crate) fn ask(dir: &Path, args: &[&str]) -> Result<Option<String>> {
    if crate::plugin::rules::find_in_path("git").is_none() {
        return Ok(None);
    }
    match run(Some(dir), args) {
        Ok(reply) => Ok(reply.ok()),
        Err(e @ Error::Interrupted(_)) => Err(e),
        Err(_) => Ok(None),
    }
}

/// [`ask`] for callers that have no error to return: an interruption gives no answer here,
/// and the command stops at its next check.
fn query(dir: &Path, args: &[&str]) -> Option<String> {
    ask(dir, args).ok().flatten()
}

/// The commit time of HEAD of the work tree holding `dir`; `Ok(None)` outside one. An
/// interruption is an error: the build stamps no package with another time instead.
pub(crate) fn head_time(dir: &Path) -> Result<Option<u64>> {
    Ok(ask(dir, &["log", "-1", "--format=%ct", "HEAD"])?.and_then(|t| t.trim().parse().ok()))
}

/// The commit id of HEAD of the work tree holding `dir`.
pub(crate) fn head_commit(dir: &Path) -> Option<String> {
    Some(query(dir, &["rev-parse", "HEAD"])?.trim().to_string())
}

/// The top folder of the work tree holding `dir`, when `dir` is in one.
pub(crate) fn top_level(dir: &Path) -> Option<PathBuf> {
    let top = query(dir, &["rev-parse", "--show-toplevel"])?;
    Some(PathBuf::from(top.trim_end_matches('\n')))
}

/// `dir` relative to the top of its work tree (`""` at the top, else ending in `/`).
pub(crate) fn prefix(dir: &Path) -> Option<String> {
    Some(
        query(dir, &["rev-parse", "--show-prefix"])?
            .trim_end_matches('\n')
            .to_string(),
    )
}

/// The mode of `rel` (relative to `dir`) in the index and in HEAD, as git writes them
/// (`100755`); `None` where git does not have it.
pub(crate) fn modes(dir: &Path, rel: &str) -> (Option<String>, Option<String>) {
    let first_word =
        |text: Option<String>| text.and_then(|t| t.split_whitespace().next().map(str::to_string));
    (
        first_word(query(dir, &["ls-files", "--stage", "--", rel])),
        first_word(query(dir, &["ls-tree", "HEAD", "--", rel])),
    )
}

/// Files below `dir` that differ from HEAD or are untracked (not ignored), relative to
/// `dir`, sorted; `None` outside a work tree.
pub(crate) fn uncommitted(dir: &Path) -> Option<Vec<String>> {
    let prefix = prefix(dir)?;
    let text = query(
        dir,
        &[
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--",
            ".",
        ],
    )?;
    let mut paths = Vec::new();
    let mut fields = text.split('\0');
    while let Some(entry) = fields.next() {
        if entry.len() < 4 {
            continue;
        }
        let (code, path) = entry.split_at(3);
        if code.starts_with('R') || code.starts_with('C') {
            fields.next(); // the rename's source
        }
        paths.push(
            path.strip_prefix(prefix.as_str())
                .unwrap_or(path)
                .to_string(),
        );
    }
    paths.sort();
    paths.dedup();
    Some(paths)
}

/// The tags that point at HEAD.
pub(crate) fn tags_at_head(dir: &Path) -> Vec<String> {
    query(dir, &["tag", "--points-at", "HEAD"])
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

/// A branch or tag of a remote repository, as `git ls-remote` lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RemoteRefs {
    /// Branch names.
    pub(crate) branches: Vec<String>,
    /// Tag names, newest version first.
    pub(crate) tags: Vec<String>,
}

/// The branches and tags of `url`; `Err(why)` with git's reason when it cannot be read.
pub(crate) fn remote_refs(url: &OsStr) -> Result<std::result::Result<RemoteRefs, String>> {
    // `--` first: a URL is never taken as an option (`--upload-pack=...` runs a command).
    let args: [&OsStr; 7] = [
        "ls-remote".as_ref(),
        "--heads".as_ref(),
        "--tags".as_ref(),
        "--refs".as_ref(),
        "--sort=-version:refname".as_ref(),
        "--".as_ref(),
        url,
    ];
    let text = match run(None, &args)? {
        Ok(text) => text,
        Err(why) => return Ok(Err(why)),
    };
    let mut refs = RemoteRefs {
        branches: Vec::new(),
        tags: Vec::new(),
    };
    for line in text.lines() {
        let Some((_, name)) = line.split_once('\t') else {
            continue;
        };
        if let Some(b) = name.strip_prefix("refs/heads/") {
            refs.branches.push(b.to_string());
        } else if let Some(t) = name.strip_prefix("refs/tags/") {
            refs.tags.push(t.to_string());
        }
    }
    Ok(Ok(refs))
}

/// True when `word` could be a commit id (what `git clone --branch` refuses).
pub(crate) fn looks_like_commit(word: &str) -> bool {
    (7..=64).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_is_the_fatal_line() {
        let err = "warning: --depth is ignored\nfatal: 'x' does not appear to be a git repository\nfatal: Could not read";
        assert_eq!(
            reason(err).unwrap(),
            "'x' does not appear to be a git repository"
        );
        assert_eq!(reason("error: a\nerror: b\n").unwrap(), "b");
        assert_eq!(reason(""), None);
    }

    #[test]
    fn commit_ids_are_hex_words() {
        assert!(looks_like_commit("5585926"));
        assert!(looks_like_commit(
            "5585926cb3a311e8449168ae77694476cfe84362"
        ));
        assert!(!looks_like_commit("v1.0"));
        assert!(!looks_like_commit("cafe"));
        assert!(!looks_like_commit("master"));
    }
}
