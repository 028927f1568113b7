//! `pluginctl market DIR`: the plugin's entry for a Wazo plugin market, from its
//! `wazo/plugin.yml`, printed or merged into a market document (`{"items": [...]}`).
//!
//! Writing this JSON by hand is where markets go wrong: a version listed twice, versions out
//! of order, `min_wazo_version` put beside the versions where the daemon never reads it. The
//! entry is made from the same manifest reader `build` uses, scalars as written.

use crate::plugin::git;
use crate::plugin::manifest::{self, Manifest};
use crate::plugin::market_rules;
use crate::plugin::yaml::{Node, Value};
use crate::ui::report::Report;
use crate::{Error, Result};
use serde_json::{Map, Value as Json};
use std::path::Path;

/// What `market` was asked for.
pub(crate) struct Request<'a> {
    /// The plugin folder.
    pub(crate) dir: &'a Path,
    /// The git URL the daemon clones; default: the origin remote.
    pub(crate) url: Option<&'a str>,
    /// The git ref to check out; default: the tag at HEAD, else the version.
    pub(crate) git_ref: Option<&'a str>,
    /// A market document to update instead of printing.
    pub(crate) into: Option<&'a Path>,
    /// `options.subdirectory`: the plugin's folder inside the repository.
    pub(crate) subdirectory: Option<&'a str>,
}

/// The item fields taken from plugin.yml, in the order they are written. Fields of an
/// existing item that are not among these (the market's own) are kept as they are.
const ITEM_FIELDS: [&str; 12] = [
    "name",
    "namespace",
    "display_name",
    "author",
    "homepage",
    "icon",
    "color",
    "tags",
    "description",
    "short_description",
    "screenshots",
    "license",
];

/// Runs `market`.
pub(crate) fn run(req: &Request, report: &Report) -> Result<()> {
    let (shown, tree) = manifest::read_tree(req.dir)?;
    let manifest = manifest::from_tree(&tree).map_err(|d| d[0].error(&shown))?;
    let extra = |key: &str| -> Result<Option<Json>> {
        extra_field(&tree, key).map_err(|(pos, why)| {
            Error::plugin(
                format!("{}:{pos}", shown.display()),
                format!("{key}: {why}"),
            )
        })
    };
    let mut item = Map::new();
    item.insert("name".into(), manifest.name.clone().into());
    item.insert("namespace".into(), manifest.namespace.clone().into());
    let texts = [
        ("display_name", &manifest.display_name),
        ("author", &manifest.author),
        ("homepage", &manifest.homepage),
    ];
    for (key, value) in texts {
        if let Some(v) = value {
            let v = match key {
                "homepage" => {
                    shown_url(&format!("{}: homepage", shown.display()), v.trim(), report)
                }
                _ => v.trim().to_string(),
            };
            item.insert(key.into(), v.into());
        }
    }
    for key in ["icon", "color", "tags"] {
        if let Some(v) = extra(key)? {
            item.insert(key.into(), v);
        }
    }
    if let Some(d) = &manifest.description {
        item.insert("description".into(), d.trim().into());
    }
    for key in ["short_description", "screenshots", "license"] {
        if let Some(v) = extra(key)? {
            item.insert(key.into(), v);
        }
    }

    let url = match req.url {
        Some(u) => shown_url("--url", u, report),
        None => origin_url(req.dir, report)?,
    };
    let git_ref = match req.git_ref {
        Some(r) => r.to_string(),
        None => tag_at_head(req.dir, &manifest.version).unwrap_or_else(|| manifest.version.clone()),
    };
    if let Some(why) = unknown_ref(req.dir, &git_ref)? {
        report.warn(&why);
    }
    let mut version = Map::new();
    version.insert("version".into(), manifest.version.clone().into());
    version.insert("method".into(), "git".into());
    let mut options = Map::new();
    options.insert("url".into(), url.into());
    options.insert("ref".into(), git_ref.into());
    if let Some(dir) = req.subdirectory {
        options.insert("subdirectory".into(), subdirectory(dir)?.into());
        let min = extra_field(&tree, "min_wazo_version")
            .ok()
            .flatten()
            .and_then(|v| v.as_str().map(str::to_string));
        if market_rules::allows_before_subdirectory(min.as_deref()) {
            report.info(&format!(
                "warning: {}: {}",
                shown.display(),
                market_rules::subdirectory_advice(min.as_deref())
            ));
        }
    }
    version.insert("options".into(), options.into());
    for key in ["min_wazo_version", "max_wazo_version"] {
        if let Some(v) = extra(key)? {
            version.insert(key.into(), v);
        }
    }
    item.insert("versions".into(), Json::Array(vec![version.into()]));

    match req.into {
        None => report.stdout(&(pretty(&Json::Object(item)) + "\n")),
        Some(file) => merge_into(file, item, &manifest, report),
    }
}

/// A market key of plugin.yml that `Manifest` does not type: a scalar as written, or for
/// `tags` and `screenshots` a list of them. Absent or null: `None`.
fn extra_field(tree: &Node, key: &str) -> Result<Option<Json>, (crate::plugin::yaml::Pos, String)> {
    let Value::Map(entries) = &tree.value else {
        return Ok(None);
    };
    let Some((_, node)) = entries
        .iter()
        .find(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key))
    else {
        return Ok(None);
    };
    if node.is_null() {
        return Ok(None);
    }
    let text = |n: &Node| -> Result<Json, (crate::plugin::yaml::Pos, String)> {
        match n.as_scalar() {
            Some(s) if !n.is_null() => Ok(s.text.trim().into()),
            _ => Err((n.pos, format!("must be a string, not {}", n.kind_name()))),
        }
    };
    match (&node.value, key) {
        (Value::Seq(items), "tags" | "screenshots") => Ok(Some(Json::Array(
            items.iter().map(text).collect::<Result<_, _>>()?,
        ))),
        (_, "tags" | "screenshots") => Err((
            node.pos,
            format!("must be a list of strings, not {}", node.kind_name()),
        )),
        _ => text(node).map(Some),
    }
}

/// The URL of the `origin` remote of the work tree holding `dir`, without credentials.
fn origin_url(dir: &Path, report: &Report) -> Result<String> {
    git::program("market takes the URL from the git remote \"origin\" unless --url gives it")?;
    let url = git::run(Some(dir), &["remote", "get-url", "origin"])?
        .map_err(|why| {
            Error::Usage(format!(
                "{}: no git remote \"origin\" to take the URL from (git: {why}); give it with --url",
                dir.display()
            ))
        })?
        .trim()
        .to_string();
    if url.is_empty() {
        return Err(Error::Usage(format!(
            "{}: the git remote \"origin\" has an empty URL; give it with --url",
            dir.display()
        )));
    }
    Ok(shown_url("the origin URL", &url, report))
}

/// `url` without credentials ([`crate::plugin::url`]), with a warning naming `what` when
/// some were removed.
fn shown_url(what: &str, url: &str, report: &Report) -> String {
    let public = crate::plugin::url::public(url);
    if public.removed {
        report.warn(&crate::plugin::url::removed_warning(what, &public.url));
    }
    public.url
}

/// Why `git_ref` will not check out on a Wazo server, when the repository of `dir` has no
/// tag or branch of that name (None when it has, when `dir` is not in a git work tree, or
/// without git).
fn unknown_ref(dir: &Path, git_ref: &str) -> Result<Option<String>> {
    if git::ask(dir, &["rev-parse", "--is-inside-work-tree"])?.is_none() {
        return Ok(None);
    }
    for kind in ["refs/tags/", "refs/heads/", "refs/remotes/origin/"] {
        let name = format!("{kind}{git_ref}");
        if git::ask(dir, &["rev-parse", "--verify", "--quiet", &name])?.is_some() {
            return Ok(None);
        }
    }
    Ok(Some(format!(
        "ref {git_ref:?} is not a tag or branch of {}'s repository: a Wazo server cannot check \
         it out; tag the release (git tag {git_ref} && git push origin {git_ref}) or give --ref",
        dir.display()
    )))
}

/// The tag pointing at HEAD: `VERSION` or `vVERSION` when one of them does, else the first
/// by name. None outside a git work tree or when no tag points at HEAD.
fn tag_at_head(dir: &Path, version: &str) -> Option<String> {
    let all = git::tags_at_head(dir);
    let mut tags: Vec<&str> = all
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect();
    tags.sort_unstable();
    let preferred = [version.to_string(), format!("v{version}")];
    tags.iter()
        .find(|t| preferred.iter().any(|p| p == *t))
        .or(tags.first())
        .map(|t| t.to_string())
}

/// JSON with 2-space indentation, keys in the order they were read or made.
fn pretty(value: &Json) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// A `versions` entry's version string.
fn version_of(v: &Json) -> Option<&str> {
    v.get("version").and_then(Json::as_str)
}

/// Adds or updates the plugin's item in the market document `file` (created when missing).
fn merge_into(
    file: &Path,
    item: Map<String, Json>,
    manifest: &Manifest,
    report: &Report,
) -> Result<()> {
    let malformed = |why: &str| {
        Error::Usage(format!(
            "{}: not a market document ({why}); it must be {{\"items\": [...]}}; it was left unchanged",
            file.display()
        ))
    };
    let original = match crate::plugin::market_rules::read_document(file) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(file, "cannot read", e)),
    };
    let mut doc = match &original {
        Some(bytes) => {
            serde_json::from_slice::<Json>(bytes).map_err(|e| malformed(&e.to_string()))?
        }
        None => serde_json::json!({ "items": [] }),
    };
    let items = doc
        .as_object_mut()
        .ok_or_else(|| malformed("the top level is not an object"))?
        .get_mut("items")
        .ok_or_else(|| malformed("no \"items\""))?
        .as_array_mut()
        .ok_or_else(|| malformed("\"items\" is not a list"))?;
    for (i, it) in items.iter().enumerate() {
        let Some(obj) = it.as_object() else {
            return Err(malformed(&format!("item {} is not an object", i + 1)));
        };
        if let Some(vs) = obj.get("versions") {
            let ok = vs
                .as_array()
                .is_some_and(|vs| vs.iter().all(|v| version_of(v).is_some()));
            if !ok {
                return Err(malformed(&format!(
                    "item {}: \"versions\" is not a list of objects with a \"version\"",
                    i + 1
                )));
            }
        }
    }
    let ours = |it: &Json| {
        it.get("namespace").and_then(Json::as_str) == Some(manifest.namespace.as_str())
            && it.get("name").and_then(Json::as_str) == Some(manifest.name.as_str())
    };
    let new_version = item["versions"][0].clone();
    let what = match items.iter_mut().find(|it| ours(it)) {
        None => {
            items.push(Json::Object(item));
            "added the plugin"
        }
        Some(existing) => {
            let obj = existing.as_object_mut().expect("checked above");
            let mut versions = match obj.remove("versions") {
                Some(Json::Array(vs)) => vs,
                _ => Vec::new(),
            };
            refuse_unorderable(file, &versions, manifest)?;
            let same = |v: &Json| {
                version_of(v).is_some_and(|s| {
                    crate::deb::version::compare(s, &manifest.version) == std::cmp::Ordering::Equal
                })
            };
            let replaced = versions.iter().any(same);
            versions.retain(|v| !same(v));
            // The item's fields follow the newest version's plugin.yml: publishing a fix of
            // an old branch must not bring back an old description.
            let newest = versions.iter().filter_map(version_of).all(|v| {
                crate::deb::version::compare(v, &manifest.version) != std::cmp::Ordering::Greater
            });
            versions.push(new_version);
            // Stable: entries whose versions compare equal keep their order.
            versions.sort_by(|a, b| {
                crate::deb::version::compare(
                    version_of(b).unwrap_or(""),
                    version_of(a).unwrap_or(""),
                )
            });
            if newest {
                update_fields(obj, item);
            }
            obj.insert("versions".into(), Json::Array(versions));
            if replaced {
                "replaced the version"
            } else {
                "added the version"
            }
        }
    };
    // Values pluginctl does not own keep their bytes.
    let text = super::market_keep::pretty(&doc, original.as_deref().unwrap_or_default());
    crate::files::atomic::write(file, (text + "\n").as_bytes())?;
    report.info(&format!(
        "{}: {what} {} of {}/{}",
        file.display(),
        manifest.version,
        manifest.namespace,
        manifest.name
    ));
    Ok(())
}

/// Refuses a version LooseVersion cannot order against one already listed for the plugin:
/// the server compares them, and its TypeError breaks the whole market listing.
fn refuse_unorderable(file: &Path, versions: &[Json], manifest: &Manifest) -> Result<()> {
    let listed: Vec<&str> = versions.iter().filter_map(version_of).collect();
    match market_rules::unorderable(&manifest.version, &listed) {
        None => Ok(()),
        Some((old, why)) => Err(Error::Usage(format!(
            "{}: version {} of {}/{} cannot be ordered against version {old} already listed: \
             {why}, and the Wazo server's market listing fails on such a pair; choose a \
             version LooseVersion can order (numbers and dots: 1.0.2); the file was left \
             unchanged",
            file.display(),
            manifest.version,
            manifest.namespace,
            manifest.name
        ))),
    }
}

/// `--subdirectory`: a relative path inside the repository, as the server joins it to its
/// clone (no `..`, not absolute, not empty); written without `./` and trailing slashes.
fn subdirectory(dir: &str) -> Result<String> {
    let parts: Vec<&str> = dir
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if dir.starts_with('/') || parts.is_empty() || parts.contains(&"..") {
        return Err(Error::Usage(format!(
            "--subdirectory {dir:?}: give the plugin's folder relative to the repository's top, \
             inside it (such as plugins/hello)"
        )));
    }
    Ok(parts.join("/"))
}

/// Sets the item fields plugin.yml owns (removing those it no longer has), in place so
/// that the document's key order is kept.
fn update_fields(obj: &mut Map<String, Json>, mut item: Map<String, Json>) {
    for key in ITEM_FIELDS {
        match item.remove(key) {
            Some(v) => {
                obj.insert(key.into(), v);
            }
            None => {
                obj.shift_remove(key);
            }
        }
    }
}
