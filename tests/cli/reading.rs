//! Reading packages as dpkg judges them (section 7 of the specification): `dpkg --unpack` in a
//! throwaway root decides every odd package made here, and `inspect`, `index` and `lint`
//! must agree with it; listings are compared with `dpkg-deb --info` and `--contents`.

use crate::support::*;
use serde_json::Value;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A valid control file, fields every package needs.
const BASE: &str =
    "Package: odd\nVersion: 1.0\nArchitecture: all\nMaintainer: T <t@example.org>\nDescription: x\n";

/// Builds `tree` (holding `DEBIAN/control`) with `dpkg-deb --nocheck`, so that even a control
/// file dpkg-deb would refuse ends up in a package.
fn build_nocheck(tree: &Path, deb: &Path) {
    let o = run(Command::new("dpkg-deb")
        .args(["--nocheck", "--root-owner-group", "-Zgzip", "--build"])
        .arg(tree)
        .arg(deb));
    assert!(o.status.success(), "dpkg-deb --build: {}", stderr(&o));
}

/// A package whose control file is `control` (bytes as given).
fn deb_with_control(dir: &Path, name: &str, control: &[u8]) -> PathBuf {
    let tree = dir.join(format!("{name}-tree"));
    write(tree.join("DEBIAN/control"), control);
    write(tree.join("usr/share/odd/file"), "x\n");
    let deb = dir.join(format!("{name}.deb"));
    build_nocheck(&tree, &deb);
    deb
}

/// True when `dpkg --unpack` accepts the package in a throwaway root.
fn dpkg_accepts(deb: &Path) -> bool {
    let root = DpkgRoot::new();
    root.dpkg(&["--unpack", deb.to_str().unwrap()])
        .status
        .success()
}

/// `pluginctl inspect deb`: its output.
fn inspect(deb: &Path) -> std::process::Output {
    run(pluginctl().arg("inspect").arg(deb))
}

/// `pluginctl lint --json deb`, parsed.
fn lint_json(deb: &Path) -> Value {
    let o = run(pluginctl().args(["lint", "--json"]).arg(deb));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)))
}

/// The findings of a lint report: (severity, tag, message).
fn findings(report: &Value) -> Vec<(String, String, String)> {
    report["inputs"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_string(),
                f["tag"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn control_syntax_is_judged_as_dpkg_unpack_judges_it() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("comment-first", format!("# a comment\n{BASE}").into()),
        ("comment-last", format!("{BASE}# a comment\n").into()),
        ("hash-field", format!("{BASE}#X: y\n").into()),
        ("no-colon", format!("{BASE}nothing here\n").into()),
        ("crlf", BASE.replace('\n', "\r\n").into()),
        ("second-paragraph", format!("{BASE}\nX-A: b\n").into()),
        (
            "duplicate-any-case",
            format!("{BASE}package: other\n").into(),
        ),
        ("control-character", format!("{BASE}X-A: a\x01b\n").into()),
        ("continuation-first", format!(" x\n{BASE}").into()),
        (
            "latin1-value",
            [BASE.as_bytes(), b"X-L: caf\xe9\n"].concat(),
        ),
        ("latin1-name", [BASE.as_bytes(), b"X-\xe9: y\n"].concat()),
        ("leading-empty-lines", format!("\n\n{BASE}").into()),
        ("hyphen-name", format!("{BASE}-X: y\n").into()),
        ("space-in-name", format!("{BASE}X Y: y\n").into()),
        ("space-before-colon", format!("{BASE}X-A : y\n").into()),
        ("empty-value-last", format!("{BASE}X-E:\n").into()),
        ("empty-value-inside", format!("X-E:\n{BASE}").into()),
        ("trailing-empty-lines", format!("{BASE}\n\n").into()),
        ("no-final-newline", BASE.trim_end().into()),
        ("blank-continuation", format!("{BASE} \n").into()),
        ("tab-continuation", format!("{BASE}\tmore\n").into()),
        ("colon-first", format!("{BASE}:x\n").into()),
        ("blanks-line-first", format!("  \n{BASE}").into()),
    ];
    let mut disagreements = Vec::new();
    for (name, control) in &cases {
        let deb = deb_with_control(tmp.path(), name, control);
        let dpkg = dpkg_accepts(&deb);
        let inspected = inspect(&deb);
        let (indexed, _) = index_alone(&deb);
        let refused_by_lint = findings(&lint_json(&deb)).iter().any(|(s, t, m)| {
            s == "E" && t == "control-syntax" && m.ends_with("refuses the package")
        });
        let verdicts = (
            inspected.status.success(),
            indexed.status.success(),
            !refused_by_lint,
        );
        if verdicts != (dpkg, dpkg, dpkg) {
            disagreements.push(format!(
                "{name}: dpkg {dpkg}, inspect/index/lint {verdicts:?}: {}",
                stderr(&inspected)
            ));
        }
        if !dpkg {
            // A refusal is one line naming the member and the line, never "damaged".
            let err = stderr(&inspected);
            assert!(
                err.starts_with(&format!(
                    "error: {}: control.tar.gz: control, line ",
                    deb.display()
                )) && err.ends_with("; dpkg --unpack refuses such a package\n")
                    && err.lines().count() == 1,
                "{name}: {err}"
            );
            let tail = &err[err.find(": control.tar.gz").unwrap()..];
            assert!(
                stderr(&indexed).ends_with(tail),
                "{name}: {}",
                stderr(&indexed)
            );
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

#[test]
fn a_control_line_starting_with_hash_is_refused_by_inspect_index_and_lint_alike() {
    let tmp = tempfile::tempdir().unwrap();
    let deb = deb_with_control(tmp.path(), "hash", format!("{BASE}# note\n").as_bytes());
    assert!(!dpkg_accepts(&deb));
    let want = format!(
        "error: {}: control.tar.gz: control, line 6: a line starting with #: a control file has \
         no comments (remove the line); dpkg --unpack refuses such a package\n",
        deb.display()
    );
    let o = inspect(&deb);
    assert_eq!((o.status.code(), stderr(&o)), (Some(1), want.clone()));
    assert!(o.stdout.is_empty());
    let (o, packages) = index_alone(&deb);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).ends_with(&want[want.find(": control.tar.gz").unwrap()..]));
    assert!(packages.is_empty(), "nothing is published");
    let report = lint_json(&deb);
    let syntax: Vec<_> = findings(&report)
        .into_iter()
        .filter(|(_, t, _)| t == "control-syntax")
        .collect();
    assert_eq!(
        syntax,
        [(
            "E".to_string(),
            "control-syntax".to_string(),
            "a line starting with #: a control file has no comments (remove the line); dpkg \
             --unpack refuses the package"
                .to_string()
        )]
    );
}

#[test]
fn a_file_dated_before_1970_is_read_as_dpkg_reads_it() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write(tree.join("DEBIAN/control"), BASE);
    write(tree.join("usr/share/odd/old"), "old\n");
    let o = run(Command::new("touch")
        .args(["-d", "1960-01-01 00:00 UTC"])
        .arg(tree.join("usr/share/odd/old")));
    assert!(o.status.success());
    let deb = tmp.path().join("old.deb");
    build_nocheck(&tree, &deb);
    assert!(dpkg_accepts(&deb));
    let o = inspect(&deb);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains(" 1960-01-01 00:00 ./usr/share/odd/old\n"),
        "{text}"
    );
    let json: Value =
        serde_json::from_slice(&run(pluginctl().args(["inspect", "--json"]).arg(&deb)).stdout)
            .unwrap();
    let old = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "./usr/share/odd/old")
        .unwrap();
    assert_eq!(old["mtime"], -315_619_200);
    let tags: Vec<String> = findings(&lint_json(&deb))
        .into_iter()
        .map(|(s, t, _)| format!("{s}:{t}"))
        .collect();
    assert!(
        !tags.iter().any(|t| t.contains("corrupt-member")),
        "{tags:?}"
    );
    assert!(
        tags.contains(&"W:ancient-timestamp".to_string()),
        "{tags:?}"
    );
}

#[test]
fn latin1_bytes_are_shown_published_and_reported_as_not_utf8() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write(
        tree.join("DEBIAN/control"),
        [BASE.as_bytes(), b"X-Town: Orl\xe9ans\n"].concat(),
    );
    write(
        tree.join("DEBIAN/postinst"),
        b"#!/bin/sh\n# caf\xe9\nexit 0\n",
    );
    chmod(tree.join("DEBIAN/postinst"), 0o755);
    write(tree.join("usr/share/odd/file"), "x\n");
    let deb = tmp.path().join("latin1.deb");
    build_nocheck(&tree, &deb);
    assert!(dpkg_accepts(&deb));
    let o = inspect(&deb);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(" X-Town: Orl\u{fffd}ans\n"),
        "{}",
        stdout(&o)
    );
    let (o, packages) = index_alone(&deb);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        packages.windows(13).any(|w| w == b"X-Town: Orl\xe9a"),
        "Packages keeps the byte as the package holds it"
    );
    let mut found: Vec<(String, String, String)> = findings(&lint_json(&deb))
        .into_iter()
        .filter(|(_, t, _)| t == "non-utf8-text")
        .collect();
    found.sort();
    let want = "byte 0xe9 at column {} is not UTF-8 (Latin-1 or another legacy encoding?); \
                Debian policy 5.1 wants control files in UTF-8";
    assert_eq!(
        found,
        [
            ("W".into(), "non-utf8-text".into(), want.replace("{}", "12")),
            ("W".into(), "non-utf8-text".into(), want.replace("{}", "6")),
        ]
    );
}

#[test]
fn a_control_file_past_the_limit_is_named_as_pluginctls_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let mut control = BASE.to_string();
    // Exactly 10 MiB: lines of 1 KiB, then one line for the rest.
    let left = (10 << 20) - control.len();
    control.push_str(&format!(" {}\n", "x".repeat(1022)).repeat(left / 1024));
    control.push_str(&format!(" {}\n", "x".repeat(left % 1024 - 2)));
    let deb = deb_with_control(tmp.path(), "big", control.as_bytes());
    let o = inspect(&deb);
    assert_eq!(
        (o.status.code(), stderr(&o)),
        (
            Some(1),
            format!(
                "error: {}: control.tar.gz: the control file \"control\" of 10 MiB exceeds \
                 pluginctl's 4 MiB limit\n",
                deb.display()
            )
        )
    );
    let (o, _) = index_alone(&deb);
    assert!(stderr(&o).ends_with(": control.tar.gz: the control file \"control\" of 10 MiB exceeds pluginctl's 4 MiB limit\n"), "{}", stderr(&o));
    let found = findings(&lint_json(&deb));
    assert!(
        found.contains(&(
            "E".into(),
            "past-limit".into(),
            "the control file \"control\" of 10 MiB exceeds pluginctl's 4 MiB limit; it was \
             not checked"
                .into()
        )),
        "{found:?}"
    );
    assert!(
        !found.iter().any(
            |(_, t, _)| ["control-missing", "corrupt-member", "md5sums-missing"]
                .contains(&t.as_str())
        ),
        "{found:?}"
    );
}

/// A package made by hand with `tar` and `ar`, its data member holding `files` (relative
/// paths under a temp folder, created empty).
fn handmade(dir: &Path, name: &str, files: &[&[u8]]) -> PathBuf {
    let work = dir.join(format!("{name}-work"));
    let data = work.join("data");
    std::fs::create_dir_all(data.join("usr")).unwrap();
    for f in files {
        let path = data.join(std::ffi::OsStr::from_bytes(f));
        std::fs::write(path, "x\n").unwrap();
    }
    write(work.join("control"), BASE);
    write(work.join("debian-binary"), "2.0\n");
    let tar = |args: &[&str]| {
        let o = run(Command::new("tar")
            .args(["--owner=0", "--group=0", "--format=gnu", "-czf"])
            .args(args));
        assert!(o.status.success(), "{}", stderr(&o));
    };
    tar(&[
        work.join("control.tar.gz").to_str().unwrap(),
        "-C",
        work.to_str().unwrap(),
        "./control",
    ]);
    tar(&[
        work.join("data.tar.gz").to_str().unwrap(),
        "-C",
        data.to_str().unwrap(),
        ".",
    ]);
    let deb = dir.join(format!("{name}.deb"));
    ar_pack(
        &work,
        &deb,
        &["debian-binary", "control.tar.gz", "data.tar.gz"],
    );
    deb
}

/// Writes the files `members` of `work` into the ar archive `deb`, in this order (`ar q`
/// appends, so a name may come twice).
fn ar_pack(work: &Path, deb: &Path, members: &[&str]) {
    let o = run(Command::new("ar")
        .current_dir(work)
        .arg("q")
        .arg(deb)
        .args(members));
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_path_with_a_newline_is_refused_and_named_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let deb = handmade(tmp.path(), "newline", &[b"usr/a\nb"]);
    assert!(!dpkg_accepts(&deb));
    let want = format!(
        "error: {}: data.tar.gz: ./usr/a\\nb: a path holding a newline, which dpkg --unpack \
         refuses; dpkg --unpack refuses such a package\n",
        deb.display()
    );
    let o = inspect(&deb);
    assert_eq!((o.status.code(), stderr(&o)), (Some(1), want.clone()));
    let (o, _) = index_alone(&deb);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).ends_with(&want[want.find(": data.tar.gz").unwrap()..]));
    let report = lint_json(&deb);
    let newline: Vec<_> = findings(&report)
        .into_iter()
        .filter(|(_, t, _)| t == "newline-in-path")
        .collect();
    assert_eq!(newline.len(), 1, "{report:#}");
    assert_eq!(newline[0].0, "E");
    assert!(newline[0].2.contains("./usr/a\\nb"), "{newline:?}");
    // The text report: no line split by the name.
    let o = run(pluginctl().arg("lint").arg(&deb));
    let text = stdout(&o);
    assert!(
        text.lines().all(|l| ["E: ", "W: ", "I: "]
            .iter()
            .any(|p| l.starts_with(&format!("{p}{}", deb.display())))
            || l.contains(" checked: ")),
        "{text}"
    );
}

#[test]
fn index_reads_each_package_once() {
    let tmp = tempfile::tempdir().unwrap();
    let deb = deb_with_control(tmp.path(), "once", BASE.as_bytes());
    let dir = tmp.path().join("repo");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(&deb, dir.join("once.deb")).unwrap();
    let log = tmp.path().join("strace.log");
    let o = run(Command::new("strace")
        .args(["-f", "-e", "trace=open,openat", "-o"])
        .arg(&log)
        .arg(bin())
        .arg("index")
        .arg(&dir)
        .env_remove("SOURCE_DATE_EPOCH"));
    assert!(o.status.success(), "{}", stderr(&o));
    let trace = std::fs::read_to_string(&log).unwrap();
    let opens = trace
        .lines()
        .filter(|l| l.contains("once.deb\"") && !l.contains("ENOENT"))
        .count();
    assert_eq!(opens, 1, "{trace}");
}

/// Lines of `text` between the line `start` and the next empty line, blanks collapsed.
fn section(text: &str, start: &str) -> Vec<String> {
    text.split_once(start)
        .unwrap_or_else(|| panic!("no {start:?} in {text}"))
        .1
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn listings_follow_dpkg_deb_info_and_contents() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write(tree.join("DEBIAN/control"), BASE);
    let scripts: [(&str, &[u8]); 5] = [
        ("postinst", b"#!/bin/sh -e\nexit 0\n"),
        ("prerm", b"\n#!/bin/sh\nexit 0\n"),
        ("postrm", b"#\nexit 0\n"),
        ("config", b"#!  /bin/bash\t-x\necho\n"),
        ("preinst", b"#!/bin/sh"),
    ];
    for (name, text) in scripts {
        write(tree.join("DEBIAN").join(name), text);
        chmod(tree.join("DEBIAN").join(name), 0o755);
    }
    write(tree.join("DEBIAN/templates"), "\n\nTemplate: x\n");
    let odd: [&[u8]; 7] = [
        b"back\\slash",
        b"tab\there",
        b"ctl\x01x",
        b"lat\xe9",
        "caf\u{e9}".as_bytes(),
        b"sp ace",
        b"del\x7f",
    ];
    let dir = tree.join("usr/share/odd");
    std::fs::create_dir_all(&dir).unwrap();
    for name in odd {
        std::fs::write(dir.join(std::ffi::OsStr::from_bytes(name)), "x\n").unwrap();
    }
    std::os::unix::fs::symlink("tab\there", dir.join("link")).unwrap();
    let device = Command::new("mknod")
        .arg(dir.join("null"))
        .args(["c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    if !device {
        println!("note: mknod failed (not root?): the device listing is not compared");
    }
    let deb = tmp.path().join("listing.deb");
    build_nocheck(&tree, &deb);
    let text = stdout(&inspect(&deb));

    let info = run(Command::new("dpkg-deb").arg("--info").arg(&deb));
    assert!(info.status.success(), "{}", stderr(&info));
    let theirs: Vec<String> = stdout(&info)
        .lines()
        .filter(|l| l.contains(" bytes, ") && l.contains(" lines "))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(section(&text, "\ncontrol archive:"), theirs);

    let contents = run(Command::new("dpkg-deb")
        .arg("--contents")
        .arg(&deb)
        .env("TZ", "UTC")
        .env("LC_ALL", "C.UTF-8"));
    assert!(contents.status.success(), "{}", stderr(&contents));
    let theirs: Vec<String> = stdout(&contents)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let ours = section(&text, "\nfiles (");
    assert_eq!(ours, theirs);
    assert!(
        !device || ours.iter().any(|l| l.contains(" 1,3 ")),
        "{ours:?}"
    );

    // JSON: a name that is not UTF-8 keeps its bytes; owners are numeric too.
    let o = run(pluginctl().args(["inspect", "--json"]).arg(&deb));
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    let latin1 = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path_bytes"].is_array())
        .expect("a path_bytes array");
    let bytes: Vec<u8> = latin1["path_bytes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap() as u8)
        .collect();
    assert_eq!(bytes, b"./usr/share/odd/lat\xe9");
    assert_eq!(latin1["path"], "./usr/share/odd/lat\u{fffd}");
    assert_eq!(
        (latin1["uid"].clone(), latin1["gid"].clone()),
        (0.into(), 0.into())
    );
    assert_eq!(json["scripts"].as_array().unwrap().len(), 5);
    let postinst = json["scripts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "postinst")
        .unwrap();
    assert_eq!(postinst["interpreter"], "/bin/sh");
}

#[test]
fn the_format_version_is_read_as_dpkg_reads_it() {
    let tmp = tempfile::tempdir().unwrap();
    handmade(tmp.path(), "fmt", &[]);
    let work = tmp.path().join("fmt-work");
    let variants: [&[u8]; 16] = [
        b"2.0\n",
        b"2.1\n",
        b"02.0\n",
        b"2.00009\n",
        b"2.0\nmore lines\n",
        b"2.2147483647\n",
        b"2.0",
        b"2.0\0\n",
        b"2.x\n",
        b"2.\n",
        b" 2.0\n",
        b"2.0 \n",
        b"2.0\r\n",
        b"2.0.1\n",
        b"3.0\n",
        b"2.2147483648\n",
    ];
    for (i, bytes) in variants.iter().enumerate() {
        std::fs::write(work.join("debian-binary"), bytes).unwrap();
        let deb = tmp.path().join(format!("fmt-{i}.deb"));
        ar_pack(
            &work,
            &deb,
            &["debian-binary", "control.tar.gz", "data.tar.gz"],
        );
        let dpkg = dpkg_accepts(&deb);
        let shown = String::from_utf8_lossy(bytes);
        let o = inspect(&deb);
        assert_eq!(
            o.status.success(),
            dpkg,
            "inspect of {shown:?}: {}",
            stderr(&o)
        );
        if !dpkg {
            assert!(
                stderr(&o).contains(": debian-binary: ")
                    && stderr(&o).ends_with("; dpkg --unpack refuses such a package\n"),
                "{shown:?}: {}",
                stderr(&o)
            );
        }
        let flagged = findings(&lint_json(&deb))
            .iter()
            .any(|(_, tag, _)| tag == "bad-debian-binary");
        assert_eq!(flagged, !dpkg, "lint of {shown:?}");
    }
}

#[test]
fn the_member_layout_is_judged_as_dpkg_judges_it() {
    let tmp = tempfile::tempdir().unwrap();
    handmade(tmp.path(), "layout", &[]);
    let work = tmp.path().join("layout-work");
    std::fs::write(work.join("_extra"), "local addition\n").unwrap();
    std::fs::write(work.join("README"), "hello\n").unwrap();
    std::fs::copy(work.join("control.tar.gz"), work.join("control.tar.bz2")).unwrap();
    let (b, c, d) = ("debian-binary", "control.tar.gz", "data.tar.gz");
    let layouts: [&[&str]; 12] = [
        &[b, c, d],
        &[b, "_extra", c, d],
        &[b, c, "_extra", d],
        &[b, c, d, "README"],
        &[b, "README", c, d],
        &[b, c, "README", d],
        &[b, d, c],
        &["_extra", b, c, d],
        &[b, c, c, d],
        &[b, c],
        &[b, "control.tar.bz2", d],
        &[c, d],
    ];
    for (i, members) in layouts.iter().enumerate() {
        let deb = tmp.path().join(format!("layout-{i}.deb"));
        ar_pack(&work, &deb, members);
        let dpkg = dpkg_accepts(&deb);
        let o = inspect(&deb);
        assert_eq!(
            o.status.success(),
            dpkg,
            "inspect of {members:?}: {}",
            stderr(&o)
        );
        let report = lint_json(&deb);
        let errors: Vec<_> = findings(&report)
            .into_iter()
            .filter(|(level, tag, _)| {
                level == "E" && ["ar-member-order", "unknown-ar-member"].contains(&tag.as_str())
            })
            .collect();
        assert_eq!(errors.is_empty(), dpkg, "lint of {members:?}: {errors:?}");
        assert!(errors.len() <= 1, "one finding for the layout: {errors:?}");
    }
}
