//! Generic data tests declared in properties YAML (`data_tests:` of a model, column, source
//! table, seed or snapshot), named as dbt names them: `not_null_orders_id`, a long name cut to
//! 30 characters plus an MD5, and a unique id ending in a hash of the test's name and
//! arguments.

use std::borrow::Cow;

use md5::{Digest, Md5};
use serde_json::{Map, Value};

use super::config::listify;

/// The config keys a test entry may carry beside its arguments.
const CONFIG_ARGS: [&str; 14] = [
    "severity",
    "tags",
    "enabled",
    "where",
    "limit",
    "warn_if",
    "error_if",
    "fail_calc",
    "store_failures",
    "store_failures_as",
    "meta",
    "database",
    "schema",
    "alias",
];

/// What a test is attached to.
pub enum TestTarget<'a> {
    /// A model, seed, snapshot or analysis, and its version.
    Node {
        name: &'a str,
        version: Option<&'a str>,
        is_model: bool,
    },
    /// A source table.
    Source { source: &'a str, table: &'a str },
}

/// A generic test read from one entry of a `data_tests:` list.
#[derive(Debug)]
pub struct GenericTest {
    /// The macro's name (`not_null`) and package (`dbt_utils`), as written.
    pub test_name: String,
    pub namespace: Option<String>,
    /// The full name (the unique id's and fqn's leaf).
    pub name: String,
    /// The hash that ends the unique id.
    pub hash: String,
    /// The arguments, `model` included (as dbt keeps them).
    pub kwargs: Map<String, Value>,
    /// The config written on the test (`config:` and the legacy top-level keys).
    pub config: Map<String, Value>,
    pub description: String,
    /// The synthesized name reads the values of a mapping argument in the order they are
    /// written, which the YAML reading does not keep: the name (and id) may differ.
    pub name_unknown: bool,
}

/// Reads one `data_tests:` entry (`unique`, `{relationships: {...}}`, `{test_name: ...}`).
/// `arguments_property`: dbt 1.10's `arguments:` nesting is read (the flag
/// `require_generic_test_arguments_property`, on by default since dbt 1.11).
pub fn read_test(
    entry: &Value,
    target: &TestTarget<'_>,
    column_name: Option<&str>,
    arguments_property: bool,
) -> Option<GenericTest> {
    let (test_name, args) = match entry {
        Value::String(name) => (name.clone(), Map::new()),
        Value::Object(map) => match map.get("test_name") {
            Some(Value::String(name)) => {
                let mut args = map.clone();
                args.remove("test_name");
                (name.clone(), args)
            }
            _ if map.len() == 1 => {
                let (name, args) = map.iter().next()?;
                let args = match args {
                    Value::Object(args) => args.clone(),
                    Value::Null => Map::new(),
                    _ => return None,
                };
                (name.clone(), args)
            }
            _ => return None,
        },
        _ => return None,
    };
    let mut args = args;
    if let Some(column) = column_name {
        args.insert("column_name".into(), Value::String(column.to_owned()));
    }
    if arguments_property && let Some(Value::Object(arguments)) = args.remove("arguments") {
        for (key, value) in arguments {
            args.insert(key, value);
        }
    }
    let (namespace, name) = match test_name.split_once('.') {
        Some((namespace, name)) => (Some(namespace.to_owned()), name.to_owned()),
        None => (None, test_name.clone()),
    };
    let mut config = Map::new();
    let nested = match args.remove("config") {
        Some(Value::Object(nested)) => nested,
        _ => Map::new(),
    };
    // A config key beside the arguments counts when truthy; `config:` overrides it below.
    args.retain(|key, value| {
        if !CONFIG_ARGS.contains(&key.as_str()) {
            return true;
        }
        if is_truthy(value) {
            config.insert(key.clone(), std::mem::take(value));
        }
        false
    });
    for (key, value) in nested {
        if !value.is_null() {
            config.insert(key, value);
        }
    }
    let description = match args.remove("description") {
        Some(Value::String(text)) => text,
        _ => String::new(),
    };
    let given_name = match args.remove("name") {
        Some(Value::String(name)) => Some(name),
        _ => None,
    };
    let (target_name, model_argument, prefix) = match target {
        TestTarget::Node {
            name,
            version,
            is_model,
        } => match version.filter(|_| *is_model) {
            Some(version) => (
                [name, "_v", version].concat(),
                ["ref('", name, "', version='", version, "')"].concat(),
                "",
            ),
            None => ((*name).to_owned(), ["ref('", name, "')"].concat(), ""),
        },
        TestTarget::Source { source, table } => (
            [source, "_", table].concat(),
            ["source('", source, "', '", table, "')"].concat(),
            "source_",
        ),
    };
    let name_unknown = given_name.is_none()
        && args
            .values()
            .any(|value| value.as_object().is_some_and(|map| map.len() > 1));
    let name = match given_name {
        Some(name) => name,
        None => {
            let test_type = match &namespace {
                Some(namespace) => [namespace, "_", prefix, &name].concat(),
                None => [prefix, &name].concat(),
            };
            let (short, full) = synthesize_names(&test_type, &target_name, &args);
            if short != full && !config.contains_key("alias") {
                config.insert("alias".into(), Value::String(short));
            }
            full
        }
    };
    args.insert(
        "model".into(),
        Value::String(["{{ get_where_subquery(", &model_argument, ") }}"].concat()),
    );
    let macro_name = name_of(&test_name);
    // dbt hashes the name and the `repr()` of `get_hashable_md` of the test metadata: a dict
    // whose sorted keys are `kwargs`, `name` and `namespace`.
    let mut hashed = String::with_capacity(256);
    hashed.push_str(&name);
    hashed.push_str("{'kwargs': ");
    let kwargs = Value::Object(args);
    write_hashable_repr(&mut hashed, &kwargs);
    hashed.push_str(", 'name': ");
    write_repr_str(&mut hashed, macro_name);
    hashed.push_str(", 'namespace': ");
    write_repr_str(&mut hashed, namespace.as_deref().unwrap_or("None"));
    hashed.push('}');
    let digest = md5_hex(&hashed);
    Some(GenericTest {
        test_name: macro_name.to_owned(),
        namespace,
        hash: digest[digest.len() - 10..].to_owned(),
        name,
        kwargs: match kwargs {
            Value::Object(args) => args,
            _ => Map::new(),
        },
        config,
        description,
        name_unknown,
    })
}

fn name_of(test_name: &str) -> &str {
    test_name
        .rsplit_once('.')
        .map_or(test_name, |(_, name)| name)
}

/// Python's truth of a YAML value (`if value` in dbt).
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(flag) => *flag,
        Value::Number(number) => number.as_f64() != Some(0.0),
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

/// dbt's `synthesize_generic_test_names`: the short name (for the compiled file) and the full
/// name (for the unique id and fqn).
fn synthesize_names(
    test_type: &str,
    target_name: &str,
    args: &Map<String, Value>,
) -> (String, String) {
    let mut keys: Vec<&String> = args.keys().collect();
    keys.sort();
    let identifier = [test_type, "_", target_name].concat();
    let mut full = identifier.clone();
    full.push('_');
    // The values' cleaned `str()`s, joined by `__`.
    let mut first = true;
    let mut push_part = |part: &Value| {
        if !first {
            full.push_str("__");
        }
        first = false;
        push_clean_arg(&mut full, &python_str(part));
    };
    for key in keys {
        if key == "model" {
            continue;
        }
        match &args[key] {
            Value::Object(map) => map.values().for_each(&mut push_part),
            value @ Value::Array(_) => listify(value).iter().for_each(&mut push_part),
            other => push_part(other),
        }
    }
    if full.chars().count() >= 64 {
        let mut short: String = identifier.chars().take(30).collect();
        short.push('_');
        short.push_str(&md5_hex(&full));
        (short, full)
    } else {
        (full.clone(), full)
    }
}

/// Writes `re.sub("[^0-9a-zA-Z_]+", "_", arg)`.
fn push_clean_arg(out: &mut String, arg: &str) {
    let mut in_run = false;
    for c in arg.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('_');
            in_run = true;
        }
    }
}

fn md5_hex(text: &str) -> String {
    crate::dbt::checksum::hex(&Md5::digest(text.as_bytes()))
}

/// Writes Python's `repr()` of dbt's `get_hashable_md` of a value: dicts with sorted keys,
/// lists kept, every other value as the `str()` of it.
fn write_hashable_repr(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr_str(out, key);
                out.push_str(": ");
                write_hashable_repr(out, &map[key]);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_hashable_repr(out, item);
            }
            out.push(']');
        }
        Value::String(text) => write_repr_str(out, text),
        other => write_repr_str(out, &python_str(other)),
    }
}

/// Python's `str()` of a value loaded from YAML.
fn python_str(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(text) => Cow::Borrowed(text),
        Value::Null => Cow::Borrowed("None"),
        Value::Bool(true) => Cow::Borrowed("True"),
        Value::Bool(false) => Cow::Borrowed("False"),
        Value::Number(number) => {
            Cow::Owned(match (number.as_i64(), number.as_u64(), number.as_f64()) {
                (Some(int), _, _) => int.to_string(),
                (_, Some(int), _) => int.to_string(),
                (_, _, Some(float)) => python_float(float),
                _ => number.to_string(),
            })
        }
        other => {
            let mut repr = String::new();
            write_repr(&mut repr, other);
            Cow::Owned(repr)
        }
    }
}

fn python_float(float: f64) -> String {
    if float.is_finite() && float.fract() == 0.0 && float.abs() < 1e16 {
        format!("{float:.1}")
    } else {
        format!("{float}")
    }
}

/// Writes Python's `repr()` of a value loaded from YAML.
fn write_repr(out: &mut String, value: &Value) {
    match value {
        Value::String(text) => write_repr_str(out, text),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, value)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr_str(out, key);
                out.push_str(": ");
                write_repr(out, value);
            }
            out.push('}');
        }
        other => out.push_str(&python_str(other)),
    }
}

/// Writes Python's `repr()` of a `str`: single quotes unless the text holds `'` and no `"`.
fn write_repr_str(out: &mut String, text: &str) {
    // Most texts need neither escapes nor the other quote: one scan tells.
    let plain = text
        .bytes()
        .all(|byte| !matches!(byte, 0..0x20 | 0x7f | b'\\' | b'\'' | b'"'));
    if plain {
        out.reserve(text.len() + 2);
        out.push('\'');
        out.push_str(text);
        out.push('\'');
        return;
    }
    let quote = if text.contains('\'') && !text.contains('"') {
        b'"'
    } else {
        b'\''
    };
    out.reserve(text.len() + 2);
    out.push(char::from(quote));
    // What is escaped is ASCII, so the runs between escapes are whole characters.
    let mut copied = 0;
    for (at, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            b'"' if quote == b'"' => "\\\"",
            b'\'' if quote == b'\'' => "\\'",
            0..0x20 | 0x7f => "",
            _ => continue,
        };
        out.push_str(&text[copied..at]);
        copied = at + 1;
        if escape.is_empty() {
            out.push_str(&format!("\\x{byte:02x}"));
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(&text[copied..]);
    out.push(char::from(quote));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn model(name: &str) -> TestTarget<'_> {
        TestTarget::Node {
            name,
            version: None,
            is_model: true,
        }
    }

    /// Unique ids as dbt 1.11 wrote them for the example project.
    #[test]
    fn names_and_hashes_match_dbt() {
        let test = read_test(
            &json!("unique"),
            &model("stg_orders"),
            Some("order_id"),
            true,
        )
        .unwrap();
        assert_eq!(
            format!("{}.{}", test.name, test.hash),
            "unique_stg_orders_order_id.e3b841c71a"
        );
        let entry = json!({"relationships": {"arguments": {"to": "ref('dim_customers')", "field": "customer_id"}}});
        let test = read_test(&entry, &model("fct_revenue"), Some("customer_id"), true).unwrap();
        assert_eq!(
            format!("{}.{}", test.name, test.hash),
            "relationships_fct_revenue_customer_id__customer_id__ref_dim_customers_.67b7a31759"
        );
        let source = TestTarget::Source {
            source: "raw",
            table: "orders",
        };
        let test = read_test(&json!("not_null"), &source, Some("id"), true).unwrap();
        assert_eq!(
            format!("{}.{}", test.name, test.hash),
            "source_not_null_raw_orders_id.f232a64478"
        );
    }

    /// A config key beside the arguments counts when truthy; `config:` overrides it unless
    /// null; neither is left among the arguments.
    #[test]
    fn config_beside_the_arguments_and_in_config() {
        let entry = json!({"accepted_values": {
            "values": ["a"],
            "severity": "warn",
            "where": "",
            "limit": 5,
            "tags": ["x"],
            "config": {"where": "id > 1", "limit": 7, "tags": null, "store_failures": true},
        }});
        let test = read_test(&entry, &model("m"), Some("c"), false).unwrap();
        let config = Value::Object(test.config);
        assert_eq!(
            config,
            json!({"severity": "warn", "where": "id > 1", "limit": 7, "tags": ["x"], "store_failures": true})
        );
        let mut kwargs: Vec<&str> = test.kwargs.keys().map(String::as_str).collect();
        kwargs.sort_unstable();
        assert_eq!(kwargs, ["column_name", "model", "values"]);
    }

    #[test]
    fn long_names_get_an_alias() {
        let entry = json!({"accepted_values": {"values": ["a_very_long_value", "another_long_value", "x"]}});
        let test = read_test(&entry, &model("some_model"), Some("some_column"), false).unwrap();
        assert!(test.name.len() >= 64);
        let alias = test.config["alias"].as_str().unwrap();
        // The first 30 characters of `accepted_values_some_model`, then an MD5.
        assert!(alias.starts_with("accepted_values_some_model_"));
        assert_eq!(alias.len(), "accepted_values_some_model_".len() + 32);
        let repr = |text| {
            let mut repr = String::new();
            write_repr_str(&mut repr, text);
            repr
        };
        assert_eq!(repr("it's"), "\"it's\"");
        assert_eq!(
            repr("a\\b\n\u{1}\u{7f}é\t'"),
            "\"a\\\\b\\n\\x01\\x7fé\\t'\""
        );
        assert_eq!(repr("a'b\"c"), "'a\\'b\"c'");
    }
}
