//! Hostile input and failures: every bad plugin, place or interrupt ends the same way.
//!
//! Each row runs `pluginctl build` in a plugin checkout with `TMPDIR` set to a fresh empty
//! folder and `-o` to a fresh empty output folder, and with a rules file that records every
//! step it runs. It asserts the exit status, the exact error line (or its key words), that
//! stderr is that one line, that the output folder and TMPDIR are empty afterwards, that the
//! checkout is unchanged, and, for manifest and rules-file errors, that no rules step ran.

use crate::support::*;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const GOOD: &str = "name: hello\nnamespace: demo\nversion: \"1.0\"\n";
/// GOOD with the display_name that `build` would otherwise warn about (as lint does).
const SHOWN: &str = "name: hello\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: Hello\n";
const DEB: &str = "wazo-plugind-hello-demo_1.0_all.deb";

/// A rules file that appends each step to `$MARKS/ran`, then runs `package` for `package`.
fn recording_rules(package: &str) -> String {
    format!(
        "#!/bin/sh\nset -e\necho \"$1\" >> \"$MARKS/ran\"\ncase \"$1\" in\n    package)\n{package}\n        ;;\nesac\n"
    )
}

/// One row: a checkout, its own TMPDIR, output folder and marker folder.
struct Case {
    plugin: Plugin,
    tmp: tempfile::TempDir,
    out_parent: tempfile::TempDir,
    out: PathBuf,
    marks: tempfile::TempDir,
}

impl Case {
    /// A checkout with this manifest (any bytes) and rules that stage nothing.
    fn new(manifest: impl AsRef<[u8]>) -> Case {
        let plugin = Plugin::new(SHOWN);
        plugin.file("wazo/plugin.yml", manifest);
        plugin.rules(&recording_rules("        :"));
        let out_parent = tempfile::Builder::new().prefix("out-").tempdir().unwrap();
        let out = out_parent.path().join("out");
        std::fs::create_dir(&out).unwrap();
        Case {
            plugin,
            tmp: tempfile::Builder::new()
                .prefix("tmpdir-")
                .tempdir()
                .unwrap(),
            out_parent,
            out,
            marks: tempfile::Builder::new().prefix("marks-").tempdir().unwrap(),
        }
    }

    /// A valid checkout whose `rules package` runs this shell snippet.
    fn package(snippet: &str) -> Case {
        let case = Case::new(SHOWN);
        case.plugin.rules(&recording_rules(snippet));
        case
    }

    fn path(&self) -> &Path {
        self.plugin.path()
    }

    /// `pluginctl build . -o OUT -q`, run in the checkout.
    fn cmd(&self) -> Command {
        self.cmd_to(&self.out)
    }

    /// `pluginctl build . -o out -q`, run in the checkout.
    fn cmd_to(&self, out: &Path) -> Command {
        let mut c = self.cmd_showing_rules_output();
        c.arg("-q").arg("-o").arg(out);
        c
    }

    /// `pluginctl build .`, run in the checkout (no output folder yet).
    fn cmd_showing_rules_output(&self) -> Command {
        let mut c = pluginctl();
        c.current_dir(self.path())
            .args(["build", "."])
            .env("TMPDIR", self.tmp.path())
            .env("MARKS", self.marks.path())
            .env("SOURCE_DATE_EPOCH", "1700000000");
        c
    }

    /// The rules steps that ran, in order.
    fn ran(&self) -> Vec<String> {
        std::fs::read_to_string(self.marks.path().join("ran"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Every path of the checkout with its size, mode and mtime (to prove nothing changed).
    fn snapshot(&self) -> BTreeMap<PathBuf, (u64, u32, i64)> {
        walkdir::WalkDir::new(self.path())
            .into_iter()
            .flatten()
            .map(|e| {
                let m = e.path().symlink_metadata().unwrap();
                (e.path().to_path_buf(), (m.len(), m.mode(), m.mtime()))
            })
            .collect()
    }

    /// Runs the build, asserts the failure shape, returns the single error line.
    fn fails(&self, status: i32, expected: Line) -> String {
        let before = self.snapshot();
        let o = run(&mut self.cmd());
        let line = self.assert_failed(&o, status, expected);
        assert_eq!(self.snapshot(), before, "the checkout changed");
        line
    }

    /// The checks every failure must pass, on an output already collected.
    fn assert_failed(&self, o: &Output, status: i32, expected: Line) -> String {
        let err = stderr(o);
        if status > 128 {
            // Interrupted: the process dies by the signal, as a shell expects (it shows 128+n).
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(
                o.status.signal(),
                Some(status - 128),
                "{:?}; stderr:\n{err}",
                o.status
            );
        } else {
            assert_eq!(o.status.code(), Some(status), "exit status; stderr:\n{err}");
        }
        assert!(
            err.ends_with('\n') && err.matches('\n').count() == 1,
            "stderr must be exactly one line:\n{err}"
        );
        let line = err.trim_end().to_string();
        // `cargo test errors:: -- --nocapture` lists every error line of the table.
        eprintln!("{line}");
        match expected {
            Line::Exact(text) => assert_eq!(line, text),
            Line::Has(words) => {
                assert!(line.starts_with("error: "), "{line}");
                for w in words {
                    assert!(line.contains(w), "{line:?} lacks {w:?}");
                }
            }
        }
        assert!(stdout(o).is_empty(), "stdout: {}", stdout(o));
        self.assert_clean();
        line
    }

    /// Output folder and TMPDIR are empty.
    fn assert_clean(&self) {
        assert_eq!(leftovers(&self.out), Vec::<PathBuf>::new(), "output folder");
        assert_eq!(leftovers(self.tmp.path()), Vec::<PathBuf>::new(), "TMPDIR");
    }
}

/// What the error line must be.
enum Line<'a> {
    Exact(&'a str),
    Has(&'a [&'a str]),
}

/// A manifest that must be refused at `place_and_message` (after `wazo/plugin.yml:`)
/// with status 3, before any rules step runs.
fn bad_manifest(manifest: impl AsRef<[u8]>, place_and_message: &str) {
    let case = Case::new(manifest);
    case.fails(
        3,
        Line::Exact(&format!("error: wazo/plugin.yml:{place_and_message}")),
    );
    assert_eq!(case.ran(), Vec::<String>::new(), "a rules step ran");
}

macro_rules! bad_manifests {
    ($($name:ident: $yaml:expr => $line:expr;)*) => {$(
        #[test]
        fn $name() {
            bad_manifest($yaml, $line);
        }
    )*};
}

fn with(extra: &str) -> String {
    format!("{GOOD}{extra}")
}

bad_manifests! {
    manifest_empty: "" => "1:1: empty; a plugin needs at least name, namespace and version";
    manifest_only_comments: "# nothing here\n\n" => "1:1: empty; a plugin needs at least name, namespace and version";
    manifest_is_a_list: "- name: hello\n" => "1:1: the file must be a YAML mapping (key: value lines), not a list";
    manifest_is_a_scalar: "hello world\n" => "1:1: the file must be a YAML mapping (key: value lines), not a scalar";
    yaml_unclosed_flow_list: with("tags: [a, b\n") => "5:1: YAML syntax: while parsing a flow sequence, expected ',' or ']'";
    yaml_quote_spanning_lines: "name: \"hello\nnamespace: demo\n" => "1:7: YAML syntax: invalid indentation in quoted scalar";
    yaml_unclosed_quote: with("description: \"Hello") => "4:14: YAML syntax: while scanning a quoted scalar, found unexpected end of stream";
    yaml_bad_indentation: "name: hello\n  namespace: demo\nversion: \"1.0\"\n" => "2:12: YAML syntax: mapping values are not allowed in this context; check this line's indentation against the lines above";
    yaml_unquoted_colon_in_value: with("display_name: Hello: World\n") => "4:20: YAML syntax: mapping values are not allowed in this context; a value holding \": \" must be quoted: display_name: \"Hello: World\"";
    yaml_second_document: with("---\nname: other\n") => "4:1: YAML syntax: a second YAML document; the file must hold exactly one";
    yaml_unknown_alias: with("tags: *nowhere\n") => "4:7: YAML syntax: while parsing node, found unknown anchor";
    yaml_list_as_key: with("? [a, b]\n: c\n") => "4:3: YAML syntax: a mapping key must be a plain string, not a list or mapping";
    yaml_deep_nesting: with(&format!("x: {}{}\n", "[".repeat(5000), "]".repeat(5000))) => "4:259: YAML syntax: recursion limit exceeded";
    tab_in_indentation: "name: hello\n\tnamespace: demo\nversion: \"1.0\"\n" => "2:1: YAML syntax: a tab in the indentation; YAML indents with spaces only (replace it with spaces)";
    tab_in_nested_indentation: with("depends:\n  - name: a\n\t  namespace: b\n") => "6:1: YAML syntax: a tab in the indentation; YAML indents with spaces only (replace it with spaces)";
    tab_after_colon: "name: hello\nnamespace:\tdemo\nversion: \"1.0\"\n" => "2:11: YAML syntax: a tab where YAML wants a space; replace it with a space";
    invalid_utf8: b"name: hello\nnamespace: demo\nversion: \"1.0\"\ndescription: caf\xe9\n".as_slice() => "4:17: not valid UTF-8; save the file as UTF-8";
    invalid_utf8_in_a_key: b"name: hello\n\xff: x\n".as_slice() => "2:1: not valid UTF-8; save the file as UTF-8";
    duplicate_key: with("name: again\n") => "4:1: YAML syntax: duplicate key \"name\" (first at line 1); remove one of them";
    duplicate_key_nested: with("depends:\n  - name: a\n    name: b\n") => "6:5: YAML syntax: duplicate key \"name\" (first at line 5); remove one of them";
    missing_name: "namespace: demo\nversion: \"1.0\"\n" => "1:1: missing required key \"name\" (the plugin's name: a-z, 0-9 and -)";
    missing_namespace: "name: hello\nversion: \"1.0\"\n" => "1:1: missing required key \"namespace\" (a-z and 0-9)";
    missing_version: "name: hello\nnamespace: demo\n" => "1:1: missing required key \"version\" (a Debian version such as 1.0.0)";
    name_is_a_list: "name: [hello]\nnamespace: demo\nversion: \"1.0\"\n" => "1:7: name: must be a string, not a list";
    name_is_null: "name:\nnamespace: demo\nversion: \"1.0\"\n" => "1:5: name: must be a string, not empty";
    namespace_is_a_mapping: "name: hello\nnamespace: {a: b}\nversion: \"1.0\"\n" => "2:12: namespace: must be a string, not a mapping";
    version_is_a_list: "name: hello\nnamespace: demo\nversion: [1]\n" => "3:10: version: must be a string, not a list";
    description_is_a_list: with("description: [a]\n") => "4:14: description: must be a string, not a list";
    author_is_a_mapping: with("author: {name: x}\n") => "4:9: author: must be a string, not a mapping";
    display_name_is_a_list: with("display_name: [a, b]\n") => "4:15: display_name: must be a string, not a list";
    homepage_is_a_mapping: with("homepage: {url: x}\n") => "4:11: homepage: must be a string, not a mapping";
    depends_item_version_a_list: with("depends:\n  - {name: other, namespace: demo, version: [1]}\n") => "5:45: depends[0].version: must be a string, not a list";
    name_uppercase: "name: Hello\nnamespace: demo\nversion: \"1.0\"\n" => "1:7: name \"Hello\": only a-z, 0-9 and - are allowed";
    name_underscore: "name: hello_world\nnamespace: demo\nversion: \"1.0\"\n" => "1:7: name \"hello_world\": only a-z, 0-9 and - are allowed";
    name_slash: "name: ../../etc\nnamespace: demo\nversion: \"1.0\"\n" => "1:7: name \"../../etc\": only a-z, 0-9 and - are allowed";
    name_dotdot: "name: \"..\"\nnamespace: demo\nversion: \"1.0\"\n" => "1:7: name \"..\": only a-z, 0-9 and - are allowed";
    name_empty_string: "name: \"\"\nnamespace: demo\nversion: \"1.0\"\n" => "1:7: name \"\": is empty";
    name_with_space: "name: \"hello world\"\nnamespace: demo\nversion: \"1.0\"\n" => "1:7: name \"hello world\": a space is not allowed; only a-z, 0-9 and - are allowed";
    name_block_scalar_keeps_newline: "name: |\n  hello\nnamespace: demo\nversion: \"1.0\"\n" => "2:3: name \"hello\\n\": a newline is not allowed; only a-z, 0-9 and - are allowed";
    name_read_as_boolean: "name: yes\nnamespace: demo\nversion: \"1.0\"\n" => "1:7: name \"yes\": the Wazo daemon's YAML reader takes it as True; quote it: name: \"yes\"";
    namespace_dash: "name: hello\nnamespace: foo-bar\nversion: \"1.0\"\n" => "2:12: namespace \"foo-bar\": only a-z and 0-9 are allowed (no dash)";
    namespace_uppercase: "name: hello\nnamespace: Demo\nversion: \"1.0\"\n" => "2:12: namespace \"Demo\": only a-z and 0-9 are allowed (no dash)";
    namespace_underscore: "name: hello\nnamespace: my_ns\nversion: \"1.0\"\n" => "2:12: namespace \"my_ns\": only a-z and 0-9 are allowed (no dash)";
    namespace_slash: "name: hello\nnamespace: a/b\nversion: \"1.0\"\n" => "2:12: namespace \"a/b\": only a-z and 0-9 are allowed (no dash)";
    namespace_dotdot: "name: hello\nnamespace: \"..\"\nversion: \"1.0\"\n" => "2:12: namespace \"..\": only a-z and 0-9 are allowed (no dash)";
    namespace_empty_string: "name: hello\nnamespace: ''\nversion: \"1.0\"\n" => "2:12: namespace \"\": is empty";
    namespace_folded_newline: "name: hello\nnamespace: >\n  demo\nversion: \"1.0\"\n" => "3:3: namespace \"demo\\n\": a newline is not allowed; only a-z and 0-9 are allowed (no dash)";
    version_v_prefix: "name: hello\nnamespace: demo\nversion: v1.0\n" => "3:10: version \"v1.0\": must start with a digit (Debian versions do: 1.0, not v1.0)";
    version_underscore: "name: hello\nnamespace: demo\nversion: 1.0_beta\n" => "3:10: version \"1.0_beta\": '_' is not allowed in a Debian version (only A-Z a-z 0-9 . + ~ and - :)";
    version_empty_string: "name: hello\nnamespace: demo\nversion: \"\"\n" => "3:10: version \"\": is empty; a version such as 1.0.0 is required";
    version_null: "name: hello\nnamespace: demo\nversion:\n" => "3:8: version: must be a string, not empty";
    version_with_space: "name: hello\nnamespace: demo\nversion: 1.0 beta\n" => "3:10: version \"1.0 beta\": a space is not allowed in a Debian version (only A-Z a-z 0-9 . + ~ and - :)";
    version_true: "name: hello\nnamespace: demo\nversion: true\n" => "3:10: version \"true\": must start with a digit (Debian versions do: 1.0, not v1.0)";
    version_injects_a_field: "name: hello\nnamespace: demo\nversion: \"1.0\\nPackage: x\"\n" => "3:10: version \"1.0\\nPackage: x\": a newline is not allowed in a Debian version (only A-Z a-z 0-9 . + ~ and - :)";
    version_trailing_dash: "name: hello\nnamespace: demo\nversion: 1.0-\n" => "3:10: version \"1.0-\": ends with '-' but has no Debian revision after it";
    version_bad_epoch: "name: hello\nnamespace: demo\nversion: \"a:1.0\"\n" => "3:10: version \"a:1.0\": epoch \"a\" must be a number";
    format_version_3: with("plugin_format_version: 3\n") => "4:24: plugin_format_version 3: must be 0, 1 or 2";
    format_version_negative: with("plugin_format_version: -1\n") => "4:24: plugin_format_version -1: must be 0, 1 or 2";
    format_version_quoted: with("plugin_format_version: \"1\"\n") => "4:24: plugin_format_version: must be an unquoted integer (0, 1 or 2), not the string \"1\"";
    format_version_float: with("plugin_format_version: 1.5\n") => "4:24: plugin_format_version: must be an unquoted integer (0, 1 or 2), not 1.5";
    format_version_huge: with("plugin_format_version: 99999999999999999999999\n") => "4:24: plugin_format_version: must be an unquoted integer (0, 1 or 2), not 99999999999999999999999";
    format_version_list: with("plugin_format_version: [1]\n") => "4:24: plugin_format_version: must be an unquoted integer (0, 1 or 2), not a list";
    depends_not_a_list: with("depends: other\n") => "4:10: depends: must be a list of {name, namespace} mappings, not a scalar";
    depends_item_a_string: with("depends:\n  - other\n") => "5:5: depends[0]: must be a mapping with name and namespace, not other";
    depends_item_missing_namespace: with("depends:\n  - name: other\n") => "5:5: depends[0]: missing \"namespace\"";
    depends_item_missing_name: with("depends:\n  - namespace: demo\n") => "5:5: depends[0]: missing \"name\"";
    depends_item_bad_name: with("depends:\n  - name: Other_One\n    namespace: demo\n") => "5:11: depends[0].name \"Other_One\": only a-z, 0-9 and - are allowed";
    depends_item_bad_namespace: with("depends:\n  - name: other\n    namespace: a-b\n") => "6:16: depends[0].namespace \"a-b\": only a-z and 0-9 are allowed (no dash)";
    debian_depends_a_string: with("debian_depends: curl, git\n") => "4:17: debian_depends: must be a list, not the single string \"curl, git\"; write each package as a \"- name\" line";
    debian_depends_a_mapping: with("debian_depends: {curl: 1}\n") => "4:17: debian_depends: must be a list of Debian relations, not a mapping";
    debian_depends_bad_relation: with("debian_depends:\n  - curl (> 1.0)\n") => "5:5: debian_depends[0] \"curl (> 1.0)\": the operator must be one of << <= = >= >>";
    debian_depends_bad_package_name: with("debian_depends:\n  - Curl\n") => "5:5: debian_depends[0]: package name \"Curl\" must start with a-z or 0-9";
    debian_depends_comma_in_item: with("debian_depends:\n  - curl, git\n") => "5:5: debian_depends[0] \"curl, git\": holds a comma; give each dependency as its own list item";
    debian_depends_newline_in_item: with("debian_depends:\n  - \"curl\\nPackage: evil\"\n") => "5:5: debian_depends[0] \"curl\\nPackage: evil\": a newline is not allowed in a relation";
    debian_depends_item_a_list: with("debian_depends:\n  - [curl]\n") => "5:5: debian_depends[0]: must be a string, not a list";
    display_name_newline: with("display_name: \"Hello\\nPackage: evil\"\n") => "4:15: display_name: a newline is not allowed; it would break the package's control file";
    author_control_character: with("author: \"Bob\\u0007\"\n") => "4:9: author: the control character U+0007 is not allowed; it would break the package's control file";
    homepage_newline: with("homepage: \"https://x.org\\nDepends: evil\"\n") => "4:11: homepage: a newline is not allowed; it would break the package's control file";
}

#[test]
fn manifest_missing() {
    let case = Case::new(SHOWN);
    std::fs::remove_file(case.path().join("wazo/plugin.yml")).unwrap();
    case.fails(
        3,
        Line::Exact("error: wazo/plugin.yml: not found; is this a Wazo plugin folder?"),
    );
    assert!(case.ran().is_empty());
}

#[test]
fn manifest_is_a_folder() {
    let case = Case::new(SHOWN);
    std::fs::remove_file(case.path().join("wazo/plugin.yml")).unwrap();
    std::fs::create_dir(case.path().join("wazo/plugin.yml")).unwrap();
    case.fails(3, Line::Exact("error: wazo/plugin.yml: not a regular file"));
    assert!(case.ran().is_empty());
}

#[test]
fn manifest_is_a_fifo_and_is_not_read() {
    let case = Case::new(SHOWN);
    let path = case.path().join("wazo/plugin.yml");
    std::fs::remove_file(&path).unwrap();
    mkfifo(&path);
    case.fails(3, Line::Exact("error: wazo/plugin.yml: not a regular file"));
}

#[test]
fn manifest_symlink_leaving_the_checkout_is_not_read() {
    let case = Case::new(SHOWN);
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), GOOD).unwrap();
    let path = case.path().join("wazo/plugin.yml");
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink(secret.path(), &path).unwrap();
    let real = secret.path().canonicalize().unwrap();
    case.fails(
        3,
        Line::Exact(&format!(
            "error: wazo/plugin.yml: resolves to {}, outside the plugin folder; make it a regular file of the checkout",
            real.display()
        )),
    );
    assert!(case.ran().is_empty());
}

#[test]
fn manifest_over_the_size_limit() {
    let big = with(&format!("# {}\n", "x".repeat(16 << 20)));
    let case = Case::new(&big);
    case.fails(
        3,
        Line::Exact(&format!(
            "error: wazo/plugin.yml: {} bytes; a manifest larger than 16 MiB is refused",
            big.len()
        )),
    );
    assert!(case.ran().is_empty());
}

/// A few hundred bytes of nested aliases that would expand to 9^9 nodes.
fn alias_bomb() -> String {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    text
}

#[test]
fn alias_bomb_is_refused_quickly_in_bounded_memory() {
    let bomb = alias_bomb();
    assert!(bomb.len() < 600, "{}", bomb.len());
    let case = Case::new(&bomb);
    let (o, took, max_rss_kib) = run_measured(&mut case.cmd());
    case.assert_failed(
        &o,
        3,
        Line::Exact("error: wazo/plugin.yml:6:10: YAML syntax: the document expands to more than 100000 nodes (aliases?); refusing it"),
    );
    assert!(case.ran().is_empty());
    eprintln!("alias bomb: refused in {took:?}, peak memory {max_rss_kib} KiB");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(max_rss_kib < 200 << 10, "used {max_rss_kib} KiB");
}

#[test]
fn byte_order_mark_is_accepted() {
    let case = Case::new(format!("\u{feff}{GOOD}"));
    let o = run(&mut case.cmd());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        dpkg_deb(&case.out.join(DEB), &["--field", "Package"]).trim(),
        "wazo-plugind-hello-demo"
    );
    assert_eq!(leftovers(case.tmp.path()), Vec::<PathBuf>::new());
}

#[test]
fn crlf_manifest_is_accepted() {
    let case = Case::new(GOOD.replace('\n', "\r\n"));
    let o = run(&mut case.cmd());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        dpkg_deb(&case.out.join(DEB), &["--field", "Version"]).trim(),
        "1.0"
    );
}

#[test]
fn multi_megabyte_manifest_is_accepted_quickly() {
    // 4 MiB of market data: a valid manifest is a valid manifest, whatever its size.
    let mut text = with("description: |\n");
    while text.len() < 4 << 20 {
        text.push_str("  A long line of the description, repeated to make a large manifest.\n");
    }
    let case = Case::new(&text);
    let started = Instant::now();
    let o = run(case.cmd().args(["-Z", "none"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let deb = case.out.join(DEB);
    dpkg_deb(&deb, &["--info"]);
    assert_eq!(leftovers(case.tmp.path()), Vec::<PathBuf>::new());
}

// ---- The rules file ----

/// The rules file is refused before any step runs.
fn bad_rules(case: &Case, line: &str) {
    case.fails(3, Line::Exact(line));
    assert!(case.ran().is_empty(), "a rules step ran: {:?}", case.ran());
}

#[test]
fn rules_missing() {
    let case = Case::new(SHOWN);
    std::fs::remove_file(case.path().join("wazo/rules")).unwrap();
    bad_rules(
        &case,
        "error: wazo/rules: not found; a plugin needs an executable wazo/rules file that answers build, package, install and uninstall",
    );
}

#[test]
fn rules_is_a_folder() {
    let case = Case::new(SHOWN);
    std::fs::remove_file(case.path().join("wazo/rules")).unwrap();
    std::fs::create_dir(case.path().join("wazo/rules")).unwrap();
    bad_rules(
        &case,
        "error: wazo/rules: a folder, not a file; wazo/rules must be an executable script",
    );
}

#[test]
fn rules_not_executable() {
    let case = Case::new(SHOWN);
    chmod(case.path().join("wazo/rules"), 0o644);
    bad_rules(
        &case,
        "error: wazo/rules: not executable (chmod +x wazo/rules)",
    );
}

#[test]
fn rules_with_a_missing_interpreter() {
    let case = Case::new(SHOWN);
    case.plugin
        .rules("#!/nonexistent/interpreter -e\necho \"$1\" >> \"$MARKS/ran\"\n");
    bad_rules(
        &case,
        "error: wazo/rules: its #! line names the interpreter /nonexistent/interpreter, which is missing (install it or change the #! line)",
    );
}

#[test]
fn rules_without_shebang() {
    let case = Case::new(SHOWN);
    case.plugin.rules("echo \"$1\" >> \"$MARKS/ran\"\n");
    bad_rules(
        &case,
        "error: wazo/rules: does not start with #!, so it cannot be executed (add #!/bin/sh as its first line)",
    );
}

#[test]
fn rules_empty_file() {
    let case = Case::new(SHOWN);
    case.plugin.rules("");
    bad_rules(
        &case,
        "error: wazo/rules: does not start with #!, so it cannot be executed (add #!/bin/sh as its first line)",
    );
}

#[test]
fn rules_with_crlf_line_endings() {
    let case = Case::new(SHOWN);
    case.plugin
        .rules(&recording_rules("        :").replace('\n', "\r\n"));
    bad_rules(&case, "error: wazo/rules: line 1: CR LF line endings: the interpreter line and every command end in a carriage return, so the file will not run (convert it: dos2unix wazo/rules)");
}

#[test]
fn rules_symlink_leaving_the_checkout() {
    let case = Case::new(SHOWN);
    let outside = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(outside.path(), recording_rules("        :")).unwrap();
    chmod(outside.path(), 0o755);
    std::fs::remove_file(case.path().join("wazo/rules")).unwrap();
    std::os::unix::fs::symlink(outside.path(), case.path().join("wazo/rules")).unwrap();
    bad_rules(
        &case,
        &format!(
            "error: wazo/rules: a symlink to {}, outside the plugin folder; make it a regular file",
            outside.path().canonicalize().unwrap().display()
        ),
    );
}

#[test]
fn rules_dangling_symlink() {
    let case = Case::new(SHOWN);
    std::fs::remove_file(case.path().join("wazo/rules")).unwrap();
    std::os::unix::fs::symlink("nowhere", case.path().join("wazo/rules")).unwrap();
    bad_rules(
        &case,
        "error: wazo/rules: a dangling symlink; make it a regular file",
    );
}

#[test]
fn wazo_folder_symlink_leaving_the_checkout() {
    // The whole wazo/ folder is a link to another checkout: nothing of it is read or run.
    let case = Case::new(SHOWN);
    let other = Plugin::new(SHOWN);
    other.rules(&recording_rules("        :"));
    std::fs::remove_dir_all(case.path().join("wazo")).unwrap();
    std::os::unix::fs::symlink(other.path().join("wazo"), case.path().join("wazo")).unwrap();
    let real = other.path().canonicalize().unwrap().join("wazo/plugin.yml");
    bad_rules(
        &case,
        &format!(
            "error: wazo/plugin.yml: resolves to {}, outside the plugin folder; make it a regular file of the checkout",
            real.display()
        ),
    );
    // lint judges it with the same checks: two errors, and nothing read out there is judged.
    let report = crate::lint::lint_one(case.path());
    assert_eq!(report.status, 1, "{:#}", report.json);
    assert_eq!(
        report.message("manifest-invalid"),
        format!(
            "resolves to {}, outside the plugin folder; make it a regular file of the checkout",
            real.display()
        )
    );
    assert_eq!(
        report.message("rules-not-regular"),
        format!(
            "resolves to {}, outside the plugin folder (is wazo/ a symlink?); make wazo/ a folder of the checkout",
            other.path().canonicalize().unwrap().join("wazo/rules").display()
        )
    );
}

#[test]
fn rules_build_step_fails() {
    let case = Case::new(SHOWN);
    case.plugin
        .rules("#!/bin/sh\necho \"$1\" >> \"$MARKS/ran\"\n[ \"$1\" = build ] && exit 2\nexit 0\n");
    case.fails(
        4,
        Line::Exact("error: wazo/rules: `rules build` failed (exit status 2); nothing was written"),
    );
    assert_eq!(case.ran(), ["build"]);
}

#[test]
fn a_failed_build_removes_the_output_folders_it_created() {
    let case = Case::package("        exit 7");
    let fresh = case.out_parent.path().join("new");
    let o = run(&mut case.cmd_to(&fresh.join("deeper")));
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(!fresh.exists(), "{} was left behind", fresh.display());
    // A folder that was there before stays, empty or not.
    let o = run(&mut case.cmd());
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(case.out.is_dir());
}

#[test]
fn rules_package_step_fails() {
    let case = Case::package("        touch \"$pkgdir/half-done\"\n        exit 7");
    case.fails(
        4,
        Line::Exact(
            "error: wazo/rules: `rules package` failed (exit status 7); nothing was written",
        ),
    );
    assert_eq!(case.ran(), ["build", "package"]);
}

#[test]
fn rules_step_killed_by_a_signal() {
    let case = Case::package("        kill -KILL $$");
    case.fails(
        4,
        Line::Exact(
            "error: wazo/rules: `rules package` was killed by SIGKILL; nothing was written",
        ),
    );
}

#[test]
fn rules_step_aborts() {
    let case = Case::package("        kill -ABRT $$");
    case.fails(4, Line::Has(&["`rules package` was killed by SIGABRT"]));
}

#[test]
fn staged_fifo() {
    let case = Case::package("        mkdir -p \"$pkgdir/run\" && mkfifo \"$pkgdir/run/pipe\"");
    case.fails(
        3,
        Line::Exact("error: $pkgdir/run/pipe: a FIFO; a package cannot carry it (remove it in wazo/rules package)"),
    );
}

#[test]
fn the_first_refusal_in_archive_order_is_the_one_reported() {
    // The staged tree is walked on several threads; of three FIFOs far apart (the later ones
    // nearer the top, so found sooner), the message names the first in archive order, as a
    // walk on one thread would, every time.
    let case = Case::package(
        "        for i in $(seq 10 49); do mkdir -p \"$pkgdir/usr/share/w/d$i/sub\"; touch \"$pkgdir/usr/share/w/d$i/sub/f\"; done\n        mkfifo \"$pkgdir/usr/share/w/d13/sub/p\" \"$pkgdir/usr/share/w/d41/p\" \"$pkgdir/usr/share/w/zz\"",
    );
    for _ in 0..5 {
        case.fails(
            3,
            Line::Exact("error: $pkgdir/usr/share/w/d13/sub/p: a FIFO; a package cannot carry it (remove it in wazo/rules package)"),
        );
    }
}

#[test]
fn staged_socket() {
    let case = Case::package(
        "        python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \"$pkgdir/sock\"",
    );
    case.fails(
        3,
        Line::Exact("error: $pkgdir/sock: a socket; a package cannot carry it (remove it in wazo/rules package)"),
    );
}

#[test]
fn staged_character_device() {
    let case = Case::package("        mknod \"$pkgdir/null\" c 1 3");
    case.fails(
        3,
        Line::Exact("error: $pkgdir/null: a character device; a package cannot carry it (remove it in wazo/rules package)"),
    );
}

#[test]
fn staged_block_device() {
    let case = Case::package("        mkdir \"$pkgdir/dev\" && mknod \"$pkgdir/dev/loop\" b 7 200");
    case.fails(
        3,
        Line::Exact("error: $pkgdir/dev/loop: a block device; a package cannot carry it (remove it in wazo/rules package)"),
    );
}

#[test]
fn fifo_in_the_checkouts_wazo_folder() {
    let case = Case::new(SHOWN);
    mkfifo(&case.path().join("wazo/pipe"));
    case.fails(
        3,
        Line::Exact(
            "error: wazo/pipe: a FIFO; a package cannot carry it (remove it from the checkout)",
        ),
    );
}

#[test]
fn non_utf8_file_name_in_the_checkouts_wazo_folder() {
    let case = Case::new(SHOWN);
    let name = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"caf\xe9");
    std::fs::write(case.path().join("wazo").join(name), "x").unwrap();
    case.fails(
        3,
        Line::Exact("error: wazo/caf\u{fffd}: the file name is not valid UTF-8; rename it"),
    );
}

#[test]
fn staged_non_utf8_file_name() {
    let case = Case::package("        touch \"$pkgdir/$(printf 'caf\\351')\"");
    case.fails(
        3,
        Line::Exact("error: $pkgdir/caf\u{fffd}: the file name is not valid UTF-8; rename it"),
    );
}

#[test]
fn staged_file_name_with_a_newline() {
    let case = Case::package("        touch \"$pkgdir/a\nb\"");
    case.fails(
        3,
        Line::Exact("error: \"$pkgdir/a\\nb\": a file name with a line break cannot be listed in md5sums; rename it"),
    );
}

#[test]
fn staged_debian_folder() {
    let case = Case::package(
        "        mkdir -p \"$pkgdir/DEBIAN\" && echo 'Package: evil' > \"$pkgdir/DEBIAN/control\"",
    );
    case.fails(
        3,
        Line::Exact("error: $pkgdir/DEBIAN: a DEBIAN folder; control files are written by pluginctl, remove it from $pkgdir"),
    );
}

#[test]
fn staged_files_in_the_plugins_own_place() {
    let case = Case::package(
        "        d=\"$pkgdir/usr/lib/wazo-plugind/plugins/demo/hello/wazo\"\n        mkdir -p \"$d\" && echo evil > \"$d/plugin.yml\"",
    );
    case.fails(
        3,
        Line::Exact("error: $pkgdir/usr/lib/wazo-plugind/plugins/demo/hello/wazo: /usr/lib/wazo-plugind/plugins/demo/hello/ is filled by pluginctl from the plugin's wazo/ folder; install elsewhere"),
    );
}

#[test]
fn staged_file_at_the_plugins_own_place() {
    let case = Case::package(
        "        d=\"$pkgdir/usr/lib/wazo-plugind/plugins/demo\"\n        mkdir -p \"$d\" && echo evil > \"$d/hello\"",
    );
    case.fails(
        3,
        Line::Exact("error: $pkgdir/usr/lib/wazo-plugind/plugins/demo/hello: a file, but the package has /usr/lib/wazo-plugind/plugins/demo/hello/wazo below it; make it a folder (or leave it out)"),
    );
}

#[test]
fn staged_symlink_above_the_plugins_own_place() {
    // Unpacking would write the plugin's files through the link, wherever it points.
    let case = Case::package(
        "        mkdir -p \"$pkgdir/usr/lib\" && ln -s /tmp \"$pkgdir/usr/lib/wazo-plugind\"",
    );
    case.fails(
        3,
        Line::Exact("error: $pkgdir/usr/lib/wazo-plugind: a symlink, but the package has /usr/lib/wazo-plugind/plugins below it; make it a folder (or leave it out)"),
    );
}

#[test]
fn staged_symlink_at_the_doc_folder() {
    let case = Case::package(
        "        mkdir -p \"$pkgdir/usr/share/doc\" && ln -s /etc \"$pkgdir/usr/share/doc/wazo-plugind-hello-demo\"",
    );
    case.fails(
        3,
        Line::Exact("error: $pkgdir/usr/share/doc/wazo-plugind-hello-demo: a symlink, but the package has /usr/share/doc/wazo-plugind-hello-demo/changelog.gz below it; make it a folder (or leave it out)"),
    );
}

#[test]
fn rules_output_of_tens_of_megabytes_without_newlines() {
    // 48 MB on stdout and stderr, no line break: streamed in bounded pieces, no deadlock.
    let case = Case::package(
        "        head -c 24000000 /dev/zero | tr '\\0' x\n        head -c 24000000 /dev/zero | tr '\\0' y >&2\n        exit 5",
    );
    let (o, took, max_rss_kib) =
        run_measured(case.cmd_showing_rules_output().arg("-o").arg(&case.out));
    assert_eq!(o.status.code(), Some(4));
    let err = stderr(&o);
    assert!(err.len() > 48_000_000, "{}", err.len());
    let lines: Vec<&str> = err.lines().collect();
    let prefix = "[rules package] ".len();
    assert!(
        lines.iter().all(|l| l.len() <= prefix + (64 << 10)),
        "a line over the cap"
    );
    assert!(lines[..lines.len() - 1]
        .iter()
        .all(|l| l.starts_with("[rules package] ")));
    assert_eq!(
        *lines.last().unwrap(),
        "error: wazo/rules: `rules package` failed (exit status 5); nothing was written"
    );
    eprintln!(
        "48 MB of rules output: {} bytes of stderr in {took:?}, peak memory {max_rss_kib} KiB",
        err.len()
    );
    assert!(max_rss_kib < 100 << 10, "used {max_rss_kib} KiB");
    assert!(took < Duration::from_secs(120), "{took:?}");
    case.assert_clean();
}

#[test]
fn leftover_background_process_does_not_hang_the_build() {
    // A step that leaves a process holding its output open: the build goes on, and the
    // process is stopped with the step's group.
    let case = Case::package("        sleep 600 &\n        echo $! > \"$MARKS/bg\"");
    let started = Instant::now();
    let o = run(&mut case.cmd());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let bg: i32 = std::fs::read_to_string(case.marks.path().join("bg"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        wait_gone(bg, false),
        "the background process {bg} still runs"
    );
}

// ---- Places ----

#[test]
fn plugin_folder_missing() {
    let case = Case::new(SHOWN);
    let o = run(pluginctl()
        .args(["build", "no-such-plugin", "-q", "-o"])
        .arg(&case.out)
        .current_dir(case.out_parent.path())
        .env("TMPDIR", case.tmp.path()));
    case.assert_failed(
        &o,
        3,
        Line::Exact("error: no-such-plugin: no such folder; give the plugin's folder (the one holding wazo/)"),
    );
}

#[test]
fn plugin_folder_is_a_file() {
    let case = Case::new(SHOWN);
    let o = run(pluginctl()
        .args(["build", "wazo/plugin.yml", "-q", "-o"])
        .arg(&case.out)
        .current_dir(case.path())
        .env("TMPDIR", case.tmp.path()));
    case.assert_failed(
        &o,
        3,
        Line::Exact("error: wazo/plugin.yml: not a folder; give the plugin's folder (the one holding wazo/)"),
    );
}

#[test]
fn tmpdir_missing() {
    let case = Case::new(SHOWN);
    let missing = case.tmp.path().join("gone");
    let o = run(case.cmd().env("TMPDIR", &missing));
    case.assert_failed(
        &o,
        1,
        Line::Exact(&format!(
            "error: TMPDIR={}: cannot create the staging folder: no such file or directory (point TMPDIR to a writable folder)",
            missing.display()
        )),
    );
}

#[test]
fn tmpdir_inside_the_checkout() {
    // `cp -R . "$pkgdir"` would copy the staging folder into itself.
    let case = Case::new(SHOWN);
    std::fs::create_dir(case.path().join("tmp")).unwrap();
    let inside = case.path().canonicalize().unwrap().join("tmp");
    let o = run(case.cmd().env("TMPDIR", &inside));
    let line = case.assert_failed(
        &o,
        2,
        Line::Has(&[
            &inside.display().to_string(),
            "the staging folder would be inside the plugin folder; set TMPDIR to another place",
        ]),
    );
    assert!(line.contains("pluginctl-stage-"), "{line}");
    assert_eq!(leftovers(&inside), Vec::<PathBuf>::new());
}

#[test]
fn output_folder_missing_is_created() {
    let case = Case::new(SHOWN);
    let out = case.out.join("a/b");
    let o = run(&mut case.cmd_to(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(leftovers(&out), [out.join(DEB)]);
    assert_eq!(leftovers(case.tmp.path()), Vec::<PathBuf>::new());
}

#[test]
fn output_folder_is_a_file() {
    let case = Case::new(SHOWN);
    let file = case.out.join("file");
    std::fs::write(&file, "x").unwrap();
    let o = run(&mut case.cmd_to(&file));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: the output path is not a folder\n",
            file.display()
        )
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
    assert_eq!(leftovers(&case.out), [file]);
    assert_eq!(leftovers(case.tmp.path()), Vec::<PathBuf>::new());
    assert!(case.ran().is_empty());
}

/// A mount that is undone on drop.
pub(crate) struct Mount(PathBuf);

impl Mount {
    /// `mount ARGS AT`, or why it failed.
    pub(crate) fn new(args: &[&str], at: &Path) -> Result<Mount, String> {
        let o = run(Command::new("mount").args(args).arg(at));
        if o.status.success() {
            Ok(Mount(at.to_path_buf()))
        } else {
            Err(stderr(&o))
        }
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn output_folder_read_only() {
    let case = Case::new(SHOWN);
    let ro = case.out.clone();
    let bind = match Mount::new(&["--bind", ro.to_str().unwrap()], &ro) {
        Ok(m) => m,
        Err(why) => {
            skip(&format!(
                "output_folder_read_only: cannot bind-mount ({why})"
            ));
            return;
        }
    };
    let remount = Mount::new(&["-o", "remount,bind,ro"], &ro);
    if let Err(why) = &remount {
        skip(&format!(
            "output_folder_read_only: cannot remount read-only ({why})"
        ));
        return;
    }
    // One umount undoes the bind mount: the read-only remount is the same mount.
    std::mem::forget(remount);
    case.fails(
        1,
        Line::Exact(&format!(
            "error: {}: cannot write into the output folder: read-only file system",
            ro.display()
        )),
    );
    assert!(
        case.ran().is_empty(),
        "rules ran before the output was checked"
    );
    drop(bind);
}

#[test]
fn output_folder_on_a_full_disk() {
    let case = Case::package("        head -c 3000000 /dev/urandom > \"$pkgdir/blob\"");
    let tmpfs = match Mount::new(&["-t", "tmpfs", "-o", "size=1m", "tmpfs"], &case.out) {
        Ok(m) => m,
        Err(why) => {
            skip(&format!(
                "output_folder_on_a_full_disk: cannot mount a tmpfs ({why})"
            ));
            return;
        }
    };
    case.fails(
        1,
        Line::Has(&[
            &case.out.display().to_string(),
            "no space left on device (free some space)",
        ]),
    );
    drop(tmpfs);
}

#[test]
fn existing_package_is_kept_when_the_build_fails() {
    let case = Case::package("        exit 1");
    let deb = case.out.join(DEB);
    std::fs::write(&deb, "the previous package").unwrap();
    let o = run(&mut case.cmd());
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert_eq!(std::fs::read(&deb).unwrap(), b"the previous package");
    assert_eq!(leftovers(&case.out), [deb]);
    assert_eq!(leftovers(case.tmp.path()), Vec::<PathBuf>::new());
}

#[test]
fn existing_package_is_replaced_on_success() {
    let case = Case::new(SHOWN);
    let deb = case.out.join(DEB);
    std::fs::write(&deb, "the previous package").unwrap();
    let old_inode = std::fs::metadata(&deb).unwrap().ino();
    let o = run(&mut case.cmd());
    assert!(o.status.success(), "{}", stderr(&o));
    // Renamed into place: a new file, never the old one rewritten in place.
    assert_ne!(std::fs::metadata(&deb).unwrap().ino(), old_inode);
    assert_eq!(dpkg_deb(&deb, &["--field", "Version"]).trim(), "1.0");
    assert_eq!(leftovers(&case.out), [deb]);
}

// ---- Interrupts ----

/// Spawns the build with stderr captured.
fn spawn(cmd: &mut Command) -> std::process::Child {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until `check` holds, for at most `limit`.
fn wait_for(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < limit {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// True once the process (or, with `group`, every process of the group) is gone. A zombie
/// counts as gone: it runs nothing, and reaping it is its new parent's business.
fn wait_gone(id: i32, group: bool) -> bool {
    wait_for(Duration::from_secs(10), || !running(id, group))
}

/// Whether a live (not zombie) process has this pid, or this process group with `group`.
fn running(id: i32, group: bool) -> bool {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return true;
    };
    procs.flatten().any(|p| {
        let Ok(stat) = std::fs::read_to_string(p.path().join("stat")) else {
            return false;
        };
        // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            return false;
        };
        let pid: i32 = head.split(' ').next().unwrap_or("").parse().unwrap_or(-1);
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (state, pgrp) = (fields.first().copied(), fields.get(2).copied());
        let matches = if group {
            pgrp == Some(&id.to_string())
        } else {
            pid == id
        };
        matches && state != Some("Z")
    })
}

fn interrupt_during_package(sig: i32, status: i32, name: &str, snippet: &str) {
    let case = Case::package(&format!(
        "        echo $$ > \"$MARKS/pgid.tmp\" && mv \"$MARKS/pgid.tmp\" \"$MARKS/pgid\"\n        touch \"$pkgdir/partial\"\n{snippet}"
    ));
    let pgid_file = case.marks.path().join("pgid");
    let child = spawn(&mut case.cmd());
    assert!(
        wait_for(Duration::from_secs(30), || pgid_file.exists()),
        "rules package never started"
    );
    let pgid: i32 = std::fs::read_to_string(&pgid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(child.id() as i32, sig) };
    let started = Instant::now();
    let o = child.wait_with_output().unwrap();
    eprintln!(
        "{name} during rules package: stopped in {:?}",
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    case.assert_failed(
        &o,
        status,
        Line::Exact(&format!(
            "error: interrupted by {name}; nothing was written"
        )),
    );
    assert!(
        wait_gone(pgid, true),
        "the rules process group {pgid} still runs"
    );
}

#[test]
fn sigint_during_rules_package() {
    interrupt_during_package(libc::SIGINT, 130, "SIGINT", "        sleep 600");
}

#[test]
fn sigterm_during_rules_package() {
    interrupt_during_package(libc::SIGTERM, 143, "SIGTERM", "        sleep 600");
}

#[test]
fn sighup_during_rules_package() {
    interrupt_during_package(libc::SIGHUP, 129, "SIGHUP", "        sleep 600");
}

#[test]
fn sigterm_reaches_a_step_that_ignores_it() {
    // The step and its children ignore the signal: after a grace period the group is killed.
    interrupt_during_package(
        libc::SIGTERM,
        143,
        "SIGTERM",
        "        trap '' TERM INT HUP\n        sleep 600",
    );
}

#[test]
fn sigint_during_rules_package_with_a_background_child() {
    interrupt_during_package(
        libc::SIGINT,
        130,
        "SIGINT",
        "        sleep 600 &\n        sleep 600 &\n        wait",
    );
}

fn interrupt_during_archive(sig: i32, status: i32, name: &str) {
    // 32 MiB of incompressible data takes seconds to xz, even in a release build.
    let case = Case::package(
        "        head -c 33554432 /dev/urandom > \"$pkgdir/blob\"\n        head -c 1000 /dev/urandom > \"$pkgdir/small\"",
    );
    let child = spawn(&mut case.cmd());
    let out = case.out.clone();
    // The temporary data member exists from the first byte of the archive to the rename.
    let writing = wait_for(Duration::from_secs(60), || {
        leftovers(&out).iter().any(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with(".pluginctl-") && name.ends_with(".data.tmp")
        })
    });
    assert!(writing, "the data member was never being written");
    // One second into the archive, xz's threads are deep in a block (24 MiB at level 6):
    // the signal must still be seen within a fraction of a second, not when the block ends.
    std::thread::sleep(Duration::from_secs(1));
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(child.id() as i32, sig) };
    let started = Instant::now();
    let o = child.wait_with_output().unwrap();
    eprintln!(
        "{name} during archive writing: stopped in {:?}",
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{name} took {:?} to stop the archive",
        started.elapsed()
    );
    case.assert_failed(
        &o,
        status,
        Line::Exact(&format!(
            "error: interrupted by {name}; nothing was written"
        )),
    );
}

#[test]
fn sigint_during_archive_writing() {
    interrupt_during_archive(libc::SIGINT, 130, "SIGINT");
}

#[test]
fn sigterm_during_archive_writing() {
    interrupt_during_archive(libc::SIGTERM, 143, "SIGTERM");
}

// ---- Security ----

#[test]
fn staged_symlinks_are_archived_as_links_never_followed() {
    let case = Case::package(
        "        mkdir -p \"$pkgdir/usr/share/hello\"\n        ln -s /etc/shadow \"$pkgdir/usr/share/hello/shadow\"\n        ln -s / \"$pkgdir/usr/share/hello/root\"\n        ln -s ../../../../../../etc/passwd \"$pkgdir/usr/share/hello/up\"",
    );
    let o = run(&mut case.cmd());
    assert!(o.status.success(), "{}", stderr(&o));
    let deb = case.out.join(DEB);
    let listing = dpkg_deb(&deb, &["--contents"]);
    let links: Vec<String> = listing
        .lines()
        .filter(|l| l.starts_with('l'))
        .map(|l| l.split_whitespace().skip(5).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        links,
        [
            "./usr/share/hello/root -> /",
            "./usr/share/hello/shadow -> /etc/shadow",
            "./usr/share/hello/up -> ../../../../../../etc/passwd",
        ]
    );
    assert!(
        !listing.contains("./usr/share/hello/root/"),
        "a link was followed"
    );
    assert_eq!(leftovers(case.tmp.path()), Vec::<PathBuf>::new());
}

#[test]
fn symlinks_in_the_wazo_folder_are_archived_as_links() {
    let case = Case::new(SHOWN);
    std::os::unix::fs::symlink("/etc/shadow", case.path().join("wazo/secret")).unwrap();
    let o = run(&mut case.cmd());
    assert!(o.status.success(), "{}", stderr(&o));
    let listing = dpkg_deb(&case.out.join(DEB), &["--contents"]);
    assert!(
        listing.contains("./usr/lib/wazo-plugind/plugins/demo/hello/wazo/secret -> /etc/shadow"),
        "{listing}"
    );
}

#[test]
fn license_symlink_leaving_the_checkout_is_not_published() {
    let case = Case::new(SHOWN);
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), "a secret of the build machine").unwrap();
    std::os::unix::fs::symlink(secret.path(), case.path().join("LICENSE")).unwrap();
    let line = case.fails(
        3,
        Line::Has(&[
            "error: LICENSE: a symlink to ",
            "outside the plugin folder; its text would be published in the package",
        ]),
    );
    assert!(!line.contains("a secret"), "{line}");
    assert_eq!(case.ran(), ["build", "package"]);
}

#[test]
fn license_fifo_does_not_hang_the_build() {
    let case = Case::new(SHOWN);
    mkfifo(&case.path().join("LICENSE"));
    case.fails(
        3,
        Line::Exact(
            "error: LICENSE: not a regular file; a license file must hold the license text",
        ),
    );
}

#[test]
fn description_cannot_start_a_new_field() {
    let case = Case::new(with(
        "description: \"Hello\\nPackage: evil\\n\\nVersion: 666\\n.\\nDepends: evil\"\ntags: [\"a\\nb\"]\n",
    ));
    let o = run(&mut case.cmd());
    assert!(o.status.success(), "{}", stderr(&o));
    let deb = case.out.join(DEB);
    let control = dpkg_deb(&deb, &["--field"]);
    assert_eq!(
        control
            .lines()
            .filter(|l| !l.starts_with(' '))
            .collect::<Vec<_>>(),
        [
            "Package: wazo-plugind-hello-demo",
            "Version: 1.0",
            "Architecture: all",
            "Maintainer: Wazo Maintainers <dev+pkg@wazo.community>",
            "Installed-Size: 22",
            "Section: wazo-plugind-plugin",
            "Priority: optional",
            "Description: Hello (Wazo plugin demo/hello)",
        ],
        "{control}"
    );
    assert!(
        control.contains("\n Package: evil\n .\n Version: 666 . Depends: evil\n"),
        "{control}"
    );
    assert_eq!(dpkg_deb(&deb, &["--field", "Depends"]).trim(), "");
}

#[test]
fn maintainer_cannot_inject_a_field() {
    let case = Case::new(SHOWN);
    let o = run(case
        .cmd()
        .args(["--maintainer", "Bob <bob@example.org>\nPackage: evil"]));
    case.assert_failed(
        &o,
        2,
        Line::Has(&["--maintainer", "expected one line of the form"]),
    );
    assert!(case.ran().is_empty());
}

#[test]
fn bad_source_date_epoch_is_a_usage_error() {
    let case = Case::new(SHOWN);
    let o = run(case.cmd().env("SOURCE_DATE_EPOCH", "yesterday"));
    case.assert_failed(
        &o,
        2,
        Line::Exact("error: SOURCE_DATE_EPOCH=\"yesterday\": must be a whole number of seconds since 1970-01-01"),
    );
    assert!(case.ran().is_empty());
}

// ---- Helpers ----

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

/// Runs a command to its end; returns its output, wall time and peak memory (KiB).
#[allow(clippy::zombie_processes)] // reaped by wait4, which also gives its peak memory
pub(crate) fn run_measured(cmd: &mut Command) -> (Output, Duration, i64) {
    let started = Instant::now();
    let mut child = spawn(cmd.stdin(Stdio::null()));
    let drain = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            v
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    // Peak memory of pluginctl itself, sampled from /proc while it runs: the wait4 rusage
    // would also count the test process's own pages, which the child shares until exec.
    let status_file = format!("/proc/{}/status", child.id());
    let sampler = std::thread::spawn(move || {
        let mut peak = 0i64;
        while let Ok(text) = std::fs::read_to_string(&status_file) {
            match text.lines().find_map(|l| l.strip_prefix("VmHWM:")) {
                Some(v) => {
                    peak = peak.max(v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0))
                }
                None => break,
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        peak
    });
    let status = child.wait().unwrap();
    let took = started.elapsed();
    let output = Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    (output, took, sampler.join().unwrap())
}
