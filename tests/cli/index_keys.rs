//! `index --sign` with keys apt would refuse or rPGP cannot use, made by the real `gpg`:
//! expired keys and subkeys (made in the past with `--faked-system-time`), a key expiring
//! before `--valid-for` ends, and keys on curves the signer does not support.

use crate::publish::{assert_verified, names, repo_with, Apt, Gpg, Key};
use crate::support::*;
use std::path::Path;
use std::process::Command;

/// `index DIR --sign KEY` plus `extra`.
fn index_signed(dir: &Path, key: &Path, extra: &[&str]) -> std::process::Output {
    run(pluginctl()
        .arg("index")
        .arg(dir)
        .arg("--sign")
        .arg(key)
        .args(extra)
        .env("SOURCE_DATE_EPOCH", "1700000000"))
}

/// The expiry (seconds since 1970) gpg lists for the key or subkey with this fingerprint.
fn gpg_expiry(gpg: &Gpg, fingerprint: &str) -> u64 {
    let o = gpg.ok(gpg
        .cmd("gpg")
        .args(["--with-colons", "--fixed-list-mode", "--list-keys"]));
    let listing = stdout(&o);
    let lines: Vec<&str> = listing.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("fpr:") && line.contains(fingerprint) {
            let key_line = lines[i - 1];
            return key_line.split(':').nth(6).unwrap().parse().unwrap();
        }
    }
    panic!("{fingerprint} not in\n{listing}");
}

/// A time as `date -u` writes it: `2020-06-01 12:00 UTC`.
fn utc(t: u64) -> String {
    let o = run(Command::new("date")
        .arg("-u")
        .arg("-d")
        .arg(format!("@{t}"))
        .arg("+%Y-%m-%d %H:%M UTC"));
    stdout(&o).trim_end().to_string()
}

/// The fingerprints gpg lists, in order (primary key first, then subkeys).
fn fingerprints(gpg: &Gpg, uid: &str) -> Vec<String> {
    let o = gpg.ok(gpg
        .cmd("gpg")
        .args(["--with-colons", "--list-secret-keys", uid]));
    stdout(&o)
        .lines()
        .filter_map(|l| l.strip_prefix("fpr:"))
        .map(|rest| rest.trim_matches(':').to_string())
        .collect()
}

/// Exports the secret key of `uid` (armored) into the GnuPG home; returns its path.
fn export(gpg: &Gpg, uid: &str, file: &str) -> std::path::PathBuf {
    let o = gpg.ok(gpg
        .cmd("gpg")
        .args(["--armor", "--export-secret-keys", uid]));
    let path = gpg.home.path().join(file);
    std::fs::write(&path, &o.stdout).unwrap();
    path
}

/// gpg as of 2020-01-01, to make keys that have expired since.
fn gpg_in_2020(gpg: &Gpg) -> Command {
    let mut c = gpg.cmd("gpg");
    c.args([
        "--faked-system-time",
        "20200101T000000!",
        "--passphrase",
        "",
        "--pinentry-mode",
        "loopback",
    ]);
    c
}

#[test]
fn an_expired_key_is_refused_with_its_expiry_date() {
    let gpg = Gpg::new();
    let uid = "Old <old@example.org>";
    gpg.ok(gpg_in_2020(&gpg).args(["--quick-gen-key", uid, "ed25519", "sign", "2020-06-01"]));
    let fpr = fingerprints(&gpg, uid).remove(0);
    let key = export(&gpg, uid, "old.asc");
    let repo = repo_with("hello", "1.0");
    let before = names(repo.path());
    let o = index_signed(repo.path(), &key, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: the key expired on {}; extend it (gpg --quick-set-expire {fpr} 1y), publish its public key again, and retry\n",
            key.display(),
            utc(gpg_expiry(&gpg, &fpr))
        )
    );
    assert_eq!(names(repo.path()), before, "nothing written");
}

#[test]
fn an_expired_signing_subkey_is_refused_and_a_rotated_one_signs() {
    let gpg = Gpg::new();
    let uid = "Rotating <rot@example.org>";
    gpg.ok(gpg_in_2020(&gpg).args(["--quick-gen-key", uid, "ed25519", "cert", "never"]));
    let primary = fingerprints(&gpg, uid).remove(0);
    gpg.ok(gpg_in_2020(&gpg).args(["--quick-add-key", &primary, "ed25519", "sign", "2020-06-01"]));
    let old_sub = fingerprints(&gpg, uid).remove(1);
    let key = export(&gpg, uid, "rot.asc");
    let repo = repo_with("hello", "1.0");
    let before = names(repo.path());
    let o = index_signed(repo.path(), &key, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: the signing subkey {old_sub} expired on {}; add a new one (gpg --quick-add-key {primary} ed25519 sign 1y) and retry\n",
            key.display(),
            utc(gpg_expiry(&gpg, &old_sub))
        )
    );
    assert_eq!(names(repo.path()), before, "nothing written");

    // Rotation: a new signing subkey, the old one left in the key; the new one signs, and
    // servers keep the same signed-by file (the primary key is unchanged).
    gpg.ok(gpg.cmd("gpg").args([
        "--passphrase",
        "",
        "--pinentry-mode",
        "loopback",
        "--quick-add-key",
        &primary,
        "ed25519",
        "sign",
        "1y",
    ]));
    let new_sub = fingerprints(&gpg, uid).remove(2);
    let key = export(&gpg, uid, "rot.asc");
    let o = index_signed(repo.path(), &key, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "signed Release with key {new_sub} (a subkey of {primary})"
        )),
        "{}",
        stderr(&o)
    );
    let public = gpg.home.path().join("rot.pub.gpg");
    let o = gpg.ok(gpg.cmd("gpg").args(["--export", &primary]));
    std::fs::write(&public, &o.stdout).unwrap();
    let o = run(gpg
        .cmd("gpgv")
        .arg("--keyring")
        .arg(&public)
        .arg(repo.path().join("InRelease")));
    assert!(o.status.success(), "{}", stderr(&o));
    Apt::new(repo.path(), &public).update_ok();
}

#[test]
fn a_key_expiring_before_valid_until_is_a_warning() {
    let gpg = Gpg::new();
    let uid = "Soon <soon@example.org>";
    gpg.ok(gpg.cmd("gpg").args([
        "--passphrase",
        "",
        "--pinentry-mode",
        "loopback",
        "--quick-gen-key",
        uid,
        "ed25519",
        "sign",
        "10d",
    ]));
    let fpr = fingerprints(&gpg, uid).remove(0);
    let key = export(&gpg, uid, "soon.asc");
    let repo = repo_with("hello", "1.0");
    let o = index_signed(repo.path(), &key, &["--valid-for", "30"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let first = err.lines().next().unwrap();
    let release = std::fs::read_to_string(repo.path().join("Release")).unwrap();
    let until = release
        .lines()
        .find_map(|l| l.strip_prefix("Valid-Until: "))
        .unwrap();
    let o = run(Command::new("date").args(["-u", "+%s", "-d"]).arg(until));
    let until: u64 = stdout(&o).trim().parse().unwrap();
    assert_eq!(
        first,
        format!(
            "pluginctl: warning: the signing key expires on {}, before Valid-Until ({}): apt refuses the repository from then on; extend the key (gpg --quick-set-expire) or index again before",
            utc(gpg_expiry(&gpg, &fpr)),
            utc(until)
        )
    );
    // Within the key's life, no warning.
    let o = index_signed(repo.path(), &key, &["--valid-for", "7"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
}

#[test]
fn a_key_on_a_curve_the_signer_lacks_says_so() {
    let gpg = Gpg::new();
    let good: Key = gpg.key("ed25519", "Good <good@example.org>", "");
    let repo = repo_with("hello", "1.0");
    let before = names(repo.path());
    for curve in ["brainpoolP256r1", "brainpoolP384r1", "secp256k1"] {
        let uid = format!("{curve} <{curve}@example.org>");
        gpg.ok(gpg.cmd("gpg").args([
            "--passphrase",
            "",
            "--pinentry-mode",
            "loopback",
            "--quick-gen-key",
            &uid,
            curve,
            "sign",
            "never",
        ]));
        let key = export(&gpg, &uid, &format!("{curve}.asc"));
        let o = index_signed(repo.path(), &key, &[]);
        assert_eq!(o.status.code(), Some(2), "{curve}: {}", stderr(&o));
        assert_eq!(
            stderr(&o),
            format!(
                "error: {}: the key is on the curve {curve}, which index cannot sign with; use an ed25519, nistp256, nistp384, nistp521 or RSA key\n",
                key.display()
            )
        );
        assert_eq!(names(repo.path()), before, "{curve}: nothing written");
    }
    // The curves named as supported sign for gpgv.
    for curve in ["nistp256", "nistp384", "nistp521"] {
        let uid = format!("{curve} <{curve}@example.org>");
        let key = gpg.key(curve, &uid, "");
        let o = index_signed(repo.path(), &key.armored, &[]);
        assert!(o.status.success(), "{curve}: {}", stderr(&o));
        assert_verified(&gpg, &key, &good, repo.path());
    }
}

#[test]
fn a_revoked_key_or_signing_subkey_is_refused() {
    let gpg = Gpg::new();
    let plain = |args: &[&str]| {
        let mut c = gpg.cmd("gpg");
        c.args(["--passphrase", "", "--pinentry-mode", "loopback"])
            .args(args);
        c
    };
    // A primary key revoked with the certificate gpg made for it.
    let uid = "Revoked <revoked@example.org>";
    gpg.ok(&mut plain(&[
        "--quick-gen-key",
        uid,
        "ed25519",
        "sign",
        "never",
    ]));
    let fpr = fingerprints(&gpg, uid).remove(0);
    let cert = std::fs::read_to_string(gpg.home.path().join(format!("openpgp-revocs.d/{fpr}.rev")))
        .unwrap()
        .replace(":-----BEGIN", "-----BEGIN");
    let cert_file = gpg.home.path().join("revoke.asc");
    std::fs::write(&cert_file, cert).unwrap();
    gpg.ok(gpg.cmd("gpg").arg("--import").arg(&cert_file));
    let key = export(&gpg, uid, "revoked.asc");
    let repo = repo_with("hello", "1.0");
    let before = names(repo.path());
    let o = index_signed(repo.path(), &key, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: the key {fpr} is revoked, and apt refuses its signatures; sign with another key\n",
            key.display()
        )
    );
    assert_eq!(names(repo.path()), before);

    // A signing subkey revoked in gpg --edit-key.
    let uid = "Sub <sub@example.org>";
    gpg.ok(&mut plain(&[
        "--quick-gen-key",
        uid,
        "ed25519",
        "cert",
        "never",
    ]));
    let primary = fingerprints(&gpg, uid).remove(0);
    gpg.ok(&mut plain(&[
        "--quick-add-key",
        &primary,
        "ed25519",
        "sign",
        "1y",
    ]));
    let sub = fingerprints(&gpg, uid).remove(1);
    let mut edit = plain(&["--command-fd", "0", "--edit-key", &primary]);
    edit.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = edit.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"key 1\nrevkey\ny\n0\n\ny\nsave\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    let key = export(&gpg, uid, "sub.asc");
    let o = index_signed(repo.path(), &key, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: the signing subkey {sub} is revoked; add a new one (gpg --quick-add-key {primary} ed25519 sign 1y) and retry\n",
            key.display()
        )
    );
    assert_eq!(names(repo.path()), before);
}
