//! `pluginctl inspect`: agrees with `dpkg-deb --info` / `--field` / `--contents`, for
//! packages built by pluginctl and by dpkg-deb itself, in every compression; its JSON
//! document has the documented shape; a damaged package is a one-line error, never a panic.

use crate::support::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

const COMPRESSIONS: [&str; 4] = ["xz", "gzip", "zstd", "none"];

/// `pluginctl inspect --json`, parsed.
fn inspect_json(deb: &Path) -> Value {
    let o = run(pluginctl().arg("inspect").arg("--json").arg(deb));
    assert!(o.status.success(), "inspect failed: {}", stderr(&o));
    assert!(o.stderr.is_empty(), "inspect spoke: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("inspect --json prints one JSON document")
}

/// `pluginctl inspect` (text).
fn inspect_text(deb: &Path) -> String {
    let o = run(pluginctl().arg("inspect").arg(deb));
    assert!(o.status.success(), "inspect failed: {}", stderr(&o));
    stdout(&o)
}

/// The fields of `dpkg-deb --field`, continuation lines joined with `\n`.
fn dpkg_fields(deb: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut last = String::new();
    for line in dpkg_deb(deb, &["--field"]).lines() {
        if line.starts_with(' ') {
            let v: &mut String = out.get_mut(&last).unwrap();
            v.push('\n');
            v.push_str(line);
        } else {
            let (k, v) = line.split_once(':').unwrap();
            last = k.to_string();
            out.insert(k.to_string(), v.trim().to_string());
        }
    }
    out
}

/// `(name, size, lines, executable, interpreter)` of a control file.
type InfoRow = (String, u64, u64, bool, String);

/// The package size, control member size and control files of `dpkg-deb --info`.
fn dpkg_info_table(deb: &Path) -> (u64, u64, Vec<InfoRow>) {
    let info = dpkg_deb(deb, &["--info"]);
    let mut total = 0;
    let mut control = 0;
    let mut rows = Vec::new();
    for line in info.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(rest) = line.trim().strip_prefix("size ") {
            // "size 2880 bytes: control archive=1100 bytes."
            total = rest.split(' ').next().unwrap().parse().unwrap();
            control = rest
                .split("archive=")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .parse()
                .unwrap();
        } else if words.len() >= 5 && words[1] == "bytes," && words[3] == "lines" {
            let exec = words[4] == "*";
            let name_at = if exec { 5 } else { 4 };
            rows.push((
                words[name_at].to_string(),
                words[0].parse().unwrap(),
                words[2].parse().unwrap(),
                exec,
                words[name_at + 1..].join(" "),
            ));
        }
    }
    (total, control, rows)
}

/// `(type char, permission bits)` of an `ls -l` mode string.
fn mode_bits(s: &str) -> (char, u32) {
    let c: Vec<char> = s.chars().collect();
    let mut bits = 0;
    for (i, &ch) in c[1..10].iter().enumerate() {
        let bit = 1 << (8 - i);
        if !matches!(ch, '-' | 'S' | 'T') {
            bits |= bit;
        }
    }
    if matches!(c[3], 's' | 'S') {
        bits |= 0o4000;
    }
    if matches!(c[6], 's' | 'S') {
        bits |= 0o2000;
    }
    if matches!(c[9], 't' | 'T') {
        bits |= 0o1000;
    }
    (c[0], bits)
}

/// Asserts that inspect's JSON and text agree with dpkg-deb on every field, control file and
/// data entry; returns the JSON.
fn assert_agrees_with_dpkg_deb(deb: &Path, compression: &str) -> Value {
    let json = inspect_json(deb);
    let size = std::fs::metadata(deb).unwrap().len();
    assert_eq!(json["path"], deb.display().to_string());
    assert_eq!(json["size"], size);
    assert_eq!(json["format"], "2.0");
    assert_eq!(json["data_compression"], compression);
    assert_eq!(json["control_compression"], compression);

    // Control fields, as dpkg-deb --field reads them.
    let fields: BTreeMap<String, String> = json["control"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    assert_eq!(fields, dpkg_fields(deb));

    // Members and control files, as dpkg-deb --info lists them.
    let (total, control_size, rows) = dpkg_info_table(deb);
    assert_eq!(total, size);
    let members = json["members"].as_array().unwrap();
    let ext = match compression {
        "xz" => ".xz",
        "gzip" => ".gz",
        "zstd" => ".zst",
        _ => "",
    };
    let names: Vec<&str> = members
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "debian-binary".to_string(),
            format!("control.tar{ext}"),
            format!("data.tar{ext}")
        ]
    );
    assert_eq!(members[1]["size"], control_size);
    let ours: Vec<InfoRow> = json["control_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = f["name"].as_str().unwrap().to_string();
            let mode = u32::from_str_radix(f["mode"].as_str().unwrap(), 8).unwrap();
            let interp = json["scripts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["name"] == name.as_str())
                .and_then(|s| s["interpreter"].as_str())
                .map(|i| format!("#!{i}"))
                .unwrap_or_default();
            (
                name,
                f["size"].as_u64().unwrap(),
                f["lines"].as_u64().unwrap(),
                mode & 0o111 != 0,
                interp,
            )
        })
        .collect();
    assert_eq!(ours, rows);
    for s in json["scripts"].as_array().unwrap() {
        let text = s["text"].as_str().unwrap();
        assert_eq!(text.len() as u64, s["size"].as_u64().unwrap());
    }

    // Data entries, as dpkg-deb --contents lists them (TZ=UTC, as inspect prints dates).
    let mut cmd = Command::new("dpkg-deb");
    cmd.arg("--contents").arg(deb).env("TZ", "UTC");
    let o = run(&mut cmd);
    assert!(o.status.success() && o.stderr.is_empty(), "{}", stderr(&o));
    let listing = stdout(&o);
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), listing.lines().count());
    for (f, line) in files.iter().zip(listing.lines()) {
        let w: Vec<&str> = line.split_whitespace().collect();
        let (kind, bits) = mode_bits(w[0]);
        let expected_kind = match kind {
            'd' => "dir",
            'l' => "symlink",
            'h' => "hardlink",
            _ if line.contains(" link to ") => "hardlink",
            _ => "file",
        };
        assert_eq!(f["type"], expected_kind, "{line}");
        assert_eq!(
            u32::from_str_radix(f["mode"].as_str().unwrap(), 8).unwrap(),
            bits,
            "{line}"
        );
        assert_eq!(
            format!(
                "{}/{}",
                f["owner"].as_str().unwrap(),
                f["group"].as_str().unwrap()
            ),
            w[1]
        );
        assert_eq!(f["uid"], 0);
        assert_eq!(f["gid"], 0);
        assert_eq!(f["size"].to_string(), w[2], "{line}");
        assert_eq!(f["path"], w[5], "{line}");
        match expected_kind {
            "symlink" => assert_eq!(f["link"], w[7..].join(" "), "{line}"),
            "hardlink" => assert_eq!(f["link"], w[8..].join(" "), "{line}"),
            _ => assert!(f["link"].is_null(), "{line}"),
        }
    }
    // The text form lists the files exactly as dpkg-deb does, up to column widths.
    let text = inspect_text(deb);
    let text_files: Vec<String> = text
        .split_once("\nfiles (")
        .unwrap()
        .1
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let dpkg_files: Vec<String> = listing
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(text_files, dpkg_files);
    assert!(text.contains(&format!("\ncontrol:\n Package: {}\n", fields["Package"])));
    json
}

/// A plugin shipping a file, a symlink, a hard link and an executable.
fn rich_plugin() -> Plugin {
    let p = Plugin::new(
        "name: rich\nnamespace: demo\nversion: \"2:1.4-3\"\nplugin_format_version: 2\ndepends:\n  - name: base\n    namespace: demo\n  - name: extra\n    namespace: other\ndescription: A plugin with every kind of entry.\n",
    );
    p.rules(&marker_rules(
        r#"        mkdir -p "$pkgdir/etc/rich" "$pkgdir/usr/bin"
        echo 'key = value' > "$pkgdir/etc/rich/rich.conf"
        printf '#!/bin/sh\necho rich\n' > "$pkgdir/usr/bin/rich"
        chmod 0755 "$pkgdir/usr/bin/rich"
        ln -s rich "$pkgdir/usr/bin/rich-link"
        ln "$pkgdir/etc/rich/rich.conf" "$pkgdir/etc/rich/hard.conf""#,
    ));
    p
}

#[test]
fn agrees_with_dpkg_deb_on_packages_pluginctl_builds() {
    let plugin = rich_plugin();
    for compression in COMPRESSIONS {
        let built = plugin.build_with(|c| {
            c.args(["-Z", compression])
                .env("SOURCE_DATE_EPOCH", "1700000000");
        });
        let json = assert_agrees_with_dpkg_deb(&built.deb, compression);
        let plugin_json = &json["plugin"];
        assert_eq!(
            plugin_json["path"],
            "./usr/lib/wazo-plugind/plugins/demo/rich/wazo/plugin.yml"
        );
        assert_eq!(plugin_json["valid"], true);
        assert_eq!(plugin_json["errors"], serde_json::json!([]));
        assert_eq!(plugin_json["name"], "rich");
        assert_eq!(plugin_json["namespace"], "demo");
        assert_eq!(plugin_json["version"], "2:1.4-3");
        assert_eq!(plugin_json["format"], 2);
        assert_eq!(
            plugin_json["depends"],
            serde_json::json!([
                {"name": "base", "namespace": "demo", "package": "wazo-plugind-base-demo"},
                {"name": "extra", "namespace": "other", "package": "wazo-plugind-extra-other"}
            ])
        );
        let scripts: Vec<&str> = json["scripts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(scripts, ["postinst", "prerm", "postrm"]);
        assert_eq!(
            json["scripts"][0]["text"].as_str().unwrap(),
            built.ctrl_file("postinst")
        );
        let file = |path: &str| {
            json["files"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["path"] == path)
                .unwrap_or_else(|| panic!("{path} not listed"))
                .clone()
        };
        assert_eq!(file("./usr/bin/rich")["mode"], "0755");
        assert_eq!(file("./usr/bin/rich-link")["link"], "rich");
        assert_eq!(file("./etc/rich/rich.conf")["mtime"], 1_700_000_000);
        let text = inspect_text(&built.deb);
        assert!(
            text.contains("\nplugin: usr/lib/wazo-plugind/plugins/demo/rich/wazo/plugin.yml\n name: rich\n namespace: demo\n version: 2:1.4-3\n format: 2\n depends: demo/base, other/extra\n"),
            "{text}"
        );
    }
}

/// A tree for `dpkg-deb --build`: control, a script, files of every kind, a long path.
fn dpkg_deb_tree(dir: &Path) {
    write(
        dir.join("DEBIAN/control"),
        "Package: handmade\nVersion: 1.0-1\nArchitecture: all\nMaintainer: Test <test@example.org>\nDescription: made by dpkg-deb\n several lines\n .\n of description\n",
    );
    write(dir.join("DEBIAN/postinst"), "#!/bin/bash\nset -e\nexit 0\n");
    chmod(dir.join("DEBIAN/postinst"), 0o755);
    write(dir.join("usr/share/handmade/data.txt"), "hello\n");
    write(dir.join("usr/share/handmade/secret"), "s\n");
    chmod(dir.join("usr/share/handmade/secret"), 0o600);
    let long = format!(
        "usr/share/handmade/{}/{}.txt",
        "d".repeat(90),
        "f".repeat(80)
    );
    write(dir.join(long), "long\n");
    symlink("data.txt", dir.join("usr/share/handmade/link")).unwrap();
    std::fs::hard_link(
        dir.join("usr/share/handmade/data.txt"),
        dir.join("usr/share/handmade/hard"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("var/spool/handmade")).unwrap();
    chmod(dir.join("var/spool/handmade"), 0o1777);
}

#[test]
fn agrees_with_dpkg_deb_on_packages_dpkg_deb_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    dpkg_deb_tree(&tree);
    for compression in COMPRESSIONS {
        let deb = tmp.path().join(format!("handmade-{compression}.deb"));
        let o = run(Command::new("dpkg-deb")
            .args(["--root-owner-group", &format!("-Z{compression}"), "--build"])
            .arg(&tree)
            .arg(&deb));
        assert!(o.status.success(), "{}", stderr(&o));
        let json = assert_agrees_with_dpkg_deb(&deb, compression);
        assert!(json["plugin"].is_null());
        assert_eq!(json["control"]["Version"], "1.0-1");
        assert_eq!(
            json["control"]["Description"],
            "made by dpkg-deb\n several lines\n .\n of description"
        );
        assert_eq!(json["scripts"][0]["interpreter"], "/bin/bash");
        let text = inspect_text(&deb);
        assert!(
            text.contains("\nplugin: none (no usr/lib/wazo-plugind/plugins/<namespace>/<name>/wazo/plugin.yml)\n"),
            "{text}"
        );
    }
}

#[test]
fn reports_an_invalid_shipped_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    write(
        tree.join("DEBIAN/control"),
        "Package: wazo-plugind-bad-demo\nVersion: 1.0\nArchitecture: all\nMaintainer: T <t@example.org>\nDescription: x\n",
    );
    write(
        tree.join("usr/lib/wazo-plugind/plugins/demo/bad/wazo/plugin.yml"),
        "name: bad\nnamespace: de-mo\nversion: 1.0\n",
    );
    let deb = tmp.path().join("bad.deb");
    let o = run(Command::new("dpkg-deb")
        .args(["--root-owner-group", "--build"])
        .arg(&tree)
        .arg(&deb));
    assert!(o.status.success(), "{}", stderr(&o));
    let json = inspect_json(&deb);
    assert_eq!(json["plugin"]["valid"], false);
    assert!(json["plugin"]["name"].is_null());
    assert_eq!(
        json["plugin"]["errors"],
        serde_json::json!([
            "usr/lib/wazo-plugind/plugins/demo/bad/wazo/plugin.yml:2:12: namespace \"de-mo\": only a-z and 0-9 are allowed (no dash)"
        ])
    );
}

/// Runs inspect on a damaged file: never a panic; a failure is one line naming the file.
fn inspect_damaged(deb: &Path) -> Option<String> {
    let o = run(pluginctl().arg("inspect").arg("--json").arg(deb));
    let err = stderr(&o);
    assert!(
        !err.contains("panicked"),
        "panic on {}: {err}",
        deb.display()
    );
    match o.status.code() {
        Some(0) => None,
        Some(1) => {
            assert!(o.stdout.is_empty(), "a failure printed a document");
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(
                err.starts_with(&format!("error: {}: ", deb.display())),
                "{err}"
            );
            Some(err)
        }
        other => panic!("exit status {other:?}: {err}"),
    }
}

#[test]
fn damaged_packages_are_one_line_errors() {
    let plugin = rich_plugin();
    let tmp = tempfile::tempdir().unwrap();
    for compression in COMPRESSIONS {
        let built = plugin.build_with(|c| {
            c.args(["-Z", compression]);
        });
        let bytes = std::fs::read(&built.deb).unwrap();
        let damaged: PathBuf = tmp.path().join(format!("damaged-{compression}.deb"));
        // Every truncation fails cleanly (a missing final pad byte is tolerated, as dpkg does).
        let mut failures = 0;
        let step = (bytes.len() / 97).max(1);
        for cut in (0..bytes.len()).step_by(step).chain([bytes.len() - 1]) {
            std::fs::write(&damaged, &bytes[..cut]).unwrap();
            if inspect_damaged(&damaged).is_some() {
                failures += 1;
            } else {
                assert!(cut + 1 == bytes.len(), "truncated at {cut} was accepted");
            }
        }
        assert!(failures >= 90, "{failures}");
        // Flipped bytes: never a panic; compressed members detect damage.
        let mut detected = 0;
        for at in (8..bytes.len()).step_by(step) {
            let mut copy = bytes.clone();
            copy[at] ^= 0x55;
            std::fs::write(&damaged, &copy).unwrap();
            if inspect_damaged(&damaged).is_some() {
                detected += 1;
            }
        }
        assert!(detected > 0, "{compression}: no flipped byte was detected");
    }
    let not_deb = tmp.path().join("notes.deb");
    std::fs::write(&not_deb, "just text\n").unwrap();
    assert_eq!(
        inspect_damaged(&not_deb).unwrap(),
        format!(
            "error: {}: not a .deb: the file does not start with the ar magic \"!<arch>\\n\"\n",
            not_deb.display()
        )
    );
    let missing = tmp.path().join("missing.deb");
    assert_eq!(
        inspect_damaged(&missing).unwrap(),
        format!(
            "error: {}: cannot open: no such file or directory\n",
            missing.display()
        )
    );
}

#[test]
fn a_truncated_data_member_names_the_member() {
    let built = rich_plugin().build();
    let bytes = std::fs::read(&built.deb).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let cut = tmp.path().join("cut.deb");
    std::fs::write(&cut, &bytes[..bytes.len() - 40]).unwrap();
    let header = bytes
        .windows(12)
        .rposition(|w| w == b"data.tar.xz ")
        .unwrap();
    let size: u64 = std::str::from_utf8(&bytes[header + 48..header + 58])
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let err = inspect_damaged(&cut).unwrap();
    assert_eq!(
        err,
        format!(
            "error: {}: data.tar.xz: truncated: the file ends inside a member of {size} bytes; the package is damaged (rebuild it or fetch it again)\n",
            cut.display(),
        )
    );
}
