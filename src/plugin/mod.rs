//! The plugin checkout: plugin.yml read as the daemon reads it, the rules file, dependency order.

pub(crate) mod manifest;
pub(crate) mod order;
pub(crate) mod paths;
pub mod pyyaml;
pub(crate) mod rules;
pub(crate) mod url;
pub(crate) mod yaml;
