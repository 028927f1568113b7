//! `wazo/plugin.yml` -> a typed, validated [`Manifest`].
//!
//! Once a `Manifest` exists it is valid: later steps never re-check a name. Validation
//! collects every problem (for `lint`), each with its line and column; `build` reports the
//! first. Scalars are taken as written: `version: 1.10` is the version `1.10`.

use crate::deb::version::{self, describe_char};
use crate::plugin::yaml::{Node, Pos, Style, Value};
use std::fmt;
use std::path::Path;

mod read;
pub(crate) use read::{
    load_with_bytes, manifest_path, parse_bytes, read_inside, read_tree, Validated,
};

/// Where the manifest lives inside a plugin checkout.
pub(crate) const MANIFEST_PATH: &str = "wazo/plugin.yml";
/// A manifest larger than this is refused before parsing.
pub(crate) const MAX_MANIFEST_BYTES: u64 = 16 << 20;
/// The keys pluginctl or the Wazo market know; others are kept but may be typos.
pub(crate) const KNOWN_KEYS: &[&str] = &[
    "name",
    "namespace",
    "version",
    "plugin_format_version",
    "depends",
    "debian_depends",
    "description",
    "display_name",
    "author",
    "homepage",
    "tags",
    "icon",
    "min_wazo_version",
    "max_wazo_version",
];

/// One plugin this plugin depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dependency {
    /// Its name.
    pub(crate) name: String,
    /// Its namespace.
    pub(crate) namespace: String,
}

impl Dependency {
    /// The Debian package name of the dependency.
    pub(crate) fn package(&self) -> String {
        package_name(&self.name, &self.namespace)
    }
}

/// A valid plugin manifest.
#[derive(Debug, Clone)]
pub(crate) struct Manifest {
    /// `[a-z0-9-]+`.
    pub(crate) name: String,
    /// `[a-z0-9]+`.
    pub(crate) namespace: String,
    /// A valid Debian version, as written.
    pub(crate) version: String,
    /// 0, 1 or 2.
    pub(crate) format: u8,
    /// Plugins this one depends on.
    pub(crate) depends: Vec<Dependency>,
    /// Valid Debian relations, in order.
    pub(crate) debian_depends: Vec<String>,
    /// `description`, if any.
    pub(crate) description: Option<String>,
    /// `display_name`, if any.
    pub(crate) display_name: Option<String>,
    /// `author`, if any.
    pub(crate) author: Option<String>,
    /// `homepage`, if any.
    pub(crate) homepage: Option<String>,
}

/// The Debian package name of a plugin.
pub(crate) fn package_name(name: &str, namespace: &str) -> String {
    format!("wazo-plugind-{name}-{namespace}")
}

impl Manifest {
    /// `wazo-plugind-<name>-<namespace>`.
    pub(crate) fn package(&self) -> String {
        package_name(&self.name, &self.namespace)
    }

    /// Where the plugin's `wazo/` folder is installed, without leading slash.
    pub(crate) fn plugin_place(&self) -> String {
        format!(
            "usr/lib/wazo-plugind/plugins/{}/{}",
            self.namespace, self.name
        )
    }

    /// True when the `postrm` rules command exists (format 1 and later).
    pub(crate) fn has_postrm(&self) -> bool {
        self.format >= 1
    }
}

/// A problem in a manifest, with its place when it has one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Diagnostic {
    /// Line and column in the file.
    pub(crate) pos: Pos,
    /// What is wrong and how to fix it.
    pub(crate) message: String,
}

impl Diagnostic {
    fn new(pos: Pos, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            pos,
            message: message.into(),
        }
    }

    /// The error this diagnostic stops a command with, in the manifest shown as `file`.
    pub(crate) fn error(&self, file: impl Into<std::path::PathBuf>) -> crate::Error {
        crate::Error::Manifest {
            file: file.into(),
            line: self.pos.line,
            column: self.pos.col,
            message: self.message.clone(),
        }
    }

    /// The one-line form `file:line:col: message`.
    pub(crate) fn render(&self, file: &Path) -> String {
        format!("{}:{}: {}", file.display(), self.pos, self.message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pos, self.message)
    }
}

/// Validates a parsed manifest, collecting every problem.
pub(crate) fn from_tree(tree: &Node) -> Result<Manifest, Vec<Diagnostic>> {
    let Value::Map(entries) = &tree.value else {
        return Err(vec![Diagnostic::new(
            tree.pos,
            "the file must be a YAML mapping",
        )]);
    };
    let mut diags = Vec::new();
    let get = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key))
            .map(|(_, v)| v)
    };
    let present = |key: &str| get(key).filter(|v| !v.is_null());

    let required = |key: &str,
                    rule: &str,
                    check: fn(&str) -> Result<(), String>,
                    diags: &mut Vec<Diagnostic>| {
        match get(key) {
            None => {
                diags.push(Diagnostic::new(
                    tree.pos,
                    format!("missing required key \"{key}\" ({rule})"),
                ));
                None
            }
            Some(node) => identifier(key, node, check, diags),
        }
    };
    let name = required(
        "name",
        "the plugin's name: a-z, 0-9 and -",
        check_name,
        &mut diags,
    );
    let namespace = required("namespace", "a-z and 0-9", check_namespace, &mut diags);

    let version = match get("version") {
        None => {
            diags.push(Diagnostic::new(
                tree.pos,
                "missing required key \"version\" (a Debian version such as 1.0.0)",
            ));
            None
        }
        Some(node) => match scalar_text("version", node, &mut diags) {
            Some(text) => match version::check_version(text) {
                Ok(()) => Some(text.to_string()),
                Err(why) => {
                    diags.push(Diagnostic::new(
                        node.pos,
                        format!("version {}: {why}", quote(text)),
                    ));
                    None
                }
            },
            None => None,
        },
    };

    let format = match present("plugin_format_version") {
        None => 0,
        Some(node) => {
            match node.as_scalar() {
                Some(s)
                    if s.style == Style::Plain && matches!(s.text.as_str(), "0" | "1" | "2") =>
                {
                    s.text.parse().unwrap_or(0)
                }
                Some(s) if s.style == Style::Plain && s.text.parse::<i64>().is_ok() => {
                    diags.push(Diagnostic::new(
                        node.pos,
                        format!("plugin_format_version {}: must be 0, 1 or 2", s.text),
                    ));
                    0
                }
                _ => {
                    diags.push(Diagnostic::new(node.pos, format!("plugin_format_version: must be an unquoted integer (0, 1 or 2), not {}", describe_node(node))));
                    0
                }
            }
        }
    };

    let depends = match present("depends") {
        None => Vec::new(),
        Some(node) => dependencies(node, &mut diags),
    };
    let debian_depends = match present("debian_depends") {
        None => Vec::new(),
        Some(node) => debian_dependencies(node, &mut diags),
    };

    let mut optional_text = |key: &str, multiline: bool| {
        let node = present(key)?;
        let text = scalar_text(key, node, &mut diags)?;
        match check_field_text(text, multiline) {
            Ok(()) => Some(text.to_string()),
            Err(why) => {
                diags.push(Diagnostic::new(node.pos, format!("{key}: {why}")));
                None
            }
        }
    };
    let description = optional_text("description", true);
    let display_name = optional_text("display_name", false);
    let author = optional_text("author", false);
    let homepage = optional_text("homepage", false);

    match (name, namespace, version) {
        (Some(name), Some(namespace), Some(version)) if diags.is_empty() => Ok(Manifest {
            name,
            namespace,
            version,
            format,
            depends,
            debian_depends,
            description,
            display_name,
            author,
            homepage,
        }),
        _ => {
            diags.sort_by_key(|d| (d.pos.line, d.pos.col));
            Err(diags)
        }
    }
}

fn quote(text: &str) -> String {
    format!("{text:?}")
}

fn describe_node(node: &Node) -> String {
    match node.as_scalar() {
        Some(s) if s.style != Style::Plain => format!("the string {}", quote(&s.text)),
        Some(s) => s.text.clone(),
        None => node.kind_name().to_string(),
    }
}

/// The text of a scalar value, or a diagnostic saying it must be a string.
fn scalar_text<'a>(key: &str, node: &'a Node, diags: &mut Vec<Diagnostic>) -> Option<&'a str> {
    match &node.value {
        Value::Scalar(s) if !node.is_null() => Some(&s.text),
        _ => {
            diags.push(Diagnostic::new(
                node.pos,
                format!("{key}: must be a string, not {}", node.kind_name()),
            ));
            None
        }
    }
}

/// A name or namespace: a string whose YAML 1.1 reading is the same text.
fn identifier(
    key: &str,
    node: &Node,
    check: fn(&str) -> Result<(), String>,
    diags: &mut Vec<Diagnostic>,
) -> Option<String> {
    let text = scalar_text(key, node, diags)?;
    if let Err(why) = check(text) {
        diags.push(Diagnostic::new(
            node.pos,
            format!("{key} {}: {why}", quote(text)),
        ));
        return None;
    }
    let scalar = node.as_scalar()?;
    if let Some(read) = scalar.reading().python_text() {
        diags.push(Diagnostic::new(
            node.pos,
            format!("{key} {}: the Wazo daemon's YAML reader takes it as {read}; quote it: {key}: \"{text}\"", quote(text)),
        ));
        return None;
    }
    Some(text.to_string())
}

/// Text that goes into a control field: no control characters, and no line break unless
/// the field has continuation lines (surrounding white space is trimmed when written).
pub(crate) fn check_field_text(text: &str, multiline: bool) -> Result<(), String> {
    let text = text.trim();
    match text
        .chars()
        .find(|&c| c.is_control() && !(multiline && c == '\n'))
    {
        Some(c) => Err(format!(
            "{} is not allowed; it would break the package's control file",
            describe_char(c)
        )),
        None => Ok(()),
    }
}

/// `[a-z0-9-]+`.
pub(crate) fn check_name(text: &str) -> Result<(), String> {
    check_chars(
        text,
        |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
        "only a-z, 0-9 and - are allowed",
    )
}

/// `[a-z0-9]+`: no dash, so the package name splits back unambiguously.
pub(crate) fn check_namespace(text: &str) -> Result<(), String> {
    check_chars(
        text,
        |c| c.is_ascii_lowercase() || c.is_ascii_digit(),
        "only a-z and 0-9 are allowed (no dash)",
    )
}

fn check_chars(text: &str, ok: fn(char) -> bool, rule: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err("is empty".into());
    }
    match text.chars().find(|&c| !ok(c)) {
        Some(c) if c.is_control() || c == ' ' => {
            Err(format!("{} is not allowed; {rule}", describe_char(c)))
        }
        Some(_) => Err(rule.to_string()),
        None => Ok(()),
    }
}

fn dependencies(node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<Dependency> {
    let Value::Seq(items) = &node.value else {
        diags.push(Diagnostic::new(
            node.pos,
            format!(
                "depends: must be a list of {{name, namespace}} mappings, not {}",
                node.kind_name()
            ),
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Map(entries) = &item.value else {
            diags.push(Diagnostic::new(
                item.pos,
                format!(
                    "depends[{i}]: must be a mapping with name and namespace, not {}",
                    describe_node(item)
                ),
            ));
            continue;
        };
        let field = |key: &str| {
            entries
                .iter()
                .find(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key))
                .map(|(_, v)| v)
        };
        let part = |key: &str,
                    check: fn(&str) -> Result<(), String>,
                    diags: &mut Vec<Diagnostic>| match field(key) {
            None => {
                diags.push(Diagnostic::new(
                    item.pos,
                    format!("depends[{i}]: missing \"{key}\""),
                ));
                None
            }
            Some(v) => identifier(&format!("depends[{i}].{key}"), v, check, diags),
        };
        let name = part("name", check_name, diags);
        let namespace = part("namespace", check_namespace, diags);
        if let Some(v) = field("version").filter(|v| !v.is_null()) {
            scalar_text(&format!("depends[{i}].version"), v, diags);
        }
        if let (Some(name), Some(namespace)) = (name, namespace) {
            out.push(Dependency { name, namespace });
        }
    }
    out
}

fn debian_dependencies(node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<String> {
    let items = match &node.value {
        Value::Seq(items) => items,
        Value::Scalar(s) => {
            diags.push(Diagnostic::new(
                node.pos,
                format!("debian_depends: must be a list, not the single string {}; write each package as a \"- name\" line", quote(&s.text)),
            ));
            return Vec::new();
        }
        Value::Map(_) => {
            diags.push(Diagnostic::new(
                node.pos,
                "debian_depends: must be a list of Debian relations, not a mapping",
            ));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let key = format!("debian_depends[{i}]");
        let Some(text) = scalar_text(&key, item, diags) else {
            continue;
        };
        match version::check_relation(text) {
            Ok(()) => out.push(text.trim().to_string()),
            Err(why) => {
                // Show the value once: the relation checker may name it already.
                let q = quote(text);
                let why = why.strip_prefix(&format!("{q}: ")).unwrap_or(&why);
                let message = if why.contains(&q) {
                    format!("{key}: {why}")
                } else {
                    format!("{key} {q}: {why}")
                };
                diags.push(Diagnostic::new(item.pos, message))
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
