//! OpenPGP signatures of a repository's `Release`: `InRelease` (clearsigned) and
//! `Release.gpg` (detached, armored), as apt checks them against a `signed-by` key.
//!
//! Signing is done in-process with rPGP (the `pgp` crate), not by running gpg: a CI job then
//! needs no GnuPG home, no agent and no keyring import, only the key file, and the result
//! does not depend on the gpg version or configuration of the machine. Signatures are v4,
//! hashed with SHA-512 (apt refuses SHA-1), and carry the issuer's fingerprint and key ID.

use crate::deb::passphrase::Passphrase;
use crate::deb::signkey;
use crate::{Error, Result};
use pgp::composed::{
    ArmorOptions, CleartextSignedMessage, Deserializable, DetachedSignature, SignedPublicKey,
    SignedSecretKey,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{SignatureConfig, SignatureType, Subpacket, SubpacketData};
use pgp::types::{KeyDetails, KeyVersion, Password, SigningKey, Timestamp};
use std::path::Path;

/// The digest of every signature made here.
const HASH: HashAlgorithm = HashAlgorithm::Sha512;

/// A key file larger than this is not a key (an exported secret key is a few KiB).
const MAX_KEY_BYTES: u64 = 1 << 20;

/// A secret key ready to sign, read from a key file.
pub(crate) struct Signer {
    key: SignedSecretKey,
    /// Which key signs: the primary key, or a secret subkey (by index).
    subkey: Option<usize>,
}

impl Signer {
    /// When the signatures stop being accepted (seconds since 1970): the earlier of the
    /// primary key's and the signing subkey's expiry; `None` when neither expires.
    pub(crate) fn expires(&self) -> Option<u64> {
        let primary = signkey::primary_expiry(&self.key);
        let sub = self
            .subkey
            .and_then(|i| signkey::subkey_expiry(&self.key.secret_subkeys[i]));
        primary.into_iter().chain(sub).min()
    }
}

impl Signer {
    /// Reads an armored or binary OpenPGP secret key, unlocked with `passphrase` when it is
    /// protected; every way the file can be wrong is one line naming it (exit status 2).
    pub(crate) fn load(path: &Path, passphrase: Option<&Passphrase>) -> Result<Signer> {
        let fail = |why: &str| Error::Usage(format!("{}: {why}", path.display()));
        let not_a_key = || {
            fail("not an OpenPGP secret key (armored or binary); export one with gpg --export-secret-keys KEYID")
        };
        let bytes = read_key_file(path)?;
        let Ok((mut key, _)) = SignedSecretKey::from_reader_single(&bytes[..]) else {
            if SignedPublicKey::from_reader_single(&bytes[..]).is_ok() {
                return Err(fail(
                    "a public key only; give the secret key (gpg --export-secret-keys KEYID)",
                ));
            }
            return Err(not_a_key());
        };
        // rPGP reads a key on a curve it does not implement as opaque bytes: its
        // self-signatures cannot be checked, which is not the key's fault.
        if let Some(curve) = signkey::unsupported_curve(key.primary_key.public_params()) {
            return Err(fail(&signkey::curve_error(&curve)));
        }
        if key.verify_bindings().is_err() {
            return Err(fail(
                "the key's self-signatures do not verify; export the key again",
            ));
        }
        if let Some(passphrase) = passphrase {
            unlock(&mut key, passphrase).map_err(|why| fail(&why))?;
        }
        let subkey = signkey::pick_signing_key(&key).map_err(|why| fail(&why))?;
        let signer = Signer { key, subkey };
        if let Some(curve) = signkey::unsupported_curve(signer.signing_key().public_params()) {
            return Err(fail(&signkey::curve_error(&curve)));
        }
        if signer.signing_key().version() != KeyVersion::V4 {
            return Err(fail(
                "not a version 4 key; apt's gpgv verifies v4 signatures: use a v4 key",
            ));
        }
        Ok(signer)
    }

    /// The signing key, primary or subkey (boxed: rPGP's signing functions take a sized key,
    /// and a `Box` of the reference is one).
    #[allow(clippy::redundant_allocation)]
    fn signing_key(&self) -> Box<&dyn SigningKey> {
        Box::new(match self.subkey {
            Some(i) => &self.key.secret_subkeys[i].key,
            None => &self.key.primary_key,
        })
    }

    /// The fingerprint of the signing key, upper-case hex as gpg prints it; a subkey is
    /// named with its primary key.
    pub(crate) fn fingerprint(&self) -> String {
        let fp = |k: &dyn KeyDetails| format!("{:X}", k.fingerprint());
        match self.subkey {
            None => fp(&self.key.primary_key),
            Some(_) => format!(
                "{} (a subkey of {})",
                fp(*self.signing_key()),
                fp(&self.key.primary_key)
            ),
        }
    }

    /// A v4 signature configuration: creation time and issuer fingerprint hashed, key ID
    /// unhashed (what gpg writes, and what gpgv uses to find the key).
    fn config(&self, typ: SignatureType) -> Result<SignatureConfig> {
        let key = self.signing_key();
        let mut config = SignatureConfig::v4(typ, key.algorithm(), HASH);
        let sub = |data: SubpacketData| Subpacket::regular(data).map_err(sign_error);
        config.hashed_subpackets = vec![
            sub(SubpacketData::SignatureCreationTime(Timestamp::now()))?,
            sub(SubpacketData::IssuerFingerprint(key.fingerprint()))?,
        ];
        config.unhashed_subpackets = vec![sub(SubpacketData::IssuerKeyId(key.legacy_key_id()))?];
        Ok(config)
    }

    /// `Release.gpg`: an armored detached signature of `text`'s bytes.
    pub(crate) fn detached(&self, text: &str) -> Result<String> {
        let config = self.config(SignatureType::Binary)?;
        let sig = config
            .sign(&self.signing_key(), &Password::empty(), text.as_bytes())
            .map_err(sign_error)?;
        DetachedSignature::new(sig)
            .to_armored_string(ArmorOptions::default())
            .map_err(sign_error)
    }

    /// `InRelease`: `text` clearsigned. The final line break is left to the armor (as gpg
    /// does), so the text between the headers and the signature is `text` byte for byte.
    pub(crate) fn clearsign(&self, text: &str) -> Result<String> {
        // The cleartext framework drops trailing blanks of each line when verifying; a
        // Release never has any, and a signature over them would not verify.
        debug_assert!(!text.lines().any(|l| l.ends_with([' ', '\t'])));
        let body = text.strip_suffix('\n').unwrap_or(text);
        let config = self.config(SignatureType::Text)?;
        CleartextSignedMessage::new(body, config, &self.signing_key(), &Password::empty())
            .and_then(|m| m.to_armored_string(ArmorOptions::default()))
            .map_err(sign_error)
    }
}

/// An rPGP failure while signing (a key the library cannot use), as one line.
fn sign_error(e: pgp::errors::Error) -> Error {
    Error::Usage(format!(
        "cannot sign with the key: {}",
        e.to_string().lines().next().unwrap_or("unknown error")
    ))
}

/// The key file's bytes; missing, unreadable, not a regular file or too large is an error.
fn read_key_file(path: &Path) -> Result<Vec<u8>> {
    let fail = |e: std::io::Error| {
        Error::Usage(format!(
            "{}: cannot read the key: {}",
            path.display(),
            crate::error::describe_io(&e)
        ))
    };
    let meta = std::fs::metadata(path).map_err(fail)?;
    if !meta.is_file() {
        return Err(Error::Usage(format!(
            "{}: not a regular file; give the exported secret key file",
            path.display()
        )));
    }
    crate::files::input::read_whole(path, MAX_KEY_BYTES).map_err(|e| {
        if e.kind() == std::io::ErrorKind::FileTooLarge {
            Error::Usage(format!(
                "{}: larger than {} KiB; not an OpenPGP secret key",
                path.display(),
                MAX_KEY_BYTES >> 10
            ))
        } else {
            fail(e)
        }
    })
}

/// Unlocks every protected signing secret of `key` that `passphrase` opens. One that it does not
/// open stays locked (an offline primary key exported with `--export-secret-subkeys` has
/// no secret to open); when none opens, the passphrase is wrong.
fn unlock(key: &mut SignedSecretKey, passphrase: &Passphrase) -> std::result::Result<(), String> {
    let password = Password::from(passphrase.text.as_str());
    let mut locked = 0;
    let mut opened = 0;
    if key.primary_key.secret_params().is_encrypted() {
        locked += 1;
        opened += usize::from(key.primary_key.remove_password(&password).is_ok());
    }
    for sub in &mut key.secret_subkeys {
        // Opening a secret costs a deliberately slow key derivation: only signing subkeys.
        let signs = sub.signatures.iter().any(|s| s.key_flags().sign());
        if signs && sub.key.secret_params().is_encrypted() {
            locked += 1;
            opened += usize::from(sub.key.remove_password(&password).is_ok());
        }
    }
    if locked > 0 && opened == 0 {
        return Err(format!(
            "the passphrase from {} does not unlock the key; give the right one",
            passphrase.source
        ));
    }
    Ok(())
}

/// Whoever signs a `Release`: a key file read here, or a key held by the system's gpg.
pub(crate) enum ReleaseSigner {
    /// `--sign KEYFILE`.
    File(Box<Signer>),
    /// `--sign-with KEYID`.
    Gpg(crate::deb::gpg::GpgSigner),
}

impl ReleaseSigner {
    /// `Release.gpg`.
    pub(crate) fn detached(&self, text: &str) -> Result<String> {
        match self {
            ReleaseSigner::File(s) => s.detached(text),
            ReleaseSigner::Gpg(s) => s.detached(text),
        }
    }

    /// `InRelease`.
    pub(crate) fn clearsign(&self, text: &str) -> Result<String> {
        match self {
            ReleaseSigner::File(s) => s.clearsign(text),
            ReleaseSigner::Gpg(s) => s.clearsign(text),
        }
    }

    /// The signing key's fingerprint, as shown.
    pub(crate) fn fingerprint(&self) -> String {
        match self {
            ReleaseSigner::File(s) => s.fingerprint(),
            ReleaseSigner::Gpg(s) => s.fingerprint(),
        }
    }

    /// When the signatures stop being accepted.
    pub(crate) fn expires(&self) -> Option<u64> {
        match self {
            ReleaseSigner::File(s) => s.expires(),
            ReleaseSigner::Gpg(s) => s.expires(),
        }
    }
}
