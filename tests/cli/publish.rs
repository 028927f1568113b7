//! Publishing: `index --sign` checked by the real `gpgv` and the real `apt-get` (signed-by,
//! no `[trusted=yes]`), with keys made here by the real `gpg`; `market` on a plugin in a
//! git repository with an origin.

use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A private GnuPG home; its agent is stopped when dropped.
pub(crate) struct Gpg {
    pub(crate) home: tempfile::TempDir,
}

/// A key made by [`Gpg::key`], exported into the GnuPG home.
pub(crate) struct Key {
    pub(crate) fingerprint: String,
    /// The secret key, armored.
    pub(crate) armored: PathBuf,
    /// The secret key, binary.
    pub(crate) binary: PathBuf,
    /// The public key, binary (what `signed-by` and `gpgv --keyring` read).
    pub(crate) public: PathBuf,
}

impl Gpg {
    pub(crate) fn new() -> Gpg {
        // Short path: the agent's socket path must fit in a sockaddr_un.
        let home = tempfile::Builder::new()
            .prefix("gpg-")
            .tempdir_in("/tmp")
            .unwrap();
        chmod(home.path(), 0o700);
        Gpg { home }
    }

    pub(crate) fn cmd(&self, tool: &str) -> Command {
        let mut c = Command::new(tool);
        c.env("GNUPGHOME", self.home.path());
        // gpgv never prompts, and refuses --batch.
        if tool != "gpgv" {
            c.arg("--batch");
        }
        c
    }

    pub(crate) fn ok(&self, c: &mut Command) -> Output {
        let o = run(c);
        assert!(o.status.success(), "{c:?}: {}", stderr(&o));
        o
    }

    /// A new key of `algo` (`ed25519`, `rsa3072`) with this passphrase ('' for none).
    pub(crate) fn key(&self, algo: &str, uid: &str, passphrase: &str) -> Key {
        self.ok(self.cmd("gpg").args([
            "--passphrase",
            passphrase,
            "--pinentry-mode",
            "loopback",
            "--quick-gen-key",
            uid,
            algo,
            "default",
            "never",
        ]));
        let listing =
            stdout(
                &self.ok(self
                    .cmd("gpg")
                    .args(["--with-colons", "--list-secret-keys", uid])),
            );
        let fingerprint = listing
            .lines()
            .find_map(|l| l.strip_prefix("fpr:"))
            .map(|rest| rest.trim_matches(':').to_string())
            .expect("a fingerprint");
        let dir = self.home.path();
        let name = uid.split_whitespace().next().unwrap().to_lowercase();
        let export = |args: &[&str], file: &str| {
            let o = self.ok(self
                .cmd("gpg")
                .args(["--passphrase", passphrase, "--pinentry-mode", "loopback"])
                .args(args)
                .arg(&fingerprint));
            let path = dir.join(file);
            std::fs::write(&path, &o.stdout).unwrap();
            path
        };
        Key {
            armored: export(&["--armor", "--export-secret-keys"], &format!("{name}.asc")),
            binary: export(&["--export-secret-keys"], &format!("{name}.key")),
            public: export(&["--export"], &format!("{name}.pub.gpg")),
            fingerprint,
        }
    }

    /// `gpgv` with only `key` trusted, on `args`; returns its output.
    pub(crate) fn gpgv(&self, key: &Key, args: &[&Path]) -> Output {
        run(self
            .cmd("gpgv")
            .arg("--keyring")
            .arg(&key.public)
            .args(args))
    }

    /// The digest algorithm numbers of the signatures in `file` (8 = SHA-256).
    fn digest_algos(&self, file: &Path) -> Vec<u32> {
        // gpg lists a clearsigned file's text, not its signature packet: list the armored
        // signature block alone.
        let text = std::fs::read_to_string(file).unwrap();
        let block = match text.find("-----BEGIN PGP SIGNATURE-----") {
            Some(at) => &text[at..],
            None => &text[..],
        };
        let alone = self.home.path().join("signature.asc");
        std::fs::write(&alone, block).unwrap();
        let o = self.ok(self.cmd("gpg").arg("--list-packets").arg(&alone));
        stdout(&o)
            .lines()
            .filter_map(|l| l.split("digest algo ").nth(1))
            .map(|rest| rest.split(',').next().unwrap().trim().parse().unwrap())
            .collect()
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.home.path())
            .args(["--kill", "all"])
            .output();
    }
}

/// A folder holding one built plugin `demo/<name>`.
pub(crate) fn repo_with(name: &str, version: &str) -> tempfile::TempDir {
    let p = Plugin::new(&format!(
        "name: {name}\nnamespace: demo\nversion: \"{version}\"\ndescription: Plugin {name}.\n"
    ));
    let repo = tempfile::Builder::new().prefix("repo-").tempdir().unwrap();
    let o = run(p.build_cmd(repo.path()).arg("-q"));
    assert!(o.status.success(), "{}", stderr(&o));
    // What is published installs and removes with real dpkg, in a throwaway root.
    let deb = repo
        .path()
        .join(format!("wazo-plugind-{name}-demo_{version}_all.deb"));
    let root = DpkgRoot::new();
    root.install(&deb);
    root.remove(&format!("wazo-plugind-{name}-demo"));
    repo
}

fn signed_index(dir: &Path, key: &Path) -> Output {
    let o = index(dir, &["--sign".as_ref(), key.as_os_str()]);
    assert!(o.status.success(), "{}", stderr(&o));
    o
}

/// The names in a folder, sorted.
pub(crate) fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// apt-get with every state folder, source list and trusted key store in a temp folder:
/// one source, `signed-by` the given public key, nothing trusted from the host.
pub(crate) struct Apt(AptRoot);

impl Apt {
    pub(crate) fn new(repo: &Path, signed_by: &Path) -> Apt {
        Apt(AptRoot::new(
            repo,
            &format!("signed-by={}", signed_by.display()),
        ))
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        run(self.0.command("apt-get").args(args))
    }

    /// `apt-get update` succeeds without a warning; returns its output.
    pub(crate) fn update_ok(&self) -> String {
        let o = self.run(&["update"]);
        let all = format!("{}{}", stdout(&o), stderr(&o));
        assert!(o.status.success(), "apt-get update failed:\n{all}");
        assert!(
            !all.lines()
                .any(|l| l.starts_with("W:") || l.starts_with("E:")),
            "apt-get update warned:\n{all}"
        );
        all
    }

    /// `apt-get update` refuses the repository; returns its output.
    pub(crate) fn update_refused(&self) -> String {
        let o = self.run(&["update"]);
        let all = format!("{}{}", stdout(&o), stderr(&o));
        assert!(!o.status.success(), "apt-get update accepted:\n{all}");
        all
    }
}

/// gpgv accepts InRelease and Release.gpg, both SHA-256 or stronger, by this key only.
pub(crate) fn assert_verified(gpg: &Gpg, key: &Key, other: &Key, repo: &Path) {
    let (inrelease, detached, release) = (
        repo.join("InRelease"),
        repo.join("Release.gpg"),
        repo.join("Release"),
    );
    for args in [vec![&*inrelease], vec![&*detached, &*release]] {
        let o = gpg.gpgv(key, &args);
        assert!(o.status.success(), "gpgv {args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("Good signature"),
            "gpgv {args:?}: {}",
            stderr(&o)
        );
        let o = gpg.gpgv(other, &args);
        assert!(
            !o.status.success(),
            "gpgv accepted another key: {}",
            stderr(&o)
        );
    }
    for sig in [&inrelease, &detached] {
        let algos = gpg.digest_algos(sig);
        assert!(
            !algos.is_empty() && algos.iter().all(|a| [8, 9, 10].contains(a)),
            "{}: digest algorithms {algos:?} (want SHA-256 or stronger)",
            sig.display()
        );
    }
    let detached_text = std::fs::read_to_string(&detached).unwrap();
    assert!(detached_text.starts_with("-----BEGIN PGP SIGNATURE-----\n"));
    // The clearsigned text is Release, byte for byte.
    let inline = std::fs::read_to_string(&inrelease).unwrap();
    let release_text = std::fs::read_to_string(&release).unwrap();
    assert!(inline.starts_with("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA"));
    let body = inline.split_once("\n\n").unwrap().1;
    let body = body.split_once("-----BEGIN PGP SIGNATURE-----").unwrap().0;
    assert_eq!(body, release_text);
}

#[test]
fn signed_repository_is_verified_by_gpgv_and_accepted_by_apt_with_signed_by() {
    let gpg = Gpg::new();
    let key = gpg.key("ed25519", "Publisher <ci@example.org>", "");
    let other = gpg.key("ed25519", "Other <other@example.org>", "");
    let repo = repo_with("hello", "1.2.0");
    let o = signed_index(repo.path(), &key.armored);
    assert_eq!(
        stderr(&o),
        format!(
            "pluginctl: signed Release with key {}\npluginctl: indexed 1 package in {}\n",
            key.fingerprint,
            repo.path().display()
        )
    );
    assert_eq!(
        stdout(&o),
        [
            "Packages",
            "Packages.gz",
            "Release",
            "Release.gpg",
            "InRelease"
        ]
        .map(|f| format!("{}\n", repo.path().join(f).display()))
        .concat()
    );
    assert_verified(&gpg, &key, &other, repo.path());
    // No temporary file is left beside what was written.
    let mut names: Vec<String> = leftovers(repo.path())
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "InRelease",
            "Packages",
            "Packages.gz",
            "Release",
            "Release.gpg",
            "wazo-plugind-hello-demo_1.2.0_all.deb"
        ]
    );

    let apt = Apt::new(repo.path(), &key.public);
    let update = apt.update_ok();
    // Shown with --nocapture: the closing note of the issue quotes it.
    println!("apt-get update (signed run):\n{update}");
    assert!(update.contains("InRelease"), "{update}");
    let o = apt.run(&["install", "--simulate", "wazo-plugind-hello-demo"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("Inst wazo-plugind-hello-demo (1.2.0"),
        "{}",
        stdout(&o)
    );

    // Without InRelease, apt falls back to Release + Release.gpg and checks that pair.
    std::fs::remove_file(repo.path().join("InRelease")).unwrap();
    let apt = Apt::new(repo.path(), &key.public);
    apt.update_ok();

    // Signed by another key than signed-by: refused.
    let apt = Apt::new(repo.path(), &other.public);
    signed_index(repo.path(), &key.armored);
    let out = apt.update_refused();
    assert!(
        out.contains("NO_PUBKEY") || out.contains("not signed"),
        "{out}"
    );
}

#[test]
fn apt_refuses_a_changed_packages_file_and_a_changed_release() {
    let gpg = Gpg::new();
    let key = gpg.key("ed25519", "Publisher <ci@example.org>", "");
    let repo = repo_with("hello", "1.0");
    signed_index(repo.path(), &key.binary);
    Apt::new(repo.path(), &key.public).update_ok();
    let (packages, packages_gz) = (
        repo.path().join("Packages"),
        repo.path().join("Packages.gz"),
    );
    let old_sums = [sums(&packages), sums(&packages_gz)].concat();

    // One byte of Packages changes, and Packages.gz with it (a consistent forgery).
    let text = std::fs::read_to_string(&packages).unwrap();
    let forged = text.replace("Version: 1.0", "Version: 1.1");
    assert_ne!(forged, text);
    std::fs::write(&packages, &forged).unwrap();
    std::fs::write(&packages_gz, system_gzip(forged.as_bytes())).unwrap();
    let out = Apt::new(repo.path(), &key.public).update_refused();
    assert!(
        out.contains("Hash Sum mismatch") || out.contains("unexpected size"),
        "{out}"
    );

    // The forger also rewrites the sums inside InRelease: its signature no longer verifies.
    let new_sums = [sums(&packages), sums(&packages_gz)].concat();
    let inrelease = repo.path().join("InRelease");
    let mut text = std::fs::read_to_string(&inrelease).unwrap();
    for (old, new) in old_sums.iter().zip(&new_sums) {
        assert!(text.contains(old.as_str()));
        text = text.replace(old.as_str(), new);
    }
    std::fs::write(&inrelease, text).unwrap();
    let o = gpg.gpgv(&key, &[&inrelease]);
    assert!(!o.status.success(), "gpgv accepted a changed InRelease");
    let out = Apt::new(repo.path(), &key.public).update_refused();
    assert!(
        out.contains("BADSIG") || out.contains("not signed"),
        "{out}"
    );
}

/// The MD5 and SHA-256 of a file, by the system's tools.
fn sums(file: &Path) -> [String; 2] {
    ["md5sum", "sha256sum"].map(|tool| {
        let o = run(Command::new(tool).arg(file));
        stdout(&o).split_whitespace().next().unwrap().to_string()
    })
}

/// Gzip through the system's gzip (what a forger would use).
fn system_gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new("gzip")
        .arg("-9n")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    child.wait_with_output().unwrap().stdout
}

#[test]
fn rsa_keys_armored_and_binary_sign_for_gpgv_and_apt() {
    let gpg = Gpg::new();
    let key = gpg.key("rsa3072", "Rsa <rsa@example.org>", "");
    let other = gpg.key("ed25519", "Other <other@example.org>", "");
    for secret in [&key.armored, &key.binary] {
        let repo = repo_with("hello", "2.0");
        let o = signed_index(repo.path(), secret);
        assert!(stderr(&o).contains(&key.fingerprint), "{}", stderr(&o));
        assert_verified(&gpg, &key, &other, repo.path());
        Apt::new(repo.path(), &key.public).update_ok();
    }
}

#[test]
fn valid_until_counts_days_from_the_run() {
    let gpg = Gpg::new();
    let key = gpg.key("ed25519", "Publisher <ci@example.org>", "");
    let repo = repo_with("hello", "1.0");
    let o = index(
        repo.path(),
        &[
            "--sign".as_ref(),
            key.armored.as_os_str(),
            "--valid-for".as_ref(),
            "7".as_ref(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let release = std::fs::read_to_string(repo.path().join("Release")).unwrap();
    let until = release
        .lines()
        .find_map(|l| l.strip_prefix("Valid-Until: "))
        .expect("Valid-Until");
    assert!(release.starts_with("Date: Tue, 14 Nov 2023 22:13:20 UTC\nValid-Until: "));
    let o = run(Command::new("date").args(["-d", until, "+%s"]));
    let until: i64 = stdout(&o).trim().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((until - now - 7 * 86_400).abs() < 600, "{until} vs {now}");
    Apt::new(repo.path(), &key.public).update_ok();
}

#[test]
fn every_bad_keyfile_is_one_line_exit_2_and_nothing_written() {
    let gpg = Gpg::new();
    let locked = gpg.key("ed25519", "Locked <locked@example.org>", "secret");
    let repo = repo_with("hello", "1.0");
    let before = names(repo.path());
    let not_a_key = gpg.home.path().join("notakey.asc");
    std::fs::write(&not_a_key, "hello\n").unwrap();
    let garbage = gpg.home.path().join("garbage.key");
    std::fs::write(&garbage, [0x99u8, 0x01, 0x02, 0xff, 0x00]).unwrap();
    let missing = gpg.home.path().join("missing.asc");
    let show = |p: &Path| p.display().to_string();
    let cases = [
        (
            missing.clone(),
            format!("error: {}: cannot read the key: no such file or directory\n", show(&missing)),
        ),
        (
            not_a_key.clone(),
            format!("error: {}: not an OpenPGP secret key (armored or binary); export one with gpg --export-secret-keys KEYID\n", show(&not_a_key)),
        ),
        (
            garbage.clone(),
            format!("error: {}: not an OpenPGP secret key (armored or binary); export one with gpg --export-secret-keys KEYID\n", show(&garbage)),
        ),
        (
            locked.public.clone(),
            format!("error: {}: a public key only; give the secret key (gpg --export-secret-keys KEYID)\n", show(&locked.public)),
        ),
        (
            locked.armored.clone(),
            format!("error: {}: the secret key is protected by a passphrase; give it in a file (--passphrase-file FILE) or in the PLUGINCTL_KEY_PASSPHRASE environment variable\n", show(&locked.armored)),
        ),
        (
            locked.binary.clone(),
            format!("error: {}: the secret key is protected by a passphrase; give it in a file (--passphrase-file FILE) or in the PLUGINCTL_KEY_PASSPHRASE environment variable\n", show(&locked.binary)),
        ),
    ];
    for (keyfile, want) in cases {
        let o = index(repo.path(), &["--sign".as_ref(), keyfile.as_os_str()]);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{}: {}",
            keyfile.display(),
            stderr(&o)
        );
        assert_eq!(stderr(&o), want);
        assert_eq!(stdout(&o), "");
        assert_eq!(names(repo.path()), before, "{}", keyfile.display());
    }
}

#[test]
fn an_unsigned_run_after_a_signed_one_leaves_no_stale_signature() {
    let gpg = Gpg::new();
    let key = gpg.key("ed25519", "Publisher <ci@example.org>", "");
    let repo = repo_with("hello", "1.0");
    signed_index(repo.path(), &key.armored);
    assert!(repo.path().join("InRelease").exists());
    let o = index(repo.path(), &NO_ARGS);
    assert!(o.status.success(), "{}", stderr(&o));
    let d = repo.path().display();
    assert_eq!(
        stderr(&o),
        format!(
            "pluginctl: removed {d}/InRelease: it signed an earlier Release (sign with --sign KEYFILE)\n\
             pluginctl: removed {d}/Release.gpg: it signed an earlier Release (sign with --sign KEYFILE)\n\
             pluginctl: indexed 1 package in {d}\n"
        )
    );
    assert_eq!(
        names(repo.path()),
        [
            "Packages",
            "Packages.gz",
            "Release",
            "wazo-plugind-hello-demo_1.0_all.deb"
        ]
    );
    // Signed by the key apt trusts before, unsigned now: apt refuses rather than trusting.
    let out = Apt::new(repo.path(), &key.public).update_refused();
    assert!(out.contains("not signed"), "{out}");
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
    // No tag at HEAD: the version as written, and a warning that no such ref exists.
    let o = market(p.path(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), expected("1.9.0"));
    assert_eq!(
        stderr(&o),
        format!(
            "warning: ref \"1.9.0\" is not a tag or branch of {}'s repository: a Wazo server \
             cannot check it out; tag the release (git tag 1.9.0 && git push origin 1.9.0) or \
             give --ref\n",
            p.path().display()
        )
    );
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
            "error: {}: no git remote \"origin\" to take the URL from (git: not a git repository",
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
            "error: {}: no git remote \"origin\" to take the URL from (git: No such remote 'origin'); give it with --url\n",
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
    // Refs the repository has: no warning about them.
    for t in ["1.9.0", "1.10.0"] {
        git(p.path(), &["tag", t]);
    }
    git(p.path(), &["branch", "fix"]);
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
