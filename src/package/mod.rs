//! From a plugin to a package: options, staging, the files pluginctl adds, control data, cleanup.

pub mod cleanup;
pub mod control;
pub mod extras;
pub mod feed;
pub mod info;
pub mod leftovers;
pub mod options;
pub mod pipeline;
pub mod staging;
