//! A node's config as dbt computes it: the `+` keys of `dbt_project.yml` down the node's fqn,
//! then its properties YAML `config:`, then its SQL `config()` (for a package's node, the root
//! project's `dbt_project.yml` last, over everything). Each level is merged as dbt merges it:
//! `tags`, hooks and `packages` append, `meta`, `docs`, `contract`, `quoting`, `column_types`
//! and `persist_docs` update key by key, `grants` append per key, anything else is replaced.

use serde_json::{Map, Value};

/// How a config key merges into the value of a lower level.
enum Merge {
    Append,
    Update,
    DictKeyAppend,
    Clobber,
}

fn merge_of(key: &str) -> Merge {
    match key {
        "tags" | "pre-hook" | "post-hook" | "pre_hook" | "post_hook" | "packages" => Merge::Append,
        "meta" | "docs" | "contract" | "quoting" | "column_types" | "persist_docs" => Merge::Update,
        "grants" => Merge::DictKeyAppend,
        _ => Merge::Clobber,
    }
}

/// A value written as a string or a list of strings, as a list.
pub fn listify(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

/// Merges one level of config over `into`.
pub fn merge_into(into: &mut Map<String, Value>, level: &Map<String, Value>) {
    merge_entries(into, level.iter().map(|(key, value)| (key.as_str(), value)));
}

/// Merges config entries over `into`.
pub fn merge_entries<'v>(
    into: &mut Map<String, Value>,
    entries: impl Iterator<Item = (&'v str, &'v Value)>,
) {
    for (key, value) in entries {
        // dbt reads `pre_hook` and `pre-hook` as one key.
        let key = match key {
            "pre_hook" => "pre-hook",
            "post_hook" => "post-hook",
            "data_tests" => "tests",
            other => other,
        };
        match merge_of(key) {
            Merge::Append => {
                let mut items = into.get(key).map(listify).unwrap_or_default();
                items.extend(listify(value));
                into.insert(key.to_owned(), Value::Array(items));
            }
            Merge::Update if key == "meta" => {
                let rendered = rendered(value);
                match (into.get_mut(key), rendered) {
                    (Some(Value::Object(existing)), Value::Object(new)) => existing.extend(new),
                    (_, rendered) => {
                        into.insert(key.to_owned(), rendered);
                    }
                }
            }
            Merge::Update => match (into.get_mut(key), value) {
                (Some(Value::Object(existing)), Value::Object(new)) => {
                    for (k, v) in new {
                        existing.insert(k.clone(), v.clone());
                    }
                }
                _ => {
                    into.insert(key.to_owned(), value.clone());
                }
            },
            Merge::DictKeyAppend => match (into.get_mut(key), value) {
                (Some(Value::Object(existing)), Value::Object(new)) => {
                    for (k, v) in new {
                        let mut items = existing.get(k).map(listify).unwrap_or_default();
                        items.extend(listify(v));
                        existing.insert(k.clone(), Value::Array(items));
                    }
                }
                _ => {
                    into.insert(key.to_owned(), value.clone());
                }
            },
            Merge::Clobber => {
                into.insert(key.to_owned(), value.clone());
            }
        }
    }
}

/// A YAML value as dbt keeps it after rendering it with Jinja, which drops one newline ending
/// a string (a `|` block's).
fn rendered(value: &Value) -> Value {
    match value {
        Value::String(text) => Value::String(text.strip_suffix('\n').unwrap_or(text).to_owned()),
        Value::Array(items) => Value::Array(items.iter().map(rendered).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), rendered(value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The levels of a `dbt_project.yml` resource section (`models:`, `seeds:`, ...) that apply
/// to `fqn`, outermost first (dbt's `fqn_search`); [`project_entries`] reads their config.
pub fn project_levels<'v>(
    section: Option<&'v Value>,
    fqn: &[impl AsRef<str>],
) -> Vec<&'v Map<String, Value>> {
    let mut levels = Vec::new();
    let Some(Value::Object(root)) = section else {
        return levels;
    };
    let mut level = root;
    levels.push(level);
    for part in fqn {
        match level.get(part.as_ref()) {
            Some(Value::Object(next)) => {
                level = next;
                levels.push(level);
            }
            _ => break,
        }
    }
    levels
}

/// The config of one `dbt_project.yml` level: the `+key` entries and the entries that are not
/// mappings; a mapping without `+` is a folder (or package) one level down.
pub fn project_entries(level: &Map<String, Value>) -> impl Iterator<Item = (&str, &Value)> {
    level
        .iter()
        .filter_map(|(key, value)| match key.strip_prefix('+') {
            Some(config) => Some((config.trim(), value)),
            None if !value.is_object() => Some((key.as_str(), value)),
            None => None,
        })
}

pub use crate::dbt::jinja::is_jinja;

/// A config's `enabled`, as dbt reads it (`false`, or the strings YAML keeps).
pub fn is_disabled(config: &Map<String, Value>) -> bool {
    match config.get("enabled") {
        Some(Value::Bool(enabled)) => !enabled,
        Some(Value::String(text)) => text.trim().eq_ignore_ascii_case("false"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn levels_follow_the_fqn_and_merge_as_dbt_merges() {
        let section = json!({
            "+tags": ["all"],
            "materialized": "view",
            "shop": {
                "+meta": {"owner": "a", "tier": 1},
                "staging": {"+tags": "staging", "+materialized": "table", "+meta": {"owner": "b"}},
                "marts": {"+enabled": false}
            }
        });
        let fqn = ["shop", "staging", "orders"];
        let mut config = Map::new();
        for level in project_levels(Some(&section), &fqn) {
            merge_entries(&mut config, project_entries(level));
        }
        assert_eq!(config["tags"], json!(["all", "staging"]));
        assert_eq!(config["materialized"], "table");
        assert_eq!(config["meta"], json!({"owner": "b", "tier": 1}));
        assert!(!is_disabled(&config));
        let mut marts = Map::new();
        for level in project_levels(Some(&section), &["shop", "marts", "x"]) {
            merge_entries(&mut marts, project_entries(level));
        }
        assert!(is_disabled(&marts));
        let mut block = Map::new();
        merge_into(
            &mut block,
            &Map::from_iter([("meta".into(), json!({"a": "text\n"}))]),
        );
        assert_eq!(block["meta"], json!({"a": "text"}));
    }
}
