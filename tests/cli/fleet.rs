//! Publishing for a fleet: the naming fields of `Release` (`--origin`, `--label`, `--suite`,
//! `--codename`) as real apt reads, pins and remembers them.

use crate::publish::{names, repo_with, Gpg, Key};
use crate::support::*;
use std::path::Path;
use std::process::Output;

fn index(dir: &Path, args: &[&str]) -> Output {
    run(pluginctl()
        .arg("index")
        .arg(dir)
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1700000000"))
}

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
        "Package: *\nPin: release o=Acme\nPin-Priority: 990\n",
    )
    .unwrap();
    let (ok, policy) = apt(&root, "apt-cache", &["policy", "wazo-plugind-hello-demo"]);
    assert!(ok, "{policy}");
    assert!(
        policy.contains(" 990 file:") || policy.contains("\n        990 "),
        "{policy}"
    );
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
    // A Release index cannot read is not replaced silently: its fields would be lost.
    std::fs::write(d.join("Release"), "Origin: Acme\n broken\n:\n").unwrap();
    let o = index(d, &[]);
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
