//! JSON as Python's `json` module sees it. `json.dumps(...)` as Python prints it: keys in
//! insertion order, `", "` and `": "` between items unless `separators=` says otherwise,
//! non-ASCII escaped (`ensure_ascii`), floats as Python's `repr` (the text ends up in a
//! `--vars` argument, so it must match byte for byte what Airflow renders); and what
//! `json.load` returns, as a Python value.

use std::fmt::Write;

use super::value::{Call, Item, Text, Value};
use crate::source::Span;

/// A JSON document as the Python value `json.load` returns, every part pointing at `span`.
pub fn from_json(json: &serde_json::Value, span: &Span) -> Value {
    let item = |value| Item::new(value, span.clone());
    let text = |text: &str| Value::Str(Text::literal(text, span.clone(), false));
    match json {
        serde_json::Value::Null => Value::None,
        serde_json::Value::Bool(flag) => Value::Bool(*flag),
        serde_json::Value::Number(number) => match number.as_i64() {
            Some(n) => Value::Int(n),
            None => number
                .as_f64()
                .map_or_else(|| Value::Unknown("a large number".into()), Value::Float),
        },
        serde_json::Value::String(string) => text(string),
        serde_json::Value::Array(items) => {
            Value::list(items.iter().map(|v| item(from_json(v, span))).collect())
        }
        serde_json::Value::Object(map) => Value::Dict(
            map.iter()
                .map(|(key, value)| (item(text(key)), item(from_json(value, span))))
                .collect::<Vec<_>>()
                .into(),
        ),
    }
}

/// The string `json.dumps(<value>, **kwargs)` returns, when every part of it is known and the
/// keyword arguments are ones monolint follows (`separators`, `sort_keys`, `ensure_ascii`).
pub fn dumps(value: &Value, call: &Call) -> Option<String> {
    let mut options = Options {
        item_separator: ", ".into(),
        key_separator: ": ".into(),
        sort_keys: false,
        ensure_ascii: true,
    };
    if call.unknown_splat {
        return None;
    }
    for (name, argument) in &call.kwargs {
        match (name.as_str(), &argument.value) {
            ("separators", Value::List(pair)) if pair.len() == 2 => {
                options.item_separator = pair[0].value.as_str()?;
                options.key_separator = pair[1].value.as_str()?;
            }
            ("sort_keys", Value::Bool(flag)) => options.sort_keys = *flag,
            ("ensure_ascii", Value::Bool(flag)) => options.ensure_ascii = *flag,
            ("indent", Value::None) => {}
            _ => return None,
        }
    }
    let mut out = String::new();
    write_value(value, &options, &mut out)?;
    Some(out)
}

struct Options {
    item_separator: String,
    key_separator: String,
    sort_keys: bool,
    ensure_ascii: bool,
}

fn write_value(value: &Value, options: &Options, out: &mut String) -> Option<()> {
    match value {
        Value::Str(text) => write_string(&text.known()?, options, out),
        Value::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Float(x) => out.push_str(&float_repr(*x)),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::None => out.push_str("null"),
        Value::List(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push_str(&options.item_separator);
                }
                write_value(&item.value, options, out)?;
            }
            out.push(']');
        }
        Value::Dict(pairs) => {
            // A dict keeps a key's first position and its last value.
            let mut entries: Vec<(String, &Value)> = Vec::new();
            for (key, value) in pairs.iter() {
                let key = key_text(&key.value)?;
                match entries.iter_mut().find(|(k, _)| *k == key) {
                    Some(entry) => entry.1 = &value.value,
                    None => entries.push((key, &value.value)),
                }
            }
            if options.sort_keys {
                entries.sort_by(|a, b| a.0.cmp(&b.0));
            }
            out.push('{');
            for (index, (key, value)) in entries.iter().enumerate() {
                if index > 0 {
                    out.push_str(&options.item_separator);
                }
                write_string(key, options, out);
                out.push_str(&options.key_separator);
                write_value(value, options, out)?;
            }
            out.push('}');
        }
        _ => return None,
    }
    Some(())
}

/// Dict keys as `json.dumps` converts them: strings as they are, scalars to their JSON text.
fn key_text(key: &Value) -> Option<String> {
    Some(match key {
        Value::Str(text) => text.known()?,
        Value::Int(n) => n.to_string(),
        Value::Float(x) => float_repr(*x),
        Value::Bool(true) => "true".into(),
        Value::Bool(false) => "false".into(),
        Value::None => "null".into(),
        _ => return None,
    })
}

fn write_string(text: &str, options: &Options, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (options.ensure_ascii && !c.is_ascii()) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Python's `repr(float)`: shortest round-trip digits, always with a `.` or exponent.
fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let magnitude = x.abs();
    if magnitude != 0.0 && !(1e-4..1e16).contains(&magnitude) {
        // Python: `1e+16`, `1.5e-05`.
        let text = format!("{x:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.abs());
    }
    let text = format!("{x}");
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::airflow::eval::Evaluator;
    use crate::source::SourceFile;

    /// `json.dumps` of the first argument of the last line's call, evaluated statically.
    fn dumps_of(code: &str) -> Option<String> {
        let source = SourceFile::new("t.py", code);
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .expect("grammar");
        let tree = parser.parse(code, None).expect("parse");
        let evaluator = Evaluator::new(source, None);
        let statement = tree.root_node().named_child(0).expect("statement");
        let expression = statement.named_child(0).expect("expression");
        match evaluator.eval(expression).value {
            Value::Str(text) => text.known(),
            _ => None,
        }
    }

    #[test]
    fn matches_python_spacing_order_and_escapes() {
        // Expected texts are what CPython 3.12 prints for the same calls.
        assert_eq!(
            dumps_of(r#"json.dumps({"z": 1, "a": [1.0, None, True], "z": 2})"#).as_deref(),
            Some(r#"{"z": 2, "a": [1.0, null, true]}"#)
        );
        assert_eq!(
            dumps_of(r#"json.dumps({"b": 1, "a": "é"}, sort_keys=True, separators=(",", ":"))"#)
                .as_deref(),
            Some(r#"{"a":"\u00e9","b":1}"#)
        );
        assert_eq!(
            dumps_of(r#"json.dumps({"d": 1e-05, "e": 2.5e16, 3: "x"})"#).as_deref(),
            Some(r#"{"d": 1e-05, "e": 2.5e+16, "3": "x"}"#)
        );
        assert_eq!(dumps_of(r#"json.dumps(x, indent=2)"#), None);
    }
}
