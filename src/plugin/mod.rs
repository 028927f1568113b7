//! The plugin checkout: plugin.yml read as the daemon reads it, the rules file, dependency order.

pub mod manifest;
pub mod order;
pub mod paths;
pub mod pyyaml;
pub mod rules;
pub mod yaml;
