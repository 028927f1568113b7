//! `pluginctl lint`: each check has a plugin or a `.deb` that triggers it, asserted by tag
//! and exit status. Bad packages are made here with the real tools (`dpkg-deb`, `tar`, `ar`)
//! from a package `pluginctl build` made, and the ones dpkg cannot unpack are shown to fail
//! under a real `dpkg --unpack`.

use crate::support::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A plugin with everything the market wants and the marker rules (format 1). The display
/// name has two words: lintian rejects a one-word synopsis (description-too-short).
pub(crate) fn clean_plugin() -> Plugin {
    Plugin::new(
        "name: hello\nnamespace: demo\nversion: \"1.10\"\nplugin_format_version: 1\n\
         display_name: Hello Plugin\ndescription: Says hello.\nauthor: Demo <demo@example.org>\n",
    )
}

/// A plugin with a manifest header (name hello, namespace demo, version 1.0) plus `extra`,
/// then an author the Maintainer can be made of (after `extra`, so that its lines keep
/// their numbers).
pub(crate) fn plugin_with(extra: &str) -> Plugin {
    let author = if extra.is_empty() || extra.ends_with('\n') {
        "author: Demo <demo@example.org>\n"
    } else {
        ""
    };
    Plugin::new(&format!(
        "name: hello\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: Hello\ndescription: Says hello.\n{extra}{author}"
    ))
}

/// The JSON report of one `pluginctl lint --json` run, with its exit status.
pub(crate) struct Report {
    pub(crate) status: i32,
    pub(crate) json: Value,
}

impl Report {
    pub(crate) fn findings(&self) -> Vec<&Value> {
        self.json["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|i| i["findings"].as_array().unwrap())
            .collect()
    }

    /// `E:tag` for each finding, sorted.
    pub(crate) fn tags(&self) -> Vec<String> {
        let mut tags: Vec<String> = self
            .findings()
            .iter()
            .map(|f| {
                format!(
                    "{}:{}",
                    f["severity"].as_str().unwrap(),
                    f["tag"].as_str().unwrap()
                )
            })
            .collect();
        tags.sort();
        tags
    }

    /// The findings with this tag.
    pub(crate) fn with(&self, tag: &str) -> Vec<&Value> {
        self.findings()
            .into_iter()
            .filter(|f| f["tag"] == tag)
            .collect()
    }

    /// Asserts a finding `severity:tag` exists and returns the first.
    pub(crate) fn expect(&self, severity: &str, tag: &str) -> &Value {
        let found = self.with(tag);
        assert!(
            found.iter().any(|f| f["severity"] == severity),
            "expected {severity}:{tag}, got {:?}\n{:#}",
            self.tags(),
            self.json
        );
        found
            .into_iter()
            .find(|f| f["severity"] == severity)
            .unwrap()
    }

    pub(crate) fn message(&self, tag: &str) -> String {
        self.with(tag)
            .first()
            .map(|f| f["message"].as_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

/// `pluginctl lint --json EXTRA PATHS`.
pub(crate) fn lint_json(paths: &[&Path], extra: &[&str]) -> Report {
    let o = run(pluginctl()
        .arg("lint")
        .arg("--json")
        .args(extra)
        .args(paths));
    assert!(o.stderr.is_empty(), "lint wrote on stderr: {}", stderr(&o));
    let json: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(&o)));
    Report {
        status: o.status.code().unwrap(),
        json,
    }
}

pub(crate) fn lint_one(path: &Path) -> Report {
    lint_json(&[path], &[])
}

/// `pluginctl lint PATHS` in text form: (status, stdout).
pub(crate) fn lint_text(paths: &[&Path], extra: &[&str]) -> (i32, String) {
    let o = run(pluginctl().arg("lint").args(extra).args(paths));
    (o.status.code().unwrap(), stdout(&o))
}

/// A package in its own output folder.
pub(crate) struct Deb {
    _out: tempfile::TempDir,
    pub(crate) deb: PathBuf,
}

/// The helloworld example built by pluginctl at a fixed time; it lints clean.
pub(crate) fn hello_deb() -> Deb {
    let out = tempfile::Builder::new().prefix("out-").tempdir().unwrap();
    let deb = build_helloworld(out.path());
    assert_lints_clean(&deb);
    Deb { _out: out, deb }
}

/// A package unpacked with `dpkg-deb -R`, to be changed and packed again by hand.
pub(crate) struct Raw {
    dir: tempfile::TempDir,
}

impl Raw {
    pub(crate) fn of(deb: &Path) -> Raw {
        let dir = tempfile::Builder::new().prefix("raw-").tempdir().unwrap();
        let o = run(Command::new("dpkg-deb")
            .arg("-R")
            .arg(deb)
            .arg(dir.path().join("pkg")));
        assert!(o.status.success(), "{}", stderr(&o));
        Raw { dir }
    }

    /// The unpacked tree (payload, and `DEBIAN/` for the control files).
    pub(crate) fn root(&self) -> PathBuf {
        self.dir.path().join("pkg")
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    pub(crate) fn edit(&self, rel: &str, f: impl FnOnce(String) -> String) -> &Self {
        let p = self.path(rel);
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, f(text)).unwrap();
        self
    }

    /// `dpkg-deb --build --nocheck` (keeps modes, owner root), named `name`.
    pub(crate) fn dpkg_deb(&self, name: &str) -> PathBuf {
        let out = self.dir.path().join(name);
        let o = run(Command::new("dpkg-deb")
            .args(["--root-owner-group", "--nocheck", "-Zxz", "--build"])
            .arg(self.root())
            .arg(&out));
        assert!(o.status.success(), "dpkg-deb --build: {}", stderr(&o));
        out
    }

    /// A gzip tar of `rel` (a folder of the tree, or the tree without DEBIAN when empty),
    /// with extra tar arguments; returns its bytes.
    pub(crate) fn tar(&self, rel: &str, args: &[&str]) -> Vec<u8> {
        let out = self.dir.path().join("member.tar.gz");
        let mut cmd = Command::new("tar");
        cmd.args(["--owner=0", "--group=0", "--numeric-owner", "--sort=name"])
            .arg("-C")
            .arg(self.root().join(rel))
            .arg("--exclude=./DEBIAN")
            .args(args)
            .arg("-czf")
            .arg(&out);
        if !args.contains(&"-T") {
            cmd.arg(".");
        }
        let o = run(&mut cmd);
        assert!(o.status.success(), "tar: {}", stderr(&o));
        std::fs::read(&out).unwrap()
    }

    /// The standard three members with these tar arguments for control and data.
    pub(crate) fn members(&self, control: &[&str], data: &[&str]) -> Vec<(String, Vec<u8>)> {
        vec![
            ("debian-binary".into(), b"2.0\n".to_vec()),
            ("control.tar.gz".into(), self.tar("DEBIAN", control)),
            ("data.tar.gz".into(), self.tar("", data)),
        ]
    }

    /// An ar archive of these members, in this order, made by `ar rc`.
    pub(crate) fn ar(&self, name: &str, members: &[(String, Vec<u8>)]) -> PathBuf {
        let dir = self.dir.path().join(format!("{name}.members"));
        std::fs::create_dir_all(&dir).unwrap();
        for (member, bytes) in members {
            std::fs::write(dir.join(member), bytes).unwrap();
        }
        let out = self.dir.path().join(name);
        let o = run(Command::new("ar")
            .arg("rc")
            .arg(&out)
            .args(members.iter().map(|(m, _)| m))
            .current_dir(&dir));
        assert!(o.status.success(), "ar: {}", stderr(&o));
        out
    }
}

/// `dpkg-deb --info` accepts the package.
pub(crate) fn dpkg_deb_info_accepts(deb: &Path) {
    let o = run(Command::new("dpkg-deb").arg("--info").arg(deb));
    assert!(
        o.status.success(),
        "dpkg-deb --info refused: {}",
        stderr(&o)
    );
}

/// A real `dpkg --unpack` in a throwaway root refuses the package; returns its message.
pub(crate) fn dpkg_unpack_refuses(deb: &Path) -> String {
    let root = DpkgRoot::new();
    let o = root.dpkg(&["--unpack", deb.to_str().unwrap()]);
    assert!(
        !o.status.success(),
        "dpkg --unpack accepted {}",
        deb.display()
    );
    stderr(&o)
}

// ---------------------------------------------------------------- clean inputs

#[test]
fn a_clean_plugin_and_the_example_lint_clean() {
    let p = clean_plugin();
    // A copy outside this repository's work tree: what is uncommitted here is not the
    // example's to report.
    let copy = tempfile::tempdir().unwrap();
    let o = run(std::process::Command::new("cp")
        .arg("-a")
        .arg(helloworld().join("."))
        .arg(copy.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    let (status, out) = lint_text(&[p.path(), copy.path()], &["--deny-warnings"]);
    assert_eq!(out, "2 inputs checked: 0 errors, 0 warnings, 0 info\n");
    assert_eq!(status, 0);
}

#[test]
fn packages_pluginctl_builds_lint_clean_and_lintian_agrees() {
    let etc = clean_plugin();
    etc.file("hello.conf", "[hello]\n").rules(&marker_rules(
        "        mkdir -p \"$pkgdir/etc/hello\"\n        cp hello.conf \"$pkgdir/etc/hello/\"",
    ));
    let hello = hello_deb();
    let built: Vec<Built> = ["xz", "gzip", "none"]
        .iter()
        .map(|z| {
            etc.build_with(|c| {
                c.args(["-Z", z]);
            })
        })
        .collect();
    let debs: Vec<&Path> = std::iter::once(hello.deb.as_path())
        .chain(built.iter().map(|b| b.deb.as_path()))
        .collect();
    for deb in &debs {
        let (status, out) = lint_text(&[deb], &["--deny-warnings"]);
        assert_eq!(
            (status, out.as_str()),
            (0, "1 input checked: 0 errors, 0 warnings, 0 info\n"),
            "{}",
            deb.display()
        );
    }
    // lintian rejects uncompressed members (uses-no-compression-for-data-tarball), so the
    // -Z none package is left out; xz and gzip must have no lintian error.
    for deb in &debs[..3] {
        lintian_no_errors(deb);
    }
    // zstd: only the notes that Debian 11 cannot read it.
    let zstd = etc.build_with(|c| {
        c.args(["-Z", "zstd"]);
    });
    let r = lint_one(&zstd.deb);
    assert_eq!(r.tags(), ["I:zstd-member", "I:zstd-member"]);
    assert_eq!(r.status, 0);
    // The same package repacked by dpkg-deb itself lints clean too.
    let raw = Raw::of(&hello.deb);
    let repacked = raw.dpkg_deb("repacked.deb");
    let r = lint_one(&repacked);
    assert_eq!(r.tags(), Vec::<String>::new(), "{:#}", r.json);
}

// ---------------------------------------------------------------- output and usage

#[test]
fn text_lines_name_place_tag_and_message_then_a_summary() {
    let p = Plugin::new(
        "name: Hello\nnamespace: foo-bar\nversion: \"1.0\"\nauthor: Demo <demo@example.org>\n",
    );
    let (status, out) = lint_text(&[p.path()], &[]);
    let yml = p.path().join("wazo/plugin.yml").display().to_string();
    assert_eq!(
        out,
        format!(
            "I: {yml}: missing-description: no description: the Wazo market shows it on the plugin's page, and the package's Description is made from it\n\
             W: {yml}: missing-display-name: no display_name: the Wazo market lists plugins by it, and it is the package's synopsis\n\
             E: {yml}:1:7: manifest-invalid: name \"Hello\": only a-z, 0-9 and - are allowed\n\
             E: {yml}:2:12: manifest-invalid: namespace \"foo-bar\": only a-z and 0-9 are allowed (no dash)\n\
             1 input checked: 2 errors, 1 warning, 1 info\n"
        )
    );
    assert_eq!(status, 1);
}

#[test]
fn json_is_one_document_with_inputs_findings_and_summary() {
    let p = plugin_with("version_typo: 1\n");
    let missing = p.path().join("nope.deb");
    let r = lint_json(&[p.path(), &missing], &[]);
    assert_eq!(r.status, 1);
    let inputs = r.json["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 2);
    assert_eq!(inputs[0]["kind"], "plugin");
    assert_eq!(inputs[0]["path"], p.path().display().to_string());
    assert_eq!(inputs[1]["kind"], "unreadable");
    assert_eq!(
        inputs[1]["findings"][0],
        serde_json::json!({
            "severity": "E",
            "tag": "input-unreadable",
            "path": missing.display().to_string(),
            "line": null,
            "col": null,
            "message": "no such file or directory; give a plugin folder or a .deb file",
        })
    );
    assert_eq!(
        r.json["summary"],
        serde_json::json!({"errors": 1, "warnings": 0, "info": 0})
    );
}

#[test]
fn warnings_exit_zero_unless_denied() {
    let p = Plugin::new("name: hello\nnamespace: demo\nversion: 1.10\n");
    let r = lint_one(p.path());
    assert_eq!(r.status, 0);
    r.expect("W", "version-read-as-number");
    let r = lint_json(&[p.path()], &["--deny-warnings"]);
    assert_eq!(r.status, 1);
    r.expect("E", "version-read-as-number");
    assert_eq!(r.json["summary"]["warnings"], 0);
}

#[test]
fn explain_and_list_tags_read_the_registry() {
    let o = run(pluginctl().args(["lint", "--explain", "pax-header"]));
    assert!(o.status.success());
    let text = stdout(&o);
    assert!(
        text.starts_with("pax-header (error, .deb package)\n\n"),
        "{text}"
    );
    assert!(
        text.replace('\n', " ")
            .contains("unsupported PAX tar header type"),
        "{text}"
    );

    let o = run(pluginctl().args(["lint", "--explain", "pax-headr"]));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: --explain pax-headr: no such tag; did you mean pax-header? (`pluginctl lint --list-tags` lists them)\n"
    );

    let o = run(pluginctl().args(["lint", "--list-tags"]));
    let list = stdout(&o);
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/lint-tags.md")).unwrap();
    for line in list.lines() {
        let tag = line.split_whitespace().next().unwrap();
        assert!(
            doc.contains(&format!("\n## {tag}\n")),
            "{tag} not documented"
        );
    }
    assert!(list.lines().count() > 50);
}

#[test]
fn bad_wazo_version_is_a_usage_error() {
    let p = clean_plugin();
    let o = run(pluginctl()
        .args(["lint", "--wazo-version", "24.x"])
        .arg(p.path()));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: --wazo-version: \"24.x\" is not a Wazo version (numbers separated by dots, such as 24.16)\n"
    );
    assert!(o.stdout.is_empty());
}

// ---------------------------------------------------------------- plugin checkouts

#[test]
fn every_manifest_problem_build_stops_at_is_reported_at_once() {
    let p = Plugin::new("name: Hello\nnamespace: foo-bar\nversion: v1\ndebian_depends: curl\n");
    let out = tempfile::tempdir().unwrap();
    let b = run(&mut p.build_cmd(out.path()));
    assert_eq!(b.status.code(), Some(3));
    assert_eq!(stderr(&b).lines().count(), 1, "{}", stderr(&b));

    let r = lint_one(p.path());
    let lines: Vec<(u64, u64)> = r
        .with("manifest-invalid")
        .iter()
        .map(|f| (f["line"].as_u64().unwrap(), f["col"].as_u64().unwrap()))
        .collect();
    assert_eq!(lines, [(1, 7), (2, 12), (3, 10), (4, 17)]);
    assert!(r.message("manifest-invalid").starts_with("name \"Hello\""));
    assert_eq!(r.status, 1);
}

#[test]
fn a_folder_without_a_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let r = lint_one(dir.path());
    assert_eq!(r.tags(), ["E:manifest-missing"]);
    assert_eq!(r.status, 1);
    std::fs::create_dir(dir.path().join("wazo")).unwrap();
    let r = lint_one(dir.path());
    assert_eq!(r.tags(), ["E:manifest-missing", "E:rules-missing"]);
    let r = lint_one(&dir.path().join("nothing"));
    assert_eq!(r.tags(), ["E:input-unreadable"]);
}

#[test]
fn yaml_syntax_errors_have_their_place() {
    let p = Plugin::new("name: hello\nnamespace: [demo\n");
    let r = lint_one(p.path());
    let f = r.expect("E", "manifest-invalid");
    assert!(f["line"].as_u64().is_some());
    assert!(f["message"].as_str().unwrap().starts_with("YAML syntax"));
}

#[test]
fn versions_yaml_reads_as_numbers_are_warned_with_a_fix() {
    let p = Plugin::new(
        "name: hello\nnamespace: demo\nversion: 1.10\nmin_wazo_version: 23.10\nmax_wazo_version: 24.00\n\
         display_name: Hello\ndescription: Hi.\ndepends:\n  - name: other\n    namespace: demo\n    version: 010\n",
    );
    let r = lint_one(p.path());
    let found: Vec<(u64, String)> = r
        .with("version-read-as-number")
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(found.len(), 4, "{found:?}");
    assert_eq!(
        found[0],
        (3, "version 1.10: the Wazo daemon's YAML 1.1 reader takes it as the number 1.1, not the text \"1.10\"; quote it: version: \"1.10\"".to_string())
    );
    assert!(found[1].1.contains("takes it as the number 23.1,"));
    assert!(found[2].1.contains("takes it as the number 24.0,"));
    assert!(found[3].1.starts_with(
        "depends[0].version 010: the Wazo daemon's YAML 1.1 reader takes it as the number 8,"
    ));
    assert_eq!(r.status, 0);

    // Quoted, or read as the same text (0.0.1 is a string, 2 prints as 2): nothing to say.
    let p = Plugin::new(
        "name: hello\nnamespace: demo\nversion: \"1.10\"\nmin_wazo_version: '24.00'\nmax_wazo_version: 24.16\n\
         display_name: Hello\ndescription: Hi.\n",
    );
    assert_eq!(lint_one(p.path()).tags(), ["I:maintainer-default"]);
}

#[test]
fn unknown_keys_close_to_known_ones_are_typos() {
    let p = plugin_with(
        "debian_depend:\n  - curl\nnamepsace: other\ndependss: []\nscreenshots: []\nlicense: GPL\n\
         depends:\n  - name: other\n    namespce: demo\n",
    );
    let r = lint_one(p.path());
    let typos: Vec<(u64, String)> = r
        .with("unknown-key-typo")
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(typos.len(), 4, "{typos:?}");
    assert_eq!(typos[0].0, 6);
    assert!(typos[0]
        .1
        .starts_with("unknown key \"debian_depend\": did you mean \"debian_depends\"?"));
    assert!(typos[1].1.contains("did you mean \"namespace\"?"));
    assert!(typos[2].1.contains("did you mean \"depends\"?"));
    assert!(typos[3]
        .1
        .starts_with("unknown key \"namespce\" in depends[0]: did you mean \"namespace\"?"));
    // The missing namespace of the dependency is build's error, reported too.
    r.expect("E", "manifest-invalid");
}

#[test]
fn self_dependencies_and_duplicates() {
    let p = plugin_with(
        "depends:\n  - name: hello\n    namespace: demo\n  - name: other\n    namespace: demo\n  - name: other\n    namespace: demo\n\
         debian_depends:\n  - curl\n  - curl\n  - wazo-plugind-hello-demo (>= 1)\n",
    );
    let r = lint_one(p.path());
    assert_eq!(r.with("depends-on-itself").len(), 2, "{:?}", r.tags());
    assert_eq!(r.with("duplicate-dependency").len(), 2, "{:?}", r.tags());
    assert_eq!(
        r.message("duplicate-dependency"),
        "depends[2] repeats depends[1] (demo/other); keep one"
    );
    assert_eq!(r.status, 1);
}

#[test]
fn wazo_version_bounds_as_the_server_compares_them() {
    let p = plugin_with("min_wazo_version: \"24.16\"\nmax_wazo_version: \"23.05\"\n");
    let r = lint_one(p.path());
    assert_eq!(r.tags(), ["E:wazo-version-range-empty"]);
    assert_eq!(r.with("wazo-version-range-empty")[0]["line"], 7);

    // The server compares text: "23.5" sorts after "23.10", so Wazo 23.10 refuses it, and
    // lint says so (a test in src/lint/wazo_bounds/tests.rs holds every verdict to
    // marshmallow's own).
    let p = plugin_with("min_wazo_version: \"23.5\"\nmax_wazo_version: \"24.01\"\n");
    let r = lint_json(&[p.path()], &["--wazo-version", "23.10"]);
    assert_eq!(
        r.tags(),
        [
            "E:wazo-version-unsupported",
            "W:wazo-version-compared-as-text"
        ]
    );
    assert_eq!(
        r.message("wazo-version-unsupported"),
        "Wazo 23.10 refuses min_wazo_version \"23.5\": the server compares versions as text, \
         and \"23.5\" sorts after \"23.10\", although 23.5 as written (23.05) allows Wazo \
         23.10; write min_wazo_version: \"23.05\""
    );
    let r = lint_json(&[p.path()], &["--wazo-version", "23.4"]);
    assert_eq!(
        r.message("wazo-version-unsupported"),
        "Wazo 23.04 is older than min_wazo_version 23.5: the plugin cannot install on it"
    );
    let r = lint_json(&[p.path()], &["--wazo-version", "24.2"]);
    assert_eq!(
        r.tags(),
        [
            "E:wazo-version-unsupported",
            "W:wazo-version-compared-as-text"
        ]
    );
    assert_eq!(r.status, 1);
    // Without --wazo-version, the warning alone, naming every version it changes.
    let r = lint_one(p.path());
    assert_eq!(r.tags(), ["W:wazo-version-compared-as-text"]);
    assert_eq!(
        r.message("wazo-version-compared-as-text"),
        "min_wazo_version \"23.5\": the Wazo server compares versions as text, so it refuses \
         the plugin on Wazo 23.05 to 23.17, which 23.5 as written (23.05) allows; write \
         min_wazo_version: \"23.05\""
    );
    // Written as the server writes versions: nothing to say.
    let p = plugin_with("min_wazo_version: \"23.05\"\nmax_wazo_version: \"24.01\"\n");
    let r = lint_json(&[p.path()], &["--wazo-version", "23.10"]);
    assert_eq!(r.tags(), Vec::<String>::new());

    let p = plugin_with("min_wazo_version: latest\n");
    assert_eq!(lint_one(p.path()).tags(), ["W:wazo-version-invalid"]);
}

#[test]
fn market_fields_are_wanted() {
    let p = Plugin::new(
        "name: hello\nnamespace: demo\nversion: \"1.0\"\ndescription: \"  \"\nauthor: A <a@b.example>\n",
    );
    let r = lint_one(p.path());
    assert_eq!(
        r.tags(),
        ["I:missing-description", "W:missing-display-name"]
    );
    assert_eq!(r.status, 0);
}

#[test]
fn rules_file_type_mode_shebang_and_line_endings() {
    let p = clean_plugin();
    let rules = p.path().join("wazo/rules");
    chmod(&rules, 0o644);
    assert_eq!(lint_one(p.path()).tags(), ["E:rules-not-executable"]);

    p.rules(&marker_rules(":").replacen("#!/bin/sh\n", "", 1));
    let r = lint_one(p.path());
    assert_eq!(r.tags(), ["E:rules-no-shebang"]);
    assert_eq!(r.with("rules-no-shebang")[0]["line"], 1);

    p.rules(&marker_rules(":").replace('\n', "\r\n"));
    let r = lint_one(p.path());
    assert_eq!(r.tags(), ["E:rules-crlf"]);
    // build refuses it too, at the first problem; lint says why it will not run.
    let out = tempfile::tempdir().unwrap();
    assert_eq!(run(&mut p.build_cmd(out.path())).status.code(), Some(3));

    std::fs::remove_file(&rules).unwrap();
    assert_eq!(lint_one(p.path()).tags(), ["E:rules-missing"]);
    std::fs::create_dir(&rules).unwrap();
    assert_eq!(lint_one(p.path()).tags(), ["E:rules-not-regular"]);
    std::fs::remove_dir(&rules).unwrap();
    std::os::unix::fs::symlink("/bin/true", &rules).unwrap();
    assert_eq!(lint_one(p.path()).tags(), ["E:rules-not-regular"]);
}

/// Rules without a postrm branch whose catch-all fails, as many real plugins have them.
const RULES_WITHOUT_POSTRM: &str = "#!/bin/sh
set -e
case \"$1\" in
    build)
        ;;
    package)
        ;;
    install)
        ;;
    uninstall)
        ;;
    *)
        echo \"$0 called with unknown argument '$1'\" >&2
        exit 1
        ;;
esac
";

#[test]
fn a_missing_postrm_branch_fails_removal_for_format_1() {
    let p = plugin_with("plugin_format_version: 1\n");
    p.rules(RULES_WITHOUT_POSTRM);
    let r = lint_one(p.path());
    assert_eq!(r.tags(), ["E:rules-missing-command"]);
    let f = r.with("rules-missing-command")[0];
    assert_eq!(f["line"], 12);
    assert_eq!(
        f["message"],
        "no branch for \"postrm\" (run by postrm after the package is removed (plugin_format_version >= 1)), and the *) branch here ends with `exit 1`, so that call fails; add a branch, even an empty one: postrm) ;;"
    );
    // The package lint says the same, and real dpkg shows it is right: removal fails.
    let built = p.build_unlinted(|_| {});
    assert_eq!(lint_one(&built.deb).tags(), ["E:rules-missing-command"]);
    let root = DpkgRoot::new();
    root.install(&built.deb);
    let o = root.dpkg(&["-r", "wazo-plugind-hello-demo"]);
    assert!(!o.status.success(), "dpkg -r succeeded");
    assert!(
        stderr(&o).contains("unknown argument 'postrm'"),
        "{}",
        stderr(&o)
    );

    // Format 0 never calls postrm: fine.
    let p = plugin_with("");
    p.rules(RULES_WITHOUT_POSTRM);
    assert_eq!(lint_one(p.path()).tags(), Vec::<String>::new());
}

#[test]
fn a_postrm_branch_for_format_0_never_runs() {
    let p = plugin_with("");
    p.rules(
        "#!/bin/sh\nset -e\ncase \"$1\" in\n    build|package|install|uninstall)\n        ;;\n    \
         postrm)\n        rm -rf /var/lib/hello\n        ;;\nesac\n",
    );
    let r = lint_one(p.path());
    assert_eq!(r.tags(), ["W:rules-postrm-ignored"]);
    assert_eq!(r.with("rules-postrm-ignored")[0]["line"], 6);
    // The marker rules share one branch for install, uninstall and postrm: live code.
    assert_eq!(
        lint_one(plugin_with("").path()).tags(),
        Vec::<String>::new()
    );
}

#[test]
fn variables_the_daemon_never_sets() {
    let p = clean_plugin();
    p.rules(
        "#!/bin/sh
set -e
DESTDIR=\"$pkgdir\"
case \"$1\" in
    build)
        ;;
    package)
        mkdir -p \"$pkgdir/usr/lib/$DEB_HOST_MULTIARCH\" \"$DESTDIR/x\"
        ;;
    install)
        cp hello.conf \"${pkgdir}/etc/hello.conf\"
        echo \"$DEB_BUILD_ARCH\"
        ;;
    uninstall|postrm)
        ;;
esac
",
    );
    let r = lint_one(p.path());
    let found: Vec<(u64, u64, String)> = r
        .with("rules-unset-variable")
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["col"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!((found[0].0, found[0].1), (8, 35));
    assert!(found[0].2.starts_with("$DEB_HOST_MULTIARCH is never set"));
    assert_eq!((found[1].0, found[1].1), (11, 24));
    assert!(found[1]
        .2
        .starts_with("$pkgdir is only set for `rules package`; in the \"install\" branch"));
    assert!(found[2].2.contains("dpkg --print-architecture"));
    assert_eq!(r.status, 0);
}

#[test]
fn rules_without_set_e_is_a_note() {
    let p = clean_plugin();
    p.rules(&marker_rules(":").replace("set -e\n", ""));
    let r = lint_json(&[p.path()], &["--deny-warnings"]);
    assert_eq!(r.tags(), ["I:rules-no-set-e"]);
    assert_eq!(r.status, 0);
}

// ---------------------------------------------------------------- .deb container

#[test]
fn a_pax_deb_passes_dpkg_deb_info_but_not_dpkg_unpack() {
    let raw = Raw::of(&hello_deb().deb);
    let members = raw.members(&["--format=gnu"], &["--format=pax"]);
    let deb = raw.ar("pax.deb", &members);
    dpkg_deb_info_accepts(&deb);
    assert!(dpkg_unpack_refuses(&deb).contains("unsupported PAX tar header type"));
    let r = lint_one(&deb);
    assert_eq!(r.tags(), ["E:pax-header"]);
    let f = r.expect("E", "pax-header");
    assert_eq!(f["path"], format!("{}!data.tar.gz", deb.display()));
    assert!(f["message"]
        .as_str()
        .unwrap()
        .contains("preceded by a PAX header"));
    assert_eq!(r.status, 1);
}

#[test]
fn a_sparse_entry_is_refused_by_dpkg() {
    let raw = Raw::of(&hello_deb().deb);
    let sparse = raw.path("usr/share/hello.img");
    let f = std::fs::File::create(&sparse).unwrap();
    f.set_len(4 << 20).unwrap();
    drop(f);
    let members = raw.members(&["--format=gnu"], &["--format=gnu", "--sparse"]);
    let deb = raw.ar("sparse.deb", &members);
    dpkg_deb_info_accepts(&deb);
    assert!(dpkg_unpack_refuses(&deb).contains("unsupported GNU tar header type 'S'"));
    let r = lint_one(&deb);
    r.expect("E", "sparse-entry");
    assert!(!r.tags().contains(&"E:unsupported-tar-entry".to_string()));
}

#[test]
fn a_missing_parent_folder_is_refused_by_dpkg() {
    let raw = Raw::of(&hello_deb().deb);
    // Every path except the folders of usr/share: their files come without parents.
    let list = raw.dir.path().join("list");
    let o = run(Command::new("sh")
        .arg("-c")
        .arg("find . -path ./DEBIAN -prune -o -print | sort | grep -v '^./usr/share' > \"$1\"; find ./usr/share -type f | sort >> \"$1\"")
        .arg("sh")
        .arg(&list)
        .current_dir(raw.root()));
    assert!(o.status.success());
    let data = raw.tar(
        "",
        &[
            "--format=gnu",
            "--no-recursion",
            "-T",
            list.to_str().unwrap(),
        ],
    );
    let mut members = raw.members(&["--format=gnu"], &["--format=gnu"]);
    members[2].1 = data;
    let deb = raw.ar("parents.deb", &members);
    dpkg_deb_info_accepts(&deb);
    assert!(dpkg_unpack_refuses(&deb).contains("No such file or directory"));
    let r = lint_one(&deb);
    assert_eq!(r.tags(), ["E:missing-parent-dir"]);
    assert!(r
        .message("missing-parent-dir")
        .starts_with("3 entries without an entry for their parent folder"));
}

#[test]
fn files_that_are_not_a_deb_or_are_cut_short() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("plugin.yml");
    write(&text, "name: hello\n");
    let r = lint_one(&text);
    assert_eq!(r.tags(), ["E:not-a-deb"]);
    assert!(r
        .message("not-a-deb")
        .ends_with("; to lint a plugin checkout, give its folder"));
    let empty = dir.path().join("empty.deb");
    write(&empty, "");
    assert_eq!(lint_one(&empty).tags(), ["E:not-a-deb"]);

    let built = hello_deb();
    let bytes = std::fs::read(&built.deb).unwrap();
    let cut = dir.path().join("cut.deb");
    for len in [bytes.len() / 2, bytes.len() - 20, 70] {
        std::fs::write(&cut, &bytes[..len]).unwrap();
        let r = lint_one(&cut);
        assert!(
            r.tags().contains(&"E:truncated-package".to_string()),
            "cut at {len}: {:?}",
            r.tags()
        );
        assert_eq!(r.status, 1);
    }
    let o = run(Command::new("dpkg-deb").arg("--info").arg(&cut));
    assert!(!o.status.success());
}

#[test]
fn ar_members_names_order_and_debian_binary() {
    let raw = Raw::of(&hello_deb().deb);
    let good = raw.members(&["--format=gnu"], &["--format=gnu"]);
    let pick = |order: &[usize]| -> Vec<(String, Vec<u8>)> {
        order.iter().map(|&i| good[i].clone()).collect()
    };

    let swapped = raw.ar("swapped.deb", &pick(&[0, 2, 1]));
    assert_eq!(lint_one(&swapped).tags(), ["E:ar-member-order"]);
    assert!(!run(Command::new("dpkg-deb").arg("--info").arg(&swapped))
        .status
        .success());

    let no_binary = raw.ar("nobinary.deb", &pick(&[1, 2]));
    assert!(lint_one(&no_binary)
        .tags()
        .contains(&"E:ar-member-order".to_string()));

    let mut v3 = good.clone();
    v3[0].1 = b"3.0\n".to_vec();
    let r = lint_one(&raw.ar("v3.deb", &v3));
    assert_eq!(r.tags(), ["E:bad-debian-binary"]);

    let mut extra = good.clone();
    extra.push(("_gpgorigin".into(), b"signature".to_vec()));
    let r = lint_one(&raw.ar("extra.deb", &extra));
    assert_eq!(r.tags(), ["I:extra-ar-member"]);
    assert_eq!(r.status, 0);

    // A damaged member header: its end marker, then its size field.
    let deb = raw.ar("header.deb", &good);
    let bytes = std::fs::read(&deb).unwrap();
    let mut marker = bytes.clone();
    marker[8 + 58..8 + 60].copy_from_slice(b"!!");
    std::fs::write(&deb, &marker).unwrap();
    let r = lint_one(&deb);
    assert_eq!(r.tags(), ["E:bad-ar-header"]);
    assert_eq!(
        r.message("bad-ar-header"),
        "ar member header at byte 8 has a bad end marker"
    );
    assert!(!run(Command::new("dpkg-deb").arg("--info").arg(&deb))
        .status
        .success());
    let mut size = bytes;
    size[8 + 48..8 + 50].copy_from_slice(b"x1");
    std::fs::write(&deb, &size).unwrap();
    assert_eq!(lint_one(&deb).tags(), ["E:bad-ar-header"]);

    let mut unknown = good.clone();
    unknown.insert(1, ("README".into(), b"hello".to_vec()));
    assert_eq!(
        lint_one(&raw.ar("unknown.deb", &unknown)).tags(),
        ["E:unknown-ar-member"]
    );
}

#[test]
fn compressions_dpkg_cannot_or_no_longer_reads() {
    let raw = Raw::of(&hello_deb().deb);
    let good = raw.members(&["--format=gnu"], &["--format=gnu"]);
    let bz2 = |gz: &[u8]| -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.gz");
        std::fs::write(&p, gz).unwrap();
        let o = run(Command::new("sh")
            .arg("-c")
            .arg("gzip -dc \"$1\" | bzip2 -c")
            .arg("sh")
            .arg(&p));
        assert!(o.status.success());
        o.stdout
    };
    let mut data_bz2 = good.clone();
    data_bz2[2] = ("data.tar.bz2".into(), bz2(&good[2].1));
    let deb = raw.ar("databz2.deb", &data_bz2);
    dpkg_deb_info_accepts(&deb);
    let r = lint_one(&deb);
    assert_eq!(r.tags(), ["W:unsupported-compression"]);

    let mut control_bz2 = good.clone();
    control_bz2[1] = ("control.tar.bz2".into(), bz2(&good[1].1));
    let r = lint_one(&raw.ar("controlbz2.deb", &control_bz2));
    assert!(
        r.tags().contains(&"E:unknown-ar-member".to_string()),
        "{:?}",
        r.tags()
    );
}

#[test]
fn a_damaged_member_is_corrupt() {
    let raw = Raw::of(&hello_deb().deb);
    let mut members = raw.members(&["--format=gnu"], &["--format=gnu"]);
    let data = &mut members[2].1;
    let middle = data.len() / 2;
    for b in &mut data[middle..middle + 16] {
        *b ^= 0x5a;
    }
    let r = lint_one(&raw.ar("damaged.deb", &members));
    r.expect("E", "corrupt-member");
    assert_eq!(r.status, 1);
}

// ---------------------------------------------------------------- .deb control member

#[test]
fn control_fields_syntax_and_grammar() {
    let raw = Raw::of(&hello_deb().deb);
    raw.edit("DEBIAN/control", |c| {
        c.replace("Package: wazo-plugind-helloworld-demo", "Package: Wazo_Bad")
            .replace("Version: 0.0.1", "Version: v1")
            .replace("Maintainer: Wazo Authors <dev+pkg@wazo.community>\n", "")
            .replace(
                "Section: wazo-plugind-plugin",
                "Depends: curl (> 1), , python3\nSection: wazo-plugind-plugin\nthis is not a field",
            )
    });
    let r = lint_one(&raw.dpkg_deb("bad-control.deb"));
    for tag in [
        "E:bad-package-name",
        "E:bad-version",
        "E:control-missing-field",
        "E:bad-relation",
        "E:control-syntax",
        "E:package-name-mismatch",
    ] {
        assert!(
            r.tags().contains(&tag.to_string()),
            "{tag} not in {:?}",
            r.tags()
        );
    }
    assert_eq!(r.with("bad-relation").len(), 2);
    let syntax = r.expect("E", "control-syntax");
    assert!(syntax["path"]
        .as_str()
        .unwrap()
        .ends_with("!DEBIAN/control"));
    assert_eq!(syntax["line"], 7);
}

#[test]
fn section_must_be_wazo_plugind_plugin() {
    let raw = Raw::of(&hello_deb().deb);
    raw.edit("DEBIAN/control", |c| {
        c.replace("Section: wazo-plugind-plugin", "Section: misc")
    });
    let r = lint_one(&raw.dpkg_deb("misc.deb"));
    assert_eq!(r.tags(), ["E:wrong-section"]);
    assert_eq!(
        r.message("wrong-section"),
        "Section \"misc\": the Wazo daemon lists installed plugins by Section: wazo-plugind-plugin, so it would not list this one"
    );
}

#[test]
fn package_name_and_version_must_match_the_shipped_plugin_yml() {
    let raw = Raw::of(&hello_deb().deb);
    raw.edit("DEBIAN/control", |c| {
        c.replace(
            "Package: wazo-plugind-helloworld-demo",
            "Package: wazo-plugind-other-demo",
        )
        .replace("Version: 0.0.1", "Version: 0.0.2")
    });
    let r = lint_one(&raw.dpkg_deb("renamed.deb"));
    assert_eq!(r.tags(), ["E:package-name-mismatch", "W:version-mismatch"]);
    assert_eq!(
        r.message("package-name-mismatch"),
        "Package \"wazo-plugind-other-demo\", but the shipped plugin.yml makes it \"wazo-plugind-helloworld-demo\"; the Wazo daemon finds the plugin's package by that name"
    );
}

#[test]
fn the_shipped_plugin_yml_and_rules() {
    let place = "usr/lib/wazo-plugind/plugins/demo/helloworld";
    let built = hello_deb();

    let raw = Raw::of(&built.deb);
    chmod(raw.path(&format!("{place}/wazo/rules")), 0o644);
    let r = lint_one(&raw.dpkg_deb("rules644.deb"));
    assert_eq!(r.tags(), ["E:rules-not-executable"]);

    let raw = Raw::of(&built.deb);
    std::fs::remove_file(raw.path(&format!("{place}/wazo/plugin.yml"))).unwrap();
    let r = lint_one(&raw.dpkg_deb("noyml.deb"));
    r.expect("E", "plugin-yml-missing");

    let raw = Raw::of(&built.deb);
    std::fs::remove_file(raw.path(&format!("{place}/wazo/rules"))).unwrap();
    let r = lint_one(&raw.dpkg_deb("norules.deb"));
    r.expect("E", "rules-missing");

    let raw = Raw::of(&built.deb);
    raw.edit(&format!("{place}/wazo/plugin.yml"), |y| {
        y.replace("namespace: demo", "namespace: demo-x")
    });
    let r = lint_one(&raw.dpkg_deb("badyml.deb"));
    let f = r.expect("E", "plugin-yml-invalid");
    assert_eq!(f["line"], 2);
    assert_eq!(
        f["path"].as_str().unwrap().rsplit_once('!').unwrap().1,
        format!("{place}/wazo/plugin.yml")
    );

    let raw = Raw::of(&built.deb);
    std::fs::rename(
        raw.path("usr/lib/wazo-plugind/plugins/demo"),
        raw.path("usr/lib/wazo-plugind/plugins/other"),
    )
    .unwrap();
    let r = lint_one(&raw.dpkg_deb("moved.deb"));
    r.expect("E", "plugin-place-mismatch");
}

#[test]
fn maintainer_scripts_modes_shebang_crlf_and_rules_calls() {
    let raw = Raw::of(&hello_deb().deb);
    chmod(raw.path("DEBIAN/postinst"), 0o644);
    raw.edit("DEBIAN/prerm", |t| t.replacen("#!/bin/sh\n", "", 1));
    raw.edit("DEBIAN/postrm", |t| t.replace('\n', "\r\n"));
    let r = lint_one(&raw.dpkg_deb("scripts.deb"));
    r.expect("E", "script-not-executable");
    r.expect("E", "script-no-shebang");
    r.expect("E", "script-crlf");
    assert_eq!(r.with("script-crlf")[0]["line"], 1);

    let raw = Raw::of(&hello_deb().deb);
    raw.edit("DEBIAN/postinst", |t| {
        t.replace(
            "helloworld/wazo/rules\" install",
            "helloworld/wazo/rules\" configure",
        )
    });
    raw.edit("DEBIAN/postrm", |t| {
        t.replace(
            "\"$DPKG_ROOT/var/lib/wazo-plugind/rules/rules.helloworld.demo\" postrm",
            "\"$DPKG_ROOT/usr/lib/wazo-plugind/plugins/demo/helloworld/wazo/rules\" postrm",
        )
    });
    let r = lint_one(&raw.dpkg_deb("calls.deb"));
    assert_eq!(r.tags(), ["E:rules-not-called", "E:rules-not-called"]);
    let messages: Vec<&str> = r
        .with("rules-not-called")
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "postinst never runs it: .../plugins/demo/helloworld/wazo/rules install, so the plugin's install step would not run",
            "postrm runs the installed rules file, which dpkg has already removed by then; run the copy prerm saved",
        ]
    );
}

#[test]
fn md5sums_missing_wrong_incomplete_and_malformed() {
    let built = hello_deb();
    let conf = "etc/asterisk/extensions_extra.d/helloworld.conf";

    let raw = Raw::of(&built.deb);
    std::fs::remove_file(raw.path("DEBIAN/md5sums")).unwrap();
    assert_eq!(
        lint_one(&raw.dpkg_deb("nosums.deb")).tags(),
        ["W:md5sums-missing"]
    );

    let raw = Raw::of(&built.deb);
    raw.edit(conf, |t| t + "; changed after md5sums was written\n");
    let deb = raw.dpkg_deb("changed.deb");
    let r = lint_one(&deb);
    assert_eq!(r.tags(), ["E:md5sums-mismatch"]);
    assert!(r.message("md5sums-mismatch").starts_with(&format!(
        "1 file whose content does not match md5sums: {conf} (listed "
    )));
    // dpkg --verify agrees once it is installed.
    let root = DpkgRoot::new();
    root.install(&deb);
    let v = root.dpkg(&["--verify", "wazo-plugind-helloworld-demo"]);
    assert!(stdout(&v).contains(conf), "{}", stdout(&v));

    let raw = Raw::of(&built.deb);
    raw.edit("DEBIAN/md5sums", |t| {
        t.lines()
            .filter(|l| !l.ends_with("helloworld.conf"))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
            + "d41d8cd98f00b204e9800998ecf8427e  usr/share/ghost\nnot a sum line\n"
    });
    let r = lint_one(&raw.dpkg_deb("incomplete.deb"));
    assert_eq!(
        r.tags(),
        [
            "E:md5sums-syntax",
            "W:md5sums-incomplete",
            "W:md5sums-incomplete"
        ]
    );
    assert_eq!(r.with("md5sums-syntax")[0]["line"], 7);
}

#[test]
fn installed_size_present_and_plausible() {
    let hello = hello_deb();
    let size = dpkg_deb(&hello.deb, &["--field", "Installed-Size"]);
    let size = size.trim();
    let field = format!("Installed-Size: {size}\n");
    let raw = Raw::of(&hello.deb);
    raw.edit("DEBIAN/control", |c| {
        c.replace(&field, "Installed-Size: 99999\n")
    });
    let r = lint_one(&raw.dpkg_deb("huge.deb"));
    assert_eq!(r.tags(), ["W:installed-size-implausible"]);
    // The three maintainer scripts take a KiB each.
    let payload: u64 = size.parse::<u64>().unwrap() - 3;
    assert_eq!(
        r.message("installed-size-implausible"),
        format!(
            "Installed-Size 99999, but the package takes {size} KiB as dpkg-gencontrol counts \
             it ({payload} KiB without the control files)"
        )
    );
    let raw = Raw::of(&hello.deb);
    raw.edit("DEBIAN/control", |c| c.replace(&field, ""));
    let r = lint_one(&raw.dpkg_deb("nosize.deb"));
    assert_eq!(r.tags(), ["I:installed-size-missing"]);
    assert_eq!(
        r.message("installed-size-missing"),
        format!("no Installed-Size field (the package takes {size} KiB)")
    );
}

#[test]
fn owners_modes_and_timestamps_of_the_payload() {
    let raw = Raw::of(&hello_deb().deb);
    chmod(
        raw.path("etc/asterisk/extensions_extra.d/helloworld.conf"),
        0o666,
    );
    let mut members = raw.members(&["--format=gnu"], &["--format=gnu"]);
    members[2].1 = raw.tar(
        "",
        &[
            "--format=gnu",
            "--owner=1000",
            "--group=1000",
            "--mtime=@86400",
        ],
    );
    let r = lint_one(&raw.ar("owners.deb", &members));
    assert_eq!(
        r.tags(),
        ["W:ancient-timestamp", "W:file-not-root", "W:world-writable"]
    );
    assert!(r.message("world-writable").starts_with(
        "1 entry writable by every user: ./etc/asterisk/extensions_extra.d/helloworld.conf (0666)"
    ));
    assert!(
        r.message("file-not-root").contains("(1000/1000 :)"),
        "{}",
        r.message("file-not-root")
    );
}

#[test]
fn unusual_tar_entries() {
    let raw = Raw::of(&hello_deb().deb);
    let mut members = raw.members(&["--format=gnu"], &["--format=gnu"]);
    // A volume label is a tar entry type dpkg does not know.
    members[2].1 = raw.tar("", &["--format=gnu", "--label=DISK1"]);
    let r = lint_one(&raw.ar("label.deb", &members));
    r.expect("E", "unsupported-tar-entry");

    // A FIFO is shipped as is.
    let o = run(Command::new("mkfifo").arg(raw.path("usr/share/hello.fifo")));
    assert!(o.status.success());
    let r = lint_one(&raw.dpkg_deb("fifo.deb"));
    assert_eq!(r.tags(), ["W:special-file"]);

    // A control member without a control file.
    std::fs::remove_file(raw.path("usr/share/hello.fifo")).unwrap();
    let mut members = raw.members(&["--format=gnu"], &["--format=gnu"]);
    members[1].1 = raw.tar("DEBIAN", &["--format=gnu", "--exclude=./control"]);
    let r = lint_one(&raw.ar("nocontrol.deb", &members));
    r.expect("E", "control-missing");

    // A path that climbs out of the root.
    let data = raw.tar(
        "",
        &[
            "--format=gnu",
            "-P",
            "--transform=s,^\\./etc/asterisk$,../escape,",
        ],
    );
    let mut members = raw.members(&["--format=gnu"], &["--format=gnu"]);
    members[2].1 = data;
    let r = lint_one(&raw.ar("escape.deb", &members));
    r.expect("E", "unsafe-path");
}

// ---------------------------------------------------------------- .deb payload

#[test]
fn a_payload_built_under_the_build_machine_interpreter() {
    let p = clean_plugin();
    p.rules(&marker_rules(
        "        d=\"$pkgdir/home/builder/.pyenv/versions/3.7.3/lib/python3.7/site-packages/hello\"
        mkdir -p \"$d\" \"$pkgdir/usr/local/lib/python3.7/site-packages/hello\"
        echo 'print(1)' > \"$d/__init__.py\"
        echo 'print(1)' > \"$pkgdir/usr/local/lib/python3.7/site-packages/hello/__init__.py\"",
    ));
    let built = p.build_unlinted(|_| {});
    let r = lint_one(&built.deb);
    assert_eq!(r.tags(), ["E:payload-from-build-machine"]);
    assert!(r.message("payload-from-build-machine").starts_with(
        "2 files under /root, /home or a pyenv, virtualenv or site-packages prefix of the build machine (a Wazo server's python3 does not read them): ./home/builder/.pyenv/"
    ));
}

#[test]
fn a_package_step_that_failed_without_set_e() {
    let p = clean_plugin();
    p.rules(
        &marker_rules("        cp -R build/. \"$pkgdir/\"\n        echo packaged")
            .replace("set -e\n", ""),
    );
    assert_eq!(lint_one(p.path()).tags(), ["I:rules-no-set-e"]);
    let built = p.build_unlinted(|_| {});
    let r = lint_one(&built.deb);
    assert_eq!(
        r.tags(),
        ["I:rules-no-set-e", "W:payload-only-plugin-folder"]
    );
    assert_eq!(
        r.message("payload-only-plugin-folder"),
        "the payload holds nothing but the plugin's wazo/ folder although `rules package` runs commands, and the rules file has no set -e, so a failing command did not stop the build"
    );
}
