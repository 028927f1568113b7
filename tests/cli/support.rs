//! Test fixtures: a plugin written into a temp folder, the pluginctl command, and the real
//! Debian tools (dpkg-deb, dpkg --root, lintian) wrapped with strict checks.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The path of the built `pluginctl` binary.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_pluginctl")
}

/// A `pluginctl` command with a clean, fixed environment (no SOURCE_DATE_EPOCH unless set).
pub fn pluginctl() -> Command {
    let mut c = Command::new(bin());
    c.env_remove("SOURCE_DATE_EPOCH").stdin(Stdio::null());
    default_signals(&mut c);
    c
}

/// Gives `cmd` the default action of the signals the tests send. A signal ignored by whoever
/// started `cargo test` (`nohup`, a background job of a script) stays ignored in every
/// child, and pluginctl rightly leaves an ignored signal ignored: without this, the
/// interruption tests would wait for a build that never stops.
pub fn default_signals(cmd: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec the closure only calls signal(2), which is
    // async-signal-safe, and allocates nothing.
    unsafe {
        cmd.pre_exec(|| {
            for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
                libc::signal(sig, libc::SIG_DFL);
            }
            Ok(())
        })
    }
}

/// A test that cannot run here says why, where the run shows it, and passes; under CI
/// (`CI=true`, as `.ci/run` runs) it fails instead, so that a missing install step cannot
/// hide behind a skip.
pub fn skip(why: &str) {
    use std::io::Write;
    if std::env::var_os("CI").is_some_and(|v| v == "true") {
        panic!("cannot run under CI, where every test must run: {why}");
    }
    let _ = writeln!(std::io::stderr(), "SKIPPED {why}");
}

/// Runs a command, returning its output.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// True when the command starts and exits 0: whether a tool a test needs is installed.
pub fn runs(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `cmd` with a deadline: a command still running after `limit` (one that blocks on a
/// FIFO, say) is killed and the test fails, with what it printed. Its output is read while
/// it runs, so a command that prints much never looks blocked.
pub fn run_within(cmd: &mut Command, limit: std::time::Duration) -> Output {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let pid = child.id() as libc::pid_t;
    let (done, output) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    match output.recv_timeout(limit) {
        Ok(o) => o.unwrap(),
        Err(_) => {
            // SAFETY: kill(2) of our own child, not reaped yet (the thread reaps it).
            unsafe { libc::kill(pid, libc::SIGKILL) };
            let o = output.recv().unwrap().unwrap();
            panic!("{cmd:?} still ran after {limit:?}: {}", stderr(&o))
        }
    }
}

/// A folder holding a `git` that marks `mark` and then waits ten minutes on a `sleep` child
/// (not `exec`: a signal must reach the whole process group, not only git), for
/// [`path_with`] and [`sigterm_when`].
pub fn hanging_git(mark: &Path) -> tempfile::TempDir {
    let bin = tempfile::tempdir().unwrap();
    let git = bin.path().join("git");
    write(
        &git,
        format!("#!/bin/sh\ntouch {}\nsleep 600\n", mark.display()),
    );
    chmod(&git, 0o755);
    bin
}

/// A folder for a stand-in program (or none), first on PATH: `PATH` for the command.
pub fn path_with(bin: &Path) -> String {
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap())
}

/// Starts `cmd` in a process group of its own, waits for `mark` to appear (the work the
/// signal must interrupt is running), sends it SIGTERM and returns its output. A command
/// still running 10 s after the signal (one that waits for a child the signal never
/// reached) is killed with its whole group, and the test fails: a correct stop takes well
/// under that, the grace a step is given included.
pub fn sigterm_when(cmd: &mut Command, mark: &Path) -> Output {
    use std::os::unix::process::CommandExt;
    use std::time::{Duration, Instant};
    let child = cmd
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let pid = child.id() as libc::pid_t;
    let (done, output) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    // On failure the whole group goes, so that no sleeping child outlives the test.
    let fail = |why: String| -> ! {
        // SAFETY: kill(2) of the process group our child leads (the thread reaps it).
        unsafe { libc::kill(-pid, libc::SIGKILL) };
        let o = output.recv().unwrap().unwrap();
        panic!("{cmd:?} {why}: {}", stderr(&o))
    };
    let started = Instant::now();
    while !mark.exists() {
        if let Ok(o) = output.try_recv() {
            panic!(
                "{cmd:?} ended before making {mark:?}: {}",
                stderr(&o.unwrap())
            );
        }
        if started.elapsed() > Duration::from_secs(30) {
            fail(format!("never made {mark:?}"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // SAFETY: signalling the child we started, not reaped yet (it waits for a signal).
    unsafe { libc::kill(pid, libc::SIGTERM) };
    match output.recv_timeout(Duration::from_secs(10)) {
        Ok(o) => o.unwrap(),
        Err(_) => fail("still ran 10 s after SIGTERM".to_string()),
    }
}

/// `pluginctl index` on a folder holding only `deb`: its output and the `Packages` bytes.
pub fn index_alone(deb: &Path) -> (Output, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(deb, dir.path().join(deb.file_name().unwrap())).unwrap();
    let o = run(pluginctl().arg("index").arg(dir.path()));
    let packages = std::fs::read(dir.path().join("Packages")).unwrap_or_default();
    (o, packages)
}

/// No arguments, for [`index`] (an empty list has no element type to infer).
pub const NO_ARGS: [&str; 0] = [];

/// `pluginctl index DIR ARGS...` at a fixed SOURCE_DATE_EPOCH (the Release date then never
/// depends on the clock).
pub fn index<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S]) -> Output {
    run(pluginctl()
        .arg("index")
        .arg(dir)
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1700000000"))
}

/// Text of stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Text of stdout.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Writes a file (and its parents).
pub fn write(path: impl AsRef<Path>, content: impl AsRef<[u8]>) {
    let path = path.as_ref();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// Sets a file's permission bits.
pub fn chmod(path: impl AsRef<Path>, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The default rules body: every maintainer-time command writes a marker under $DPKG_ROOT,
/// `package` runs the given shell snippet.
pub fn marker_rules(package: &str) -> String {
    format!(
        r#"#!/bin/sh
set -e
case "$1" in
    build)
        ;;
    package)
{package}
        ;;
    install|uninstall|postrm)
        mkdir -p "$DPKG_ROOT/markers"
        echo "$1 $#" >> "$DPKG_ROOT/markers/log"
        ;;
    *)
        echo "unknown argument $1" >&2
        exit 1
        ;;
esac
"#
    )
}

/// A plugin checkout in a temp folder.
pub struct Plugin {
    root: tempfile::TempDir,
}

impl Plugin {
    /// A plugin with this manifest and the marker rules shipping nothing of its own.
    pub fn new(manifest: &str) -> Plugin {
        let p = Plugin {
            root: tempfile::Builder::new()
                .prefix("plugin-")
                .tempdir()
                .unwrap(),
        };
        p.manifest(manifest);
        p.rules(&marker_rules("        :"));
        p
    }

    /// A plugin `name`/`namespace` at `version`, format `format`.
    pub fn simple(name: &str, namespace: &str, version: &str, format: u8) -> Plugin {
        Plugin::new(&format!("name: {name}\nnamespace: {namespace}\nversion: \"{version}\"\nplugin_format_version: {format}\n"))
    }

    /// Its folder.
    pub fn path(&self) -> &Path {
        self.root.path()
    }

    /// Replaces `wazo/plugin.yml`.
    pub fn manifest(&self, text: &str) -> &Self {
        write(self.path().join("wazo/plugin.yml"), text);
        self
    }

    /// Replaces `wazo/rules` (made executable).
    pub fn rules(&self, text: &str) -> &Self {
        let p = self.path().join("wazo/rules");
        write(&p, text);
        chmod(&p, 0o755);
        self
    }

    /// Writes a file in the checkout.
    pub fn file(&self, rel: &str, content: impl AsRef<[u8]>) -> &Self {
        write(self.path().join(rel), content);
        self
    }

    /// `pluginctl build <plugin> -o <out>`, not yet run.
    pub fn build_cmd(&self, out: &Path) -> Command {
        let mut c = pluginctl();
        c.arg("build").arg(self.path()).arg("-o").arg(out);
        c
    }

    /// Builds into a fresh folder and asserts success; returns the package.
    pub fn build(&self) -> Built {
        self.build_with(|_| {})
    }

    /// Builds with extra arguments or environment; the package must lint clean.
    pub fn build_with(&self, tweak: impl FnOnce(&mut Command)) -> Built {
        let built = self.build_unlinted(tweak);
        assert_lints_clean(&built.deb);
        built
    }

    /// Builds without linting the result: for packages a test makes bad on purpose.
    pub fn build_unlinted(&self, tweak: impl FnOnce(&mut Command)) -> Built {
        let out = tempfile::Builder::new().prefix("out-").tempdir().unwrap();
        let mut cmd = self.build_cmd(out.path());
        tweak(&mut cmd);
        let o = run(&mut cmd);
        assert!(
            o.status.success(),
            "build failed: {}\n{}",
            stderr(&o),
            stdout(&o)
        );
        let debs: Vec<PathBuf> = std::fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(
            debs.len(),
            1,
            "expected exactly one file in the output folder: {debs:?}"
        );
        let deb = debs[0].clone();
        assert_eq!(stdout(&o).trim(), deb.display().to_string());
        Built { _out: out, deb }
    }
}

/// A built package in its own output folder.
pub struct Built {
    _out: tempfile::TempDir,
    /// The `.deb`.
    pub deb: PathBuf,
}

impl Built {
    /// `dpkg-deb ARGS deb`, asserting success and no warning.
    pub fn dpkg_deb(&self, args: &[&str]) -> String {
        dpkg_deb(&self.deb, args)
    }

    /// `dpkg-deb --field deb FIELD`.
    pub fn field(&self, name: &str) -> String {
        self.dpkg_deb(&["--field"])
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_string))
            .unwrap_or_default()
    }

    /// The whole control file, as dpkg-deb reads it.
    pub fn control(&self) -> String {
        self.dpkg_deb(&["--field"])
    }

    /// The data paths as listed by `dpkg-deb --contents`: "mode owner size path [-> target]".
    pub fn contents(&self) -> Vec<String> {
        self.dpkg_deb(&["--contents"])
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                let rest = f[5..].join(" ");
                format!("{} {} {}", f[0], f[1], rest)
            })
            .collect()
    }

    /// Extracts a control member file (`control`, `md5sums`, `postinst`...).
    pub fn ctrl_file(&self, name: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let o = run(Command::new("dpkg-deb")
            .arg("--control")
            .arg(&self.deb)
            .arg(dir.path()));
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read_to_string(dir.path().join(name)).unwrap()
    }

    /// Extracts the payload into a new folder.
    pub fn extract(&self) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let o = run(Command::new("dpkg-deb")
            .arg("--extract")
            .arg(&self.deb)
            .arg(dir.path()));
        assert!(o.status.success() && o.stderr.is_empty(), "{}", stderr(&o));
        dir
    }
}

/// `pluginctl lint --deny-warnings deb` passes: no error, no warning (notes are fine).
pub fn assert_lints_clean(deb: &Path) {
    let o = run(pluginctl().args(["lint", "--deny-warnings"]).arg(deb));
    assert!(
        o.status.success(),
        "pluginctl lint finds problems in a package pluginctl built:\n{}{}",
        stdout(&o),
        stderr(&o)
    );
}

/// `dpkg-deb ARGS deb` (the package goes last or after the first flag as dpkg-deb wants).
pub fn dpkg_deb(deb: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new("dpkg-deb");
    cmd.arg(args[0]).arg(deb).args(&args[1..]);
    let o = run(&mut cmd);
    assert!(
        o.status.success(),
        "dpkg-deb {args:?} failed: {}",
        stderr(&o)
    );
    assert!(
        o.stderr.is_empty(),
        "dpkg-deb {args:?} warned: {}",
        stderr(&o)
    );
    stdout(&o)
}

/// A throwaway dpkg root: install, remove and purge for real, scripts included.
pub struct DpkgRoot {
    dir: tempfile::TempDir,
}

impl DpkgRoot {
    /// An empty dpkg database in a temp folder.
    pub fn new() -> DpkgRoot {
        let dir = tempfile::Builder::new()
            .prefix("dpkgroot-")
            .tempdir()
            .unwrap();
        std::fs::create_dir_all(dir.path().join("var/lib/dpkg/info")).unwrap();
        std::fs::create_dir_all(dir.path().join("var/lib/dpkg/updates")).unwrap();
        std::fs::write(dir.path().join("var/lib/dpkg/status"), "").unwrap();
        DpkgRoot { dir }
    }

    /// The root folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs dpkg with these arguments in the root; returns the output.
    pub fn dpkg(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new("dpkg");
        cmd.arg(format!("--root={}", self.path().display()))
            .args([
                "--force-script-chrootless",
                "--force-not-root",
                "--log=/dev/null",
            ])
            .args(args)
            .env(
                "PATH",
                std::env::var("PATH").unwrap_or_default() + ":/usr/sbin:/sbin",
            );
        run(&mut cmd)
    }

    /// `dpkg -i`, asserting success.
    pub fn install(&self, deb: &Path) {
        let o = self.dpkg(&["-i", deb.to_str().unwrap()]);
        assert!(
            o.status.success(),
            "dpkg -i failed:\n{}{}",
            stdout(&o),
            stderr(&o)
        );
    }

    /// `dpkg -r`, asserting success.
    pub fn remove(&self, package: &str) {
        let o = self.dpkg(&["-r", package]);
        assert!(
            o.status.success(),
            "dpkg -r failed:\n{}{}",
            stdout(&o),
            stderr(&o)
        );
    }

    /// `dpkg -P`, asserting success.
    pub fn purge(&self, package: &str) {
        let o = self.dpkg(&["-P", package]);
        assert!(
            o.status.success(),
            "dpkg -P failed:\n{}{}",
            stdout(&o),
            stderr(&o)
        );
    }

    /// The marker log written by the test rules (`install 1`, `uninstall 1`, ...).
    pub fn markers(&self) -> Vec<String> {
        std::fs::read_to_string(self.path().join("markers/log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// True when `rel` exists (without following a final symlink).
    pub fn has(&self, rel: &str) -> bool {
        std::fs::symlink_metadata(self.path().join(rel)).is_ok()
    }
}

/// Runs lintian on a package; returns its tags as lines, asserting there is no `E:` and
/// no override that silences nothing.
pub fn lintian_no_errors(deb: &Path) -> Vec<String> {
    // --display-info: lintian shows unused-override, an info tag, only with it.
    let o = run(Command::new("lintian")
        .args(["--tag-display-limit", "0", "--allow-root", "--display-info"])
        .arg(deb));
    let out = stdout(&o);
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("E:")).collect();
    assert!(errors.is_empty(), "lintian errors:\n{out}{}", stderr(&o));
    // Every override shipped must silence a tag that fires (lintian always shows these).
    let unused: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("unused-override") || l.contains("mismatched-override"))
        .collect();
    assert!(unused.is_empty(), "lintian overrides unused:\n{out}");
    assert!(
        o.status.success() || !errors.is_empty(),
        "lintian failed to run: {}",
        stderr(&o)
    );
    out.lines().map(str::to_string).collect()
}

/// Files left in a folder (recursively), for "nothing left behind" checks.
pub fn leftovers(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            out.push(e.path());
        }
    }
    out
}

/// Installed-Size as `dpkg-gencontrol` computes it for the package's tree and maintainer
/// scripts: the package is unpacked with `dpkg-deb -R` into `debian/tmp` of a minimal
/// source folder, without `control` and `md5sums` (dpkg-gencontrol runs before they
/// exist), and dpkg-gencontrol prints the control file it would write.
pub fn gencontrol_installed_size(deb: &Path) -> u64 {
    let src = tempfile::Builder::new()
        .prefix("gencontrol-")
        .tempdir()
        .unwrap();
    let package = dpkg_deb(deb, &["--field", "Package"]).trim().to_string();
    write(
        src.path().join("debian/control"),
        format!(
            "Source: gencontrol-test\nMaintainer: Test <test@example.org>\n\n\
             Package: {package}\nArchitecture: all\nDescription: test\n test\n"
        ),
    );
    write(
        src.path().join("debian/changelog"),
        "gencontrol-test (1.0) unstable; urgency=medium\n\n  * Test.\n\n \
         -- Test <test@example.org>  Thu, 01 Jan 1970 00:00:00 +0000\n",
    );
    let tree = src.path().join("debian/tmp");
    let o = run(Command::new("dpkg-deb").arg("-R").arg(deb).arg(&tree));
    assert!(o.status.success(), "dpkg-deb -R: {}", stderr(&o));
    for name in ["control", "md5sums"] {
        std::fs::remove_file(tree.join("DEBIAN").join(name)).unwrap();
    }
    let o = run(Command::new("dpkg-gencontrol")
        .arg(format!("-p{package}"))
        .args(["-Pdebian/tmp", "-O"])
        .current_dir(src.path()));
    assert!(o.status.success(), "dpkg-gencontrol: {}", stderr(&o));
    stdout(&o)
        .lines()
        .find_map(|l| l.strip_prefix("Installed-Size: "))
        .unwrap_or_else(|| panic!("no Installed-Size from dpkg-gencontrol:\n{}", stdout(&o)))
        .parse()
        .unwrap()
}

/// The repository's example plugin.
pub fn helloworld() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/helloworld"))
}

/// Builds the example into `out` with SOURCE_DATE_EPOCH=1700000000; returns the `.deb`.
pub fn build_helloworld(out: &Path) -> PathBuf {
    let o = run(pluginctl()
        .arg("build")
        .arg(helloworld())
        .arg("-o")
        .arg(out)
        .env("SOURCE_DATE_EPOCH", "1700000000"));
    assert!(o.status.success(), "{}", stderr(&o));
    let deb = out.join("wazo-plugind-helloworld-demo_0.0.1_all.deb");
    assert_eq!(stdout(&o).trim(), deb.display().to_string());
    deb
}

/// apt-get and apt-cache with every state folder (lists, cache, status, configuration and
/// trusted keys) in a temp folder, and one source: `deb [OPTIONS] file:REPO ./`. Nothing of
/// the host's apt configuration is read.
pub struct AptRoot {
    dir: tempfile::TempDir,
}

impl AptRoot {
    /// A root whose only source is `repo`, with these source options (`trusted=yes`,
    /// `signed-by=KEY`).
    pub fn new(repo: &Path, source_options: &str) -> AptRoot {
        let dir = tempfile::Builder::new().prefix("apt-").tempdir().unwrap();
        for sub in [
            "lists/partial",
            "cache/archives/partial",
            "etc/sources.list.d",
            "etc/preferences.d",
            "etc/apt.conf.d",
            "etc/trusted.gpg.d",
        ] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        std::fs::write(dir.path().join("status"), "").unwrap();
        std::fs::write(
            dir.path().join("etc/sources.list"),
            format!("deb [{source_options}] file:{} ./\n", repo.display()),
        )
        .unwrap();
        AptRoot { dir }
    }

    /// The root folder (`etc/preferences.d` holds pins).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `tool` (apt-get, apt-cache) pointed at this root.
    pub fn command(&self, tool: &str) -> Command {
        let d = self.dir.path().display();
        let mut c = Command::new(tool);
        for o in [
            format!("Dir::Etc::sourcelist={d}/etc/sources.list"),
            format!("Dir::Etc::sourceparts={d}/etc/sources.list.d"),
            format!("Dir::Etc::preferencesparts={d}/etc/preferences.d"),
            format!("Dir::Etc::parts={d}/etc/apt.conf.d"),
            format!("Dir::Etc::trusted={d}/etc/trusted.gpg"),
            format!("Dir::Etc::trustedparts={d}/etc/trusted.gpg.d"),
            format!("Dir::State={d}"),
            format!("Dir::State::status={d}/status"),
            format!("Dir::State::Lists={d}/lists"),
            format!("Dir::Cache={d}/cache"),
            "Debug::NoLocking=1".into(),
            "APT::Sandbox::User=root".into(),
            "Acquire::Languages=none".into(),
        ] {
            c.arg("-o").arg(o);
        }
        c
    }
}
