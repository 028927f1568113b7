//! `pluginctl build` with several plugins: dependency order, cycles, `--keep-going`,
//! `--json`, `-v` and the progress bar.

use crate::support::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A plugin `demo/<name>` depending on the given `demo/` plugins.
fn plugin(name: &str, depends: &[&str]) -> Plugin {
    let mut m = format!(
        "name: {name}\nnamespace: demo\nversion: \"1.{}\"\ndisplay_name: Demo\n",
        name.len()
    );
    if !depends.is_empty() {
        m.push_str("depends:\n");
        for d in depends {
            m.push_str(&format!("  - name: {d}\n    namespace: demo\n"));
        }
    }
    Plugin::new(&m)
}

fn failing(name: &str, code: u8) -> Plugin {
    let p = plugin(name, &[]);
    p.rules(&format!("#!/bin/sh\necho 'compiling...'\nexit {code}\n"));
    p
}

fn build_cmd(out: &Path, plugins: &[&Plugin]) -> Command {
    let mut c = pluginctl();
    c.arg("build").arg("-o").arg(out);
    for p in plugins {
        c.arg(p.path());
    }
    c
}

fn debs_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = leftovers(dir)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn package(name: &str) -> String {
    format!("wazo-plugind-{name}-demo_1.1_all.deb")
}

#[test]
fn builds_dependencies_first_whatever_the_input_order() {
    let (a, b, c) = (plugin("a", &[]), plugin("b", &["a"]), plugin("c", &["b"]));
    let out = tempfile::tempdir().unwrap();
    let o = run(&mut build_cmd(out.path(), &[&c, &a, &b]));
    assert!(o.status.success(), "{}", stderr(&o));
    let printed: Vec<PathBuf> = stdout(&o).lines().map(PathBuf::from).collect();
    assert_eq!(
        printed,
        ["a", "b", "c"].map(|n| out.path().join(package(n)))
    );
    let err = stderr(&o);
    let building: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("pluginctl: building "))
        .collect();
    assert_eq!(building.len(), 3, "{}", stderr(&o));
    for (line, name) in building.iter().zip(["a", "b", "c"]) {
        assert!(
            line.starts_with(&format!("pluginctl: building demo/{name} (")),
            "{line}"
        );
    }
    let c_deb = out.path().join(package("c"));
    assert_eq!(
        dpkg_deb(&c_deb, &["--field", "Depends"]).trim(),
        "wazo-plugind-b-demo"
    );
    // Installed in build order, each one's dependency is already there.
    let root = DpkgRoot::new();
    for deb in &printed {
        root.install(deb);
    }
}

#[test]
fn a_cycle_is_an_error_naming_it_and_nothing_is_built() {
    let (x, a, b) = (plugin("x", &[]), plugin("a", &["b"]), plugin("b", &["a"]));
    let out = tempfile::tempdir().unwrap();
    let o = run(&mut build_cmd(out.path(), &[&x, &a, &b]));
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(
        stderr(&o),
        "error: dependency cycle between the plugins to build: demo/a -> demo/b -> demo/a (each depends on the next); remove one of these depends from its wazo/plugin.yml\n"
    );
    assert!(stdout(&o).is_empty());
    assert!(debs_in(out.path()).is_empty());
}

#[test]
fn the_same_plugin_twice_is_a_usage_error() {
    let a = plugin("a", &[]);
    let out = tempfile::tempdir().unwrap();
    let o = run(&mut build_cmd(out.path(), &[&a, &a]));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {p} and {p} are both the plugin demo/a; give each plugin once\n",
            p = a.path().display()
        )
    );
}

#[test]
fn stops_at_the_first_failure_without_keep_going() {
    let (a, bad, c) = (plugin("a", &[]), failing("bad", 2), plugin("c", &[]));
    let out = tempfile::tempdir().unwrap();
    let o = run(&mut build_cmd(out.path(), &[&a, &bad, &c]));
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert_eq!(debs_in(out.path()), [package("a")]);
    assert_eq!(
        stdout(&o),
        format!("{}\n", out.path().join(package("a")).display())
    );
    let err = stderr(&o);
    assert!(err.contains("[rules build] compiling...\n"), "{err}");
    assert!(
        err.ends_with(&format!(
            "error: {}/wazo/rules: `rules build` failed (exit status 2); nothing was written\n",
            bad.path().display()
        )),
        "{err}"
    );
    assert!(!err.contains("demo/c"), "{err}");
}

#[test]
fn keep_going_builds_the_others_and_reports_each_result() {
    let (a, bad, c) = (plugin("a", &[]), failing("bad", 2), plugin("c", &["bad"]));
    let broken = Plugin::new("name: broken\nnamespace: de-mo\nversion: \"1\"\n");
    let out = tempfile::tempdir().unwrap();
    let o = run(build_cmd(out.path(), &[&c, &bad, &broken, &a]).arg("--keep-going"));
    let err = stderr(&o);
    // The first failure (the invalid manifest, found before anything runs) sets the status.
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert_eq!(debs_in(out.path()), [package("a"), package("c")]);
    let printed: Vec<PathBuf> = stdout(&o).lines().map(PathBuf::from).collect();
    assert_eq!(
        printed,
        [out.path().join(package("c")), out.path().join(package("a"))]
    );
    let results: Vec<&str> = err
        .lines()
        .skip_while(|l| *l != "pluginctl: results:")
        .collect();
    assert_eq!(results.len(), 6, "{err}");
    assert_eq!(
        results[1],
        format!(
            "pluginctl:   FAILED  {}  {}/wazo/plugin.yml:2:12: namespace \"de-mo\": only a-z and 0-9 are allowed (no dash)",
            broken.path().display(),
            broken.path().display()
        )
    );
    assert!(
        results[2].starts_with("pluginctl:   FAILED  demo/bad  "),
        "{err}"
    );
    assert!(results[2].ends_with("`rules build` failed (exit status 2); nothing was written"));
    assert_eq!(
        results[3],
        format!(
            "pluginctl:   ok      demo/c  {}",
            out.path().join(package("c")).display()
        )
    );
    assert!(
        results[4].starts_with("pluginctl:   ok      demo/a  "),
        "{err}"
    );
    assert_eq!(
        results[5],
        "error: 2 of 4 plugins failed: broken, demo/bad (see the messages above)"
            .replace("broken", &broken.path().display().to_string())
    );
}

#[test]
fn keep_going_exit_status_is_the_first_failures() {
    let (bad, a) = (failing("bad", 7), plugin("a", &[]));
    let out = tempfile::tempdir().unwrap();
    let o = run(build_cmd(out.path(), &[&bad, &a]).args(["--keep-going", "--quiet"]));
    assert_eq!(o.status.code(), Some(4));
    assert_eq!(debs_in(out.path()), [package("a")]);
    // --quiet: errors only, no summary, no rules output but the failing step's last lines.
    assert_eq!(
        stderr(&o),
        format!(
            "[rules build] compiling...\nerror: {}/wazo/rules: `rules build` failed (exit status 7); nothing was written\nerror: 1 of 2 plugins failed: demo/bad (see the messages above)\n",
            bad.path().display()
        )
    );
}

fn sha256sum(path: &Path) -> String {
    let o = run(Command::new("sha256sum").arg(path));
    stdout(&o).split_whitespace().next().unwrap().to_string()
}

#[test]
fn json_lists_each_package_for_ci() {
    let (a, b) = (plugin("a", &[]), plugin("b", &["a"]));
    let out = tempfile::tempdir().unwrap();
    let o = run(build_cmd(out.path(), &[&b, &a]).arg("--json"));
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("one JSON document on stdout");
    let packages = doc["packages"].as_array().unwrap();
    assert_eq!(packages.len(), 2);
    for (p, (name, plugin)) in packages.iter().zip([("a", &a), ("b", &b)]) {
        let deb = out.path().join(package(name));
        assert_eq!(p["path"], deb.display().to_string());
        assert_eq!(p["package"], format!("wazo-plugind-{name}-demo"));
        assert_eq!(p["version"], "1.1");
        assert_eq!(p["size"], std::fs::metadata(&deb).unwrap().len());
        assert_eq!(p["sha256"], sha256sum(&deb));
        assert_eq!(
            p["plugin"],
            serde_json::json!({"dir": plugin.path().display().to_string(), "name": name, "namespace": "demo"})
        );
        assert_eq!(dpkg_deb(&deb, &["--field", "Package"]).trim(), p["package"]);
    }
    assert_eq!(doc["failures"], serde_json::json!([]));
    assert_eq!(doc["skipped"], serde_json::json!([]));
}

#[test]
fn json_reports_failures_and_skipped_plugins() {
    let (a, bad, c) = (plugin("a", &[]), failing("bad", 3), plugin("c", &[]));
    let out = tempfile::tempdir().unwrap();
    let o = run(build_cmd(out.path(), &[&a, &bad, &c]).arg("--json"));
    assert_eq!(o.status.code(), Some(4));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("a document even on failure");
    assert_eq!(doc["packages"].as_array().unwrap().len(), 1);
    assert_eq!(doc["packages"][0]["package"], "wazo-plugind-a-demo");
    assert_eq!(
        doc["failures"],
        serde_json::json!([{
            "dir": bad.path().display().to_string(),
            "plugin": {"dir": bad.path().display().to_string(), "name": "bad", "namespace": "demo"},
            "error": format!("{}/wazo/rules: `rules build` failed (exit status 3); nothing was written", bad.path().display()),
            "exit_code": 4
        }])
    );
    assert_eq!(
        doc["skipped"],
        serde_json::json!([c.path().display().to_string()])
    );
}

#[test]
fn verbose_shows_each_step_and_its_duration() {
    let a = plugin("a", &[]);
    let out = tempfile::tempdir().unwrap();
    let o = run(build_cmd(out.path(), &[&a]).arg("-v"));
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    for step in [
        "rules build",
        "rules package",
        "collect the staged files",
        "write the package",
    ] {
        assert!(
            err.contains(&format!("pluginctl: {step}: started\n")),
            "{err}"
        );
        let done = err
            .lines()
            .find(|l| l.starts_with(&format!("pluginctl: {step}: done in ")))
            .unwrap_or_else(|| panic!("{step} has no duration: {err}"));
        assert!(done.ends_with(" s"), "{done}");
    }
    let o = run(build_cmd(out.path(), &[&a]).args(["-v", "-q"]));
    assert_eq!(o.status.code(), Some(2), "-v and -q conflict");
}

/// A plugin shipping `count` files of pseudo-random (incompressible) data.
fn big_plugin(count: usize, size: usize) -> Plugin {
    let p = plugin("big", &[]);
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..count {
        let mut data = Vec::with_capacity(size);
        while data.len() < size {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            data.extend_from_slice(&state.to_le_bytes());
        }
        p.file(&format!("payload/{:02}/{i:05}.bin", i % 50), &data);
    }
    p.rules(&marker_rules(
        r#"        mkdir -p "$pkgdir/usr/share/big"
        cp -R payload "$pkgdir/usr/share/big/""#,
    ));
    p
}

/// Runs a shell command line under a pseudo-terminal (`script`), returning what it printed.
fn under_tty(command: &str) -> (bool, String) {
    let o = run(Command::new("script")
        .args(["-q", "-e", "-c", command, "/dev/null"])
        .env("PLUGINCTL_PROGRESS_DELAY_MS", "0")
        .env_remove("SOURCE_DATE_EPOCH"));
    (o.status.success(), stdout(&o) + &stderr(&o))
}

#[test]
fn progress_bar_only_on_a_terminal_and_not_with_quiet() {
    let big = big_plugin(200, 8 << 10);
    let out = tempfile::tempdir().unwrap();
    let cmd = format!(
        "{} build {} -o {} -Z gzip -z 1",
        bin(),
        big.path().display(),
        out.path().display()
    );
    let (ok, screen) = under_tty(&cmd);
    assert!(ok, "{screen}");
    // (at the 80 columns assumed when the terminal gives no size, the name loses its
    // wazo-plugind- to leave the bar its room)
    assert!(screen.contains(" big-demo "), "{screen}");
    // 200 files, 50 + 4 folders of payload, 7 entries of docs and overrides, 8 of the plugin's
    // own folder (usr/lib/wazo-plugind/... wazo/plugin.yml, wazo/rules).
    assert!(screen.contains("/269 files"), "{screen}");
    // The bytes are those of the data member's tar stream, which the compressor counts:
    // 1.56 MiB of files and a 512-byte header for each of the 269 entries.
    assert!(screen.contains("/1.70 MiB"), "{screen}");
    assert!(
        screen.contains("\r\x1b[2K"),
        "the bar is erased at the end: {screen}"
    );

    let (ok, screen) = under_tty(&format!("{cmd} --quiet"));
    assert!(ok, "{screen}");
    assert!(
        !screen.contains(" files "),
        "--quiet drew progress: {screen}"
    );

    // stderr not a terminal: no progress, no escape sequences.
    let o = run(pluginctl()
        .arg("build")
        .arg(big.path())
        .arg("-o")
        .arg(out.path())
        .args(["-Z", "gzip", "-z", "1"])
        .env("PLUGINCTL_PROGRESS_DELAY_MS", "0"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains(" files "), "{}", stderr(&o));
    assert!(!stderr(&o).contains('\r'));
}
