//! From a plugin to a package: options, staging, the files pluginctl adds, control data, cleanup.

pub(crate) mod cleanup;
pub(crate) mod control;
pub(crate) mod extras;
pub(crate) mod feed;
pub(crate) mod info;
pub(crate) mod options;
pub(crate) mod pipeline;
pub(crate) mod source;
pub(crate) mod staging;
