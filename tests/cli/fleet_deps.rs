//! `index` checks that every plugin dependency resolves inside the repository, and the
//! verdict is compared with real apt: `apt-get install --simulate` of each package in a
//! throwaway apt root succeeds exactly when index did not warn about it.

use crate::support::*;
use std::path::Path;

/// `demo/<name>` at `version` with these `depends` plugins and `debian_depends` relations.
fn plugin(name: &str, version: &str, depends: &[&str], debian: &[&str]) -> Plugin {
    let mut m = format!(
        "name: {name}\nnamespace: demo\nversion: \"{version}\"\ndescription: Plugin {name}.\n"
    );
    if !depends.is_empty() {
        m.push_str("depends:\n");
        for d in depends {
            m.push_str(&format!("  - name: {d}\n    namespace: demo\n"));
        }
    }
    if !debian.is_empty() {
        m.push_str("debian_depends:\n");
        for d in debian {
            m.push_str(&format!("  - \"{d}\"\n"));
        }
    }
    Plugin::new(&m)
}

/// The names in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn unmet_plugin_dependencies_warn_as_apt_refuses_them_and_strict_writes_nothing() {
    let repo = tempfile::tempdir().unwrap();
    let d = repo.path();
    let a = "wazo-plugind-a-demo";
    let plugins = [
        plugin("a", "1.0", &[], &[]),
        plugin("b", "1.0", &[], &[&format!("{a} (>= 1.0)")]),
        plugin("c", "1.0", &[], &[&format!("{a} (>= 2.0)")]),
        plugin("d", "1.0", &["x"], &[]),
        plugin("e", "1.0", &[], &[&format!("{a} (<< 1.0)")]),
        plugin("f", "1.0", &[], &[&format!("wazo-plugind-x-demo | {a}")]),
        plugin("g", "1.0", &[], &[&format!("{a} (= 1.0)")]),
        plugin("h", "1.0", &[], &[&format!("{a} (>> 1.0~rc1)")]),
        plugin("i", "1.0", &["c"], &[]),
        plugin("j", "1.0", &[], &[&format!("{a} (<= 1.0~rc1)")]),
    ];
    let mut c = pluginctl();
    c.arg("build").arg("-o").arg(d).arg("-q");
    for p in &plugins {
        c.arg(p.path());
    }
    let o = run(&mut c);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = names(d);

    // --strict: an error naming the first, nothing written.
    let o = index(d, &["--strict"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}/wazo-plugind-c-demo_1.0_all.deb: wazo-plugind-c-demo 1.0 depends on {a} (>= 2.0), which no package of the repository satisfies; add it to the folder (apt-get install refuses wazo-plugind-c-demo on every server) (4 more unmet); --strict writes nothing\n",
            d.display()
        )
    );
    assert_eq!(names(d), before, "nothing written");

    // Without: one warning per package apt cannot install, and the repository is written.
    let o = index(d, &NO_ARGS);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let warned: Vec<String> = err
        .lines()
        .filter(|l| l.starts_with("pluginctl: warning: "))
        .map(|l| {
            let after = l.split(".deb: ").nth(1).unwrap();
            after.split(' ').next().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        warned,
        [
            "wazo-plugind-c-demo",
            "wazo-plugind-d-demo",
            "wazo-plugind-e-demo",
            "wazo-plugind-j-demo",
            "wazo-plugind-i-demo"
        ],
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "pluginctl: warning: {}/wazo-plugind-i-demo_1.0_all.deb: wazo-plugind-i-demo 1.0 depends on wazo-plugind-c-demo, which only packages with unmet dependencies satisfy; add it to the folder (apt-get install refuses wazo-plugind-i-demo on every server)\n",
            d.display()
        )),
        "{err}"
    );

    // The oracle: apt, package by package.
    let root = AptRoot::new(d, "trusted=yes");
    let o = run(root.command("apt-get").arg("update"));
    assert!(o.status.success(), "{}", stderr(&o));
    for name in "abcdefghij".chars() {
        let package = format!("wazo-plugind-{name}-demo");
        let o = run(root
            .command("apt-get")
            .args(["install", "--simulate", &package]));
        assert_eq!(
            o.status.success(),
            !warned.contains(&package),
            "{package}: apt says {}{}",
            stdout(&o),
            stderr(&o)
        );
    }
}

#[test]
fn strict_passes_when_every_dependency_resolves() {
    let repo = tempfile::tempdir().unwrap();
    let d = repo.path();
    let mut c = pluginctl();
    c.arg("build").arg("-o").arg(d).arg("-q");
    let (a, b) = (
        plugin("a", "2.0", &[], &[]),
        plugin(
            "b",
            "1.0",
            &["a"],
            &["wazo-plugind-a-demo (>= 2.0)", "python3 (>= 3.9)"],
        ),
    );
    c.arg(a.path()).arg(b.path());
    assert!(run(&mut c).status.success());
    let o = index(d, &["--strict"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!("pluginctl: indexed 2 packages in {}\n", d.display())
    );
}
