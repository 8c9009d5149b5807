//! dbt's context while it parses, as the evaluator sees it: the names a template can use
//! (`ref`, `source`, `config`, `execute`, `return`, `adapter.dispatch`, package namespaces,
//! the macros) and what calling dbt's functions records or gives. Everything only a run tells
//! (`target`, `var()`, `env_var()`, queries) is unknown.

use std::rc::Rc;

use super::eval::{Env, Evaluator, Run, Stop, taint_all, unknown, unknown_value};
use super::operations;
use super::scope::Dispatched;
use super::value::{Callable, Value};
use crate::dbt::project::sql::{RefCall, version_text};

impl Evaluator<'_> {
    /// A name: a variable, a macro, a package, or what dbt's parse context holds.
    pub(super) fn name(&mut self, name: &str, env: &Env<'_>) -> Value {
        if let Some(value) = env.lookup(name) {
            return value.clone();
        }
        if name == "caller"
            && let Some(caller) = &env.caller
        {
            return caller.clone();
        }
        if let Some(body) = self.template_macros.get(name) {
            return Value::Callable(Rc::new(Callable::Local(body.clone())));
        }
        if let Some(index) = self.scope.resolve(name, self.package, env.within) {
            return Value::Callable(Rc::new(Callable::Macro(index)));
        }
        match name {
            "execute" => Value::Bool(false),
            "ref" | "source" | "config" | "return" | "var" | "env_var" | "log" | "print"
            | "range" | "dict" | "namespace" | "zip" | "load_result" | "is_incremental"
            | "statement" | "exceptions" | "adapter" | "run_query" | "builtins" | "function"
            | "metric" => Value::builtin(builtin_name(name)),
            _ if self.scope.is_package(name) => {
                Value::Callable(Rc::new(Callable::Package(name.to_owned())))
            }
            // `target`, `this`, `graph`, `model`, `modules`, `flags`, ...: only a run tells.
            _ => Value::Unknown,
        }
    }

    pub(super) fn attribute(&mut self, base: &Value, name: &str) -> Value {
        match base {
            Value::Callable(callable) => match (&**callable, name) {
                (Callable::Package(package), _) => match self.scope.qualified(package, name) {
                    Some(index) => Value::Callable(Rc::new(Callable::Macro(index))),
                    None => Value::Unknown,
                },
                (Callable::Builtin("config"), "get" | "require" | "meta_require") => {
                    Value::builtin("config.get")
                }
                (Callable::Builtin("config"), "set") => Value::builtin("config.set"),
                (Callable::Builtin("exceptions"), "warn") => Value::builtin("log"),
                (Callable::Builtin("exceptions"), _) => Value::builtin("exceptions.raise"),
                (Callable::Builtin("adapter"), "dispatch") => Value::builtin("adapter.dispatch"),
                (Callable::Builtin("builtins"), "ref" | "source" | "config" | "function") => {
                    Value::builtin(builtin_name(name))
                }
                _ => Value::Unknown,
            },
            Value::Dict(pairs) if !is_dict_method(name) => {
                operations::dict_item(pairs, |key| key.equals_text(name))
            }
            Value::Str(_) | Value::List(_) | Value::Dict(_) => {
                Value::Callable(Rc::new(Callable::Method(base.clone(), name.to_owned())))
            }
            _ => Value::Unknown,
        }
    }

    pub(super) fn builtin(
        &mut self,
        name: &str,
        positional: Vec<Value>,
        keyword: Vec<(String, Value)>,
    ) -> Run<Value> {
        let text = |value: &Value| value.as_str().map(str::to_owned);
        Ok(match name {
            "ref" => {
                let version = keyword
                    .iter()
                    .find(|(key, _)| key == "v" || key == "version")
                    .map(|(_, value)| value.to_json().as_ref().and_then(version_text));
                let names: Option<Vec<String>> = positional.iter().map(text).collect();
                let call = match (names.as_deref(), version, keyword.len()) {
                    (Some([name]), None, 0) | (Some([name]), Some(Some(_)), 1) => (None, name),
                    (Some([package, name]), None, 0)
                    | (Some([package, name]), Some(Some(_)), 1) => (Some(package.clone()), name),
                    _ => return unknown("a `ref()` with arguments only a run tells"),
                };
                let version = keyword
                    .iter()
                    .find_map(|(_, value)| value.to_json().as_ref().and_then(version_text));
                self.recorded.refs.push(RefCall {
                    package: call.0,
                    name: call.1.clone(),
                    version,
                });
                Value::Relation
            }
            "source" => {
                let mut names: Vec<Option<String>> = positional.iter().map(text).collect();
                for (key, slot) in [("source_name", 0), ("table_name", 1)] {
                    if let Some((_, value)) = keyword.iter().find(|(k, _)| k == key) {
                        if names.len() != slot {
                            return unknown("a `source()` with arguments only a run tells");
                        }
                        names.push(text(value));
                    }
                }
                let [Some(source), Some(table)] = names.as_slice() else {
                    return unknown("a `source()` with arguments only a run tells");
                };
                self.recorded.sources.push((source.clone(), table.clone()));
                Value::Relation
            }
            "config" => {
                match (positional.as_slice(), keyword.is_empty()) {
                    ([options], true) => self.record_config_dict(options),
                    ([], false) => {
                        for (key, value) in keyword {
                            self.record_config(key, &value);
                        }
                    }
                    _ => return unknown("a `config()` call dbt refuses"),
                }
                Value::str("")
            }
            "config.set" => {
                let ([key, value], true) = (positional.as_slice(), keyword.is_empty()) else {
                    return unknown("a `config.set()` call dbt refuses");
                };
                match key.as_str() {
                    Some(key) => self.record_config(key.to_owned(), value),
                    None => self.recorded.dynamic_config.push("config".into()),
                }
                Value::str("")
            }
            "config.get" | "log" => Value::str(""),
            "return" => {
                let value = positional.into_iter().next().unwrap_or(Value::None);
                return Err(Stop::Return(value));
            }
            "exceptions.raise" => return unknown_value("it raises an error while dbt parses"),
            // Dependencies the reader does not resolve (user-defined functions, metrics).
            "function" => return unknown("a `function()` or `metric()` call"),
            "is_incremental" => Value::Bool(false),
            "load_result" => Value::None,
            // The body of `{% call statement() %}` runs only when dbt executes.
            "statement" => Value::str(""),
            "range" => {
                let bounds: Option<Vec<i64>> = positional
                    .iter()
                    .map(|v| match v {
                        Value::Int(i) => Some(*i),
                        _ => None,
                    })
                    .collect();
                let (start, stop) = match bounds.as_deref() {
                    Some([stop]) => (0, *stop),
                    Some([start, stop]) => (*start, *stop),
                    _ => return Ok(Value::Unknown),
                };
                if stop.saturating_sub(start) > 100_000 {
                    return Ok(Value::Unknown);
                }
                Value::list((start..stop).map(Value::Int).collect())
            }
            "dict" | "namespace" => {
                let mut pairs = Vec::new();
                if let Some(Value::Dict(base)) = positional.first() {
                    match base.borrow().as_ref() {
                        Some(base) => pairs.extend(base.iter().cloned()),
                        None => return Ok(Value::Unknown),
                    }
                }
                for (key, value) in keyword {
                    operations::insert(&mut pairs, Value::str(&key), value);
                }
                return self.bounded(Value::dict(pairs));
            }
            "zip" => {
                let lists: Option<Vec<Vec<Value>>> = positional.iter().map(Value::items).collect();
                let Some(lists) = lists else {
                    return Ok(Value::Unknown);
                };
                let length = lists.iter().map(Vec::len).min().unwrap_or(0);
                let zipped = (0..length)
                    .map(|i| Value::Tuple(lists.iter().map(|l| l[i].clone()).collect()))
                    .collect();
                return self.bounded(Value::list(zipped));
            }
            "adapter.dispatch" => {
                let name = positional
                    .first()
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                let namespace = positional
                    .get(1)
                    .or_else(|| {
                        keyword
                            .iter()
                            .find(|(k, _)| k == "macro_namespace")
                            .map(|(_, v)| v)
                    })
                    .and_then(Value::as_str);
                let Some(name) = name else {
                    return unknown("an `adapter.dispatch()` of a name only a run tells");
                };
                let effects = self.scope.dispatch_may_have_effects(&name);
                match namespace.map(|namespace| self.scope.dispatch(&name, namespace)) {
                    Some(Dispatched::Macro(index)) => {
                        Value::Callable(Rc::new(Callable::Macro(index)))
                    }
                    _ if effects => {
                        return unknown(format!(
                            "`adapter.dispatch('{name}')` picks a macro by the adapter"
                        ));
                    }
                    _ => Value::Unknown,
                }
            }
            // `var()`, `env_var()`, `run_query()`, `adapter.*`: only a run tells.
            _ => {
                taint_all(&positional, &keyword);
                Value::Unknown
            }
        })
    }

    fn record_config_dict(&mut self, options: &Value) {
        let Value::Dict(pairs) = options else {
            self.recorded.dynamic_config.push("config".into());
            return;
        };
        let pairs = pairs.borrow().clone();
        let Some(pairs) = pairs else {
            self.recorded.dynamic_config.push("config".into());
            return;
        };
        for (key, value) in pairs {
            match key.as_str() {
                Some(key) => self.record_config(key.to_owned(), &value),
                None => self.recorded.dynamic_config.push("config".into()),
            }
        }
    }

    fn record_config(&mut self, key: String, value: &Value) {
        // dbt renames the Python spelling of hooks.
        let key = match key.as_str() {
            "pre_hook" => "pre-hook".to_owned(),
            "post_hook" => "post-hook".to_owned(),
            _ => key,
        };
        match value.to_json() {
            Some(value) => {
                self.recorded.config.insert(key, value);
            }
            None => self.recorded.dynamic_config.push(key),
        }
    }
}

fn builtin_name(name: &str) -> &'static str {
    match name {
        "ref" => "ref",
        "source" => "source",
        "config" => "config",
        "return" => "return",
        "log" | "print" => "log",
        "range" => "range",
        "dict" => "dict",
        "namespace" => "namespace",
        "zip" => "zip",
        "load_result" => "load_result",
        "is_incremental" => "is_incremental",
        "statement" => "statement",
        "exceptions" => "exceptions",
        "adapter" => "adapter",
        "builtins" => "builtins",
        "function" | "metric" => "function",
        _ => "opaque",
    }
}

fn is_dict_method(name: &str) -> bool {
    matches!(
        name,
        "items"
            | "keys"
            | "values"
            | "get"
            | "update"
            | "pop"
            | "setdefault"
            | "copy"
            | "popitem"
            | "clear"
    )
}
