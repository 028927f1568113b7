//! The Debian formats and nothing about Wazo: the `.deb` container (ar), its tar members and
//! their compression, the control-file syntax (deb822), versions, digests, and the signed
//! index of an apt repository.

pub mod ar;
pub mod compress;
pub mod deb822;
pub mod digest;
pub mod limits;
pub mod md5;
pub mod pgzip;
pub mod reader;
pub mod sign;
pub mod tar;
pub mod version;
pub mod walk;
