//! `build --ref`: the plugin as a Wazo server gets it, not as the author's working tree has it.
//!
//! wazo-plugind runs `git clone --branch REF --depth 1 URL` into a folder of its own, takes
//! the plugin from the clone (or from its `subdirectory`), and runs the rules steps there as
//! its unprivileged user. This module makes that clone, in a private folder of `TMPDIR` that
//! is removed whatever happens (a killed build's folder is swept by the next build, as a
//! staging folder is), and, when pluginctl runs as root, hands the clone to the unprivileged
//! build user ([`rules::Sandbox`]). Only committed content is built, with git's modes.

use crate::package::staging::StagingDir;
use crate::plugin::rules::{self, Sandbox};
use crate::plugin::{git, paths};
use crate::ui::report::Report;
use crate::{Error, Result};
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

/// What `--ref`, `--url` and `--subdirectory` asked for.
#[derive(Debug, Clone)]
pub(crate) struct RefSource {
    /// The branch or tag.
    pub(crate) git_ref: String,
    /// The repository; default: the work tree of the plugin folder.
    pub(crate) url: Option<OsString>,
    /// The plugin's folder in the clone.
    pub(crate) subdirectory: Option<PathBuf>,
}

impl RefSource {
    /// The `--ref`, `--url` and `--subdirectory` options, checked, when a ref is given;
    /// `plugins` is how many plugin folders were given.
    pub(crate) fn new(
        git_ref: Option<&str>,
        url: Option<OsString>,
        subdirectory: Option<PathBuf>,
        plugins: usize,
    ) -> Result<Option<RefSource>> {
        let Some(git_ref) = git_ref else {
            return Ok(None);
        };
        if plugins > 1 {
            return Err(Error::Usage(format!(
                "--ref builds one plugin, {plugins} plugin folders were given; give one"
            )));
        }
        if git_ref.trim().is_empty() || git_ref.starts_with('-') {
            return Err(Error::Usage(format!(
                "--ref {git_ref:?}: give a branch or tag name, as the market entry's \"ref\""
            )));
        }
        Ok(Some(RefSource {
            git_ref: git_ref.to_string(),
            url,
            subdirectory,
        }))
    }
}

/// What a `--ref` build was made from, for the build and its report.
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    /// The branch or tag cloned.
    pub(crate) git_ref: String,
    /// The commit it named.
    pub(crate) commit: String,
    /// The user the steps run as, when pluginctl runs as root.
    pub(crate) sandbox: Option<Sandbox>,
    /// Where it was cloned from, as given: `--url`, or the plugin folder.
    pub(crate) source: String,
}

/// A clone made for a `--ref` build; the folder holding it goes when this is dropped.
#[derive(Debug)]
pub(crate) struct Fetched {
    /// The plugin's folder in the clone.
    pub(crate) plugin_dir: PathBuf,
    /// What was cloned.
    pub(crate) origin: Origin,
    /// The private folder: the clone, and the build user's HOME and TMPDIR.
    _folder: StagingDir,
    /// Messages name the clone's files `REF:path` while it exists.
    _shown: paths::ShownAsRef,
}

/// Clones `source` as a Wazo server does; `checkout` is the plugin folder given (or found),
/// whose work tree is the repository when no URL is given.
pub(crate) fn fetch(source: &RefSource, checkout: &Path, report: &Report) -> Result<Fetched> {
    git::program("--ref clones the repository as a Wazo server does")?;
    let (url, default_subdir) = match &source.url {
        Some(url) => (url.clone(), None),
        None => {
            let top = match git::top_level(checkout) {
                Some(top) => top,
                None => return Err(not_a_work_tree(checkout)?),
            };
            let prefix = git::prefix(checkout).unwrap_or_default();
            let prefix = prefix.trim_end_matches('/');
            (
                top.into_os_string(),
                (!prefix.is_empty()).then(|| PathBuf::from(prefix)),
            )
        }
    };
    let shown_url = url.to_string_lossy().into_owned();
    check_ref(&source.git_ref, &url, &shown_url)?;
    let folder = StagingDir::scratch()?;
    let clone = folder.path().join("clone");
    let args: Vec<OsString> = vec![
        "-c".into(),
        "advice.detachedHead=false".into(),
        "clone".into(),
        "--quiet".into(),
        "--branch".into(),
        source.git_ref.clone().into(),
        "--depth".into(),
        "1".into(),
        "--".into(),
        url.clone(),
        clone.clone().into_os_string(),
    ];
    git::run(None, &args)?.map_err(|why| {
        Error::Io(format!(
            "{shown_url}: git clone --branch {} --depth 1 failed: {why}",
            source.git_ref
        ))
    })?;
    let shown = paths::show_as_ref(&clone, &source.git_ref);
    let commit = git::head_commit(&clone).ok_or_else(|| {
        Error::Io(format!(
            "{shown_url}: the clone of {} has no commit",
            source.git_ref
        ))
    })?;
    let subdir = source.subdirectory.clone().or_else(|| {
        default_subdir.inspect(|d| {
            report.info(&format!(
                "taking the plugin from {} of the clone (the market entry needs \"subdirectory\": {:?})",
                d.display(),
                d.display().to_string()
            ))
        })
    });
    let plugin_dir = match &subdir {
        Some(dir) => subdirectory(&clone, dir, &source.git_ref)?,
        None => clone.clone(),
    };
    if let Err((rules::Unfit::NotExecutable(_), _)) = rules::locate(&plugin_dir) {
        let file = plugin_dir.join(rules::RULES_PATH);
        // As git update-index takes it at the top of a work tree.
        let in_repo = paths::in_ref(&file).map_or(PathBuf::from(rules::RULES_PATH), |(_, p)| p);
        return Err(Error::plugin(
            paths::shown(&file),
            format!(
                "mode 100644 (commit {}), so a Wazo server cannot run it; fix it in git: \
                 git update-index --chmod=+x {}, then commit",
                &commit[..commit.len().min(12)],
                in_repo.display()
            ),
        ));
    }
    let sandbox = if crate::plugin::process::is_root() {
        Some(hand_over(&folder, &clone)?)
    } else {
        None
    };
    git::trust(&clone);
    report.info(&format!(
        "building {} ({}) of {shown_url}, cloned as a Wazo server clones it{}",
        source.git_ref,
        &commit[..commit.len().min(12)],
        match sandbox {
            Some(_) => format!(
                "; the steps run as the unprivileged user {}",
                rules::SANDBOX_ID
            ),
            None => String::new(),
        }
    ));
    Ok(Fetched {
        plugin_dir,
        origin: Origin {
            git_ref: source.git_ref.clone(),
            commit,
            sandbox,
            source: match &source.url {
                Some(url) => url.to_string_lossy().into_owned(),
                None => checkout.display().to_string(),
            },
        },
        _folder: folder,
        _shown: shown,
    })
}

/// The refusal of `--ref` without `--url` in a folder git does not take as a work tree,
/// with git's reason when it is not the plain "not a git repository" (a work tree of
/// another user is refused by git itself).
fn not_a_work_tree(checkout: &Path) -> Result<Error> {
    let why = match git::run(Some(checkout), &["rev-parse", "--show-toplevel"])? {
        Err(why) if !why.starts_with("not a git repository") => format!(" ({why})"),
        _ => String::new(),
    };
    Ok(Error::Usage(format!(
        "{}: not in a git work tree{why}; --ref builds a branch or tag of a repository: \
         run it in a clone of the plugin, or give the repository with --url",
        checkout.display()
    )))
}

/// Refuses a ref that `git clone --branch` would refuse: a commit id, or a name that is no
/// branch or tag of the repository. The refusal lists the newest tags, which are what a
/// market entry's `ref` usually is.
fn check_ref(git_ref: &str, url: &std::ffi::OsStr, shown_url: &str) -> Result<()> {
    let refs = git::remote_refs(url)?
        .map_err(|why| Error::Io(format!("{shown_url}: cannot read the repository: {why}")))?;
    if refs.branches.iter().chain(&refs.tags).any(|r| r == git_ref) {
        return Ok(());
    }
    let what = if git::looks_like_commit(git_ref) {
        "looks like a commit id, not a branch or tag".to_string()
    } else {
        format!("no branch or tag of that name in {shown_url}")
    };
    let tags = match refs.tags.len() {
        0 => "the repository has no tags".to_string(),
        n => format!(
            "its tags, newest first: {}{}",
            refs.tags[..n.min(5)].join(", "),
            if n > 5 { ", ..." } else { "" }
        ),
    };
    Err(Error::Usage(format!(
        "--ref {git_ref}: {what}; a Wazo server clones with `git clone --branch`, which takes \
         only a branch or tag name ({tags})"
    )))
}

/// The plugin folder `dir` of the clone, as the server's `subdirectory` option takes it:
/// a folder inside the clone, reached without `..` and without a link leading out.
fn subdirectory(clone: &Path, dir: &Path, git_ref: &str) -> Result<PathBuf> {
    let bad = |why: &str| Error::Usage(format!("--subdirectory {}: {why}", dir.display()));
    if dir.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err(bad(
            "leads out of the clone (..); give a folder of the repository",
        ));
    }
    if dir.is_absolute() {
        return Err(bad(
            "an absolute path; give a folder of the repository, relative to its top",
        ));
    }
    let joined = clone.join(dir);
    let real = joined.canonicalize().map_err(|_| {
        bad(&format!(
            "no such folder in {git_ref}; give a folder of the repository, relative to its top"
        ))
    })?;
    let top = clone
        .canonicalize()
        .map_err(|e| Error::io(clone, "cannot resolve", e))?;
    if !paths::is_within(&real, &top) {
        return Err(bad(
            "a symlink that leads out of the clone; give the folder itself",
        ));
    }
    if !real.is_dir() {
        return Err(bad(&format!("not a folder in {git_ref}")));
    }
    Ok(real)
}

/// As root: gives the clone and a private HOME and TMPDIR to the unprivileged build user
/// (links changed, never followed), after checking that this user can reach them.
fn hand_over(folder: &StagingDir, clone: &Path) -> Result<Sandbox> {
    let id = rules::SANDBOX_ID;
    for dir in folder.path().ancestors().skip(1) {
        let mode = std::fs::metadata(dir).map_or(0, |m| m.permissions().mode());
        if mode & 0o001 == 0 {
            return Err(Error::Usage(format!(
                "TMPDIR: {} cannot be entered by other users (mode {:o}), so the \
                 unprivileged build user cannot reach the clone; point TMPDIR to a folder \
                 such as /tmp",
                dir.display(),
                mode & 0o7777
            )));
        }
    }
    let fail =
        |path: &Path, e: std::io::Error| Error::io(path, "cannot give it to the build user", e);
    std::fs::set_permissions(folder.path(), std::fs::Permissions::from_mode(0o711))
        .map_err(|e| fail(folder.path(), e))?;
    let home = folder.path().join("home");
    let tmp = folder.path().join("tmp");
    for dir in [&home, &tmp] {
        std::fs::create_dir(dir).map_err(|e| fail(dir, e))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| fail(dir, e))?;
    }
    for root in [clone, &home, &tmp] {
        for entry in walkdir::WalkDir::new(root).follow_links(false) {
            crate::interrupt::check()?;
            let entry = entry.map_err(|e| Error::Io(format!("{}: {e}", root.display())))?;
            std::os::unix::fs::lchown(entry.path(), Some(id), Some(id))
                .map_err(|e| fail(entry.path(), e))?;
        }
    }
    Ok(Sandbox { id, home, tmp })
}
