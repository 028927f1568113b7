//! The plugin search upward from the current folder (`build` and `lint` without a folder)
//! trusts only a plugin that the user who runs pluginctl could have put there: planted by
//! another user, or reached through a folder that anyone can write, it is refused with one
//! line that names the folder and how to name it explicitly, and its rules never run.

use crate::support::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Another user's uid (no such user needs to exist).
const OTHER: u32 = 12345;

fn chown(path: &Path, uid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(uid)).unwrap();
}

fn mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A scene under a fresh folder `base`: a plugin at `plugin` whose rules leave a marker in
/// `base` when they run, and the folder builds and lints are run from.
struct Scene {
    base: tempfile::TempDir,
    plugin: PathBuf,
    cwd: PathBuf,
}

impl Scene {
    /// The plugin at `base/plugin_rel`, run from `base/cwd_rel` (both made, root's, 0755).
    fn new(plugin_rel: &str, cwd_rel: &str) -> Scene {
        let base = tempfile::tempdir().unwrap();
        let plugin = base.path().join(plugin_rel);
        let cwd = base.path().join(cwd_rel);
        std::fs::create_dir_all(&cwd).unwrap();
        write(
            plugin.join("wazo/plugin.yml"),
            "name: planted\nnamespace: demo\nversion: \"1.0\"\nplugin_format_version: 1\n",
        );
        let marker = base.path().join("MARKER");
        write(
            plugin.join("wazo/rules"),
            format!("#!/bin/sh\necho \"$1\" >> {}\n", marker.display()),
        );
        mode(&plugin.join("wazo/rules"), 0o755);
        Scene { base, plugin, cwd }
    }

    fn at(&self, rel: &str) -> PathBuf {
        self.base.path().join(rel)
    }

    /// `build` and `lint` from the current folder are refused with exactly `why`; the rules
    /// never ran and no package was written.
    fn refused(&self, why: &str) {
        for command in ["build", "lint"] {
            let o = run(pluginctl().arg(command).current_dir(&self.cwd));
            assert_eq!(o.status.code(), Some(2), "{command}: {}", stderr(&o));
            assert_eq!(
                stderr(&o),
                format!(
                    "error: {p}: not using the plugin found there: {why}; if you trust it, \
                     name it: pluginctl {command} {p}\n",
                    p = self.plugin.display()
                ),
                "{command}"
            );
            assert_eq!(stdout(&o), "", "{command}");
        }
        assert!(!self.at("MARKER").exists(), "the planted rules ran");
        let debs: Vec<_> = walkdir(self.base.path())
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "deb"))
            .collect();
        assert_eq!(debs, Vec::<PathBuf>::new());
    }

    /// Naming the folder still builds it (the rules run).
    fn named_builds(&self) {
        let out = tempfile::tempdir().unwrap();
        let o = run(pluginctl()
            .arg("build")
            .arg(&self.plugin)
            .arg("-o")
            .arg(out.path())
            .current_dir(&self.cwd));
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(leftovers(out.path()).len(), 1);
        assert!(
            self.at("MARKER").exists(),
            "the named plugin's rules did not run"
        );
        std::fs::remove_file(self.at("MARKER")).unwrap();
    }
}

/// Every path below `dir`.
fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            out.extend(walkdir(&path));
        }
        out.push(path);
    }
    out
}

/// True when running as root (chown to another user needs it); says so when not.
fn as_root(test: &str) -> bool {
    let root = rustix_free_geteuid() == 0;
    if !root {
        // Past the harness's capture: a skipped test is never silent.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test}: needs root to give files to another user"
        );
    }
    root
}

fn rustix_free_geteuid() -> u32 {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() }
}

#[test]
fn a_plugin_planted_in_a_sticky_folder_by_another_user_is_refused() {
    if !as_root("a_plugin_planted_in_a_sticky_folder_by_another_user_is_refused") {
        return;
    }
    // /tmp-like: 1777, root's; the plugin in it is another user's; root works below it.
    let s = Scene::new("shared/plant", "shared/plant/sub/deeper");
    mode(&s.at("shared"), 0o1777);
    for rel in ["shared/plant", "shared/plant/wazo"] {
        chown(&s.at(rel), OTHER);
    }
    for rel in ["wazo/plugin.yml", "wazo/rules"] {
        chown(&s.plugin.join(rel), OTHER);
    }
    s.refused(&format!(
        "{} is owned by uid {OTHER}, not by root",
        s.plugin.display()
    ));
    s.named_builds();
}

#[test]
fn a_plugin_in_the_sticky_folder_itself_is_refused_whoever_owns_it() {
    if !as_root("a_plugin_in_the_sticky_folder_itself_is_refused_whoever_owns_it") {
        return;
    }
    let s = Scene::new("shared", "shared/mine");
    mode(&s.at("shared"), 0o1777);
    s.refused(&format!(
        "{} is writable by everyone (mode 1777)",
        s.plugin.display()
    ));
    // Another user's wazo/ in a folder of root's is refused as well.
    mode(&s.at("shared"), 0o755);
    chown(&s.plugin.join("wazo"), OTHER);
    s.refused(&format!(
        "{} is owned by uid {OTHER}, not by root",
        s.plugin.join("wazo").display()
    ));
}

#[test]
fn every_part_of_the_plugin_and_of_the_way_down_must_be_the_users() {
    if !as_root("every_part_of_the_plugin_and_of_the_way_down_must_be_the_users") {
        return;
    }
    // The plugin root's, each time one thing is not.
    for rel in ["wazo", "wazo/plugin.yml", "wazo/rules"] {
        let s = Scene::new("p", "p/src");
        chown(&s.plugin.join(rel), OTHER);
        s.refused(&format!(
            "{} is owned by uid {OTHER}, not by root",
            s.plugin.join(rel).display()
        ));
    }
    // From the plugin folder itself, owned by another user.
    let s = Scene::new("p", "p");
    chown(&s.plugin, OTHER);
    s.refused(&format!(
        "{} is owned by uid {OTHER}, not by root",
        s.plugin.display()
    ));
    s.named_builds();
    // A wazo/ anyone can write into.
    let s = Scene::new("p", "p/src");
    mode(&s.plugin.join("wazo"), 0o777);
    s.refused(&format!(
        "{} is writable by everyone (mode 777)",
        s.plugin.join("wazo").display()
    ));
    // Reached through a folder anyone can write into (not sticky: anyone can also rename
    // what is in it), and through another user's folder.
    let s = Scene::new("p", "p/open/sub");
    mode(&s.at("p/open"), 0o777);
    s.refused(&format!(
        "{} is writable by everyone (mode 777)",
        s.at("p/open").display()
    ));
    let s = Scene::new("p", "p/theirs/sub");
    chown(&s.at("p/theirs"), OTHER);
    s.refused(&format!(
        "{} is owned by uid {OTHER}, not by root",
        s.at("p/theirs").display()
    ));
    s.named_builds();
}

#[test]
fn a_plugin_yml_or_wazo_folder_that_is_a_link_is_refused() {
    let s = Scene::new("p", "p/src");
    let yml = s.plugin.join("wazo/plugin.yml");
    std::fs::rename(&yml, s.at("p/real.yml")).unwrap();
    std::os::unix::fs::symlink(s.at("p/real.yml"), &yml).unwrap();
    s.refused(&format!("{} is a symbolic link", yml.display()));

    let s = Scene::new("elsewhere", "p/src");
    std::os::unix::fs::symlink(s.at("elsewhere/wazo"), s.at("p/wazo")).unwrap();
    let s = Scene {
        plugin: s.at("p"),
        ..s
    };
    s.refused(&format!(
        "{} is a symbolic link",
        s.plugin.join("wazo").display()
    ));
}
