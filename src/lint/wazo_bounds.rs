//! `min_wazo_version` and `max_wazo_version` as the Wazo server reads and compares them.
//!
//! wazo-plugind turns a YAML number into Python's `str()` of it (`20.10` is read as
//! `"20.1"`), then marshmallow's `Range` compares the bound with the running version **as
//! text**: `"23.5"` sorts after `"23.17"`. An author means numbers compared part by part
//! (`23.5` is 23.05). This module gives the server's verdict, which `--wazo-version` reports
//! as an error, and warns when the two readings disagree on some real Wazo version.

use super::{Findings, Options, Place, Tag, WazoVersion};
use crate::plugin::pyyaml::Reading;
use crate::plugin::yaml::{Node, Style};

/// Which bound of the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    /// `min_wazo_version`: the server installs when it is `<=` the running version.
    Min,
    /// `max_wazo_version`: the server installs when it is `>=` the running version.
    Max,
}

impl Bound {
    /// The plugin.yml key.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Bound::Min => "min_wazo_version",
            Bound::Max => "max_wazo_version",
        }
    }
}

/// What the server compares: the text it holds after its `str()` of numbers, or nothing it
/// can take as text (null, a date: marshmallow's String field refuses them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ServerValue {
    /// The text compared.
    Text(String),
    /// A value the server refuses whatever its version; the words say what it reads.
    Unreadable(String),
}

/// What the server holds for a bound's node: strings as written, Python's `str()` of an
/// int, float or boolean (a Python bool is an int), anything else unreadable.
pub(crate) fn server_value(node: &Node) -> Option<ServerValue> {
    let s = node.as_scalar()?;
    Some(match s.reading() {
        Reading::Str => ServerValue::Text(s.text.clone()),
        r @ (Reading::Int(_) | Reading::Float(_) | Reading::Bool(_)) => {
            ServerValue::Text(r.python_text().unwrap_or_default())
        }
        Reading::Null => ServerValue::Unreadable("null (None)".into()),
        Reading::Timestamp => ServerValue::Unreadable("a date".into()),
        Reading::Invalid => ServerValue::Unreadable("a value it cannot build".into()),
    })
}

/// The server's verdict: does a plugin with this bound install on Wazo `wazo` (the text
/// the server knows itself by, such as `23.10`)? Python compares `str` by code point, as
/// Rust compares `str`.
pub(crate) fn server_accepts(bound: Bound, value: &ServerValue, wazo: &str) -> bool {
    match value {
        ServerValue::Unreadable(_) => false,
        ServerValue::Text(t) => match bound {
            Bound::Min => t.as_str() <= wazo,
            Bound::Max => t.as_str() >= wazo,
        },
    }
}

/// The verdict the bound as written means: versions compared number by number.
fn meant_accepts(bound: Bound, meant: &WazoVersion, wazo: &WazoVersion) -> bool {
    match bound {
        Bound::Min => meant <= wazo,
        Bound::Max => meant >= wazo,
    }
}

/// The Wazo versions the warning looks at: YY.NN from 17.01 to 30.17, as the server
/// writes them.
fn wazo_grid() -> impl Iterator<Item = String> {
    (17..=30).flat_map(|yy| (1..=17).map(move |nn| format!("{yy}.{nn:02}")))
}

/// The grid versions where the server's verdict differs from the meant one, split into
/// (refused though meant to install, installed though meant to be refused).
fn disagreements(
    bound: Bound,
    value: &ServerValue,
    meant: &WazoVersion,
) -> (Vec<String>, Vec<String>) {
    let mut refused = Vec::new();
    let mut allowed = Vec::new();
    for w in wazo_grid() {
        let Ok(wv) = WazoVersion::parse(&w) else {
            continue;
        };
        match (
            server_accepts(bound, value, &w),
            meant_accepts(bound, meant, &wv),
        ) {
            (false, true) => refused.push(w),
            (true, false) => allowed.push(w),
            _ => {}
        }
    }
    (refused, allowed)
}

/// Consecutive grid versions as ranges: `23.10 to 23.17, 24.01`.
fn ranges(list: &[String]) -> String {
    let grid: Vec<String> = wazo_grid().collect();
    let index = |v: &String| grid.iter().position(|g| g == v).unwrap_or(0);
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < list.len() {
        let mut j = i;
        while j + 1 < list.len() && index(&list[j + 1]) == index(&list[j]) + 1 {
            j += 1;
        }
        out.push(if i == j {
            list[i].clone()
        } else {
            format!("{} to {}", list[i], list[j])
        });
        i = j + 1;
    }
    out.join(", ")
}

/// The text that makes the server's verdict the meant one on every grid version: the
/// first two numbers written with two digits each (`23.5` -> `23.05`), when that works.
fn fix(bound: Bound, meant: &WazoVersion) -> Option<String> {
    let parts = meant.parts();
    let mut text = format!("{:02}", parts.first()?);
    if let Some(minor) = parts.get(1) {
        text.push_str(&format!(".{minor:02}"));
    } else {
        text.push_str(".00");
    }
    for p in parts.iter().skip(2) {
        text.push_str(&format!(".{p}"));
    }
    let (r, a) = disagreements(bound, &ServerValue::Text(text.clone()), meant);
    (r.is_empty() && a.is_empty()).then_some(text)
}

/// How the value is shown in messages: as written (quoted when it is), and the text the
/// server makes of an unquoted number.
fn shown(node: &Node, value: &ServerValue) -> String {
    let Some(s) = node.as_scalar() else {
        return String::new();
    };
    let written = if s.style == Style::Plain && s.text.is_empty() {
        "(empty)".to_string()
    } else if s.style == Style::Plain {
        s.text.clone()
    } else {
        format!("{:?}", s.text)
    };
    match value {
        ServerValue::Text(t) if s.reading() != Reading::Str => {
            format!("{written} (read by the server as {t:?})")
        }
        _ => written,
    }
}

/// The meant version as words: `23.5 as written (23.05)`.
fn as_written(meant: &WazoVersion) -> String {
    let server = meant.server_text();
    if server == meant.to_string() {
        format!("{meant} as written")
    } else {
        format!("{meant} as written ({server})")
    }
}

/// The fix for a value the server cannot take as text: an empty key has no value to quote.
fn unreadable_fix(node: &Node) -> &'static str {
    if node.is_null() {
        "give a version, quoted, or remove the key"
    } else {
        "quote the value"
    }
}

/// The meant version of a bound, when the text as written is one.
fn meant_of(node: &Node) -> Option<WazoVersion> {
    let s = node.as_scalar()?;
    WazoVersion::parse(&s.text).ok()
}

/// The advice that ends a message: the text to write, or the form to follow.
fn advice(bound: Bound, meant: Option<&WazoVersion>) -> String {
    match meant.and_then(|m| fix(bound, m)) {
        Some(text) => format!("write {}: \"{text}\"", bound.key()),
        None => {
            "write it as the server writes its own versions, two digits each: \"YY.NN\"".to_string()
        }
    }
}

/// Warns when the server's text comparison gives, on some Wazo from 17.01 to 30.17, another
/// verdict than the bound as written means.
pub(super) fn warn_text_comparison(bound: Bound, node: &Node, file: &Place, out: &mut Findings) {
    let Some(value) = server_value(node) else {
        return;
    };
    let key = bound.key();
    if let ServerValue::Unreadable(what) = &value {
        out.add(
            Tag::WazoVersionComparedAsText,
            file.at(node.pos),
            format!(
                "{key} {}: the server reads {what}, not text, and refuses the plugin on every \
                 Wazo; {}",
                shown(node, &value),
                unreadable_fix(node)
            ),
        );
        return;
    }
    let Some(meant) = meant_of(node) else { return };
    let (refused, allowed) = disagreements(bound, &value, &meant);
    if refused.is_empty() && allowed.is_empty() {
        return;
    }
    let mut effects = Vec::new();
    if !refused.is_empty() {
        effects.push(format!(
            "refuses the plugin on Wazo {}, which {} allows",
            ranges(&refused),
            as_written(&meant)
        ));
    }
    if !allowed.is_empty() {
        effects.push(format!(
            "installs the plugin on Wazo {}, which {} excludes",
            ranges(&allowed),
            as_written(&meant)
        ));
    }
    out.add(
        Tag::WazoVersionComparedAsText,
        file.at(node.pos),
        format!(
            "{key} {}: the Wazo server compares versions as text, so it {}; {}",
            shown(node, &value),
            effects.join(", and "),
            advice(bound, Some(&meant))
        ),
    );
}

/// With `--wazo-version`: an error exactly when the server refuses the plugin there.
pub(super) fn check_on(
    bound: Bound,
    node: &Node,
    wazo: &WazoVersion,
    file: &Place,
    out: &mut Findings,
) {
    let Some(value) = server_value(node) else {
        return;
    };
    let running = wazo.server_text();
    if server_accepts(bound, &value, &running) {
        return;
    }
    let key = bound.key();
    let meant = meant_of(node);
    let meant_refuses = meant
        .as_ref()
        .is_some_and(|m| !meant_accepts(bound, m, wazo));
    let message = match (&value, meant_refuses) {
        (ServerValue::Text(_), true) => {
            let (what, m) = match bound {
                Bound::Min => ("older than", meant.as_ref()),
                Bound::Max => ("newer than", meant.as_ref()),
            };
            let m = m.map(ToString::to_string).unwrap_or_default();
            format!("Wazo {running} is {what} {key} {m}: the plugin cannot install on it")
        }
        (ServerValue::Text(t), false) => {
            let order = match bound {
                Bound::Min => "after",
                Bound::Max => "before",
            };
            let written = match &meant {
                Some(m) => format!(", although {} allows Wazo {running}", as_written(m)),
                None => String::new(),
            };
            format!(
                "Wazo {running} refuses {key} {}: the server compares versions as text, and \
                 {t:?} sorts {order} {running:?}{written}; {}",
                shown(node, &value),
                advice(bound, meant.as_ref())
            )
        }
        (ServerValue::Unreadable(what), _) => format!(
            "Wazo {running} refuses {key} {}: the server reads {what}, not text; {}",
            shown(node, &value),
            unreadable_fix(node)
        ),
    };
    out.add(Tag::WazoVersionUnsupported, file.at(node.pos), message);
}

/// Both bounds of a manifest: the text-comparison warning, and the error on
/// `--wazo-version`.
pub(super) fn check(bounds: &[(Bound, &Node)], opts: &Options, file: &Place, out: &mut Findings) {
    for &(bound, node) in bounds {
        warn_text_comparison(bound, node, file, out);
        if let Some(wazo) = &opts.wazo_version {
            check_on(bound, node, wazo, file, out);
        }
    }
}

#[cfg(test)]
mod tests;
