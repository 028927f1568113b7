//! `pluginctl build`: manifest -> rules -> staging -> control -> archive, for each plugin.

use crate::deb::{Package, Written};
use crate::manifest::{self, Manifest};
use crate::plan::BuildPlan;
use crate::report::Report;
use crate::rules::{self, Step};
use crate::staging::{self, StagingDir};
use crate::{docs, Error, Result};
use std::path::Path;

/// One built package.
#[derive(Debug, Clone)]
pub struct Built {
    /// The manifest it was built from.
    pub manifest: Manifest,
    /// The written `.deb`.
    pub written: Written,
}

/// Makes sure `dir` is a folder we can write into (created when missing).
fn prepare_output(dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Io(format!(
            "{}: the output path is not a folder",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(dir, "cannot create the output folder", e))?;
    tempfile::Builder::new()
        .prefix(".pluginctl-probe-")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| Error::io(dir, "cannot write into the output folder", e))
}

fn check_plugin_dir(dir: &Path) -> Result<()> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(Error::Plugin(format!(
            "{}: not a folder; give the plugin's folder (the one holding wazo/)",
            dir.display()
        ))),
        Err(e) => Err(Error::Plugin(format!(
            "{}: {}",
            dir.display(),
            crate::error::describe_io(&e)
        ))),
    }
}

/// Builds one plugin checkout into a `.deb` in the plan's output folder.
pub fn build_one(plan: &BuildPlan, plugin_dir: &Path, report: &Report) -> Result<Built> {
    check_plugin_dir(plugin_dir)?;
    let manifest = manifest::load(plugin_dir)?;
    let rules_file = rules::check_file(plugin_dir)?;
    prepare_output(&plan.output)?;
    let timestamp = crate::plan::build_timestamp(plugin_dir)?;
    let plugin_abs = plugin_dir
        .canonicalize()
        .map_err(|e| Error::io(plugin_dir, "cannot resolve", e))?;

    rules::run(&rules_file, &plugin_abs, Step::Build, None, report)?;
    let stage = StagingDir::new(&plugin_abs)?;
    rules::run(
        &rules_file,
        &plugin_abs,
        Step::Package,
        Some(stage.path()),
        report,
    )?;

    let mut tree = staging::collect(stage.path(), &plugin_abs, &manifest)?;
    docs::add_to(
        &mut tree,
        &manifest,
        &plugin_abs,
        &plan.maintainer,
        timestamp,
    );
    let entries = tree.into_sorted();
    let package = Package {
        manifest: &manifest,
        maintainer: &plan.maintainer,
        entries: &entries,
        compression: plan.compression,
        mtime: timestamp,
        staging: Some(&stage),
    };
    let written = package.write(&plan.output)?;
    drop(stage);
    Ok(Built { manifest, written })
}

/// Builds every plugin of the plan in order; stops at the first failure.
pub fn run(plan: &BuildPlan, report: &Report) -> Result<Vec<Built>> {
    let mut built = Vec::new();
    for dir in &plan.plugins {
        let b = build_one(plan, dir, report)?;
        report.info(&format!(
            "built {} ({} bytes)",
            b.written.path.display(),
            b.written.size
        ));
        println!("{}", b.written.path.display());
        built.push(b);
    }
    Ok(built)
}
