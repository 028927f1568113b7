//! What a Wazo server expects of a plugin's package, beyond the Debian format: the names and
//! places wazo-plugind uses (specification, section 8). Build writes them, lint checks them.

/// The Maintainer field when none is given.
pub(crate) const DEFAULT_MAINTAINER: &str = "Wazo Maintainers <dev+pkg@wazo.community>";
/// The section the Wazo daemon lists installed plugins by.
pub(crate) const SECTION: &str = "wazo-plugind-plugin";
/// Where the prerm keeps a copy of the rules file for the postrm.
pub(crate) const RULES_BACKUP_DIR: &str = "var/lib/wazo-plugind/rules";
