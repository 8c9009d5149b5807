//! Methods of known values: strings, dicts, paths and files.

use super::bounds::MAX_LOOP_ITERATIONS;
use super::calls::is_open;
use super::dates;
use super::strings::format_braces;
use crate::airflow::value::{Call, Item, Text, Value};

/// Methods of known values: `str.format`, `str.join`, `str.replace`, `str.strip`/`lower`/`upper`,
/// `dict.items`/`keys`/`values`/`get`/`copy`, and `Path.resolve()` and friends.
pub(super) fn method_call(method: &str, object: Value, call: &Call) -> Option<Value> {
    if let Value::Call(inner) = &object {
        // `start.strftime("%Y-%m")`, `period.range("months")`.
        if method == "range" {
            let unit = call.arg("unit", 0)?.value.as_str()?;
            return dates::period_range(inner, &unit, MAX_LOOP_ITERATIONS).map(|moments| {
                Value::list(
                    moments
                        .into_iter()
                        .map(|moment| Item::new(moment, call.span.clone()))
                        .collect(),
                )
            });
        }
        return dates::method(method, &object, call);
    }
    let span = call.span.clone();
    let known = |value: Value| Some(value);
    match (method, object) {
        ("copy", value @ Value::Dict(_)) => known(value),
        // A file's contents stand for themselves as the `open(path)` call that reads them.
        ("read", file @ Value::Call(_)) if is_open(&file) => known(file),
        ("read_text" | "read_bytes", path @ Value::Str(_)) => known(Value::Call(Box::new(Call {
            callee: "open".into(),
            args: vec![Item::new(path, span.clone())],
            kwargs: Vec::new(),
            unknown_splat: false,
            span,
        }))),
        ("resolve" | "absolute" | "as_posix", value @ Value::Str(_)) if call.args.is_empty() => {
            known(value)
        }
        ("format", Value::Str(template)) => {
            let template = template.known()?;
            let text = format_braces(&template, &call.args, &call.kwargs)?;
            known(Value::Str(Text::literal(text, span, false)))
        }
        ("join", Value::Str(separator)) => {
            let separator = separator.known()?;
            let parts: Option<Vec<String>> = call
                .args
                .first()?
                .value
                .as_list()?
                .iter()
                .map(|item| item.value.as_str())
                .collect();
            known(Value::Str(Text::literal(
                parts?.join(&separator),
                span,
                false,
            )))
        }
        ("replace", Value::Str(text)) => {
            let (from, to) = (
                call.args.first()?.value.as_str()?,
                call.args.get(1)?.value.as_str()?,
            );
            known(Value::Str(Text::literal(
                text.known()?.replace(&from, &to),
                span,
                false,
            )))
        }
        ("strip" | "lower" | "upper", Value::Str(text)) if call.args.is_empty() => {
            let text = text.known()?;
            let result = match method {
                "strip" => text.trim().to_owned(),
                "lower" => text.to_lowercase(),
                _ => text.to_uppercase(),
            };
            known(Value::Str(Text::literal(result, span, false)))
        }
        ("split" | "rsplit", Value::Str(text)) => {
            let text = text.known()?;
            let limit = match call.arg("maxsplit", 1).map(|m| &m.value) {
                None => None,
                Some(Value::Int(n)) if *n >= 0 => Some(*n as usize),
                Some(Value::Int(_)) => None,
                Some(_) => return None,
            };
            let parts: Vec<String> = match call.arg("sep", 0).map(|s| &s.value) {
                None | Some(Value::None) => {
                    let words = text.split_whitespace().map(str::to_owned);
                    match limit {
                        None => words.collect(),
                        // Whitespace splitting with a limit keeps the rest's spacing.
                        Some(_) => return None,
                    }
                }
                Some(separator) => {
                    let separator = separator.as_str().filter(|s| !s.is_empty())?;
                    match (method, limit) {
                        (_, None) => text.split(separator.as_str()).map(str::to_owned).collect(),
                        ("split", Some(n)) => text
                            .splitn(n + 1, separator.as_str())
                            .map(str::to_owned)
                            .collect(),
                        (_, Some(n)) => {
                            let mut parts: Vec<String> = text
                                .rsplitn(n + 1, separator.as_str())
                                .map(str::to_owned)
                                .collect();
                            parts.reverse();
                            parts
                        }
                    }
                }
            };
            known(Value::list(
                parts
                    .into_iter()
                    .map(|part| {
                        Item::new(
                            Value::Str(Text::literal(part, span.clone(), false)),
                            span.clone(),
                        )
                    })
                    .collect(),
            ))
        }
        ("startswith" | "endswith", Value::Str(text)) => {
            let text = text.known()?;
            let affixes: Vec<String> = match &call.args.first()?.value {
                Value::List(items) => items
                    .iter()
                    .map(|item| item.value.as_str())
                    .collect::<Option<_>>()?,
                other => vec![other.as_str()?],
            };
            known(Value::Bool(affixes.iter().any(|affix| {
                if method == "startswith" {
                    text.starts_with(affix.as_str())
                } else {
                    text.ends_with(affix.as_str())
                }
            })))
        }
        ("items", Value::Dict(pairs)) => known(Value::list(
            pairs
                .iter()
                .map(|(key, value)| {
                    let span = key.span.clone();
                    Item::new(Value::list(vec![key.clone(), value.clone()]), span)
                })
                .collect(),
        )),
        ("keys", Value::Dict(pairs)) => known(Value::list(
            pairs.iter().map(|(key, _)| key.clone()).collect(),
        )),
        ("values", Value::Dict(pairs)) => known(Value::list(
            pairs.iter().map(|(_, value)| value.clone()).collect(),
        )),
        ("get", dict @ Value::Dict(_)) => {
            let key = call.args.first()?.value.as_str()?;
            match dict.get(&key) {
                Some(item) => known(item.value.clone()),
                None => known(call.args.get(1).map_or(Value::None, |d| d.value.clone())),
            }
        }
        _ => None,
    }
}
