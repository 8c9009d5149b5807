//! Calls of Python builtins and standard-library functions whose result is known without
//! running them.

use super::Evaluator;
use super::collections::{iteration, sorted_scalars};
use super::methods::method_call;
use super::paths::{join_path, parent_dir};
use crate::airflow::value::{Call, Item, Text, Value};

/// Folds calls whose result is known without running them: `dict(...)`, `d.copy()`,
/// `os.getenv("X", "default")`, `json.dumps(...)`, `str(...)`, `copy.deepcopy(...)`.
/// `receiver` is the method name and the evaluated object of `object.method(...)`.
pub(super) fn fold_call(
    call: Call,
    receiver: Option<(&str, Value)>,
    evaluator: &Evaluator,
) -> Value {
    match call.callee.as_str() {
        "builtins.dict" | "dict" => {
            let mut pairs: Vec<(Item, Item)> = Vec::new();
            if let Some(Item {
                value: Value::Dict(base),
                ..
            }) = call.args.first()
            {
                pairs.extend(base.iter().cloned());
            }
            if call.unknown_splat {
                return Value::Unknown("a `**` splat of an unknown dict".into());
            }
            for (key, value) in call.kwargs {
                let span = value.span.clone();
                pairs.push((
                    Item::new(Value::Str(Text::literal(key, span.clone(), false)), span),
                    value,
                ));
            }
            return Value::Dict(pairs);
        }
        "json.load" | "json.loads" => {
            if let Some(value) = call
                .args
                .first()
                .and_then(|file| evaluator.load_json_file(&file.value, &call.span))
            {
                return value;
            }
        }
        "copy.deepcopy" | "copy.copy" => {
            if let Some(first) = call.args.first() {
                return first.value.clone();
            }
        }
        "sorted" => {
            if let Some(Value::List(items)) = call.args.first().map(|a| &a.value)
                && call.kwargs.is_empty()
                && let Some(sorted) = sorted_scalars(items)
            {
                return Value::List(sorted);
            }
            return Value::Unknown("a sorted list of unknown values".into());
        }
        "list" => match call
            .args
            .first()
            .map(|a| a.value.clone())
            .and_then(iteration)
        {
            Some(items) => return Value::List(items),
            None => return Value::Unknown("a list of unknown values".into()),
        },
        "len" => match call.args.first().map(|a| &a.value) {
            Some(Value::List(items)) => return Value::Int(items.len() as i64),
            Some(Value::Dict(pairs)) => return Value::Int(pairs.len() as i64),
            Some(Value::Str(text)) if text.is_known() => {
                return Value::Int(text.render().chars().count() as i64);
            }
            _ => return Value::Unknown("the length of an unknown value".into()),
        },
        "os.getenv" | "os.environ.get" => {
            // The default is what a DAG gets on a machine without the variable: the value a
            // static check can stand behind.
            return match call.arg("default", 1) {
                Some(item) => item.value.clone(),
                None => Value::Unknown("an environment variable".into()),
            };
        }
        "pathlib.Path" | "pathlib.PurePosixPath" | "Path" | "os.fspath" => {
            if let Some(
                item @ Item {
                    value: Value::Str(_),
                    ..
                },
            ) = call.args.first()
            {
                return item.value.clone();
            }
        }
        "os.path.join" => {
            let parts: Option<Vec<String>> = call.args.iter().map(|a| a.value.as_str()).collect();
            if let Some(parts) = parts
                && !call.unknown_splat
            {
                let joined = parts
                    .iter()
                    .fold(String::new(), |acc, part| join_path(&acc, part));
                return Value::Str(Text::literal(joined, call.span.clone(), false));
            }
        }
        "os.path.dirname" => {
            if let Some(path) = call.args.first().and_then(|a| a.value.as_str()) {
                return Value::Str(Text::literal(parent_dir(&path), call.span.clone(), false));
            }
        }
        "os.path.abspath" | "os.path.realpath" | "os.path.normpath" => {
            if let Some(item) = call.args.first() {
                return item.value.clone();
            }
        }
        "builtins.str" | "str" => {
            if let Some(item) = call.args.first() {
                match &item.value {
                    Value::Str(_) => return item.value.clone(),
                    Value::Int(n) => {
                        return Value::Str(Text::literal(n.to_string(), item.span.clone(), false));
                    }
                    _ => {}
                }
            }
        }
        "json.dumps" => {
            if let Some(item) = call.args.first()
                && let Some(json) = crate::airflow::python_json::dumps(&item.value, &call)
            {
                return Value::Str(Text::literal(json, item.span.clone(), false));
            }
        }
        _ => {}
    }
    // `<dict>.copy()` is the dict; `<path>.resolve()` (and friends) the path.
    if let Some((method, object)) = receiver
        && let Some(value) = method_call(method, object, &call)
    {
        return value;
    }
    Value::Call(Box::new(call))
}
