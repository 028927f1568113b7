//! A .deb's control member and payload: fields, the shipped plugin.yml and rules,
//! maintainer scripts, md5sums, Installed-Size, owners and modes, tar entries.

use super::*;

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
