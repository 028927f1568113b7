//! Hostile input and failures: every bad plugin, place or interrupt ends the same way.
//!
//! Each row runs `pluginctl build` in a plugin checkout with `TMPDIR` set to a fresh empty
//! folder and `-o` to a fresh empty output folder, and with a rules file that records every
//! step it runs. It asserts the exit status, the exact error line (or its key words), that
//! stderr is that one line, that the output folder and TMPDIR are empty afterwards, that the
//! checkout is unchanged, and, for manifest and rules-file errors, that no rules step ran.

use crate::support::*;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const GOOD: &str = "name: hello\nnamespace: demo\nversion: \"1.0\"\n";
/// GOOD with the display_name that `build` would otherwise warn about (as lint does).
const SHOWN: &str = "name: hello\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: Hello\n";
const DEB: &str = "wazo-plugind-hello-demo_1.0_all.deb";

/// A rules file that appends each step to `$MARKS/ran`, then runs `package` for `package`.
fn recording_rules(package: &str) -> String {
    format!(
        "#!/bin/sh\nset -e\necho \"$1\" >> \"$MARKS/ran\"\ncase \"$1\" in\n    package)\n{package}\n        ;;\nesac\n"
    )
}

/// One row: a checkout, its own TMPDIR, output folder and marker folder.
struct Case {
    plugin: Plugin,
    tmp: tempfile::TempDir,
    out_parent: tempfile::TempDir,
    out: PathBuf,
    marks: tempfile::TempDir,
}

impl Case {
    /// A checkout with this manifest (any bytes) and rules that stage nothing.
    fn new(manifest: impl AsRef<[u8]>) -> Case {
        let plugin = Plugin::new(SHOWN);
        plugin.file("wazo/plugin.yml", manifest);
        plugin.rules(&recording_rules("        :"));
        let out_parent = tempfile::Builder::new().prefix("out-").tempdir().unwrap();
        let out = out_parent.path().join("out");
        std::fs::create_dir(&out).unwrap();
        Case {
            plugin,
            tmp: tempfile::Builder::new()
                .prefix("tmpdir-")
                .tempdir()
                .unwrap(),
            out_parent,
            out,
            marks: tempfile::Builder::new().prefix("marks-").tempdir().unwrap(),
        }
    }

    /// A valid checkout whose `rules package` runs this shell snippet.
    fn package(snippet: &str) -> Case {
        let case = Case::new(SHOWN);
        case.plugin.rules(&recording_rules(snippet));
        case
    }

    fn path(&self) -> &Path {
        self.plugin.path()
    }

    /// `pluginctl build . -o OUT -q`, run in the checkout.
    fn cmd(&self) -> Command {
        self.cmd_to(&self.out)
    }

    /// `pluginctl build . -o out -q`, run in the checkout.
    fn cmd_to(&self, out: &Path) -> Command {
        let mut c = self.cmd_showing_rules_output();
        c.arg("-q").arg("-o").arg(out);
        c
    }

    /// `pluginctl build .`, run in the checkout (no output folder yet).
    fn cmd_showing_rules_output(&self) -> Command {
        let mut c = pluginctl();
        c.current_dir(self.path())
            .args(["build", "."])
            .env("TMPDIR", self.tmp.path())
            .env("MARKS", self.marks.path())
            .env("SOURCE_DATE_EPOCH", "1700000000");
        c
    }

    /// The rules steps that ran, in order.
    fn ran(&self) -> Vec<String> {
        std::fs::read_to_string(self.marks.path().join("ran"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Every path of the checkout with its size, mode and mtime (to prove nothing changed).
    fn snapshot(&self) -> BTreeMap<PathBuf, (u64, u32, i64)> {
        walkdir::WalkDir::new(self.path())
            .into_iter()
            .flatten()
            .map(|e| {
                let m = e.path().symlink_metadata().unwrap();
                (e.path().to_path_buf(), (m.len(), m.mode(), m.mtime()))
            })
            .collect()
    }

    /// Runs the build, asserts the failure shape, returns the single error line.
    fn fails(&self, status: i32, expected: Line) -> String {
        let before = self.snapshot();
        let o = run(&mut self.cmd());
        let line = self.assert_failed(&o, status, expected);
        assert_eq!(self.snapshot(), before, "the checkout changed");
        line
    }

    /// The checks every failure must pass, on an output already collected.
    fn assert_failed(&self, o: &Output, status: i32, expected: Line) -> String {
        let err = stderr(o);
        if status > 128 {
            // Interrupted: the process dies by the signal, as a shell expects (it shows 128+n).
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(
                o.status.signal(),
                Some(status - 128),
                "{:?}; stderr:\n{err}",
                o.status
            );
        } else {
            assert_eq!(o.status.code(), Some(status), "exit status; stderr:\n{err}");
        }
        assert!(
            err.ends_with('\n') && err.matches('\n').count() == 1,
            "stderr must be exactly one line:\n{err}"
        );
        let line = err.trim_end().to_string();
        // `cargo test errors:: -- --nocapture` lists every error line of the table.
        eprintln!("{line}");
        match expected {
            Line::Exact(text) => assert_eq!(line, text),
            Line::Has(words) => {
                assert!(line.starts_with("error: "), "{line}");
                for w in words {
                    assert!(line.contains(w), "{line:?} lacks {w:?}");
                }
            }
        }
        assert!(stdout(o).is_empty(), "stdout: {}", stdout(o));
        self.assert_clean();
        line
    }

    /// Output folder and TMPDIR are empty.
    fn assert_clean(&self) {
        assert_eq!(leftovers(&self.out), Vec::<PathBuf>::new(), "output folder");
        assert_eq!(leftovers(self.tmp.path()), Vec::<PathBuf>::new(), "TMPDIR");
    }
}

/// What the error line must be.
enum Line<'a> {
    Exact(&'a str),
    Has(&'a [&'a str]),
}

/// A manifest that must be refused at `place_and_message` (after `wazo/plugin.yml:`)
/// with status 3, before any rules step runs.
fn bad_manifest(manifest: impl AsRef<[u8]>, place_and_message: &str) {
    let case = Case::new(manifest);
    case.fails(
        3,
        Line::Exact(&format!("error: wazo/plugin.yml:{place_and_message}")),
    );
    assert_eq!(case.ran(), Vec::<String>::new(), "a rules step ran");
}

macro_rules! bad_manifests {
    ($($name:ident: $yaml:expr => $line:expr;)*) => {$(
        #[test]
        fn $name() {
            bad_manifest($yaml, $line);
        }
    )*};
}

/// GOOD with `extra` lines after it.
fn with(extra: &str) -> String {
    format!("{GOOD}{extra}")
}

mod interrupts;
mod manifest;
mod places;
mod rules;
mod security;

/// A mount that is undone on drop.
pub(crate) struct Mount(PathBuf);

impl Mount {
    /// `mount ARGS AT`, or why it failed.
    pub(crate) fn new(args: &[&str], at: &Path) -> Result<Mount, String> {
        let o = run(Command::new("mount").args(args).arg(at));
        if o.status.success() {
            Ok(Mount(at.to_path_buf()))
        } else {
            Err(stderr(&o))
        }
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Spawns the build with stderr captured.
fn spawn(cmd: &mut Command) -> std::process::Child {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until `check` holds, for at most `limit`.
fn wait_for(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// True once the process (or, with `group`, every process of the group) is gone. A zombie
/// counts as gone: it runs nothing, and reaping it is its new parent's business.
fn wait_gone(id: i32, group: bool) -> bool {
    wait_for(Duration::from_secs(10), || !running(id, group))
}

/// Whether a live (not zombie) process has this pid, or this process group with `group`.
fn running(id: i32, group: bool) -> bool {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return true;
    };
    procs.flatten().any(|p| {
        let Ok(stat) = std::fs::read_to_string(p.path().join("stat")) else {
            return false;
        };
        // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            return false;
        };
        let pid: i32 = head.split(' ').next().unwrap_or("").parse().unwrap_or(-1);
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (state, pgrp) = (fields.first().copied(), fields.get(2).copied());
        let matches = if group {
            pgrp == Some(&id.to_string())
        } else {
            pid == id
        };
        matches && state != Some("Z")
    })
}

// ---- Helpers ----

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

/// Runs a command to its end; returns its output, wall time and peak memory (KiB).
#[allow(clippy::zombie_processes)] // reaped by wait4, which also gives its peak memory
pub(crate) fn run_measured(cmd: &mut Command) -> (Output, Duration, i64) {
    let started = Instant::now();
    let mut child = spawn(cmd.stdin(Stdio::null()));
    let drain = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    // Peak memory of pluginctl itself, sampled from /proc while it runs: the wait4 rusage
    // would also count the test process's own pages, which the child shares until exec.
    let status_file = format!("/proc/{}/status", child.id());
    let sampler = std::thread::spawn(move || {
        let mut peak = 0i64;
        while let Ok(text) = std::fs::read_to_string(&status_file) {
            match text.lines().find_map(|l| l.strip_prefix("VmHWM:")) {
                Some(v) => {
                    peak = peak.max(v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0))
                }
                None => break,
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        peak
    });
    let status = child.wait().unwrap();
    let took = started.elapsed();
    let output = Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    (output, took, sampler.join().unwrap())
}
