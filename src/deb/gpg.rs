//! Signing a repository's `Release` through the system's `gpg` (`index --sign-with KEYID`),
//! for keys that never leave gpg-agent or a smartcard, as reprepro and aptly do. The
//! signatures are made as the native signer makes them (SHA-512, armored, `InRelease`
//! holding `Release` byte for byte), so apt and gpgv see no difference.

use crate::deb::passphrase::Passphrase;
use crate::{Error, Result};
use std::io::Write;
use std::process::{Command, Stdio};

/// A key held by gpg, checked to exist with its secret.
pub(crate) struct GpgSigner {
    /// The key ID as given.
    key: String,
    /// The primary key's fingerprint, as gpg lists it.
    fingerprint: String,
    /// When the key expires (seconds since 1970), as gpg lists it.
    expires: Option<u64>,
    /// The key's passphrase, given to gpg on a pipe (loopback pinentry) when set.
    passphrase: Option<Passphrase>,
}

/// The first line gpg wrote on stderr, without its `gpg: ` prefix.
fn first_line(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .lines()
        .map(|l| l.strip_prefix("gpg: ").unwrap_or(l).trim())
        .find(|l| !l.is_empty())
        .unwrap_or("no message")
        .to_string()
}

/// Runs gpg with `args`, `input` on its standard input: its standard output, or the first
/// line of its complaint; the outer error is a gpg that cannot be run.
fn gpg(key: &str, args: &[&str], input: &[u8]) -> Result<std::result::Result<Vec<u8>, String>> {
    let mut child = Command::new("gpg")
        .args(["--batch", "--no-tty", "--quiet"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Error::Usage(if e.kind() == std::io::ErrorKind::NotFound {
                format!("--sign-with {key}: gpg is not installed (apt-get install gnupg), or sign with --sign KEYFILE")
            } else {
                format!(
                    "--sign-with {key}: cannot run gpg: {}",
                    crate::error::describe_io(&e)
                )
            })
        })?;
    let mut stdin = child.stdin.take();
    let writer = stdin.as_mut().map(|s| s.write_all(input));
    drop(stdin);
    let out = child
        .wait_with_output()
        .map_err(|e| Error::Usage(format!("--sign-with {key}: gpg: {e}")))?;
    if !out.status.success() || writer.is_some_and(|w| w.is_err()) {
        return Ok(Err(first_line(&out.stderr)));
    }
    Ok(Ok(out.stdout))
}

impl GpgSigner {
    /// Finds the secret key `key` in gpg's keyring (GNUPGHOME): a missing gpg, an unknown
    /// key or one without its secret is one line (exit status 2).
    pub(crate) fn find(key: &str, passphrase: Option<Passphrase>) -> Result<GpgSigner> {
        if key.is_empty() || key.starts_with('-') || key.contains(char::is_control) {
            return Err(Error::Usage(format!(
                "--sign-with {key:?}: not a key ID; give a fingerprint or key ID from gpg --list-secret-keys"
            )));
        }
        let listing = gpg(key, &["--with-colons", "--list-secret-keys", "--", key], b"")?
            .map_err(|_| {
                Error::Usage(format!(
                    "--sign-with {key}: no secret key with this ID in gpg's keyring; gpg --list-secret-keys shows them"
                ))
            })?;
        let text = String::from_utf8_lossy(&listing);
        let mut lines = text.lines();
        let sec = lines.find(|l| l.starts_with("sec:")).unwrap_or("");
        let fields: Vec<&str> = sec.split(':').collect();
        let expires = fields.get(6).and_then(|f| f.parse::<u64>().ok());
        let fingerprint = lines
            .find_map(|l| l.strip_prefix("fpr:"))
            .map(|f| f.trim_matches(':').to_string())
            .unwrap_or_else(|| key.to_string());
        if let Some(at) = expires.filter(|&at| at <= crate::deb::signkey::now()) {
            return Err(Error::Usage(format!(
                "--sign-with {key}: the key expired on {}; extend it (gpg --quick-set-expire {fingerprint} 1y), publish its public key again, and retry",
                crate::deb::signkey::date(at)
            )));
        }
        Ok(GpgSigner {
            key: key.to_string(),
            fingerprint,
            expires,
            passphrase,
        })
    }

    /// The primary key's fingerprint.
    pub(crate) fn fingerprint(&self) -> String {
        self.fingerprint.clone()
    }

    /// When the key expires.
    pub(crate) fn expires(&self) -> Option<u64> {
        self.expires
    }

    fn sign(&self, mode: &str, text: &str) -> Result<String> {
        let mut args = vec![
            "--local-user",
            &self.key,
            "--digest-algo",
            "SHA512",
            "--armor",
        ];
        // With a passphrase, it goes on gpg's standard input and the text in a file of
        // ours (the passphrase never is an argument, which every user can read).
        let file;
        let path;
        let input = match &self.passphrase {
            Some(p) => {
                file = tempfile::Builder::new()
                    .prefix(".pluginctl-")
                    .suffix(".tmp")
                    .tempfile()
                    .and_then(|mut f| f.write_all(text.as_bytes()).map(|()| f))
                    .map_err(|e| {
                        Error::io(std::env::temp_dir(), "cannot write a temporary file", e)
                    })?;
                path = file.path().to_string_lossy().into_owned();
                args.extend(["--pinentry-mode", "loopback", "--passphrase-fd", "0"]);
                args.extend([mode, "--output", "-", "--", &path]);
                format!("{}\n", p.text).into_bytes()
            }
            None => {
                args.push(mode);
                text.as_bytes().to_vec()
            }
        };
        let hint = match &self.passphrase {
            Some(p) => format!("check the passphrase from {}", p.source),
            None => "a key with a passphrase must be unlocked in gpg-agent first, or give the passphrase with --passphrase-file".into(),
        };
        let out = gpg(&self.key, &args, &input)?.map_err(|why| {
            Error::Usage(format!(
                "--sign-with {}: gpg cannot sign: {why} ({hint})",
                self.key
            ))
        })?;
        String::from_utf8(out).map_err(|_| {
            Error::Usage(format!(
                "--sign-with {}: gpg wrote a signature that is not text",
                self.key
            ))
        })
    }

    /// `Release.gpg`: an armored detached signature.
    pub(crate) fn detached(&self, text: &str) -> Result<String> {
        self.sign("--detach-sign", text)
    }

    /// `InRelease`: `text` clearsigned.
    pub(crate) fn clearsign(&self, text: &str) -> Result<String> {
        self.sign("--clearsign", text)
    }
}
