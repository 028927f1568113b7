//! The plugin checkout: plugin.yml read as the daemon reads it, the rules file, dependency order.

pub(crate) mod git;
pub(crate) mod loose_version;
pub(crate) mod manifest;
pub(crate) mod market_rules;
pub(crate) mod order;
pub(crate) mod paths;
pub(crate) mod process;
pub mod pyyaml;
pub(crate) mod refused;
pub(crate) mod rules;
pub(crate) mod search;
pub(crate) mod shebang;
pub(crate) mod url;
pub(crate) mod wazo;
pub(crate) mod yaml;
