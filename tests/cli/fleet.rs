//! Publishing for a fleet: the naming fields of `Release` (`--origin`, `--label`, `--suite`,
//! `--codename`) as real apt reads, pins and remembers them.

use crate::publish::{names, repo_with, Gpg, Key};
use crate::support::*;
use std::path::Path;

fn index_ok(dir: &Path, args: &[&str]) -> String {
    let o = index(dir, args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    stderr(&o)
}

/// apt-get in a throwaway root; returns (success, stdout + stderr).
fn apt(root: &AptRoot, tool: &str, args: &[&str]) -> (bool, String) {
    let o = run(root.command(tool).args(args));
    (o.status.success(), format!("{}{}", stdout(&o), stderr(&o)))
}

fn signed_root(repo: &Path, key: &Key) -> AptRoot {
    AptRoot::new(repo, &format!("signed-by={}", key.public.display()))
}

#[test]
fn release_fields_are_pinned_on_kept_and_a_change_is_announced_as_apt_sees_it() {
    let gpg = Gpg::new();
    let key = gpg.key("ed25519", "Acme <ci@acme.example>", "");
    let sign = key.armored.to_str().unwrap();
    let repo = repo_with("hello", "1.0");
    let d = repo.path();
    index_ok(
        d,
        &[
            "--sign",
            sign,
            "--origin",
            "Acme",
            "--label",
            "Acme plugins",
            "--suite",
            "stable",
            "--codename",
            "wazo",
        ],
    );
    let release = std::fs::read_to_string(d.join("Release")).unwrap();
    assert!(
        release.starts_with(
            "Origin: Acme\nLabel: Acme plugins\nSuite: stable\nCodename: wazo\nDate: "
        ),
        "{release}"
    );
    let root = signed_root(d, &key);
    let (ok, out) = apt(&root, "apt-get", &["update"]);
    assert!(
        ok && !out.contains("\nW:") && !out.contains("\nE:"),
        "{out}"
    );
    // Pinning by origin: apt sees the fields and applies the pin.
    std::fs::write(
        root.path().join("etc/preferences.d/acme.pref"),
        "Package: wazo-plugind-*\nPin: release o=Acme\nPin-Priority: 990\n",
    )
    .unwrap();
    let (ok, policy) = apt(&root, "apt-cache", &["policy", "wazo-plugind-hello-demo"]);
    assert!(ok, "{policy}");
    assert!(policy.contains("\n     1.0 990\n"), "{policy}");
    let (_, sources) = apt(&root, "apt-cache", &["policy"]);
    assert!(
        sources.contains("release o=Acme,a=stable,n=wazo,l=Acme plugins"),
        "{sources}"
    );

    // A re-index without the flags keeps them, and apt sees no change.
    let err = index_ok(d, &["--sign", sign]);
    assert!(!err.contains("warning"), "{err}");
    let again = std::fs::read_to_string(d.join("Release")).unwrap();
    assert_eq!(again, release);
    let (ok, out) = apt(&root, "apt-get", &["update"]);
    assert!(ok, "{out}");

    // A Suite change: apt accepts it, no warning.
    let err = index_ok(d, &["--sign", sign, "--suite", "testing"]);
    assert!(!err.contains("warning"), "{err}");
    let (ok, out) = apt(&root, "apt-get", &["update"]);
    assert!(ok && !out.contains("E:"), "{out}");

    // An Origin change: the warning, and apt then stops until told.
    let err = index_ok(d, &["--sign", sign, "--origin", "Acme Corp"]);
    assert_eq!(
        err.lines().nth(1).unwrap(),
        "pluginctl: warning: Origin changed from \"Acme\" to \"Acme Corp\": apt-get update on every server now stops until run once with --allow-releaseinfo-change"
    );
    let (ok, out) = apt(&root, "apt-get", &["update"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("changed its 'Origin' value from 'Acme' to 'Acme Corp'"),
        "{out}"
    );
    let (ok, out) = apt(&root, "apt-get", &["update", "--allow-releaseinfo-change"]);
    assert!(ok, "{out}");

    // A field set for the first time is a change for apt too.
    let bare = repo_with("other", "1.0");
    index_ok(bare.path(), &["--sign", sign]);
    let root = signed_root(bare.path(), &key);
    assert!(apt(&root, "apt-get", &["update"]).0);
    let err = index_ok(bare.path(), &["--sign", sign, "--codename", "wazo"]);
    assert!(
        err.contains("pluginctl: warning: Codename changed from none to \"wazo\": apt-get update on every server now stops until run once with --allow-releaseinfo-change\n"),
        "{err}"
    );
    let (ok, out) = apt(&root, "apt-get", &["update"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("changed its 'Codename' value from '' to 'wazo'"),
        "{out}"
    );
}

#[test]
fn bad_release_field_values_are_one_line_and_nothing_written() {
    let repo = repo_with("hello", "1.0");
    let d = repo.path();
    let cases: [(&str, &str, &str); 7] = [
        ("--origin", "Acme\nSHA256:", "error: --origin \"Acme\\nSHA256:\": holds a newline, which would break Release; give one line of text"),
        ("--label", "tab\there", "error: --label \"tab\\there\": holds a tab, which would break Release; give one line of text"),
        ("--origin", " Acme", "error: --origin \" Acme\": starts or ends with a blank; remove it"),
        ("--origin", "", "error: --origin \"\": empty; give a value"),
        ("--label", "a,b", "error: --label \"a,b\": holds a comma, which apt's pins take as a separator; remove it"),
        ("--suite", "old stable", "error: --suite \"old stable\": holds a blank; give one word (such as stable)"),
        ("--codename", "x\u{7f}", "error: --codename \"x\\u{7f}\": holds the control character U+007F, which would break Release; give one line of text"),
    ];
    let before = names(d);
    for (flag, value, want) in cases {
        let o = index(d, &[flag, value]);
        assert_eq!(o.status.code(), Some(2), "{flag} {value:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), format!("{want}\n"), "{flag} {value:?}");
        assert_eq!(names(d), before, "{flag} {value:?}: nothing written");
    }
    // A Release that is a link is not followed.
    let elsewhere = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(elsewhere.path(), "Origin: Elsewhere\n").unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), d.join("Release")).unwrap();
    let o = index(d, &["--origin", "Acme"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}/Release: a symbolic link, not a regular file; remove it (index writes Release itself)\n",
            d.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(elsewhere.path()).unwrap(),
        "Origin: Elsewhere\n"
    );
    std::fs::remove_file(d.join("Release")).unwrap();
    // A Release index cannot read is not replaced silently: its fields would be lost.
    std::fs::write(d.join("Release"), "Origin: Acme\n broken\n:\n").unwrap();
    let o = index(d, &NO_ARGS);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with(&format!(
            "error: {}/Release: not a Release file (line ",
            d.display()
        )),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).ends_with("), so its Origin, Label, Suite and Codename cannot be kept; remove it, and give them as flags\n"),
        "{}",
        stderr(&o)
    );
}

/// Builds `demo/<name>` at `version` into `out`; returns the file.
fn build(out: &Path, name: &str, version: &str, epoch: &str) -> std::path::PathBuf {
    let p = Plugin::new(&format!(
        "name: {name}\nnamespace: demo\nversion: \"{version}\"\ndescription: Plugin {name}.\n"
    ));
    let o = run(p.build_cmd(out).arg("-q").env("SOURCE_DATE_EPOCH", epoch));
    assert!(o.status.success(), "{}", stderr(&o));
    out.join(format!("wazo-plugind-{name}-demo_{version}_all.deb"))
}

/// `a` sorts before `b` for dpkg.
fn dpkg_lt(a: &str, b: &str) -> bool {
    run(std::process::Command::new("dpkg").args(["--compare-versions", a, "lt", b]))
        .status
        .success()
}

/// The (Package, Version) pairs of the folder's Packages, in order.
fn listed(dir: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dir.join("Packages")).unwrap();
    text.split("\n\n")
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            let get = |f: &str| {
                s.lines()
                    .find_map(|l| l.strip_prefix(&format!("{f}: ")))
                    .unwrap()
                    .to_string()
            };
            (get("Package"), get("Version"))
        })
        .collect()
}

#[test]
fn keep_lists_the_newest_versions_in_dpkg_order_and_deletes_nothing() {
    let repo = tempfile::tempdir().unwrap();
    let d = repo.path();
    let versions = ["1.9", "1.10", "2.0~rc1", "0.9", "2.0~rc1+b1", "10"];
    for v in versions {
        build(d, "a", v, "1700000000");
    }
    for v in ["3.0", "3.0.1"] {
        build(d, "b", v, "1700000000");
    }
    let before = names(d);
    // The oracle: dpkg's own order.
    let mut sorted = versions.to_vec();
    sorted.sort_by(|a, b| {
        if dpkg_lt(a, b) {
            std::cmp::Ordering::Less
        } else if dpkg_lt(b, a) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    });
    for keep in [1usize, 2, 3, 7] {
        let o = index(d, &["--keep", &keep.to_string()]);
        assert!(o.status.success(), "{}", stderr(&o));
        let mut want: Vec<(String, String)> = sorted
            .iter()
            .rev()
            .take(keep)
            .rev()
            .map(|v| ("wazo-plugind-a-demo".to_string(), v.to_string()))
            .collect();
        for v in ["3.0", "3.0.1"].iter().rev().take(keep).rev() {
            want.push(("wazo-plugind-b-demo".into(), v.to_string()));
        }
        assert_eq!(listed(d), want, "--keep {keep}");
        let left = 8 - want.len();
        if left > 0 {
            let line = stderr(&o).lines().next().unwrap().to_string();
            assert!(
                line.starts_with(&format!(
                    "pluginctl: --keep {keep}: left out {left} older file{} (kept in the folder): ",
                    if left == 1 { "" } else { "s" }
                )),
                "{line}"
            );
        }
        let mut now = names(d);
        now.retain(|n| n.ends_with(".deb"));
        let mut debs = before.clone();
        debs.retain(|n| n.ends_with(".deb"));
        assert_eq!(now, debs, "no file deleted");
    }
    // apt sees exactly the kept versions.
    index_ok(d, &["--keep", "2"]);
    let root = AptRoot::new(d, "trusted=yes");
    let (ok, out) = apt(&root, "apt-get", &["update"]);
    assert!(ok, "{out}");
    let (ok, madison) = apt(&root, "apt-cache", &["madison", "wazo-plugind-a-demo"]);
    assert!(ok, "{madison}");
    let seen: Vec<&str> = madison
        .lines()
        .map(|l| l.split('|').nth(1).unwrap().trim())
        .collect();
    assert_eq!(seen, [sorted[5], sorted[4]], "{madison}");
    let o = index(d, &["--keep", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn two_different_files_of_one_version_are_an_error_naming_both() {
    let repo = tempfile::tempdir().unwrap();
    let d = repo.path();
    let first = build(d, "a", "1.0", "1700000000");
    let elsewhere = tempfile::tempdir().unwrap();
    let rebuilt = build(elsewhere.path(), "a", "1.0", "1700000999");
    let copy = d.join("a-copy_1.0_all.deb");
    std::fs::copy(&first, &copy).unwrap();
    // An identical copy is harmless.
    index_ok(d, &[]);
    let before = std::fs::read(d.join("Packages")).unwrap();
    let second = d.join("a-rebuilt_1.0_all.deb");
    std::fs::copy(&rebuilt, &second).unwrap();
    let names_before = names(d);
    for args in [&[][..], &["--keep", "1"][..]] {
        let o = index(d, args);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert_eq!(
            stderr(&o),
            format!(
                "error: {}: the same package as {} (wazo-plugind-a-demo 1.0, all) with other contents; a server would install whichever apt picked: remove one, or rebuild the newer one with a higher version\n",
                second.display(),
                copy.display()
            )
        );
        assert_eq!(names(d), names_before);
        assert_eq!(std::fs::read(d.join("Packages")).unwrap(), before);
    }
}

#[test]
fn key_rotation_with_a_key_file_holding_both_keys() {
    let gpg = Gpg::new();
    let old = gpg.key("ed25519", "Old <old@acme.example>", "");
    let new = gpg.key("ed25519", "New <new@acme.example>", "");
    let repo = repo_with("hello", "1.0");
    let d = repo.path();
    let both = gpg.home.path().join("both.gpg");
    let mut bytes = std::fs::read(&old.public).unwrap();
    bytes.extend(std::fs::read(&new.public).unwrap());
    std::fs::write(&both, bytes).unwrap();
    let servers = AptRoot::new(d, &format!("signed-by={}", both.display()));
    let late = signed_root(d, &old);
    // Signed by the old key: both kinds of server accept it.
    index_ok(d, &["--sign", old.armored.to_str().unwrap()]);
    for root in [&servers, &late] {
        let (ok, out) = apt(root, "apt-get", &["update"]);
        assert!(ok && !out.contains("W:"), "{out}");
    }
    // Signed by the new key: a server with both keys accepts it; one still holding only
    // the old key refuses it.
    index_ok(d, &["--sign", new.armored.to_str().unwrap()]);
    let (ok, out) = apt(&servers, "apt-get", &["update"]);
    assert!(ok && !out.contains("W:"), "{out}");
    let (_, out) = apt(&late, "apt-get", &["update"]);
    assert!(out.contains("NO_PUBKEY"), "{out}");
    let new_only = signed_root(d, &new);
    let (ok, out) = apt(&new_only, "apt-get", &["update"]);
    assert!(ok && !out.contains("W:"), "{out}");
}
