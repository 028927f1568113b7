//! A git that hangs while lint or build asks it about the checkout (a network file system, a
//! credential helper waiting on a terminal): SIGTERM stops the command at once with the
//! signal's status, its git with it, and nothing is written or reported as findings.

use crate::support::*;
use std::os::unix::process::ExitStatusExt;

#[test]
fn sigterm_stops_lint_and_build_while_git_hangs() {
    let p = Plugin::simple("hello", "acme", "1.0.0", 1);
    let out = tempfile::tempdir().unwrap();
    let marks = tempfile::tempdir().unwrap();
    let mark = marks.path().join("git-started");
    let bin = hanging_git(&mark);
    let commands: [(&str, Vec<std::ffi::OsString>); 2] = [
        ("lint", vec![p.path().into()]),
        (
            "build",
            vec![p.path().into(), "-o".into(), out.path().into()],
        ),
    ];
    for (command, args) in commands {
        let _ = std::fs::remove_file(&mark);
        let started = std::time::Instant::now();
        let o = sigterm_when(
            pluginctl()
                .arg(command)
                .args(&args)
                .env("PATH", path_with(bin.path())),
            &mark,
        );
        assert_eq!(
            o.status.signal(),
            Some(libc::SIGTERM),
            "{command}: {}",
            stderr(&o)
        );
        let err = stderr(&o);
        assert!(
            err.starts_with("error: interrupted by SIGTERM"),
            "{command}: {err}"
        );
        assert_eq!(stdout(&o), "", "{command}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "{command} waited for its git"
        );
    }
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}
