//! `pluginctl build`: the package's fields, contents, scripts and behaviour under real dpkg.

use crate::support::*;
use std::path::Path;

#[test]
fn helloworld_builds_installs_and_lints_clean() {
    let out = tempfile::tempdir().unwrap();
    let deb = build_helloworld(out.path());
    let control = dpkg_deb(&deb, &["--field"]);
    assert_eq!(
        control,
        "Package: wazo-plugind-helloworld-demo
Version: 0.0.1
Architecture: all
Maintainer: Wazo Authors <dev+pkg@wazo.community>
Installed-Size: 26
Section: wazo-plugind-plugin
Priority: optional
Homepage: https://wazo-platform.org
Description: Hello World
 Adds the extension ***42, which plays \"Hello World\".
 .
 The example plugin of the Wazo plugin documentation: it ships one dialplan file
 and reloads the dialplan when it is installed or removed.
 .
 Wazo plugin demo/helloworld, packaged for wazo-plugind.
"
    );
    let root = DpkgRoot::new();
    root.install(&deb);
    let conf = std::fs::read_to_string(
        root.path()
            .join("etc/asterisk/extensions_extra.d/helloworld.conf"),
    )
    .unwrap();
    assert!(conf.contains("exten = ***42,1,Playback(hello-world)"));
    assert!(root.has("usr/lib/wazo-plugind/plugins/demo/helloworld/wazo/plugin.yml"));
    root.remove("wazo-plugind-helloworld-demo");
    assert!(!root.has("etc/asterisk/extensions_extra.d/helloworld.conf"));
    root.purge("wazo-plugind-helloworld-demo");
    let tags = lintian_no_errors(&deb);
    assert!(
        !tags
            .iter()
            .any(|t| t.contains("no-copyright-file") || t.contains("no-changelog")),
        "{tags:?}"
    );
}

/// Builds a format-N marker plugin, installs, removes and purges it with real dpkg.
fn lifecycle(format: u8) -> Vec<String> {
    let p = Plugin::simple("life", "test", "1.2.3", format);
    p.file("data.txt", "hello\n");
    p.rules(&marker_rules("        mkdir -p \"$pkgdir/usr/share/life\"\n        cp data.txt \"$pkgdir/usr/share/life/\""));
    let built = p.build();
    let root = DpkgRoot::new();
    root.install(&built.deb);
    assert_eq!(root.markers(), ["install 1"]);
    assert!(root.has("usr/share/life/data.txt"));
    assert!(root.has("usr/lib/wazo-plugind/plugins/test/life/wazo/rules"));
    root.remove("wazo-plugind-life-test");
    assert!(
        !root.has("usr/share/life/data.txt"),
        "installed files must be gone after remove"
    );
    assert!(!root.has("usr/lib/wazo-plugind/plugins/test/life/wazo/rules"));
    assert!(
        !root.has("var/lib/wazo-plugind/rules/rules.life.test"),
        "the backup is removed by postrm"
    );
    root.purge("wazo-plugind-life-test");
    let markers = root.markers();
    lintian_no_errors(&built.deb);
    markers
}

#[test]
fn format_0_runs_install_and_uninstall_but_not_postrm() {
    assert_eq!(lifecycle(0), ["install 1", "uninstall 1"]);
}

#[test]
fn format_1_runs_postrm_after_uninstall_and_purge_after_remove_works() {
    assert_eq!(lifecycle(1), ["install 1", "uninstall 1", "postrm 1"]);
}

#[test]
fn format_2_means_the_same_as_1() {
    assert_eq!(lifecycle(2), ["install 1", "uninstall 1", "postrm 1"]);
}

#[test]
fn purge_without_remove_first_runs_postrm_once() {
    let p = Plugin::simple("purgeme", "test", "1.0", 1);
    let built = p.build();
    let root = DpkgRoot::new();
    root.install(&built.deb);
    root.purge("wazo-plugind-purgeme-test");
    assert_eq!(root.markers(), ["install 1", "uninstall 1", "postrm 1"]);
}

#[test]
fn upgrade_keeps_the_plugin_installed_and_reruns_install() {
    let p = Plugin::simple("upg", "test", "1.0", 1);
    let v1 = p.build();
    p.manifest("name: upg\nnamespace: test\nversion: \"1.1\"\nplugin_format_version: 1\n");
    let v2 = p.build();
    let root = DpkgRoot::new();
    root.install(&v1.deb);
    root.install(&v2.deb);
    // An upgrade is not a removal: no uninstall, no postrm.
    assert_eq!(root.markers(), ["install 1", "install 1"]);
    assert!(root.has("usr/lib/wazo-plugind/plugins/test/upg/wazo/plugin.yml"));
}

#[test]
fn control_fields_follow_the_manifest() {
    let p = Plugin::new(
        "name: fields\nnamespace: acme\nversion: 2:1.10-3\nhomepage: not a url\nauthor: ACME\n\
         depends:\n  - name: base\n    namespace: acme\n    version: '1.0'\n  - name: base\n    namespace: acme\n\
         debian_depends:\n  - python3 (>= 3.7)\n  - curl | wget\n  - python3 (>= 3.7)\n\
         description: |\n  One line synopsis.\n\n  More text\n   indented.\n",
    );
    let built = p.build();
    let size = gencontrol_installed_size(&built.deb);
    assert_eq!(
        built.control(),
        format!(
            "Package: wazo-plugind-fields-acme
Version: 2:1.10-3
Architecture: all
Maintainer: Wazo Maintainers <dev+pkg@wazo.community>
Installed-Size: {size}
Depends: python3 (>= 3.7), curl | wget, wazo-plugind-base-acme
Section: wazo-plugind-plugin
Priority: optional
Description: One line synopsis.
 More text
  indented.
 .
 Wazo plugin acme/fields, packaged for wazo-plugind.
"
        )
    );
    // The file name drops the epoch; a Debian revision means changelog.Debian.gz.
    assert!(
        built
            .deb
            .ends_with("wazo-plugind-fields-acme_1.10-3_all.deb"),
        "{}",
        built.deb.display()
    );
    assert!(built
        .contents()
        .iter()
        .any(|l| l.ends_with("usr/share/doc/wazo-plugind-fields-acme/changelog.Debian.gz")));
}

#[test]
fn synopsis_falls_back_to_the_plugin_name_and_maintainer_is_settable() {
    let p = Plugin::simple("bare", "acme", "0.1", 0);
    let built = p.build_with(|c| {
        c.args(["--maintainer", "Jane Doe <jane@example.org>"]);
    });
    assert_eq!(built.field("Description"), "Wazo plugin acme/bare");
    assert_eq!(built.field("Maintainer"), "Jane Doe <jane@example.org>");
    assert!(built.control().contains(
        "Description: Wazo plugin acme/bare\n Wazo plugin acme/bare, packaged for wazo-plugind.\n"
    ));
}

#[test]
fn maintainer_scripts_call_the_installed_rules_file() {
    let built = Plugin::simple("scripts", "acme", "1.0", 1).build();
    let postinst = built.ctrl_file("postinst");
    assert!(postinst.starts_with("#!/bin/sh\nset -e\n"));
    assert!(postinst
        .contains("\"$DPKG_ROOT/usr/lib/wazo-plugind/plugins/acme/scripts/wazo/rules\" install\n"));
    let prerm = built.ctrl_file("prerm");
    assert!(prerm.contains("cp \"$DPKG_ROOT/usr/lib/wazo-plugind/plugins/acme/scripts/wazo/rules\" \"$DPKG_ROOT/var/lib/wazo-plugind/rules/rules.scripts.acme\"\n"));
    let postrm = built.ctrl_file("postrm");
    assert!(
        postrm.contains("\"$DPKG_ROOT/var/lib/wazo-plugind/rules/rules.scripts.acme\" postrm\n")
    );
    for script in [&postinst, &prerm, &postrm] {
        assert!(
            script.ends_with("exit 0\n")
                && !script.contains('\r')
                && !script.contains("#DEBHELPER#")
        );
    }
    let listing = built.dpkg_deb(&["--ctrl-tarfile"]);
    let _ = listing; // the tar stream itself is checked below with tar -tv
    let o = run(std::process::Command::new("sh").arg("-c").arg(format!(
        "dpkg-deb --ctrl-tarfile '{}' | tar -tv",
        built.deb.display()
    )));
    let lines: Vec<String> = stdout(&o)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            format!("{} {} {}", f[0], f[1], f[5])
        })
        .collect();
    assert_eq!(
        lines,
        [
            "drwxr-xr-x root/root ./",
            "-rw-r--r-- root/root ./control",
            "-rw-r--r-- root/root ./md5sums",
            "-rwxr-xr-x root/root ./postinst",
            "-rwxr-xr-x root/root ./prerm",
            "-rwxr-xr-x root/root ./postrm",
        ]
    );
}

#[test]
fn unknown_maintainer_script_arguments_fail() {
    let built = Plugin::simple("args", "acme", "1.0", 1).build();
    let dir = tempfile::tempdir().unwrap();
    assert!(run(std::process::Command::new("dpkg-deb")
        .arg("--control")
        .arg(&built.deb)
        .arg(dir.path()))
    .status
    .success());
    for (script, ok, bad) in [
        ("postinst", "abort-upgrade", "bogus"),
        ("prerm", "upgrade", "bogus"),
        ("postrm", "disappear", "bogus"),
    ] {
        let path = dir.path().join(script);
        let o = run(std::process::Command::new(&path)
            .arg(ok)
            .env("DPKG_ROOT", dir.path()));
        assert!(o.status.success(), "{script} {ok}: {}", stderr(&o));
        let o = run(std::process::Command::new(&path)
            .arg(bad)
            .env("DPKG_ROOT", dir.path()));
        assert_eq!(o.status.code(), Some(1), "{script} {bad}");
        assert!(stderr(&o).contains("unknown argument"), "{}", stderr(&o));
    }
}

#[test]
fn md5sums_match_the_payload() {
    let p = Plugin::simple("sums", "acme", "1.0", 1);
    p.rules(&marker_rules(
        "        mkdir -p \"$pkgdir/usr/share/sums/sub\"\n        printf 'a' > \"$pkgdir/usr/share/sums/a\"\n        printf 'b' > \"$pkgdir/usr/share/sums/sub/b\"\n        ln \"$pkgdir/usr/share/sums/a\" \"$pkgdir/usr/share/sums/hard\"\n        ln -s a \"$pkgdir/usr/share/sums/link\"",
    ));
    let built = p.build();
    let sums = built.ctrl_file("md5sums");
    let paths: Vec<&str> = sums
        .lines()
        .map(|l| l.split_once("  ").unwrap().1)
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "md5sums is sorted by path");
    assert!(
        paths.contains(&"usr/share/sums/hard") && !paths.contains(&"usr/share/sums/link"),
        "{paths:?}"
    );
    assert!(sums.lines().all(|l| l.len() > 34
        && l[..32]
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        && &l[32..34] == "  "));
    md5sum_checks(&built, &sums);
}

/// Real `md5sum --check` of the package's unpacked files against its `sums`.
fn md5sum_checks(built: &Built, sums: &str) {
    let dir = built.extract();
    std::fs::write(dir.path().join("md5sums"), sums).unwrap();
    let o = run(std::process::Command::new("md5sum")
        .args(["--check", "--strict", "--quiet", "md5sums"])
        .current_dir(dir.path()));
    assert!(
        o.status.success(),
        "md5sum -c failed: {}{}",
        stdout(&o),
        stderr(&o)
    );
}

#[test]
fn md5sums_of_many_small_files_match_md5sum() {
    // Small files are hashed several at a time (eight lanes where the processor has AVX2):
    // sizes around every block and padding boundary, runs long enough to refill lanes, and
    // files past the piece size, which are hashed as they stream; real md5sum checks them all.
    let p = Plugin::simple("many", "acme", "1.0", 1);
    p.rules(&marker_rules(
        "        d=\"$pkgdir/usr/share/many\"; mkdir -p \"$d/sub\"\n        for n in 0 1 2 3 31 55 56 57 63 64 65 119 120 121 127 128 129 1000 4095 4096 4097 65535; do\n            head -c $n /dev/urandom > \"$d/f$n\"\n            head -c $((n * 3 + 7)) /dev/urandom > \"$d/sub/g$n\"\n        done\n        head -c 200000 /dev/urandom > \"$d/large\"\n        head -c 131072 /dev/urandom > \"$d/sub/piece\"\n        head -c 131073 /dev/urandom > \"$d/sub/piece1\"",
    ));
    let built = p.build();
    let sums = built.ctrl_file("md5sums");
    assert!(sums.lines().count() > 45, "{sums}");
    md5sum_checks(&built, &sums);
    // dpkg installs it and checks every installed file against md5sums.
    let root = DpkgRoot::new();
    root.install(&built.deb);
    let verify = root.dpkg(&["--verify", "wazo-plugind-many-acme"]);
    assert!(
        verify.status.success() && verify.stdout.is_empty(),
        "{}{}",
        stdout(&verify),
        stderr(&verify)
    );
    root.remove("wazo-plugind-many-acme");
}

#[test]
fn a_wide_tree_walked_on_several_threads_gives_the_same_package() {
    // The staged tree is walked on as many threads as --threads; 150 sibling folders are more
    // than wait in the walk's queue at once, so some are walked in place, some by other
    // threads, and the package must be the one a walk on one thread gives.
    let p = Plugin::simple("wide", "acme", "1.0", 1);
    p.rules(&marker_rules(
        "        for i in $(seq 100 249); do d=\"$pkgdir/usr/share/wide/d$i\"; mkdir -p \"$d/s\"; echo $i > \"$d/f\"; echo $i > \"$d/s/g\"; ln -s f \"$d/l\"; done",
    ));
    let build = |threads: &str| {
        p.build_with(|c| {
            c.args(["--threads", threads])
                .env("SOURCE_DATE_EPOCH", "1700000000");
        })
    };
    let first = build("1");
    let one = std::fs::read(&first.deb).unwrap();
    assert!(one.len() > 4_000, "{} bytes", one.len());
    for threads in ["2", "4"] {
        let many = std::fs::read(&build(threads).deb).unwrap();
        assert!(many == one, "--threads {threads} and 1 differ");
    }
    // Real dpkg unpacks every one of the 750 entries and removes them again.
    let root = DpkgRoot::new();
    root.install(&first.deb);
    assert_eq!(
        std::fs::read_to_string(root.path().join("usr/share/wide/d249/s/g")).unwrap(),
        "249\n"
    );
    root.remove("wazo-plugind-wide-acme");
    assert!(!root.path().join("usr/share/wide").exists());
}

/// A package step that stages every awkward thing dpkg must still unpack.
const EDGE_PACKAGE: &str = r#"        d="$pkgdir/usr/share/edge"
        long="$d/$(printf 'a%.0s' $(seq 1 120))"
        longer="$long/$(printf 'b%.0s' $(seq 1 200))"
        mkdir -p "$longer" "$d/empty dir" "$d/uni"
        echo long > "$long/file-over-100"
        echo longer > "$longer/file-over-255"
        echo unicode > "$d/uni/héllo wörld ✓.txt"
        printf 'secret' > "$d/private"
        chmod 0600 "$d/private"
        printf '#!/bin/sh\necho hi\n' > "$d/tool"
        chmod 0755 "$d/tool"
        printf 'shared' > "$d/first"
        ln "$d/first" "$d/second"
        chmod 0666 "$d/first"
        ln -s "$(printf 'c%.0s' $(seq 1 150))/target" "$d/long-link"
        ln -s ../edge/tool "$d/tool-link"
        ln -s /etc/passwd "$d/absolute-link""#;

#[test]
fn edge_payloads_install_with_real_dpkg() {
    use std::os::unix::fs::MetadataExt;
    let p = Plugin::simple("edge", "acme", "1.0", 1);
    p.rules(&marker_rules(EDGE_PACKAGE));
    let built = p.build();
    let root = DpkgRoot::new();
    root.install(&built.deb);
    let d = root.path().join("usr/share/edge");
    let long = d.join("a".repeat(120));
    let longer = long.join("b".repeat(200));
    assert!(longer.join("file-over-255").to_str().unwrap().len() > 255);
    assert_eq!(
        std::fs::read_to_string(long.join("file-over-100")).unwrap(),
        "long\n"
    );
    assert_eq!(
        std::fs::read_to_string(longer.join("file-over-255")).unwrap(),
        "longer\n"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("uni/héllo wörld ✓.txt")).unwrap(),
        "unicode\n"
    );
    assert!(d.join("empty dir").is_dir());
    let mode = |rel: &str| std::fs::symlink_metadata(d.join(rel)).unwrap().mode() & 0o7777;
    assert_eq!(mode("private"), 0o600);
    assert_eq!(mode("tool"), 0o755);
    assert_eq!(mode("first"), 0o644, "group and other write are removed");
    assert_eq!(mode("empty dir"), 0o755);
    let ino = |rel: &str| std::fs::metadata(d.join(rel)).unwrap().ino();
    assert_eq!(ino("first"), ino("second"), "hard links stay hard links");
    let link = |rel: &str| {
        std::fs::read_link(d.join(rel))
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(link("long-link"), format!("{}/target", "c".repeat(150)));
    assert_eq!(link("tool-link"), "../edge/tool");
    assert_eq!(
        link("absolute-link"),
        "/etc/passwd",
        "symlinks are archived, never followed"
    );
    root.remove("wazo-plugind-edge-acme");
    assert!(!d.exists());
    // Installed-Size counts the hard-linked file once.
    assert_eq!(
        built.field("Installed-Size"),
        gencontrol_installed_size(&built.deb).to_string()
    );
}

/// The tar entries of the data member, read with our own reader.
fn data_entries(deb: &Path) -> Vec<wazo_pluginctl::deb::reader::TarEntry> {
    use wazo_pluginctl::deb::reader::{algorithm_of, decompress, ArReader, TarReader};
    let mut ar = ArReader::new(std::io::BufReader::new(std::fs::File::open(deb).unwrap())).unwrap();
    let mut names = Vec::new();
    while let Some(m) = ar.next_member().unwrap() {
        names.push(m.name.clone());
        if m.name.starts_with("data.tar") {
            let alg = algorithm_of(&m.name).unwrap();
            let mut tar = TarReader::new(decompress(alg, ar.data(&m)).unwrap());
            let mut out = Vec::new();
            while let Some(e) = tar.next_entry().unwrap() {
                out.push(e);
            }
            assert_eq!(names, ["debian-binary", "control.tar.xz", "data.tar.xz"]);
            return out;
        }
    }
    panic!("no data member in {names:?}");
}

#[test]
fn every_entry_is_root_owned_stamped_and_ordered_as_dpkg_deb_does() {
    let p = Plugin::simple("order", "acme", "1.0", 1);
    p.rules(&marker_rules(EDGE_PACKAGE));
    let built = p.build_with(|c| {
        c.env("SOURCE_DATE_EPOCH", "1234567890");
    });
    let entries = data_entries(&built.deb);
    assert_eq!(entries[0].path, "./");
    let mut seen_symlink = false;
    let mut dirs = std::collections::HashSet::new();
    for e in &entries {
        assert_eq!(
            (e.uid, e.gid, e.uname.as_str(), e.gname.as_str()),
            (0, 0, "root", "root"),
            "{}",
            e.path
        );
        assert_eq!(e.mtime, 1_234_567_890, "{}", e.path);
        assert!(!e.pax && !e.sparse, "{}", e.path);
        assert!(e.path.starts_with("./"));
        let parent = match e.path.trim_end_matches('/').rfind('/') {
            Some(i) => &e.path[..=i],
            None => "",
        };
        assert!(
            e.path == "./" || dirs.contains(parent),
            "{} comes before its folder",
            e.path
        );
        if e.kind == wazo_pluginctl::deb::reader::TarKind::Dir {
            assert_eq!(e.mode, 0o755);
            dirs.insert(e.path.clone());
        }
        if e.kind == wazo_pluginctl::deb::reader::TarKind::Symlink {
            seen_symlink = true;
        } else {
            assert!(
                !seen_symlink,
                "{}: symlinks come after all other entries",
                e.path
            );
        }
    }
    assert!(seen_symlink);
    // The ar members carry the timestamp too.
    let o = run(std::process::Command::new("ar").arg("tv").arg(&built.deb));
    assert_eq!(stdout(&o).lines().count(), 3);
    for line in stdout(&o).lines() {
        assert!(line.starts_with("rw-r--r-- 0/0 "), "{line}");
        assert!(
            line.contains("Feb 13 23:31 2009") || line.contains("Feb 14 00:31 2009"),
            "{line}"
        );
    }
}

#[test]
fn two_builds_are_byte_identical_across_umask_folders_tmpdir_and_time() {
    let p = Plugin::simple("repro", "acme", "1.0", 1);
    p.rules(&marker_rules(EDGE_PACKAGE));
    let tmp1 = tempfile::tempdir().unwrap();
    let tmp2 = tempfile::tempdir().unwrap();
    let a = p.build_with(|c| {
        c.env("TMPDIR", tmp1.path());
    });
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let b = {
        // Another umask for the rules step and pluginctl itself.
        let out = tempfile::tempdir().unwrap();
        let o = run(std::process::Command::new("sh")
            .arg("-c")
            .arg("umask 077; exec \"$0\" build \"$1\" -o \"$2\"")
            .arg(bin())
            .arg(p.path())
            .arg(out.path())
            .env("TMPDIR", tmp2.path())
            .env_remove("SOURCE_DATE_EPOCH"));
        assert!(o.status.success(), "{}", stderr(&o));
        let deb = out.path().join(a.deb.file_name().unwrap());
        (std::fs::read(deb).unwrap(), out)
    };
    assert!(
        std::fs::read(&a.deb).unwrap() == b.0,
        "the two packages differ"
    );
    assert!(
        leftovers(tmp1.path()).is_empty() && leftovers(tmp2.path()).is_empty(),
        "staging folders left behind"
    );
}

#[test]
fn build_timestamp_comes_from_the_git_head_commit() {
    if !runs(std::process::Command::new("git").arg("--version")) {
        skip("build_timestamp_comes_from_the_git_head_commit: git is not installed");
        return;
    }
    let p = Plugin::simple("gitted", "acme", "1.0", 1);
    let git = |args: &[&str]| {
        let o = run(std::process::Command::new("git")
            .args(args)
            .current_dir(p.path())
            .env("GIT_AUTHOR_DATE", "@1500000000 +0000")
            .env("GIT_COMMITTER_DATE", "@1500000000 +0000")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.org")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.org"));
        assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "init"]);
    let built = p.build();
    assert!(data_entries(&built.deb)
        .iter()
        .all(|e| e.mtime == 1_500_000_000));
}

#[test]
fn lintian_accepts_a_plugin_with_etc_files_and_a_debian_revision() {
    let p = Plugin::new(
        "name: etcplugin\nnamespace: acme\nversion: 1.0-2\ndisplay_name: Etc plugin\nauthor: ACME Corp\n\
         description: Ships a configuration file.\n",
    );
    p.file(
        "LICENSE",
        std::fs::read("/usr/share/common-licenses/GPL-3").unwrap(),
    );
    p.file("demo.conf", "[demo]\nkey = value\n");
    p.rules(&marker_rules("        mkdir -p \"$pkgdir/etc/demo\"\n        install -m 0644 demo.conf \"$pkgdir/etc/demo/demo.conf\""));
    let built = p.build();
    let tags = lintian_no_errors(&built.deb);
    assert!(
        !tags
            .iter()
            .any(|t| t.contains("file-in-etc-not-marked-as-conffile")),
        "{tags:?}"
    );
    assert!(!tags.iter().any(|t| t.contains("copyright")), "{tags:?}");
    let copyright = std::fs::read_to_string(
        built
            .extract()
            .path()
            .join("usr/share/doc/wazo-plugind-etcplugin-acme/copyright"),
    )
    .unwrap();
    assert!(copyright.contains("License: GPL-3+\n"), "{copyright}");
    assert!(
        copyright.contains("/usr/share/common-licenses/GPL-3"),
        "{copyright}"
    );
    let root = DpkgRoot::new();
    root.install(&built.deb);
    assert!(root.has("etc/demo/demo.conf"));
    root.remove("wazo-plugind-etcplugin-acme");
    assert!(
        !root.has("etc/demo/demo.conf"),
        "no conffiles: configuration goes with the plugin"
    );
}

#[test]
fn the_staging_folder_is_outside_the_checkout_so_cp_r_dot_works() {
    let p = Plugin::simple("copyall", "acme", "1.0", 0);
    p.file("share/x.txt", "x\n");
    p.rules(&marker_rules("        case \"$pkgdir\" in \"$PWD\"/*) echo inside >&2; exit 9;; esac\n        mkdir -p \"$pkgdir/usr/share/copyall\"\n        cp -R share \"$pkgdir/usr/share/copyall/\""));
    let built = p.build();
    assert!(built
        .contents()
        .iter()
        .any(|l| l.ends_with("./usr/share/copyall/share/x.txt")));
}

#[test]
fn fakeroot_lets_a_non_root_user_run_install_o_root() {
    if !runs(std::process::Command::new("fakeroot").arg("true")) {
        skip("fakeroot_lets_a_non_root_user_run_install_o_root: fakeroot is not installed");
        return;
    }
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc_geteuid() } == 0;
    let user = "pluginctl-test";
    if root {
        let exists = run(std::process::Command::new("id").arg(user))
            .status
            .success();
        if !exists
            && !run(std::process::Command::new("useradd").args([
                "--system",
                "--no-create-home",
                user,
            ]))
            .status
            .success()
        {
            skip(&format!(
                "fakeroot_lets_a_non_root_user_run_install_o_root: cannot create the user {user}"
            ));
            return;
        }
    }
    let p = Plugin::simple("fakeroot", "acme", "1.0", 0);
    p.file("tool", "#!/bin/sh\n");
    p.rules(&marker_rules(
        "        install -D -o root -g root -m 0755 tool \"$pkgdir/usr/bin/fakeroot-tool\"",
    ));
    let out = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for dir in [p.path(), out.path(), tmp.path()] {
        chmod(dir, 0o777);
    }
    let mut cmd = if root {
        let mut c = std::process::Command::new("runuser");
        c.args(["-u", user, "--", bin()]);
        c
    } else {
        std::process::Command::new(bin())
    };
    let o = run(cmd
        .arg("build")
        .arg(p.path())
        .arg("-o")
        .arg(out.path())
        .env("TMPDIR", tmp.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    let deb = out.path().join("wazo-plugind-fakeroot-acme_1.0_all.deb");
    let contents = dpkg_deb(&deb, &["--contents"]);
    assert!(
        contents.lines().any(
            |l| l.starts_with("-rwxr-xr-x root/root") && l.ends_with("./usr/bin/fakeroot-tool")
        ),
        "{contents}"
    );
    assert!(leftovers(tmp.path()).is_empty());
}

extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}

#[test]
fn a_one_word_display_name_still_gives_lintian_a_real_synopsis() {
    let p = Plugin::new("name: oneword\nnamespace: acme\nversion: \"1.0\"\ndisplay_name: Hello\ndescription: Says hello.\n");
    let built = p.build();
    assert_eq!(
        built.field("Description"),
        "Hello (Wazo plugin acme/oneword)"
    );
    let tags = lintian_no_errors(&built.deb);
    assert!(
        !tags.iter().any(|t| t.contains("description-too-short")),
        "{tags:?}"
    );
}

/// A real plugin's one-line description of 134 characters, with no display_name: the
/// synopsis used to be cut at 79 characters and the rest of the sentence lost.
#[test]
fn a_long_one_line_description_keeps_every_word() {
    let text = "Integrates the Acme CRM into Wazo: caller lookup on incoming calls, call logging \
                and click-to-call from the contact pages of the CRMs.";
    assert_eq!(text.chars().count(), 134);
    let p = Plugin::new(&format!(
        "name: crm\nnamespace: acme\nversion: \"1.0\"\ndescription: \"{text}\"\n"
    ));
    let built = p.build();
    let control = built.control();
    let description: Vec<&str> = control
        .lines()
        .skip_while(|l| !l.starts_with("Description:"))
        .collect();
    assert_eq!(
        description[..4],
        [
            "Description: Integrates the Acme CRM into Wazo: caller lookup on incoming calls, call",
            " logging and click-to-call from the contact pages of the CRMs.",
            " .",
            " Wazo plugin acme/crm, packaged for wazo-plugind.",
        ]
    );
    let tags = lintian_no_errors(&built.deb);
    assert!(
        !tags
            .iter()
            .any(|t| t.contains("synopsis") || t.contains("description-")),
        "{tags:?}"
    );
}

/// lintian reported `unused-override initial-upload-closes-no-bugs` on nearly every real
/// plugin: the override is written only for a version ending in `-1` (the only one lintian
/// reads as an initial upload), the conffile one only for a regular file under etc/.
/// `lintian_no_errors` fails on any unused override.
#[test]
fn overrides_are_written_only_for_tags_that_fire() {
    let overrides_of = |version: &str, etc: bool| {
        let p = Plugin::simple("ovr", "test", version, 1);
        p.file("hello.conf", "x = 1\n");
        let install = if etc {
            "        mkdir -p \"$pkgdir/etc/ovr\"\n        cp hello.conf \"$pkgdir/etc/ovr/\""
        } else {
            "        mkdir -p \"$pkgdir/usr/share/ovr\"\n        cp hello.conf \"$pkgdir/usr/share/ovr/\""
        };
        p.rules(&marker_rules(install));
        let built = p.build();
        let tags = lintian_no_errors(&built.deb);
        assert!(!tags.iter().any(|t| t.starts_with("W:")), "{tags:?}");
        let tree = built.extract();
        let text = std::fs::read_to_string(
            tree.path()
                .join("usr/share/lintian/overrides/wazo-plugind-ovr-test"),
        )
        .unwrap();
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(overrides_of("1.0", false), ["unknown-section"]);
    assert_eq!(
        overrides_of("1.0-1", true),
        [
            "unknown-section",
            "initial-upload-closes-no-bugs",
            "file-in-etc-not-marked-as-conffile"
        ]
    );
}
