//! What a build may touch: nothing outside its own folders (a "victim" folder next to the
//! checkout proves it by checksums), and the same bytes every time.

use crate::support::*;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const GOOD: &str = "name: safe\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: Safe\n";
const DEB: &str = "wazo-plugind-safe-demo_1.0_all.deb";

/// A checkout, its own TMPDIR and output folder, and a victim folder the rules may point at.
struct Scene {
    plugin: Plugin,
    tmp: tempfile::TempDir,
    out: tempfile::TempDir,
    victim_dir: tempfile::TempDir,
}

impl Scene {
    /// A plugin whose `rules package` runs `snippet` (with `$VICTIM` set).
    fn new(snippet: &str) -> Scene {
        let plugin = Plugin::new(GOOD);
        plugin.rules(&marker_rules(snippet));
        let victim_dir = tempfile::Builder::new()
            .prefix("victim-")
            .tempdir()
            .unwrap();
        let victim = victim_dir.path();
        write(victim.join("secret"), "do not ship me\n");
        write(victim.join("sub/deeper/file"), vec![7u8; 5000]);
        std::os::unix::fs::symlink("../secret", victim.join("sub/link")).unwrap();
        Scene {
            plugin,
            tmp: tempfile::Builder::new()
                .prefix("tmpdir-")
                .tempdir()
                .unwrap(),
            out: tempfile::Builder::new().prefix("out-").tempdir().unwrap(),
            victim_dir,
        }
    }

    fn victim(&self) -> &Path {
        self.victim_dir.path()
    }

    fn cmd(&self) -> Command {
        let mut c = self.plugin.build_cmd(self.out.path());
        c.arg("-q")
            .env("TMPDIR", self.tmp.path())
            .env("VICTIM", self.victim())
            .env("SOURCE_DATE_EPOCH", "1700000000");
        c
    }

    /// Runs the build; the victim folder is checked unchanged afterwards.
    fn run(&self) -> Output {
        let before = checksums(self.victim());
        let o = run(&mut self.cmd());
        assert_eq!(
            checksums(self.victim()),
            before,
            "the victim folder changed"
        );
        o
    }

    /// Asserts a failure with this status and single line, and nothing left behind.
    fn assert_failed(&self, o: &Output, status: i32, line: &str) {
        assert_eq!(o.status.code(), Some(status), "{}", stderr(o));
        assert_eq!(stderr(o), format!("{line}\n"));
        assert_eq!(leftovers(self.out.path()), Vec::<PathBuf>::new());
        assert_eq!(leftovers(self.tmp.path()), Vec::<PathBuf>::new());
    }

    /// Asserts success: one package, TMPDIR empty; returns the package's path.
    fn assert_built(&self, o: &Output) -> PathBuf {
        assert!(o.status.success(), "{}", stderr(o));
        let deb = self.out.path().join(DEB);
        assert_eq!(leftovers(self.out.path()), vec![deb.clone()]);
        assert_eq!(leftovers(self.tmp.path()), Vec::<PathBuf>::new());
        deb
    }
}

/// Every path below `dir` (links not followed) with its type, mode and content digest.
pub fn checksums(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).follow_links(false) {
        let e = e.unwrap();
        let m = e.path().symlink_metadata().unwrap();
        let what = if m.is_file() {
            let bytes = std::fs::read(e.path()).unwrap();
            format!("file {:o} {}", m.mode(), md5_hex(&bytes))
        } else if m.file_type().is_symlink() {
            format!("link {}", std::fs::read_link(e.path()).unwrap().display())
        } else {
            format!("dir {:o}", m.mode())
        };
        out.insert(e.path().to_path_buf(), what);
    }
    out
}

fn md5_hex(bytes: &[u8]) -> String {
    let mut child = Command::new("md5sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let o = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&o.stdout)[..32].to_string()
}

/// The single staging folder path named in an error line `error: <path>: ...`.
fn staging_in(line: &str, tmp: &Path) -> String {
    let rest = line
        .strip_prefix("error: ")
        .unwrap_or_else(|| panic!("{line}"));
    let path = &rest[..rest.find(": ").unwrap()];
    assert!(
        path.starts_with(&format!("{}/pluginctl-stage-", tmp.display())),
        "{line}"
    );
    path.to_string()
}

#[test]
fn pkgdir_replaced_by_a_symlink_is_refused() {
    let scene = Scene::new("        rm -rf \"$pkgdir\"\n        ln -s \"$VICTIM\" \"$pkgdir\"");
    let o = scene.run();
    let err = stderr(&o);
    let pkgdir = staging_in(err.trim_end(), scene.tmp.path());
    scene.assert_failed(
        &o,
        3,
        &format!("error: {pkgdir}: $pkgdir was replaced by a symlink during `rules package`; install files into the folder, do not replace it"),
    );
}

#[test]
fn pkgdir_removed_is_refused() {
    let scene = Scene::new("        rm -rf \"$pkgdir\"");
    let o = scene.run();
    let err = stderr(&o);
    let pkgdir = staging_in(err.trim_end(), scene.tmp.path());
    scene.assert_failed(
        &o,
        3,
        &format!("error: {pkgdir}: $pkgdir was removed during `rules package`; install files into the folder, do not replace it"),
    );
}

#[test]
fn links_into_a_victim_folder_are_archived_as_links_and_never_followed() {
    let scene = Scene::new(
        "        mkdir -p \"$pkgdir/usr/share/safe\"\n\
         \x20       ln -s \"$VICTIM\" \"$pkgdir/usr/share/safe/folder-link\"\n\
         \x20       ln -s \"$VICTIM/secret\" \"$pkgdir/usr/share/safe/file-link\"\n\
         \x20       echo mine > \"$pkgdir/usr/share/safe/own\"",
    );
    let o = scene.run();
    let deb = scene.assert_built(&o);
    let listing = dpkg_deb(&deb, &["--contents"]);
    let victim = scene.victim().display().to_string();
    assert!(
        listing.contains(&format!("./usr/share/safe/folder-link -> {victim}\n")),
        "{listing}"
    );
    assert!(
        listing.contains(&format!("./usr/share/safe/file-link -> {victim}/secret\n")),
        "{listing}"
    );
    assert!(!listing.contains("secret\n./"), "{listing}");
    assert!(!listing.contains("deeper"), "{listing}");
    let root = DpkgRoot::new();
    root.install(&deb);
    assert_eq!(
        std::fs::read_to_string(root.path().join("usr/share/safe/own")).unwrap(),
        "mine\n"
    );
    root.remove("wazo-plugind-safe-demo");
}

#[test]
fn a_folder_swapped_for_a_link_while_archiving_never_leads_out() {
    // A process left behind by `rules package` keeps swapping a staged folder with a link to
    // the victim while pluginctl reads and removes the tree. Whether the build fails (the
    // swap is seen) or succeeds (it was not), nothing of the victim may be packaged or
    // deleted.
    let scene = Scene::new(
        "        mkdir -p \"$pkgdir/d\"\n\
         \x20       for i in $(seq 200); do echo $i > \"$pkgdir/d/f$i\"; done\n\
         \x20       setsid sh -c 'p=\"$1\"; i=0; while [ -d \"$p\" ] && [ $i -lt 3000 ]; do\n\
         \x20           mv \"$p/d\" \"$p/real\" 2>/dev/null; ln -s \"$VICTIM/sub\" \"$p/d\" 2>/dev/null;\n\
         \x20           rm -f \"$p/d\" 2>/dev/null; mv \"$p/real\" \"$p/d\" 2>/dev/null; i=$((i+1)); done' \\\n\
         \x20           sh \"$pkgdir\" </dev/null >/dev/null 2>&1 &",
    );
    for _ in 0..3 {
        let o = scene.run();
        if o.status.success() {
            let deb = scene.out.path().join(DEB);
            let listing = dpkg_deb(&deb, &["--contents"]);
            assert!(!listing.contains("deeper"), "{listing}");
            std::fs::remove_file(deb).unwrap();
        }
    }
}

#[test]
fn a_bind_mount_in_the_staged_tree_is_refused_and_never_crossed() {
    // A bind mount keeps the device number: only the mount id tells it. The build runs in a
    // private mount namespace, so the mount vanishes with it.
    let unshare = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "true"])
        .output();
    if !unshare.is_ok_and(|o| o.status.success()) {
        skip("a_bind_mount_in_the_staged_tree_is_refused: unshare --mount is not allowed here");
        return;
    }
    let scene = Scene::new(
        "        mkdir -p \"$pkgdir/usr/share/m\"\n        mount --bind \"$VICTIM\" \"$pkgdir/usr/share/m\"",
    );
    let before = checksums(scene.victim());
    let inner = scene.cmd();
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "--"])
        .arg(inner.get_program())
        .args(inner.get_args())
        .envs(inner.get_envs().filter_map(|(k, v)| Some((k, v?))));
    let o = run(&mut cmd);
    assert_eq!(
        checksums(scene.victim()),
        before,
        "the victim folder changed"
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "error: $pkgdir/usr/share/m: a mount point (another file system); a package cannot carry it, copy the files instead\n"
    );
    assert_eq!(leftovers(scene.out.path()), Vec::<PathBuf>::new());
    // The mount point could not be removed while mounted; the next build (rules that no
    // longer mount, outside the namespace) removes what is left.
    scene.plugin.rules(&marker_rules("        :"));
    let o = run(&mut scene.cmd());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(leftovers(scene.tmp.path()), Vec::<PathBuf>::new());
}

#[test]
fn plugin_yml_rewritten_by_rules_build_is_refused() {
    let scene = Scene::new("        :");
    scene.plugin.rules(&marker_rules("        :").replace(
        "    build)\n        ;;",
        "    build)\n        sed -i 's/name: safe/name: evil/' wazo/plugin.yml\n        ;;",
    ));
    let o = scene.run();
    scene.assert_failed(
        &o,
        3,
        &format!(
            "error: {}/wazo/plugin.yml: changed during `rules build`; a rules step must not edit the manifest (it was validated before the step ran)",
            scene.plugin.path().display()
        ),
    );
}

#[test]
fn plugin_yml_rewritten_by_rules_package_is_refused() {
    let scene = Scene::new("        echo 'description: changed' >> wazo/plugin.yml");
    let o = scene.run();
    scene.assert_failed(
        &o,
        3,
        &format!(
            "error: {}/wazo/plugin.yml: changed during `rules package`; a rules step must not edit the manifest (it was validated before the step ran)",
            scene.plugin.path().display()
        ),
    );
}

#[test]
fn plugin_yml_shipped_is_the_one_validated() {
    // Touched but not changed: the build goes on, and ships the validated bytes.
    let scene = Scene::new(
        "        touch wazo/plugin.yml\n        mkdir -p \"$pkgdir/usr/share/safe\"\n        echo ok > \"$pkgdir/usr/share/safe/ok\"",
    );
    let o = scene.run();
    let deb = scene.assert_built(&o);
    let root = DpkgRoot::new();
    root.install(&deb);
    assert_eq!(
        std::fs::read_to_string(
            root.path()
                .join("usr/lib/wazo-plugind/plugins/demo/safe/wazo/plugin.yml")
        )
        .unwrap(),
        GOOD
    );
    assert_lints_clean(&deb);
}

#[test]
fn folder_modes_are_kept_as_staged_minus_group_and_other_write() {
    let scene = Scene::new(
        "        mkdir -p \"$pkgdir/usr/share/safe/private\" \"$pkgdir/usr/share/safe/shared\" \"$pkgdir/usr/share/safe/open\"\n\
         \x20       echo s > \"$pkgdir/usr/share/safe/private/secret\"\n\
         \x20       chmod 0700 \"$pkgdir/usr/share/safe/private\"\n\
         \x20       chmod 1777 \"$pkgdir/usr/share/safe/shared\"\n\
         \x20       chmod 2775 \"$pkgdir/usr/share/safe/open\"\n\
         \x20       echo '#!/bin/sh' > \"$pkgdir/usr/share/safe/tool\"\n\
         \x20       chmod 4777 \"$pkgdir/usr/share/safe/tool\"",
    );
    let o = scene.run();
    let deb = scene.assert_built(&o);
    let listing = dpkg_deb(&deb, &["--contents"]);
    for (mode, path) in [
        ("drwx------", "./usr/share/safe/private/"),
        ("drwxr-xr-t", "./usr/share/safe/shared/"),
        ("drwxr-sr-x", "./usr/share/safe/open/"),
        ("-rwsr-xr-x", "./usr/share/safe/tool"),
    ] {
        assert!(
            listing
                .lines()
                .any(|l| l.starts_with(mode) && l.ends_with(&format!(" {path}"))),
            "{mode} {path}\n{listing}"
        );
    }
    let root = DpkgRoot::new();
    root.install(&deb);
    let mode = |rel: &str| {
        std::fs::symlink_metadata(root.path().join(rel))
            .unwrap()
            .mode()
            & 0o7777
    };
    assert_eq!(mode("usr/share/safe/private"), 0o700);
    assert_eq!(mode("usr/share/safe/shared"), 0o1755);
    assert_eq!(mode("usr/share/safe/open"), 0o2755);
    assert_eq!(mode("usr/share/safe/tool"), 0o4755);
    assert_eq!(mode("usr/share/safe"), 0o755);
    root.remove("wazo-plugind-safe-demo");
}

/// Names in `dir` that start with `prefix`.
fn named(dir: &Path, prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = leftovers(dir)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    names
}

/// Polls until `check` holds (at most a minute).
fn poll(mut check: impl FnMut() -> bool) -> bool {
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(60) {
        if check() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    false
}

#[test]
fn a_killed_build_is_cleaned_up_by_the_next_one_and_a_live_one_is_not_disturbed() {
    // 2 MiB of incompressible data takes a while to xz: time to catch each build archiving.
    // The live build is then stopped (SIGSTOP) while the third one runs, whatever the speed
    // of the machine.
    let scene = Scene::new("        head -c 2097152 /dev/urandom > \"$pkgdir/blob\"");
    let (out, tmp) = (scene.out.path(), scene.tmp.path());
    let spawn = || {
        scene
            .cmd()
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let archiving = |pid: u32| {
        let mine = format!(".pluginctl-{pid}-");
        poll(|| named(out, &mine).iter().any(|n| n.ends_with(".data.tmp")))
    };

    let mut killed = spawn();
    assert!(archiving(killed.id()), "the first build never archived");
    killed.kill().unwrap();
    killed.wait().unwrap();
    let dead = killed.id();
    assert!(!named(out, &format!(".pluginctl-{dead}-")).is_empty());
    assert_eq!(
        named(tmp, "pluginctl-stage-").len(),
        1,
        "the killed build's staging"
    );

    // The next build clears what the killed one left, as it starts.
    let live = spawn();
    assert!(archiving(live.id()), "the concurrent build never archived");
    assert_eq!(
        named(out, &format!(".pluginctl-{dead}-")),
        Vec::<String>::new(),
        "the killed build's temporary files"
    );
    let live_temp = named(out, &format!(".pluginctl-{}-", live.id()));
    assert!(!live_temp.is_empty());
    let live_stage = format!("pluginctl-stage-{}-", live.id());
    assert_eq!(named(tmp, "pluginctl-stage-"), named(tmp, &live_stage));
    assert_eq!(named(tmp, &live_stage).len(), 1);

    // A third build, run to its end while the second still archives, leaves it alone.
    let signal = |name: &str, pid: u32| {
        let o = run(Command::new("kill").args([name, &pid.to_string()]));
        assert!(o.status.success(), "{}", stderr(&o));
    };
    signal("-STOP", live.id());
    let o = run(scene.cmd().args(["-Z", "none"]));
    signal("-CONT", live.id());
    assert!(o.status.success(), "{}", stderr(&o));
    for name in &live_temp {
        assert!(
            out.join(name).exists(),
            "the live build's {name} was removed"
        );
    }
    assert_eq!(named(tmp, "pluginctl-stage-"), named(tmp, &live_stage));

    let o = live.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(leftovers(out), vec![out.join(DEB)]);
    assert_eq!(leftovers(tmp), Vec::<PathBuf>::new());
    dpkg_deb(&out.join(DEB), &["--info"]);
    let root = DpkgRoot::new();
    root.install(&out.join(DEB));
    assert_eq!(
        std::fs::metadata(root.path().join("blob")).unwrap().len(),
        2 << 20
    );
}

#[test]
fn source_date_epoch_beyond_the_headers_is_a_usage_error() {
    for value in ["99999999999999", "8589934592", "18446744073709551616"] {
        let scene = Scene::new("        :");
        let out = scene.out.path().join("new/out");
        let o = run(scene
            .plugin
            .build_cmd(&out)
            .env("TMPDIR", scene.tmp.path())
            .env("SOURCE_DATE_EPOCH", value));
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert_eq!(
            stderr(&o),
            format!("error: SOURCE_DATE_EPOCH=\"{value}\": later than 8589934591 (2242-03-16), the latest time the tar headers of a .deb can hold; give a smaller number of seconds since 1970-01-01\n")
        );
        assert_eq!(leftovers(scene.out.path()), Vec::<PathBuf>::new());
        assert_eq!(leftovers(scene.tmp.path()), Vec::<PathBuf>::new());
    }
}

#[test]
fn the_latest_time_the_headers_hold_builds_and_installs() {
    let scene = Scene::new("        :");
    let o = run(scene.cmd().env("SOURCE_DATE_EPOCH", "8589934591"));
    let deb = scene.assert_built(&o);
    let o = run(Command::new("dpkg-deb")
        .env("TZ", "UTC")
        .arg("--contents")
        .arg(&deb));
    assert!(
        stdout(&o).contains(" 2242-03-16 12:56 ./"),
        "{}",
        stdout(&o)
    );
    DpkgRoot::new().install(&deb);
}

#[test]
fn a_manifest_time_beyond_the_headers_is_a_usage_error() {
    let scene = Scene::new("        :");
    let yml = scene.plugin.path().join("wazo/plugin.yml");
    let o = run(Command::new("touch").arg("-d").arg("@9999999999").arg(&yml));
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(scene
        .plugin
        .build_cmd(scene.out.path())
        .env("TMPDIR", scene.tmp.path()));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!("error: {}: modified at 9999999999: later than 8589934591 (2242-03-16), the latest time the tar headers of a .deb can hold; set SOURCE_DATE_EPOCH to the time to stamp the package with\n", yml.display())
    );
    assert_eq!(leftovers(scene.out.path()), Vec::<PathBuf>::new());
    assert_eq!(leftovers(scene.tmp.path()), Vec::<PathBuf>::new());
}

/// A small generator, so the generated trees are the same on every run.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 24
    }

    /// `len` bytes of text (compressible, with long repeats) or of noise.
    fn bytes(&mut self, len: usize, text: bool) -> Vec<u8> {
        const WORDS: [&str; 8] = [
            "wazo ",
            "plugin ",
            "exten => ",
            "s,1,",
            "NoOp()\n",
            "; ",
            "= yes\n",
            "dialplan ",
        ];
        let mut out = Vec::with_capacity(len + 16);
        while out.len() < len {
            let r = self.next();
            if text {
                out.extend_from_slice(WORDS[(r % 8) as usize].as_bytes());
            } else {
                out.extend_from_slice(&r.to_le_bytes()[..5]);
            }
        }
        out.truncate(len);
        out
    }

    /// A tree of about `bytes` bytes under `payload/` of `plugin`: folders, text and noise.
    fn tree(&mut self, plugin: &Plugin, bytes: usize) {
        std::fs::create_dir_all(plugin.path().join("payload")).unwrap();
        let mut left = bytes;
        let mut i = 0;
        while left > 0 {
            let len = (self.next() as usize % (bytes / 3 + 1)).clamp(1, left);
            let rel = format!("payload/usr/share/gen/{}/f{i}", self.next() % 5);
            let text = !self.next().is_multiple_of(3);
            let bytes = self.bytes(len, text);
            plugin.file(&rel, bytes);
            left -= len;
            i += 1;
        }
    }
}

#[test]
fn generated_trees_give_the_same_bytes_for_every_thread_count() {
    // Trees from empty to a few MiB, every compression at a few levels, --threads 1 to 4.
    let levels: [(&str, &[&str]); 4] = [
        ("gzip", &["1", "5", "9"]),
        ("xz", &["0", "6"]),
        ("zstd", &["1", "12"]),
        ("none", &["0"]),
    ];
    let mut gen = Gen(11);
    let mut installed = std::collections::HashSet::new();
    for (case, size) in [0usize, 40_000, 3 << 20].into_iter().enumerate() {
        let scene = Scene::new("        cp -a payload/. \"$pkgdir\"/");
        gen.tree(&scene.plugin, size);
        for (compression, levels) in levels {
            for level in levels {
                let mut first: Option<Vec<u8>> = None;
                for threads in ["1", "2", "3", "4"] {
                    let o = run(scene.cmd().args([
                        "-Z",
                        compression,
                        "-z",
                        level,
                        "--threads",
                        threads,
                    ]));
                    let deb = scene.assert_built(&o);
                    let bytes = std::fs::read(&deb).unwrap();
                    match &first {
                        None => first = Some(bytes),
                        Some(one) => assert!(
                            *one == bytes,
                            "tree {case} ({size} bytes), -Z {compression} -z {level}: --threads 1 and {threads} differ"
                        ),
                    }
                    if size > 0 && installed.insert(compression) {
                        let root = DpkgRoot::new();
                        root.install(&deb);
                        let verify = root.dpkg(&["--verify", "wazo-plugind-safe-demo"]);
                        assert!(verify.status.success() && verify.stdout.is_empty());
                    }
                    std::fs::remove_file(deb).unwrap();
                }
            }
        }
    }
}
