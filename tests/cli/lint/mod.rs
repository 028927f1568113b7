//! `pluginctl lint`: each check has a plugin or a `.deb` that triggers it, asserted by tag
//! and exit status. Bad packages are made here with the real tools (`dpkg-deb`, `tar`, `ar`)
//! from a package `pluginctl build` made, and the ones dpkg cannot unpack are shown to fail
//! under a real `dpkg --unpack`.

use crate::support::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A plugin with everything the market wants and the marker rules (format 1). The display
/// name has two words: lintian rejects a one-word synopsis (description-too-short).
pub(crate) fn clean_plugin() -> Plugin {
    Plugin::new(
        "name: hello\nnamespace: demo\nversion: \"1.10\"\nplugin_format_version: 1\n\
         display_name: Hello Plugin\ndescription: Says hello.\nauthor: Demo <demo@example.org>\n",
    )
}

/// A plugin with a manifest header (name hello, namespace demo, version 1.0) plus `extra`,
/// then an author the Maintainer can be made of (after `extra`, so that its lines keep
/// their numbers).
pub(crate) fn plugin_with(extra: &str) -> Plugin {
    let author = if extra.is_empty() || extra.ends_with('\n') {
        "author: Demo <demo@example.org>\n"
    } else {
        ""
    };
    Plugin::new(&format!(
        "name: hello\nnamespace: demo\nversion: \"1.0\"\ndisplay_name: Hello\ndescription: Says hello.\n{extra}{author}"
    ))
}

/// The JSON report of one `pluginctl lint --json` run, with its exit status.
pub(crate) struct Report {
    pub(crate) status: i32,
    pub(crate) json: Value,
}

impl Report {
    pub(crate) fn findings(&self) -> Vec<&Value> {
        self.json["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|i| i["findings"].as_array().unwrap())
            .collect()
    }

    /// `E:tag` for each finding, sorted.
    pub(crate) fn tags(&self) -> Vec<String> {
        let mut tags: Vec<String> = self
            .findings()
            .iter()
            .map(|f| {
                format!(
                    "{}:{}",
                    f["severity"].as_str().unwrap(),
                    f["tag"].as_str().unwrap()
                )
            })
            .collect();
        tags.sort();
        tags
    }

    /// The findings with this tag.
    pub(crate) fn with(&self, tag: &str) -> Vec<&Value> {
        self.findings()
            .into_iter()
            .filter(|f| f["tag"] == tag)
            .collect()
    }

    /// Asserts a finding `severity:tag` exists and returns the first.
    pub(crate) fn expect(&self, severity: &str, tag: &str) -> &Value {
        let found = self.with(tag);
        assert!(
            found.iter().any(|f| f["severity"] == severity),
            "expected {severity}:{tag}, got {:?}\n{:#}",
            self.tags(),
            self.json
        );
        found
            .into_iter()
            .find(|f| f["severity"] == severity)
            .unwrap()
    }

    pub(crate) fn message(&self, tag: &str) -> String {
        self.with(tag)
            .first()
            .map(|f| f["message"].as_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

/// `pluginctl lint --json EXTRA PATHS`.
pub(crate) fn lint_json(paths: &[&Path], extra: &[&str]) -> Report {
    let o = run(pluginctl()
        .arg("lint")
        .arg("--json")
        .args(extra)
        .args(paths));
    assert!(o.stderr.is_empty(), "lint wrote on stderr: {}", stderr(&o));
    let json: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(&o)));
    Report {
        status: o.status.code().unwrap(),
        json,
    }
}

pub(crate) fn lint_one(path: &Path) -> Report {
    lint_json(&[path], &[])
}

/// `pluginctl lint PATHS` in text form: (status, stdout).
pub(crate) fn lint_text(paths: &[&Path], extra: &[&str]) -> (i32, String) {
    let o = run(pluginctl().arg("lint").args(extra).args(paths));
    (o.status.code().unwrap(), stdout(&o))
}

/// A package in its own output folder.
pub(crate) struct Deb {
    _out: tempfile::TempDir,
    pub(crate) deb: PathBuf,
}

/// The helloworld example built by pluginctl at a fixed time; it lints clean.
pub(crate) fn hello_deb() -> Deb {
    let out = tempfile::Builder::new().prefix("out-").tempdir().unwrap();
    let deb = build_helloworld(out.path());
    assert_lints_clean(&deb);
    Deb { _out: out, deb }
}

/// A package unpacked with `dpkg-deb -R`, to be changed and packed again by hand.
pub(crate) struct Raw {
    dir: tempfile::TempDir,
}

impl Raw {
    pub(crate) fn of(deb: &Path) -> Raw {
        let dir = tempfile::Builder::new().prefix("raw-").tempdir().unwrap();
        let o = run(Command::new("dpkg-deb")
            .arg("-R")
            .arg(deb)
            .arg(dir.path().join("pkg")));
        assert!(o.status.success(), "{}", stderr(&o));
        Raw { dir }
    }

    /// The unpacked tree (payload, and `DEBIAN/` for the control files).
    pub(crate) fn root(&self) -> PathBuf {
        self.dir.path().join("pkg")
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    pub(crate) fn edit(&self, rel: &str, f: impl FnOnce(String) -> String) -> &Self {
        let p = self.path(rel);
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, f(text)).unwrap();
        self
    }

    /// `dpkg-deb --build --nocheck` (keeps modes, owner root), named `name`.
    pub(crate) fn dpkg_deb(&self, name: &str) -> PathBuf {
        let out = self.dir.path().join(name);
        let o = run(Command::new("dpkg-deb")
            .args(["--root-owner-group", "--nocheck", "-Zxz", "--build"])
            .arg(self.root())
            .arg(&out));
        assert!(o.status.success(), "dpkg-deb --build: {}", stderr(&o));
        out
    }

    /// A gzip tar of `rel` (a folder of the tree, or the tree without DEBIAN when empty),
    /// with extra tar arguments; returns its bytes.
    pub(crate) fn tar(&self, rel: &str, args: &[&str]) -> Vec<u8> {
        let out = self.dir.path().join("member.tar.gz");
        let mut cmd = Command::new("tar");
        cmd.args(["--owner=0", "--group=0", "--numeric-owner", "--sort=name"])
            .arg("-C")
            .arg(self.root().join(rel))
            .arg("--exclude=./DEBIAN")
            .args(args)
            .arg("-czf")
            .arg(&out);
        if !args.contains(&"-T") {
            cmd.arg(".");
        }
        let o = run(&mut cmd);
        assert!(o.status.success(), "tar: {}", stderr(&o));
        std::fs::read(&out).unwrap()
    }

    /// The standard three members with these tar arguments for control and data.
    pub(crate) fn members(&self, control: &[&str], data: &[&str]) -> Vec<(String, Vec<u8>)> {
        vec![
            ("debian-binary".into(), b"2.0\n".to_vec()),
            ("control.tar.gz".into(), self.tar("DEBIAN", control)),
            ("data.tar.gz".into(), self.tar("", data)),
        ]
    }

    /// An ar archive of these members, in this order, made by `ar rc`.
    pub(crate) fn ar(&self, name: &str, members: &[(String, Vec<u8>)]) -> PathBuf {
        let dir = self.dir.path().join(format!("{name}.members"));
        std::fs::create_dir_all(&dir).unwrap();
        for (member, bytes) in members {
            std::fs::write(dir.join(member), bytes).unwrap();
        }
        let out = self.dir.path().join(name);
        let o = run(Command::new("ar")
            .arg("rc")
            .arg(&out)
            .args(members.iter().map(|(m, _)| m))
            .current_dir(&dir));
        assert!(o.status.success(), "ar: {}", stderr(&o));
        out
    }
}

/// `dpkg-deb --info` accepts the package.
pub(crate) fn dpkg_deb_info_accepts(deb: &Path) {
    let o = run(Command::new("dpkg-deb").arg("--info").arg(deb));
    assert!(
        o.status.success(),
        "dpkg-deb --info refused: {}",
        stderr(&o)
    );
}

/// A real `dpkg --unpack` in a throwaway root refuses the package; returns its message.
pub(crate) fn dpkg_unpack_refuses(deb: &Path) -> String {
    let root = DpkgRoot::new();
    let o = root.dpkg(&["--unpack", deb.to_str().unwrap()]);
    assert!(
        !o.status.success(),
        "dpkg --unpack accepted {}",
        deb.display()
    );
    stderr(&o)
}

mod checkout;
mod deb_container;
mod deb_control;
mod output;
