//! YAML text -> a small tree of located nodes, with the text of every scalar as written.
//!
//! We do not let a generic deserializer type the values: a plugin's `version: 1.10` must stay
//! `1.10`, every error must carry a line and column, duplicate keys must be refused, and a
//! few hundred bytes of aliases must not expand into millions of nodes.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;
use std::fmt;

/// Largest number of nodes a document may have once aliases are expanded.
pub(crate) const MAX_NODES: usize = 100_000;

/// Most bytes that aliases may add to a document, in all: a 1 MiB anchored scalar used 500
/// times would otherwise take 500 MiB, and no real plugin.yml repeats more than a few KiB.
pub(crate) const MAX_ALIAS_BYTES: usize = 4 << 20;

/// The core-schema tags PyYAML's `safe_load` builds, as written with `!!`; anything else
/// (`!!python/...`, `!!binary`, a local `!tag`) is refused.
const SCALAR_TAGS: [&str; 5] = ["!!str", "!!int", "!!float", "!!bool", "!!null"];

/// A 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    /// Line number, from 1.
    pub(crate) line: usize,
    /// Column number, from 1.
    pub(crate) col: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// Unquoted: YAML 1.1 readers type it (number, boolean, null).
    Plain,
    /// Single or double quoted: always a string.
    Quoted,
    /// A `|` or `>` block: always a string.
    Block,
}

/// A scalar with its text as written (after YAML unescaping and folding).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scalar {
    /// The scalar's text.
    pub(crate) text: String,
    /// Its style.
    pub(crate) style: Style,
    /// An explicit tag, if any: `!` (non-specific: a string) or one of YAML's core scalar
    /// tags, written `!!str`, `!!int`, `!!float`, `!!bool`, `!!null` (others are refused).
    pub(crate) tag: Option<String>,
}

impl Scalar {
    /// What PyYAML, the daemon's reader, makes of this scalar.
    pub(crate) fn reading(&self) -> crate::plugin::pyyaml::Reading {
        crate::plugin::pyyaml::read_scalar(
            &self.text,
            self.tag.as_deref(),
            self.style == Style::Plain,
        )
    }
}

/// A node's value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// A scalar.
    Scalar(Scalar),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order; keys are unique scalars.
    Map(Vec<(Node, Node)>),
}

/// A value and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// The value.
    pub(crate) value: Value,
    /// Where it starts.
    pub(crate) pos: Pos,
    size: usize,
    /// Bytes of scalar text it holds, plus one per node: what a copy of it costs.
    bytes: usize,
}

impl Node {
    /// The scalar, if this node is one.
    pub(crate) fn as_scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// True for an empty plain scalar or one YAML reads as null (`~`, `null`).
    pub(crate) fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s) if s.style == Style::Plain && s.tag.is_none()
            && matches!(s.text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// A word for the kind of value, for messages: `a list`, `a mapping`, `a string`.
    pub(crate) fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
            Value::Scalar(_) if self.is_null() => "empty",
            Value::Scalar(_) => "a scalar",
        }
    }
}

/// A YAML syntax error or a refused construct, with its place.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct YamlError {
    /// Where it happened.
    pub(crate) pos: Pos,
    /// What is wrong, lower case, no trailing period.
    pub(crate) message: String,
}

fn pos_of(span: &Span) -> Pos {
    Pos {
        line: span.start.line(),
        col: span.start.col() + 1,
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
        size: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        seen: HashMap<String, Pos>,
        /// The values of `<<` keys, in order.
        merges: Vec<Node>,
        pos: Pos,
        anchor: usize,
        size: usize,
    },
}

/// How a tag is written in the file: `!!int`, `!local`, `tag:example.com,2000:x`.
fn tag_text(tag: &saphyr_parser::Tag) -> String {
    if tag.handle == "tag:yaml.org,2002:" {
        format!("!!{}", tag.suffix)
    } else if tag.handle.is_empty() && tag.suffix == "!" {
        "!".to_string()
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

/// Refuses a tag that `safe_load` would not build into a plain value of this kind.
fn check_tag(tag: Option<&str>, allowed: &[&str], pos: Pos) -> Result<(), YamlError> {
    match tag {
        None | Some("!") => Ok(()),
        Some(t) if allowed.contains(&t) => Ok(()),
        Some(t) => Err(YamlError {
            pos,
            message: format!(
                "the tag {t} is not allowed; the Wazo daemon reads plugin.yml with PyYAML's safe_load, \
                 which only builds YAML's core types (remove the tag)"
            ),
        }),
    }
}

/// Parses one YAML document. `Ok(None)` when the text holds no document at all.
pub(crate) fn parse(text: &str) -> Result<Option<Node>, YamlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut root: Option<Node> = None;
    let mut total = 0usize;
    let mut alias_bytes = 0usize;
    let mut documents = 0;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            let pos = Pos {
                line: e.marker().line(),
                col: e.marker().col() + 1,
            };
            explain_tab(text, pos, e.info()).unwrap_or_else(|| YamlError {
                pos,
                message: e.info().to_string(),
            })
        })?;
        let pos = pos_of(&span);
        let node = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(YamlError {
                        pos,
                        message: "a second YAML document; the file must hold exactly one".into(),
                    });
                }
                continue;
            }
            Event::Scalar(value, style, anchor, tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
                    _ => Style::Block,
                };
                let tag = tag.map(|t| tag_text(&t));
                check_tag(tag.as_deref(), &SCALAR_TAGS, pos)?;
                let text = value.into_owned();
                if let Some(t) = tag.as_deref().and_then(|t| t.strip_prefix("!!")) {
                    if crate::plugin::pyyaml::read_tagged(t, &text).is_none() {
                        return Err(YamlError {
                            pos,
                            message: format!(
                                "!!{t} {text:?}: PyYAML cannot read this text as {}; fix the value or remove the tag",
                                match t {
                                    "int" => "an integer",
                                    "float" => "a float",
                                    "bool" => "a boolean",
                                    _ => "null",
                                }
                            ),
                        });
                    }
                }
                let bytes = text.len() + 1;
                let node = Node {
                    value: Value::Scalar(Scalar { text, style, tag }),
                    pos,
                    size: 1,
                    bytes,
                };
                total += 1;
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::Alias(id) => {
                let Some(target) = anchors.get(&id) else {
                    return Err(YamlError {
                        pos,
                        message: "alias to an unknown anchor".into(),
                    });
                };
                if total + target.size > MAX_NODES {
                    return Err(too_big(pos));
                }
                alias_bytes += target.bytes;
                if alias_bytes > MAX_ALIAS_BYTES {
                    return Err(YamlError {
                        pos,
                        message: format!(
                            "aliases expand the document by more than {} MiB; refusing it (repeat less through * aliases)",
                            MAX_ALIAS_BYTES >> 20
                        ),
                    });
                }
                total += target.size;
                let mut node = target.clone();
                node.pos = pos;
                node
            }
            Event::SequenceStart(anchor, tag) => {
                check_tag(tag.map(|t| tag_text(&t)).as_deref(), &["!!seq"], pos)?;
                stack.push(Frame::Seq {
                    items: Vec::new(),
                    pos,
                    anchor,
                    size: 1,
                });
                continue;
            }
            Event::MappingStart(anchor, tag) => {
                check_tag(tag.map(|t| tag_text(&t)).as_deref(), &["!!map"], pos)?;
                stack.push(Frame::Map {
                    entries: Vec::new(),
                    key: None,
                    seen: HashMap::new(),
                    merges: Vec::new(),
                    pos,
                    anchor,
                    size: 1,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (value, pos, anchor, size) = match stack.pop() {
                    Some(Frame::Seq {
                        items,
                        pos,
                        anchor,
                        size,
                    }) => (Value::Seq(items), pos, anchor, size),
                    Some(Frame::Map {
                        entries,
                        merges,
                        pos,
                        anchor,
                        size,
                        ..
                    }) => (Value::Map(merge(entries, merges)?), pos, anchor, size),
                    None => continue,
                };
                total += 1;
                let bytes = 1 + match &value {
                    Value::Seq(items) => items.iter().map(|n| n.bytes).sum(),
                    Value::Map(entries) => entries.iter().map(|(k, v)| k.bytes + v.bytes).sum(),
                    Value::Scalar(_) => 0,
                };
                let node = Node {
                    value,
                    pos,
                    size,
                    bytes,
                };
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            _ => continue,
        };
        if total > MAX_NODES {
            return Err(too_big(node.pos));
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq { items, size, .. }) => {
                *size += node.size;
                items.push(node);
            }
            Some(Frame::Map {
                entries,
                key,
                seen,
                merges,
                size,
                ..
            }) => {
                *size += node.size;
                match key.take() {
                    Some(k) if is_merge_key(&k) => merges.push(node),
                    Some(k) => entries.push((k, node)),
                    None => {
                        let Some(scalar) = node.as_scalar() else {
                            return Err(YamlError {
                                pos: node.pos,
                                message:
                                    "a mapping key must be a plain string, not a list or mapping"
                                        .into(),
                            });
                        };
                        if is_merge_key(&node) {
                            // `<<` may appear more than once: each merges in turn.
                        } else if let Some(first) = seen.insert(scalar.text.clone(), node.pos) {
                            return Err(YamlError {
                                pos: node.pos,
                                message: format!(
                                    "duplicate key \"{}\" (first at line {}); remove one of them",
                                    scalar.text, first.line
                                ),
                            });
                        }
                        *key = Some(node);
                    }
                }
            }
        }
    }
    Ok(root)
}

/// A plain `<<` key: PyYAML merges the mapping(s) it names.
fn is_merge_key(node: &Node) -> bool {
    matches!(&node.value, Value::Scalar(s) if s.text == "<<" && s.style == Style::Plain && s.tag.is_none())
}

/// PyYAML's merge (`flatten_mapping`): the pairs of every `<<` value come first, a list of
/// mappings in reverse order so that the first one wins, and the mapping's own keys last, so
/// they override merged ones. The values are already flattened (they ended before).
fn merge(entries: Vec<(Node, Node)>, merges: Vec<Node>) -> Result<Vec<(Node, Node)>, YamlError> {
    if merges.is_empty() {
        return Ok(entries);
    }
    let mut pairs: Vec<(Node, Node)> = Vec::new();
    for value in merges {
        match value.value {
            Value::Map(map) => pairs.extend(map),
            Value::Seq(items) => {
                let mut maps = Vec::with_capacity(items.len());
                for item in items {
                    match item.value {
                        Value::Map(map) => maps.push(map),
                        _ => {
                            return Err(not_mergeable(
                                item.pos,
                                "a list holding something else than mappings",
                            ))
                        }
                    }
                }
                pairs.extend(maps.into_iter().rev().flatten());
            }
            Value::Scalar(_) => return Err(not_mergeable(value.pos, "a scalar")),
        }
    }
    pairs.extend(entries);
    // Later pairs replace the value of an earlier key, which keeps its place (a dict).
    let mut out: Vec<(Node, Node)> = Vec::with_capacity(pairs.len());
    let mut index: HashMap<String, usize> = HashMap::new();
    for (k, v) in pairs {
        let name = k.as_scalar().map_or_else(String::new, |s| s.text.clone());
        match index.get(&name) {
            Some(&at) => out[at].1 = v,
            None => {
                index.insert(name, out.len());
                out.push((k, v));
            }
        }
    }
    Ok(out)
}

fn not_mergeable(pos: Pos, what: &str) -> YamlError {
    YamlError {
        pos,
        message: format!("a merge key (<<) takes a mapping or a list of mappings, not {what}"),
    }
}

fn too_big(pos: Pos) -> YamlError {
    YamlError {
        pos,
        message: format!(
            "the document expands to more than {MAX_NODES} nodes (aliases?); refusing it"
        ),
    }
}

/// The parser reports a misplaced tab where the enclosing token starts, or just after the
/// tab; users need the tab itself. When the error is about a tab, point at the first tab in
/// the indentation of the error's line or the few after it (or right before the marker).
fn explain_tab(text: &str, at: Pos, info: &str) -> Option<YamlError> {
    let lines = || text.lines().enumerate().skip(at.line.saturating_sub(1));
    if info.contains("tab") {
        for (i, line) in lines().take(8) {
            let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
            if let Some(col) = line[..indent].find('\t') {
                return Some(YamlError {
                    pos: Pos {
                        line: i + 1,
                        col: line[..col].chars().count() + 1,
                    },
                    message: "a tab in the indentation; YAML indents with spaces only (replace it with spaces)".into(),
                });
            }
        }
    }
    let (i, line) = lines().next()?;
    let before: Vec<char> = line.chars().take(at.col.saturating_sub(1)).collect();
    let tab_col = before.iter().rposition(|&c| c != '\t').map_or(0, |p| p + 1);
    if before.get(tab_col) == Some(&'\t') && (info.contains("tab") || info.contains("whitespace")) {
        return Some(YamlError {
            pos: Pos {
                line: i + 1,
                col: tab_col + 1,
            },
            message: "a tab where YAML wants a space; replace it with a space".into(),
        });
    }
    None
}

/// The `(line, column)` of the first byte that is not valid UTF-8.
pub(crate) fn utf8_error_pos(bytes: &[u8], err: &std::str::Utf8Error) -> Pos {
    let good = &bytes[..err.valid_up_to()];
    let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let col = std::str::from_utf8(&good[line_start..]).map_or(1, |s| s.chars().count() + 1);
    Pos { line, col }
}

#[cfg(test)]
mod tests;
