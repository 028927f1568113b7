//! Which key of a secret key file signs a `Release`, and whether apt will accept its
//! signatures: a curve rPGP cannot compute on, or an expired key or subkey, is refused here
//! with one line, before anything is written. (apt checks a signature against the key's
//! validity on every `apt-get update`: an expired key makes every server refuse the
//! repository, however fresh the signature.)

use pgp::composed::{SignedSecretKey, SignedSecretSubKey};
use pgp::packet::{Signature, SignatureType};
use pgp::types::{KeyDetails, PublicParams};

/// The curve of a key that index does not sign with: one rPGP reads only as opaque bytes
/// (brainpool, an unknown OID), and secp256k1, whose verifier in rPGP (the k256 crate)
/// accepts only low-S signatures, which gpg does not make: the self-signatures of a gpg key
/// on that curve fail to verify about half the time.
pub(crate) fn unsupported_curve(params: &PublicParams) -> Option<String> {
    use pgp::types::{EcdhPublicParams, EcdsaPublicParams, EddsaLegacyPublicParams};
    let curve = match params {
        PublicParams::ECDSA(EcdsaPublicParams::Secp256k1 { .. }) => {
            return Some("secp256k1".into());
        }
        PublicParams::ECDSA(EcdsaPublicParams::Unsupported { curve, .. })
        | PublicParams::ECDH(EcdhPublicParams::Unsupported { curve, .. })
        | PublicParams::EdDSALegacy(EddsaLegacyPublicParams::Unsupported { curve, .. }) => curve,
        _ => return None,
    };
    Some(match curve {
        pgp::crypto::ecc_curve::ECCCurve::Unknown(_) => format!("with OID {}", curve.oid_str()),
        known => known.name().to_string(),
    })
}

/// The refusal of a key on an unsupported curve.
pub(crate) fn curve_error(curve: &str) -> String {
    format!(
        "the key is on the curve {curve}, which index cannot sign with; use an ed25519, nistp256, nistp384, nistp521 or RSA key"
    )
}

/// When a key made at `created` stops being valid, by the newest of `signatures` (its
/// self-signatures or binding signatures): `None` when it never expires.
fn expiry(created: u32, signatures: &[&Signature]) -> Option<u64> {
    let newest = signatures
        .iter()
        .max_by_key(|s| s.created().map_or(0, |t| t.as_secs()))?;
    match newest.key_expiration_time().map(|d| d.as_secs()) {
        None | Some(0) => None,
        Some(secs) => Some(u64::from(created) + u64::from(secs)),
    }
}

/// When the primary key expires, by its newest self-signature (user ID or direct).
pub(crate) fn primary_expiry(key: &SignedSecretKey) -> Option<u64> {
    let own = key.primary_key.legacy_key_id();
    let own_fp = key.primary_key.fingerprint();
    let mine = |s: &&Signature| {
        let ids = s.issuer_key_id();
        let fps = s.issuer_fingerprint();
        (ids.is_empty() && fps.is_empty()) || ids.contains(&&own) || fps.contains(&&own_fp)
    };
    let sigs: Vec<&Signature> = key
        .details
        .users
        .iter()
        .flat_map(|u| u.signatures.iter())
        .chain(key.details.direct_signatures.iter())
        .filter(mine)
        .collect();
    expiry(key.primary_key.created_at().as_secs(), &sigs)
}

/// When a subkey expires, by its newest binding signature.
pub(crate) fn subkey_expiry(sub: &SignedSecretSubKey) -> Option<u64> {
    let sigs: Vec<&Signature> = sub
        .signatures
        .iter()
        .filter(|s| s.typ() == Some(SignatureType::SubkeyBinding))
        .collect();
    expiry(sub.key.created_at().as_secs(), &sigs)
}

/// `2020-06-01 00:00 UTC`.
pub(crate) fn date(t: u64) -> String {
    format!(
        "{} UTC",
        crate::deb::date::date_minutes(i64::try_from(t).unwrap_or(i64::MAX))
    )
}

/// Seconds since 1970 now.
pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Which key signs: the primary key when its self-signature allows signing, else the
/// newest unexpired signing subkey with its secret (`gpg --export-secret-subkeys` keeps the
/// primary offline; a rotated subkey replaces an expired one), else a primary key whose
/// algorithm can sign and that states no usage. `locked` says whether a secret is still
/// encrypted (a passphrase is needed first).
pub(crate) fn pick_signing_key(
    key: &SignedSecretKey,
) -> std::result::Result<Option<usize>, String> {
    let fpr = |k: &dyn KeyDetails| format!("{:X}", k.fingerprint());
    if !key.details.revocation_signatures.is_empty() {
        return Err(format!(
            "the key {} is revoked, and apt refuses its signatures; sign with another key",
            fpr(&key.primary_key)
        ));
    }
    if let Some(at) = primary_expiry(key).filter(|&at| at <= now()) {
        return Err(format!(
            "the key expired on {}; extend it (gpg --quick-set-expire {} 1y), publish its public key again, and retry",
            date(at),
            fpr(&key.primary_key)
        ));
    }
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
    let mut expired: Option<(usize, u64)> = None;
    let mut revoked: Option<usize> = None;
    let mut best: Option<usize> = None;
    for (i, sub) in key.secret_subkeys.iter().enumerate() {
        if !sub.signatures.iter().any(|s| s.key_flags().sign()) {
            continue;
        }
        if sub
            .signatures
            .iter()
            .any(|s| s.typ() == Some(SignatureType::SubkeyRevocation))
        {
            revoked = Some(i);
            continue;
        }
        if let Some(at) = subkey_expiry(sub).filter(|&at| at <= now()) {
            expired = Some((i, at));
            continue;
        }
        if sub.key.secret_params().is_encrypted() {
            locked = true;
            continue;
        }
        let newer = |b: usize| {
            sub.key.created_at().as_secs() > key.secret_subkeys[b].key.created_at().as_secs()
        };
        if best.is_none_or(newer) {
            best = Some(i);
        }
    }
    if best.is_some() {
        return Ok(best);
    }
    if primary_plain && primary_can && primary_flags.is_none() {
        return Ok(None);
    }
    if locked {
        return Err(format!(
            "the secret key is protected by a passphrase; give it in a file (--passphrase-file FILE) or in the {} environment variable",
            crate::deb::passphrase::ENV
        ));
    }
    if let Some((i, at)) = expired {
        return Err(format!(
            "the signing subkey {} expired on {}; add a new one (gpg --quick-add-key {} ed25519 sign 1y) and retry",
            fpr(&key.secret_subkeys[i].key),
            date(at),
            fpr(&key.primary_key)
        ));
    }
    if let Some(i) = revoked {
        return Err(format!(
            "the signing subkey {} is revoked; add a new one (gpg --quick-add-key {} ed25519 sign 1y) and retry",
            fpr(&key.secret_subkeys[i].key),
            fpr(&key.primary_key)
        ));
    }
    Err(
        "no key in the file can sign; add a signing subkey (gpg --quick-add-key FPR ed25519 sign)"
            .into(),
    )
}
