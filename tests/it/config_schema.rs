//! The JSON Schema of `monolint.toml`: the committed `docs/monolint.schema.json` is what the
//! settings structs generate, it accepts and rejects what monolint itself accepts and rejects
//! on every config the repository shows, and `docs/configuration.md` documents exactly its keys.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use monolint::config::Config;
use serde_json::Value;

use crate::support::{display, fenced_blocks, repo_root};

const SCHEMA_FILE: &str = "docs/monolint.schema.json";
const REFERENCE_FILE: &str = "docs/configuration.md";

fn schema() -> Value {
    monolint::config::json_schema().to_value()
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema()).expect("the config schema compiles")
}

/// Follows `$ref` (alone or as draft 7's `allOf: [{"$ref"}]`) to the schema it names.
fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    let reference = schema
        .get("$ref")
        .or_else(|| schema.pointer("/allOf/0/$ref"))
        .and_then(Value::as_str);
    match reference.and_then(|pointer| pointer.strip_prefix('#')) {
        Some(pointer) => resolve(root, root.pointer(pointer).expect("a $ref resolves")),
        None => schema,
    }
}

fn properties<'a>(root: &'a Value, schema: &'a Value) -> Vec<(&'a String, &'a Value)> {
    resolve(root, schema)
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| properties.iter().collect())
        .unwrap_or_default()
}

/// Writes `path` when it differs from `contents`, then fails: CI catches a stale file, and a
/// local run fixes it.
fn ensure_file_contents(path: &PathBuf, contents: &str) {
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if current != contents {
        std::fs::write(path, contents).unwrap();
        panic!(
            "{} was stale and has been regenerated from the settings structs; commit it",
            path.display()
        );
    }
}

#[test]
fn schema_file_is_current() {
    let mut text = serde_json::to_string_pretty(&schema()).unwrap();
    text.push('\n');
    ensure_file_contents(&repo_root().join(SCHEMA_FILE), &text);
}

#[test]
fn schema_is_a_valid_draft_7_schema() {
    let schema = schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    if let Err(error) = jsonschema::draft7::meta::validate(&schema) {
        panic!(
            "not a valid draft 7 schema: {error} at {}",
            error.instance_path()
        );
    }
    validator();
}

/// Editors show a key's description on hover and in completions: each comes from the doc
/// comment of its field.
#[test]
fn every_key_has_a_description() {
    let schema = schema();
    let mut objects = vec![("(top level)".to_owned(), &schema)];
    for (name, definition) in schema["definitions"].as_object().unwrap() {
        objects.push((name.clone(), definition));
    }
    let mut checked = 0;
    for (name, object) in objects {
        for (key, property) in object["properties"].as_object().into_iter().flatten() {
            let description = property["description"].as_str().unwrap_or_default();
            assert!(
                description.len() > 10 && description.ends_with(['.', ')']),
                "{name}.{key}: no description (write a doc comment on the field): {description:?}"
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "checked {checked}");
}

// ---------------------------------------------------------------------------------------------
// The schema and monolint agree

/// Whether the schema accepts the config, with the reasons when it does not.
fn schema_verdict(validator: &jsonschema::Validator, text: &str) -> Result<(), String> {
    let value: Value = toml::from_str(text).map_err(|error| format!("not TOML: {error}"))?;
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

/// Asserts that the schema and monolint's settings both accept a config.
fn assert_accepted(validator: &jsonschema::Validator, origin: &str, text: &str) {
    if let Err(errors) = schema_verdict(validator, text) {
        panic!("{origin}: the schema rejects it:\n{errors}\n---\n{text}");
    }
    if let Err(error) = toml::from_str::<Config>(text) {
        panic!("{origin}: monolint rejects it: {error}\n---\n{text}");
    }
}

/// Every `monolint.toml` (and `[tool.monolint]` table) under `dir`.
fn config_files(dir: &Path, found: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy();
        if path.is_dir() {
            config_files(&path, found);
        } else if name == "monolint.toml" {
            found.push((display(&path), std::fs::read_to_string(&path).unwrap()));
        } else if name == "pyproject.toml" {
            let text = std::fs::read_to_string(&path).unwrap();
            let table: toml::Table = toml::from_str(&text).unwrap();
            if let Some(config) = table.get("tool").and_then(|tool| tool.get("monolint")) {
                found.push((display(&path), toml::to_string(config).unwrap()));
            }
        }
    }
}

/// The code blocks tagged exactly `toml` in a Markdown file (a block that shows another TOML
/// file names it after the language: ```` ```toml .taplo.toml ````), each with its origin.
fn toml_blocks(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    fenced_blocks(&text)
        .into_iter()
        .filter(|block| block.info == "toml")
        .map(|block| (format!("{}:{}", display(path), block.line), block.text))
        .collect()
}

fn markdown_files() -> Vec<PathBuf> {
    let mut files = vec![repo_root().join("README.md")];
    for dir in ["docs", "rules", "examples/acme-analytics"] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(repo_root().join(dir))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
            .collect();
        entries.sort();
        files.extend(entries);
    }
    files
}

#[test]
fn committed_configs_follow_the_schema() {
    let validator = validator();
    let mut configs = Vec::new();
    config_files(&repo_root().join("examples"), &mut configs);
    config_files(&repo_root().join("tests"), &mut configs);
    assert!(configs.len() >= 4, "found {configs:?}");
    for (origin, text) in &configs {
        assert_accepted(&validator, origin, text);
    }
}

#[test]
fn documented_configs_follow_the_schema() {
    let validator = validator();
    let blocks: Vec<(String, String)> = markdown_files()
        .iter()
        .flat_map(|path| toml_blocks(path))
        .collect();
    // The reference's own examples, the README's and each rule page's.
    assert!(blocks.len() >= 8, "found {blocks:?}");
    for (origin, text) in &blocks {
        assert_accepted(&validator, origin, text);
    }
}

/// What `monolint init` writes (its snapshot, which tests/it/formats.rs keeps equal to what it
/// writes for the example), and the same with every commented setting switched on: the starter
/// config only suggests valid values.
#[test]
fn init_output_follows_the_schema() {
    let validator = validator();
    let path = repo_root()
        .join("tests/it/snapshots/it__formats__init_writes_a_config_that_keeps_the_findings.snap");
    let snapshot = std::fs::read_to_string(&path).unwrap();
    let (_, written) = snapshot
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .expect("an insta snapshot header");
    assert_accepted(&validator, "monolint init", written);

    let mut switched_on = 0;
    let uncommented: String = written
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(setting) if toml::from_str::<toml::Table>(setting).is_ok() => {
                switched_on += 1;
                setting
            }
            _ => line,
        })
        .map(|line| format!("{line}\n"))
        .collect();
    assert!(switched_on >= 6, "{uncommented}");
    assert_accepted(&validator, "monolint init, uncommented", &uncommented);
}

/// Configs monolint rejects; the schema must reject each too, so editors flag them.
const REJECTED: &[(&str, &str)] = &[
    ("an unknown top-level key", "colour = \"always\"\n"),
    ("a misspelled key", "[dbt]\nproject = [\"dbt\"]\n"),
    ("an unknown table", "[dagster]\n"),
    ("an unknown severity", "fail-on = \"fatal\"\n"),
    ("a severity in capitals", "fail-on = \"Error\"\n"),
    (
        "an unknown severity for a rule",
        "[severity]\nX001 = \"critical\"\n",
    ),
    ("a selection that is not a list", "select = \"X001\"\n"),
    ("an unknown Airflow version", "[airflow]\nversion = 4\n"),
    ("a version as a string", "[airflow]\nversion = \"3\"\n"),
    (
        "a wrapper without its argument",
        "[[airflow.dbt-operators]]\nname = \"dbt_task\"\n",
    ),
    (
        "a negative position",
        "[[airflow.dbt-operators]]\nname = \"t\"\nargument = \"a\"\nposition = -1\n",
    ),
    (
        "an unknown wrapper key",
        "[[airflow.dbt-operators]]\nname = \"t\"\nargument = \"a\"\nkind = \"operator\"\n",
    ),
    (
        "a path map to a list",
        "[dbt]\npath-map = { \"/opt\" = [\".\"] }\n",
    ),
    ("an unknown rule table", "[rules.model-unscheduled]\n"),
    ("a rule table by code", "[rules.X001]\nexclude = []\n"),
    (
        "an unknown rule option",
        "[rules.model-not-scheduled]\nexcludes = []\n",
    ),
    (
        "an option of a rule without options",
        "[rules.stale-manifest]\nenabled = true\n",
    ),
    (
        "a wrong option type",
        "[rules.interval-vars-empty-window]\ncron-data-intervals = \"yes\"\n",
    ),
];

#[test]
fn schema_rejects_what_monolint_rejects() {
    let validator = validator();
    for (what, text) in REJECTED {
        assert!(
            toml::from_str::<Config>(text).is_err(),
            "{what}: monolint accepts it\n---\n{text}"
        );
        assert!(
            schema_verdict(&validator, text).is_err(),
            "{what}: the schema accepts it\n---\n{text}"
        );
    }
}

/// Every default the schema states, at its place in one config: monolint accepts it, so each
/// default has the shape of its key.
#[test]
fn schema_defaults_are_valid_settings() {
    let schema = schema();
    let defaults = defaults_of(&schema, &schema);
    let text = toml::to_string(&defaults).unwrap();
    for expected in [
        "fail-on = \"warning\"",
        "[rules.dag-owner-missing]",
        "meta-keys",
    ] {
        assert!(text.contains(expected), "{expected} missing from\n{text}");
    }
    assert_accepted(&validator(), "the schema's defaults", &text);
}

/// A table holding every property's default, recursing into tables.
fn defaults_of(root: &Value, schema: &Value) -> Value {
    let mut table = serde_json::Map::new();
    for (key, property) in properties(root, schema) {
        if let Some(default) = property.get("default") {
            table.insert(key.clone(), default.clone());
            continue;
        }
        let target = resolve(root, property);
        if target.get("properties").is_some() && target["type"] == "object" {
            let nested = defaults_of(root, target);
            if nested.as_object().is_some_and(|nested| !nested.is_empty()) {
                table.insert(key.clone(), nested);
            }
        }
    }
    Value::Object(table)
}

// ---------------------------------------------------------------------------------------------
// The configuration reference documents every key

/// Every key of the schema as (TOML table, key): `("", "fail-on")`, `("airflow.dbt-operators",
/// "name")`, `("rules.model-not-scheduled", "exclude")`. A table that takes any key
/// (`[severity]`, whose listed keys are the rules, for completion) counts as one key.
fn schema_keys(root: &Value, schema: &Value, table: &str, keys: &mut BTreeSet<(String, String)>) {
    for (key, property) in properties(root, schema) {
        keys.insert((table.to_owned(), key.clone()));
        let mut target = resolve(root, property);
        if target["type"] == "array" {
            target = resolve(root, &target["items"]);
        }
        let open = target
            .get("additionalProperties")
            .is_some_and(|additional| additional != false);
        if target.get("properties").is_some() && !open {
            let nested = if table.is_empty() {
                key.clone()
            } else {
                format!("{table}.{key}")
            };
            schema_keys(root, target, &nested, keys);
        }
    }
}

/// A documented key: where the reference lists it, its table row and default cell (if any).
struct Documented {
    table: String,
    key: String,
    row: Option<String>,
    default: Option<String>,
}

/// The cells of a Markdown table row.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner
        .split('|')
        .map(|cell| cell.trim().to_owned())
        .collect()
}

/// The text between backticks, in order.
fn code_spans(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The keys `docs/configuration.md` documents: table headings (`` ## `[dbt]` ``,
/// `` ### `[[airflow.dbt-operators]]` ``) and the rows of the key tables under them; under
/// `[rules.<name>]`, the rule column names the table.
fn documented_keys(reference: &str) -> Vec<Documented> {
    let mut documented = Vec::new();
    let mut table: Option<String> = None;
    let mut columns: Vec<String> = Vec::new();
    let lines: Vec<&str> = reference.lines().collect();
    let mut in_code_block = false;
    for (index, line) in lines.iter().enumerate() {
        if line.starts_with("```") {
            in_code_block = !in_code_block;
            continue;
        }
        if in_code_block {
            continue;
        }
        if line.starts_with('#') {
            columns.clear();
            let heading = line.trim_start_matches('#').trim();
            table = if heading == "Top-level keys" {
                Some(String::new())
            } else {
                code_spans(heading)
                    .first()
                    .filter(|span| span.starts_with('['))
                    .map(|span| span.trim_matches(|c| c == '[' || c == ']').to_owned())
            };
            if let Some(path) = &table {
                // The heading documents the table itself as a key of its parent.
                let (parent, key) = match path.rsplit_once('.') {
                    Some(("rules", "<name>")) => ("", "rules"),
                    Some((parent, key)) => (parent, key),
                    None => ("", path.as_str()),
                };
                if !key.is_empty() {
                    documented.push(Documented {
                        table: parent.to_owned(),
                        key: key.to_owned(),
                        row: None,
                        default: None,
                    });
                }
            }
            continue;
        }
        let Some(table) = &table else { continue };
        if !line.starts_with('|') {
            columns.clear();
            continue;
        }
        if lines
            .get(index + 1)
            .is_some_and(|next| next.starts_with("| ---"))
        {
            columns = cells(line);
            continue;
        }
        let row = cells(line);
        let column = |name: &str| {
            columns
                .iter()
                .position(|column| column == name)
                .and_then(|index| row.get(index))
        };
        if let (Some(rule), Some(option)) = (column("Rule"), column("Option")) {
            for rule in code_spans(rule) {
                for option in code_spans(option) {
                    documented.push(Documented {
                        table: format!("rules.{rule}"),
                        key: option.to_owned(),
                        row: Some(line.to_string()),
                        default: column("Default").cloned(),
                    });
                }
            }
        } else if let Some(keys) = column("Key") {
            for key in code_spans(keys) {
                documented.push(Documented {
                    table: table.clone(),
                    key: key.to_owned(),
                    row: Some(line.to_string()),
                    default: column("Default").cloned(),
                });
            }
        }
    }
    documented
}

#[test]
fn configuration_reference_documents_every_key() {
    let schema = schema();
    let mut expected = BTreeSet::new();
    schema_keys(&schema, &schema, "", &mut expected);
    // Rules without options have no row: the rules section names them.
    let reference = std::fs::read_to_string(repo_root().join(REFERENCE_FILE)).unwrap();
    let rules_section = reference
        .split("## `[rules.<name>]`")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a [rules.<name>] section");
    let named_rules: BTreeSet<&str> = code_spans(rules_section).into_iter().collect();

    let documented = documented_keys(&reference);
    let mut listed: BTreeSet<(String, String)> = documented
        .iter()
        .map(|doc| (doc.table.clone(), doc.key.clone()))
        .collect();
    for (table, key) in &expected {
        if table == "rules" && named_rules.contains(key.as_str()) {
            listed.insert((table.clone(), key.clone()));
        }
    }
    let show = |keys: Vec<&(String, String)>| -> String {
        keys.iter()
            .map(|(table, key)| match table.as_str() {
                "" => format!("  {key}\n"),
                table => format!("  [{table}] {key}\n"),
            })
            .collect()
    };
    let missing: Vec<_> = expected.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "{REFERENCE_FILE} does not document these keys of {SCHEMA_FILE}:\n{}",
        show(missing)
    );
    let unknown: Vec<_> = listed.difference(&expected).collect();
    assert!(
        unknown.is_empty(),
        "{REFERENCE_FILE} documents keys monolint does not have:\n{}",
        show(unknown)
    );
    assert!(expected.len() > 20, "{expected:?}");
}

/// Where a row gives a default as one TOML value (`` `"warning"` ``, not a placeholder such as
/// `` `<project>/target/manifest.json` ``), it is the schema's; where the schema allows a few
/// values, the row names each (`` `2` or `3` ``).
#[test]
fn configuration_reference_states_defaults_and_values_as_the_schema() {
    let schema = schema();
    let reference = std::fs::read_to_string(repo_root().join(REFERENCE_FILE)).unwrap();
    let mut checked = 0;
    for doc in documented_keys(&reference) {
        let Some(row) = &doc.row else { continue };
        let table = if doc.table.is_empty() {
            &schema
        } else {
            doc.table.split('.').fold(&schema, |node, key| {
                let property = properties(&schema, node)
                    .into_iter()
                    .find(|(name, _)| *name == key)
                    .map(|(_, property)| property)
                    .expect("a documented table is in the schema");
                let target = resolve(&schema, property);
                if target["type"] == "array" {
                    resolve(&schema, &target["items"])
                } else {
                    target
                }
            })
        };
        let Some((_, property)) = properties(&schema, table)
            .into_iter()
            .find(|(name, _)| **name == doc.key)
        else {
            continue; // Reported by configuration_reference_documents_every_key.
        };
        let target = resolve(&schema, property);

        let default_cell = doc.default.as_deref().unwrap_or_default();
        let spans = code_spans(default_cell);
        if let [literal] = spans.as_slice()
            && default_cell.starts_with('`')
            && default_cell.ends_with('`')
            && let Ok(parsed) = toml::from_str::<toml::Table>(&format!("value = {literal}"))
        {
            let parsed = serde_json::to_value(&parsed["value"]).unwrap();
            assert_eq!(
                property.get("default"),
                Some(&parsed),
                "{}: the default in {REFERENCE_FILE} differs from the schema's",
                doc.key
            );
            checked += 1;
        }
        for value in target
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let spelled = format!("`{value}`");
            assert!(
                row.contains(&spelled),
                "{}: {REFERENCE_FILE} does not name the value {spelled}",
                doc.key
            );
            checked += 1;
        }
    }
    assert!(checked >= 8, "checked {checked}");
}
