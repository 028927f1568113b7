//! Writing a market document back without touching what pluginctl does not own.
//!
//! `market --into` edits one item of a document that other tools and people also write. A
//! `serde_json::Value` round trip rewrites their values: a 23-digit integer comes back as
//! `1.2345678901234568e+22`, `1.0` as `1.0` but `1e3` as `1000.0`, `"\u00e9"` as `"é"`. So
//! the document is printed again from the merged value (laid out as pluginctl lays out JSON:
//! two-space indentation, one member a line), and every number, string, boolean or null
//! equal to one at the same place in the file as read (same key, or an equal element of the
//! same list, else the element at the same index) is written as the bytes read, through
//! serde_json's `RawValue`. A document pluginctl wrote comes back byte for byte, apart from
//! the values it changed. Object keys are written as serde_json escapes them.
//!
//! Why not serde_json's `arbitrary_precision`: it keeps numbers only (escaped strings still
//! change), and it changes `Value`'s number type for the whole program (lint and inspect
//! `--json` build and read numbers too).

use serde_json::value::RawValue;
use serde_json::Value as Json;
use std::fmt::Write as _;

/// An object's members as read, in order, each with its raw text.
struct Members(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Members, A::Error> {
                let mut all = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    all.push(entry);
                }
                Ok(Members(all))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// `value` as 2-space indented JSON, with the bytes of `original` (the document as read)
/// wherever a value did not change.
pub(crate) fn pretty(value: &Json, original: &[u8]) -> String {
    let raw = serde_json::from_slice::<Box<RawValue>>(original).ok();
    let mut out = String::new();
    write_value(&mut out, value, raw.as_deref(), 0);
    out
}

/// The value a raw text stands for.
fn parsed(raw: &RawValue) -> Option<Json> {
    serde_json::from_str(raw.get()).ok()
}

fn indent(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write_value(out: &mut String, value: &Json, raw: Option<&RawValue>, depth: usize) {
    let container = matches!(value, Json::Object(m) if !m.is_empty())
        || matches!(value, Json::Array(a) if !a.is_empty());
    if let Some(raw) = raw.filter(|_| !container) {
        if parsed(raw).as_ref() == Some(value) {
            out.push_str(raw.get());
            return;
        }
    }
    match value {
        Json::Object(map) if !map.is_empty() => {
            let members = raw
                .and_then(|r| serde_json::from_str::<Members>(r.get()).ok())
                .map(|m| m.0)
                .unwrap_or_default();
            out.push('{');
            for (i, (key, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, depth + 1);
                // The key as read too, when it is there (its escapes kept).
                let before = members.iter().rev().find(|(k, _)| k == key);
                let _ = write!(out, "{}: ", Json::from(key.as_str()));
                write_value(out, v, before.map(|(_, r)| &**r), depth + 1);
            }
            indent(out, depth);
            out.push('}');
        }
        Json::Array(items) if !items.is_empty() => {
            let before: Vec<(Box<RawValue>, Option<Json>)> = raw
                .and_then(|r| serde_json::from_str::<Vec<Box<RawValue>>>(r.get()).ok())
                .unwrap_or_default()
                .into_iter()
                .map(|r| {
                    let v = parsed(&r);
                    (r, v)
                })
                .collect();
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                indent(out, depth + 1);
                // An element kept as read, else the one at the same place (to keep what
                // did not change inside an element that did).
                let same = before
                    .iter()
                    .find(|(_, b)| b.as_ref() == Some(v))
                    .or_else(|| before.get(i))
                    .map(|(r, _)| &**r);
                write_value(out, v, same, depth + 1);
            }
            indent(out, depth);
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::pretty;
    use serde_json::Value as Json;

    #[test]
    fn unchanged_values_keep_their_bytes_and_changed_ones_are_pretty() {
        let original = "{\"items\": [{\"big\": 12345678901234567890123, \"f\": [1.0, 1e3, -0.0], \"s\": \"caf\\u00e9\"}, {\"name\": \"x\", \"n\": 1E+2, \"e\": {}}], \"t\": true}";
        let mut doc: Json = serde_json::from_str(original).unwrap();
        doc["items"][1]["name"] = "y".into();
        let out = pretty(&doc, original.as_bytes());
        let want = r#"{
  "items": [
    {
      "big": 12345678901234567890123,
      "f": [
        1.0,
        1e3,
        -0.0
      ],
      "s": "caf\u00e9"
    },
    {
      "name": "y",
      "n": 1E+2,
      "e": {}
    }
  ],
  "t": true
}"#;
        assert_eq!(out, want);
        // What it wrote reads back byte for byte.
        assert_eq!(
            pretty(&serde_json::from_str(want).unwrap(), want.as_bytes()),
            want
        );
        // Nothing read: plain pretty printing.
        assert_eq!(
            pretty(&doc, b""),
            serde_json::to_string_pretty(&doc).unwrap()
        );
    }
}
