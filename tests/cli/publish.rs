//! Publishing: `index --sign` checked by the real `gpgv` and the real `apt-get` (signed-by,
//! no `[trusted=yes]`), with keys made here by the real `gpg`; `market` on a plugin in a
//! git repository with an origin.

use crate::support::*;
use std::path::Path;
use std::process::{Command, Output};

/// The names in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// git in `dir` with a fixed identity and no user or system configuration.
fn git(dir: &Path, args: &[&str]) -> String {
    let o = run(Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "T")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "T")
        .env("GIT_COMMITTER_EMAIL", "t@example.org"));
    assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
    stdout(&o)
}

const MARKET_MANIFEST: &str = "name: hello
namespace: acme
version: \"1.9.0\"
display_name: Hello
author: Acme
homepage: https://acme.example/hello
icon: phone
color: \"#336699\"
tags: [telephony, demo]
description: Says hello.
min_wazo_version: 23.01
max_wazo_version: \"24.16\"
";

/// A plugin committed in a git repository whose origin is a local bare repository.
fn plugin_in_git() -> (Plugin, tempfile::TempDir) {
    let p = Plugin::new(MARKET_MANIFEST);
    let origin = tempfile::Builder::new()
        .prefix("origin-")
        .tempdir()
        .unwrap();
    git(origin.path(), &["init", "-q", "--bare"]);
    git(p.path(), &["init", "-q"]);
    git(p.path(), &["add", "."]);
    git(p.path(), &["commit", "-q", "-m", "first"]);
    let url = origin.path().display().to_string();
    git(p.path(), &["remote", "add", "origin", &url]);
    git(p.path(), &["push", "-q", "origin", "HEAD"]);
    (p, origin)
}

fn market(dir: &Path, args: &[&str]) -> Output {
    run(pluginctl().arg("market").arg(dir).args(args))
}

#[test]
fn market_prints_the_entry_with_the_origin_url_and_the_tag_at_head() {
    let (p, origin) = plugin_in_git();
    let url = origin.path().display();
    let expected = |git_ref: &str| {
        format!(
            r##"{{
  "name": "hello",
  "namespace": "acme",
  "display_name": "Hello",
  "author": "Acme",
  "homepage": "https://acme.example/hello",
  "icon": "phone",
  "color": "#336699",
  "tags": [
    "telephony",
    "demo"
  ],
  "description": "Says hello.",
  "versions": [
    {{
      "version": "1.9.0",
      "method": "git",
      "options": {{
        "url": "{url}",
        "ref": "{git_ref}"
      }},
      "min_wazo_version": "23.01",
      "max_wazo_version": "24.16"
    }}
  ]
}}
"##
        )
    };
    // No tag at HEAD: the version as written.
    let o = market(p.path(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), expected("1.9.0"));
    assert_eq!(stderr(&o), "");
    // Tags at HEAD: the one named after the version wins.
    git(p.path(), &["tag", "v1.9.0"]);
    git(p.path(), &["tag", "another"]);
    let o = market(p.path(), &[]);
    assert_eq!(stdout(&o), expected("v1.9.0"));
    // --url and --ref win.
    let o = market(
        p.path(),
        &["--url", "https://git.example/h.git", "--ref", "main"],
    );
    assert_eq!(
        stdout(&o),
        expected("main").replace(&url.to_string(), "https://git.example/h.git")
    );
}

#[test]
fn market_without_origin_or_url_is_exit_2() {
    let p = Plugin::new(MARKET_MANIFEST);
    let o = market(p.path(), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!(
            "error: {}: no git remote \"origin\" to take the URL from (fatal: not a git repository",
            p.path().display()
        )) && err.ends_with("); give it with --url\n")
            && err.lines().count() == 1,
        "{err}"
    );
    git(p.path(), &["init", "-q"]);
    let o = market(p.path(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: no git remote \"origin\" to take the URL from (error: No such remote 'origin'); give it with --url\n",
            p.path().display()
        )
    );
    assert_eq!(stdout(&o), "");
    // With --url, no git is needed; the ref is the version.
    let o = market(p.path(), &["--url", "https://git.example/h.git"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("\"ref\": \"1.9.0\""));
}

#[test]
fn market_into_adds_versions_newest_first_and_keeps_other_items() {
    let (p, origin) = plugin_in_git();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("market.json");
    std::fs::write(
        &file,
        r#"{"items": [{"namespace": "other", "name": "x", "versions": []}, {"name": "hello", "namespace": "acme", "downloads": 12, "display_name": "Old", "versions": [{"version": "1.2.0", "method": "git", "options": {"url": "u", "ref": "1.2.0"}}]}], "count": 2}"#,
    )
    .unwrap();
    let into = |args: &[&str]| {
        let mut all = vec!["--into", file.to_str().unwrap()];
        all.extend_from_slice(args);
        let o = market(p.path(), &all);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(stdout(&o), "");
        stderr(&o)
    };
    assert_eq!(
        into(&[]),
        format!(
            "pluginctl: {}: added the version 1.9.0 of acme/hello\n",
            file.display()
        )
    );
    // A second version, newer in Debian order (1.10.0 > 1.9.0, unlike text order).
    p.manifest(
        &MARKET_MANIFEST
            .replace("1.9.0", "1.10.0")
            .replace("Says hello.", "Says hello twice."),
    );
    into(&[]);
    // 1.9.0 again, with another ref: replaced in place, the newer description kept.
    p.manifest(MARKET_MANIFEST);
    assert_eq!(
        into(&["--ref", "fix"]),
        format!(
            "pluginctl: {}: replaced the version 1.9.0 of acme/hello\n",
            file.display()
        )
    );
    let url = origin.path().display();
    let version = |v: &str, r: &str| {
        format!(
            r#"        {{
          "version": "{v}",
          "method": "git",
          "options": {{
            "url": "{url}",
            "ref": "{r}"
          }},
          "min_wazo_version": "23.01",
          "max_wazo_version": "24.16"
        }}"#
        )
    };
    let expected = format!(
        r##"{{
  "items": [
    {{
      "namespace": "other",
      "name": "x",
      "versions": []
    }},
    {{
      "name": "hello",
      "namespace": "acme",
      "downloads": 12,
      "display_name": "Hello",
      "author": "Acme",
      "homepage": "https://acme.example/hello",
      "icon": "phone",
      "color": "#336699",
      "tags": [
        "telephony",
        "demo"
      ],
      "description": "Says hello twice.",
      "versions": [
{},
{},
        {{
          "version": "1.2.0",
          "method": "git",
          "options": {{
            "url": "u",
            "ref": "1.2.0"
          }}
        }}
      ]
    }}
  ],
  "count": 2
}}
"##,
        version("1.10.0", "1.10.0"),
        version("1.9.0", "fix")
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);
    assert_eq!(names(out.path()), ["market.json"]);
}

#[test]
fn market_into_a_malformed_file_leaves_it_unchanged() {
    let p = Plugin::new(MARKET_MANIFEST);
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("market.json");
    let cases = [
        (
            "{\"items\": [",
            "EOF while parsing a list at line 1 column 11",
        ),
        ("[]", "the top level is not an object"),
        ("{\"plugins\": []}", "no \"items\""),
        ("{\"items\": {}}", "\"items\" is not a list"),
        ("{\"items\": [3]}", "item 1 is not an object"),
        (
            "{\"items\": [{\"name\": \"a\", \"versions\": [{\"ref\": \"x\"}]}]}",
            "item 1: \"versions\" is not a list of objects with a \"version\"",
        ),
    ];
    for (text, why) in cases {
        std::fs::write(&file, text).unwrap();
        let o = market(p.path(), &["--url", "u", "--into", file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{text}: {}", stderr(&o));
        assert_eq!(
            stderr(&o),
            format!(
                "error: {}: not a market document ({why}); it must be {{\"items\": [...]}}; it was left unchanged\n",
                file.display()
            )
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
        assert_eq!(names(out.path()), ["market.json"]);
    }
}
