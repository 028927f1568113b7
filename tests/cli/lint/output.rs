//! Clean inputs lint clean; the report's text and JSON forms, exit statuses, --explain and
//! --list-tags.

use super::*;

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
