//! The first hour, round two (issue 28): build and lint agree on warnings, no finding made
//! up after a YAML error, the Maintainer from `author`, a package left in the plugin folder,
//! allowing a finding, and the help and manual pages.

use crate::support::*;
use std::path::Path;

/// Rules that stage nothing and answer every command.
const RULES: &str =
    "#!/bin/sh\nset -e\ncase \"$1\" in\n    build|package|install|uninstall|postrm) ;;\nesac\n";

/// A plugin with this manifest and [`RULES`].
pub(crate) fn plugin(manifest: &str) -> Plugin {
    let p = Plugin::new(manifest);
    p.rules(RULES);
    p
}

/// The .deb files in `dir`.
fn debs(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

// ---------------------------------------------------------------- 1: one list, one verdict

#[test]
fn build_prints_every_warning_lint_gives_and_deny_warnings_is_the_same_verdict() {
    let p = plugin(
        "name: hello\nnamespace: demo\nversion: 1.10\ndisplay_name: Hello\n\
         debian_depend:\n  - curl\n",
    );
    let yml = p.path().join("wazo/plugin.yml");
    let warnings = format!(
        "warning: {yml}:3:10: version-read-as-number: version 1.10: the Wazo daemon's YAML 1.1 \
         reader takes it as the number 1.1, not the text \"1.10\"; quote it: version: \"1.10\"\n\
         warning: {yml}:5:1: unknown-key-typo: unknown key \"debian_depend\": did you mean \
         \"debian_depends\"? (unknown keys are kept for the market, so this one is silently \
         ignored)\n",
        yml = yml.display()
    );
    let out = tempfile::tempdir().unwrap();
    let o = run(p.build_cmd(out.path()).arg("--quiet"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o), warnings);

    let lint = run(pluginctl().args(["lint", "--deny-warnings"]).arg(p.path()));
    assert_eq!(lint.status.code(), Some(1), "{}", stdout(&lint));
    let out = tempfile::tempdir().unwrap();
    let o = run(p.build_cmd(out.path()).arg("--deny-warnings"));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "{warnings}error: {}: 2 lint errors in the checkout (above) and --deny-warnings: \
             nothing was built; fix them, or build without --deny-warnings\n",
            p.path().display()
        )
    );
    assert!(debs(out.path()).is_empty());

    // A clean checkout: lint --deny-warnings passes, and so does build.
    p.manifest(
        "name: hello\nnamespace: demo\nversion: \"1.10\"\ndisplay_name: Hello\n\
         description: Says hello.\nauthor: Acme <dev@acme.example>\n",
    );
    let lint = run(pluginctl().args(["lint", "--deny-warnings"]).arg(p.path()));
    assert_eq!(lint.status.code(), Some(0), "{}", stdout(&lint));
    let o = run(p.build_cmd(out.path()).arg("--deny-warnings"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning:"), "{}", stderr(&o));
}

// ---------------------------------------------------------------- 2: after a YAML error

/// Rules whose postrm branch does work: worth a warning only for plugin_format_version 0.
const POSTRM_RULES: &str = "#!/bin/sh\nset -e\ncase \"$1\" in\n    build|package|install|uninstall) ;;\n    postrm) rm -f \"$DPKG_ROOT/var/lib/hello-state\" ;;\nesac\n";

#[test]
fn no_format_dependent_finding_after_a_yaml_error_and_the_misindented_line_is_named() {
    let p = plugin(
        "name: hello\nnamespace: demo\nversion: \"1.0\"\nplugin_format_version: 1\n\
         depends:\n  - name: other\n   namespace: demo\n",
    );
    p.rules(POSTRM_RULES);
    let o = run(pluginctl().arg("lint").arg(p.path()));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        format!(
            "E: {}/wazo/plugin.yml:7:4: manifest-invalid: YAML syntax: while parsing a block \
             collection, did not find expected '-' indicator; line 7 needs indenting: indent it \
             by 1 more space (4 in all) to line up with line 6\n\
             1 input checked: 1 error, 0 warnings, 0 info\n",
            p.path().display()
        )
    );
    // A format version the manifest does not make clear: no guess either.
    p.manifest("name: hello\nnamespace: demo\nversion: \"1.0\"\nplugin_format_version: 3\ndisplay_name: Hello\ndescription: Hi.\n");
    let o = run(pluginctl().arg("lint").arg(p.path()));
    assert!(
        !stdout(&o).contains("rules-postrm-ignored"),
        "{}",
        stdout(&o)
    );
    // The check itself still runs when the manifest says format 0.
    p.manifest(
        "name: hello\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: Hello\ndescription: Hi.\n",
    );
    let o = run(pluginctl().arg("lint").arg(p.path()));
    assert!(stdout(&o).contains("W: "), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("rules-postrm-ignored"),
        "{}",
        stdout(&o)
    );

    // A continued value whose line is not indented: build names the line to indent.
    p.manifest(
        "name: hello\nnamespace: demo\nversion: \"1.0\"\ndescription: >\n  Says hello\n\
         to everyone\n",
    );
    let out = tempfile::tempdir().unwrap();
    let o = run(&mut p.build_cmd(out.path()));
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}/wazo/plugin.yml:6:1: YAML syntax: simple key expect ':'; line 6 needs \
             indenting: indent it by 2 spaces to line up with line 5\n",
            p.path().display()
        )
    );
    // A key without ':': the parser stops on the next line (or at the end of the file);
    // the line named is the key's own, with or without a final line break.
    for (text, words) in [
        (
            "name: hello\nnamespace: demo\nversion \"1.0\"\ndisplay_name: Hello\n",
            "simple key expect ':'",
        ),
        (
            "name: hello\nnamespace: demo\nversion \"1.0\"",
            "simple key expected",
        ),
    ] {
        p.manifest(text);
        let o = run(&mut p.build_cmd(out.path()));
        assert_eq!(o.status.code(), Some(3));
        assert_eq!(
            stderr(&o),
            format!(
                "error: {}/wazo/plugin.yml:3:1: YAML syntax: {words}; a key must be followed \
                 by ':' and a space (key: value)\n",
                p.path().display()
            ),
            "{text:?}"
        );
    }
}

// ---------------------------------------------------------------- 3: the Maintainer

#[test]
fn maintainer_is_the_author_when_it_has_an_address_else_the_default_and_lint_says_how() {
    let p = plugin(
        "name: hello\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: Hello\n\
         author: Acme Telecom <dev@acme.example>\n",
    );
    let built = p.build();
    assert_eq!(built.field("Maintainer"), "Acme Telecom <dev@acme.example>");
    lintian_no_errors(&built.deb);
    // --maintainer still wins.
    let built = p.build_with(|c| {
        c.args(["--maintainer", "Jane Doe <jane@example.org>"]);
    });
    assert_eq!(built.field("Maintainer"), "Jane Doe <jane@example.org>");

    // A name only: the default, and lint says how to set one (a note, not a warning).
    p.manifest("name: hello\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: Hello\nauthor: Acme Telecom\n");
    let built = p.build();
    assert_eq!(
        built.field("Maintainer"),
        "Wazo Maintainers <dev+pkg@wazo.community>"
    );
    let o = run(pluginctl().arg("lint").arg(p.path()));
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains(&format!(
            "I: {}/wazo/plugin.yml:5:9: maintainer-default: author \"Acme Telecom\" has no \
             e-mail address, so the package's Maintainer is Wazo Maintainers \
             <dev+pkg@wazo.community>; write author: \"Your Name <you@example.org>\" (or give \
             build --maintainer)\n",
            p.path().display()
        )),
        "{}",
        stdout(&o)
    );
}

// ---------------------------------------------------------------- 4: output in order

#[test]
fn a_steps_stdout_and_stderr_lines_are_shown_in_the_order_written() {
    let p = plugin("name: hello\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: Hello\nauthor: A <a@b.example>\n");
    p.rules(
        "#!/bin/sh\nset -e\ncase \"$1\" in\n    build)\n        echo one\n        echo two >&2\n        \
         echo three\n        echo four >&2\n        echo five\n        echo six >&2\n        ;;\n    \
         package|install|uninstall|postrm) ;;\nesac\n",
    );
    let want = "[rules build] one\n[rules build] two\n[rules build] three\n[rules build] four\n\
                [rules build] five\n[rules build] six\n";
    for _ in 0..5 {
        let out = tempfile::tempdir().unwrap();
        let o = run(&mut p.build_cmd(out.path()));
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stderr(&o).starts_with(want), "{}", stderr(&o));
    }
    // --quiet and a failing step: its last lines, in the same order.
    p.rules(
        "#!/bin/sh\necho \"Entering directory\"\necho \"make: *** Error 1\" >&2\necho leaving\nexit 2\n",
    );
    for _ in 0..5 {
        let out = tempfile::tempdir().unwrap();
        let o = run(p.build_cmd(out.path()).arg("--quiet"));
        assert_eq!(o.status.code(), Some(4));
        assert!(
            stderr(&o).starts_with(
                "[rules build] Entering directory\n[rules build] make: *** Error 1\n\
                 [rules build] leaving\n"
            ),
            "{}",
            stderr(&o)
        );
    }
}

// ---------------------------------------------------------------- 5: a package left behind

#[test]
fn a_deb_left_in_wazo_or_a_copied_folder_is_flagged_by_lint_and_build_warns() {
    let p = plugin(
        "name: hello\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: Hello\n\
         description: Hi.\nauthor: A <a@b.example>\n",
    );
    p.rules(&marker_rules(
        "        mkdir -p \"$pkgdir/usr/share/hello\"\n        cp -R ./payload/ \"$pkgdir/usr/share/hello/\"",
    ));
    p.file("payload/sub/old.deb", "!<arch>\n")
        .file("payload/keep.txt", "x\n")
        .file("elsewhere/not-copied.deb", "!<arch>\n");
    let o = run(pluginctl().arg("lint").arg(p.path()));
    let why = "the next build ships it inside the new package; move it out of the checkout \
               (and build with -o a folder outside it)";
    assert_eq!(
        stdout(&o),
        format!(
            "W: {dir}/payload/sub/old.deb: deb-in-checkout: a Debian package in the checkout, \
             and `rules package` copies ./payload into the package: {why}\n\
             1 input checked: 0 errors, 1 warning, 0 info\n",
            dir = p.path().display()
        )
    );
    std::fs::remove_file(p.path().join("payload/sub/old.deb")).unwrap();

    // A build run in wazo/ with -o . leaves its package there: it says so as it writes it,
    // and the next build warns first.
    let o = run(pluginctl()
        .current_dir(p.path().join("wazo"))
        .args(["build", "-q", "-o", "."]));
    assert!(o.status.success(), "{}", stderr(&o));
    let shipped = "the next build ships this package inside the new one; build with -o a \
                   folder outside the checkout";
    assert_eq!(
        stderr(&o),
        format!(
            "warning: .: the output folder is inside the checkout, and it is shipped as the \
             plugin's own folder: {shipped}\n"
        )
    );
    let out = tempfile::tempdir().unwrap();
    let o = run(pluginctl()
        .current_dir(p.path().join("wazo"))
        .args(["build", "-q", "-o"])
        .arg(out.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "warning: ../wazo/wazo-plugind-hello-demo_1.0_all.deb: deb-in-checkout: a Debian \
             package in the checkout, and it is shipped as the plugin's own folder: {why}\n"
        )
    );
    let o = run(pluginctl().arg("lint").arg(p.path()));
    assert!(stdout(&o).contains("W: "), "{}", stdout(&o));
    // The package's own lint names wazo/, not a `cp -R .` the rules file does not have.
    let deb = out.path().join("wazo-plugind-hello-demo_1.0_all.deb");
    let o = run(pluginctl().arg("lint").arg(&deb));
    assert!(
        stdout(&o).contains(
            "(left in the plugin's wazo/ folder, which every build ships whole: a build run \
             there with -o .; remove it from wazo/ and build with -o outside the checkout)"
        ),
        "{}",
        stdout(&o)
    );
    // An output folder below one that `rules package` copies is named the same way; one
    // that it does not copy is fine.
    let o = run(pluginctl()
        .current_dir(p.path())
        .args(["build", "-q", "-o", "payload/dist"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "warning: payload/dist: the output folder is inside the checkout, and `rules \
             package` copies ./payload into the package: {shipped}\n"
        )),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(p.path().join("payload/dist")).unwrap();
    let o = run(pluginctl()
        .current_dir(p.path())
        .args(["build", "-q", "-o", "dist"]));
    assert!(!stderr(&o).contains("output folder"), "{}", stderr(&o));
    // What it built installs and removes with dpkg.
    let root = DpkgRoot::new();
    root.install(&p.path().join("dist/wazo-plugind-hello-demo_1.0_all.deb"));
    assert!(root.has("usr/share/hello/payload/keep.txt"));
    root.remove("wazo-plugind-hello-demo");
    assert!(!root.has("usr/share/hello/payload/keep.txt"));
    std::fs::remove_dir_all(p.path().join("dist")).unwrap();
    // --deny-warnings stops the build before it ships it.
    let out2 = tempfile::tempdir().unwrap();
    let o = run(p.build_cmd(out2.path()).arg("--deny-warnings"));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(debs(out2.path()).is_empty());
    std::fs::remove_file(p.path().join("wazo/wazo-plugind-hello-demo_1.0_all.deb")).unwrap();
    // An output folder the package would ship stops a --deny-warnings build, as lint's
    // warnings do: nothing is created.
    let o = run(pluginctl().current_dir(p.path()).args([
        "build",
        "-q",
        "--deny-warnings",
        "-o",
        "payload/dist/new",
    ]));
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: payload/dist/new: the output folder is inside the checkout, and `rules \
             package` copies ./payload into the package: {shipped} (--deny-warnings: nothing \
             was built)\n"
        )
    );
    assert!(!p.path().join("payload/dist").exists());
}

// ---------------------------------------------------------------- 7: allowing a finding

#[test]
fn a_finding_is_allowed_by_a_directive_or_allow_and_a_useless_allow_is_a_warning() {
    let p = plugin(
        "name: hello\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: Hello\ndescription: Hi.\n\
         author: A <a@b.example>\n# pluginctl: allow unknown-key-typo\ndebian_depend: [curl]\n\
         # pluginctl: allow duplicate-dependency\nhomepage: https://example.org\n",
    );
    p.rules(
        "#!/bin/sh\n# pluginctl: allow rules-no-set-e\ncase \"$1\" in\n    \
         build|package|install|uninstall) ;;\n    # pluginctl: allow rules-postrm-ignord\n    \
         postrm) rm -f \"$DPKG_ROOT/var/lib/hello\" ;;\nesac\n",
    );
    let dir = p.path().display();
    let (yml, rules) = (
        format!("{dir}/wazo/plugin.yml"),
        format!("{dir}/wazo/rules"),
    );
    let o = run(pluginctl().arg("lint").arg(p.path()));
    assert_eq!(
        stdout(&o),
        format!(
            "W: {yml}:9: unused-allow: allow duplicate-dependency: no duplicate-dependency \
             finding on the next line, so it allows nothing; remove it\n\
             W: {rules}:5: unused-allow: allow rules-postrm-ignord: no such tag; did you mean \
             rules-postrm-ignored?\n\
             W: {rules}:6: rules-postrm-ignored: this postrm branch never runs: the package \
             calls `rules postrm` only for plugin_format_version 1 or more (set \
             plugin_format_version: 1)\n\
             1 input checked: 0 errors, 3 warnings, 0 info, 2 allowed\n"
        )
    );
    // Build sees the same directives: only the three warnings.
    let out = tempfile::tempdir().unwrap();
    let o = run(p.build_cmd(out.path()).arg("-q"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 3, "{}", stderr(&o));
    assert!(!stderr(&o).contains("unknown-key-typo"), "{}", stderr(&o));

    // Fixed directives, and --allow for the rest: clean under --deny-warnings.
    p.manifest(
        "name: hello\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: Hello\ndescription: Hi.\n\
         author: A <a@b.example>\n# pluginctl: allow unknown-key-typo\ndebian_depend: [curl]\n",
    );
    p.rules(&p_rules_fixed());
    let o = run(pluginctl()
        .args(["lint", "--deny-warnings", "--allow", "rules-postrm-ignored"])
        .arg(p.path()));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(
        stdout(&o),
        "1 input checked: 0 errors, 0 warnings, 0 info, 3 allowed\n"
    );
    // An --allow of an unknown tag, or of one that does not fire: warnings.
    let o = run(pluginctl()
        .args([
            "lint",
            "--allow",
            "rules-postrm-ignored",
            "--allow",
            "pax-headr",
            "--allow",
            "pax-header",
        ])
        .arg(p.path()));
    assert_eq!(
        stdout(&o),
        "W: --allow: unused-allow: --allow pax-headr: no such tag; did you mean pax-header?\n\
         W: --allow: unused-allow: --allow pax-header: no pax-header finding in these inputs, \
         so it allows nothing; remove it\n\
         1 input checked: 0 errors, 2 warnings, 0 info, 3 allowed\n"
    );
    // --explain of an unknown tag names the tag it is part of, or none when no tag is
    // close, rather than an unrelated one.
    let o = run(pluginctl().args(["lint", "--explain", "postrm-ignored"]));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: --explain postrm-ignored: no such tag; did you mean rules-postrm-ignored? \
         (`pluginctl lint --list-tags` lists them)\n"
    );
    let o = run(pluginctl().args(["lint", "--explain", "nope"]));
    assert_eq!(
        stderr(&o),
        "error: --explain nope: no such tag (`pluginctl lint --list-tags` lists them)\n"
    );
    let o = run(pluginctl().args(["lint", "--allow", "nope"]).arg(p.path()));
    assert!(
        stdout(&o).starts_with(
            "W: --allow: unused-allow: --allow nope: no such tag (`pluginctl lint --list-tags` \
             lists them)\n"
        ),
        "{}",
        stdout(&o)
    );
}

/// The rules of the test above with the directive's typo fixed.
fn p_rules_fixed() -> String {
    "#!/bin/sh\n# pluginctl: allow rules-no-set-e\ncase \"$1\" in\n    \
     build|package|install|uninstall) ;;\n    postrm) rm -f \"$DPKG_ROOT/var/lib/hello\" ;;\nesac\n"
        .to_string()
}

// ---------------------------------------------------------------- 8: the README

#[test]
fn the_readme_ci_example_builds_a_plugins_folder_holding_a_readme() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for (i, line) in readme.lines().enumerate() {
        assert!(
            line.chars().count() <= 80,
            "README.md:{}: wider than 80 columns",
            i + 1
        );
    }
    assert!(!readme.contains("<URL"), "a placeholder in README.md");
    assert!(readme.contains("strace") && readme.contains("python3-yaml"));
    // The CI example, run as written in a plugins/ folder that also holds a README.
    let example = readme
        .lines()
        .find(|l| l.starts_with("pluginctl build plugins/"))
        .expect("README.md has the CI example");
    let work = tempfile::tempdir().unwrap();
    for name in ["one", "two"] {
        let dir = work.path().join("plugins").join(name);
        write(
            dir.join("wazo/plugin.yml"),
            format!("name: {name}\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: X\n"),
        );
        write(dir.join("wazo/rules"), RULES);
        chmod(dir.join("wazo/rules"), 0o755);
    }
    write(work.path().join("plugins/README.md"), "# Our plugins\n");
    let bin_dir = Path::new(bin()).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = run(std::process::Command::new("sh")
        .args(["-c", example])
        .current_dir(work.path())
        .env("PATH", path)
        .env_remove("SOURCE_DATE_EPOCH"));
    assert!(o.status.success(), "{example}: {}", stderr(&o));
    assert_eq!(
        debs(&work.path().join("public")),
        [
            "wazo-plugind-one-demo_1.0_all.deb",
            "wazo-plugind-two-demo_1.0_all.deb"
        ]
    );
}

/// A copied folder that is a symlink out of the checkout is not followed by the check.
#[test]
fn the_deb_check_never_follows_a_link_out_of_the_checkout() {
    let p = plugin(
        "name: hello\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: Hello\n\
         description: Hi.\nauthor: A <a@b.example>\n",
    );
    p.rules(&marker_rules("        cp -R payload \"$pkgdir/\""));
    let outside = tempfile::tempdir().unwrap();
    write(outside.path().join("elsewhere.deb"), "!<arch>\n");
    std::os::unix::fs::symlink(outside.path(), p.path().join("payload")).unwrap();
    let o = run(pluginctl().arg("lint").arg(p.path()));
    assert_eq!(
        stdout(&o),
        "1 input checked: 0 errors, 0 warnings, 0 info\n",
        "{}",
        stdout(&o)
    );
}
