//! `index` on unusual input: every `.deb` of the folder is published or named, and the
//! environment is judged by the same rules as `build`.

use crate::support::*;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// A folder holding one built package, `wazo-plugind-a-demo_1.0_all.deb`.
fn repo() -> tempfile::TempDir {
    let p = Plugin::new("name: a\nnamespace: demo\nversion: \"1.0\"\ndescription: Plugin a.\n");
    let repo = tempfile::Builder::new().prefix("repo-").tempdir().unwrap();
    let o = run(p.build_cmd(repo.path()).arg("-q"));
    assert!(o.status.success(), "{}", stderr(&o));
    repo
}

/// The names in a folder, sorted, as bytes.
fn names(dir: &Path) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().as_bytes().to_vec())
        .collect();
    v.sort();
    v
}

#[test]
fn a_package_whose_name_is_not_utf8_is_named_in_an_error() {
    let repo = repo();
    let deb = repo.path().join("wazo-plugind-a-demo_1.0_all.deb");
    let odd = repo
        .path()
        .join(std::ffi::OsStr::from_bytes(b"caf\xe9_1.0_all.deb"));
    std::fs::copy(&deb, &odd).unwrap();
    let before = names(repo.path());
    let o = run(pluginctl().arg("index").arg(repo.path()));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}/caf\u{fffd}_1.0_all.deb: a package file name that is not UTF-8 cannot be listed in Packages; rename it\n",
            repo.path().display()
        )
    );
    assert_eq!(names(repo.path()), before, "nothing written");
    // Renamed, it is published with the other one.
    std::fs::rename(&odd, repo.path().join("cafe_1.0_all.deb")).unwrap();
    let o = run(pluginctl().arg("index").arg(repo.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    let packages = std::fs::read_to_string(repo.path().join("Packages")).unwrap();
    assert_eq!(packages.matches("\nFilename: ").count(), 2, "{packages}");
}

#[test]
fn a_hidden_package_is_named_in_a_warning() {
    let repo = repo();
    let deb = repo.path().join("wazo-plugind-a-demo_1.0_all.deb");
    std::fs::copy(&deb, repo.path().join(".old_1.0_all.deb")).unwrap();
    let o = run(pluginctl().arg("index").arg(repo.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    let d = repo.path().display();
    assert_eq!(
        stderr(&o),
        format!(
            "pluginctl: warning: {d}/.old_1.0_all.deb: a hidden file is not published; rename it without the leading dot to publish it\n\
             pluginctl: indexed 1 package in {d}\n"
        )
    );
}

#[test]
fn source_date_epoch_follows_the_rule_of_build() {
    let repo = repo();
    let plugin =
        Plugin::new("name: b\nnamespace: demo\nversion: \"1.0\"\ndescription: Plugin b.\n");
    let before = names(repo.path());
    let out = tempfile::tempdir().unwrap();
    for bad in ["99999999999999", "8589934592", "18446744073709551616"] {
        let want = format!(
            "error: SOURCE_DATE_EPOCH=\"{bad}\": later than 8589934591 (2242-03-16), the latest time the tar headers of a .deb can hold; give a smaller number of seconds since 1970-01-01\n"
        );
        let o = run(pluginctl()
            .arg("index")
            .arg(repo.path())
            .env("SOURCE_DATE_EPOCH", bad));
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
        assert_eq!(stderr(&o), want, "index, {bad}");
        assert_eq!(names(repo.path()), before, "{bad}: nothing written");
        let o = run(plugin.build_cmd(out.path()).env("SOURCE_DATE_EPOCH", bad));
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
        assert_eq!(stderr(&o), want, "build, {bad}");
    }
    for bad in ["-1", "1e9", ""] {
        let o = run(pluginctl()
            .arg("index")
            .arg(repo.path())
            .env("SOURCE_DATE_EPOCH", bad));
        assert_eq!(
            stderr(&o),
            format!("error: SOURCE_DATE_EPOCH={bad:?}: must be a whole number of seconds since 1970-01-01\n")
        );
        assert_eq!(names(repo.path()), before, "{bad}: nothing written");
    }
    // The latest time build accepts is accepted by index too.
    let o = run(pluginctl()
        .arg("index")
        .arg(repo.path())
        .env("SOURCE_DATE_EPOCH", "8589934591"));
    assert!(o.status.success(), "{}", stderr(&o));
    let release = std::fs::read_to_string(repo.path().join("Release")).unwrap();
    assert!(
        release.starts_with("Date: Wed, 16 Mar 2242 12:56:31 UTC\n"),
        "{release}"
    );
}

/// Every file of a folder with its bytes (folders as empty), sorted by name.
fn snapshot(dir: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut v: Vec<(Vec<u8>, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().as_bytes().to_vec(),
                std::fs::read(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_rename_that_fails_midway_puts_every_file_back() {
    let gpg = crate::publish::Gpg::new();
    let key = gpg.key("ed25519", "Publisher <ci@example.org>", "");
    let repo = repo();
    let d = repo.path();
    let sign = |extra: &[&str]| {
        run(pluginctl()
            .arg("index")
            .arg(d)
            .args(extra)
            .env("SOURCE_DATE_EPOCH", "1700000000"))
    };
    let o = sign(&["--sign", key.armored.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A second package, and Release.gpg replaced by a folder: its rename fails after
    // Packages, Packages.gz and Release were renamed.
    let p = Plugin::new("name: b\nnamespace: demo\nversion: \"1.0\"\ndescription: Plugin b.\n");
    assert!(run(p.build_cmd(d).arg("-q")).status.success());
    std::fs::remove_file(d.join("Release.gpg")).unwrap();
    std::fs::create_dir(d.join("Release.gpg")).unwrap();
    std::fs::write(d.join("Release.gpg/x"), "x").unwrap();
    let before = snapshot(d);
    let o = sign(&["--sign", key.armored.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with(&format!(
            "error: {}/Release.gpg: cannot move it into place: ",
            d.display()
        )),
        "{}",
        stderr(&o)
    );
    assert!(snapshot(d) == before, "every file as it was, nothing left");
    // Unsigned: the stale signatures removed first come back too.
    std::fs::remove_dir_all(d.join("Release.gpg")).unwrap();
    let o = sign(&["--sign", key.armored.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::remove_file(d.join("Packages.gz")).unwrap();
    std::fs::create_dir(d.join("Packages.gz")).unwrap();
    std::fs::write(d.join("Packages.gz/x"), "x").unwrap();
    std::fs::remove_file(d.join("wazo-plugind-b-demo_1.0_all.deb")).unwrap();
    let before = snapshot(d);
    let o = sign(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(snapshot(d) == before, "every file as it was, nothing left");
}
