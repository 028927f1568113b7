//! `build --ref` refusals: a bad `--subdirectory`, no work tree, no git, an unreachable or
//! broken remote, and SIGTERM during the clone or a step; each one line, nothing left behind.

use super::*;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;

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
    // A URL that looks like an option stays a URL: nothing runs.
    let marker = tmp.path().join("ran");
    let url = format!("--upload-pack=touch {}", marker.display());
    let o = build(
        &["--ref", "v1", &format!("--url={url}")],
        out.path(),
        tmp.path(),
    );
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!("error: {url}: cannot read the repository: "))
            && err.lines().count() == 1,
        "{err}"
    );
    assert!(!marker.exists(), "git ran the URL as --upload-pack");
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

/// Starts `pluginctl ARGS`, waits for `mark` to appear (the clone or the step is running),
/// sends SIGTERM, and checks that it died by it, said so in one line and left nothing.
fn sigterm_once(args: &[&str], env: &[(&str, &Path)], mark: &Path, tmp: &Path, out: &Path) {
    let mut cmd = pluginctl();
    cmd.arg("build")
        .args(args)
        .arg("-q")
        .arg("-o")
        .arg(out)
        .env("TMPDIR", tmp);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = sigterm_when(&mut cmd, mark);
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
    let plugin = Plugin::new("name: slow\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: Slow\n");
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
