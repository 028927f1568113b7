//! Running `wazo/rules`: the checks before it runs, its environment and working folder, its
//! output streamed live with the step's name, and its exit status.

use crate::error::RulesFailure;
use crate::plugin::process;
use crate::ui::report::Report;
use crate::{Error, Result};
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
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
                crate::plugin::paths::shown(&real).display()
            )
        } else {
            format!(
                "resolves to {}, outside the plugin folder (is wazo/ a symlink?); make wazo/ a folder of the checkout",
                crate::plugin::paths::shown(&real).display()
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
/// interpreter, and no CR LF line ending (the faults `lint` reports, in the same words).
/// Returns its absolute path and the bytes read (up to [`shebang::MAX_RULES_BYTES`]).
///
/// [`shebang::MAX_RULES_BYTES`]: crate::plugin::shebang::MAX_RULES_BYTES
pub(crate) fn check_file(plugin_dir: &Path) -> Result<(PathBuf, Vec<u8>)> {
    use crate::plugin::shebang;
    let shown = crate::plugin::paths::display_join(plugin_dir, RULES_PATH);
    let bad = |why: &str| Error::plugin(&shown, why);
    let path = locate(plugin_dir).map_err(|(unfit, _)| bad(unfit.why()))?;
    let bytes = crate::files::input::read_prefix(&path, shebang::MAX_RULES_BYTES)
        .map_err(|e| bad(&format!("cannot read: {}", crate::error::describe_io(&e))))?;
    if !shebang::has_shebang(&bytes) {
        return Err(bad(shebang::NO_SHEBANG));
    }
    if let Some(line) = shebang::first_crlf_line(&bytes) {
        return Err(bad(&format!(
            "line {line}: {}",
            shebang::crlf_problem(&shown.display().to_string())
        )));
    }
    if let Some(why) = missing_interpreter(&shebang::first_line(&bytes)) {
        return Err(bad(&why));
    }
    Ok((path, bytes))
}

/// Why the `#!` line's interpreter cannot run, if it cannot: the kernel's own error would
/// be a bare "no such file or directory" that seems to be about wazo/rules itself.
fn missing_interpreter(first_line: &str) -> Option<String> {
    let interpreter = crate::plugin::shebang::program(first_line)?;
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

pub(crate) use crate::files::SANDBOX_ID;

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
    crate::interrupt::check()?;
    let fakeroot = if step == Step::Package && (!process::is_root() || sandbox.is_some()) {
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
    // A fixed umask, so the modes of what the step creates (and so the package's bytes) do
    // not depend on the caller's umask; an explicit chmod in the rules still counts.
    let id = sandbox.map(|s| s.id);
    if let Some(s) = sandbox {
        cmd.env("HOME", &s.home).env("TMPDIR", &s.tmp);
    }
    process::in_child(&mut cmd, id);
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
    crate::interrupt::set_child_group(Some(child.id()));
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
        process::kill_group(child.id());
        let _ = child.wait();
        crate::interrupt::set_child_group(None);
        return Err(crate::threads::refused(e));
    }
    let status = process::wait_group(&mut child);
    crate::interrupt::set_child_group(None);
    // The pipes reach EOF once every process holding them is gone; one that escaped the
    // group (setsid) may hold them forever, so its output is given up after a while.
    let _ = finished.recv_timeout(PUMP_GRACE);
    let status = status.map_err(|e| failed(RulesFailure::Wait(e)))?;
    crate::interrupt::check()?;
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

/// How long the output of a finished step is still read.
const PUMP_GRACE: Duration = Duration::from_secs(2);

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
