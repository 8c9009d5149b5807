//! The nodes defined by code files (models, seeds, snapshots, analyses, singular tests): their
//! config, columns and the fields dbt copies from the config.

use super::graph::WrittenConfig;
use super::*;
use crate::dbt::json_string::{self, write_value};
use crate::dbt::project::jinja;

/// `{% snapshot name %} ... {% endsnapshot %}` blocks: each name and body.
pub(super) fn snapshot_blocks(code: &str) -> Vec<(String, &str)> {
    let mut found = Vec::new();
    let mut open: Option<(String, usize)> = None;
    for block in crate::dbt::jinja::jinja_blocks(code) {
        if !block.is_statement {
            continue;
        }
        let statement = code[block.inner.clone()]
            .trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace());
        let mut words = statement.split_whitespace();
        match (words.next(), words.next()) {
            (Some("snapshot"), Some(name)) => {
                open = Some((name.to_owned(), (block.inner.end + 2).min(code.len())))
            }
            (Some("endsnapshot"), _) => {
                if let Some((name, start)) = open.take() {
                    let end = block.inner.start.saturating_sub(2).max(start);
                    found.push((name, &code[start..end]));
                }
            }
            _ => {}
        }
    }
    found
}

/// A node as `dbt parse` writes it into the manifest, as far as the graph reads it (the
/// fields of `RawNode`).
#[derive(Debug, Default)]
pub(super) struct NodeFields<'f> {
    pub(super) unique_id: String,
    pub(super) resource_type: &'static str,
    pub(super) name: String,
    pub(super) package_name: String,
    pub(super) original_file_path: String,
    pub(super) fqn: Vec<String>,
    /// The node's own tags: `None` for a unit test, which keeps them in its config only.
    pub(super) tags: Option<Vec<Value>>,
    pub(super) config: WrittenConfig,
    /// Borrowed from the file read, until written into the graph's text.
    pub(super) raw_code: Option<Cow<'f, str>>,
    /// `package://file` of the properties YAML that documents the node.
    pub(super) patch_path: Option<String>,
    pub(super) description: Option<Value>,
    /// JSON text (see [`columns_json`]).
    pub(super) columns: Option<String>,
    pub(super) access: Option<String>,
    pub(super) group: Option<String>,
    pub(super) contract: Option<Value>,
    pub(super) meta: Option<Value>,
    pub(super) version: Option<String>,
    pub(super) latest_version: Option<String>,
    pub(super) source_name: Option<String>,
    pub(super) source_description: Option<Value>,
    pub(super) source_meta: Option<Value>,
    /// A source table's `freshness`; `null` turns the check off.
    pub(super) freshness: Option<Value>,
    /// A generic test's macro name (`test_metadata.name`).
    pub(super) test_name: Option<String>,
    pub(super) column_name: Option<String>,
    /// An exposure's `owner`.
    pub(super) owner: Option<Value>,
}

/// The fields every node starts with. Boxed: a node is large, and the reader moves each
/// node from one list to the next several times.
pub(super) fn node_identity(
    unique_id: String,
    resource_type: &'static str,
    name: &str,
    package: &str,
    file: &str,
    fqn: Vec<String>,
) -> Box<NodeFields<'static>> {
    Box::new(NodeFields {
        unique_id,
        resource_type,
        name: name.to_owned(),
        package_name: package.to_owned(),
        original_file_path: file.to_owned(),
        fqn,
        ..NodeFields::default()
    })
}

/// A node defined by code: `file` is the path, `code` the text the node keeps.
pub(super) struct CodeNode<'a, 'f> {
    pub(super) unique_id: String,
    pub(super) resource_type: &'static str,
    pub(super) name: String,
    pub(super) fqn: Vec<String>,
    pub(super) file: &'a str,
    pub(super) code: Cow<'f, str>,
    pub(super) facts: CodeFacts,
    pub(super) patch_levels: Vec<Map<String, Value>>,
}

pub(super) fn code_node<'f>(
    context: &Context<'_>,
    mut code: CodeNode<'_, 'f>,
    patch: Option<&Patch<'_>>,
) -> Draft<'f> {
    let package = context.package;
    if !code.file.ends_with(".py") {
        let facts = std::mem::take(&mut code.facts);
        code.facts = jinja::refine(facts, &code.code, &package.name, context.macro_scope);
    }
    let patch_refs: Vec<&Map<String, Value>> = code.patch_levels.iter().collect();
    let (config, mut jinja) = context.config(
        code.resource_type,
        &code.fqn,
        &patch_refs,
        &code.facts.config,
    );
    // A `config()` argument only rendering tells (a `dbt_project.yml` value in Jinja is kept
    // as its text, which the graph tells apart).
    let computed_config = std::mem::take(&mut code.facts.dynamic_config);
    jinja.extend(
        computed_config
            .iter()
            // `config(some_dict)`: no key can be read.
            .filter(|key| GRAPH_CONFIG_KEYS.contains(&key.as_str()) || *key == "config")
            .cloned(),
    );
    let mut unknown = code.facts.dependencies_unknown.clone();
    if unknown.is_none()
        && let Some((namespace, name)) = code.facts.macros.iter().find(|(namespace, name)| {
            context
                .dependency_macros
                .reaches(namespace.as_deref(), name)
        })
    {
        let called = match namespace {
            Some(namespace) => format!("{namespace}.{name}"),
            None => name.clone(),
        };
        unknown = Some(format!(
            "it calls the macro `{called}`, which calls `ref()` or `source()`"
        ));
    }
    if unknown.is_none()
        && !context.dependency_vars.is_empty()
        && let Some((var, _)) = vars_read(&code.code)
            .into_iter()
            .find(|(name, _)| context.dependency_vars.contains(name))
    {
        unknown = Some(format!(
            "it reads the var `{var}`, whose value calls `ref()` or `source()`"
        ));
    }
    if jinja.iter().any(|key| key == "enabled") {
        // Whether the node exists at all comes first: its tests depend on it.
        unknown = Some(ENABLED_BY_JINJA.to_owned());
    } else if let Some(key) = jinja.first() {
        unknown.get_or_insert(format!("its config `{key}` is computed by Jinja"));
    }
    let mut node = node_identity(
        code.unique_id,
        code.resource_type,
        &code.name,
        &package.name,
        code.file,
        code.fqn,
    );
    node.raw_code = Some(code.code);
    if let Some(patch) = patch {
        node.patch_path = Some(format!("{}://{}", package.name, patch.file));
        if let Some(description) = patch.text("description") {
            node.description = Some(Value::String(description.to_owned()));
        }
        node.columns = Some(columns_json(&node_columns(patch.entry, None)));
        if let Some(access) = patch.text("access") {
            node.access = Some(access.to_owned());
        }
    }
    let enabled = !is_disabled(&config);
    finish_config(&mut node, config, code.resource_type);
    Draft {
        node,
        refs: code.facts.refs,
        sources: code.facts.sources,
        depends_on: Vec::new(),
        attached: None,
        unknown,
        computed_config,
        enabled,
    }
}

/// Sets the config, the default materialization, and the fields dbt copies from the config.
pub(super) fn finish_config(
    node: &mut NodeFields<'_>,
    config: Map<String, Value>,
    resource_type: &str,
) {
    let config = completed_config(config, resource_type);
    take_config_fields(node, &config);
    node.config = WrittenConfig::new(config);
}

/// A node's merged config as dbt completes it: the default materialization, what dbt writes
/// in every config (for `config.<key>` selectors), the tags deduplicated.
pub(super) fn completed_config(
    mut config: Map<String, Value>,
    resource_type: &str,
) -> Map<String, Value> {
    let default_materialization = match resource_type {
        "model" | "analysis" => Some("view"),
        "seed" => Some("seed"),
        "snapshot" => Some("snapshot"),
        "test" => Some("test"),
        _ => None,
    };
    if let Some(materialized) = default_materialization {
        config
            .entry("materialized")
            .or_insert_with(|| json!(materialized));
    }
    sanitize(&mut config);
    config.entry("enabled").or_insert(Value::Bool(true));
    if matches!(
        resource_type,
        "model" | "seed" | "snapshot" | "analysis" | "operation"
    ) {
        let contract = config.entry("contract").or_insert_with(|| json!({}));
        if let Value::Object(contract) = contract {
            contract.entry("enforced").or_insert(Value::Bool(false));
            contract.entry("alias_types").or_insert(Value::Bool(true));
        }
    }
    let mut tags: Vec<Value> = Vec::new();
    for tag in config
        .get("tags")
        .map(crate::dbt::project::config::listify)
        .unwrap_or_default()
    {
        if tag.is_string() && !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    config.insert("tags".into(), Value::Array(tags));
    config
}

/// The fields dbt copies from a [`completed_config`] onto the node: its tags (before the
/// node's own), access, group, contract and meta.
pub(super) fn take_config_fields(node: &mut NodeFields<'_>, config: &Map<String, Value>) {
    let mut tags: Vec<Value> = match config.get("tags") {
        Some(Value::Array(tags)) => tags.clone(),
        _ => Vec::new(),
    };
    for tag in node.tags.take().unwrap_or_default() {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    node.tags = Some(tags);
    if let Some(access) = config.get("access").and_then(Value::as_str) {
        node.access = Some(access.to_owned());
    }
    if let Some(group) = config.get("group").and_then(Value::as_str) {
        node.group = Some(group.to_owned());
    }
    if let Some(contract @ Value::Object(_)) = config.get("contract") {
        node.contract = Some(contract.clone());
    }
    if let Some(meta) = config.get("meta") {
        node.meta = Some(meta.clone());
    }
}

/// Leaves out values of a type dbt would refuse (a Jinja string for `enabled`): they are
/// reported as unknown, and the graph reads only what dbt could hold.
pub(super) fn sanitize(config: &mut Map<String, Value>) {
    if config.get("enabled").is_some_and(|v| !v.is_boolean()) {
        config.remove("enabled");
    }
    for key in ["materialized", "group", "access", "incremental_strategy"] {
        if config.get(key).is_some_and(|v| !v.is_string()) {
            config.remove(key);
        }
    }
    let is_key = |v: &Value| {
        v.is_string()
            || v.as_array()
                .is_some_and(|items| items.iter().all(Value::is_string))
    };
    if config.get("unique_key").is_some_and(|v| !is_key(v)) {
        config.remove("unique_key");
    }
    for key in ["meta", "contract"] {
        if config.get(key).is_some_and(|v| !v.is_object()) {
            config.remove(key);
        }
    }
}

/// The `columns:` of an entry, with a version's `include`/`exclude` and own columns applied.
pub(super) fn node_columns<'v>(
    entry: &'v Map<String, Value>,
    version: Option<&'v Map<String, Value>>,
) -> Vec<&'v Map<String, Value>> {
    let base: Vec<&Map<String, Value>> = entry
        .get("columns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .collect();
    let Some(version) = version else {
        return base;
    };
    let own: Vec<&Map<String, Value>> = version
        .get("columns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .filter(|column| column.contains_key("name"))
        .collect();
    let rules = version
        .get("columns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .find(|column| column.contains_key("include") || column.contains_key("exclude"));
    let excluded = |name: &str| -> bool {
        let Some(rules) = rules else {
            return false;
        };
        let listed = |key: &str| {
            text_list(rules.get(key))
                .iter()
                .any(|v| v.as_str() == Some(name))
        };
        let included = match rules.get("include") {
            Some(Value::String(all)) if all == "all" || all == "*" => true,
            Some(_) => listed("include"),
            None => true,
        };
        !included || listed("exclude")
    };
    let mut columns: Vec<&Map<String, Value>> = base
        .into_iter()
        .filter(|column| {
            let name = column
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            !excluded(name) && !own.iter().any(|o| o.get("name") == column.get("name"))
        })
        .collect();
    columns.extend(own);
    columns
}

/// The JSON text of a node's `columns` as the manifest holds them: by name, each with its name,
/// description and constraints. Written as serde_json writes the map of maps it stands for
/// (keys in order, a name given twice keeping its last entry), without building it.
pub(super) fn columns_json(columns: &[&Map<String, Value>]) -> String {
    let mut named: Vec<(&str, &Map<String, Value>)> = (columns.iter())
        .filter_map(|column| Some((column.get("name")?.as_str()?, *column)))
        .collect();
    // Stable: of one name, the last entry comes last.
    named.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = vec![b'{'];
    for (i, (name, column)) in named.iter().enumerate() {
        if named.get(i + 1).is_some_and(|(next, _)| next == name) {
            continue;
        }
        if out.len() > 1 {
            out.push(b',');
        }
        json_string::write(&mut out, name);
        out.extend_from_slice(b":{");
        if let Some(constraints) = column.get("constraints") {
            out.extend_from_slice(b"\"constraints\":");
            write_value(&mut out, constraints);
            out.push(b',');
        }
        out.extend_from_slice(b"\"description\":");
        match column.get("description") {
            Some(description) => {
                write_value(&mut out, description);
            }
            None => out.extend_from_slice(b"\"\""),
        }
        out.extend_from_slice(b",\"name\":");
        json_string::write(&mut out, name);
        out.push(b'}');
    }
    out.push(b'}');
    // Only strings and serde_json's output were written.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn columns_are_written_as_serde_json_writes_their_map() {
        let entries = [
            json!({"name": "b", "description": "second\n", "tests": ["unique"]}),
            json!({"name": "a", "constraints": [{"type": "not_null"}]}),
            json!({"name": "b", "description": {"odd": 1}}),
            json!({"description": "no name"}),
            json!({"name": "é\"q", "description": "quoted"}),
        ];
        let columns: Vec<&Map<String, Value>> =
            entries.iter().filter_map(Value::as_object).collect();
        // The map of maps the text stands for, built as dbt's manifest holds it.
        let mut expected = Map::new();
        for column in &columns {
            let Some(name) = column.get("name").and_then(Value::as_str) else {
                continue;
            };
            let mut entry = Map::new();
            entry.insert("name".into(), json!(name));
            let description = column.get("description").cloned();
            entry.insert("description".into(), description.unwrap_or(json!("")));
            if let Some(constraints) = column.get("constraints") {
                entry.insert("constraints".into(), constraints.clone());
            }
            expected.insert(name.to_owned(), Value::Object(entry));
        }
        let text = columns_json(&columns);
        assert_eq!(text, serde_json::to_string(&expected).unwrap());
        assert_eq!(columns_json(&[]), "{}");
    }
}
