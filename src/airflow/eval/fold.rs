//! Calls of Python builtins and standard-library functions whose result is known without
//! running them.

use super::Evaluator;
use super::bounds::MAX_LOOP_ITERATIONS;
use super::collections::{iteration, sorted_scalars};
use super::dates::{self, Moment};
use super::methods::method_call;
use super::operators::contains;
use super::paths::{file_name, join_path, parent_dir};
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
            return Value::Dict(pairs.into());
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
                return Value::list(sorted);
            }
            return Value::Unknown("a sorted list of unknown values".into());
        }
        "list" => match call
            .args
            .first()
            .map(|a| a.value.clone())
            .and_then(iteration)
        {
            Some(items) => return Value::list(items),
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
        "os.path.basename" => {
            if let Some(path) = call.args.first().and_then(|a| a.value.as_str()) {
                return Value::Str(Text::literal(file_name(&path), call.span.clone(), false));
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
                    value @ Value::Call(_) => {
                        if let Some(text) = dates::display(value) {
                            return Value::Str(Text::literal(text, item.span.clone(), false));
                        }
                    }
                    _ => {}
                }
            }
        }
        "builtins.int" | "int" => {
            if let Some(item) = call.args.first() {
                match &item.value {
                    Value::Int(n) => return Value::Int(*n),
                    Value::Str(text) => {
                        if let Some(n) = text.known().and_then(|t| t.trim().parse().ok()) {
                            return Value::Int(n);
                        }
                    }
                    _ => {}
                }
            }
        }
        "range" | "builtins.range" => return range(&call),
        // A set is held as a list of distinct values.
        "set" | "builtins.set" | "frozenset" => match call.args.first() {
            None => return Value::list(Vec::new()),
            Some(items) => {
                if let Some(items) = iteration(items.value.clone()) {
                    let mut distinct: Vec<Item> = Vec::new();
                    for item in items {
                        match contains(&Value::list(distinct.clone()), &item.value) {
                            Some(true) => {}
                            Some(false) => distinct.push(item),
                            None => return Value::Unknown("a set of unknown values".into()),
                        }
                    }
                    return Value::list(distinct);
                }
            }
        },
        "tuple" | "builtins.tuple" => {
            if let Some(items) = call.args.first().and_then(|a| iteration(a.value.clone())) {
                return Value::list(items);
            }
        }
        "zip" | "builtins.zip" => return zip(&call),
        "enumerate" | "builtins.enumerate" => return enumerate(&call),
        "reversed" | "builtins.reversed" => {
            if let Some(mut items) = call.args.first().and_then(|a| iteration(a.value.clone())) {
                items.reverse();
                return Value::list(items);
            }
        }
        "datetime.datetime.strptime" | "datetime.strptime" | "pendulum.from_format" => {
            let text = call.arg("date_string", 0).and_then(|t| t.value.as_str());
            let format = call.arg("format", 1).and_then(|f| f.value.as_str());
            if let (Some(text), Some(format)) = (text, format)
                && let Some(moment) = Moment::parse(&text, &format, "datetime.datetime")
            {
                return moment.to_value(&call.span);
            }
        }
        "datetime.date.fromisoformat" | "datetime.datetime.fromisoformat" | "pendulum.parse" => {
            let callee = if call.callee.contains(".date.") {
                "datetime.date"
            } else {
                "datetime.datetime"
            };
            if let Some(text) = call.args.first().and_then(|t| t.value.as_str()) {
                let format = if text.len() > 10 {
                    "%Y-%m-%dT%H:%M:%S"
                } else {
                    "%Y-%m-%d"
                };
                let text = text.replacen(' ', "T", 1);
                if let Some(moment) = Moment::parse(&text, format, callee) {
                    return moment.to_value(&call.span);
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

/// `range(stop)`, `range(start, stop[, step])` on known integers; unknown past
/// [`MAX_LOOP_ITERATIONS`] numbers.
fn range(call: &Call) -> Value {
    let Some((start, step, count)) = range_steps(call) else {
        return Value::Unknown("a range of unknown numbers".into());
    };
    if count > MAX_LOOP_ITERATIONS as i64 {
        return Value::Unknown(format!("a range of {count} numbers"));
    }
    Value::list(
        (0..count)
            .map(|i| Item::new(Value::Int(start + i * step), call.span.clone()))
            .collect(),
    )
}

/// How many numbers `range(...)` yields, when its arguments are known.
pub fn range_len(call: &Call) -> Option<i64> {
    matches!(call.callee.as_str(), "range" | "builtins.range")
        .then(|| range_steps(call))
        .flatten()
        .map(|(_, _, count)| count)
}

/// A range's start, step and length.
fn range_steps(call: &Call) -> Option<(i64, i64, i64)> {
    let ints: Option<Vec<i64>> = call
        .args
        .iter()
        .map(|arg| match arg.value {
            Value::Int(n) => Some(n),
            _ => None,
        })
        .collect();
    let (start, stop, step) = match ints.as_deref()? {
        [stop] => (0, *stop, 1),
        [start, stop] => (*start, *stop, 1),
        [start, stop, step] if *step != 0 => (*start, *stop, *step),
        _ => return None,
    };
    let count = if (step > 0 && start < stop) || (step < 0 && start > stop) {
        ((stop - start).abs() + step.abs() - 1) / step.abs()
    } else {
        0
    };
    Some((start, step, count))
}

/// `zip(a, b, ...)` of known iterables: tuples up to the shortest.
fn zip(call: &Call) -> Value {
    let lists: Option<Vec<Vec<Item>>> = call
        .args
        .iter()
        .map(|arg| iteration(arg.value.clone()))
        .collect();
    let Some(lists) = lists.filter(|_| !call.unknown_splat) else {
        return Value::Unknown("a zip of unknown values".into());
    };
    let length = lists.iter().map(Vec::len).min().unwrap_or(0);
    Value::list(
        (0..length)
            .map(|i| {
                let tuple = lists.iter().map(|list| list[i].clone()).collect();
                Item::new(Value::list(tuple), call.span.clone())
            })
            .collect(),
    )
}

/// `enumerate(items, start=0)` of a known iterable: `(index, item)` tuples.
fn enumerate(call: &Call) -> Value {
    let start = match call.arg("start", 1).map(|s| &s.value) {
        None => 0,
        Some(Value::Int(n)) => *n,
        Some(_) => return Value::Unknown("an enumeration from an unknown start".into()),
    };
    let Some(items) = call.args.first().and_then(|a| iteration(a.value.clone())) else {
        return Value::Unknown("an enumeration of unknown values".into());
    };
    Value::list(
        items
            .into_iter()
            .zip(start..)
            .map(|(item, index)| {
                let span = item.span.clone();
                let pair = vec![Item::new(Value::Int(index), span.clone()), item];
                Item::new(Value::list(pair), span)
            })
            .collect(),
    )
}
