//! Rules of the Wazo server that a market entry must respect, shared by `market` (which
//! writes entries) and `lint` (which checks a checkout before it is published).

use crate::plugin::loose_version::{less_than, LooseVersion, PyValue};

/// The largest market document read: a market of a thousand plugins is a few MiB.
pub(crate) const MAX_DOCUMENT: u64 = 64 << 20;

/// A market document at `file` (`market --into`, `lint --market`), read as every user-named
/// file is ([`crate::files::input`]): never a FIFO or a device, never past [`MAX_DOCUMENT`].
pub(crate) fn read_document(file: &std::path::Path) -> std::io::Result<Vec<u8>> {
    crate::files::input::read_whole(file, MAX_DOCUMENT)
}

/// The first Wazo whose server reads a market version's `options.subdirectory`.
pub(crate) const SUBDIRECTORY_SINCE: &str = "25.08";

/// Whether a plugin whose `min_wazo_version` is `min` (as written; `None` when absent)
/// lets a Wazo older than 25.08 install it, by the server's own order (LooseVersion): such
/// a server ignores `subdirectory` and clones the repository's top folder, which holds no
/// plugin.
pub(crate) fn allows_before_subdirectory(min: Option<&str>) -> bool {
    let Some(min) = min.map(str::trim).filter(|m| !m.is_empty()) else {
        return true;
    };
    less_than(
        &PyValue::Str(min.to_string()),
        &PyValue::Str(SUBDIRECTORY_SINCE.to_string()),
    )
    .unwrap_or(true)
}

/// The advice when [`allows_before_subdirectory`] holds.
pub(crate) fn subdirectory_advice(min: Option<&str>) -> String {
    let allows = match min {
        Some(m) => format!("min_wazo_version {m} allows older ones"),
        None => "no min_wazo_version allows every Wazo".to_string(),
    };
    format!(
        "the subdirectory option of a market version is read from Wazo {SUBDIRECTORY_SINCE} on, \
         and {allows}, which clone the repository's top folder and find no plugin there; set \
         min_wazo_version: \"{SUBDIRECTORY_SINCE}\""
    )
}

/// The first version of `listed` that LooseVersion cannot order against `new`, with why:
/// the server orders an installed version against the market's (TypeError there breaks its
/// whole market listing).
pub(crate) fn unorderable<'a>(new: &str, listed: &[&'a str]) -> Option<(&'a str, String)> {
    let ours = LooseVersion::parse(new);
    listed.iter().find_map(|old| {
        ours.compare(&LooseVersion::parse(old))
            .err()
            .map(|e| (*old, e.to_string()))
    })
}
