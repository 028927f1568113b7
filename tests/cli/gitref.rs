//! `build --ref`: a branch or tag built as a Wazo server installs it (git clone --branch REF
//! --depth 1, the steps as an unprivileged user when run as root), and the git-aware lint
//! checks. Real git throughout: a work tree, a bare repository as the remote, tags, a
//! branch, a commit id.

use crate::support::*;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;

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
        "name: gen\nnamespace: demo\nversion: \"{version}\"\ndisplay_name: Gen\ndescription: generated files\n"
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
            "error: wazo/rules: mode 100644 in v0.0.2 ({}), so a Wazo server cannot run it; fix \
             it in git: git update-index --chmod=+x wazo/rules, then commit\n",
            &commit[..12]
        )
    );
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(leftovers(out.path()), Vec::<PathBuf>::new());
    assert_eq!(leftovers(tmp.path()), Vec::<PathBuf>::new(), "TMPDIR");
}

#[test]
fn subdirectory_takes_the_plugin_from_a_folder_of_the_clone_and_never_leaves_it() {
    let work = tempfile::Builder::new().prefix("work-").tempdir().unwrap();
    let o = run(Command::new("cp")
        .arg("-a")
        .arg(helloworld())
        .arg(work.path().join("plugins")));
    assert!(o.status.success());
    std::os::unix::fs::symlink("/etc", work.path().join("escape")).unwrap();
    write(work.path().join("README"), "several plugins\n");
    commit_all(work.path());
    git(work.path(), &["tag", "v1"]);
    let remote = bare(work.path());
    let url = remote.path().to_str().unwrap();
    let (out, tmp) = (tempfile::tempdir().unwrap(), private_tmp());
    let o = build(
        &[
            "--ref",
            "v1",
            "--url",
            url,
            "--subdirectory",
            "plugins",
            "-q",
        ],
        out.path(),
        tmp.path(),
    );
    let deb = the_deb(&o, out.path());
    check_with_dpkg(&deb, "wazo-plugind-helloworld-demo");
    for (dir, why) in [
        (
            "nope",
            "no such folder in v1; give a folder of the repository, relative to its top",
        ),
        (
            "plugins/../..",
            "leads out of the clone (..); give a folder of the repository",
        ),
        (
            "escape",
            "a symlink that leads out of the clone; give the folder itself",
        ),
        ("README", "not a folder in v1"),
    ] {
        let out = tempfile::tempdir().unwrap();
        let o = build(
            &["--ref", "v1", "--url", url, "--subdirectory", dir],
            out.path(),
            tmp.path(),
        );
        assert_eq!(stderr(&o), format!("error: --subdirectory {dir}: {why}\n"));
        assert_eq!(o.status.code(), Some(2));
        assert_eq!(leftovers(out.path()), Vec::<PathBuf>::new());
        assert_eq!(leftovers(tmp.path()), Vec::<PathBuf>::new(), "TMPDIR");
    }
}

#[test]
fn a_step_writing_to_etc_is_refused_under_ref_as_root() {
    if !is_root() {
        println!("SKIPPED a_step_writing_to_etc_is_refused_under_ref_as_root: needs root");
        return;
    }
    let target = format!("/etc/pluginctl-test-{}", std::process::id());
    // The real plugin's mistake: `cp -R etc ${pkgdir}/` while pkgdir is empty.
    let plugin = Plugin::new("name: etcw\nnamespace: demo\nversion: \"1.0\"\n");
    plugin.rules(&format!(
        "#!/bin/sh\nset -e\ncase \"$1\" in\n    build)\n        echo building\n        mkdir {target}\n        ;;\n    package) ;;\nesac\n"
    ));
    commit_all(plugin.path());
    git(plugin.path(), &["tag", "v1.0"]);
    let (out, tmp) = (tempfile::tempdir().unwrap(), private_tmp());
    let o = run(pluginctl()
        .arg("build")
        .arg(plugin.path())
        .args(["--ref", "v1.0", "-o"])
        .arg(out.path())
        .env("TMPDIR", tmp.path())
        .env("LC_ALL", "C"));
    assert!(!Path::new(&target).exists(), "{target} was created");
    let err = stderr(&o);
    let last = err.lines().last().unwrap_or("");
    assert!(err.contains("[rules build] building\n"), "{err}");
    assert!(
        err.contains(&format!(
            "[rules build] mkdir: cannot create directory '{target}': Permission denied\n"
        )),
        "{err}"
    );
    assert!(
        last.starts_with("error: ")
            && last.ends_with(&format!(
                "/clone/wazo/rules: `rules build` failed (exit status 1) after it was refused \
                 {target}: a Wazo server runs the steps as an unprivileged user, who may write \
                 only in the plugin folder, $pkgdir and $TMPDIR; nothing was written"
            )),
        "{err}"
    );
    assert_eq!(o.status.code(), Some(4));
    assert_eq!(leftovers(out.path()), Vec::<PathBuf>::new());
    assert_eq!(leftovers(tmp.path()), Vec::<PathBuf>::new(), "TMPDIR");
}

/// The steps' identity and environment under --ref as root: an id without a passwd entry,
/// no groups, a private HOME and TMPDIR; and nothing changes for a plain build.
#[test]
fn ref_steps_run_unprivileged_with_a_private_home_and_tmpdir() {
    if !is_root() {
        println!("SKIPPED ref_steps_run_unprivileged_with_a_private_home_and_tmpdir: needs root");
        return;
    }
    let plugin = Plugin::new("name: who\nnamespace: demo\nversion: \"1.0\"\n");
    plugin.rules(
        "#!/bin/sh\nset -e\ncase \"$1\" in\n    build|package)\n        echo \"$1 $(id -u):$(id -g):$(id -G) home=$HOME tmp=$TMPDIR\"\n        touch \"$HOME/h\" \"$TMPDIR/t\"\n        ;;\nesac\n",
    );
    commit_all(plugin.path());
    git(plugin.path(), &["tag", "v1.0"]);
    let (out, tmp) = (tempfile::tempdir().unwrap(), private_tmp());
    let o = build(
        &[plugin.path().to_str().unwrap(), "--ref", "v1.0"],
        out.path(),
        tmp.path(),
    );
    the_deb(&o, out.path());
    let err = stderr(&o);
    let tmp_text = tmp.path().display().to_string();
    for step in ["build", "package"] {
        let line = err
            .lines()
            .find(|l| l.starts_with(&format!("[rules {step}] {step} ")))
            .unwrap_or_else(|| panic!("{err}"));
        // package runs under fakeroot: it sees uid 0, but is 65533 for the kernel.
        let ids = if step == "build" {
            "65533:65533:65533"
        } else {
            "0:0:0"
        };
        assert!(
            line.contains(&format!(" {ids} home={tmp_text}/pluginctl-stage-")),
            "{line}"
        );
        assert!(
            line.contains("/home tmp=") && line.ends_with("/tmp"),
            "{line}"
        );
    }
    assert_eq!(leftovers(tmp.path()), Vec::<PathBuf>::new(), "TMPDIR");
    // A plain build runs as the caller, with the caller's HOME.
    let out = tempfile::tempdir().unwrap();
    let o = build(&[plugin.path().to_str().unwrap()], out.path(), tmp.path());
    the_deb(&o, out.path());
    assert!(
        stderr(&o).contains("[rules build] build 0:0:0 home="),
        "{}",
        stderr(&o)
    );
}

#[test]
fn ref_bad_input_is_one_line_and_leaves_nothing() {
    let work = helloworld_repo("v0.0.1");
    let remote = bare(work.path());
    let (out, tmp) = (tempfile::tempdir().unwrap(), private_tmp());
    // Not in a git work tree, and no --url.
    let plain = Plugin::simple("plain", "demo", "1.0", 1);
    let dir = plain.path().to_str().unwrap();
    let o = build(&[dir, "--ref", "v1"], out.path(), tmp.path());
    assert_eq!(
        stderr(&o),
        format!(
            "error: {dir}: not in a git work tree; --ref builds a branch or tag of a repository: \
             run it in a clone of the plugin, or give the repository with --url\n"
        )
    );
    assert_eq!(o.status.code(), Some(2));
    // git not installed.
    let empty = tempfile::tempdir().unwrap();
    let o = run(pluginctl()
        .args(["build", "--ref", "v1", "--url", "x", "-o"])
        .arg(out.path())
        .env("PATH", empty.path())
        .env("TMPDIR", tmp.path()));
    assert_eq!(
        stderr(&o),
        "error: git: not found in PATH; --ref clones the repository as a Wazo server does \
         (install it: apt-get install git)\n"
    );
    assert_eq!(o.status.code(), Some(2));
    // Unreachable: git's own reason.
    let o = build(
        &["--ref", "v1", "--url", "/nonexistent/repo.git"],
        out.path(),
        tmp.path(),
    );
    assert_eq!(
        stderr(&o),
        "error: /nonexistent/repo.git: cannot read the repository: '/nonexistent/repo.git' \
         does not appear to be a git repository\n"
    );
    assert_eq!(o.status.code(), Some(1));
    // A clone that fails halfway: the remote lists the tag but lost a file's object.
    let blob = git(remote.path(), &["rev-parse", "v0.0.1:helloworld.conf"]);
    let blob = blob.trim();
    std::fs::remove_file(
        remote
            .path()
            .join("objects")
            .join(&blob[..2])
            .join(&blob[2..]),
    )
    .unwrap();
    let url = format!("file://{}", remote.path().display());
    let o = build(&["--ref", "v0.0.1", "--url", &url], out.path(), tmp.path());
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!(
            "error: {url}: git clone --branch v0.0.1 --depth 1 failed: "
        )) && err.lines().count() == 1,
        "{err}"
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(leftovers(out.path()), Vec::<PathBuf>::new());
    assert_eq!(leftovers(tmp.path()), Vec::<PathBuf>::new(), "TMPDIR");
}

fn is_root() -> bool {
    // SAFETY: geteuid(2) has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Starts `pluginctl ARGS`, waits for `mark` to appear (the clone or the step is running),
/// sends SIGTERM, and checks that it died by it, said so in one line and left nothing.
fn sigterm_once(args: &[&str], env: &[(&str, &Path)], mark: &Path, tmp: &Path, out: &Path) {
    let mut cmd = pluginctl();
    cmd.arg("build")
        .args(args)
        .arg("-q")
        .arg("-o")
        .arg(out)
        .env("TMPDIR", tmp)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().unwrap();
    let started = std::time::Instant::now();
    while !mark.exists() {
        assert!(started.elapsed().as_secs() < 30, "{mark:?} never appeared");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // SAFETY: signalling the child we started, not reaped yet.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.signal(), Some(libc::SIGTERM), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "error: interrupted by SIGTERM; nothing was written\n"
    );
    assert_eq!(leftovers(out), Vec::<PathBuf>::new());
    assert_eq!(leftovers(tmp), Vec::<PathBuf>::new(), "TMPDIR");
}

#[test]
fn sigterm_during_the_clone_or_a_step_removes_the_clone() {
    let work = helloworld_repo("v0.0.1");
    let remote = bare(work.path());
    let url = remote.path().to_str().unwrap();
    let marks = tempfile::tempdir().unwrap();
    chmod(marks.path(), 0o777);
    // During the clone: a git that clones, then hangs.
    let real =
        String::from_utf8(run(Command::new("sh").args(["-c", "command -v git"])).stdout).unwrap();
    let bin = tempfile::tempdir().unwrap();
    let mark = marks.path().join("cloned");
    write(
        bin.path().join("git"),
        format!(
            "#!/bin/sh\ncase \"$*\" in\n    *\" clone \"*) {} \"$@\"; touch {}; sleep 600;;\n    *) exec {} \"$@\";;\nesac\n",
            real.trim(),
            mark.display(),
            real.trim()
        ),
    );
    chmod(bin.path().join("git"), 0o755);
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap()
    );
    let (out, tmp) = (tempfile::tempdir().unwrap(), private_tmp());
    sigterm_once(
        &["--ref", "v0.0.1", "--url", url],
        &[("PATH", Path::new(&path))],
        &mark,
        tmp.path(),
        out.path(),
    );
    // During a step.
    let step_mark = marks.path().join("step");
    let plugin = Plugin::new("name: slow\nnamespace: demo\nversion: \"1.0\"\n");
    plugin.rules(&format!(
        "#!/bin/sh\ncase \"$1\" in\n    build) touch {}; sleep 600;;\nesac\n",
        step_mark.display()
    ));
    commit_all(plugin.path());
    git(plugin.path(), &["tag", "v1.0"]);
    sigterm_once(
        &[plugin.path().to_str().unwrap(), "--ref", "v1.0"],
        &[],
        &step_mark,
        tmp.path(),
        out.path(),
    );
}

#[test]
fn ref_as_a_normal_user_runs_the_steps_as_that_user() {
    if !is_root() {
        println!("SKIPPED ref_as_a_normal_user_runs_the_steps_as_that_user: needs root to become another user");
        return;
    }
    let plugin = Plugin::new("name: mine\nnamespace: demo\nversion: \"1.0\"\n");
    plugin.rules(
        "#!/bin/sh\nset -e\ncase \"$1\" in\n    build|package)\n        echo \"$1 $(id -u) home=$HOME tmp=$TMPDIR\"\n        ;;\nesac\n",
    );
    commit_all(plugin.path());
    git(plugin.path(), &["tag", "v1.0"]);
    // Everything the user needs is theirs: the remote, the output folder, TMPDIR.
    let remote = bare(plugin.path());
    let o = run(Command::new("chown")
        .arg("-R")
        .arg("65534:65534")
        .arg(remote.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    let (out, tmp) = (tempfile::tempdir().unwrap(), private_tmp());
    chmod(out.path(), 0o777);
    chmod(tmp.path(), 0o777);
    let o = run(Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", bin()])
        .args(["build", "--ref", "v1.0", "--url"])
        .arg(remote.path())
        .arg("-o")
        .arg(out.path())
        .env("HOME", "/nonexistent")
        .env("TMPDIR", tmp.path())
        .env_remove("SOURCE_DATE_EPOCH"));
    let deb = the_deb(&o, out.path());
    let err = stderr(&o);
    let tmp_text = tmp.path().display();
    // As a plain build: the steps run as the caller with the caller's HOME and TMPDIR,
    // package under fakeroot.
    assert!(
        err.contains(&format!(
            "[rules build] build 65534 home=/nonexistent tmp={tmp_text}\n"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "[rules package] package 0 home=/nonexistent tmp={tmp_text}\n"
        )),
        "{err}"
    );
    assert!(!err.contains("unprivileged user"), "{err}");
    check_with_dpkg(&deb, "wazo-plugind-mine-demo");
    assert_eq!(leftovers(tmp.path()), Vec::<PathBuf>::new(), "TMPDIR");
}
