//! Plugin checkouts: manifest problems, versions, typos, dependencies, the rules file.

use super::*;

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
