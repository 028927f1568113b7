//! The first hour, round two (issue 28), on a terminal: the progress line at 60, 80 and 200
//! columns under a real pseudo-terminal, and the help, manual pages, colours and messages
//! that must agree with what the commands do.

use crate::roundtwo::plugin;
use crate::support::*;

// ---------------------------------------------------------------- 6: the progress line

/// The lines a terminal shows for `raw`, one per carriage return or line feed, with the
/// escape sequences (cursor moves, erase) taken out.
fn drawn_lines(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    for segment in raw.split(['\r', '\n']) {
        let mut line = String::new();
        let mut chars = segment.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for e in chars.by_ref() {
                        if e.is_ascii_alphabetic() {
                            break;
                        }
                    }
                }
                continue;
            }
            if !c.is_control() {
                line.push(c);
            }
        }
        if !line.trim().is_empty() {
            out.push(line);
        }
    }
    out
}

#[test]
fn the_progress_line_fits_60_80_and_200_columns_with_a_60_character_name() {
    // wazo-plugind-<42 characters>-demo: a package name of 60 characters.
    let name = format!("long-{}", "x".repeat(37));
    let package = format!("wazo-plugind-{name}-demo");
    assert_eq!(package.len(), 60);
    let p = plugin(&format!(
        "name: {name}\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: Long\nauthor: A <a@b.example>\n"
    ));
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    for i in 0..300 {
        let mut data = Vec::with_capacity(16 << 10);
        while data.len() < 16 << 10 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            data.extend_from_slice(&state.to_le_bytes());
        }
        p.file(&format!("payload/{i:04}.bin"), &data);
    }
    p.rules(&marker_rules(
        "        mkdir -p \"$pkgdir/usr/share/long\"\n        cp -R payload \"$pkgdir/usr/share/long/\"",
    ));
    for cols in [60, 80, 200] {
        let out = tempfile::tempdir().unwrap();
        let o = run(std::process::Command::new("script")
            .args(["-q", "-e", "-c"])
            .arg(format!(
                "stty cols {cols} rows 24; {} build {} -o {} -Z gzip -z 1",
                bin(),
                p.path().display(),
                out.path().display()
            ))
            .arg("/dev/null")
            .env("PLUGINCTL_PROGRESS_DELAY_MS", "0")
            .env("TERM", "xterm")
            .env_remove("SOURCE_DATE_EPOCH"));
        let raw = stdout(&o) + &stderr(&o);
        assert!(o.status.success(), "{raw}");
        let bars: Vec<String> = drawn_lines(&raw)
            .into_iter()
            .filter(|l| l.contains("/319 files"))
            .collect();
        assert!(
            !bars.is_empty(),
            "no progress line at {cols} columns: {raw:?}"
        );
        for line in &bars {
            let width = line.chars().count();
            assert!(width <= cols, "{width} columns at {cols}: {line:?}");
            let bar = line
                .split_once('[')
                .and_then(|(_, rest)| rest.split_once(']'))
                .map_or(0, |(bar, _)| bar.chars().count());
            assert!(bar >= 10, "a bar of {bar} at {cols} columns: {line:?}");
            match cols {
                200 => assert!(line.contains(&package) && line.contains("/s"), "{line:?}"),
                80 => assert!(
                    line.contains(" long-xx… ") && line.contains("/s"),
                    "{line:?}"
                ),
                _ => assert!(!line.contains("/s"), "{line:?}"),
            }
        }
    }
}

// ---------------------------------------------------------------- 9: help and manual pages

#[test]
fn help_man_index_quiet_colour_search_and_market_agree_with_behaviour() {
    // Commands by use.
    let o = run(pluginctl().arg("--help"));
    let help = stdout(&o);
    let order: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        order,
        [
            "build",
            "lint",
            "inspect",
            "new",
            "index",
            "market",
            "completions",
            "man",
            "help"
        ]
    );
    let o = run(pluginctl().args(["index", "--help"]));
    assert!(
        stdout(&o).contains("this many days from the time of this run"),
        "{}",
        stdout(&o)
    );

    // index -q: nothing on stdout.
    let repo = tempfile::tempdir().unwrap();
    let p = plugin("name: hello\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: Hello\nauthor: A <a@b.example>\n");
    let o = run(p.build_cmd(repo.path()).arg("-q"));
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(pluginctl().args(["index", "-q"]).arg(repo.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!((stdout(&o).as_str(), stderr(&o).as_str()), ("", ""));

    // Manual pages: EXAMPLES, only the command's own exit statuses, and plugin.yml(5).
    let man = tempfile::tempdir().unwrap();
    let o = run(pluginctl().args(["man", "--dir"]).arg(man.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    let page = |name: &str| std::fs::read_to_string(man.path().join(name)).unwrap();
    let statuses = |roff: &str| -> Vec<String> {
        let section = roff.split(".SH \"EXIT STATUS\"").nth(1).unwrap_or("");
        let section = section.split(".SH ").next().unwrap_or("");
        section
            .lines()
            .filter(|l| l.starts_with("\\fB"))
            .map(|l| {
                l.trim_start_matches("\\fB")
                    .trim_end_matches("\\fR")
                    .to_string()
            })
            .collect()
    };
    assert_eq!(
        statuses(&page("pluginctl-build.1")),
        ["0", "1", "2", "3", "4", "128+N"]
    );
    assert_eq!(
        statuses(&page("pluginctl-lint.1")),
        ["0", "1", "2", "128+N"]
    );
    assert_eq!(statuses(&page("pluginctl-new.1")), ["0", "1", "2"]);
    assert!(page("pluginctl-index.1").contains(".SH EXAMPLES"));
    let yml = page("pluginctl-plugin.yml.5");
    assert!(yml.starts_with(".TH pluginctl-plugin.yml 5 "), "{yml}");
    assert!(yml.contains("debian_depends"), "{yml}");

    // Colour: --color always and never; NO_COLOR is honoured on a terminal.
    let nowhere = tempfile::tempdir().unwrap();
    let missing = nowhere.path().join("missing");
    let o = run(pluginctl()
        .args(["--color", "always", "inspect"])
        .arg(&missing));
    assert!(
        stderr(&o).starts_with("\u{1b}[1;31merror\u{1b}[0m: "),
        "{:?}",
        stderr(&o)
    );
    let o = run(pluginctl()
        .args(["inspect", "--color", "never"])
        .arg(&missing));
    assert!(stderr(&o).starts_with("error: "), "{:?}", stderr(&o));
    let under_pty = |no_color: bool| {
        let mut c = std::process::Command::new("script");
        c.args(["-q", "-e", "-c"])
            .arg(format!("{} inspect {}", bin(), missing.display()))
            .arg("/dev/null")
            .env("TERM", "xterm")
            .env_remove("NO_COLOR");
        if no_color {
            c.env("NO_COLOR", "1");
        }
        stdout(&run(&mut c))
    };
    assert!(
        under_pty(false).starts_with("\u{1b}[1;31merror"),
        "{:?}",
        under_pty(false)
    );
    assert!(
        under_pty(true).starts_with("error: "),
        "{:?}",
        under_pty(true)
    );

    // Outside any plugin: the folders searched are named.
    let o = run(pluginctl().arg("lint").current_dir(nowhere.path()));
    let cwd = nowhere.path().canonicalize().unwrap();
    let searched: Vec<String> = cwd.ancestors().map(|d| d.display().to_string()).collect();
    assert!(
        stderr(&o).starts_with(&format!(
            "pluginctl: no wazo/plugin.yml in {} or any folder above it (searched {})\n",
            cwd.display(),
            searched.join(", ")
        )),
        "{}",
        stderr(&o)
    );

    // market finds the plugin upward, as build and lint do.
    let o = run(pluginctl()
        .args([
            "market",
            "--url",
            "https://example.org/hello.git",
            "--ref",
            "main",
        ])
        .current_dir(p.path().join("wazo")));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("\"name\": \"hello\""), "{}", stdout(&o));
    assert!(
        stderr(&o).starts_with("pluginctl: using the plugin in .. ("),
        "{}",
        stderr(&o)
    );
}
