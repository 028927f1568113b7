//! OpenPGP signatures of a repository's `Release`: `InRelease` (clearsigned) and
//! `Release.gpg` (detached, armored), as apt checks them against a `signed-by` key.
//!
//! Signing is done in-process with rPGP (the `pgp` crate), not by running gpg: a CI job then
//! needs no GnuPG home, no agent and no keyring import, only the key file, and the result
//! does not depend on the gpg version or configuration of the machine. Signatures are v4,
//! hashed with SHA-512 (apt refuses SHA-1), and carry the issuer's fingerprint and key ID.

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
    /// Reads an armored or binary OpenPGP secret key without passphrase; every way the
    /// file can be wrong is one line naming it (exit status 2).
    pub(crate) fn load(path: &Path) -> Result<Signer> {
        let fail = |why: &str| Error::Usage(format!("{}: {why}", path.display()));
        let not_a_key = || {
            fail("not an OpenPGP secret key (armored or binary); export one with gpg --export-secret-keys KEYID")
        };
        let bytes = read_key_file(path)?;
        let Ok((key, _)) = SignedSecretKey::from_reader_single(&bytes[..]) else {
            if SignedPublicKey::from_reader_single(&bytes[..]).is_ok() {
                return Err(fail(
                    "a public key only; give the secret key (gpg --export-secret-keys KEYID)",
                ));
            }
            return Err(not_a_key());
        };
        if key.verify_bindings().is_err() {
            return Err(fail(
                "the key's self-signatures do not verify; export the key again",
            ));
        }
        let subkey = pick_signing_key(&key).map_err(|why| fail(&why))?;
        let signer = Signer { key, subkey };
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

/// Which key signs: the primary key when its self-signature allows signing, else the
/// first signing subkey with its secret (`gpg --export-secret-subkeys` keeps the primary
/// offline), else a primary key whose algorithm can sign and that states no usage.
fn pick_signing_key(key: &SignedSecretKey) -> std::result::Result<Option<usize>, String> {
    let primary_flags = key
        .details
        .users
        .iter()
        .flat_map(|u| u.signatures.iter())
        .chain(key.details.direct_signatures.iter())
        .map(|s| s.key_flags())
        .find(|f| f.sign() || f.certify() || f.encrypt_comms() || f.encrypt_storage());
    let primary_plain = !key.primary_key.secret_params().is_encrypted();
    let primary_can = key.primary_key.algorithm().can_sign();
    if primary_plain && primary_can && primary_flags.as_ref().is_some_and(|f| f.sign()) {
        return Ok(None);
    }
    let mut locked = !primary_plain;
    for (i, sub) in key.secret_subkeys.iter().enumerate() {
        if !sub.signatures.iter().any(|s| s.key_flags().sign()) {
            continue;
        }
        if sub.key.secret_params().is_encrypted() {
            locked = true;
            continue;
        }
        return Ok(Some(i));
    }
    if primary_plain && primary_can && primary_flags.is_none() {
        return Ok(None);
    }
    if locked {
        return Err("the secret key is protected by a passphrase, which index cannot ask for; export a copy without one (gpg --passwd KEYID, empty passphrase)".into());
    }
    Err(
        "no key in the file can sign; add a signing subkey (gpg --quick-add-key FPR ed25519 sign)"
            .into(),
    )
}
