//! All YAML reading goes through here (`serde_yaml` is deprecated upstream; a swap touches
//! only this file).

use serde::de::DeserializeOwned;

pub use serde_yaml::Value;

/// A YAML syntax or shape error with its 1-based position, when known.
#[derive(Debug, Clone)]
pub struct YamlError {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Byte offset of the error in the text, when known.
    pub offset: Option<usize>,
}

pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_yaml::from_str(text).map_err(|error| {
        let location = error.location();
        let message = error.to_string();
        // serde_yaml appends " at line L column C"; callers print the location themselves.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(head, _)| head)
            .to_owned();
        YamlError {
            message,
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
            offset: location.as_ref().map(|l| l.index()),
        }
    })
}

/// A scalar or collection written back as compact text (`1`, `true`, `[a, b]`).
pub fn to_compact_string(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "null".to_owned(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// A YAML node as PyYAML loads it (YAML 1.1 scalars, merge keys, aliases), with the byte
/// range of its text: DAG factories' YAML files are read this way so findings point at
/// their lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: NodeValue,
    /// A local tag (`!days_ago`, `!join`), as written.
    pub tag: Option<String>,
    pub span: std::ops::Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string, and whether it was quoted in the file (plain text is exact source text).
    Str(String, bool),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The value of a string key of a mapping (the last one, as PyYAML keeps it).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            NodeValue::Map(pairs) => pairs
                .iter()
                .rev()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Str(text, _) => Some(text),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            NodeValue::Map(pairs) => pairs,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            NodeValue::Seq(items) => items,
            _ => &[],
        }
    }
}

/// Parses the first document of `text`; `None` when the file holds no document or only null.
pub fn parse_spanned(text: &str) -> Result<Option<Node>, YamlError> {
    use saphyr_parser::{Event, Parser};
    // saphyr counts characters; spans here are byte offsets.
    let byte_at: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    let offset =
        |marker: saphyr_parser::Marker| byte_at.get(marker.index()).copied().unwrap_or(text.len());
    let mut builder = TreeBuilder::default();
    for next in Parser::new_from_str(text) {
        let (event, span) = next.map_err(|error| {
            let marker = *error.marker();
            YamlError {
                message: error.info().to_owned(),
                line: Some(marker.line()),
                column: Some(marker.col() + 1),
                offset: Some(offset(marker)),
            }
        })?;
        let range = offset(span.start)..offset(span.end);
        match event {
            Event::DocumentEnd if builder.root.is_some() => break,
            Event::Scalar(value, style, anchor, tag) => {
                let quoted = !matches!(style, saphyr_parser::ScalarStyle::Plain);
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                let node = Node {
                    value: scalar(&value, quoted, tag.as_deref()),
                    tag: tag.filter(|t| !t.starts_with("tag:yaml.org")),
                    span: range,
                };
                builder.push(node, anchor);
            }
            Event::Alias(anchor) => {
                let node = builder.anchors.get(&anchor).cloned().map(|mut node| {
                    node.span = range.clone();
                    node
                });
                builder.push(
                    node.unwrap_or(Node {
                        value: NodeValue::Null,
                        tag: None,
                        span: range,
                    }),
                    0,
                );
            }
            Event::SequenceStart(anchor, tag) => builder.open(
                NodeValue::Seq(Vec::new()),
                tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                anchor,
                range.start,
            ),
            Event::MappingStart(anchor, tag) => builder.open(
                NodeValue::Map(Vec::new()),
                tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                anchor,
                range.start,
            ),
            Event::SequenceEnd | Event::MappingEnd => builder.close(range.end),
            _ => {}
        }
    }
    Ok(builder.root.filter(|root| root.value != NodeValue::Null))
}

/// Builds the tree from parser events.
#[derive(Default)]
struct TreeBuilder {
    /// Open collections, with their anchor and, for a mapping, a key waiting for its value.
    stack: Vec<(Node, usize, Option<Node>)>,
    anchors: std::collections::HashMap<usize, Node>,
    root: Option<Node>,
}

impl TreeBuilder {
    fn open(&mut self, value: NodeValue, tag: Option<String>, anchor: usize, start: usize) {
        let node = Node {
            value,
            tag: tag.filter(|t| !t.starts_with("tag:yaml.org")),
            span: start..start,
        };
        self.stack.push((node, anchor, None));
    }

    fn close(&mut self, end: usize) {
        if let Some((mut node, anchor, _)) = self.stack.pop() {
            node.span.end = end.max(node.span.start);
            self.push(node, anchor);
        }
    }

    fn push(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        let Some((parent, _, pending_key)) = self.stack.last_mut() else {
            self.root.get_or_insert(node);
            return;
        };
        match &mut parent.value {
            NodeValue::Seq(items) => items.push(node),
            NodeValue::Map(pairs) => match pending_key.take() {
                None => *pending_key = Some(node),
                // `<<: *base` (or a list of them) merges keys the mapping does not set itself.
                Some(key) if key.as_str() == Some("<<") && key.tag.is_none() => {
                    let sources = match node.value {
                        NodeValue::Seq(items) => items,
                        _ => vec![node],
                    };
                    for source in sources {
                        for (k, v) in source.entries() {
                            if !pairs.iter().any(|(existing, _)| existing.value == k.value) {
                                pairs.push((k.clone(), v.clone()));
                            }
                        }
                    }
                }
                Some(key) => {
                    // A later key replaces an earlier one, as in a Python dict.
                    pairs.retain(|(existing, _)| existing.value != key.value);
                    pairs.push((key, node));
                }
            },
            _ => {}
        }
    }
}

/// A scalar resolved as PyYAML's loader resolves it (YAML 1.1: `yes`/`no`/`on`/`off` are
/// booleans, `~` is null); a quoted scalar or an explicit `!!str` is a string.
fn scalar(text: &str, quoted: bool, tag: Option<&str>) -> NodeValue {
    let as_string = || NodeValue::Str(text.to_owned(), quoted);
    match tag {
        Some(tag) if tag.ends_with(":str") => return as_string(),
        Some(tag) if !tag.starts_with("tag:yaml.org") => return as_string(),
        _ if quoted => return as_string(),
        _ => {}
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return NodeValue::Null,
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return NodeValue::Bool(true);
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return NodeValue::Bool(false);
        }
        _ => {}
    }
    let digits = text.replace('_', "");
    let (sign, unsigned) = match digits.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, digits.strip_prefix('+').unwrap_or(&digits)),
    };
    let integer = if let Some(hex) = unsigned.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()
    } else if let Some(binary) = unsigned.strip_prefix("0b") {
        i64::from_str_radix(binary, 2).ok()
    } else if unsigned.len() > 1 && unsigned.starts_with('0') {
        i64::from_str_radix(&unsigned[1..], 8).ok()
    } else if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        unsigned.parse().ok()
    } else {
        None
    };
    if let Some(n) = integer {
        return NodeValue::Int(sign * n);
    }
    let is_float = unsigned.contains('.')
        && unsigned
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && unsigned
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit() || b == b'.');
    if is_float && let Ok(x) = digits.parse::<f64>() {
        return NodeValue::Float(x);
    }
    match unsigned.to_ascii_lowercase().as_str() {
        ".inf" if sign < 0 => NodeValue::Float(f64::NEG_INFINITY),
        ".inf" => NodeValue::Float(f64::INFINITY),
        ".nan" => NodeValue::Float(f64::NAN),
        _ => as_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanned_nodes_keep_positions_and_pyyaml_scalars() {
        let text = "base: &b\n  owner: x\n  retries: 2\ndag:\n  <<: *b\n  retries: 3\n  flag: yes\n  t: '3'\n  l: [a, 1.5, ~]\n";
        let root = parse_spanned(text).unwrap().unwrap();
        let dag = root.get("dag").unwrap();
        assert_eq!(dag.get("owner").unwrap().as_str(), Some("x"));
        assert_eq!(dag.get("retries").unwrap().value, NodeValue::Int(3));
        assert_eq!(dag.get("flag").unwrap().value, NodeValue::Bool(true));
        assert_eq!(
            dag.get("t").unwrap().value,
            NodeValue::Str("3".into(), true)
        );
        let list = dag.get("l").unwrap();
        assert_eq!(list.items()[1].value, NodeValue::Float(1.5));
        assert_eq!(list.items()[2].value, NodeValue::Null);
        let retries = dag.get("retries").unwrap();
        assert_eq!(&text[retries.span.clone()], "3");
        assert!(parse_spanned("").unwrap().is_none());
        assert!(parse_spanned("a: [").is_err());
    }
}
