//! The nodes properties YAML declares: generic tests, sources, exposures and unit tests.

use super::nodes::{columns_json, finish_config, node_columns, node_identity, take_config_fields};
use super::*;

pub(super) fn tests_of(entry: &Map<String, Value>) -> impl Iterator<Item = &Value> {
    entry
        .get("data_tests")
        .or_else(|| entry.get("tests"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// One entry of a `data_tests:` list, with the column it tests.
pub(super) struct DeclaredTest<'v> {
    pub(super) entry: &'v Value,
    /// The column, quoted when the column says `quote: true`.
    pub(super) column: Option<String>,
    pub(super) quoted: bool,
    /// The column's tags, and the source's and table's for a source test.
    pub(super) tags: Vec<Value>,
}

/// The tests declared on `owners` (a model and its version, or a source table) and on their
/// `columns`; `tags` are added to each.
pub(super) fn declared_tests<'v>(
    owners: &[&'v Map<String, Value>],
    columns: &[&'v Map<String, Value>],
    tags: &[Value],
) -> Vec<DeclaredTest<'v>> {
    let mut declared: Vec<DeclaredTest<'v>> = owners
        .iter()
        .flat_map(|owner| tests_of(owner))
        .map(|entry| DeclaredTest {
            entry,
            column: None,
            quoted: false,
            tags: tags.to_vec(),
        })
        .collect();
    for column in columns {
        let Some(name) = column.get("name").and_then(Value::as_str) else {
            continue;
        };
        let quoted = column.get("quote").and_then(Value::as_bool) == Some(true);
        let mut column_tags = tags.to_vec();
        column_tags.extend(text_list(column.get("tags")));
        if let Some(config) = column.get("config") {
            column_tags.extend(text_list(config.get("tags")));
        }
        for entry in tests_of(column) {
            declared.push(DeclaredTest {
                entry,
                // dbt quotes the column with the adapter's quote; `"` for most.
                column: Some(if quoted {
                    format!("\"{name}\"")
                } else {
                    name.to_owned()
                }),
                quoted,
                tags: column_tags.clone(),
            });
        }
    }
    declared
}

/// What a generic test is attached to.
pub(super) enum TestAttachment {
    /// A model, seed, snapshot or analysis, resolved with the other refs.
    Ref(RefCall),
    /// A source table.
    Known(String),
}

/// `folder_fqn`: the fqn of the properties file's folder (`context.fqn(yaml_folders(file))`),
/// the same for all its tests.
pub(super) fn generic_test_node(
    context: &Context<'_>,
    file: &str,
    folder_fqn: &[String],
    declared: DeclaredTest<'_>,
    target: &TestTarget<'_>,
    attachment: TestAttachment,
) -> Option<Draft<'static>> {
    let package = context.package;
    let column = declared.column.as_deref();
    let test = read_test(
        declared.entry,
        target,
        column,
        package.reads_test_arguments(),
    )?;
    let mut fqn = Vec::with_capacity(folder_fqn.len() + 1);
    fqn.extend_from_slice(folder_fqn);
    fqn.push(test.name.clone());
    let test_config = context.test_config(&fqn, &test.config);
    let mut refs = Vec::new();
    let mut sources = Vec::new();
    let mut depends_on = Vec::new();
    let mut unknown =
        (test_config.jinja.first()).map(|key| format!("its config `{key}` is computed by Jinja"));
    if test.name_unknown {
        unknown.get_or_insert(
            "its name is made from a mapping argument's values, in an order not kept".into(),
        );
    }
    if declared.quoted {
        unknown.get_or_insert("its column is quoted as the adapter quotes (`quote: true`)".into());
    }
    let attached = match attachment {
        TestAttachment::Ref(call) => {
            refs.push(call.clone());
            Some(call)
        }
        TestAttachment::Known(id) => {
            depends_on.push(id);
            None
        }
    };
    for (key, value) in &test.kwargs {
        if key == "model" {
            continue;
        }
        for text in strings_in(value) {
            let facts = read_jinja_value(text);
            refs.extend(facts.refs);
            sources.extend(facts.sources);
            if let Some(reason) = facts.dependencies_unknown {
                unknown.get_or_insert(reason);
            }
        }
    }
    // A test macro whose own body calls `ref()` or `source()` adds dependencies as it renders;
    // one that calls `config()` sets the test's config.
    let test_macro = ["test_", &test.test_name].concat();
    let namespace = test.namespace.as_deref();
    if context.dependency_macros.reaches(namespace, &test_macro) {
        unknown.get_or_insert(format!(
            "its test macro `{test_macro}` calls `ref()` or `source()`"
        ));
    }
    let mut computed_config = Vec::new();
    if (context.dependency_macros).reaches_config(namespace, &test_macro) {
        computed_config.push("config".to_owned());
    }
    let mut node = node_identity(
        ["test.", &package.name, ".", &test.name, ".", &test.hash].concat(),
        "test",
        &test.name,
        &package.name,
        file,
        fqn,
    );
    node.tags = Some(declared.tags);
    let macro_name = match &test.namespace {
        Some(namespace) => [namespace, ".", &test_macro].concat(),
        None => test_macro,
    };
    node.raw_code = Some(Cow::Owned(
        ["{{ ", &macro_name, "(**_dbt_generic_test_kwargs) }}"].concat(),
    ));
    node.description = Some(Value::String(test.description));
    node.test_name = Some(test.test_name);
    node.column_name = column.map(str::to_owned);
    take_config_fields(&mut node, &test_config.config);
    node.config = test_config.written.clone();
    let enabled = test_config.enabled;
    Some(Draft {
        node,
        refs,
        sources,
        depends_on,
        attached,
        unknown,
        computed_config,
        enabled,
    })
}

/// The strings of a value, nested ones included.
pub(super) fn strings_in(value: &Value) -> Vec<&str> {
    match value {
        Value::String(text) => vec![text.as_str()],
        Value::Array(items) => items.iter().flat_map(strings_in).collect(),
        Value::Object(map) => map.values().flat_map(strings_in).collect(),
        _ => Vec::new(),
    }
}

pub(super) fn source_node(
    context: &Context<'_>,
    file: &str,
    source: &Map<String, Value>,
    source_name: &str,
    table: &Map<String, Value>,
    table_name: &str,
) -> Draft<'static> {
    let package = context.package;
    let mut fqn = context.fqn(yaml_folders(file));
    fqn.push(source_name.to_owned());
    fqn.push(table_name.to_owned());
    let source_level = entry_level(source);
    let table_level = entry_level(table);
    let (config, jinja) =
        context.config("source", &fqn, &[&source_level, &table_level], &Map::new());
    let mut node = node_identity(
        format!("source.{}.{source_name}.{table_name}", package.name),
        "source",
        table_name,
        &package.name,
        file,
        fqn,
    );
    node.source_name = Some(source_name.to_owned());
    node.description = Some(table.get("description").cloned().unwrap_or(json!("")));
    node.source_description = Some(source.get("description").cloned().unwrap_or(json!("")));
    node.source_meta = source_level.get("meta").cloned();
    let freshness = table
        .get("freshness")
        .or_else(|| table_level.get("freshness"))
        .or_else(|| source.get("freshness"))
        .or_else(|| source_level.get("freshness"))
        .or_else(|| config.get("freshness"))
        .cloned()
        .unwrap_or_else(|| json!({"warn_after": {"count": null}, "error_after": {"count": null}}));
    node.freshness = Some(freshness);
    node.columns = Some(columns_json(&node_columns(table, None)));
    let enabled = !is_disabled(&config);
    let mut config = config;
    config.remove("materialized");
    finish_config(&mut node, config, "source");
    Draft {
        node,
        refs: Vec::new(),
        sources: Vec::new(),
        depends_on: Vec::new(),
        attached: None,
        unknown: jinja
            .first()
            .map(|key| format!("its config `{key}` is computed by Jinja")),
        computed_config: Vec::new(),
        enabled,
    }
}

pub(super) fn exposure_node(
    context: &Context<'_>,
    file: &str,
    exposure: &Map<String, Value>,
) -> Option<Draft<'static>> {
    let package = context.package;
    let name = exposure.get("name").and_then(Value::as_str)?;
    let mut fqn = context.fqn(yaml_folders(file));
    fqn.push(name.to_owned());
    let level = entry_level(exposure);
    let (config, jinja) = context.config("exposure", &fqn, &[&level], &Map::new());
    let mut refs = Vec::new();
    let mut sources = Vec::new();
    let mut unknown = jinja
        .first()
        .map(|key| format!("its config `{key}` is computed by Jinja"));
    for text in text_list(exposure.get("depends_on")) {
        let Some(text) = text.as_str() else {
            continue;
        };
        let facts = read_jinja_value(text);
        refs.extend(facts.refs);
        sources.extend(facts.sources);
        if let Some(reason) = facts.dependencies_unknown {
            unknown.get_or_insert(reason);
        }
        if text.contains("metric(") {
            unknown.get_or_insert("it depends on a metric, which monolint does not read".into());
        }
    }
    let mut node = node_identity(
        format!("exposure.{}.{name}", package.name),
        "exposure",
        name,
        &package.name,
        file,
        fqn,
    );
    node.description = Some(exposure.get("description").cloned().unwrap_or(json!("")));
    node.owner = exposure.get("owner").cloned();
    let enabled = !is_disabled(&config);
    let mut config = config;
    config.remove("materialized");
    finish_config(&mut node, config, "exposure");
    Some(Draft {
        node,
        refs,
        sources,
        depends_on: Vec::new(),
        attached: None,
        unknown,
        computed_config: Vec::new(),
        enabled,
    })
}

/// A unit test; one per tested version for a versioned model (`model_versions`), as dbt
/// makes them (`<name>_v<version>`).
pub(super) fn unit_test_nodes(
    context: &Context<'_>,
    file: &str,
    test: &Map<String, Value>,
    model_versions: Option<&Vec<String>>,
) -> Vec<Draft<'static>> {
    let package = context.package;
    let (Some(name), Some(model)) = (
        test.get("name").and_then(Value::as_str),
        test.get("model").and_then(Value::as_str),
    ) else {
        return Vec::new();
    };
    let mut fqn = context.fqn(yaml_folders(file));
    fqn.push(model.to_owned());
    fqn.push(name.to_owned());
    let level = match test.get("config") {
        Some(Value::Object(config)) => config.clone(),
        _ => Map::new(),
    };
    let (config, _) = context.config("unit_test", &fqn, &[&level], &Map::new());
    let enabled = !is_disabled(&config);
    let mut config = config;
    config.remove("materialized");
    let listed = |key: &str| -> Option<Vec<String>> {
        let values = test.get("versions")?.get(key)?;
        Some(
            text_list(Some(values))
                .iter()
                .filter_map(version_text)
                .collect(),
        )
    };
    let versions: Vec<Option<String>> = match model_versions {
        None => vec![None],
        Some(all) => {
            let (include, exclude) = (listed("include"), listed("exclude"));
            all.iter()
                .filter(|v| match (&exclude, &include) {
                    (Some(exclude), _) => !exclude.contains(v),
                    (None, Some(include)) => include.contains(v),
                    (None, None) => true,
                })
                .map(|v| Some(v.clone()))
                .collect()
        }
    };
    versions
        .into_iter()
        .map(|version| {
            let suffix = version.as_ref().map_or(String::new(), |v| format!("_v{v}"));
            let mut node = node_identity(
                format!("unit_test.{}.{model}.{name}{suffix}", package.name),
                "unit_test",
                name,
                &package.name,
                file,
                fqn.clone(),
            );
            node.description = Some(test.get("description").cloned().unwrap_or(json!("")));
            node.version = version.clone();
            finish_config(&mut node, config.clone(), "unit_test");
            // dbt keeps a unit test's tags in its config only.
            node.tags = None;
            Draft {
                node,
                refs: vec![RefCall {
                    package: None,
                    name: model.to_owned(),
                    version,
                }],
                sources: Vec::new(),
                depends_on: Vec::new(),
                attached: None,
                unknown: None,
                computed_config: Vec::new(),
                enabled,
            }
        })
        .collect()
}

/// A properties entry's own config level: its `config:`, with the `meta` and `tags` it gives
/// outside `config:` merged in, as dbt reads them.
fn entry_level(entry: &Map<String, Value>) -> Map<String, Value> {
    let mut level = match entry.get("config") {
        Some(Value::Object(config)) => config.clone(),
        _ => Map::new(),
    };
    for key in ["meta", "tags"] {
        if let Some(value) = entry.get(key) {
            merge_into(
                &mut level,
                &Map::from_iter([(key.to_owned(), value.clone())]),
            );
        }
    }
    level
}
