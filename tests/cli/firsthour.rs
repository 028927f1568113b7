//! What a new user runs into in the first hour (issue 15): the progress bar on an 80-column
//! terminal, `-q` on a failing step, `--json` on every failure, `-o FILE.deb`, a build from
//! inside the plugin, the manual pages, and the smaller rough edges.

use crate::support::*;
use std::path::Path;
use std::process::Command;

fn plugin(name: &str) -> Plugin {
    Plugin::new(&format!(
        "name: {name}\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: Demo\n"
    ))
}

/// A plugin shipping `count` files of `size` pseudo-random bytes (slow enough to draw a bar).
fn big_plugin(count: usize, size: usize) -> Plugin {
    let p = plugin("big");
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    for i in 0..count {
        let mut data = Vec::with_capacity(size);
        while data.len() < size {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            data.extend_from_slice(&state.to_le_bytes());
        }
        p.file(&format!("payload/{:02}/{i:05}.bin", i % 20), &data);
    }
    p.rules(&marker_rules(
        r#"        mkdir -p "$pkgdir/usr/share/big"
        cp -R payload "$pkgdir/usr/share/big/""#,
    ));
    p
}

/// A terminal of `cols` columns, fed the bytes a program wrote: enough of VT100 for what a
/// progress bar uses (carriage return, line feed, wrapping, cursor up, erase line and below).
struct Screen {
    cols: usize,
    lines: Vec<Vec<char>>,
    row: usize,
    col: usize,
}

impl Screen {
    fn new(cols: usize) -> Screen {
        Screen {
            cols,
            lines: vec![Vec::new()],
            row: 0,
            col: 0,
        }
    }

    fn feed(&mut self, text: &str) {
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' => self.col = 0,
                '\n' => self.down(),
                '\x1b' => {
                    if chars.peek() != Some(&'[') {
                        chars.next();
                        continue;
                    }
                    chars.next();
                    let mut params = String::new();
                    let mut command = ' ';
                    for c in chars.by_ref() {
                        if c.is_ascii_alphabetic() || c == '~' {
                            command = c;
                            break;
                        }
                        params.push(c);
                    }
                    let n: usize = params.trim_start_matches('?').parse().unwrap_or(0);
                    match command {
                        'A' => self.row = self.row.saturating_sub(n.max(1)),
                        'B' => {
                            for _ in 0..n.max(1) {
                                self.down();
                            }
                        }
                        'G' => self.col = n.saturating_sub(1),
                        'K' => {
                            let line = &mut self.lines[self.row];
                            match n {
                                2 => line.clear(),
                                1 => line.iter_mut().take(self.col).for_each(|c| *c = ' '),
                                _ => line.truncate(self.col),
                            }
                        }
                        'J' => {
                            self.lines[self.row].truncate(self.col);
                            self.lines.truncate(self.row + 1);
                        }
                        _ => {}
                    }
                }
                c if c.is_control() => {}
                c => {
                    if self.col >= self.cols {
                        self.down();
                        self.col = 0;
                    }
                    let line = &mut self.lines[self.row];
                    while line.len() < self.col {
                        line.push(' ');
                    }
                    if self.col < line.len() {
                        line[self.col] = c;
                    } else {
                        line.push(c);
                    }
                    self.col += 1;
                }
            }
        }
    }

    fn down(&mut self) {
        self.row += 1;
        if self.row == self.lines.len() {
            self.lines.push(Vec::new());
        }
    }

    fn text(&self) -> Vec<String> {
        self.lines
            .iter()
            .map(|l| l.iter().collect::<String>().trim_end().to_string())
            .collect()
    }
}

/// Runs `command` under a pseudo-terminal of 80 columns; returns success and what it wrote.
fn under_80_columns(command: &str, env: &[(&str, &str)]) -> (bool, String) {
    let mut cmd = Command::new("script");
    cmd.args([
        "-q",
        "-e",
        "-c",
        &format!("stty cols 80 rows 24; {command}"),
        "/dev/null",
    ])
    .env("PLUGINCTL_PROGRESS_DELAY_MS", "0")
    .env("TERM", "xterm")
    .env_remove("SOURCE_DATE_EPOCH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = run(&mut cmd);
    (o.status.success(), stdout(&o) + &stderr(&o))
}

#[test]
fn progress_bar_fits_80_columns_moves_and_leaves_no_stale_line() {
    let big = big_plugin(300, 16 << 10);
    let out = tempfile::tempdir().unwrap();
    let cmd = format!(
        "{} build {} -o {} -Z gzip -z 1",
        bin(),
        big.path().display(),
        out.path().display()
    );
    let (ok, raw) = under_80_columns(&cmd, &[]);
    assert!(ok, "{raw}");
    // The bar was drawn: elapsed time, files, bytes and rate.
    assert!(raw.contains("wazo-plugind-big-demo"), "{raw}");
    // 300 files, 20 + 4 folders of payload, 7 entries of docs and overrides, 8 of the
    // plugin's own folder.
    assert!(raw.contains("/339 files"), "{raw}");
    assert!(raw.contains("/s"), "no rate: {raw}");
    assert!(raw.contains("MiB"), "{raw}");
    // No drawn line is wider than the terminal (it would wrap and leave a stale line).
    for segment in raw.split(['\r', '\n']) {
        let mut wide = Screen::new(1000);
        wide.feed(segment);
        for line in wide.text() {
            let width = line.chars().count();
            assert!(width <= 80, "a line of {width} columns: {line:?}");
        }
    }
    // What stays on the screen: the package's path, and nothing of the bar.
    let mut screen = Screen::new(80);
    screen.feed(&raw);
    let left: Vec<String> = screen
        .text()
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect();
    let deb = out.path().join("wazo-plugind-big-demo_1.0_all.deb");
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(
        left[0].starts_with(&format!("pluginctl: built {} (", deb.display())),
        "{left:?}"
    );
    assert_eq!(left[1], deb.display().to_string(), "{raw:?}");

    // TERM=dumb and -q: no bar at all.
    for (extra, env) in [("", ("TERM", "dumb")), (" -q", ("TERM", "xterm"))] {
        let (ok, raw) = under_80_columns(&format!("{cmd}{extra}"), &[env]);
        assert!(ok, "{raw}");
        assert!(
            !raw.contains("files"),
            "{extra} {env:?} drew a bar: {raw:?}"
        );
        assert!(!raw.contains('\x1b'), "{extra} {env:?}: {raw:?}");
    }
}

#[test]
fn quiet_still_shows_the_last_lines_of_a_failing_step() {
    let p = plugin("fails");
    p.rules(&marker_rules(
        r#"        for i in $(seq 1 30); do echo "chatter $i"; done
        cp does-not-exist "$pkgdir/""#,
    ));
    let out = tempfile::tempdir().unwrap();
    let o = run(p.build_cmd(out.path()).arg("-q"));
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 21, "{err}");
    assert_eq!(lines[0], "[rules package] chatter 12", "{err}");
    assert_eq!(lines[18], "[rules package] chatter 30", "{err}");
    assert_eq!(
        lines[19],
        "[rules package] cp: cannot stat 'does-not-exist': No such file or directory"
    );
    assert!(
        lines[20].starts_with("error: ")
            && lines[20].contains("`rules package` failed (exit status 1)"),
        "{err}"
    );

    // A step that succeeds says nothing with -q.
    let ok = plugin("chatty");
    ok.rules(&marker_rules(r#"        echo "copying files""#));
    let o = run(ok.build_cmd(out.path()).arg("-q"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
}

fn json_of(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("no JSON document ({e}): {}\n{}", stdout(o), stderr(o)))
}

#[test]
fn build_json_prints_a_document_on_every_failure_of_a_plugin() {
    let good = plugin("good");
    let bad = Plugin::new("name: bad\nnamespace: demo\n");
    let failing = plugin("failing");
    failing.rules(&marker_rules("        exit 3"));
    let out = tempfile::tempdir().unwrap();
    let o_dir = out.path().join("o");
    let build = |args: &[&Path], extra: &[&str]| {
        run(pluginctl()
            .arg("build")
            .args(args)
            .arg("-o")
            .arg(&o_dir)
            .arg("--json")
            .args(extra))
    };

    // An invalid manifest alone, then first of two, without and with -k.
    let o = build(&[bad.path()], &[]);
    assert_eq!(o.status.code(), Some(3));
    let doc = json_of(&o);
    assert_eq!(doc["packages"], serde_json::json!([]));
    assert_eq!(doc["failures"][0]["plugin"], serde_json::Value::Null);
    assert_eq!(doc["failures"][0]["exit_code"], 3);
    assert!(
        doc["failures"][0]["error"]
            .as_str()
            .unwrap()
            .contains("missing required key \"version\""),
        "{doc}"
    );

    let o = build(&[good.path(), bad.path(), failing.path()], &[]);
    assert_eq!(o.status.code(), Some(3));
    let doc = json_of(&o);
    assert_eq!(doc["failures"].as_array().unwrap().len(), 1, "{doc}");
    assert_eq!(doc["failures"][0]["dir"], bad.path().display().to_string());
    assert_eq!(
        doc["skipped"],
        serde_json::json!([
            good.path().display().to_string(),
            failing.path().display().to_string()
        ])
    );

    let o = build(&[good.path(), bad.path(), failing.path()], &["-k"]);
    assert_eq!(o.status.code(), Some(3));
    let doc = json_of(&o);
    assert_eq!(doc["packages"].as_array().unwrap().len(), 1, "{doc}");
    assert_eq!(doc["failures"].as_array().unwrap().len(), 2, "{doc}");

    // A missing folder, a failing rules step, an output that is a file.
    let missing = out.path().join("missing");
    let o = build(&[&missing], &[]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(
        json_of(&o)["failures"][0]["plugin"],
        serde_json::Value::Null
    );
    let o = build(&[failing.path()], &[]);
    assert_eq!(o.status.code(), Some(4));
    assert_eq!(json_of(&o)["failures"][0]["plugin"]["name"], "failing");
    let file = out.path().join("a-file");
    write(&file, "x");
    let o = run(pluginctl()
        .arg("build")
        .arg(good.path())
        .arg("-o")
        .arg(&file)
        .arg("--json"));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json_of(&o)["failures"][0]["exit_code"], 1);

    // A usage error prints none: a cycle, a bad option.
    let a = Plugin::new(
        "name: a\nnamespace: demo\nversion: \"1\"\ndepends:\n  - name: b\n    namespace: demo\n",
    );
    let b = Plugin::new(
        "name: b\nnamespace: demo\nversion: \"1\"\ndepends:\n  - name: a\n    namespace: demo\n",
    );
    let o = build(&[a.path(), b.path()], &[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let o = build(&[good.path()], &["--level", "99"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
}

#[test]
fn output_ending_in_deb_is_the_package_file() {
    let p = plugin("named");
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("sub/my.deb");
    let o = run(pluginctl()
        .arg("build")
        .arg(p.path())
        .arg("-o")
        .arg(&target));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), target.display().to_string());
    assert!(target.is_file());
    assert_eq!(
        dpkg_deb(&target, &["--field", "Package"]).trim(),
        "wazo-plugind-named-demo"
    );
    assert_eq!(
        leftovers(&out.path().join("sub")),
        std::slice::from_ref(&target)
    );

    // An existing folder whose name ends in .deb stays a folder.
    let folder = out.path().join("folder.deb");
    std::fs::create_dir(&folder).unwrap();
    let o = run(pluginctl()
        .arg("build")
        .arg(p.path())
        .arg("-o")
        .arg(&folder));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(folder.join("wazo-plugind-named-demo_1.0_all.deb").is_file());

    // Several plugins and one file: a usage error, nothing written.
    let other = plugin("other");
    let one = out.path().join("one.deb");
    let o = run(pluginctl()
        .arg("build")
        .arg(p.path())
        .arg(other.path())
        .arg("-o")
        .arg(&one));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: -o {}: a .deb file takes one plugin, 2 were given; give an output folder\n",
            one.display()
        )
    );
    assert!(!one.exists());
}

#[test]
fn build_and_lint_from_inside_the_plugin_find_it_upward() {
    let p = plugin("inside");
    p.file("src/main.c", "int main(void) { return 0; }\n");
    for sub in ["wazo", "src"] {
        let o = run(pluginctl().arg("build").current_dir(p.path().join(sub)));
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(stdout(&o), "../wazo-plugind-inside-demo_1.0_all.deb\n");
        let real = p.path().canonicalize().unwrap();
        assert!(
            stderr(&o).starts_with(&format!(
                "pluginctl: using the plugin in .. ({})\n",
                real.display()
            )),
            "{}",
            stderr(&o)
        );
        assert!(p
            .path()
            .join("wazo-plugind-inside-demo_1.0_all.deb")
            .is_file());
        assert!(!p
            .path()
            .join(sub)
            .join("wazo-plugind-inside-demo_1.0_all.deb")
            .exists());

        let o = run(pluginctl().arg("lint").current_dir(p.path().join(sub)));
        assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
        assert!(
            stderr(&o).contains("using the plugin in .."),
            "{}",
            stderr(&o)
        );
    }
    // From the plugin folder itself: nothing to say.
    let o = run(pluginctl().arg("build").current_dir(p.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("using the plugin"), "{}", stderr(&o));
}

#[test]
fn manual_pages_have_exit_status_and_environment_and_the_version() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(pluginctl().arg("man").arg("--dir").arg(dir.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    let version = env!("CARGO_PKG_VERSION");
    let pages = leftovers(dir.path());
    assert!(pages.len() >= 8, "{pages:?}");
    for page in &pages {
        let roff = std::fs::read_to_string(page).unwrap();
        let name = page.file_stem().unwrap().to_string_lossy().into_owned();
        // pluginctl-plugin.yml.5 describes a file: no exit status or environment.
        let section = page.extension().unwrap().to_string_lossy().into_owned();
        assert!(
            roff.contains(&format!(
                ".TH {name} {section} \"\" \"pluginctl {version}\""
            )),
            "{name}: {}",
            roff.lines().find(|l| l.starts_with(".TH")).unwrap_or("")
        );
        assert!(
            !roff.contains("pluginctl\\-help"),
            "{name} refers to pluginctl-help"
        );
        let o = run(Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-P", "-cbu"])
            .arg(page));
        assert!(
            o.status.success() && o.stderr.is_empty(),
            "{name}: {}",
            stderr(&o)
        );
        let text = stdout(&o);
        let plain = &text;
        let sections: &[&str] = if section == "1" {
            &[
                "SYNOPSIS",
                "EXAMPLES",
                "EXIT STATUS",
                "ENVIRONMENT",
                "SEE ALSO",
            ]
        } else {
            &["SYNOPSIS", "EXAMPLES", "SEE ALSO"]
        };
        for s in sections {
            assert!(text.contains(s), "{name}: no {s}");
        }
        // Every page it refers to is written.
        for r in plain.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '(' || c == ')')) {
            if let Some(p) = r.strip_suffix("(1)").filter(|p| p.starts_with("pluginctl")) {
                assert!(
                    dir.path().join(format!("{p}.1")).is_file(),
                    "{name} refers to {r}"
                );
            }
        }
    }
    let build = std::fs::read_to_string(dir.path().join("pluginctl-build.1")).unwrap();
    assert!(
        build.contains("SOURCE_DATE_EPOCH") && build.contains("TMPDIR"),
        "{build}"
    );
    assert!(build.contains("PLUGINCTL_PROGRESS_DELAY_MS"), "{build}");
    let o = run(Command::new("groff")
        .args(["-man", "-Tascii", "-P", "-cbu"])
        .arg(dir.path().join("pluginctl-build.1")));
    // groff justifies lines: compare with single spaces.
    let text = stdout(&o).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("[-o|--output <DIR|FILE.deb>]"), "{text}");
    assert!(text.contains("[--threads <N>]"), "{text}");
    assert!(text.contains("[<PLUGIN_DIR>]..."), "{text}");
    assert!(
        text.contains("[-Z|--compression <xz|gzip|zstd|none>]"),
        "{text}"
    );
}

#[test]
fn verbose_twice_threads_zero_index_default_and_help_help() {
    let p = plugin("small");
    let out = tempfile::tempdir().unwrap();
    let o = run(p.build_cmd(out.path()).args(["-vv", "--threads", "0"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("pluginctl: rules build: started"),
        "{}",
        stderr(&o)
    );
    // Sizes on the terminal are for people; --json keeps bytes.
    let err = stderr(&o);
    let built = err
        .lines()
        .find(|l| l.starts_with("pluginctl: built "))
        .unwrap();
    assert!(built.ends_with(" KiB)"), "{built}");

    let o = run(pluginctl().arg("index").arg("-q").current_dir(out.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.path().join("Packages").is_file());

    let o = run(pluginctl().args(["help", "--help"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Usage: pluginctl help"),
        "{}",
        stdout(&o)
    );
    let o = run(pluginctl().args(["help", "build"]));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Usage: pluginctl build"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_missing_tmpdir_is_named() {
    let p = plugin("tmp");
    let out = tempfile::tempdir().unwrap();
    let o = run(p.build_cmd(out.path()).env("TMPDIR", "/nonexistent"));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: TMPDIR=/nonexistent: cannot create the staging folder: no such file or directory (point TMPDIR to a writable folder)\n"
    );
}

#[test]
fn fix_hints_name_the_rules_file_as_the_message_does() {
    let root = tempfile::tempdir().unwrap();
    let m2 = root.path().join("m2");
    write(
        m2.join("wazo/plugin.yml"),
        "name: m\nnamespace: demo\nversion: \"1\"\n",
    );
    write(m2.join("wazo/rules"), "#!/bin/sh\r\nexit 0\r\n");
    chmod(m2.join("wazo/rules"), 0o644);
    let build = |dir: &Path| {
        let o = run(pluginctl()
            .args(["build", "m2", "-o"])
            .arg(dir)
            .current_dir(root.path()));
        stderr(&o)
    };
    assert_eq!(
        build(root.path()),
        "error: m2/wazo/rules: not executable (chmod +x m2/wazo/rules)\n"
    );
    chmod(m2.join("wazo/rules"), 0o755);
    assert_eq!(
        build(root.path()),
        "error: m2/wazo/rules: line 1: CR LF line endings: the interpreter line and every command end in a carriage return, so the file will not run (convert it: dos2unix m2/wazo/rules)\n"
    );
    let o = run(pluginctl().args(["lint", "m2"]).current_dir(root.path()));
    assert!(
        stdout(&o).contains("(convert it: dos2unix m2/wazo/rules)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn inspect_of_a_folder_says_it_is_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(pluginctl().arg("inspect").arg(dir.path()));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: a folder, not a package; give a .deb file\n",
            dir.path().display()
        )
    );
}

/// Asks bash for the completions of `line` (the cursor at its end).
fn bash_complete(line: &str, cwd: &Path) -> Vec<String> {
    let words: Vec<&str> = line.split(' ').collect();
    let script = format!(
        "source <({bin} completions bash); COMP_WORDS=({words}); COMP_CWORD={cword}; \
         COMP_LINE='{line}'; COMP_POINT={point}; _pluginctl pluginctl '{cur}' '{prev}'; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        bin = bin(),
        words = words
            .iter()
            .map(|w| format!("'{w}'"))
            .collect::<Vec<_>>()
            .join(" "),
        cword = words.len() - 1,
        point = line.len(),
        cur = words[words.len() - 1],
        prev = words[words.len() - 2],
    );
    let o = run(Command::new("bash").arg("-c").arg(&script).current_dir(cwd));
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o).lines().map(str::to_string).collect()
}

#[test]
fn completions_offer_debs_to_inspect_and_tags_to_explain() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path().join("a_1_all.deb"), "");
    write(dir.path().join("Packages"), "");
    write(dir.path().join("Release"), "");
    std::fs::create_dir(dir.path().join("dist")).unwrap();
    let mut got = bash_complete("pluginctl inspect ", dir.path());
    got.sort();
    assert_eq!(got, ["a_1_all.deb", "dist"], "{got:?}");

    let got = bash_complete("pluginctl lint --explain rules-", dir.path());
    assert!(got.contains(&"rules-crlf".to_string()), "{got:?}");
    for shell in ["zsh", "fish"] {
        let o = run(pluginctl().args(["completions", shell]));
        let text = stdout(&o);
        assert!(text.contains("rules-crlf"), "{shell}");
        assert!(text.contains(".deb"), "{shell}: inspect completes any file");
    }
}
