//! The macros of the project and its packages (`{% macro name(...) %}` blocks, and generic
//! tests' `{% test name(...) %}`), and which of them may add dependencies to a node that calls
//! them: a macro that calls `ref()` or `source()`, itself or through the macros it calls (or
//! `config()`, which sets the calling node's config).

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::dbt::jinja::{jinja_blocks, macro_calls};

/// A macro's definition.
#[derive(Debug, Clone)]
pub struct MacroDef {
    pub name: String,
    pub package: String,
    /// From `{% macro %}` to `{% endmacro %}`.
    pub sql: String,
}

/// The macro and generic test blocks of one file.
pub fn macros_in(code: &str, package: &str) -> Vec<MacroDef> {
    let mut found = Vec::new();
    let mut open: Option<(String, usize)> = None;
    for block in jinja_blocks(code) {
        if !block.is_statement {
            continue;
        }
        let statement = code[block.inner.clone()]
            .trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace());
        let mut words = statement.splitn(2, char::is_whitespace);
        let keyword = words.next().unwrap_or_default();
        let rest = words.next().unwrap_or_default().trim_start();
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let start = block.inner.start.saturating_sub(2);
        match keyword {
            "macro" if open.is_none() && !name.is_empty() => open = Some((name, start)),
            "test" if open.is_none() && !name.is_empty() => {
                open = Some((format!("test_{name}"), start))
            }
            "endmacro" | "endtest" => {
                if let Some((name, start)) = open.take() {
                    let end = (block.inner.end + 2).min(code.len());
                    found.push(MacroDef {
                        name,
                        package: package.to_owned(),
                        sql: code[start..end].to_owned(),
                    });
                }
            }
            _ => {}
        }
    }
    found
}

/// The macros that may add dependencies, by `(package, name)`, and those that may also set
/// the config of the node calling them.
#[derive(Debug, Default)]
pub struct DependencyMacros {
    reaching: HashSet<(String, String)>,
    configuring: HashSet<(String, String)>,
    /// Package names by macro name, for unqualified calls.
    by_name: HashMap<String, Vec<String>>,
}

/// How deep macro calls are followed.
const DEPTH: usize = 8;

impl DependencyMacros {
    pub fn new(macros: &[MacroDef]) -> Self {
        let mut by_name: HashMap<String, Vec<String>> = HashMap::default();
        for def in macros {
            by_name
                .entry(def.name.clone())
                .or_default()
                .push(def.package.clone());
        }
        // `adapter.dispatch('name', ...)` calls one of the `*__name` macros.
        let mut implementations: HashMap<&str, Vec<(Option<String>, String)>> = HashMap::default();
        for def in macros {
            if let Some((_, dispatched)) = def.name.split_once("__") {
                implementations
                    .entry(dispatched)
                    .or_default()
                    .push((Some(def.package.clone()), def.name.clone()));
            }
        }
        // Each macro's code read once, in parallel.
        let read: Vec<MacroReading> = macros
            .par_iter()
            .map(|def| {
                let mut calls = macro_calls(&def.sql);
                for name in dispatched_names(&def.sql) {
                    calls.extend(implementations.get(name).into_iter().flatten().cloned());
                }
                let calls_dependency = calls_dependency(&def.sql);
                MacroReading {
                    calls,
                    calls_dependency,
                    calls_config: calls_dependency
                        || calls_function(&def.sql, &["config", "config.set"]),
                }
            })
            .collect();
        let seeds = |calls_it: fn(&MacroReading) -> bool| -> HashSet<(String, String)> {
            (macros.iter().zip(&read))
                .filter(|(_, read)| calls_it(read))
                .map(|(def, _)| (def.package.clone(), def.name.clone()))
                .collect()
        };
        let reaching = closure(macros, &read, &by_name, seeds(|read| read.calls_dependency));
        let configuring = closure(macros, &read, &by_name, seeds(|read| read.calls_config));
        DependencyMacros {
            reaching,
            configuring,
            by_name,
        }
    }

    /// Whether a call `namespace.name(...)` (or `name(...)`) may add dependencies.
    pub fn reaches(&self, namespace: Option<&str>, name: &str) -> bool {
        contains(&self.reaching, &self.by_name, namespace, name)
    }

    /// Whether a call may add dependencies or set the calling node's config.
    pub fn reaches_config(&self, namespace: Option<&str>, name: &str) -> bool {
        contains(&self.configuring, &self.by_name, namespace, name)
    }
}

/// What a macro's code says of it.
struct MacroReading {
    /// The macros it calls (by namespace and name), `adapter.dispatch` included.
    calls: Vec<(Option<String>, String)>,
    /// It calls `ref()` or `source()` itself.
    calls_dependency: bool,
    /// It calls `ref()`, `source()` or `config()` itself.
    calls_config: bool,
}

/// The macros in `found` and those calling them, up to [`DEPTH`] calls away.
fn closure(
    macros: &[MacroDef],
    read: &[MacroReading],
    by_name: &HashMap<String, Vec<String>>,
    mut found: HashSet<(String, String)>,
) -> HashSet<(String, String)> {
    for _ in 0..DEPTH {
        let mut grew = false;
        for (def, read) in macros.iter().zip(read) {
            let key = (def.package.clone(), def.name.clone());
            if found.contains(&key) {
                continue;
            }
            if (read.calls.iter())
                .any(|(namespace, name)| contains(&found, by_name, namespace.as_deref(), name))
            {
                found.insert(key);
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    found
}

fn contains(
    set: &HashSet<(String, String)>,
    by_name: &HashMap<String, Vec<String>>,
    namespace: Option<&str>,
    name: &str,
) -> bool {
    match namespace {
        Some(package) => set.contains(&(package.to_owned(), name.to_owned())),
        None => by_name.get(name).is_some_and(|packages| {
            packages
                .iter()
                .any(|package| set.contains(&(package.clone(), name.to_owned())))
        }),
    }
}

/// The names `code` dispatches: `adapter.dispatch('name', ...)`.
fn dispatched_names(code: &str) -> impl Iterator<Item = &str> {
    code.match_indices("adapter.dispatch(")
        .filter_map(|(start, call)| {
            let rest = code[start + call.len()..].trim_start();
            let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
            let name = &rest[1..];
            Some(&name[..name.find(quote)?])
        })
}

/// Whether code calls `ref(` or `source(` as a function.
fn calls_dependency(code: &str) -> bool {
    calls_function(code, &["ref", "source"])
}

/// Whether code calls one of `functions` (`config.set` written whole).
fn calls_function(code: &str, functions: &[&str]) -> bool {
    functions.iter().any(|function| {
        code.match_indices(function).any(|(start, _)| {
            let before = code[..start].chars().next_back();
            let after = code[start + function.len()..].trim_start();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
                && after.starts_with('(')
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_macros_that_reach_refs() {
        let code = "{% macro ctes(list) %}{% for x in list %}{{ ref(x) }}{% endfor %}{% endmacro %}\n\
            {%- macro wrapper(list) -%}{{ ctes(list) }}{%- endmacro -%}\n\
            {% macro cents(c) %}{{ c }} / 100{% endmacro %}\n\
            {% test positive(model, column_name) %}select 1{% endtest %}";
        let macros = macros_in(code, "shop");
        let names: Vec<&str> = macros.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["ctes", "wrapper", "cents", "test_positive"]);
        let reaching = DependencyMacros::new(&macros);
        assert!(reaching.reaches(None, "ctes"));
        assert!(reaching.reaches(None, "wrapper"));
        assert!(reaching.reaches(Some("shop"), "wrapper"));
        assert!(!reaching.reaches(None, "cents"));
        let code = "{% macro setup() %}{{ config.set('materialized', 'table') }}{% endmacro %}\n\
            {% macro outer() %}{{ setup() }}{% endmacro %}";
        let reaching = DependencyMacros::new(&macros_in(code, "shop"));
        assert!(reaching.reaches_config(None, "outer"));
        assert!(!reaching.reaches(None, "outer"));
        let code = "{% macro base(t) %}{{ return(adapter.dispatch('base', 'pkg')(t)) }}{% endmacro %}\n\
            {% macro default__base(t) %}{{ source('raw', t) }}{% endmacro %}";
        let reaching = DependencyMacros::new(&macros_in(code, "pkg"));
        assert!(reaching.reaches(Some("pkg"), "base"));
    }
}
