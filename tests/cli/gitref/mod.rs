//! `build --ref`: a branch or tag built as a Wazo server installs it (git clone --branch REF
//! --depth 1, the steps as an unprivileged user when run as root), and the git-aware lint
//! checks. Real git throughout: a work tree, a bare repository as the remote, tags, a
//! branch, a commit id. [`user`]: which user runs the steps; [`errors`]: what is refused;
//! [`names`]: how messages name the files at the ref.

use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::Command;

mod errors;
mod names;
mod user;

/// Runs git in `dir` with a fixed identity and dates; returns stdout, asserting success.
fn git(dir: &Path, args: &[&str]) -> String {
    let o = run(Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "init.defaultBranch=master",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "A")
        .env("GIT_AUTHOR_EMAIL", "a@example.org")
        .env("GIT_COMMITTER_NAME", "A")
        .env("GIT_COMMITTER_EMAIL", "a@example.org")
        .env("GIT_AUTHOR_DATE", "1700000000 +0000")
        .env("GIT_COMMITTER_DATE", "1700000000 +0000"));
    assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
    stdout(&o)
}

/// Makes `dir` a work tree with everything committed.
fn commit_all(dir: &Path) {
    if !dir.join(".git").exists() {
        git(dir, &["init", "-q"]);
    }
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", "release"]);
}

/// A bare copy of the work tree `dir`: the remote a server clones.
fn bare(dir: &Path) -> tempfile::TempDir {
    let b = tempfile::Builder::new().prefix("bare-").tempdir().unwrap();
    git(
        dir,
        &["clone", "-q", "--bare", ".", b.path().to_str().unwrap()],
    );
    b
}

/// A TMPDIR of the test's own that other users can enter (the build user must reach its
/// clone there), to check that nothing is left in it.
fn private_tmp() -> tempfile::TempDir {
    let t = tempfile::Builder::new().prefix("tmp-").tempdir().unwrap();
    chmod(t.path(), 0o711);
    t
}

/// `pluginctl build ARGS -o out` with TMPDIR `tmp`.
fn build(args: &[&str], out: &Path, tmp: &Path) -> std::process::Output {
    run(pluginctl()
        .arg("build")
        .args(args)
        .arg("-o")
        .arg(out)
        .env("TMPDIR", tmp))
}

/// `pluginctl build --ref REF --url REMOTE ARGS -o out` run as uid and gid 65534 (a normal
/// user, as root makes it), with HOME /nonexistent and TMPDIR `tmp`; `remote`, `out` and
/// `tmp` are first given to that user. Needs root.
fn build_as_nobody(
    git_ref: &str,
    remote: &Path,
    args: &[&str],
    out: &Path,
    tmp: &Path,
) -> std::process::Output {
    let o = run(Command::new("chown")
        .arg("-R")
        .arg("65534:65534")
        .arg(remote));
    assert!(o.status.success(), "{}", stderr(&o));
    chmod(out, 0o777);
    chmod(tmp, 0o777);
    run(Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", bin()])
        .args(["build", "--ref", git_ref, "--url"])
        .arg(remote)
        .args(args)
        .arg("-o")
        .arg(out)
        .env("HOME", "/nonexistent")
        .env("TMPDIR", tmp)
        .env("LC_ALL", "C")
        .env_remove("SOURCE_DATE_EPOCH"))
}

/// The one package in `out`, after a successful run.
fn the_deb(o: &std::process::Output, out: &Path) -> PathBuf {
    assert!(o.status.success(), "build failed: {}", stderr(o));
    let debs = leftovers(out);
    assert_eq!(debs.len(), 1, "{debs:?}");
    debs[0].clone()
}

/// dpkg-deb, a throwaway dpkg root (install and remove) and lintian on a package.
fn check_with_dpkg(deb: &Path, package: &str) {
    dpkg_deb(deb, &["--info"]);
    dpkg_deb(deb, &["--contents"]);
    let root = DpkgRoot::new();
    root.install(deb);
    root.remove(package);
    lintian_no_errors(deb);
}

/// helloworld copied into a fresh work tree, committed and tagged `tag`.
fn helloworld_repo(tag: &str) -> tempfile::TempDir {
    let w = tempfile::Builder::new().prefix("work-").tempdir().unwrap();
    let o = run(Command::new("cp")
        .arg("-a")
        .arg(helloworld().join("."))
        .arg(w.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    commit_all(w.path());
    git(w.path(), &["tag", tag]);
    w
}

/// `--ref TAG` gives the bytes of a plain build of that commit in a clean clone.
fn same_bytes_as_a_clean_clone(work: &Path, tag: &str, package: &str) {
    let remote = bare(work);
    let url = remote.path().to_str().unwrap();
    let (out, tmp) = (tempfile::tempdir().unwrap(), private_tmp());
    let o = build(&["--ref", tag, "--url", url, "-q"], out.path(), tmp.path());
    let from_ref = the_deb(&o, out.path());
    assert_eq!(leftovers(tmp.path()), Vec::<PathBuf>::new(), "TMPDIR");
    let clean = tempfile::tempdir().unwrap();
    let dir = clean.path().join("clone");
    // A clean clone as a developer makes one, umask 022; `rules package` copies with
    // `cp -a`, so the modes of the checkout reach the package.
    let o = run(Command::new("sh")
        .arg("-c")
        .arg("umask 022 && git clone -q --branch \"$1\" --depth 1 \"$2\" \"$3\"")
        .args(["sh", tag, &format!("file://{url}")])
        .arg(&dir));
    assert!(o.status.success(), "{}", stderr(&o));
    let plain_out = tempfile::tempdir().unwrap();
    let o = build(&[dir.to_str().unwrap(), "-q"], plain_out.path(), tmp.path());
    let plain = the_deb(&o, plain_out.path());
    assert!(
        std::fs::read(&from_ref).unwrap() == std::fs::read(&plain).unwrap(),
        "build --ref {tag} differs from a plain build of a clean clone"
    );
    check_with_dpkg(&from_ref, package);
}

#[test]
fn ref_build_of_helloworld_is_the_plain_build_of_a_clean_clone() {
    let work = helloworld_repo("v0.0.1");
    same_bytes_as_a_clean_clone(work.path(), "v0.0.1", "wazo-plugind-helloworld-demo");
}

/// A plugin whose `build` step writes files that `package` ships.
const GENERATING_RULES: &str = r#"#!/bin/sh
set -e
case "$1" in
    build)
        mkdir -p gen/bin
        printf 'made by rules build\n' > gen/made.txt
        printf '#!/bin/sh\necho hi\n' > gen/bin/hi
        chmod +x gen/bin/hi
        ;;
    package)
        mkdir -p "$pkgdir/usr/share/gen" "$pkgdir/usr/share/extra"
        cp -R gen/. "$pkgdir/usr/share/gen/"
        cp -a share/. "$pkgdir/usr/share/extra/"
        ;;
    install|uninstall|postrm) ;;
esac
"#;

fn generating_plugin(version: &str) -> Plugin {
    let p = Plugin::new(&format!(
        "name: gen\nnamespace: demo\nversion: \"{version}\"\ndisplay_name: Gen\ndescription: generated files\nauthor: Gen <gen@example.org>\n"
    ));
    p.rules(GENERATING_RULES).file("share/a.txt", "committed\n");
    p
}

#[test]
fn ref_build_of_a_plugin_whose_build_step_writes_files_is_the_plain_build() {
    let plugin = generating_plugin("1.0");
    commit_all(plugin.path());
    git(plugin.path(), &["tag", "v1.0"]);
    same_bytes_as_a_clean_clone(plugin.path(), "v1.0", "wazo-plugind-gen-demo");
}

#[test]
fn ref_builds_only_what_is_committed_and_reports_ref_and_commit() {
    let plugin = generating_plugin("1.0");
    commit_all(plugin.path());
    git(plugin.path(), &["branch", "stable"]);
    let commit = git(plugin.path(), &["rev-parse", "HEAD"])
        .trim()
        .to_string();
    // Written after the commit: a plain build ships it, the server never sees it.
    plugin.file("share/b.txt", "not committed\n");
    let tmp = private_tmp();
    let note = format!(
        "{}: uncommitted-files: 1 file is modified or untracked (share/b.txt): a Wazo server \
         builds the committed tree only (pluginctl build --ref REF builds what it installs)",
        plugin.path().display()
    );
    let lint = run(pluginctl().arg("lint").arg(plugin.path()));
    assert_eq!(
        stdout(&lint),
        format!("I: {note}\n1 input checked: 0 errors, 0 warnings, 1 info\n")
    );
    let plain_out = tempfile::tempdir().unwrap();
    let o = build(
        &[plugin.path().to_str().unwrap()],
        plain_out.path(),
        tmp.path(),
    );
    let plain = the_deb(&o, plain_out.path());
    assert!(dpkg_deb(&plain, &["--contents"]).contains("./usr/share/extra/b.txt"));
    // The pre-checks say so, by the same rule as lint.
    assert!(
        stderr(&o).contains(&format!("pluginctl: {note}\n")),
        "{}",
        stderr(&o)
    );
    // The branch, from the checkout's own repository (no --url), run from inside it.
    let out = tempfile::tempdir().unwrap();
    let o = run(pluginctl()
        .current_dir(plugin.path())
        .args(["build", "--ref", "stable", "--json", "-q", "-o"])
        .arg(out.path())
        .env("TMPDIR", tmp.path()));
    let deb = the_deb(&o, out.path());
    let contents = dpkg_deb(&deb, &["--contents"]);
    assert!(contents.contains("./usr/share/extra/a.txt"), "{contents}");
    assert!(contents.contains("./usr/share/gen/made.txt"), "{contents}");
    assert!(!contents.contains("b.txt"), "{contents}");
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["packages"][0]["ref"], "stable");
    assert_eq!(doc["packages"][0]["commit"], commit.as_str());
    // The plugin folder as found (the clone is gone), as a plain build names it.
    assert_eq!(doc["packages"][0]["plugin"]["dir"], ".");
    assert_eq!(leftovers(tmp.path()), Vec::<PathBuf>::new(), "TMPDIR");
    check_with_dpkg(&deb, "wazo-plugind-gen-demo");
}

#[test]
fn a_commit_id_or_an_unknown_ref_is_refused_with_the_newest_tags() {
    let work = helloworld_repo("v0.0.1");
    for tag in ["v0.0.2", "v0.0.10", "v0.0.9", "v0.1.0", "v0.0.3"] {
        git(work.path(), &["tag", tag]);
    }
    let remote = bare(work.path());
    let url = remote.path().to_str().unwrap();
    let commit = git(work.path(), &["rev-parse", "HEAD"]).trim().to_string();
    let tags = "its tags, newest first: v0.1.0, v0.0.10, v0.0.9, v0.0.3, v0.0.2, ...";
    for (git_ref, what) in [
        (
            commit.as_str(),
            "looks like a commit id, not a branch or tag".to_string(),
        ),
        ("v0.2.0", format!("no branch or tag of that name in {url}")),
    ] {
        let (out, tmp) = (tempfile::tempdir().unwrap(), private_tmp());
        let o = build(&["--ref", git_ref, "--url", url], out.path(), tmp.path());
        assert_eq!(o.status.code(), Some(2));
        assert_eq!(
            stderr(&o),
            format!(
                "error: --ref {git_ref}: {what}; a Wazo server clones with `git clone --branch`, \
                 which takes only a branch or tag name ({tags})\n"
            )
        );
        assert_eq!(leftovers(out.path()), Vec::<PathBuf>::new());
        assert_eq!(leftovers(tmp.path()), Vec::<PathBuf>::new(), "TMPDIR");
    }
}

#[test]
fn rules_committed_without_its_exec_bit_is_an_error_with_the_git_fix() {
    let work = helloworld_repo("v0.0.1");
    git(work.path(), &["update-index", "--chmod=-x", "wazo/rules"]);
    git(work.path(), &["commit", "-q", "-m", "mode"]);
    git(work.path(), &["tag", "v0.0.2"]);
    let commit = git(work.path(), &["rev-parse", "HEAD"]);
    // On disk it is still executable: a plain build works, lint and the pre-checks say why
    // the server's would not.
    let lint = run(pluginctl().arg("lint").arg(work.path()));
    let rules = work.path().join("wazo/rules");
    let manifest = work.path().join("wazo/plugin.yml");
    let finding = format!(
        "{}: rules-not-executable-in-git: executable on disk but mode 100644 in the git index \
         and in HEAD: a Wazo server clones the repository and cannot run it; fix: git \
         update-index --chmod=+x wazo/rules, then commit",
        rules.display()
    );
    let tag = format!(
        "{}: tag-not-version: the tag v0.0.2 at HEAD is not the version 0.0.1: a market entry \
         with \"ref\": \"v0.0.2\" would install version 0.0.1; tag the release v0.0.1, or set \
         version to 0.0.2",
        manifest.display()
    );
    let modified = format!(
        "{}: uncommitted-files: 1 file is modified or untracked (wazo/rules): a Wazo server \
         builds the committed tree only (pluginctl build --ref REF builds what it installs)",
        work.path().display()
    );
    assert_eq!(
        stdout(&lint),
        format!(
            "I: {modified}\nW: {tag}\nE: {finding}\n1 input checked: 1 error, 1 warning, 1 info\n"
        )
    );
    assert_eq!(lint.status.code(), Some(1));
    let (out, tmp) = (tempfile::tempdir().unwrap(), private_tmp());
    let o = build(
        &[work.path().to_str().unwrap(), "-q"],
        out.path(),
        tmp.path(),
    );
    the_deb(&o, out.path());
    assert!(
        stderr(&o).contains(&format!("warning: {finding}\n")),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains(&format!("warning: {tag}\n")),
        "{}",
        stderr(&o)
    );
    // The server's clone gets mode 100644: --ref refuses it as the server would fail.
    let out = tempfile::tempdir().unwrap();
    let o = build(
        &[work.path().to_str().unwrap(), "--ref", "v0.0.2", "-q"],
        out.path(),
        tmp.path(),
    );
    assert_eq!(
        stderr(&o),
        format!(
            "error: v0.0.2:wazo/rules: mode 100644 (commit {}), so a Wazo server cannot run it; \
             fix it in git: git update-index --chmod=+x wazo/rules, then commit\n",
            &commit[..12]
        )
    );
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(leftovers(out.path()), Vec::<PathBuf>::new());
    assert_eq!(leftovers(tmp.path()), Vec::<PathBuf>::new(), "TMPDIR");
}

fn is_root() -> bool {
    // SAFETY: geteuid(2) has no preconditions.
    unsafe { libc::geteuid() == 0 }
}
