//! `market` and the values it does not own: credentials in a git URL never reach an entry or
//! a message, and `--into` gives back every foreign value of the document byte for byte.

use crate::support::*;
use std::path::Path;
use std::process::{Command, Output};

const MANIFEST: &str = "name: hello
namespace: acme
version: \"1.9.0\"
display_name: Hello
author: Acme
homepage: https://acme.example/hello
description: Says hello.
";

fn market(dir: &Path, args: &[&str]) -> Output {
    run(pluginctl().arg("market").arg(dir).args(args))
}

/// A market document in pluginctl's own layout whose foreign items hold values a
/// `serde_json::Value` round trip would rewrite.
const FOREIGN: &str = r#"{
  "items": [
    {
      "name": "big",
      "namespace": "other",
      "downloads": 12345678901234567890123,
      "ratio": 1.0,
      "size": 1e3,
      "tiny": -0.0,
      "exp": 2.5E-7,
      "title": "caf\u00e9 \ud83d\ude00 \"q\" \/",
      "versions": []
    },
    {
      "name": "hello",
      "namespace": "acme",
      "stars": 99999999999999999999,
      "note": "\u00e9t\u00e9",
      "versions": [
        {
          "version": "1.0",
          "method": "git",
          "options": {
            "url": "u",
            "ref": "1.0"
          },
          "weight": 1e3
        }
      ]
    }
  ],
  "total": 12345678901234567890123
}
"#;

#[test]
fn market_into_keeps_foreign_values_byte_for_byte() {
    let p = Plugin::new(MANIFEST);
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("market.json");
    write(&file, FOREIGN);
    let o = market(
        p.path(),
        &[
            "--url",
            "https://git.example/h.git",
            "--into",
            file.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&file).unwrap();
    // The foreign item, and the top-level value, as they were.
    let foreign_item = &FOREIGN[FOREIGN.find("    {\n      \"name\": \"big\"").unwrap()
        ..FOREIGN.find("    {\n      \"name\": \"hello\"").unwrap()];
    assert!(text.contains(foreign_item), "{text}");
    assert!(
        text.ends_with("  \"total\": 12345678901234567890123\n}\n"),
        "{text}"
    );
    // Foreign values inside the plugin's own item, and its older version, too.
    for kept in [
        "      \"stars\": 99999999999999999999,\n",
        "      \"note\": \"\\u00e9t\\u00e9\",\n",
        "          \"weight\": 1e3\n",
    ] {
        assert!(text.contains(kept), "{kept}: {text}");
    }
    // The whole document: only the new version and the fields plugin.yml owns changed.
    let want = FOREIGN.replace(
        "      \"note\": \"\\u00e9t\\u00e9\",\n      \"versions\": [\n",
        "      \"note\": \"\\u00e9t\\u00e9\",\n      \"display_name\": \"Hello\",\n      \"author\": \"Acme\",\n      \"homepage\": \"https://acme.example/hello\",\n      \"description\": \"Says hello.\",\n      \"versions\": [\n        {\n          \"version\": \"1.9.0\",\n          \"method\": \"git\",\n          \"options\": {\n            \"url\": \"https://git.example/h.git\",\n            \"ref\": \"1.9.0\"\n          }\n        },\n",
    );
    assert_eq!(text, want);
    // Run again with nothing new: the file does not change at all.
    let o = market(
        p.path(),
        &[
            "--url",
            "https://git.example/h.git",
            "--into",
            file.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), want);
}

/// git in `dir` with no user or system configuration.
fn git(dir: &Path, args: &[&str]) {
    let o = run(Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null"));
    assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
}

/// The warning `market` gives when it removed credentials from the URL `what` names.
fn removed(what: &str, clean: &str) -> String {
    format!(
        "warning: {what} carries credentials (user information before the host, a CI \
         token?); they were removed: {clean}\n"
    )
}

#[test]
fn no_credentials_of_a_git_url_reach_the_entry_or_a_message() {
    let p = Plugin::new(MANIFEST);
    git(p.path(), &["init", "-q"]);
    // The ref written is a tag of the repository (else market warns that it is not).
    git(
        p.path(),
        &[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.org",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "release",
        ],
    );
    git(p.path(), &["tag", "1"]);
    // (origin, what the entry gets); the secret is always the word "SECRET".
    let cases = [
        (
            "https://SECRET@git.example/o/r.git",
            "https://git.example/o/r.git",
        ),
        (
            "https://ci:SECRET@git.example/o/r.git",
            "https://git.example/o/r.git",
        ),
        (
            "https://:SECRET@git.example:8443/o/r.git",
            "https://git.example:8443/o/r.git",
        ),
        ("http://SECRET@git.example/r", "http://git.example/r"),
        ("git://SECRET@git.example/r", "git://git.example/r"),
        (
            "ssh://git:SECRET@git.example/o/r.git",
            "ssh://git@git.example/o/r.git",
        ),
        (
            "git+ssh://git:SECRET@git.example/r",
            "git+ssh://git@git.example/r",
        ),
        // An ssh login is not a secret: kept, no warning.
        (
            "ssh://git@git.example/o/r.git",
            "ssh://git@git.example/o/r.git",
        ),
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),
        (
            "https://git.example/o/r@v1.git",
            "https://git.example/o/r@v1.git",
        ),
    ];
    let file = p.path().join("market.json");
    for (i, (origin, clean)) in cases.iter().enumerate() {
        if i == 0 {
            git(p.path(), &["remote", "add", "origin", origin]);
        } else {
            git(p.path(), &["remote", "set-url", "origin", origin]);
        }
        let warning = if origin == clean {
            String::new()
        } else {
            removed("the origin URL", clean)
        };
        // Printed (the JSON on stdout) and merged into a document: the same URL.
        let o = market(p.path(), &["--ref", "1"]);
        assert!(o.status.success(), "{origin}: {}", stderr(&o));
        assert_eq!(stderr(&o), warning, "{origin}");
        assert!(
            stdout(&o).contains(&format!("\"url\": \"{clean}\"")),
            "{origin}: {}",
            stdout(&o)
        );
        let o = market(p.path(), &["--ref", "1", "--into", file.to_str().unwrap()]);
        assert!(o.status.success(), "{origin}: {}", stderr(&o));
        assert!(stderr(&o).starts_with(&warning), "{origin}: {}", stderr(&o));
        let all = [
            stdout(&o),
            stderr(&o),
            std::fs::read_to_string(&file).unwrap(),
        ]
        .concat();
        assert!(!all.contains("SECRET"), "{origin}: {all}");
        // The same URL given with --url.
        let o = market(p.path(), &["--url", origin, "--ref", "1"]);
        let warning = warning.replace("the origin URL", "--url");
        assert_eq!(stderr(&o), warning, "{origin}");
        assert!(!stdout(&o).contains("SECRET"), "{origin}");
    }
}

#[test]
fn no_credentials_of_the_homepage_reach_the_package_or_the_entry() {
    let p = Plugin::new(&MANIFEST.replace(
        "https://acme.example/hello",
        "https://ci:SECRET@acme.example/hello",
    ));
    let clean = "https://acme.example/hello";
    let manifest = p.path().join("wazo/plugin.yml");
    // market: the entry's homepage.
    let o = market(p.path(), &["--url", "u", "--ref", "1"]);
    assert_eq!(
        stderr(&o),
        removed(&format!("{}: homepage", manifest.display()), clean)
    );
    assert!(
        stdout(&o).contains(&format!("\"homepage\": \"{clean}\"")),
        "{}",
        stdout(&o)
    );
    assert!(!stdout(&o).contains("SECRET"));
    // lint: an error at the homepage line (plugin.yml is published too).
    let o = run(pluginctl().arg("lint").arg(p.path()));
    let warning = format!(
        "{}:6:11: url-credentials: homepage: the URL carries credentials (user information \
         before the host, a CI token?); they were removed: {clean} (remove them from \
         plugin.yml)",
        manifest.display()
    );
    assert!(
        stdout(&o).lines().any(|l| l == format!("E: {warning}")),
        "{}",
        stdout(&o)
    );
    // build: the same warning, and the package's Homepage and copyright Source are clean.
    let out = tempfile::tempdir().unwrap();
    let o = run(&mut p.build_cmd(out.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .lines()
            .any(|l| l == format!("warning: {warning}")),
        "{}",
        stderr(&o)
    );
    let deb = std::fs::read_dir(out.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert_eq!(
        dpkg_deb(&deb, &["--field", "Homepage"]),
        format!("{clean}\n")
    );
    let tree = tempfile::tempdir().unwrap();
    let o = run(Command::new("dpkg-deb")
        .arg("-R")
        .arg(&deb)
        .arg(tree.path()));
    assert!(o.status.success(), "{}", stderr(&o));
    // Only the plugin's own plugin.yml, shipped as written (the daemon reads it), holds it:
    // that is what the lint error is for.
    let o = run(Command::new("grep")
        .args(["-rl", "--exclude=plugin.yml", "SECRET"])
        .arg(tree.path()));
    assert_eq!(stdout(&o), "", "a file pluginctl wrote holds the secret");
    let o = run(Command::new("sh").arg("-c").arg(format!(
        "cat {}/usr/share/doc/*/copyright",
        tree.path().display()
    )));
    let copyright = stdout(&o);
    assert!(
        copyright.contains(&format!("\nSource: {clean}\n")),
        "{copyright}"
    );
    assert_lints_clean(&deb);
    let root = DpkgRoot::new();
    root.install(&deb);
}
