//! `manifest.json` as dbt writes it, read into borrowed structs holding only what monolint uses.
//!
//! Everything is lenient: unknown keys are skipped without being built, missing keys default,
//! and `null` is accepted wherever dbt (or dbt Fusion) has been seen to write it.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::Deserialize;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess,
    Visitor,
};
use serde_json::value::RawValue;

use crate::error::{Error, Result};

pub mod pointer;
mod split;

/// The oldest manifest layout monolint reads (dbt 1.3: `raw_sql` became `raw_code`).
pub const OLDEST_SCHEMA: u32 = 7;
/// The newest manifest layout monolint knows (dbt 1.8 to 1.11 and later all write v12).
pub const NEWEST_SCHEMA: u32 = 12;
/// The schema id early dbt Fusion builds wrote; the same metadata as v12.
const FUSION_SCHEMA: u32 = 20;

/// Receives a manifest's parts as they are read, so nodes never pile up in memory before the
/// graph takes them. Nodes come in file order.
pub trait ManifestSink<'a> {
    /// What the sink reads of each node (a sink may read little).
    type Node: Deserialize<'a>;
    fn metadata(&mut self, metadata: Metadata<'a>);
    /// An entry of `nodes`, `sources`, `exposures`, `metrics`, `semantic_models`,
    /// `saved_queries`, `unit_tests` or `functions`.
    fn node(&mut self, node: Self::Node);
    /// A definition listed under `disabled`.
    fn disabled(&mut self, node: Self::Node);
    fn group(&mut self, group: RawGroup<'a>);
    fn selectors(&mut self, selectors: &'a RawValue);
    /// An entry of `macros`. Most sinks have no use for them.
    fn macro_def(&mut self, _definition: RawMacro<'a>) {}
}

/// Top-level keys holding graph members.
const NODE_COLLECTIONS: [&str; 8] = [
    "nodes",
    "sources",
    "exposures",
    "metrics",
    "semantic_models",
    "saved_queries",
    "unit_tests",
    "functions",
];

#[derive(Debug, Default, Deserialize)]
pub struct Metadata<'a> {
    #[serde(borrow, default)]
    pub dbt_schema_version: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub dbt_version: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub project_name: Option<Cow<'a, str>>,
    /// The MD5 of the project name: all that names the root project before dbt 1.6.
    #[serde(borrow, default)]
    pub project_id: Option<Cow<'a, str>>,
}

/// Any graph member: a `nodes` entry, source, exposure, metric, unit test, ...
#[derive(Debug, Deserialize)]
pub struct RawNode<'a> {
    #[serde(borrow)]
    pub unique_id: Cow<'a, str>,
    #[serde(borrow, default)]
    pub resource_type: Cow<'a, str>,
    #[serde(borrow, default)]
    pub name: Cow<'a, str>,
    #[serde(borrow, default)]
    pub package_name: Cow<'a, str>,
    #[serde(borrow, default)]
    pub original_file_path: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub patch_path: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "nullable")]
    pub fqn: Vec<Cow<'a, str>>,
    /// The node's own tags: `None` when it has no `tags` field (unit tests keep theirs in
    /// `config.tags`).
    #[serde(borrow, default)]
    pub tags: Option<StringOrList<'a>>,
    #[serde(borrow, default)]
    pub config: NodeConfig<'a>,
    /// Read only when a rule asks (see `DbtGraph::meta`).
    #[serde(borrow, default)]
    pub meta: Option<JsonText<'a>>,
    /// A source table's source-level `meta`. dbt 1.8 and later merge it into the table's
    /// `meta` themselves; before, it is only here.
    #[serde(borrow, default)]
    pub source_meta: Option<JsonText<'a>>,
    #[serde(borrow, default, deserialize_with = "nullable")]
    pub depends_on: DependsOn<'a>,
    /// The SQL (a JSON string, still escaped): read only when a rule needs it.
    #[serde(borrow, default, alias = "raw_sql")]
    pub raw_code: Option<JsonText<'a>>,
    /// A JSON string, still escaped: read only when a rule needs it.
    #[serde(borrow, default)]
    pub description: Option<JsonText<'a>>,
    /// A source table's source-level description (a JSON string): read only when a rule needs it.
    #[serde(borrow, default)]
    pub source_description: Option<JsonText<'a>>,
    /// The documented columns (`{name: {description, constraints, ...}}`): read only when a
    /// rule needs them.
    #[serde(borrow, default)]
    pub columns: Option<JsonText<'a>>,
    /// A source table's `freshness` (`warn_after`, `error_after`), `null` kept (it means the
    /// check is off): read only when a rule needs it.
    #[serde(borrow, default, deserialize_with = "raw_keeping_null")]
    pub freshness: Option<JsonText<'a>>,
    /// A column test's column (a JSON string): read only when a rule needs it.
    #[serde(borrow, default)]
    pub column_name: Option<JsonText<'a>>,
    /// `contract` (dbt 1.5 and later); `config.contract` is the same since.
    #[serde(default, deserialize_with = "lenient")]
    pub contract: Option<Contract>,
    #[serde(borrow, default)]
    pub group: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub access: Option<Cow<'a, str>>,
    #[serde(default)]
    pub version: Option<VersionLabel>,
    #[serde(default)]
    pub latest_version: Option<VersionLabel>,
    #[serde(borrow, default)]
    pub test_metadata: Option<TestMetadata<'a>>,
    #[serde(borrow, default)]
    pub source_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub owner: Option<RawOwner<'a>>,
    /// `{name, checksum}`; unit tests write a bare string, which is not a file checksum.
    #[serde(borrow, default, deserialize_with = "lenient")]
    pub checksum: Option<Checksum<'a>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DependsOn<'a> {
    #[serde(borrow, default, deserialize_with = "nullable")]
    pub nodes: Vec<Cow<'a, str>>,
}

#[derive(Debug, Deserialize)]
pub struct TestMetadata<'a> {
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
}

/// A model's contract: whether dbt enforces its declared columns and types.
#[derive(Debug, Default, Deserialize)]
pub struct Contract {
    #[serde(default)]
    pub enforced: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct Checksum<'a> {
    /// `sha256`, or `path` for files too large to hash, or `none`.
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub checksum: Option<Cow<'a, str>>,
}

#[derive(Debug, Deserialize)]
pub struct RawOwner<'a> {
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "nullable")]
    pub email: StringOrList<'a>,
}

/// A macro: its name, package and code (a JSON string, still escaped: decoded only when a rule
/// reads it).
#[derive(Debug, Deserialize)]
pub struct RawMacro<'a> {
    #[serde(borrow, default)]
    pub name: Cow<'a, str>,
    #[serde(borrow, default)]
    pub package_name: Cow<'a, str>,
    #[serde(borrow, default)]
    pub macro_sql: Option<JsonText<'a>>,
}

#[derive(Debug, Deserialize)]
pub struct RawGroup<'a> {
    #[serde(borrow, default)]
    pub name: Cow<'a, str>,
    #[serde(borrow, default)]
    pub package_name: Cow<'a, str>,
    #[serde(borrow, default)]
    pub original_file_path: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub owner: Option<RawOwner<'a>>,
}

/// A node's `config`: the subset monolint reads while loading, and the whole object's text for
/// `config.<key>` selectors (decoded only when one asks).
#[derive(Debug, Default)]
pub struct NodeConfig<'a> {
    pub fields: RawConfig<'a>,
    pub text: Option<JsonText<'a>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for NodeConfig<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Some(text) = Option::<JsonText<'de>>::deserialize(deserializer)? else {
            return Ok(NodeConfig::default());
        };
        // The object is read twice, the second time only its few kilobytes: serde_json cannot
        // both keep a value's text and visit it.
        let fields = serde_json::from_str(text.get()).map_err(de::Error::custom)?;
        Ok(NodeConfig {
            fields,
            text: Some(text),
        })
    }
}

/// The subset of a node's `config` monolint reads while loading.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct RawConfig<'a> {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(borrow, default)]
    pub materialized: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "nullable")]
    pub tags: StringOrList<'a>,
    #[serde(borrow, default)]
    pub meta: Option<JsonText<'a>>,
    #[serde(borrow, default)]
    pub group: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub access: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "nullable")]
    pub unique_key: StringOrList<'a>,
    #[serde(borrow, default)]
    pub incremental_strategy: Option<Cow<'a, str>>,
}

/// A JSON value's text, still encoded, read only when a rule asks: a range of the manifest,
/// or what the project reader wrote for a node it read from the files.
#[derive(Debug, Clone, Copy)]
pub struct JsonText<'a>(&'a str);

impl<'a> JsonText<'a> {
    /// JSON the project reader wrote itself (with `serde_json`).
    pub(crate) fn written(text: &'a str) -> Self {
        JsonText(text)
    }

    pub fn get(self) -> &'a str {
        self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for JsonText<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <&'de RawValue>::deserialize(deserializer).map(|raw| JsonText(raw.get()))
    }
}

/// dbt writes some fields as a string in one place and a list in another (`tags`,
/// `unique_key`, an owner's `email`).
#[derive(Debug, Default, Clone)]
pub struct StringOrList<'a>(pub Vec<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for StringOrList<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = StringOrList<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(StringOrList(vec![Cow::Borrowed(v)]))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(StringOrList(vec![Cow::Owned(v.to_owned())]))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(StringOrList::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Option<Cow<'a, str>>>()? {
                    items.extend(item);
                }
                Ok(StringOrList(items))
            }
        }
        deserializer.deserialize_any(V(PhantomData))
    }
}

/// A model version: dbt accepts numbers and strings (`1`, `2.5`, `"v3"`).
#[derive(Debug, Clone, PartialEq)]
pub struct VersionLabel(pub String);

impl<'de> Deserialize<'de> for VersionLabel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = VersionLabel;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a version number or string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(VersionLabel(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(VersionLabel(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(VersionLabel(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(VersionLabel(v.to_string()))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A field monolint can do without: a value of an unexpected shape reads as `None` instead of
/// failing the whole manifest.
fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let raw: Option<&'de RawValue> = Option::deserialize(deserializer)?;
    Ok(raw.and_then(|raw| T::deserialize(raw).ok()))
}

/// A field's JSON text as written, `null` included (`Option<JsonText>` reads `null` as `None`).
fn raw_keeping_null<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<JsonText<'de>>, D::Error> {
    JsonText::deserialize(deserializer).map(Some)
}

/// `null` reads as the type's default.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Reads the top-level object, handing each part to the sink.
struct ManifestVisitor<'s, S> {
    sink: &'s mut S,
}

impl<'de, S: ManifestSink<'de>> Visitor<'de> for ManifestVisitor<'_, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a dbt manifest object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "metadata" => {
                    let metadata: Option<Metadata<'de>> = map.next_value()?;
                    self.sink.metadata(metadata.unwrap_or_default());
                }
                collection if NODE_COLLECTIONS.contains(&collection) => {
                    map.next_value_seed(Entries {
                        sink: &mut *self.sink,
                        kind: EntryKind::Node,
                    })?;
                }
                "disabled" => map.next_value_seed(Entries {
                    sink: &mut *self.sink,
                    kind: EntryKind::DisabledList,
                })?,
                "groups" => map.next_value_seed(Entries {
                    sink: &mut *self.sink,
                    kind: EntryKind::Group,
                })?,
                "macros" => map.next_value_seed(Entries {
                    sink: &mut *self.sink,
                    kind: EntryKind::Macro,
                })?,
                "selectors" => {
                    if let Some(selectors) = map.next_value::<Option<&'de RawValue>>()? {
                        self.sink.selectors(selectors);
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum EntryKind {
    Node,
    /// `disabled`: each value is a list of definitions.
    DisabledList,
    Group,
    Macro,
}

/// The values of a `{unique_id: value}` object, handed to the sink one by one.
struct Entries<'s, S> {
    sink: &'s mut S,
    kind: EntryKind,
}

impl<'de, S: ManifestSink<'de>> DeserializeSeed<'de> for Entries<'_, S> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, S: ManifestSink<'de>> Visitor<'de> for Entries<'_, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of dbt resources")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key::<IgnoredAny>()?.is_some() {
            match self.kind {
                EntryKind::Node => self.sink.node(map.next_value()?),
                EntryKind::Group => self.sink.group(map.next_value()?),
                EntryKind::Macro => self.sink.macro_def(map.next_value()?),
                EntryKind::DisabledList => {
                    let definitions: Option<Vec<S::Node>> = map.next_value()?;
                    for node in definitions.into_iter().flatten() {
                        self.sink.disabled(node);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Reads a manifest held in `bytes` (read from `path`, named in errors) into `sink`.
///
/// Returns a warning for a layout newer than monolint knows.
pub fn parse<'a, S: ManifestSink<'a>>(
    bytes: &'a [u8],
    path: &Path,
    sink: &mut S,
) -> Result<Option<Error>> {
    let warning = check_schema(bytes, path)?;
    read_all(bytes, path, sink)?;
    Ok(warning)
}

/// Reads the manifest into one sink per part, the parts read in parallel when the manifest
/// is large (see [`split`]). Concatenated in order, the sinks saw exactly what one sink
/// reading the whole manifest would. `new_sink` is told how many bytes of the manifest the
/// sink will hold once the later parts are appended to the first (to size its buffers).
pub fn parse_in_parts<'a, S, F>(
    bytes: &'a [u8],
    path: &Path,
    new_sink: F,
) -> Result<(Vec<S>, Option<Error>)>
where
    S: ManifestSink<'a> + Send,
    F: Fn(usize) -> S + Sync,
{
    let warning = check_schema(bytes, path)?;
    if let Some(sinks) = split::read(bytes, &new_sink) {
        return Ok((sinks, warning));
    }
    // The split read found something it does not expect: read the plain way, which also
    // gives the precise error for a malformed manifest.
    let mut sink = new_sink(bytes.len());
    read_all(bytes, path, &mut sink)?;
    Ok((vec![sink], warning))
}

pub(super) fn read_all<'a, S: ManifestSink<'a>>(
    bytes: &'a [u8],
    path: &Path,
    sink: &mut S,
) -> Result<()> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    deserializer
        .deserialize_map(ManifestVisitor { sink })
        .and_then(|()| deserializer.end())
        .map_err(|error| json_error(path, &error))
}

/// Rejects layouts too old to read; returns a warning for one newer than monolint knows.
fn check_schema(bytes: &[u8], path: &Path) -> Result<Option<Error>> {
    let schema = sniff_schema_version(bytes);
    if let Some(version) = schema
        && version < OLDEST_SCHEMA
    {
        return Err(Error::new(format!(
            "{}: manifest schema v{version} was written by dbt older than 1.3, which monolint does not read",
            path.display()
        ))
        .with_help("regenerate it with dbt-core 1.3 or newer: `dbt parse`"));
    }
    let warning = match schema {
        Some(version) if version > NEWEST_SCHEMA && version != FUSION_SCHEMA => Some(
            Error::new(format!(
                "{}: manifest schema v{version} is newer than monolint knows (v{NEWEST_SCHEMA}); reading it as v{NEWEST_SCHEMA}",
                path.display()
            ))
            .into_warning()
            .with_help("upgrade monolint if findings look wrong"),
        ),
        _ => None,
    };
    Ok(warning)
}

/// A JSON syntax or shape error, named by file, line and column.
pub fn json_error(path: &Path, error: &serde_json::Error) -> Error {
    let message = error.to_string();
    // serde_json appends " at line L column C"; the location goes in front instead.
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(head, _)| head);
    Error::new(format!(
        "{}:{}:{}: invalid manifest: {message}",
        path.display(),
        error.line(),
        error.column()
    ))
    .with_help("regenerate it with `dbt parse`")
}

/// Reads `vN` from `metadata.dbt_schema_version`, which dbt writes at the start of the file,
/// so an unsupported layout is reported before a confusing parse error.
fn sniff_schema_version(bytes: &[u8]) -> Option<u32> {
    let head = &bytes[..bytes.len().min(8192)];
    let head = String::from_utf8_lossy(head);
    let at = head.find("dbt_schema_version")?;
    let rest = &head[at..];
    let v = rest.find("/manifest/v")? + "/manifest/v".len();
    let digits: String = rest[v..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Parses a small JSON document (a node's config, a selector definition) into an owned type.
pub fn parse_raw<T: DeserializeOwned>(raw: &RawValue) -> Option<T> {
    serde_json::from_str(raw.get()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects what the reader hands over.
    #[derive(Default)]
    struct Collect<'a> {
        metadata: Option<Metadata<'a>>,
        nodes: Vec<RawNode<'a>>,
        disabled: Vec<RawNode<'a>>,
        groups: Vec<RawGroup<'a>>,
    }

    impl<'a> ManifestSink<'a> for Collect<'a> {
        type Node = RawNode<'a>;
        fn metadata(&mut self, metadata: Metadata<'a>) {
            self.metadata = Some(metadata);
        }
        fn node(&mut self, node: RawNode<'a>) {
            self.nodes.push(node);
        }
        fn disabled(&mut self, node: RawNode<'a>) {
            self.disabled.push(node);
        }
        fn group(&mut self, group: RawGroup<'a>) {
            self.groups.push(group);
        }
        fn selectors(&mut self, _: &'a RawValue) {}
    }

    #[test]
    fn reads_minimal_manifest_and_tolerates_nulls() {
        let json = br#"{
            "metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json", "project_name": "shop"},
            "nodes": {"model.shop.a": {"unique_id": "model.shop.a", "resource_type": "model", "name": "a",
                "package_name": "shop", "fqn": ["shop", "a"], "tags": null, "meta": null,
                "config": {"materialized": "incremental", "unique_key": ["id", "day"], "tags": "x"},
                "depends_on": {"nodes": ["source.shop.raw.t"]}, "raw_code": "select 1\n"}},
            "sources": {"source.shop.raw.t": {"unique_id": "source.shop.raw.t", "resource_type": "source", "name": "t"}},
            "macros": {"macro.x": {"anything": [1, 2, {"deep": true}]}},
            "groups": null,
            "disabled": {"model.shop.old": [{"unique_id": "model.shop.old", "name": "old"}]}
        }"#;
        let mut collect = Collect::default();
        let warning = parse(json, Path::new("manifest.json"), &mut collect).unwrap();
        assert!(warning.is_none());
        assert_eq!(
            collect.metadata.unwrap().project_name.as_deref(),
            Some("shop")
        );
        assert_eq!(collect.nodes.len(), 2);
        assert_eq!(collect.disabled[0].name, "old");
        assert!(collect.groups.is_empty());
        let node = &collect.nodes[0];
        assert!(node.tags.as_ref().is_none_or(|tags| tags.0.is_empty()));
        let config = &node.config.fields;
        assert_eq!(config.materialized.as_deref(), Some("incremental"));
        assert_eq!(config.unique_key.0, ["id", "day"]);
        assert_eq!(config.tags.0, ["x"]);
        assert_eq!(node.depends_on.nodes, ["source.shop.raw.t"]);
        assert_eq!(node.raw_code.unwrap().get(), r#""select 1\n""#);
        assert!(
            node.config
                .text
                .is_some_and(|text| text.get().starts_with(r#"{"materialized""#))
        );
    }

    #[test]
    fn truncated_manifest_names_line_and_column() {
        let error = parse(
            b"{\"metadata\": {\n\"x\": [1,",
            Path::new("t/manifest.json"),
            &mut Collect::default(),
        )
        .unwrap_err();
        assert!(
            error.message.starts_with("t/manifest.json:2:"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("invalid manifest"),
            "{}",
            error.message
        );
    }

    #[test]
    fn trailing_garbage_is_an_error() {
        let error = parse(b"{} x", Path::new("m.json"), &mut Collect::default()).unwrap_err();
        assert!(error.message.contains("trailing"), "{}", error.message);
    }

    #[test]
    fn old_and_new_schema_versions() {
        let old = br#"{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v5.json"}}"#;
        let error = parse(old, Path::new("m.json"), &mut Collect::default()).unwrap_err();
        assert!(error.message.contains("v5"), "{}", error.message);
        let new = br#"{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v13.json"}}"#;
        let warning = parse(new, Path::new("m.json"), &mut Collect::default()).unwrap();
        assert!(warning.unwrap().message.contains("newer"));
        let fusion = br#"{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v20.json"}}"#;
        assert!(
            parse(fusion, Path::new("m.json"), &mut Collect::default())
                .unwrap()
                .is_none()
        );
    }
}
