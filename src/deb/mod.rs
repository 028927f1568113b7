//! The Debian formats and nothing about Wazo: the `.deb` container (ar), its tar members and
//! their compression, the control-file syntax (deb822), versions, digests, and the signed
//! index of an apt repository.

pub(crate) mod ar;
pub mod compress;
pub(crate) mod date;
pub(crate) mod deb822;
pub(crate) mod digest;
pub(crate) mod encoder;
pub(crate) mod gpg;
pub(crate) mod limits;
pub(crate) mod md5;
pub(crate) mod passphrase;
pub(crate) mod pgzip;
pub mod reader;
pub(crate) mod sign;
pub(crate) mod signkey;
pub(crate) mod tar;
pub(crate) mod text;
pub(crate) mod version;
pub(crate) mod walk;
pub(crate) mod xz;

/// The control files that dpkg runs.
pub(crate) const SCRIPT_NAMES: &[&str] = &["preinst", "postinst", "prerm", "postrm", "config"];
