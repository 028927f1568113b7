//! Running `wazo/rules`: the checks before it runs, its environment and working folder, its
//! output streamed live with the step's name, and its exit status.

use crate::error::RulesFailure;
use crate::ui::report::Report;
use crate::{Error, Result};
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Where the rules file lives inside a plugin checkout.
pub(crate) const RULES_PATH: &str = "wazo/rules";

/// A rules step run at build time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// `rules build`.
    Build,
    /// `rules package`, with `pkgdir`.
    Package,
}

impl Step {
    /// The word given to the rules file.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Step::Build => "build",
            Step::Package => "package",
        }
    }
}

/// Why `wazo/rules` cannot be used, as `build` and `lint` both judge it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unfit {
    /// There is no `wazo/rules`.
    Missing(String),
    /// Not a regular file of the checkout (a folder, a device, a link leading out of it).
    NotRegular(String),
    /// A regular file without any execute bit.
    NotExecutable(String),
}

impl Unfit {
    /// The reason, without the file's name.
    pub(crate) fn why(&self) -> &str {
        match self {
            Unfit::Missing(why) | Unfit::NotRegular(why) | Unfit::NotExecutable(why) => why,
        }
    }
}

/// The file checks `build` and `lint` share: `wazo/rules` exists, is (or links to) a regular
/// file inside the checkout, wherever `wazo/` itself leads, and is executable. Returns its
/// real path; a file that is only not executable is reported with that path, so that `lint`
/// can still read its text.
pub(crate) fn locate(plugin_dir: &Path) -> std::result::Result<PathBuf, (Unfit, Option<PathBuf>)> {
    let shown = crate::plugin::paths::display_join(plugin_dir, RULES_PATH);
    let path = plugin_dir.join(RULES_PATH);
    let describe = |e: &std::io::Error| format!("cannot read: {}", crate::error::describe_io(e));
    let link_meta = std::fs::symlink_metadata(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => (
            Unfit::Missing(
                "not found; a plugin needs an executable wazo/rules file that answers build, \
                 package, install and uninstall"
                    .into(),
            ),
            None,
        ),
        _ => (Unfit::NotRegular(describe(&e)), None),
    })?;
    let root = plugin_dir
        .canonicalize()
        .map_err(|e| (Unfit::NotRegular(describe(&e)), None))?;
    let real = match path.canonicalize() {
        Ok(real) => real,
        Err(_) if link_meta.file_type().is_symlink() => {
            return Err((
                Unfit::NotRegular("a dangling symlink; make it a regular file".into()),
                None,
            ))
        }
        Err(e) => return Err((Unfit::NotRegular(describe(&e)), None)),
    };
    if !crate::plugin::paths::is_within(&real, &root) {
        let why = if link_meta.file_type().is_symlink() {
            format!(
                "a symlink to {}, outside the plugin folder; make it a regular file",
                real.display()
            )
        } else {
            format!(
                "resolves to {}, outside the plugin folder (is wazo/ a symlink?); make wazo/ a folder of the checkout",
                real.display()
            )
        };
        return Err((Unfit::NotRegular(why), None));
    }
    let meta = std::fs::metadata(&real).map_err(|e| (Unfit::NotRegular(describe(&e)), None))?;
    if meta.is_dir() {
        return Err((
            Unfit::NotRegular(
                "a folder, not a file; wazo/rules must be an executable script".into(),
            ),
            None,
        ));
    }
    if !meta.is_file() {
        return Err((
            Unfit::NotRegular("not a regular file; wazo/rules must be an executable script".into()),
            None,
        ));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err((
            Unfit::NotExecutable(format!("not executable (chmod +x {})", shown.display())),
            Some(real),
        ));
    }
    Ok(real)
}

/// Checks that `wazo/rules` can run: [`locate`], then a `#!` line that names an installed
/// interpreter and does not end in a carriage return. Returns its absolute path.
pub(crate) fn check_file(plugin_dir: &Path) -> Result<PathBuf> {
    let shown = crate::plugin::paths::display_join(plugin_dir, RULES_PATH);
    let bad = |why: &str| Error::plugin(&shown, why);
    let path = locate(plugin_dir).map_err(|(unfit, _)| bad(unfit.why()))?;
    let head = crate::files::input::read_prefix(&path, 256)
        .map_err(|e| bad(&format!("cannot read: {}", crate::error::describe_io(&e))))?;
    let head = &head[..];
    if !head.starts_with(b"#!") {
        return Err(bad("does not start with #! (add a line such as #!/bin/sh)"));
    }
    if let Some(eol) = head.iter().position(|&b| b == b'\n') {
        if eol > 0 && head[eol - 1] == b'\r' {
            return Err(bad(&format!(
                "has CRLF line endings, so its #! line names an interpreter ending in \\r (convert it: dos2unix {})",
                shown.display()
            )));
        }
    }
    if let Some(why) = missing_interpreter(head) {
        return Err(bad(&why));
    }
    Ok(path)
}

/// Why the `#!` line's interpreter cannot run, if it cannot: the kernel's own error would
/// be a bare "no such file or directory" that seems to be about wazo/rules itself.
fn missing_interpreter(head: &[u8]) -> Option<String> {
    let line = &head[2..];
    let line = &line[..line.iter().position(|&b| b == b'\n').unwrap_or(line.len())];
    let line = String::from_utf8_lossy(line);
    let interpreter = line
        .trim_start_matches([' ', '\t'])
        .split([' ', '\t'])
        .next()?;
    if !interpreter.starts_with('/') {
        return None;
    }
    let why = match std::fs::metadata(interpreter) {
        Err(_) => "which is missing",
        Ok(m) if !m.is_file() => "which is not a file",
        Ok(m) if m.permissions().mode() & 0o111 == 0 => "which is not executable",
        Ok(_) => return None,
    };
    Some(format!(
        "its #! line names the interpreter {interpreter}, {why} (install it or change the #! line)"
    ))
}

/// True when this process runs as root.
pub(crate) fn is_root() -> bool {
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The path of `program` in `PATH`, if it is there and executable.
pub(crate) fn find_in_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The unprivileged identity the steps of a `--ref` build run as when pluginctl runs as
/// root, as a Wazo server runs them as its own user `wazo-plugind`: no passwd entry is needed,
/// and HOME and TMPDIR are folders of this build only.
#[derive(Debug, Clone)]
pub(crate) struct Sandbox {
    /// The user id (and group id) the steps run as.
    pub(crate) id: u32,
    /// `HOME` of the steps.
    pub(crate) home: PathBuf,
    /// `TMPDIR` of the steps.
    pub(crate) tmp: PathBuf,
}

/// The id the steps of a `--ref` build run as: in Debian's reserved range 65000-65533, so no
/// account or daemon of the machine owns files with it, and below 65536, so it exists in a
/// container whose user namespace maps only that many ids.
pub(crate) const SANDBOX_ID: u32 = 65533;

/// Runs one rules step in `plugin_dir`; `pkgdir` is set for [`Step::Package`]. Messages name
/// the rules file under `shown_dir`, the plugin folder as the user gave it. With a
/// `sandbox`, the step runs as its unprivileged user, `package` under fakeroot.
pub(crate) fn run(
    rules: &Path,
    plugin_dir: &Path,
    shown_dir: &Path,
    step: Step,
    pkgdir: Option<&Path>,
    sandbox: Option<&Sandbox>,
    report: &Report,
) -> Result<()> {
    crate::ui::signals::check()?;
    let fakeroot = if step == Step::Package && (!is_root() || sandbox.is_some()) {
        find_in_path("fakeroot")
    } else {
        None
    };
    let mut cmd = match &fakeroot {
        Some(fr) => {
            let mut c = Command::new(fr);
            c.arg("--").arg(rules);
            c
        }
        None => Command::new(rules),
    };
    // One pipe for both stdout and stderr, as a terminal is one file for both: the lines
    // arrive in the order the step wrote them (two pipes read by two threads reordered
    // them). Each write of the step is one write to the pipe, so a line written at once
    // is never cut by the other stream's.
    let (output, writer) = std::io::pipe().map_err(|e| {
        Error::Io(format!(
            "cannot create a pipe for `rules {}`: {}",
            step.word(),
            crate::error::describe_io(&e)
        ))
    })?;
    let writer_too = writer.try_clone().map_err(|e| {
        Error::Io(format!(
            "cannot create a pipe for `rules {}`: {}",
            step.word(),
            crate::error::describe_io(&e)
        ))
    })?;
    cmd.arg(step.word())
        .current_dir(plugin_dir)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(writer_too);
    match pkgdir {
        Some(dir) => cmd.env("pkgdir", dir),
        None => cmd.env_remove("pkgdir"),
    };
    // Its own process group: a signal we receive is forwarded to the whole step.
    cmd.process_group(0);
    // A fixed umask, so the modes of what the step creates (and so the package's bytes) do
    // not depend on the caller's umask; an explicit chmod in the rules still counts.
    let id = sandbox.map(|s| s.id as libc::uid_t);
    if let Some(s) = sandbox {
        cmd.env("HOME", &s.home).env("TMPDIR", &s.tmp);
    }
    // SAFETY: umask(2), setgroups(2), setresgid(2), setresuid(2) and prctl(2) are
    // async-signal-safe system calls on the child's own state; nothing is allocated.
    unsafe {
        cmd.pre_exec(move || {
            libc::umask(0o022);
            if let Some(id) = id {
                drop_root(id)?;
            }
            Ok(())
        });
    }
    let label = format!("rules {}", step.word());
    let shown = crate::plugin::paths::display_join(shown_dir, RULES_PATH);
    report.step_start(&label);
    let started = std::time::Instant::now();
    let failed = |failure| Error::Rules {
        rules: shown.clone(),
        step: label.clone(),
        failure,
    };
    let seen = crate::ui::tail::Tail::default();
    let spawned = cmd.spawn();
    // Our copies of the pipe's writing end go now: the reader sees EOF when the step's do.
    drop(cmd);
    let mut child = spawned.map_err(|e| failed(RulesFailure::Start(e)))?;
    crate::ui::signals::set_child_group(Some(child.id()));
    let sink: Box<dyn Write + Send> = match sandbox {
        Some(_) => Box::new(Tee(report.rules_output(&label), seen.sink())),
        None => report.rules_output(&label),
    };
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let pump_started = crate::threads::spawn(move || {
        pump(Box::new(output), sink);
        let _ = done.send(());
    });
    if let Err(e) = pump_started {
        // Nothing could read its output: the step would block on a full pipe.
        // SAFETY: kill(2) of the step's own process group, not reaped yet.
        unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL) };
        let _ = child.wait();
        crate::ui::signals::set_child_group(None);
        return Err(crate::threads::refused(e));
    }
    let status = wait_group(&mut child);
    crate::ui::signals::set_child_group(None);
    // The pipes reach EOF once every process holding them is gone; one that escaped the
    // group (setsid) may hold them forever, so its output is given up after a while.
    let _ = finished.recv_timeout(PUMP_GRACE);
    let status = status.map_err(|e| failed(RulesFailure::Wait(e)))?;
    crate::ui::signals::check()?;
    report.step_done(&label, started.elapsed());
    if status.success() {
        return Ok(());
    }
    report.step_failed(&label);
    if sandbox.is_some() {
        if let Some(path) = crate::plugin::refused::path_in(&seen.lines()) {
            return Err(failed(RulesFailure::Refused { status, path }));
        }
    }
    Err(failed(RulesFailure::Ended(status)))
}

/// In the child, before exec: becomes `id` (user and group, no supplementary groups) for
/// good, and can never gain privileges again (a setuid `sudo` in the step stays unprivileged).
fn drop_root(id: libc::uid_t) -> std::io::Result<()> {
    let check = |r: libc::c_int| match r {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    };
    // SAFETY: system calls on the calling (child) process only; see `run`.
    unsafe {
        check(libc::setgroups(0, std::ptr::null()))?;
        check(libc::setresgid(id, id, id))?;
        check(libc::setresuid(id, id, id))?;
        check(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))?;
    }
    Ok(())
}

/// Writes a step's output both where the report shows it and to the lines kept to find a
/// refused path in.
struct Tee(Box<dyn Write + Send>, Box<dyn Write + Send>);

impl Write for Tee {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = self.1.write_all(buf);
        self.0.write_all(buf).map(|()| buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = self.1.flush();
        self.0.flush()
    }
}

/// How long an interrupted step may take to stop before its process group is killed.
const STOP_GRACE: Duration = Duration::from_secs(3);
/// How long the output of a finished step is still read.
const PUMP_GRACE: Duration = Duration::from_secs(2);

/// Waits for a child that leads its own process group (a rules step, git) to end. Once we
/// are interrupted, one that does not stop within [`STOP_GRACE`] is killed. When it ends,
/// whatever it left running in its process group is killed too, before the leader is reaped
/// so that the group id cannot have been reused.
pub(crate) fn wait_group(
    child: &mut std::process::Child,
) -> std::io::Result<std::process::ExitStatus> {
    let pid = child.id() as libc::pid_t;
    let exit = ExitWatch::new(pid);
    let mut interrupted: Option<std::time::Instant> = None;
    loop {
        // SAFETY: a zeroed siginfo_t is a valid out-parameter for waitid(2).
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waitid(2) on our own child; WNOWAIT leaves it to be reaped by `wait` below.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT | libc::WNOHANG,
            )
        };
        if r == -1 {
            let err = std::io::Error::last_os_error();
            if err.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err);
        }
        // SAFETY: waitid filled `info` (si_pid is 0 while the child still runs).
        if unsafe { info.si_pid() } == pid {
            break;
        }
        if crate::ui::signals::pending().is_some() {
            let since = *interrupted.get_or_insert_with(std::time::Instant::now);
            if since.elapsed() >= STOP_GRACE {
                // SAFETY: kill(2) on the step's own group, whose leader is not reaped yet.
                unsafe { libc::kill(-pid, libc::SIGKILL) };
            }
        }
        exit.wait(Duration::from_millis(20));
    }
    // SAFETY: as above; the leader is a zombie, so the group id is still ours.
    unsafe { libc::kill(-pid, libc::SIGKILL) };
    child.wait()
}

/// Waits for a child's exit without polling it: a short step costs its own run time, not
/// that plus a polling interval (twice per build, for `build` and `package`).
struct ExitWatch(Option<std::os::fd::OwnedFd>);

impl ExitWatch {
    fn new(pid: libc::pid_t) -> ExitWatch {
        use std::os::fd::FromRawFd;
        // SAFETY: pidfd_open(2) on our own child, not reaped yet; it returns a new
        // descriptor or -1 (kernels before 5.3: then the wait below sleeps instead).
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
        // SAFETY: a descriptor pidfd_open just returned, owned by nothing else.
        ExitWatch((fd >= 0).then(|| unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as i32) }))
    }

    /// Returns when the child has exited, or after `most` (so that signals are seen).
    fn wait(&self, most: Duration) {
        use std::os::fd::AsRawFd;
        match &self.0 {
            Some(fd) => {
                let mut poll = libc::pollfd {
                    fd: fd.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one valid pollfd; a signal or the timeout only ends the wait early.
                unsafe { libc::poll(&mut poll, 1, most.as_millis() as libc::c_int) };
            }
            None => std::thread::sleep(most),
        }
    }
}

/// Copies a child's stream to the report's sink in bounded chunks, line-prefixed there.
fn pump(mut stream: Box<dyn Read + Send>, mut sink: Box<dyn Write + Send>) {
    let mut buf = [0u8; 16 << 10];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if sink.write_all(&buf[..n]).is_err() {
                    // Keep draining so the step never blocks on a full pipe.
                    continue;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    let _ = sink.flush();
}
