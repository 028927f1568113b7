//! `pluginctl new`: the skeleton builds, lints and installs as it is; an existing
//! non-empty folder is refused and left alone.

use crate::support::*;
use std::path::Path;

/// `pluginctl new NAME --namespace NS DIR [extra]`, asserting success.
fn new_plugin(dir: &Path, name: &str, namespace: &str, extra: &[&str]) {
    let o = run(pluginctl()
        .args(["new", name, "--namespace", namespace])
        .arg(dir)
        .args(extra));
    assert!(o.status.success(), "new failed: {}", stderr(&o));
    assert_eq!(stdout(&o), format!("{}\n", dir.display()));
}

/// Builds `dir` into a fresh folder; returns (the folder, the .deb).
fn build(dir: &Path) -> (tempfile::TempDir, std::path::PathBuf) {
    let out = tempfile::tempdir().unwrap();
    let o = run(pluginctl().arg("build").arg(dir).arg("-o").arg(out.path()));
    assert!(o.status.success(), "build failed: {}", stderr(&o));
    let deb = std::path::PathBuf::from(stdout(&o).trim());
    assert!(deb.is_file());
    (out, deb)
}

/// Runs `pluginctl lint ARGS` when this binary has the subcommand; otherwise says why not.
/// `pluginctl lint --deny-warnings ARGS` must find nothing.
fn lints_clean(args: &[&Path]) {
    let o = run(pluginctl().args(["lint", "--deny-warnings"]).args(args));
    assert!(
        o.status.success(),
        "lint failed:\n{}{}",
        stdout(&o),
        stderr(&o)
    );
}

#[test]
fn new_then_build_then_lint_then_install() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("hello-world");
    new_plugin(&dir, "hello-world", "acme", &[]);
    for rel in [
        "wazo/plugin.yml",
        "wazo/rules",
        "hello-world.conf",
        "README.md",
        ".gitignore",
    ] {
        assert!(dir.join(rel).is_file(), "{rel} missing");
    }
    let rules = std::fs::read_to_string(dir.join("wazo/rules")).unwrap();
    assert!(rules.starts_with("#!/bin/sh\n"));
    assert!(rules.contains("\nset -e\n"));
    for word in [
        "build)",
        "package)",
        "install)",
        "uninstall)",
        "postrm)",
        "*)",
    ] {
        assert!(rules.contains(&format!("    {word}\n")), "{word}: {rules}");
    }
    let manifest = std::fs::read_to_string(dir.join("wazo/plugin.yml")).unwrap();
    assert!(manifest.contains("\nversion: \"0.1.0\"\n"), "{manifest}");
    assert!(
        manifest.contains("\ndisplay_name: Hello World\n"),
        "{manifest}"
    );
    assert!(manifest.contains("\ndescription: |\n"), "{manifest}");
    assert!(
        manifest.contains("\nplugin_format_version: 1\n"),
        "{manifest}"
    );

    let (_out, deb) = build(&dir);
    assert_eq!(
        deb.file_name().unwrap(),
        "wazo-plugind-hello-world-acme_0.1.0_all.deb"
    );
    lints_clean(&[&dir]);
    lints_clean(&[&deb]);
    let tags = lintian_no_errors(&deb);
    assert!(
        !tags
            .iter()
            .any(|t| t.contains("extended-description-line-too-long")),
        "{tags:?}"
    );
    let contents = dpkg_deb(&deb, &["--contents"]);
    assert!(contents.contains(" ./etc/asterisk/extensions_extra.d/hello-world.conf\n"));

    let root = DpkgRoot::new();
    root.install(&deb);
    assert!(root.has("etc/asterisk/extensions_extra.d/hello-world.conf"));
    assert!(root.has("usr/lib/wazo-plugind/plugins/acme/hello-world/wazo/rules"));
    root.remove("wazo-plugind-hello-world-acme");
    assert!(!root.has("etc/asterisk/extensions_extra.d/hello-world.conf"));
    root.purge("wazo-plugind-hello-world-acme");
}

#[test]
fn format_0_skeleton_has_no_postrm_and_installs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("old");
    new_plugin(&dir, "old", "acme", &["--format", "0"]);
    let rules = std::fs::read_to_string(dir.join("wazo/rules")).unwrap();
    assert!(!rules.contains("postrm)"), "{rules}");
    let manifest = std::fs::read_to_string(dir.join("wazo/plugin.yml")).unwrap();
    assert!(manifest.contains("\nplugin_format_version: 0\n"));
    let (_out, deb) = build(&dir);
    lints_clean(&[&dir]);
    let root = DpkgRoot::new();
    root.install(&deb);
    root.remove("wazo-plugind-old-acme");
    root.purge("wazo-plugind-old-acme");
}

#[test]
fn default_folder_is_the_name_and_numeric_names_are_quoted() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run(pluginctl()
        .args(["new", "2024", "--namespace", "yes"])
        .current_dir(tmp.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "2024\n");
    let manifest = std::fs::read_to_string(tmp.path().join("2024/wazo/plugin.yml")).unwrap();
    assert!(
        manifest.contains("\nname: \"2024\"\nnamespace: \"yes\"\n"),
        "{manifest}"
    );
    let (_out, deb) = build(&tmp.path().join("2024"));
    assert_eq!(
        deb.file_name().unwrap(),
        "wazo-plugind-2024-yes_0.1.0_all.deb"
    );
}

#[test]
fn fills_an_empty_folder_but_refuses_a_non_empty_one() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    new_plugin(&empty, "filled", "acme", &[]);
    assert!(empty.join("wazo/plugin.yml").is_file());

    // The current folder, when empty, is a valid target too.
    let here = tmp.path().join("here");
    std::fs::create_dir(&here).unwrap();
    let o = run(pluginctl()
        .args(["new", "here", "--namespace", "acme", "."])
        .current_dir(&here));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(here.join("wazo/rules").is_file());
    assert_eq!(leftovers(&here).len(), 4, "{:?}", leftovers(&here));

    let busy = tmp.path().join("busy");
    write(busy.join("keep.txt"), "mine\n");
    let o = run(pluginctl()
        .args(["new", "x", "--namespace", "acme"])
        .arg(&busy));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: the folder is not empty; pluginctl new writes only into a new or empty folder\n",
            busy.display()
        )
    );
    assert_eq!(leftovers(&busy), vec![busy.join("keep.txt")]);
    assert_eq!(
        std::fs::read_to_string(busy.join("keep.txt")).unwrap(),
        "mine\n"
    );
    // Nothing else appeared next to it (no temporary folder left).
    let mut names: Vec<String> = leftovers(tmp.path())
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["busy", "empty", "here"]);
}

#[test]
fn bad_names_are_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    for (args, message) in [
        (
            ["Hello", "--namespace", "acme"],
            "error: NAME \"Hello\": only a-z, 0-9 and - are allowed\n",
        ),
        (
            ["hello", "--namespace", "ac-me"],
            "error: --namespace \"ac-me\": only a-z and 0-9 are allowed (no dash)\n",
        ),
    ] {
        let o = run(pluginctl().arg("new").args(args).current_dir(tmp.path()));
        assert_eq!(o.status.code(), Some(2));
        assert_eq!(stderr(&o), message);
    }
    assert!(leftovers(tmp.path()).is_empty());
}
