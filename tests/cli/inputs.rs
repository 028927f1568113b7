//! Every file a command reads because a user named it (a market document, a signing key, a
//! package, plugin.yml, the rules file, a license file), walked through every entry point as
//! a FIFO and as a link to /dev/zero: one prompt error line, never a hang or a read without
//! end. Each run has a watchdog: a command still running after it is killed, and the test
//! fails.

use crate::support::*;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

/// Runs `cmd`; fails the test if it has not ended within 30 seconds (it is killed then).
fn run_watched(cmd: &mut Command) -> Output {
    run_within(cmd, Duration::from_secs(30))
}

/// Makes `path` a FIFO (`fifo`) or a link to /dev/zero.
fn plant(path: &Path, fifo: bool) {
    let _ = std::fs::remove_file(path);
    if fifo {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    } else {
        std::os::unix::fs::symlink("/dev/zero", path).unwrap();
    }
}

const MANIFEST: &str = "name: hello\nnamespace: acme\nversion: \"1.0\"\ndisplay_name: Hello\n";

/// What a non-regular input is called in messages.
fn kind(fifo: bool) -> &'static str {
    if fifo {
        "a FIFO"
    } else {
        "a character device"
    }
}

#[test]
fn named_files_that_are_fifos_or_dev_zero_give_one_prompt_line() {
    let tmp = tempfile::tempdir().unwrap();
    let p = Plugin::new(MANIFEST);
    let bad = tmp.path().join("bad");
    let empty = tmp.path().join("repo");
    std::fs::create_dir(&empty).unwrap();
    for fifo in [true, false] {
        plant(&bad, fifo);
        let shown = bad.display();
        let k = kind(fifo);
        // (command, exit status, the one stderr line, stdout)
        let cases: Vec<(Command, i32, String, String)> = vec![
            (
                {
                    let mut c = pluginctl();
                    c.arg("market")
                        .arg(p.path())
                        .args(["--url", "u", "--into"])
                        .arg(&bad);
                    c
                },
                1,
                format!("error: {shown}: cannot read: {k}, not a regular file\n"),
                String::new(),
            ),
            (
                {
                    let mut c = pluginctl();
                    c.arg("lint").arg(p.path()).arg("--market").arg(&bad);
                    c
                },
                2,
                format!("error: --market {shown}: cannot read: {k}, not a regular file\n"),
                String::new(),
            ),
            (
                {
                    let mut c = pluginctl();
                    c.arg("index").arg(&empty).arg("--sign").arg(&bad);
                    c
                },
                2,
                format!("error: {shown}: not a regular file; give the exported secret key file\n"),
                String::new(),
            ),
            (
                {
                    let mut c = pluginctl();
                    c.arg("inspect").arg(&bad);
                    c
                },
                1,
                format!("error: {shown}: cannot open: {k}, not a regular file\n"),
                String::new(),
            ),
            (
                {
                    let mut c = pluginctl();
                    c.arg("lint").arg(&bad);
                    c
                },
                1,
                String::new(),
                format!(
                    "E: {shown}: input-unreadable: neither a folder nor a regular file; give a \
                     plugin folder or a .deb file\n1 input checked: 1 error, 0 warnings, 0 info\n"
                ),
            ),
        ];
        for (mut cmd, code, err, out) in cases {
            let o = run_watched(&mut cmd);
            assert_eq!(
                (o.status.code(), stderr(&o), stdout(&o)),
                (Some(code), err, out),
                "{cmd:?}"
            );
        }
    }
}

#[test]
fn checkout_files_that_are_fifos_or_dev_zero_stop_build_and_lint_alike() {
    for fifo in [true, false] {
        for (file, build_says, tag) in [
            (
                "wazo/plugin.yml",
                if fifo {
                    "not a regular file".to_string()
                } else {
                    "resolves to /dev/zero, outside the plugin folder; make it a regular file \
                     of the checkout"
                        .to_string()
                },
                "manifest-invalid",
            ),
            (
                "wazo/rules",
                if fifo {
                    "not a regular file; wazo/rules must be an executable script".to_string()
                } else {
                    "a symlink to /dev/zero, outside the plugin folder; make it a regular file"
                        .to_string()
                },
                "rules-not-regular",
            ),
            (
                "LICENSE",
                if fifo {
                    "not a regular file; a license file must hold the license text".to_string()
                } else {
                    "a symlink to /dev/zero, outside the plugin folder; its text would be \
                     published in the package (copy the license into the checkout)"
                        .to_string()
                },
                "license-unusable",
            ),
        ] {
            let p = Plugin::new(MANIFEST);
            plant(&p.path().join(file), fifo);
            let out = tempfile::tempdir().unwrap();
            let o = run_watched(&mut p.build_cmd(out.path()));
            let shown = if file == "LICENSE" {
                file.to_string()
            } else {
                p.path().join(file).display().to_string()
            };
            assert_eq!(
                (o.status.code(), stderr(&o)),
                (Some(3), format!("error: {shown}: {build_says}\n")),
                "{file} fifo={fifo}"
            );
            assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
            let o = run_watched(pluginctl().arg("lint").arg(p.path()));
            let line = format!("E: {}: {tag}: {build_says}", p.path().join(file).display());
            assert!(
                stdout(&o).lines().any(|l| l == line),
                "{file} fifo={fifo}: {}",
                stdout(&o)
            );
            assert_eq!(o.status.code(), Some(1), "{file} fifo={fifo}");
        }
    }
}

#[test]
fn a_market_document_past_the_limit_is_refused_without_reading_it_whole() {
    let p = Plugin::new(MANIFEST);
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("market.json");
    // Sparse: 65 MiB that cost no disk.
    let f = std::fs::File::create(&file).unwrap();
    f.set_len(65 << 20).unwrap();
    let o = run_watched(
        pluginctl()
            .arg("market")
            .arg(p.path())
            .args(["--url", "u", "--into"])
            .arg(&file),
    );
    assert_eq!(
        (o.status.code(), stderr(&o)),
        (
            Some(1),
            format!(
                "error: {}: cannot read: larger than pluginctl's 64 MiB limit\n",
                file.display()
            )
        )
    );
    assert_eq!(std::fs::metadata(&file).unwrap().len(), 65 << 20);
}
