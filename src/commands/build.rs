//! `pluginctl build`: manifest -> rules -> staging -> control -> archive, for each plugin,
//! plugins ordered so that each comes after the plugins it depends on (see [`order`]).

use crate::package::options::BuildPlan;
use crate::package::pipeline::{Package, Written};
use crate::package::staging::{self, StagingDir};
use crate::plugin::manifest::{self, Manifest};
use crate::plugin::rules::{self, Step};
use crate::ui::report::Report;
use crate::{deb::digest, package::extras, plugin::order, Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One built package.
#[derive(Debug, Clone)]
pub(crate) struct Built {
    /// The manifest it was built from.
    pub(crate) manifest: Manifest,
    /// The written `.deb`.
    pub(crate) written: Written,
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
        .prefix(&format!("{}probe-", crate::files::leftovers::temp_prefix()))
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| Error::io(dir, "cannot write into the output folder", e))
}

fn check_plugin_dir(dir: &Path) -> Result<()> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(Error::plugin(
            dir,
            "not a folder; give the plugin's folder (the one holding wazo/)",
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::plugin(
            dir,
            "no such folder; give the plugin's folder (the one holding wazo/)",
        )),
        Err(e) => Err(Error::plugin(dir, crate::error::describe_io(&e))),
    }
}

/// Checks the folder and loads its manifest (nothing runs before it is valid); returns it
/// with the bytes that were validated.
fn load(plugin_dir: &Path) -> Result<(Manifest, manifest::Validated)> {
    check_plugin_dir(plugin_dir)?;
    manifest::load_with_bytes(plugin_dir)
}

/// Refuses a `wazo/plugin.yml` that is no longer the `validated` bytes after `step`: the
/// package must ship the manifest that was checked. Read without following a final link,
/// without blocking on a FIFO, and no further than one byte past the validated length.
fn check_manifest_unchanged(plugin_dir: &Path, validated: &[u8], step: Step) -> Result<()> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut now = Vec::with_capacity(validated.len() + 1);
    let same = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(plugin_dir.join(manifest::MANIFEST_PATH))
        .and_then(|f| {
            if !f.metadata()?.is_file() {
                return Ok(false);
            }
            f.take(validated.len() as u64 + 1).read_to_end(&mut now)?;
            Ok(now == validated)
        });
    match same {
        Ok(true) => return Ok(()),
        // Gone, or a link now (O_NOFOLLOW): changed. Any other failure is not a change: the
        // step left the checkout unreadable (`chmod 000 .`), and that is what to fix.
        Err(e)
            if e.kind() != std::io::ErrorKind::NotFound
                && e.raw_os_error() != Some(libc::ELOOP) =>
        {
            return Err(Error::plugin(
                manifest::manifest_path(plugin_dir),
                format!(
                    "cannot be read after `rules {}`: {}; a rules step must leave the \
                     checkout readable",
                    step.word(),
                    crate::error::describe_io(&e)
                ),
            ));
        }
        _ => {}
    }
    Err(Error::plugin(manifest::manifest_path(plugin_dir), format!("changed during `rules {}`; a rules step must not edit the manifest (it was validated before the step ran)",
        step.word()
    )))
}

/// Warns when the package is about to be written where the next build of the plugin in
/// `plugin_abs` (canonical; `rules`: its rules file's bytes) ships it (`-o .` run in
/// `wazo/`, `-o dist` beside `cp -R . "$pkgdir"`); with --deny-warnings that stops the
/// build, as lint's warnings do, before anything is written.
fn output_not_shipped(
    plugin_abs: &Path,
    rules: &[u8],
    plan: &BuildPlan,
    report: &Report,
) -> Result<()> {
    let Some(out_abs) = resolved(&plan.output) else {
        return Ok(());
    };
    let Some(why) = crate::lint::debs::output_shipped(plugin_abs, rules, &out_abs) else {
        return Ok(());
    };
    let shown = crate::plugin::paths::shown(&plan.output);
    if plan.deny_warnings {
        return Err(Error::plugin(
            shown,
            format!("{why} (--deny-warnings: nothing was built)"),
        ));
    }
    report.warn(&format!("{}: {why}", shown.display()));
    Ok(())
}

/// `path` made absolute through its nearest existing folder (canonical), with the parts
/// that do not exist yet appended as written; `None` when no part of it can be resolved.
fn resolved(path: &Path) -> Option<std::path::PathBuf> {
    let path = std::path::absolute(path).ok()?;
    let mut missing = Vec::new();
    let mut at = path.as_path();
    loop {
        if let Ok(real) = at.canonicalize() {
            return Some(missing.iter().rev().fold(real, |p, part| p.join(part)));
        }
        missing.push(at.file_name()?);
        at = at.parent()?;
    }
}

/// Builds a plugin whose manifest is already loaded.
fn build_loaded(
    plan: &BuildPlan,
    plugin_dir: &Path,
    manifest: Manifest,
    validated: &manifest::Validated,
    report: &Report,
) -> Result<Built> {
    let (rules_file, rules_bytes) = rules::check_file(plugin_dir)?;
    crate::lint::before_build(
        plugin_dir,
        (manifest.format, &validated.tree),
        plan.deny_warnings,
        report,
    )?;
    let plugin_abs = plugin_dir
        .canonicalize()
        .map_err(|e| Error::io(plugin_dir, "cannot resolve", e))?;
    output_not_shipped(&plugin_abs, &rules_bytes, plan, report)?;
    // A time the headers cannot hold stops the build before anything is created.
    let timestamp = crate::package::options::build_timestamp(plugin_dir, plan.source_date_epoch)?;
    prepare_output(&plan.output)?;
    // What killed builds left behind goes now; a running build's files are never touched.
    crate::files::leftovers::remove_stale_temp_files(&plan.output);
    crate::files::leftovers::remove_stale_staging();

    let sandbox = plan.origin.as_ref().and_then(|o| o.sandbox.as_ref());
    rules::run(
        &rules_file,
        &plugin_abs,
        plugin_dir,
        Step::Build,
        None,
        sandbox,
        report,
    )?;
    check_manifest_unchanged(plugin_dir, &validated.bytes, Step::Build)?;
    let stage = StagingDir::new(&plugin_abs)?;
    if let Some(s) = sandbox {
        stage.give_to(s.id)?;
    }
    rules::run(
        &rules_file,
        &plugin_abs,
        plugin_dir,
        Step::Package,
        Some(stage.path()),
        sandbox,
        report,
    )?;
    stage.check_intact("rules package")?;
    check_manifest_unchanged(plugin_dir, &validated.bytes, Step::Package)?;

    let maintainer = crate::package::control::maintainer(plan.maintainer.as_deref(), &manifest);
    let entries = report.timed("collect the staged files", || -> Result<_> {
        let threads = plan.compression.threads as usize;
        let mut tree = staging::collect(&stage, &plugin_abs, &manifest, &validated.bytes, threads)?;
        extras::add_to(&mut tree, &manifest, &plugin_abs, &maintainer, timestamp)?;
        tree.check_parents()?;
        Ok(tree.into_sorted())
    })?;
    let package = Package {
        manifest: &manifest,
        maintainer: &maintainer,
        entries: &entries,
        compression: plan.compression,
        mtime: timestamp,
        staging: Some(&stage),
    };
    // The bar follows what the compressor has compressed, not what it was handed: a
    // threaded xz holds up to a block per thread before it writes a byte.
    let meter = crate::deb::encoder::Meter::default();
    let progress = report.progress(
        &manifest.package(),
        package.data_tar_ends(),
        package.data_tar_len(),
        Box::new({
            let meter = meter.clone();
            move || meter.get()
        }),
    );
    let written = report.timed("write the package", || {
        package.write(&plan.output, plan.output_name.as_deref(), &meter)
    });
    drop(progress);
    let written = written?;
    drop(stage);
    Ok(Built { manifest, written })
}

/// One plugin's result in a build of several.
#[derive(Debug)]
pub(crate) struct Attempt {
    /// The plugin folder as given.
    pub(crate) dir: PathBuf,
    /// Its manifest, when it could be loaded.
    pub(crate) manifest: Option<Manifest>,
    /// The package, or why there is none.
    pub(crate) result: Result<Built>,
}

impl Attempt {
    /// `namespace/name`, or the folder when the manifest could not be loaded.
    pub(crate) fn label(&self) -> String {
        match &self.manifest {
            Some(m) => format!("{}/{}", m.namespace, m.name),
            None => self.dir.display().to_string(),
        }
    }
}

/// What a build of several plugins did.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Each plugin tried, in build order (plugins whose manifest failed first).
    pub(crate) attempts: Vec<Attempt>,
    /// Plugins not tried because an earlier one failed (without `--keep-going`).
    pub(crate) skipped: Vec<PathBuf>,
}

/// Loads every manifest, orders the plugins (dependencies first) and builds them; stops at
/// the first failure unless the plan says keep going. Each package's path is printed on
/// stdout as it is written (unless the plan asks for JSON).
///
/// Returns an error only when nothing could be tried: the same plugin given twice, a
/// dependency cycle or an interruption. An invalid manifest is a failed attempt.
pub(crate) fn build_all(plan: &BuildPlan, report: &Report) -> Result<Outcome> {
    let created = crate::files::missing_folders(&plan.output);
    let outcome = build_each(plan, report);
    let nothing_written = match &outcome {
        Ok(o) => o.attempts.iter().all(|a| a.result.is_err()),
        Err(_) => true,
    };
    if nothing_written {
        // A failed build leaves no trace: not even the output folder it created.
        for dir in created {
            if std::fs::remove_dir(&dir).is_err() {
                break;
            }
        }
    }
    outcome
}

fn build_each(plan: &BuildPlan, report: &Report) -> Result<Outcome> {
    let mut outcome = Outcome::default();
    let mut loaded: Vec<(PathBuf, Manifest)> = Vec::new();
    let mut validated: Vec<manifest::Validated> = Vec::new();
    for (i, dir) in plan.plugins.iter().enumerate() {
        match load(dir) {
            Ok((m, bytes)) => {
                loaded.push((dir.clone(), m));
                validated.push(bytes);
            }
            Err(e) if matches!(e, Error::Interrupted(_)) => return Err(e),
            Err(e) => {
                // A plugin failure like any other (so `--json` still prints its document):
                // without --keep-going, the plugins not tried are listed as skipped.
                if plan.keep_going {
                    report.error(&e.to_string());
                }
                outcome.attempts.push(Attempt {
                    dir: dir.clone(),
                    manifest: None,
                    result: Err(e),
                });
                if !plan.keep_going {
                    outcome.skipped.extend(loaded.drain(..).map(|(d, _)| d));
                    outcome
                        .skipped
                        .extend(plan.plugins[i + 1..].iter().cloned());
                    return Ok(outcome);
                }
            }
        }
    }
    for (i, (dir, m)) in loaded.iter().enumerate() {
        if let Some((other, _)) = loaded[..i]
            .iter()
            .find(|(_, o)| o.name == m.name && o.namespace == m.namespace)
        {
            return Err(Error::Usage(format!(
                "{} and {} are both the plugin {}/{}; give each plugin once",
                other.display(),
                dir.display(),
                m.namespace,
                m.name
            )));
        }
    }
    let manifests: Vec<&Manifest> = loaded.iter().map(|(_, m)| m).collect();
    let order = order::build_order(&manifests)?;
    let several = plan.plugins.len() > 1;
    let mut slots: Vec<Option<(PathBuf, Manifest)>> = loaded.into_iter().map(Some).collect();
    let mut stopped = false;
    for i in order {
        let Some((dir, manifest)) = slots[i].take() else {
            continue;
        };
        if stopped {
            outcome.skipped.push(dir);
            continue;
        }
        if several {
            report.info(&format!(
                "building {}/{} ({})",
                manifest.namespace,
                manifest.name,
                dir.display()
            ));
        }
        let result = build_loaded(plan, &dir, manifest.clone(), &validated[i], report);
        match &result {
            Ok(b) => {
                report.info(&format!(
                    "built {} ({})",
                    b.written.path.display(),
                    crate::ui::report::human_bytes(b.written.size)
                ));
                if !plan.json {
                    let path = b.written.path.display().to_string();
                    report.stdout(&format!("{}\n", crate::ui::report::one_line(&path)))?;
                }
            }
            Err(e) => {
                stopped = !plan.keep_going || matches!(e, Error::Interrupted(_));
                if !stopped {
                    report.error(&e.to_string());
                }
            }
        }
        outcome.attempts.push(Attempt {
            dir,
            manifest: Some(manifest),
            result,
        });
    }
    Ok(outcome)
}

/// `pluginctl build`: builds every plugin of the plan, prints the JSON document and the
/// per-plugin summary when asked, and returns the first failure (or, with `--keep-going`,
/// an error of the same kind counting the failures).
pub(crate) fn run(plan: &BuildPlan, report: &Report) -> Result<Vec<Built>> {
    // `--ref`: the plugin is the clone, kept (and then removed) around the build.
    let (fetched, from_clone);
    let plan = match &plan.source {
        Some(source) => {
            let checkout = plan
                .plugins
                .first()
                .map_or(Path::new("."), PathBuf::as_path);
            fetched = crate::package::source::fetch(source, checkout, report)?;
            from_clone = BuildPlan {
                plugins: vec![fetched.plugin_dir.clone()],
                origin: Some(fetched.origin.clone()),
                ..plan.clone()
            };
            &from_clone
        }
        None => plan,
    };
    // Named while the clone is still known: a path in it reads `REF:path`.
    run_plan(plan, report).map_err(|e| e.shown_through(&crate::plugin::paths::shown))
}

/// Builds the plugins of `plan` (the clone's, for `--ref`); see [`run`].
fn run_plan(plan: &BuildPlan, report: &Report) -> Result<Vec<Built>> {
    let outcome = build_all(plan, report)?;
    if plan.json {
        report.stdout(&json_document(&outcome, plan.origin.as_ref())?)?;
    }
    let failed: Vec<String> = outcome
        .attempts
        .iter()
        .filter(|a| a.result.is_err())
        .map(Attempt::label)
        .collect();
    if plan.keep_going && plan.plugins.len() > 1 {
        report.info("results:");
        for a in &outcome.attempts {
            match &a.result {
                Ok(b) => report.info(&format!(
                    "  ok      {}  {}",
                    a.label(),
                    b.written.path.display()
                )),
                Err(e) => report.info(&format!("  FAILED  {}  {e}", a.label())),
            }
        }
    }
    let total = outcome.attempts.len() + outcome.skipped.len();
    let mut built = Vec::new();
    let mut first_error = None;
    for a in outcome.attempts {
        match a.result {
            Ok(b) => built.push(b),
            // An interruption wins: its status (128 + signal) tells a supervisor what happened.
            Err(e) if first_error.is_none() || matches!(e, Error::Interrupted(_)) => {
                first_error = Some(e)
            }
            Err(_) => {}
        }
    }
    match first_error {
        None => Ok(built),
        Some(e) if !plan.keep_going || matches!(e, Error::Interrupted(_)) => Err(e),
        Some(e) => Err(Error::Batch {
            failed,
            total,
            first: Box::new(e),
        }),
    }
}

/// The plugin a package came from, in the JSON document.
#[derive(Serialize)]
struct JsonPlugin<'a> {
    dir: String,
    name: &'a str,
    namespace: &'a str,
}

#[derive(Serialize)]
struct JsonPackage<'a> {
    path: String,
    package: String,
    version: &'a str,
    size: u64,
    sha256: String,
    plugin: JsonPlugin<'a>,
    /// `--ref`: the branch or tag built.
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    git_ref: Option<&'a str>,
    /// `--ref`: the commit it named.
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonFailure<'a> {
    dir: String,
    plugin: Option<JsonPlugin<'a>>,
    error: String,
    exit_code: i32,
}

#[derive(Serialize)]
struct JsonDocument<'a> {
    packages: Vec<JsonPackage<'a>>,
    failures: Vec<JsonFailure<'a>>,
    skipped: Vec<String>,
}

/// The `build --json` document (its shape is documented in docs/reference.md).
fn json_document<'a>(
    outcome: &'a Outcome,
    origin: Option<&crate::package::source::Origin>,
) -> Result<String> {
    // With --ref, the clone is gone: the plugin is named by where it was cloned from.
    let dir_of = |a: &Attempt| match origin {
        Some(o) => o.source.clone(),
        None => a.dir.display().to_string(),
    };
    let plugin = |a: &Attempt, m: &'a Manifest| -> JsonPlugin<'a> {
        JsonPlugin {
            dir: dir_of(a),
            name: &m.name,
            namespace: &m.namespace,
        }
    };
    let mut doc = JsonDocument {
        packages: Vec::new(),
        failures: Vec::new(),
        skipped: outcome
            .skipped
            .iter()
            .map(|d| d.display().to_string())
            .collect(),
    };
    for a in &outcome.attempts {
        match &a.result {
            Ok(b) => doc.packages.push(JsonPackage {
                path: b.written.path.display().to_string(),
                package: b.manifest.package(),
                version: &b.manifest.version,
                size: b.written.size,
                sha256: digest::of_file(&b.written.path)?.sha256,
                plugin: plugin(a, &b.manifest),
                git_ref: origin.map(|o| o.git_ref.as_str()),
                commit: origin.map(|o| o.commit.as_str()),
            }),
            Err(e) => doc.failures.push(JsonFailure {
                dir: dir_of(a),
                plugin: a.manifest.as_ref().map(|m| plugin(a, m)),
                error: e.to_string(),
                exit_code: e.exit_code(),
            }),
        }
    }
    let mut text = serde_json::to_string_pretty(&doc)
        .map_err(|e| Error::Io(format!("cannot write JSON: {e}")))?;
    text.push('\n');
    Ok(text)
}
