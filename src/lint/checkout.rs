//! Lint checks on a plugin checkout: the manifest (every problem `build` would stop at, then
//! what `build` accepts but the Wazo daemon or the market would get wrong) and the rules
//! file.
//!
//! Validation itself is [`manifest::from_tree`]'s: this module reports its diagnostics and
//! then reads the same YAML tree for the finer checks, which need the places of keys the
//! typed `Manifest` does not keep.

use super::script::{self, Stage};
use super::wazo_bounds::{self, Bound};
use super::{closest, Findings, Options, Place, Tag, WazoVersion};
use crate::plugin::manifest::{self, KNOWN_KEYS, MANIFEST_PATH};
use crate::plugin::pyyaml;
use crate::plugin::rules::{self, RULES_PATH};
use crate::plugin::yaml::{Node, Pos, Style, Value};
use std::path::Path;

/// Checks a plugin folder.
/// `validated`: the format version and tree of a manifest the caller (build) already read
/// and validated; the file is then not read again.
pub(crate) fn check(
    dir: &Path,
    opts: &Options,
    validated: Option<(u8, &Node)>,
    out: &mut Findings,
) {
    // Unknown when the manifest could not be read: the format-dependent checks then stay
    // silent rather than guess (a guess of 0 made a false rules-postrm-ignored).
    let parsed;
    let (format, tree) = match validated {
        Some((format, tree)) => {
            let shown = manifest::manifest_path(dir);
            check_tree(tree, &Place::file(shown.display().to_string()), opts, out);
            (Some(format), Some(tree))
        }
        None => {
            let format;
            (format, parsed) = check_manifest(dir, opts, out);
            (format, parsed.as_ref())
        }
    };
    // A folder without wazo/ is not a plugin: the missing manifest says it all.
    if dir.join("wazo").exists() {
        check_rules_file(dir, format, out);
        let version = tree.and_then(|t| text_of(t, "version"));
        super::git::check(dir, version, out);
        if let Some((name, why)) = crate::package::extras::license_problem(dir) {
            let shown = crate::plugin::paths::display_join(dir, name);
            out.add(
                Tag::LicenseUnusable,
                Place::file(shown.display().to_string()),
                why,
            );
        }
    }
}

/// Reports the manifest's problems; returns its format version (`None` when the manifest
/// cannot tell it) and its tree, when it could be parsed.
fn check_manifest(dir: &Path, opts: &Options, out: &mut Findings) -> (Option<u8>, Option<Node>) {
    let shown = manifest::manifest_path(dir);
    let file = Place::file(shown.display().to_string());
    let path = dir.join(MANIFEST_PATH);
    if std::fs::symlink_metadata(&path).is_err() {
        out.add(
            Tag::ManifestMissing,
            file,
            "not found; is this a Wazo plugin folder? (it holds wazo/plugin.yml and wazo/rules)",
        );
        return (None, None);
    }
    let bytes = match manifest::read_inside(dir) {
        Ok(bytes) => bytes,
        Err(e) => {
            let text = e.to_string();
            let prefix = format!("{}: ", shown.display());
            out.add(
                Tag::ManifestInvalid,
                file,
                text.strip_prefix(&prefix).unwrap_or(&text),
            );
            return (None, None);
        }
    };
    let tree = match manifest::parse_bytes(&bytes) {
        Ok(tree) => tree,
        Err(d) => {
            out.add(Tag::ManifestInvalid, file.at(d.pos), d.message);
            return (None, None);
        }
    };
    let format = match manifest::from_tree(&tree) {
        Ok(m) => Some(m.format),
        Err(diags) => {
            for d in diags {
                out.add(Tag::ManifestInvalid, file.at(d.pos), d.message);
            }
            format_of(&tree)
        }
    };
    check_tree(&tree, &file, opts, out);
    (format, Some(tree))
}

/// The entries of a mapping node.
fn entries(node: &Node) -> &[(Node, Node)] {
    match &node.value {
        Value::Map(entries) => entries,
        _ => &[],
    }
}

/// The value of `key` in a mapping node.
fn get<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    entries(node)
        .iter()
        .find(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key))
        .map(|(_, v)| v)
}

/// The text of a non-null scalar.
fn text(node: Option<&Node>) -> Option<&str> {
    node.filter(|n| !n.is_null())
        .and_then(Node::as_scalar)
        .map(|s| s.text.as_str())
}

/// The text of the scalar at `key` in a mapping, when it has one.
pub(super) fn text_of<'a>(tree: &'a Node, key: &str) -> Option<&'a str> {
    text(get(tree, key))
}

/// The format version as the package would use it, when the manifest is otherwise invalid:
/// `None` when `plugin_format_version` holds something else than 0, 1 or 2.
pub(super) fn format_of(tree: &Node) -> Option<u8> {
    match get(tree, "plugin_format_version") {
        None => Some(0),
        Some(n) if n.is_null() => Some(0),
        Some(n) => match text(Some(n)) {
            Some("0") => Some(0),
            Some("1") | Some("2") => Some(1),
            _ => None,
        },
    }
}

/// The finer checks on a parsed manifest (valid or not).
fn check_tree(tree: &Node, file: &Place, opts: &Options, out: &mut Findings) {
    for (k, v) in entries(tree) {
        let Some(key) = k.as_scalar() else { continue };
        if matches!(
            key.text.as_str(),
            "version" | "min_wazo_version" | "max_wazo_version"
        ) {
            read_as_number(&key.text, v, file, out);
        }
        if !KNOWN_KEYS.contains(&key.text.as_str()) {
            typo(&key.text, k.pos, KNOWN_KEYS, "", file, out);
        }
    }
    maintainer(tree, file, out);
    let own = (text(get(tree, "name")), text(get(tree, "namespace")));
    dependencies(tree, own, file, out);
    wazo_versions(tree, opts, file, out);
    if let Some(market) = &opts.market {
        super::market_deps::check(tree, market, opts.wazo_version.as_ref(), file, out);
        super::market_deps::check_own_entry(tree, market, file, out);
    }
    homepage_credentials(tree, file, out);
    for (key, tag, why) in [
        (
            "description",
            Tag::MissingDescription,
            "no description: the Wazo market shows it on the plugin's page, and the package's \
             Description is made from it",
        ),
        (
            "display_name",
            Tag::MissingDisplayName,
            "no display_name: the Wazo market lists plugins by it, and it is the package's \
             synopsis",
        ),
    ] {
        if text(get(tree, key)).is_none_or(|t| t.trim().is_empty()) {
            out.add(tag, file.clone(), why);
        }
    }
}

/// Warns when the homepage carries credentials, which build and market remove.
fn homepage_credentials(tree: &Node, file: &Place, out: &mut Findings) {
    let Some(node) = get(tree, "homepage") else {
        return;
    };
    let Some(home) = text(Some(node)) else { return };
    let public = crate::plugin::url::public(home.trim());
    if public.removed {
        out.add(
            Tag::UrlCredentials,
            file.at(node.pos),
            format!(
                "homepage: {} (remove them from plugin.yml)",
                crate::plugin::url::removed_warning("the URL", &public.url)
            ),
        );
    }
}

/// Says how to set the package's Maintainer when `author` cannot be it (see
/// [`crate::package::control::maintainer`]).
fn maintainer(tree: &Node, file: &Place, out: &mut Findings) {
    let node = get(tree, "author");
    let author = text(node);
    if author.is_some_and(crate::package::control::is_maintainer) {
        return;
    }
    let (place, why) = match (node, author) {
        (Some(n), Some(a)) => (
            file.at(n.pos),
            format!("author {a:?} has no e-mail address"),
        ),
        _ => (file.clone(), "no author".to_string()),
    };
    out.add(
        Tag::MaintainerDefault,
        place,
        format!(
            "{why}, so the package's Maintainer is {}; write author: \"Your Name \
             <you@example.org>\" (or give build --maintainer)",
            crate::plugin::wazo::DEFAULT_MAINTAINER
        ),
    );
}

/// Warns when the daemon's YAML 1.1 reader would turn a plain scalar into something else.
fn read_as_number(key: &str, node: &Node, file: &Place, out: &mut Findings) {
    let Some(s) = node.as_scalar() else { return };
    if s.style != Style::Plain || s.tag.is_some() || node.is_null() {
        return;
    }
    let reading = pyyaml::read_plain(&s.text);
    let Some(read) = reading.python_text().filter(|r| *r != s.text) else {
        return;
    };
    let what = match reading {
        pyyaml::Reading::Int(_) | pyyaml::Reading::Float(_) => "the number",
        pyyaml::Reading::Bool(_) => "the boolean",
        _ => "",
    };
    let read = if what.is_empty() {
        read
    } else {
        format!("{what} {read}")
    };
    out.add(
        Tag::VersionReadAsNumber,
        file.at(node.pos),
        format!(
            "{key} {}: the Wazo daemon's YAML 1.1 reader takes it as {read}, not the text {:?}; \
             quote it: {key}: \"{}\"",
            s.text, s.text, s.text
        ),
    );
}

/// Reports an unknown key that is a likely misspelling of one of `known`.
fn typo(key: &str, pos: Pos, known: &[&str], within: &str, file: &Place, out: &mut Findings) {
    if let Some(near) = closest(key, known) {
        out.add(
            Tag::UnknownKeyTypo,
            file.at(pos),
            format!(
                "unknown key {key:?}{within}: did you mean {near:?}? (unknown keys are kept \
                 for the market, so this one is silently ignored)"
            ),
        );
    }
}

/// `depends` and `debian_depends`: typos in items, self-dependencies and duplicates.
fn dependencies(tree: &Node, own: (Option<&str>, Option<&str>), file: &Place, out: &mut Findings) {
    if let Some(Value::Seq(items)) = get(tree, "depends").map(|n| &n.value) {
        let mut seen: Vec<(&str, &str, usize)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            for (k, v) in entries(item) {
                let Some(key) = k.as_scalar() else { continue };
                if key.text == "version" {
                    read_as_number(&format!("depends[{i}].version"), v, file, out);
                } else if !matches!(key.text.as_str(), "name" | "namespace") {
                    typo(
                        &key.text,
                        k.pos,
                        &["name", "namespace", "version"],
                        &format!(" in depends[{i}]"),
                        file,
                        out,
                    );
                }
            }
            let (Some(name), Some(ns)) = (text(get(item, "name")), text(get(item, "namespace")))
            else {
                continue;
            };
            if own == (Some(name), Some(ns)) {
                out.add(
                    Tag::DependsOnItself,
                    file.at(item.pos),
                    format!("depends[{i}] is this plugin itself ({ns}/{name}); remove it"),
                );
            }
            match seen.iter().find(|(n, s, _)| (*n, *s) == (name, ns)) {
                Some((_, _, first)) => out.add(
                    Tag::DuplicateDependency,
                    file.at(item.pos),
                    format!("depends[{i}] repeats depends[{first}] ({ns}/{name}); keep one"),
                ),
                None => seen.push((name, ns, i)),
            }
        }
    }
    if let Some(Value::Seq(items)) = get(tree, "debian_depends").map(|n| &n.value) {
        let own_package = match own {
            (Some(name), Some(ns)) => Some(manifest::package_name(name, ns)),
            _ => None,
        };
        let mut seen: Vec<(String, usize)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Some(rel) = text(Some(item)) else {
                continue;
            };
            let normal = rel.split_whitespace().collect::<Vec<_>>().join(" ");
            let package = normal
                .split(|c: char| c.is_whitespace() || c == '(' || c == ':' || c == '[')
                .next()
                .unwrap_or("");
            if own_package.as_deref() == Some(package) && !normal.contains('|') {
                out.add(
                    Tag::DependsOnItself,
                    file.at(item.pos),
                    format!("debian_depends[{i}] {rel:?} is this plugin's own package; remove it"),
                );
            }
            match seen.iter().find(|(r, _)| *r == normal) {
                Some((_, first)) => out.add(
                    Tag::DuplicateDependency,
                    file.at(item.pos),
                    format!(
                        "debian_depends[{i}] {rel:?} repeats debian_depends[{first}]; keep one"
                    ),
                ),
                None => seen.push((normal, i)),
            }
        }
    }
}

/// `min_wazo_version` and `max_wazo_version`: syntax, order, and how the server compares
/// them ([`wazo_bounds`]).
fn wazo_versions(tree: &Node, opts: &Options, file: &Place, out: &mut Findings) {
    let bound = |key: &str, out: &mut Findings| -> Option<(WazoVersion, Pos)> {
        let node = get(tree, key)?;
        let value = text(Some(node))?;
        match WazoVersion::parse(value) {
            Ok(v) => Some((v, node.pos)),
            Err(why) => {
                out.add(
                    Tag::WazoVersionInvalid,
                    file.at(node.pos),
                    format!("{key}: {why}"),
                );
                None
            }
        }
    };
    let min = bound("min_wazo_version", out);
    let max = bound("max_wazo_version", out);
    if let (Some((min, _)), Some((max, max_pos))) = (&min, &max) {
        if min > max {
            out.add(
                Tag::WazoVersionRangeEmpty,
                file.at(*max_pos),
                format!(
                    "min_wazo_version {min} is greater than max_wazo_version {max}: no Wazo \
                     version can install this plugin"
                ),
            );
        }
    }
    let bounds: Vec<(Bound, &Node)> = [Bound::Min, Bound::Max]
        .into_iter()
        .filter_map(|b| get(tree, b.key()).map(|n| (b, n)))
        .collect();
    wazo_bounds::check(&bounds, opts, file, out);
}

/// The rules file: where it is and what it is (the checks `build` makes, shared), then its
/// text.
fn check_rules_file(dir: &Path, format: Option<u8>, out: &mut Findings) {
    let shown = crate::plugin::paths::display_join(dir, RULES_PATH);
    let place = Place::file(shown.display().to_string());
    let path = match rules::locate(dir) {
        Ok(path) => path,
        Err((unfit, readable)) => {
            let tag = match unfit {
                rules::Unfit::Missing(_) => Tag::RulesMissing,
                rules::Unfit::NotRegular(_) => Tag::RulesNotRegular,
                rules::Unfit::NotExecutable(_) => Tag::RulesNotExecutable,
            };
            out.add(tag, place.clone(), unfit.why());
            match readable {
                Some(path) => path,
                None => return super::debs::check(dir, &[], out),
            }
        }
    };
    let bytes =
        match crate::files::input::read_prefix(&path, crate::plugin::shebang::MAX_RULES_BYTES) {
            Ok(bytes) => bytes,
            Err(e) => {
                out.add(
                    Tag::RulesNotRegular,
                    place,
                    format!("cannot read: {}", crate::error::describe_io(&e)),
                );
                return;
            }
        };
    script::check_rules(&bytes, format, Stage::Checkout, &place, out);
    super::debs::check(dir, &script::package_copies(&bytes), out);
}
