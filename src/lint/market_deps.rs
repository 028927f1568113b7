//! `lint --market FILE`: each `depends` entry resolved against a market document as the
//! Wazo server resolves it (wazo-plugind's `_MarketDownloader`): the first item with that
//! namespace and name; among its versions, those "upgradable" by `less_than`
//! (LooseVersion) against their `min_wazo_version` and `max_wazo_version`; then the one
//! equal to the entry's `version`, or else the first in list order. A dependency the
//! server would not find is an error naming every version seen and why it was ruled out.

use super::{Findings, Place, Tag, WazoVersion};
use crate::plugin::loose_version::{less_than, PyValue};
use crate::plugin::market_rules;
use crate::plugin::yaml::{Node, Value};
use serde_json::Value as Json;
use std::path::Path;

/// A market document, read once for every checkout linted.
#[derive(Debug, Clone)]
pub(crate) struct Market {
    /// The file, as given.
    shown: String,
    /// Its `items`, all objects.
    items: Vec<serde_json::Map<String, Json>>,
}

impl Market {
    /// Reads `{"items": [...]}`; anything else is one line saying what is wrong.
    pub(crate) fn load(path: &Path) -> Result<Market, String> {
        let shown = path.display().to_string();
        let bytes = crate::plugin::market_rules::read_document(path)
            .map_err(|e| format!("{shown}: cannot read: {}", crate::error::describe_io(&e)))?;
        let malformed = |why: String| {
            format!("{shown}: not a market document ({why}); it must be {{\"items\": [...]}}")
        };
        let doc: Json = serde_json::from_slice(&bytes).map_err(|e| malformed(e.to_string()))?;
        let items = doc
            .as_object()
            .ok_or_else(|| malformed("the top level is not an object".into()))?
            .get("items")
            .ok_or_else(|| malformed("no \"items\"".into()))?
            .as_array()
            .ok_or_else(|| malformed("\"items\" is not a list".into()))?;
        let items = items
            .iter()
            .enumerate()
            .map(|(i, it)| {
                it.as_object()
                    .cloned()
                    .ok_or_else(|| malformed(format!("item {} is not an object", i + 1)))
            })
            .collect::<Result<_, _>>()?;
        Ok(Market { shown, items })
    }
}

/// The value of `key` in a mapping node.
fn node_at<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    let Value::Map(entries) = &node.value else {
        return None;
    };
    entries
        .iter()
        .find(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key))
        .map(|(_, v)| v)
}

/// The text of a scalar value in a mapping node.
fn text_at<'a>(node: &'a Node, key: &str) -> Option<&'a str> {
    node_at(node, key)
        .filter(|v| !v.is_null())
        .and_then(Node::as_scalar)
        .map(|s| s.text.as_str())
}

/// The first comparison of the market that raises on Wazo `wazo`: the server marks every
/// version of every item upgradable or not before it picks a dependency, so one such
/// version stops every market install.
fn listing_error(market: &Market, wazo: Option<&WazoVersion>) -> Option<String> {
    for item in &market.items {
        let Some(Json::Array(versions)) = item.get("versions") else {
            continue;
        };
        for v in versions.iter().filter_map(Json::as_object) {
            if let Err(why) = upgradable(v, wazo) {
                let id = |k: &str| {
                    item.get(k)
                        .and_then(Json::as_str)
                        .unwrap_or("?")
                        .to_string()
                };
                return Some(format!(
                    "{}/{} version {}: {why}",
                    id("namespace"),
                    id("name"),
                    shown_version(v)
                ));
            }
        }
    }
    None
}

/// A market version's `version`, for messages.
fn shown_version(v: &serde_json::Map<String, Json>) -> String {
    match v.get("version") {
        Some(Json::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "(no version)".into(),
    }
}

/// Whether the server marks a market version upgradable on Wazo `wazo`: `Ok(None)` when it
/// is, `Ok(Some(why))` when a bound excludes it, `Err` when the comparison raises.
fn upgradable(
    v: &serde_json::Map<String, Json>,
    wazo: Option<&WazoVersion>,
) -> Result<Option<String>, String> {
    let Some(wazo) = wazo else {
        return Ok(None); // without --wazo-version the bounds are not judged
    };
    let running = PyValue::Str(wazo.server_text());
    let bound = |key: &str| v.get(key).map_or(running.clone(), PyValue::from_json);
    let (min, max) = (bound("min_wazo_version"), bound("max_wazo_version"));
    let raised = |key: &str, value: &PyValue, e: crate::plugin::loose_version::TypeError| {
        format!(
            "comparing Wazo {} with its {key} {:?} fails: {e}, which breaks the server's \
             whole market listing",
            running.text(),
            value.text()
        )
    };
    if less_than(&running, &min).map_err(|e| raised("min_wazo_version", &min, e))? {
        return Ok(Some(format!(
            "its min_wazo_version {:?} is newer than Wazo {}",
            min.text(),
            running.text()
        )));
    }
    if less_than(&max, &running).map_err(|e| raised("max_wazo_version", &max, e))? {
        return Ok(Some(format!(
            "its max_wazo_version {:?} is older than Wazo {}",
            max.text(),
            running.text()
        )));
    }
    Ok(None)
}

/// The plugin's own versions in `market` that set `options.subdirectory` yet let a Wazo
/// older than 25.08, which ignores it, install them.
pub(super) fn check_own_entry(tree: &Node, market: &Market, file: &Place, out: &mut Findings) {
    let (Some(name), Some(ns)) = (text_at(tree, "name"), text_at(tree, "namespace")) else {
        return;
    };
    let Some(item) = market.items.iter().find(|it| {
        it.get("namespace").and_then(Json::as_str) == Some(ns)
            && it.get("name").and_then(Json::as_str) == Some(name)
    }) else {
        return;
    };
    let Some(Json::Array(versions)) = item.get("versions") else {
        return;
    };
    for v in versions.iter().filter_map(Json::as_object) {
        let sub = v
            .get("options")
            .and_then(|o| o.get("subdirectory"))
            .is_some_and(|s| !s.is_null());
        let min = v
            .get("min_wazo_version")
            .map(|m| PyValue::from_json(m).text().to_string());
        if sub && market_rules::allows_before_subdirectory(min.as_deref()) {
            out.add(
                Tag::SubdirectoryBeforeWazo2508,
                file.clone(),
                format!(
                    "version {} of {ns}/{name} in {}: {}",
                    shown_version(v),
                    market.shown,
                    market_rules::subdirectory_advice(min.as_deref())
                ),
            );
        }
    }
}

/// Resolves every `depends` entry of the manifest `tree` against `market`.
pub(super) fn check(
    tree: &Node,
    market: &Market,
    wazo: Option<&WazoVersion>,
    file: &Place,
    out: &mut Findings,
) {
    let Some(Value::Seq(deps)) = node_at(tree, "depends").map(|n| &n.value) else {
        return;
    };
    let broken = listing_error(market, wazo);
    for (i, dep) in deps.iter().enumerate() {
        let (Some(name), Some(ns)) = (text_at(dep, "name"), text_at(dep, "namespace")) else {
            continue;
        };
        let wanted = text_at(dep, "version");
        let what = match wanted {
            Some(v) => format!("depends[{i}] {ns}/{name} version {v}"),
            None => format!("depends[{i}] {ns}/{name}"),
        };
        if let Some(why) = &broken {
            out.add(
                Tag::DependencyUnresolvable,
                file.at(dep.pos),
                format!(
                    "{what}: the server cannot read the market {}: {why}",
                    market.shown
                ),
            );
            continue;
        }
        let Some(item) = market.items.iter().find(|it| {
            it.get("namespace").and_then(Json::as_str) == Some(ns)
                && it.get("name").and_then(Json::as_str) == Some(name)
        }) else {
            out.add(
                Tag::DependencyUnresolvable,
                file.at(dep.pos),
                format!(
                    "{what}: not in the market document {}, so the server cannot install it \
                     (the server installs dependencies from its market only)",
                    market.shown
                ),
            );
            continue;
        };
        let versions: Vec<&Json> = match item.get("versions") {
            Some(Json::Array(vs)) => vs.iter().collect(),
            _ => Vec::new(),
        };
        let mut ruled_out = Vec::new();
        let mut chosen = false;
        for v in &versions {
            let Some(v) = v.as_object() else {
                ruled_out.push(format!("{v}: not an object (the server fails on it)"));
                continue;
            };
            let shown = shown_version(v);
            match upgradable(v, wazo) {
                Err(why) => ruled_out.push(format!("{shown}: {why}")),
                Ok(Some(why)) => ruled_out.push(format!("{shown}: {why}")),
                Ok(None) => match wanted {
                    Some(w) if v.get("version").and_then(Json::as_str) != Some(w) => {
                        ruled_out.push(format!("{shown}: not the version asked for"));
                    }
                    _ => {
                        chosen = true;
                        break;
                    }
                },
            }
        }
        if chosen {
            continue;
        }
        let seen = if ruled_out.is_empty() {
            "it lists no version".to_string()
        } else {
            format!("versions seen: {}", ruled_out.join("; "))
        };
        out.add(
            Tag::DependencyUnresolvable,
            file.at(dep.pos),
            format!(
                "{what}: the server would find no version to install in {} ({seen})",
                market.shown
            ),
        );
    }
}

/// The market findings of the manifest `tree` against the document `file`, rendered as
/// lint prints them, at each Wazo version of `wazos` (`None`: no --wazo-version); or why the
/// document cannot be read. The entry of the `market_document` fuzz target.
#[cfg(any(test, fuzzing))]
pub(crate) fn rendered(
    tree: &Node,
    file: &Path,
    wazos: &[Option<&str>],
) -> Result<Vec<String>, String> {
    let market = Market::load(file)?;
    let place = Place::file("plugin.yml");
    let mut lines = Vec::new();
    for wazo in wazos {
        let wazo = wazo.map(WazoVersion::parse).transpose()?;
        let mut out = Findings::default();
        check(tree, &market, wazo.as_ref(), &place, &mut out);
        check_own_entry(tree, &market, &place, &mut out);
        lines.extend(out.list.iter().map(ToString::to_string));
    }
    Ok(lines)
}
