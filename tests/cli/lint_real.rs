//! `pluginctl lint` on packages made the ways real plugins and real Debian packages are
//! made: by the Wazo daemon's builder (maintainer scripts calling the rules file through a
//! variable), by `dpkg-deb` with conffiles, fixed system groups, a sticky folder and a
//! setuid file, and by plugins that follow the patterns of public Wazo plugins. Working
//! packages must have no error, and each finding is asserted by tag, severity and place.
//! Then what lint must catch (binaries in an `all` package, hard links out of the package,
//! a previous build inside the payload), what `build` says before it runs the rules, and
//! lintian on packages of plugins with very long names.

use crate::lint::{clean_plugin, hello_deb, lint_one, Raw, Report};
use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::Command;

impl Report {
    /// `severity:tag:path` of each finding, sorted; the package's own path reads `DEB`.
    fn places(&self, deb: &Path) -> Vec<String> {
        self.places_of(Some(deb))
    }

    /// `severity:tag:path` of each finding, sorted; the package's path, if any, reads `DEB`.
    fn places_of(&self, deb: Option<&Path>) -> Vec<String> {
        let shown = deb.map(|d| d.display().to_string());
        let mut out: Vec<String> = self
            .findings()
            .iter()
            .map(|f| {
                format!(
                    "{}:{}:{}",
                    f["severity"].as_str().unwrap(),
                    f["tag"].as_str().unwrap(),
                    match &shown {
                        Some(shown) => f["path"].as_str().unwrap().replace(shown, "DEB"),
                        None => f["path"].as_str().unwrap().to_string(),
                    }
                )
            })
            .collect();
        out.sort();
        out
    }
}

/// `dpkg-deb --build` of a hand-made tree (with `DEBIAN/`), keeping the tree's owners
/// unless `root_owner` asks for root:root.
fn dpkg_deb_build(tree: &Path, out: &Path, root_owner: bool) -> PathBuf {
    let mut cmd = Command::new("dpkg-deb");
    if root_owner {
        cmd.arg("--root-owner-group");
    }
    let o = run(cmd.args(["-Zxz", "--build"]).arg(tree).arg(out));
    assert!(o.status.success(), "dpkg-deb --build: {}", stderr(&o));
    out.to_path_buf()
}

fn write_mode(path: impl AsRef<Path>, content: &str, mode: u32) {
    write(path.as_ref(), content);
    chmod(path.as_ref(), mode);
}

// ---------------------------------------------------------------- packages that work

/// A package made as the Wazo daemon makes it: no md5sums, no Installed-Size, and
/// maintainer scripts that call the rules file through a variable (`"$RULEFILE" install`,
/// `${RULEFILE} uninstall`, the saved copy through another one). It installs, removes and
/// purges under real dpkg, and lint finds no error in it.
#[test]
fn a_package_built_the_daemons_way_has_no_error() {
    let dir = tempfile::Builder::new()
        .prefix("daemon-")
        .tempdir()
        .unwrap();
    let tree = dir.path().join("tree");
    let place = tree.join("usr/lib/wazo-plugind/plugins/demo/daemon/wazo");
    write(
        place.join("plugin.yml"),
        "name: daemon\nnamespace: demo\nversion: 1.0.0\nplugin_format_version: 1\n",
    );
    write_mode(place.join("rules"), &marker_rules("        :"), 0o755);
    write(
        tree.join("DEBIAN/control"),
        "Package: wazo-plugind-daemon-demo\nVersion: 1.0.0\nArchitecture: all\n\
         Maintainer: Wazo Maintainers <dev@wazo.community>\nSection: wazo-plugind-plugin\n\
         Priority: extra\nDescription: Wazo plugin demo/daemon\n Built by wazo-plugind.\n",
    );
    let rules = "$DPKG_ROOT/usr/lib/wazo-plugind/plugins/demo/daemon/wazo/rules";
    let backup_dir = "$DPKG_ROOT/var/lib/wazo-plugind/rules";
    write_mode(
        tree.join("DEBIAN/postinst"),
        &format!(
            "#!/bin/sh\nset -e\n\nRULEFILE=\"{rules}\"\n\ncase \"$1\" in\n    configure)\n        \
             \"$RULEFILE\" install\n    ;;\nesac\n"
        ),
        0o755,
    );
    write_mode(
        tree.join("DEBIAN/prerm"),
        &format!(
            "#!/bin/sh\nset -e\n\nRULEFILE={rules}\nBACKUP_DIR={backup_dir}\n\n\
             case \"$1\" in\n    remove)\n        mkdir -p ${{BACKUP_DIR}}\n        \
             cp ${{RULEFILE}} ${{BACKUP_DIR}}/rules.daemon.demo\n        ${{RULEFILE}} uninstall\n    ;;\nesac\n"
        ),
        0o755,
    );
    write_mode(
        tree.join("DEBIAN/postrm"),
        &format!(
            "#!/bin/sh\nset -e\n\nRULEFILE_BACKUP={backup_dir}/rules.daemon.demo\n\n\
             case \"$1\" in\n    remove|purge)\n        if [ -f \"$RULEFILE_BACKUP\" ]; then\n            \
             \"$RULEFILE_BACKUP\" postrm\n            rm -f \"$RULEFILE_BACKUP\"\n        fi\n    ;;\nesac\n"
        ),
        0o755,
    );
    let deb = dpkg_deb_build(&tree, &dir.path().join("daemon.deb"), true);
    let r = lint_one(&deb);
    assert_eq!(
        r.places(&deb),
        [
            "I:installed-size-missing:DEB!DEBIAN/control",
            "W:md5sums-missing:DEB"
        ],
        "{:#}",
        r.json
    );
    assert_eq!(r.status, 0);
    // The scripts really run the rules file: the variables are what they seem.
    let root = DpkgRoot::new();
    root.install(&deb);
    root.remove("wazo-plugind-daemon-demo");
    root.purge("wazo-plugind-daemon-demo");
    assert_eq!(root.markers(), ["install 1", "uninstall 1", "postrm 1"]);
}

/// A package made by `dpkg-deb` as Debian makes them: a conffile left out of md5sums,
/// files of the fixed groups root:shadow and root:staff, a sticky world-writable folder
/// and a setuid file. The setuid file is the one thing worth a warning.
#[test]
fn a_debian_style_package_has_only_the_setuid_warning() {
    let hello = hello_deb();
    let raw = Raw::of(&hello.deb);
    let conf = "etc/asterisk/extensions_extra.d/helloworld.conf";
    write(raw.path("DEBIAN/conffiles"), format!("/{conf}\n"));
    raw.edit("DEBIAN/md5sums", |t| {
        t.lines()
            .filter(|l| !l.ends_with(conf))
            .map(|l| format!("{l}\n"))
            .collect()
    });
    write_mode(raw.path("etc/hello/secret"), "s3cret\n", 0o640);
    write_mode(raw.path("usr/local/share/hello/site"), "local\n", 0o644);
    write_mode(raw.path("usr/lib/hello/helper"), "#!/bin/sh\nid\n", 0o4755);
    std::fs::create_dir_all(raw.path("var/lib/hello/spool")).unwrap();
    chmod(raw.path("var/lib/hello/spool"), 0o1777);
    let chgrp = |group: &str, rel: &str| {
        let o = run(Command::new("chgrp").arg(group).arg(raw.path(rel)));
        assert!(o.status.success(), "chgrp: {}", stderr(&o));
    };
    chgrp("shadow", "etc/hello/secret");
    chgrp("staff", "usr/local/share/hello");
    chgrp("staff", "usr/local/share/hello/site");
    for rel in [
        "etc/hello/secret",
        "usr/local/share/hello/site",
        "usr/lib/hello/helper",
    ] {
        let o = run(Command::new("md5sum").arg(rel).current_dir(raw.root()));
        let mut sums = std::fs::read_to_string(raw.path("DEBIAN/md5sums")).unwrap();
        sums.push_str(&stdout(&o));
        std::fs::write(raw.path("DEBIAN/md5sums"), sums).unwrap();
    }
    // dpkg-deb keeps the tree's owners (no --root-owner-group): root:shadow is shipped.
    let deb = dpkg_deb_build(&raw.root(), &raw.path("../debian-style.deb"), false);
    let listing = dpkg_deb(&deb, &["--contents"]);
    assert!(listing.contains("root/shadow"), "{listing}");
    let r = lint_one(&deb);
    assert_eq!(r.places(&deb), ["W:setuid-file:DEB"], "{:#}", r.json);
    assert_eq!(
        r.message("setuid-file"),
        "1 file setuid or setgid: they run with their owner's or group's rights whoever \
         starts them: ./usr/lib/hello/helper (4755)"
    );
    // dpkg agrees the package is whole: it installs, and --verify finds nothing.
    let root = DpkgRoot::new();
    root.install(&deb);
    let v = root.dpkg(&["--verify", "wazo-plugind-helloworld-demo"]);
    assert!(v.status.success() && v.stdout.is_empty(), "{}", stdout(&v));

    // A world-writable folder without the sticky bit, and a file of an account that only
    // the build machine has, are still reported.
    chmod(raw.path("var/lib/hello/spool"), 0o777);
    let o = run(Command::new("chown")
        .arg("4242:4242")
        .arg(raw.path("usr/lib/hello/helper")));
    assert!(o.status.success());
    chmod(raw.path("usr/lib/hello/helper"), 0o755);
    let deb = dpkg_deb_build(&raw.root(), &raw.path("../not-sticky.deb"), false);
    let r = lint_one(&deb);
    assert_eq!(
        r.places(&deb),
        ["W:file-not-root:DEB", "W:world-writable:DEB"],
        "{:#}",
        r.json
    );
    assert!(r
        .message("world-writable")
        .starts_with("1 entry writable by every user: ./var/lib/hello/spool/ (0777)"));
    assert!(r
        .message("file-not-root")
        .contains("./usr/lib/hello/helper (4242/4242"));
}

/// A plugin after the patterns of public plugins: Python modules into
/// /usr/local/lib/python3.X/dist-packages, a tool into /usr/local/bin with `install -o
/// root`, plain copies to /var/www and /usr/src, no description, no `set -e`.
fn python_plugin() -> Plugin {
    let p = Plugin::new(
        "name: pyplug\nnamespace: acme\nversion: \"1.0.0\"\nplugin_format_version: 1\n\
         display_name: Python Plugin\n",
    );
    p.file("pyplug/__init__.py", "VERSION = '1.0.0'\n")
        .file("bin/pyplug", "#!/usr/bin/python3\nimport pyplug\n")
        .file("www/index.html", "<p>pyplug</p>\n")
        .file("src/pyplug.c", "int main(void) { return 0; }\n")
        .rules(
            r#"#!/bin/sh
case "$1" in
    build)
        ;;
    package)
        site="$pkgdir/usr/local/lib/python3.11/dist-packages/pyplug"
        mkdir -p "$site" "$pkgdir/usr/local/bin" "$pkgdir/var/www/pyplug" "$pkgdir/usr/src/pyplug"
        cp pyplug/__init__.py "$site/"
        install -o root -g root -m 755 bin/pyplug "$pkgdir/usr/local/bin/pyplug"
        cp -R www/. "$pkgdir/var/www/pyplug/"
        cp -R src/. "$pkgdir/usr/src/pyplug/"
        ;;
    install|uninstall|postrm)
        mkdir -p "$DPKG_ROOT/markers"
        echo "$1 $#" >> "$DPKG_ROOT/markers/log"
        ;;
    *)
        echo "$0 called with unknown argument '$1'" >&2
        exit 1
        ;;
esac
"#,
        );
    p
}

#[test]
fn a_python_plugin_after_real_patterns_has_notes_only() {
    let p = python_plugin();
    let r = lint_one(p.path());
    let rules = format!("{}/wazo/rules", p.path().display());
    let manifest = format!("{}/wazo/plugin.yml", p.path().display());
    assert_eq!(
        r.places_of(None),
        [
            format!("I:maintainer-default:{manifest}"),
            format!("I:missing-description:{manifest}"),
            format!("I:rules-no-set-e:{rules}")
        ]
    );
    assert_eq!(r.status, 0);
    let out = tempfile::Builder::new().prefix("out-").tempdir().unwrap();
    let o = run(&mut p.build_cmd(out.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning:"), "{}", stderr(&o));
    let deb = PathBuf::from(stdout(&o).trim());
    let r = lint_one(&deb);
    assert_eq!(
        r.places(&deb),
        ["I:rules-no-set-e:DEB!usr/lib/wazo-plugind/plugins/acme/pyplug/wazo/rules".to_string()]
    );
    let root = DpkgRoot::new();
    root.install(&deb);
    assert!(root.has("usr/local/lib/python3.11/dist-packages/pyplug/__init__.py"));
    root.remove("wazo-plugind-pyplug-acme");
    assert_eq!(root.markers(), ["install 1", "uninstall 1", "postrm 1"]);
}

/// Installed-Size is what dpkg-gencontrol computes for the same tree and maintainer
/// scripts (run here on the package's own tree): folders, empty files, files just over a
/// KiB, symlinks, a hard link counted once.
#[test]
fn installed_size_is_what_dpkg_gencontrol_computes() {
    let p = clean_plugin();
    p.file("big.bin", vec![7u8; 5000]).rules(&marker_rules(
        r#"        d="$pkgdir/usr/share/hello"
        mkdir -p "$d/a/b/c" "$d/empty"
        cp big.bin "$d/a/"
        ln "$d/a/big.bin" "$d/a/b/same.bin"
        head -c 1025 big.bin > "$d/a/b/c/just-over"
        : > "$d/zero"
        ln -s ../../../../usr/share/hello/a/big.bin "$d/a/b/c/link"
        ln -s "$(printf '%01100d' 0)" "$d/long-link""#,
    ));
    let built = p.build();
    let declared: u64 = built.field("Installed-Size").parse().unwrap();
    assert_eq!(declared, gencontrol_installed_size(&built.deb));
    // The maintainer scripts are counted: without them the size would be 3 KiB less.
    let scripts: u64 = ["postinst", "prerm", "postrm"]
        .iter()
        .map(|s| (built.ctrl_file(s).len() as u64).div_ceil(1024))
        .sum();
    assert_eq!(scripts, 3);
    // lint accepts both ways of counting: with the control files and without.
    let raw = Raw::of(&built.deb);
    raw.edit("DEBIAN/control", |c| {
        c.replace(
            &format!("Installed-Size: {declared}\n"),
            &format!("Installed-Size: {}\n", declared - scripts),
        )
    });
    let r = lint_one(&raw.dpkg_deb("payload-only.deb"));
    assert_eq!(r.tags(), Vec::<String>::new(), "{:#}", r.json);
}

// ---------------------------------------------------------------- what lint must catch

#[test]
fn elf_binaries_in_an_arch_all_package() {
    let p = clean_plugin();
    p.rules(&marker_rules(
        "        mkdir -p \"$pkgdir/usr/lib/hello\"\n        cp /bin/true \"$pkgdir/usr/lib/hello/true\"",
    ));
    let built = p.build_unlinted(|_| {});
    let r = lint_one(&built.deb);
    assert_eq!(r.places(&built.deb), ["E:binary-in-arch-all:DEB"]);
    assert_eq!(
        r.message("binary-in-arch-all"),
        "1 file compiled for one processor in a package for every architecture (Architecture \
         all, as the Wazo daemon always builds); build them on the server from `rules \
         install`, or depend on a Debian package that ships them: ./usr/lib/hello/true (ELF \
         shared object or executable)"
    );
    // lintian says the same.
    let o = run(Command::new("lintian")
        .args(["--tag-display-limit", "0", "--allow-root"])
        .arg(&built.deb));
    assert!(
        stdout(&o).contains("arch-independent-package-contains-binary-or-object"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_hard_link_to_an_absolute_path() {
    let raw = Raw::of(&hello_deb().deb);
    write(raw.path("usr/share/hello/a"), "shared\n");
    std::fs::hard_link(raw.path("usr/share/hello/a"), raw.path("usr/share/hello/b")).unwrap();
    let mut members = raw.members(&["--format=gnu"], &["--format=gnu"]);
    // The hard link's target (only) is rewritten to a path of the host.
    members[2].1 = raw.tar(
        "",
        &[
            "--format=gnu",
            "-P",
            "--transform=s,^\\./usr/share/hello/a$,/etc/passwd,RS",
        ],
    );
    let deb = raw.ar("hardlink.deb", &members);
    let o = run(Command::new("dpkg-deb").arg("--contents").arg(&deb));
    assert!(
        stderr(&o).contains("Removing leading `/' from hard link targets"),
        "{}",
        stderr(&o)
    );
    let r = lint_one(&deb);
    let tags = r.tags();
    assert!(
        tags.contains(&"E:hard-link-outside".to_string()),
        "{tags:?}"
    );
    assert_eq!(
        r.message("hard-link-outside"),
        "1 hard link whose target is an absolute path or climbs out with ..: dpkg would link a \
         file of the server into the package: ./usr/share/hello/b -> /etc/passwd"
    );
}

/// `cp -R . "$pkgdir/..."` with the output folder in the checkout: the second package
/// carries the first.
#[test]
fn a_previous_build_inside_the_payload() {
    let p = clean_plugin();
    p.rules(&marker_rules(
        "        mkdir -p \"$pkgdir/usr/share/hello\"\n        cp -R . \"$pkgdir/usr/share/hello/\"",
    ));
    let build = || {
        let o = run(&mut p.build_cmd(p.path()));
        assert!(o.status.success(), "{}", stderr(&o));
        PathBuf::from(stdout(&o).trim())
    };
    let first = build();
    assert_eq!(lint_one(&first).tags(), Vec::<String>::new());
    let second = build();
    let r = lint_one(&second);
    assert_eq!(r.places(&second), ["W:deb-in-payload:DEB"]);
    assert_eq!(
        r.message("deb-in-payload"),
        "1 file holding a Debian package (a previous build of this very package, copied in by \
         `cp -R . \"$pkgdir\"` when the output folder is the checkout; build with -o outside \
         the checkout, or remove the old .deb): ./usr/share/hello/wazo-plugind-hello-demo_1.10_all.deb"
    );
}

/// Files in /tmp are an error for the right reason: the system empties /tmp, not "the build
/// machine".
#[test]
fn files_in_tmp_are_refused_for_what_tmp_is() {
    let p = clean_plugin();
    p.rules(&marker_rules(
        "        mkdir -p \"$pkgdir/tmp/hello\"\n        echo x > \"$pkgdir/tmp/hello/state\"",
    ));
    let built = p.build_unlinted(|_| {});
    let r = lint_one(&built.deb);
    assert_eq!(r.places(&built.deb), ["E:payload-from-build-machine:DEB"]);
    assert_eq!(
        r.message("payload-from-build-machine"),
        "1 file under /tmp, which the system empties at boot: they vanish while dpkg still \
         lists them (create them from `rules install`, or ship them under /usr/share): \
         ./tmp/hello/state"
    );
}

// ---------------------------------------------------------------- build

/// A rules file whose `*)` branch fails and that has no `uninstall` branch: dpkg -r fails
/// in prerm. build says so before it runs the rules, and --deny-warnings stops it there.
#[test]
fn build_warns_of_an_unremovable_package_and_deny_warnings_stops_it() {
    let p = clean_plugin();
    p.rules(
        "#!/bin/sh\nset -e\ncase \"$1\" in\n    build) touch built-marker ;;\n    package) ;;\n    \
         install|postrm) ;;\n    *)\n        echo \"unknown $1\" >&2\n        exit 1\n        ;;\nesac\n",
    );
    let warning = format!(
        "warning: {}/wazo/rules:7: rules-missing-command: no branch for \"uninstall\" (run by \
         prerm before the package is removed), and the *) branch here ends with `exit 1`, so \
         that call fails; add a branch, even an empty one: uninstall) ;;",
        p.path().display()
    );
    let out = tempfile::Builder::new().prefix("out-").tempdir().unwrap();
    let o = run(p.build_cmd(out.path()).arg("--deny-warnings"));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "{warning}\nerror: {}: 1 lint error in the checkout (above) and --deny-warnings: \
             nothing was built; fix them, or build without --deny-warnings\n",
            p.path().display()
        )
    );
    assert!(leftovers(out.path()).is_empty());
    assert!(!p.path().join("built-marker").exists(), "the rules ran");

    let o = run(&mut p.build_cmd(out.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with(&format!("{warning}\n")),
        "{}",
        stderr(&o)
    );
    // The warning is true: dpkg cannot remove the package.
    let deb = PathBuf::from(stdout(&o).trim());
    let root = DpkgRoot::new();
    root.install(&deb);
    let r = root.dpkg(&["-r", "wazo-plugind-hello-demo"]);
    assert!(!r.status.success(), "dpkg -r succeeded");
    // --quiet keeps the warning.
    let o = run(p.build_cmd(out.path()).arg("--quiet"));
    assert!(stderr(&o).starts_with(&warning), "{}", stderr(&o));
}

// ---------------------------------------------------------------- lintian

/// A plugin whose name, namespace and version have 40 characters each, with files in /etc
/// and a description line of 900 columns: lintian has nothing to say about a file
/// pluginctl generated, and every line of our own text fits in 80 columns.
#[test]
fn lintian_on_a_plugin_with_long_names() {
    let name = "a-plugin-name-of-forty-characters-long-x";
    let namespace = "anamespaceoffortycharacterslongxxxxxxxxx";
    let version = "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.1";
    assert_eq!((name.len(), namespace.len(), version.len()), (40, 40, 40));
    let long_line = "word ".repeat(180);
    let p = Plugin::new(&format!(
        "name: {name}\nnamespace: {namespace}\nversion: \"{version}\"\nplugin_format_version: 1\n\
         display_name: Long Names Plugin\nauthor: The Very Long Named Authors Of This Long Named Plugin Incorporated\n\
         description: |\n  {long_line}\n\n  Second paragraph,\n  on two lines.\n    an indented line stays\n"
    ));
    p.file("hello.conf", "[hello]\n").rules(&marker_rules(
        "        mkdir -p \"$pkgdir/etc/hello\"\n        cp hello.conf \"$pkgdir/etc/hello/\"",
    ));
    let built = p.build();
    // Installed and removed by real dpkg, long names and all.
    let root = DpkgRoot::new();
    root.install(&built.deb);
    let o = root.dpkg(&["-r", &format!("wazo-plugind-{name}-{namespace}")]);
    assert!(o.status.success(), "dpkg -r: {}", stderr(&o));
    let o = run(Command::new("lintian")
        .args(["--tag-display-limit", "0", "--allow-root"])
        .arg(&built.deb));
    // The .deb's own name is long because the names are: lintian's file-name tag is about
    // the names the author chose, not about a file pluginctl writes.
    let said = stdout(&o);
    let tags: Vec<&str> = said
        .lines()
        .filter(|l| !l.contains("package-has-long-file-name"))
        .collect();
    assert!(tags.is_empty(), "lintian:\n{}{}", stdout(&o), stderr(&o));
    // Our own lines, read back from the package.
    let tree = built.extract();
    let package = format!("wazo-plugind-{name}-{namespace}");
    let doc = tree.path().join(format!("usr/share/doc/{package}"));
    let gz = std::fs::read(doc.join("changelog.gz")).unwrap();
    let mut changelog = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut changelog)
        .unwrap();
    let overrides = std::fs::read_to_string(
        tree.path()
            .join(format!("usr/share/lintian/overrides/{package}")),
    )
    .unwrap();
    let copyright = std::fs::read_to_string(doc.join("copyright")).unwrap();
    let control = built.control();
    let description = control.split_once("Description: ").unwrap().1.to_string();
    for (what, text) in [
        ("copyright", &copyright),
        ("overrides", &overrides),
        ("description", &description),
    ] {
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "{what}: {line:?}");
        }
    }
    // The changelog's header and signature lines have a fixed syntax; its change lines fit.
    for line in changelog.lines().filter(|l| l.starts_with("  ")) {
        assert!(line.chars().count() <= 80, "changelog: {line:?}");
    }
    // Wrapped, never cut: every word is still there.
    let words = |t: &str| t.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    assert!(
        words(&description)
            .windows(1)
            .filter(|w| w[0] == "word")
            .count()
            == 180
    );
    assert!(changelog.contains(name) && changelog.contains(namespace));
    assert!(changelog.contains(version));
    assert!(
        // The YAML block keeps two spaces of the line's four; a control line that starts with
        // more than one space is shown verbatim (Policy 5.6.13).
        description.contains(" Second paragraph, on two lines.\n   an indented line stays\n"),
        "{description}"
    );
    assert!(overrides.contains("\nfile-in-etc-not-marked-as-conffile\n"));
}
