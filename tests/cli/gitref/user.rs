//! `build --ref` and the user running the steps: as root, an unprivileged id with its own
//! HOME and TMPDIR, refused what a Wazo server refuses; as a normal user, that user.

use super::*;
use std::path::{Path, PathBuf};

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
    assert_eq!(
        last,
        format!(
            "error: v1.0:wazo/rules: `rules build` failed (exit status 1) after it was refused \
             {target}: a Wazo server runs the steps as an unprivileged user, who may write \
             only in the plugin folder, $pkgdir and $TMPDIR; nothing was written"
        ),
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
    let (out, tmp) = (tempfile::tempdir().unwrap(), private_tmp());
    let o = build_as_nobody("v1.0", remote.path(), &[], out.path(), tmp.path());
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

#[test]
fn a_ref_build_killed_outright_is_swept_by_the_next_build() {
    if !is_root() {
        println!("SKIPPED a_ref_build_killed_outright_is_swept_by_the_next_build: needs root");
        return;
    }
    // Killed during `rules package`: the clone's folder (root's) and $pkgdir (the build
    // user's) stay in TMPDIR; the next build removes both.
    let marks = tempfile::tempdir().unwrap();
    chmod(marks.path(), 0o777);
    let mark = marks.path().join("packaging");
    let plugin = Plugin::new("name: killed\nnamespace: demo\nversion: \"1.0\"\n");
    plugin.rules(&marker_rules(&format!(
        "        touch \"$pkgdir/staged\"\n        echo $$ > {0}.tmp && mv {0}.tmp {0}\n        sleep 600",
        mark.display()
    )));
    commit_all(plugin.path());
    git(plugin.path(), &["tag", "v1.0"]);
    let (out, tmp) = (tempfile::tempdir().unwrap(), private_tmp());
    let mut child = pluginctl()
        .arg("build")
        .arg(plugin.path())
        .args(["--ref", "v1.0", "-q", "-o"])
        .arg(out.path())
        .env("TMPDIR", tmp.path())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !mark.exists() {
        assert!(started.elapsed().as_secs() < 30, "rules package never ran");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // The step's process group (its own) outlives pluginctl: end it as a supervisor would.
    let step: i32 = std::fs::read_to_string(&mark)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // SAFETY: getpgid(2) and kill(2) on the step we started (it sleeps until killed).
    let group = unsafe { libc::getpgid(step) };
    assert!(group > 1, "no process group for {step}");
    child.kill().unwrap();
    child.wait().unwrap();
    // SAFETY: as above.
    unsafe { libc::kill(-group, libc::SIGKILL) };
    let left = leftovers(tmp.path());
    assert_eq!(left.len(), 2, "{left:?}");
    let o = build(
        &[helloworld().to_str().unwrap(), "-q"],
        out.path(),
        tmp.path(),
    );
    the_deb(&o, out.path());
    assert_eq!(leftovers(tmp.path()), Vec::<PathBuf>::new(), "TMPDIR");
}
