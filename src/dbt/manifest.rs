//! `manifest.json` as dbt writes it, read into borrowed structs holding only what monolint uses.
//!
//! Everything is lenient: unknown keys are skipped without being built, missing keys default,
//! and `null` is accepted wherever dbt (or dbt Fusion) has been seen to write it.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::{Error, Result};

/// The oldest manifest layout monolint reads (dbt 1.3: `raw_sql` became `raw_code`).
pub const OLDEST_SCHEMA: u32 = 7;
/// The newest manifest layout monolint knows (dbt 1.8 to 1.11 and later all write v12).
pub const NEWEST_SCHEMA: u32 = 12;
/// The schema id early dbt Fusion builds wrote; the same metadata as v12.
const FUSION_SCHEMA: u32 = 20;

#[derive(Debug, Deserialize)]
pub struct Manifest<'a> {
    #[serde(borrow, default)]
    pub metadata: Metadata<'a>,
    #[serde(borrow, default, deserialize_with = "map_values")]
    pub nodes: Vec<RawNode<'a>>,
    #[serde(borrow, default, deserialize_with = "map_values")]
    pub sources: Vec<RawNode<'a>>,
    #[serde(borrow, default, deserialize_with = "map_values")]
    pub exposures: Vec<RawNode<'a>>,
    #[serde(borrow, default, deserialize_with = "map_values")]
    pub metrics: Vec<RawNode<'a>>,
    #[serde(borrow, default, deserialize_with = "map_values")]
    pub semantic_models: Vec<RawNode<'a>>,
    #[serde(borrow, default, deserialize_with = "map_values")]
    pub saved_queries: Vec<RawNode<'a>>,
    #[serde(borrow, default, deserialize_with = "map_values")]
    pub unit_tests: Vec<RawNode<'a>>,
    #[serde(borrow, default, deserialize_with = "map_values")]
    pub functions: Vec<RawNode<'a>>,
    #[serde(borrow, default, deserialize_with = "map_values")]
    pub groups: Vec<RawGroup<'a>>,
    #[serde(borrow, default, deserialize_with = "disabled_nodes")]
    pub disabled: Vec<RawNode<'a>>,
    #[serde(borrow, default)]
    pub selectors: Option<&'a RawValue>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Metadata<'a> {
    #[serde(borrow, default)]
    pub dbt_schema_version: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub dbt_version: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub project_name: Option<Cow<'a, str>>,
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
    #[serde(borrow, default, deserialize_with = "nullable")]
    pub tags: StringOrList<'a>,
    #[serde(borrow, default)]
    pub config: Option<&'a RawValue>,
    #[serde(default, deserialize_with = "nullable")]
    pub meta: serde_json::Map<String, serde_json::Value>,
    #[serde(borrow, default, deserialize_with = "nullable")]
    pub depends_on: DependsOn<'a>,
    #[serde(borrow, default, alias = "raw_sql")]
    pub raw_code: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub description: Option<Cow<'a, str>>,
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
    #[serde(borrow, default)]
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

#[derive(Debug, Deserialize)]
pub struct Checksum<'a> {
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

/// The subset of a node's `config` monolint reads as typed values. The whole `config` object
/// is also kept as raw JSON for `config.<key>` selectors.
#[derive(Debug, Default, Deserialize)]
pub struct RawConfig<'a> {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(borrow, default)]
    pub materialized: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "nullable")]
    pub tags: StringOrList<'a>,
    #[serde(default, deserialize_with = "nullable")]
    pub meta: serde_json::Map<String, serde_json::Value>,
    #[serde(borrow, default)]
    pub group: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub access: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "nullable")]
    pub unique_key: StringOrList<'a>,
    #[serde(borrow, default)]
    pub incremental_strategy: Option<Cow<'a, str>>,
}

/// dbt writes some fields as a string in one place and a list in another (`tags`,
/// `unique_key`, an owner's `email`).
#[derive(Debug, Default)]
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

/// `null` reads as the type's default.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A JSON object `{unique_id: value}` read as the list of its values, in file order, without
/// building a map (the key is repeated inside every value).
fn map_values<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct V<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut values = Vec::with_capacity(map.size_hint().unwrap_or(0));
            while let Some((IgnoredAny, value)) = map.next_entry::<IgnoredAny, T>()? {
                values.push(value);
            }
            Ok(values)
        }
    }
    deserializer.deserialize_any(V(PhantomData))
}

/// `disabled` maps each unique_id to the list of its disabled definitions.
fn disabled_nodes<'de, D>(deserializer: D) -> Result<Vec<RawNode<'de>>, D::Error>
where
    D: Deserializer<'de>,
{
    let lists: Vec<Vec<RawNode<'de>>> = map_values(deserializer)?;
    Ok(lists.into_iter().flatten().collect())
}

impl<'a> RawNode<'a> {
    pub fn config(&self) -> RawConfig<'a> {
        self.config
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
            .unwrap_or_default()
    }
}

/// Parses a manifest held in `bytes` (read from `path`, named in errors).
///
/// Returns the manifest and, for a layout newer than monolint knows, a warning.
pub fn parse<'a>(bytes: &'a [u8], path: &Path) -> Result<(Manifest<'a>, Option<Error>)> {
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
    let manifest: Manifest =
        serde_json::from_slice(bytes).map_err(|error| json_error(path, &error))?;
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
    Ok((manifest, warning))
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
            "disabled": {"model.shop.old": [{"unique_id": "model.shop.old", "name": "old"}]}
        }"#;
        let (manifest, warning) = parse(json, Path::new("manifest.json")).unwrap();
        assert!(warning.is_none());
        assert_eq!(manifest.nodes.len(), 1);
        assert_eq!(manifest.sources.len(), 1);
        assert_eq!(manifest.disabled[0].name, "old");
        let node = &manifest.nodes[0];
        assert!(node.tags.0.is_empty());
        let config = node.config();
        assert_eq!(config.materialized.as_deref(), Some("incremental"));
        assert_eq!(config.unique_key.0, ["id", "day"]);
        assert_eq!(config.tags.0, ["x"]);
        assert_eq!(node.depends_on.nodes, ["source.shop.raw.t"]);
    }

    #[test]
    fn truncated_manifest_names_line_and_column() {
        let error = parse(
            b"{\"metadata\": {\n\"x\": [1,",
            Path::new("t/manifest.json"),
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
    fn old_and_new_schema_versions() {
        let old = br#"{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v5.json"}}"#;
        let error = parse(old, Path::new("m.json")).unwrap_err();
        assert!(error.message.contains("v5"), "{}", error.message);
        let new = br#"{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v13.json"}}"#;
        let (_, warning) = parse(new, Path::new("m.json")).unwrap();
        assert!(warning.unwrap().message.contains("newer"));
        let fusion = br#"{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v20.json"}}"#;
        assert!(parse(fusion, Path::new("m.json")).unwrap().1.is_none());
    }
}
