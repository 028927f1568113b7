//! `pluginctl market`: the fields the server's market schema reads, `--subdirectory` and
//! the 25.08 it needs (in `market` and in `lint --market`), and `--into` refusing a version
//! the server's LooseVersion cannot order against one already listed; and the git it runs:
//! stopped by a signal while it hangs, not needed with --url.

use crate::lint::lint_json;
use crate::support::*;

/// A manifest with every market field.
const MANIFEST: &str = "name: hello
namespace: acme
version: \"1.0.2\"
display_name: Hello
short_description: Says hello
license: GPL-3.0-or-later
screenshots:
  - https://acme.example/s1.png
  - https://acme.example/s2.png
icon: phone
color: \"#336699\"
description: Says hello.
min_wazo_version: \"23.01\"
";

fn market(p: &Plugin, args: &[&str]) -> std::process::Output {
    run(pluginctl()
        .arg("market")
        .arg(p.path())
        .args(["--url", "https://git.example/h.git", "--ref", "v1"])
        .args(args))
}

#[test]
fn the_entry_carries_every_field_the_market_schema_reads() {
    let p = Plugin::new(MANIFEST);
    let o = market(&p, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        r##"{
  "name": "hello",
  "namespace": "acme",
  "display_name": "Hello",
  "icon": "phone",
  "color": "#336699",
  "description": "Says hello.",
  "short_description": "Says hello",
  "screenshots": [
    "https://acme.example/s1.png",
    "https://acme.example/s2.png"
  ],
  "license": "GPL-3.0-or-later",
  "versions": [
    {
      "version": "1.0.2",
      "method": "git",
      "options": {
        "url": "https://git.example/h.git",
        "ref": "v1"
      },
      "min_wazo_version": "23.01"
    }
  ]
}
"##
    );
    // screenshots is a list, as the schema wants.
    let p = Plugin::new(&MANIFEST.replace(
        "screenshots:\n  - https://acme.example/s1.png\n  - https://acme.example/s2.png\n",
        "screenshots: https://acme.example/s1.png\n",
    ));
    let o = market(&p, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}/wazo/plugin.yml:7:14: screenshots: must be a list of strings, not a scalar\n",
            p.path().display()
        )
    );
}

#[test]
fn subdirectory_is_written_and_needs_wazo_25_08() {
    let p = Plugin::new(MANIFEST);
    let o = market(&p, &["--subdirectory", "./plugins/hello/"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let entry: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        entry["versions"][0]["options"]["subdirectory"],
        "plugins/hello"
    );
    assert_eq!(
        stderr(&o),
        format!(
            "pluginctl: warning: {}/wazo/plugin.yml: the subdirectory option of a market version is read \
             from Wazo 25.08 on, and min_wazo_version 23.01 allows older ones, which clone the \
             repository's top folder and find no plugin there; set min_wazo_version: \"25.08\"\n",
            p.path().display()
        )
    );
    // 25.08 or later: nothing to say.
    let p = Plugin::new(&MANIFEST.replace("\"23.01\"", "\"25.10\""));
    let o = market(&p, &["--subdirectory", "plugins/hello"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    // Outside the repository: refused.
    for bad in ["../x", "/abs", "."] {
        let o = market(&p, &["--subdirectory", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert_eq!(
            stderr(&o),
            format!(
                "error: --subdirectory {bad:?}: give the plugin's folder relative to the \
                 repository's top, inside it (such as plugins/hello)\n"
            )
        );
    }

    // lint --market sees the same in the published entry.
    let p = Plugin::new(MANIFEST);
    let file = p.path().join("market.json");
    let o = market(
        &p,
        &[
            "--subdirectory",
            "plugins/hello",
            "--into",
            file.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let r = lint_json(&[p.path()], &["--market", file.to_str().unwrap()]);
    assert_eq!(
        r.tags(),
        ["I:maintainer-default", "W:subdirectory-before-wazo-25-08"]
    );
    assert_eq!(
        r.message("subdirectory-before-wazo-25-08"),
        format!(
            "version 1.0.2 of acme/hello in {}: the subdirectory option of a market version is \
             read from Wazo 25.08 on, and min_wazo_version 23.01 allows older ones, which clone \
             the repository's top folder and find no plugin there; set min_wazo_version: \
             \"25.08\"",
            file.display()
        )
    );
}

#[test]
fn into_refuses_a_version_looseversion_cannot_order_and_leaves_the_file() {
    let p = Plugin::new(MANIFEST);
    let file = p.path().join("market.json");
    let o = market(&p, &["--into", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = std::fs::read(&file).unwrap();
    let p2 = Plugin::new(&MANIFEST.replace("\"1.0.2\"", "\"1.0a\""));
    let o = market(&p2, &["--into", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: version 1.0a of acme/hello cannot be ordered against version 1.0.2 \
             already listed: LooseVersion cannot order \"a\" against 2 (Python raises \
             TypeError), and the Wazo server's market listing fails on such a pair; choose a \
             version LooseVersion can order (numbers and dots: 1.0.2); the file was left \
             unchanged\n",
            file.display()
        )
    );
    assert_eq!(std::fs::read(&file).unwrap(), before);
    // Python's own LooseVersion raises on that pair too.
    let o = run(std::process::Command::new("/usr/bin/python3").args([
        "-W",
        "ignore",
        "-c",
        "from distutils.version import LooseVersion as L; L('1.0a') < L('1.0.2')",
    ]));
    assert!(stderr(&o).contains("TypeError"), "{}", stderr(&o));
    // One it can order is added.
    let p3 = Plugin::new(&MANIFEST.replace("\"1.0.2\"", "\"1.0.10\""));
    let o = market(&p3, &["--into", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// A git that hangs (a remote that never answers, a lock held) does not hold `market` past
/// a signal: git runs in a process group of its own, which the signal reaches. The first
/// git call is the origin remote without --url, the ref check with it.
#[test]
fn sigterm_stops_market_while_git_hangs() {
    use std::os::unix::process::ExitStatusExt;
    let p = Plugin::new(MANIFEST);
    let marks = tempfile::tempdir().unwrap();
    let mark = marks.path().join("git-started");
    let bin = hanging_git(&mark);
    for args in [&[][..], &["--url", "https://git.example/h.git"][..]] {
        let _ = std::fs::remove_file(&mark);
        let o = sigterm_when(
            pluginctl()
                .arg("market")
                .arg(p.path())
                .args(args)
                .env("PATH", path_with(bin.path())),
            &mark,
        );
        assert_eq!(
            o.status.signal(),
            Some(libc::SIGTERM),
            "{args:?}: {}",
            stderr(&o)
        );
        assert_eq!(
            stderr(&o),
            "error: interrupted by SIGTERM; nothing was written\n"
        );
        assert_eq!(stdout(&o), "");
    }
}

/// Without git, the origin remote cannot be read: one line that says to install git or give
/// --url; with --url, git is not needed (the ref check, which needs it, is left out).
#[test]
fn market_without_git_needs_url() {
    let p = Plugin::new(MANIFEST);
    let empty = tempfile::tempdir().unwrap();
    let o = run(pluginctl()
        .arg("market")
        .arg(p.path())
        .env("PATH", empty.path()));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "error: git: not found in PATH; market takes the URL from the git remote \"origin\" \
         unless --url gives it (install it: apt-get install git)\n"
    );
    assert_eq!(stdout(&o), "");
    let o = run(pluginctl()
        .arg("market")
        .arg(p.path())
        .args(["--url", "https://git.example/h.git"])
        .env("PATH", empty.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    assert!(stdout(&o).contains("\"ref\": \"1.0.2\""), "{}", stdout(&o));
}
