//! Error paths that used to leave something behind or blame the wrong thing: a staged file
//! written by a process outside the rules step's group (the staging folder stayed in
//! TMPDIR), a checkout made unreadable by `rules build` (blamed as an edited manifest), and
//! a package that lint could not read whole (no finding, exit 0).

use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Rules whose `package` step stages a 5 MB file and leaves three processes, each in its own session
/// (so outside the step's process group, which pluginctl kills), appending to it until
/// `stop` exists (2 million appends at most), in a loop of shell builtins.
fn rules_with_writer(stop: &Path) -> String {
    format!(
        "#!/bin/sh
case \"$1\" in
    build) ;;
    package)
        mkdir -p \"$pkgdir/usr/share/w\"
        head -c 5000000 /dev/zero > \"$pkgdir/usr/share/w/grows\"
        for n in 1 2 3; do
            setsid sh -c 'i=0
                while [ ! -e \"{stop}\" ] && [ $i -lt 2000000 ]; do
                    printf x >> \"$0/usr/share/w/grows\"; i=$((i + 1))
                done 2>/dev/null' \"$pkgdir\" </dev/null >/dev/null 2>&1 &
        done
        # Until the writer has written once.
        while [ $(stat -c %s \"$pkgdir/usr/share/w/grows\") -eq 5000000 ]; do sleep 0.01; done
        ;;
    install|uninstall|postrm) ;;
esac
",
        stop = stop.display()
    )
}

#[test]
fn a_staged_file_written_from_outside_the_step_is_refused_and_nothing_is_left() {
    let p = Plugin::new("name: grows\nnamespace: acme\nversion: \"1.0\"\ndisplay_name: Grows\n");
    let marks = tempfile::tempdir().unwrap();
    let stop = marks.path().join("stop");
    p.rules(&rules_with_writer(&stop));
    let tmp = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    // Each compression's pipeline has its own reading path. Whether the writer's appends
    // fall between the tree's walk and the file's archiving is a race the writer wins almost
    // always; a build that saw no change (and so made a package) is tried again.
    for compression in ["none", "xz", "gzip", "zstd"] {
        // Three refusals each: the old removal lost the race to the writers about every
        // other time (the file written again between its unlink and its folder's rmdir).
        let mut refused = 0;
        for _ in 0..20 {
            let _ = std::fs::remove_file(&stop);
            let o = run(p
                .build_cmd(out.path())
                .args(["-Z", compression])
                .env("TMPDIR", tmp.path()));
            write(&stop, "");
            // The writer may still be looping: give it time to see `stop`, then look.
            std::thread::sleep(std::time::Duration::from_millis(200));
            if o.status.success() {
                for f in leftovers(out.path()) {
                    std::fs::remove_file(f).unwrap();
                }
                assert_eq!(
                    leftovers(tmp.path()),
                    Vec::<PathBuf>::new(),
                    "{compression}"
                );
                continue;
            }
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(3), "{compression}: {err}");
            assert!(
                err.starts_with(&format!("error: {}/pluginctl-stage-", tmp.path().display()))
                    && err.contains("/usr/share/w/grows: changed size while it was archived (")
                    && err
                        .ends_with("now); a process started by wazo/rules still writes into it\n")
                    && err.lines().count() == 1,
                "{compression}: {err}"
            );
            assert_eq!(
                leftovers(tmp.path()),
                Vec::<PathBuf>::new(),
                "{compression}: TMPDIR"
            );
            assert_eq!(
                leftovers(out.path()),
                Vec::<PathBuf>::new(),
                "{compression}: output"
            );
            refused += 1;
            if refused == 3 {
                break;
            }
        }
        assert_eq!(
            refused, 3,
            "{compression}: the writers rarely changed the file in time"
        );
    }
}

extern "C" {
    #[link_name = "geteuid"]
    fn geteuid_() -> u32;
}

/// A command running pluginctl as an ordinary user: as root, the user `pluginctl-test`
/// (created when missing, as the non-root build test does); `None` when that cannot be.
fn as_ordinary_user() -> Option<Command> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { geteuid_() } != 0 {
        return Some(Command::new(bin()));
    }
    let user = "pluginctl-test";
    let exists = run(Command::new("id").arg(user)).status.success();
    if !exists
        && !run(Command::new("useradd").args(["--system", "--no-create-home", user]))
            .status
            .success()
    {
        return None;
    }
    let mut c = Command::new("runuser");
    c.args(["-u", user, "--", bin()]);
    Some(c)
}

#[test]
fn a_checkout_made_unreadable_by_rules_build_is_named_as_a_permission_problem() {
    let Some(mut cmd) = as_ordinary_user() else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: no ordinary user to run a_checkout_made_unreadable_by_rules_build_is_named_as_a_permission_problem"
        );
        return;
    };
    let p = Plugin::new("name: locked\nnamespace: acme\nversion: \"1.0\"\n");
    p.rules(
        &marker_rules("        :").replace("    build)\n", "    build)\n        chmod 000 .\n"),
    );
    assert!(
        std::fs::read_to_string(p.path().join("wazo/rules"))
            .unwrap()
            .contains("chmod 000 ."),
        "the rules file has no build branch to edit"
    );
    let out = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for dir in [p.path(), out.path(), tmp.path()] {
        chmod(dir, 0o777);
    }
    // The checkout is the user's own, as a plugin author's is.
    if unsafe { geteuid_() } == 0 {
        let o = run(Command::new("chown")
            .args(["-R", "pluginctl-test"])
            .arg(p.path()));
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = run(cmd
        .arg("build")
        .arg(p.path())
        .arg("-o")
        .arg(out.path())
        .env("TMPDIR", tmp.path()));
    chmod(p.path(), 0o755);
    assert_eq!(
        (
            o.status.code(),
            stderr(&o).lines().last().map(str::to_string)
        ),
        (
            Some(3),
            Some(format!(
                "error: {}/wazo/plugin.yml: cannot be read after `rules build`: permission \
                 denied (check the folder's permissions); a rules step must leave the checkout \
                 readable",
                p.path().display()
            ))
        ),
        "{}",
        stderr(&o)
    );
    assert_eq!(leftovers(out.path()), Vec::<PathBuf>::new());
    assert_eq!(leftovers(tmp.path()), Vec::<PathBuf>::new());
}

/// One tar header block (GNU magic), checksum filled in.
fn tar_header(name: &[u8], size: u64, flag: u8) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..name.len()].copy_from_slice(name);
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[148..156].copy_from_slice(b"        ");
    h[156] = flag;
    h[257..265].copy_from_slice(b"ustar  \0");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

#[test]
fn a_package_lint_cannot_read_whole_is_an_error_with_inspects_words() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    write(work.join("debian-binary"), "2.0\n");
    let tree = tmp.path().join("tree");
    write(
        tree.join("DEBIAN/control"),
        "Package: longname\nVersion: 1.0\nArchitecture: all\nMaintainer: T <t@example.org>\nDescription: x\n",
    );
    let o = run(Command::new("tar")
        .args(["--format=gnu", "--owner=0", "--group=0", "-czf"])
        .arg(work.join("control.tar.gz"))
        .arg("-C")
        .arg(tree.join("DEBIAN"))
        .arg("./control"));
    assert!(o.status.success(), "{}", stderr(&o));
    // A GNU long-name entry declaring 512 MiB: past the limit at its header.
    let mut data = tar_header(b"././@LongLink", 512 << 20, b'L');
    data.extend_from_slice(&[b'x'; 2048]);
    let mut gz = Command::new("gzip")
        .arg("-nc")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        gz.stdin.take().unwrap().write_all(&data).unwrap();
    }
    let gz = gz.wait_with_output().unwrap();
    write(work.join("data.tar.gz"), &gz.stdout);
    let deb = tmp.path().join("longname.deb");
    let o = run(Command::new("ar")
        .current_dir(&work)
        .arg("qc")
        .arg(&deb)
        .args(["debian-binary", "control.tar.gz", "data.tar.gz"]));
    assert!(o.status.success(), "{}", stderr(&o));
    let why = "a GNU long name of 512 MiB exceeds pluginctl's 1 MiB limit";
    let o = run(pluginctl().arg("inspect").arg(&deb));
    assert_eq!(
        (o.status.code(), stderr(&o)),
        (
            Some(1),
            format!("error: {}: data.tar.gz: {why}\n", deb.display())
        )
    );
    let o = run(pluginctl().arg("lint").arg(&deb));
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let line = format!("E: {}!data.tar.gz: past-limit: {why}", deb.display());
    assert!(stdout(&o).lines().any(|l| l == line), "{}", stdout(&o));
}
