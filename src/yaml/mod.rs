//! All YAML reading goes through here (`serde_yaml` is deprecated upstream; a swap touches
//! only this module), with limits that keep a hostile document from taking the run down:
//! a size cap, a nesting cap checked before the parser runs (libyaml slows down quadratically
//! with flow nesting), and a cap on the values a document expands to through its aliases
//! (an "anchor bomb" expands exponentially).

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess};

mod block;

pub use serde_yaml::Value;

/// The largest YAML document read: `dbt_project.yml` and `selectors.yml` are kilobytes; the
/// parser holds every event of a document in memory, about 250 bytes per byte of YAML.
pub const MAX_BYTES: usize = 1 << 20;
/// The deepest nesting read (as `serde_yaml`, whose own limit this is).
pub const MAX_DEPTH: usize = 128;
/// The most values a document may hold once its aliases are expanded.
pub const MAX_VALUES: usize = 1_000_000;

/// A YAML syntax or shape error with its 1-based position, when known.
#[derive(Debug, Clone)]
pub struct YamlError {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Byte offset of the error in the text, when known.
    pub offset: Option<usize>,
}

impl YamlError {
    fn at_offset(message: String, text: &str, offset: usize) -> Self {
        let before = &text[..offset.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
            .chars()
            .count()
            + 1;
        YamlError {
            message,
            line: Some(line),
            column: Some(column),
            offset: Some(offset),
        }
    }
}

pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    check_size_and_flow_depth(text)?;
    // A first pass counts the values, aliases expanded, and stops early on a bomb; the
    // second builds `T` (with positions in its errors).
    let budget = Cell::new(MAX_VALUES);
    Counter { budget: &budget }
        .deserialize(serde_yaml::Deserializer::from_str(text))
        .map_err(yaml_error)?;
    serde_yaml::from_str(text).map_err(yaml_error)
}

/// The limits checked before a parser runs: the size, and the flow nesting (parsers slow
/// down quadratically with it).
fn check_size_and_flow_depth(text: &str) -> Result<(), YamlError> {
    if text.len() > MAX_BYTES {
        return Err(YamlError {
            message: format!(
                "the document is {} KiB; monolint reads YAML documents up to {} KiB",
                text.len() >> 10,
                MAX_BYTES >> 10
            ),
            line: None,
            column: None,
            offset: None,
        });
    }
    match too_deep_flow(text) {
        Some(offset) => Err(YamlError::at_offset(
            format!("nested more than {MAX_DEPTH} levels deep"),
            text,
            offset,
        )),
        None => Ok(()),
    }
}

fn yaml_error(error: serde_yaml::Error) -> YamlError {
    let location = error.location();
    let message = error.to_string();
    // serde_yaml appends " at line L column C"; callers print the location themselves.
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(head, _)| head);
    let message = match message {
        "recursion limit exceeded" => format!("nested more than {MAX_DEPTH} levels deep"),
        "repetition limit exceeded" => {
            "its aliases expand to too many values (an alias bomb?)".to_owned()
        }
        other => other.to_owned(),
    };
    YamlError {
        message,
        line: location.as_ref().map(|l| l.line()),
        column: location.as_ref().map(|l| l.column()),
        offset: location.as_ref().map(|l| l.index()),
    }
}

/// Counts every value of a document (aliases expanded), failing past the budget.
struct Counter<'b> {
    budget: &'b Cell<usize>,
}

impl Counter<'_> {
    fn spend<E: de::Error>(&self) -> Result<(), E> {
        match self.budget.get().checked_sub(1) {
            Some(left) => {
                self.budget.set(left);
                Ok(())
            }
            None => Err(E::custom(format!(
                "its aliases expand to more than {MAX_VALUES} values (an alias bomb?)"
            ))),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Counter<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> de::Visitor<'de> for Counter<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.spend()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.spend()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.spend()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.spend()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.spend()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.spend()
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.spend()
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.spend()?;
        self.deserialize(deserializer)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.spend()?;
        self.deserialize(deserializer)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.spend()?;
        while seq
            .next_element_seed(Counter {
                budget: self.budget,
            })?
            .is_some()
        {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.spend()?;
        while map
            .next_key_seed(Counter {
                budget: self.budget,
            })?
            .is_some()
        {
            map.next_value_seed(Counter {
                budget: self.budget,
            })?;
        }
        Ok(())
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        // A tagged value (`!tag value`): count the value.
        use de::VariantAccess;
        self.spend()?;
        let ((), variant) = data.variant_seed(Counter {
            budget: self.budget,
        })?;
        variant.newtype_variant_seed(Counter {
            budget: self.budget,
        })
    }
}

/// The offset of the first `[` or `{` that opens a flow collection more than [`MAX_DEPTH`]
/// levels deep, found without parsing: quoted scalars, comments and block scalars (`|`, `>`)
/// are skipped, and outside a flow collection a bracket opens one only where a value starts.
fn too_deep_flow(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    // Each level opens with a bracket: with few brackets anywhere, none can be too deep.
    if memchr::memchr2_iter(b'[', b'{', bytes).count() <= MAX_DEPTH {
        return None;
    }
    let mut depth = 0usize;
    let mut at = 0;
    // Indentation of the line that introduced a block scalar: deeper lines are its text.
    let mut block_scalar: Option<usize> = None;
    // Whether a value may start here (line start, after `:`/`-`/`?` and a space, in a flow).
    let mut value_may_start = true;
    let mut line_indent = 0;
    let mut at_line_start = true;
    while at < bytes.len() {
        let byte = bytes[at];
        if at_line_start {
            let indent = bytes[at..].iter().take_while(|&&b| b == b' ').count();
            let blank = matches!(bytes.get(at + indent), None | Some(b'\n' | b'\r'));
            match block_scalar {
                Some(parent) if blank || indent > parent => {
                    at = skip_line(bytes, at) + 1;
                    continue;
                }
                _ => block_scalar = None,
            }
            line_indent = indent;
            at_line_start = false;
            at += indent;
            continue;
        }
        match byte {
            b'\n' => {
                at_line_start = true;
                if depth == 0 {
                    value_may_start = true;
                }
            }
            b'#' if at == 0 || matches!(bytes[at - 1], b' ' | b'\t' | b'\n' | b'\r') => {
                at = skip_line(bytes, at);
                continue;
            }
            b'\'' | b'"' if value_may_start || depth > 0 => {
                at = skip_quoted(bytes, at);
                value_may_start = false;
                continue;
            }
            b'[' | b'{' if value_may_start || depth > 0 => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(at);
                }
                value_may_start = true;
            }
            b']' | b'}' if depth > 0 => {
                depth -= 1;
                value_may_start = false;
            }
            b',' if depth > 0 => value_may_start = true,
            // An anchor or a tag before a value: the value may still start after it.
            b'&' | b'!' if value_may_start || depth > 0 => {
                at += bytes[at..]
                    .iter()
                    .take_while(|b| {
                        !matches!(
                            b,
                            b' ' | b'\t' | b'\n' | b'\r' | b'[' | b']' | b'{' | b'}' | b','
                        )
                    })
                    .count();
                continue;
            }
            b':' | b'-' | b'?' if next_is_space(bytes, at) => value_may_start = true,
            b'|' | b'>' if value_may_start && depth == 0 => {
                block_scalar = Some(line_indent);
                at = skip_line(bytes, at);
                continue;
            }
            b' ' | b'\t' | b'\r' => {}
            _ => value_may_start = false,
        }
        at += 1;
    }
    None
}

fn next_is_space(bytes: &[u8], at: usize) -> bool {
    matches!(bytes.get(at + 1), None | Some(b' ' | b'\t' | b'\n' | b'\r'))
}

/// The offset of the line break ending the line at `at` (or the end).
fn skip_line(bytes: &[u8], at: usize) -> usize {
    memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i)
}

/// The offset after the quoted scalar starting at `at` (`''` and `\"` escapes).
fn skip_quoted(bytes: &[u8], at: usize) -> usize {
    let quote = bytes[at];
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b if b == quote => {
                if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    return i + 1;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Reads a document into JSON values as PyYAML (and so dbt) loads it: YAML 1.1 scalars, merge
/// keys applied, a key written twice holding its last value, a key that is not a string
/// (`1:`, `true:`) kept as its text. An empty document is `null`.
pub fn json_from_str(text: &str) -> Result<serde_json::Value, YamlError> {
    match read_directly(text) {
        Some(value) => Ok(value),
        None => json_from_events(text),
    }
}

/// The direct reader's values, for a document within the size cap it reads.
fn read_directly(text: &str) -> Option<serde_json::Value> {
    (text.len() <= MAX_BYTES)
        .then(|| block::read(text))
        .flatten()
}

/// A document read both ways [`json_from_str`] may read it: the direct reader's values
/// (`None` where it leaves the document to the full parser) and the full parser's. The
/// `properties_yml` fuzz target checks that they agree.
#[doc(hidden)]
pub fn json_both_ways(
    text: &str,
) -> (
    Option<serde_json::Value>,
    Result<serde_json::Value, YamlError>,
) {
    (read_directly(text), json_from_events(text))
}

/// [`json_from_str`] through the full parser.
fn json_from_events(text: &str) -> Result<serde_json::Value, YamlError> {
    match parse_spanned(text) {
        Ok(node) => Ok(node.map_or(serde_json::Value::Null, node_to_json)),
        // saphyr refuses some indentation libyaml (PyYAML's parser) accepts.
        Err(error) => {
            let mut value: Value = from_str(text).map_err(|_| error)?;
            // A merge key of the wrong shape is left in place, as a plain key.
            let _ = value.apply_merge();
            Ok(value_to_json(value))
        }
    }
}

fn value_to_json(value: Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(flag) => serde_json::Value::Bool(flag),
        Value::Number(number) => serde_json::to_value(&number).unwrap_or(serde_json::Value::Null),
        Value::String(text) => serde_json::Value::String(text),
        Value::Sequence(items) => items.into_iter().map(value_to_json).collect(),
        Value::Mapping(mapping) => serde_json::Value::Object(
            mapping
                .into_iter()
                .map(|(key, value)| (to_compact_string(&key), value_to_json(value)))
                .collect(),
        ),
        Value::Tagged(tagged) => value_to_json(tagged.value),
    }
}

fn node_to_json(node: Node) -> serde_json::Value {
    use serde_json::Value as Json;
    match node.value {
        NodeValue::Null => Json::Null,
        NodeValue::Bool(flag) => Json::Bool(flag),
        NodeValue::Int(int) => Json::from(int),
        NodeValue::Float(float) => {
            serde_json::Number::from_f64(float).map_or(Json::Null, Json::Number)
        }
        NodeValue::Str(text, _) => Json::String(text),
        NodeValue::Seq(items) => items.into_iter().map(node_to_json).collect(),
        NodeValue::Map(pairs) => {
            let mut map = serde_json::Map::with_capacity(pairs.len());
            for (key, value) in pairs {
                let key = match key.value {
                    NodeValue::Str(text, _) => text,
                    other => key_string(node_to_json(Node {
                        value: other,
                        tag: None,
                        span: key.span,
                    })),
                };
                map.insert(key, node_to_json(value));
            }
            Json::Object(map)
        }
    }
}

/// A mapping key as the JSON object keeps it: a key that is not a string (`1:`, `true:`) as
/// the text Python's `str()` gives it.
fn key_string(key: serde_json::Value) -> String {
    use serde_json::Value as Json;
    match key {
        Json::String(text) => text,
        Json::Bool(true) => "True".to_owned(),
        Json::Bool(false) => "False".to_owned(),
        Json::Null => "None".to_owned(),
        other => other.to_string(),
    }
}

/// A plain (unquoted, untagged) scalar as JSON, resolved as PyYAML resolves it.
fn plain_scalar_json(text: &str) -> serde_json::Value {
    node_to_json(Node {
        value: scalar(std::borrow::Cow::Borrowed(text), false, None),
        tag: None,
        span: 0..0,
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
///
/// The same limits as [`from_str`] hold: size, nesting, and the values aliases and merge keys
/// expand to; a mapping's keys are looked up by hash, so a large mapping is read in linear
/// time.
pub fn parse_spanned(text: &str) -> Result<Option<Node>, YamlError> {
    use saphyr_parser::{Event, Parser};
    check_size_and_flow_depth(text)?;
    // saphyr counts characters; spans here are byte offsets (the same in ASCII text).
    let byte_at: Vec<usize> = if text.is_ascii() {
        Vec::new()
    } else {
        text.char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(text.len()))
            .collect()
    };
    let offset = |marker: saphyr_parser::Marker| {
        if byte_at.is_empty() {
            marker.index().min(text.len())
        } else {
            byte_at.get(marker.index()).copied().unwrap_or(text.len())
        }
    };
    let mut builder = TreeBuilder::new();
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
        let at = range.start;
        match event {
            Event::DocumentEnd if builder.root.is_some() => break,
            Event::Scalar(value, style, anchor, tag) => {
                let quoted = !matches!(style, saphyr_parser::ScalarStyle::Plain);
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                let node = Node {
                    value: scalar(value, quoted, tag.as_deref()),
                    tag: tag.filter(|t| !t.starts_with("tag:yaml.org")),
                    span: range,
                };
                builder.push(node, anchor);
            }
            Event::Alias(anchor) => {
                let node = builder.expand(anchor).map(|mut node| {
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
        if let Some(message) = builder.exceeded.take() {
            return Err(YamlError::at_offset(message, text, at));
        }
    }
    Ok(builder.root.filter(|root| root.value != NodeValue::Null))
}

/// Builds the tree from parser events.
struct TreeBuilder {
    /// Open collections, with their anchor and, for a mapping, a key waiting for its value.
    stack: Vec<Open>,
    /// Anchored nodes, and how many values each holds.
    anchors: std::collections::HashMap<usize, (Node, usize)>,
    root: Option<Node>,
    /// Values still allowed (aliases and merge keys copy values).
    budget: usize,
    /// Why the document went over a limit; checked after each event.
    exceeded: Option<String>,
}

/// An open collection.
struct Open {
    node: Node,
    anchor: usize,
    /// For a mapping: a key waiting for its value.
    pending_key: Option<Node>,
    /// For a mapping: its entries so far (`None` where a later key replaced one), and, once
    /// it has many, where each key is by its text (a few are found by scanning).
    entries: Vec<Option<(Node, Node)>>,
    keys: Option<std::collections::HashMap<String, usize>>,
}

/// How many entries a mapping holds before its keys are looked up by hash.
const HASHED_KEYS: usize = 16;

impl Open {
    /// Where the entry of a key equal to `key` is.
    fn find(&self, key: &Node) -> Option<usize> {
        match &self.keys {
            Some(keys) => keys.get(&key_text(key)).copied(),
            None => self
                .entries
                .iter()
                .position(|entry| entry.as_ref().is_some_and(|(k, _)| same_key(k, key))),
        }
    }

    /// Adds an entry whose key no entry holds.
    fn push_entry(&mut self, key: Node, value: Node) {
        if let Some(keys) = &mut self.keys {
            keys.insert(key_text(&key), self.entries.len());
        }
        self.entries.push(Some((key, value)));
        if self.keys.is_none() && self.entries.len() >= HASHED_KEYS {
            let keys = self.entries.iter().enumerate().filter_map(|(i, entry)| {
                let (key, _) = entry.as_ref()?;
                Some((key_text(key), i))
            });
            self.keys = Some(keys.collect());
        }
    }
}

impl TreeBuilder {
    fn new() -> Self {
        TreeBuilder {
            stack: Vec::new(),
            anchors: std::collections::HashMap::new(),
            root: None,
            budget: MAX_VALUES,
            exceeded: None,
        }
    }

    /// Pays for `values` values; past the budget the document is refused.
    fn spend(&mut self, values: usize) -> bool {
        match self.budget.checked_sub(values) {
            Some(left) => {
                self.budget = left;
                true
            }
            None => {
                self.exceeded.get_or_insert_with(|| {
                    format!("its aliases expand to more than {MAX_VALUES} values (an alias bomb?)")
                });
                false
            }
        }
    }

    /// A copy of an anchored node, paid for.
    fn expand(&mut self, anchor: usize) -> Option<Node> {
        let (node, size) = self.anchors.get(&anchor)?;
        let (node, size) = (node.clone(), *size);
        self.spend(size).then_some(node)
    }

    fn open(&mut self, value: NodeValue, tag: Option<String>, anchor: usize, start: usize) {
        if self.stack.len() >= MAX_DEPTH {
            self.exceeded
                .get_or_insert_with(|| format!("nested more than {MAX_DEPTH} levels deep"));
            return;
        }
        self.spend(1);
        let node = Node {
            value,
            tag: tag.filter(|t| !t.starts_with("tag:yaml.org")),
            span: start..start,
        };
        self.stack.push(Open {
            node,
            anchor,
            pending_key: None,
            entries: Vec::new(),
            keys: None,
        });
    }

    fn close(&mut self, end: usize) {
        if let Some(open) = self.stack.pop() {
            let mut node = open.node;
            if let NodeValue::Map(pairs) = &mut node.value {
                pairs.extend(open.entries.into_iter().flatten());
            }
            node.span.end = end.max(node.span.start);
            self.push(node, open.anchor);
        }
    }

    fn push(&mut self, node: Node, anchor: usize) {
        if !matches!(node.value, NodeValue::Seq(_) | NodeValue::Map(_)) {
            self.spend(1);
        }
        if anchor != 0 {
            let size = count(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        let Some(parent) = self.stack.last_mut() else {
            self.root.get_or_insert(node);
            return;
        };
        match &mut parent.node.value {
            NodeValue::Seq(items) => items.push(node),
            NodeValue::Map(_) => match parent.pending_key.take() {
                None => parent.pending_key = Some(node),
                // `<<: *base` (or a list of them) merges keys the mapping does not set itself.
                Some(key) if key.as_str() == Some("<<") && key.tag.is_none() => {
                    let sources = match node.value {
                        NodeValue::Seq(items) => items,
                        _ => vec![node],
                    };
                    let mut copied = 0;
                    for source in sources {
                        for (k, v) in source.entries() {
                            if parent.find(k).is_none() {
                                copied += count(k) + count(v);
                                parent.push_entry(k.clone(), v.clone());
                            }
                        }
                    }
                    self.spend(copied);
                }
                Some(key) => {
                    // A later key replaces an earlier one, as in a Python dict.
                    if let Some(earlier) = parent.find(&key) {
                        parent.entries[earlier] = None;
                    }
                    parent.push_entry(key, node);
                }
            },
            _ => {}
        }
    }
}

/// A mapping key as text, to look it up: equal keys give equal text.
fn key_text(key: &Node) -> String {
    match &key.value {
        NodeValue::Str(text, false) => text.clone(),
        other => format!("{other:?}"),
    }
}

/// Whether two keys have the same [`key_text`], without writing it for plain strings.
fn same_key(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (NodeValue::Str(a, false), NodeValue::Str(b, false)) => a == b,
        _ => key_text(a) == key_text(b),
    }
}

/// How many values a node holds, itself included (without recursion).
fn count(node: &Node) -> usize {
    let mut stack = vec![node];
    let mut values = 0;
    while let Some(node) = stack.pop() {
        values += 1;
        match &node.value {
            NodeValue::Seq(items) => stack.extend(items),
            NodeValue::Map(pairs) => {
                for (key, value) in pairs {
                    stack.push(key);
                    stack.push(value);
                }
            }
            _ => {}
        }
    }
    values
}

/// A scalar resolved as PyYAML's loader resolves it (YAML 1.1: `yes`/`no`/`on`/`off` are
/// booleans, `~` is null); a quoted scalar or an explicit `!!str` is a string.
fn scalar(text: std::borrow::Cow<'_, str>, quoted: bool, tag: Option<&str>) -> NodeValue {
    match tag {
        Some(tag) if tag.ends_with(":str") => return NodeValue::Str(text.into_owned(), quoted),
        Some(tag) if !tag.starts_with("tag:yaml.org") => {
            return NodeValue::Str(text.into_owned(), quoted);
        }
        _ if quoted => return NodeValue::Str(text.into_owned(), quoted),
        _ => {}
    }
    match &*text {
        "" | "~" | "null" | "Null" | "NULL" => NodeValue::Null,
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            NodeValue::Bool(true)
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            NodeValue::Bool(false)
        }
        number if may_be_number(number) => number_or_text(number),
        _ => NodeValue::Str(text.into_owned(), false),
    }
}

/// Whether a plain scalar may resolve to a number (or `.inf`, `.nan`): after its underscores
/// and one sign, it starts with a digit or a dot. Most scalars do not, and skip the parsing.
fn may_be_number(text: &str) -> bool {
    let mut bytes = text.bytes().filter(|&b| b != b'_');
    let first = match bytes.next() {
        Some(b'-' | b'+') => bytes.next(),
        first => first,
    };
    first.is_some_and(|b| b.is_ascii_digit() || b == b'.')
}

/// A plain scalar that may be a number: an integer (decimal, `0x`, `0b`, octal), a float,
/// `.inf` or `.nan` as YAML 1.1 reads them (underscores ignored), else a string.
fn number_or_text(text: &str) -> NodeValue {
    let as_string = || NodeValue::Str(text.to_owned(), false);
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

    fn message(text: &str) -> String {
        from_str::<Value>(text).map_or_else(|e| e.message, |_| "ok".to_owned())
    }

    #[test]
    fn reads_ordinary_yaml() {
        let text = "name: shop\nmodels:\n  shop:\n    +tags: [a, '[b', \"{c\"]  # [[[\n    x: a[1\ndesc: |\n  [[[[ {{{\n  select [\nv: &v {a: 1}\nw: *v\n";
        assert_eq!(message(text), "ok");
        assert_eq!(too_deep_flow(text), None);
    }

    #[test]
    fn brackets_in_text_do_not_count_as_nesting() {
        // More brackets than levels allowed, all in quotes, comments and block scalars: the
        // scan reads past them instead of taking the shortcut for bracket-poor documents.
        let text = "v: ['[[', \"{{\"]  # [[[[\n".repeat(50) + "d: |\n  [[[[[[[[[[\n";
        assert!(text.matches(['[', '{']).count() > MAX_DEPTH);
        assert_eq!(too_deep_flow(&text), None);
        let levels = |n: usize| format!("a: {}1{}\n", "[".repeat(n), "]".repeat(n));
        assert_eq!(too_deep_flow(&levels(MAX_DEPTH)), None);
        assert_eq!(too_deep_flow(&levels(MAX_DEPTH + 1)), Some(3 + MAX_DEPTH));
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!("a: {}1{}\n", "{b: ".repeat(100_000), "}".repeat(100_000));
        let started = std::time::Instant::now();
        let error = from_str::<Value>(&deep).unwrap_err();
        assert!(started.elapsed().as_secs() < 5);
        assert_eq!(error.message, "nested more than 128 levels deep");
        assert_eq!((error.line, error.column), (Some(1), Some(4 + 4 * 128)));
        let anchored = format!("a: {}1\n", "&x !t [".repeat(1000));
        assert!(too_deep_flow(&anchored).is_some());
        let block = (0..200)
            .map(|i| format!("{}- \n", " ".repeat(i)))
            .collect::<String>();
        assert_eq!(message(&block), "nested more than 128 levels deep");
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..9 {
            bomb.push_str(&format!(
                "l{level}: &l{level} [{}]\n",
                vec![
                    if level == 1 {
                        "*a".to_owned()
                    } else {
                        format!("*l{}", level - 1)
                    };
                    10
                ]
                .join(", ")
            ));
        }
        let started = std::time::Instant::now();
        let text = message(&bomb);
        assert!(started.elapsed().as_secs() < 10);
        assert!(text.contains("alias"), "{text}");
    }

    #[test]
    fn large_documents_are_refused() {
        let large = "a: 1\n".repeat(MAX_BYTES / 5 + 1);
        assert!(message(&large).contains("up to 1024 KiB"));
    }

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

    #[test]
    fn spanned_nodes_have_the_same_limits() {
        let deep = format!("a: {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let error = parse_spanned(&deep).unwrap_err();
        assert_eq!(error.message, "nested more than 128 levels deep");
        let block: String = (0..300)
            .map(|level| format!("{}- \n", " ".repeat(level)))
            .collect();
        let error = parse_spanned(&block).unwrap_err();
        assert_eq!(error.message, "nested more than 128 levels deep");
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..9 {
            let previous = if level == 1 {
                "a".to_owned()
            } else {
                format!("l{}", level - 1)
            };
            bomb.push_str(&format!(
                "l{level}: &l{level} [{}]\n",
                vec![format!("*{previous}"); 10].join(", ")
            ));
        }
        assert!(parse_spanned(&bomb).unwrap_err().message.contains("alias"));
        let merges: String = std::iter::once("b: &b {x: 1, y: 2}\n".to_owned())
            .chain((0..200_000).map(|n| format!("k{n}: {{<<: *b}}\n")))
            .collect();
        assert!(parse_spanned(&merges).is_err(), "over the size cap");
    }

    #[test]
    fn large_mappings_keep_the_last_value_of_a_key() {
        let text: String = (0..50_000)
            .map(|n| format!("k{}: {n}\n", n % 1000))
            .collect();
        let root = parse_spanned(&text).unwrap().unwrap();
        assert_eq!(root.entries().len(), 1000);
        assert_eq!(root.get("k7").unwrap().value, NodeValue::Int(49_007));
        // A later key moves to the end, a merged key never replaces one set in the mapping.
        let text = "b: &b {x: 1, y: 2}\nm: {x: 0, <<: *b, z: 3, x: 4}\n";
        let m = parse_spanned(text).unwrap().unwrap();
        let m = m.get("m").unwrap();
        let keys: Vec<&str> = m.entries().iter().filter_map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["y", "z", "x"]);
        assert_eq!(m.get("x").unwrap().value, NodeValue::Int(4));
    }
}
