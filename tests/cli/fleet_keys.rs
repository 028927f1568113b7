//! Protected keys: a key file with a passphrase (`--passphrase-file`, or the
//! `PLUGINCTL_KEY_PASSPHRASE` environment variable), and a key held by the system's gpg
//! (`--sign-with KEYID`). Their signatures must verify exactly as `--sign`'s do (gpgv,
//! apt with signed-by); every failure is one line, exit 2, and the repository unchanged.

use crate::publish::{assert_verified, repo_with, Apt, Gpg};
use crate::support::*;
use std::path::Path;
use std::process::Output;

/// Environment variables set for one run.
type Env<'a> = Vec<(&'a str, &'a std::ffi::OsStr)>;

fn index(dir: &Path, args: &[&std::ffi::OsStr], env: &[(&str, &std::ffi::OsStr)]) -> Output {
    let mut c = pluginctl();
    c.arg("index")
        .arg(dir)
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env_remove("PLUGINCTL_KEY_PASSPHRASE");
    for (k, v) in env {
        c.env(k, v);
    }
    run(&mut c)
}

/// Every file of a folder with its bytes, sorted by name.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_protected_key_file_signs_with_its_passphrase_from_a_file_or_the_environment() {
    let gpg = Gpg::new();
    let key = gpg.key("ed25519", "Locked <locked@example.org>", "correct horse");
    let other = gpg.key("ed25519", "Other <other@example.org>", "");
    let repo = repo_with("hello", "1.0");
    let d = repo.path();
    let home = gpg.home.path();
    let good = home.join("pass");
    std::fs::write(&good, "correct horse\n").unwrap();
    let o = index(
        d,
        &[
            "--sign".as_ref(),
            key.armored.as_os_str(),
            "--passphrase-file".as_ref(),
            good.as_os_str(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_verified(&gpg, &key, &other, d);
    Apt::new(d, &key.public).update_ok();
    let o = index(
        d,
        &["--sign".as_ref(), key.binary.as_os_str()],
        &[("PLUGINCTL_KEY_PASSPHRASE", "correct horse".as_ref())],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_verified(&gpg, &key, &other, d);

    // Every failure: one line, exit 2, the signed repository left as it was.
    let before = snapshot(d);
    let wrong = home.join("wrong");
    std::fs::write(&wrong, "battery staple\n").unwrap();
    let missing = home.join("missing");
    let k = key.armored.display();
    let cases: Vec<(Vec<&std::ffi::OsStr>, Env, String)> = vec![
        (
            vec!["--passphrase-file".as_ref(), wrong.as_os_str()],
            vec![],
            format!("error: {k}: the passphrase from --passphrase-file {} does not unlock the key; give the right one", wrong.display()),
        ),
        (
            vec![],
            vec![("PLUGINCTL_KEY_PASSPHRASE", "battery staple".as_ref())],
            format!("error: {k}: the passphrase from PLUGINCTL_KEY_PASSPHRASE does not unlock the key; give the right one"),
        ),
        (
            vec![],
            vec![],
            format!("error: {k}: the secret key is protected by a passphrase; give it in a file (--passphrase-file FILE) or in the PLUGINCTL_KEY_PASSPHRASE environment variable"),
        ),
        (
            vec!["--passphrase-file".as_ref(), missing.as_os_str()],
            vec![],
            format!("error: --passphrase-file {}: cannot read: no such file or directory", missing.display()),
        ),
        (
            vec!["--passphrase-file".as_ref(), "/".as_ref()],
            vec![],
            "error: --passphrase-file /: cannot read: a folder, not a regular file".to_string(),
        ),
    ];
    for (args, env, want) in cases {
        let mut all: Vec<&std::ffi::OsStr> = vec!["--sign".as_ref(), key.armored.as_os_str()];
        all.extend(args);
        let o = index(d, &all, &env);
        assert_eq!(o.status.code(), Some(2), "{want}: {}", stderr(&o));
        assert_eq!(stderr(&o), format!("{want}\n"));
        assert!(snapshot(d) == before, "{want}: repository changed");
    }
}

#[test]
fn sign_with_a_gpg_key_verifies_as_sign_does() {
    let gpg = Gpg::new();
    let key = gpg.key("ed25519", "Agent <agent@example.org>", "");
    let other = gpg.key("rsa3072", "Other <other@example.org>", "");
    let locked = gpg.key("ed25519", "Locked <locked@example.org>", "secret");
    let repo = repo_with("hello", "1.0");
    let d = repo.path();
    let home = gpg.home.path().as_os_str();
    let o = index(
        d,
        &["--sign-with".as_ref(), key.fingerprint.as_ref()],
        &[("GNUPGHOME", home)],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("signed Release with key {}\n", key.fingerprint)),
        "{}",
        stderr(&o)
    );
    assert_verified(&gpg, &key, &other, d);
    Apt::new(d, &key.public).update_ok();

    let before = snapshot(d);
    let empty_path = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Env, String)> = vec![
        (
            "nobody@example.org",
            vec![("GNUPGHOME", home)],
            "error: --sign-with nobody@example.org: no secret key with this ID in gpg's keyring; gpg --list-secret-keys shows them".into(),
        ),
        (
            "agent@example.org",
            vec![("GNUPGHOME", home), ("PATH", empty_path.path().as_os_str())],
            "error: --sign-with agent@example.org: gpg is not installed (apt-get install gnupg), or sign with --sign KEYFILE".into(),
        ),
    ];
    for (id, env, want) in cases {
        let o = index(d, &["--sign-with".as_ref(), id.as_ref()], &env);
        assert_eq!(o.status.code(), Some(2), "{want}: {}", stderr(&o));
        assert_eq!(stderr(&o), format!("{want}\n"));
        assert!(snapshot(d) == before, "{want}: repository changed");
    }
    // A passphrase gpg-agent cannot ask for here: gpg's reason, and the way out.
    let o = index(
        d,
        &["--sign-with".as_ref(), locked.fingerprint.as_ref()],
        &[("GNUPGHOME", home)],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!("error: --sign-with {}: gpg cannot sign: ", locked.fingerprint))
            && err.ends_with(" (a key with a passphrase must be unlocked in gpg-agent first, or give the passphrase with --passphrase-file)\n")
            && err.lines().count() == 1,
        "{err}"
    );
    assert!(snapshot(d) == before, "repository changed");
    // Its passphrase given: a wrong one is gpg's reason on one line, the right one signs
    // (gpg reads it on a pipe, loopback pinentry).
    let wrong = gpg.home.path().join("wrong");
    std::fs::write(&wrong, "not it\n").unwrap();
    let o = index(
        d,
        &[
            "--sign-with".as_ref(),
            locked.fingerprint.as_ref(),
            "--passphrase-file".as_ref(),
            wrong.as_os_str(),
        ],
        &[("GNUPGHOME", home)],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: --sign-with {}: gpg cannot sign: signing failed: Bad passphrase (check the passphrase from --passphrase-file {})\n",
            locked.fingerprint,
            wrong.display()
        )
    );
    assert!(snapshot(d) == before, "repository changed");
    let o = index(
        d,
        &["--sign-with".as_ref(), locked.fingerprint.as_ref()],
        &[
            ("GNUPGHOME", home),
            ("PLUGINCTL_KEY_PASSPHRASE", "secret".as_ref()),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_verified(&gpg, &locked, &other, d);
}
