//! Every command ends cleanly: a signal stops it within a second and it dies by that signal
//! (a shell sees 130 for SIGINT), a non-regular input is refused without blocking, and a
//! closed or failing stream never makes it panic.
//!
//! The long-running inputs are cheap: a package whose data member is zstd frames of zeros,
//! a few hundred KiB on disk that take many seconds to read back.

use crate::support::*;
use std::os::unix::io::{FromRawFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One ustar header.
fn tar_header(name: &str, size: u64, mode: u32, kind: u8) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    let octal = |h: &mut [u8; 512], at: usize, len: usize, v: u64| {
        let text = format!("{v:0w$o}\0", w = len - 1);
        h[at..at + len].copy_from_slice(text.as_bytes());
    };
    octal(&mut h, 100, 8, mode as u64);
    octal(&mut h, 108, 8, 0);
    octal(&mut h, 116, 8, 0);
    octal(&mut h, 124, 12, size);
    octal(&mut h, 136, 12, 1_700_000_000);
    h[148..156].copy_from_slice(b"        ");
    h[156] = kind;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[265..269].copy_from_slice(b"root");
    h[297..301].copy_from_slice(b"root");
    let sum: u32 = h.iter().map(|&b| b as u32).sum();
    let text = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(text.as_bytes());
    h
}

fn ar_member(out: &mut Vec<u8>, name: &str, data: &[u8]) {
    out.extend_from_slice(
        format!(
            "{name:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
            1_700_000_000,
            0,
            0,
            "100644",
            data.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(b'\n');
    }
}

/// A valid package whose data files hold `gib` GiB of zeros, stored as one zstd frame of
/// RLE blocks (each 128 KiB of zeros is 4 bytes): seconds of work for any reader, tiny on
/// disk. One frame, as dpkg reads only the first one.
fn slow_package(dir: &Path, gib: u64) -> PathBuf {
    let control_text = "Package: slow\nVersion: 1.0\nArchitecture: all\nMaintainer: A <a@example.com>\nDescription: slow to read\n";
    let mut control = Vec::new();
    control.extend_from_slice(&tar_header("./", 0, 0o755, b'5'));
    control.extend_from_slice(&tar_header(
        "./control",
        control_text.len() as u64,
        0o644,
        b'0',
    ));
    control.extend_from_slice(control_text.as_bytes());
    control.resize(control.len().div_ceil(512) * 512 + 1024, 0);
    // Files of 7 GiB each (ustar sizes stop below 8 GiB).
    let per_file = 7u64 << 30;
    let mut frame = ZstdFrame::new();
    for (name, kind) in [("./", b'5'), ("./usr/", b'5')] {
        frame.raw(&tar_header(name, 0, 0o755, kind));
    }
    for i in 0..gib.div_ceil(7) {
        frame.raw(&tar_header(
            &format!("./usr/zeros{i}"),
            per_file,
            0o644,
            b'0',
        ));
        frame.zeros(per_file);
    }
    frame.zeros(1024);
    let data = frame.end();
    let mut deb = b"!<arch>\n".to_vec();
    ar_member(&mut deb, "debian-binary", b"2.0\n");
    ar_member(
        &mut deb,
        "control.tar.zst",
        &zstd::stream::encode_all(&control[..], 1).unwrap(),
    );
    ar_member(&mut deb, "data.tar.zst", &data);
    let path = dir.join("slow_1.0_all.deb");
    std::fs::write(&path, deb).unwrap();
    path
}

/// A zstd frame written by hand: raw blocks for bytes, RLE blocks for runs of zeros.
struct ZstdFrame(Vec<u8>);

impl ZstdFrame {
    /// Largest block: 128 KiB, within the 128 KiB window declared.
    const BLOCK: u64 = 128 << 10;

    fn new() -> Self {
        // Magic; no checksum, content size or dictionary; window 2^17 (exponent 7).
        ZstdFrame(vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3])
    }

    fn block(&mut self, kind: u32, size: u64, body: &[u8]) {
        let header = ((size as u32) << 3) | (kind << 1);
        self.0.extend_from_slice(&header.to_le_bytes()[..3]);
        self.0.extend_from_slice(body);
    }

    fn raw(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(Self::BLOCK as usize) {
            self.block(0, chunk.len() as u64, chunk);
        }
    }

    fn zeros(&mut self, mut n: u64) {
        while n > 0 {
            let size = n.min(Self::BLOCK);
            self.block(1, size, &[0]);
            n -= size;
        }
    }

    /// The frame, ended by an empty last raw block.
    fn end(mut self) -> Vec<u8> {
        self.0.extend_from_slice(&1u32.to_le_bytes()[..3]);
        self.0
    }
}

/// The children of a process, from /proc.
fn children(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit_once(')')
            .is_some_and(|(_, r)| !r.trim_start().starts_with('Z'))
    })
}

/// Runs `pluginctl ARGS` under `sh -c '...; echo $?'`, sends `sig` to pluginctl one second
/// in, and checks: gone within two seconds, the shell saw 128+sig, the one error line, and
/// TMPDIR left empty. Returns the stop latency.
fn interrupt(args: &[&std::ffi::OsStr], sig: i32, name: &str, tmp: &Path) -> Duration {
    let mut sh = Command::new("/bin/sh");
    default_signals(&mut sh)
        .arg("-c")
        .arg("\"$0\" \"$@\"; echo \"status $?\"")
        .arg(bin())
        .args(args)
        .env("TMPDIR", tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = sh.spawn().unwrap();
    let started = Instant::now();
    let mut pid = None;
    while started.elapsed() < Duration::from_secs(10) && pid.is_none() {
        pid = children(child.id()).first().copied();
        std::thread::sleep(Duration::from_millis(10));
    }
    let pid = pid.expect("pluginctl never started");
    std::thread::sleep(Duration::from_secs(1).saturating_sub(started.elapsed()));
    assert!(
        alive(pid),
        "pluginctl {args:?} ended before the signal: the input is too small"
    );
    // SAFETY: signalling the pluginctl process we started (its pid is still ours: alive).
    unsafe { libc::kill(pid as i32, sig) };
    let sent = Instant::now();
    while alive(pid) && sent.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let latency = sent.elapsed();
    let o = child.wait_with_output().unwrap();
    eprintln!("pluginctl {args:?}: {name} stopped it in {latency:?}");
    assert!(
        latency < Duration::from_secs(2),
        "{name} took {latency:?} to stop {args:?}"
    );
    assert_eq!(stdout(&o), format!("status {}\n", 128 + sig));
    // The shell names a SIGTERM or SIGHUP death of its child on a line of its own: that line
    // only shows because pluginctl really died by the signal.
    let ours = format!("error: interrupted by {name}; nothing was written\n");
    let shell_says = match sig {
        libc::SIGTERM => "Terminated\n",
        libc::SIGHUP => "Hangup\n",
        _ => "",
    };
    let err = stderr(&o);
    assert!(
        err == ours || err == format!("{ours}{shell_says}"),
        "stderr of {args:?}: {err:?}"
    );
    assert_eq!(leftovers(tmp), Vec::<PathBuf>::new(), "TMPDIR");
    latency
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

#[test]
fn sigint_stops_inspect_lint_and_index() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let deb = slow_package(dir.path(), 64);
    interrupt(
        &[os("inspect"), deb.as_os_str()],
        libc::SIGINT,
        "SIGINT",
        tmp.path(),
    );
    interrupt(
        &[os("lint"), deb.as_os_str()],
        libc::SIGINT,
        "SIGINT",
        tmp.path(),
    );
    interrupt(
        &[os("index"), dir.path().as_os_str()],
        libc::SIGINT,
        "SIGINT",
        tmp.path(),
    );
    // index wrote nothing, not even a temporary file.
    assert_eq!(leftovers(dir.path()), std::slice::from_ref(&deb));
}

#[test]
fn sigterm_and_sighup_stop_inspect() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let deb = slow_package(dir.path(), 64);
    interrupt(
        &[os("inspect"), deb.as_os_str()],
        libc::SIGTERM,
        "SIGTERM",
        tmp.path(),
    );
    interrupt(
        &[os("lint"), deb.as_os_str()],
        libc::SIGHUP,
        "SIGHUP",
        tmp.path(),
    );
}

#[test]
fn sigint_stops_build_waiting_for_its_rules() {
    let plugin = Plugin::new("name: slow\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: Slow\n");
    plugin.rules(&marker_rules("        sleep 600"));
    let out = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    interrupt(
        &[
            os("build"),
            plugin.path().as_os_str(),
            os("-q"),
            os("-o"),
            out.path().as_os_str(),
        ],
        libc::SIGINT,
        "SIGINT",
        tmp.path(),
    );
    assert_eq!(
        leftovers(out.path()),
        Vec::<PathBuf>::new(),
        "output folder"
    );
}

#[test]
fn a_second_signal_ends_the_run_at_once() {
    // The rules step ignores the first signal, so the build would wait out a grace period;
    // the second SIGINT ends pluginctl and the step at once.
    let plugin = Plugin::new("name: slow\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: Slow\n");
    let marks = tempfile::tempdir().unwrap();
    plugin.rules(&marker_rules(&format!(
        "        trap '' INT TERM HUP\n        echo $$ > {0}/pid.tmp && mv {0}/pid.tmp {0}/pid\n        sleep 600",
        marks.path().display()
    )));
    let out = tempfile::tempdir().unwrap();
    let mut child = pluginctl()
        .arg("build")
        .arg(plugin.path())
        .args(["-q", "-o"])
        .arg(out.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid_file = marks.path().join("pid");
    let started = Instant::now();
    while !pid_file.exists() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let step: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    std::thread::sleep(Duration::from_millis(200));
    let sent = Instant::now();
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert!(
        sent.elapsed() < Duration::from_secs(2),
        "{:?}",
        sent.elapsed()
    );
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
    let started = Instant::now();
    while alive(step) && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!alive(step), "the rules step survived the second signal");
}

// ---- Non-regular inputs ----

fn fifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: mkfifo(3) with a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

#[test]
fn inspect_refuses_a_fifo_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("x.deb");
    fifo(&x);
    let o = run_within(pluginctl().arg("inspect").arg(&x), Duration::from_secs(10));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: cannot open: a FIFO, not a regular file\n",
            x.display()
        )
    );
    assert_eq!(stdout(&o), "");
}

#[test]
fn lint_refuses_a_fifo_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("x.deb");
    fifo(&x);
    let o = run_within(pluginctl().arg("lint").arg(&x), Duration::from_secs(10));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!(
            "E: {}: input-unreadable: neither a folder nor a regular file",
            x.display()
        )),
        "{}",
        stdout(&o)
    );
}

#[test]
fn index_names_a_fifo_it_cannot_publish() {
    let dir = tempfile::tempdir().unwrap();
    let y = dir.path().join("y.deb");
    fifo(&y);
    let o = run_within(
        pluginctl().arg("index").arg(dir.path()),
        Duration::from_secs(10),
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: a FIFO, not a regular file; only packages may end in .deb (move it out of the folder)\n",
            y.display()
        )
    );
    assert_eq!(leftovers(dir.path()), [y]);
}

// ---- Streams ----

/// A pipe whose reading end is already closed: writing to it fails with EPIPE.
fn broken_pipe() -> Stdio {
    let mut fds = [0; 2];
    // SAFETY: pipe(2) fills two descriptors we then own.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors are fresh and owned here.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    Stdio::from(write)
}

fn dev_full() -> Stdio {
    Stdio::from(
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap(),
    )
}

#[test]
fn a_full_disk_on_stdout_is_one_error_line() {
    let out = tempfile::tempdir().unwrap();
    let deb = build_helloworld(out.path());
    for args in [
        vec![os("inspect"), deb.as_os_str()],
        vec![os("lint"), deb.as_os_str()],
        vec![os("lint"), os("--list-tags")],
        vec![os("completions"), os("bash")],
        // clap writes these itself and ignored a failed write (exit 0).
        vec![os("--help")],
        vec![os("-h")],
        vec![os("--version")],
        vec![os("-V")],
        vec![os("build"), os("--help")],
        vec![os("index"), os("-h")],
        vec![os("help")],
        vec![os("help"), os("build")],
        vec![os("man")],
        vec![os("lint"), os("--explain"), os("manifest-missing")],
    ] {
        let o = pluginctl().args(&args).stdout(dev_full()).output().unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert_eq!(
            stderr(&o),
            "error: stdout: cannot write: no space left on device (free some space)\n",
            "{args:?}"
        );
    }
}

#[test]
fn a_closed_pipe_on_stdout_ends_quietly() {
    let out = tempfile::tempdir().unwrap();
    let deb = build_helloworld(out.path());
    for args in [
        vec![os("inspect"), deb.as_os_str()],
        vec![os("lint"), os("--list-tags")],
        vec![os("completions"), os("bash")],
        vec![os("--help")],
        vec![os("--version")],
        vec![os("build"), os("--help")],
    ] {
        let o = pluginctl()
            .args(&args)
            .stdout(broken_pipe())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
    }
}

#[test]
fn a_closed_or_broken_stderr_never_panics() {
    let plugin = Plugin::simple("hello", "demo", "1.0", 1);
    for (how, broken) in [("closed", false), ("broken pipe", true)] {
        let out = tempfile::tempdir().unwrap();
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c");
        if broken {
            cmd.arg("\"$0\" \"$@\"").stderr(broken_pipe());
        } else {
            cmd.arg("\"$0\" \"$@\" 2>&-").stderr(Stdio::piped());
        }
        let o = cmd
            .arg(bin())
            .arg("build")
            .arg(plugin.path())
            .arg("-v")
            .arg("-o")
            .arg(out.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "stderr {how}: {}", stderr(&o));
        let debs: Vec<PathBuf> = leftovers(out.path());
        assert_eq!(debs.len(), 1, "stderr {how}: {debs:?}");
        assert_eq!(stdout(&o), format!("{}\n", debs[0].display()));
        dpkg_deb(&debs[0], &["--info"]);
    }
}

#[test]
fn a_closed_stdout_is_not_reused_for_a_file() {
    // With >&- the first file pluginctl opens would become descriptor 1, and the result
    // line would be written into it: here, into the package being built.
    let plugin = Plugin::simple("hello", "demo", "1.0", 1);
    let out = tempfile::tempdir().unwrap();
    let o = Command::new("/bin/sh")
        .arg("-c")
        .arg("\"$0\" \"$@\" >&-")
        .arg(bin())
        .arg("build")
        .arg(plugin.path())
        .arg("-o")
        .arg(out.path())
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let debs = leftovers(out.path());
    assert_eq!(debs.len(), 1, "{debs:?}");
    let again = tempfile::tempdir().unwrap();
    let o = run(pluginctl()
        .arg("build")
        .arg(plugin.path())
        .arg("-o")
        .arg(again.path())
        .env("SOURCE_DATE_EPOCH", "1700000000"));
    assert!(o.status.success(), "{}", stderr(&o));
    let reference = again.path().join(debs[0].file_name().unwrap());
    assert_eq!(
        std::fs::read(&debs[0]).unwrap(),
        std::fs::read(reference).unwrap()
    );
}
