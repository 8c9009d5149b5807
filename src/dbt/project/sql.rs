//! What a model's SQL (or Python) says without rendering it, as dbt's static parser reads it:
//! the `ref()` and `source()` calls, the `config()` calls with literal arguments, and the
//! macros called. Whatever only rendering can tell (a ref built from a variable, a ref inside
//! `{% for %}` or `{% if target.name ... %}`, a config value computed by Jinja) is recorded as
//! unknown, never guessed.

use std::sync::LazyLock;

use memchr::memmem;
use serde_json::{Map, Value};

use super::literal::{CallArgs, call_args};
use crate::dbt::jinja::{JinjaBlock, jinja_blocks, macro_calls_in, strip_comments};

/// A `ref()` call: `ref('name')`, `ref('package', 'name')`, `ref('name', v=2)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RefCall {
    pub package: Option<String>,
    pub name: String,
    pub version: Option<String>,
}

/// What a node's code says statically.
#[derive(Debug, Default)]
pub struct CodeFacts {
    pub refs: Vec<RefCall>,
    pub sources: Vec<(String, String)>,
    /// The `config()` arguments, later calls over earlier ones.
    pub config: Map<String, Value>,
    /// `config()` keys whose value only rendering can tell.
    pub dynamic_config: Vec<String>,
    /// Why the node's dependencies cannot all be read, if they cannot.
    pub dependencies_unknown: Option<String>,
    /// The macros called, as `(namespace, name)`.
    pub macros: Vec<(Option<String>, String)>,
}

/// How a `{% if %}` or `{% for %}` around a call changes what dbt's parse sees.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Frame {
    /// `{% if is_incremental() %}` or `{% if execute %}`: false while dbt parses, so calls in
    /// it are not dependencies (calls in its `else` are).
    FalseAtParse { in_else: bool },
    /// Any other condition or loop: what dbt's parse sees depends on the values.
    Dynamic,
    /// A `{% macro %}` or `{% test %}` body: not rendered where it is written.
    Body,
    /// A `{% set x %}` block: rendered where it is written, like the text around it.
    SetBlock,
}

/// Reads a SQL model, snapshot, analysis or singular test.
pub fn read_sql(code: &str) -> CodeFacts {
    let code = strip_comments(code);
    let blocks: Vec<JinjaBlock> = jinja_blocks(&code).collect();
    let mut facts = CodeFacts {
        macros: macro_calls_in(blocks.iter().map(|block| &code[block.inner.clone()])),
        ..CodeFacts::default()
    };
    let mut frames: Vec<Frame> = Vec::new();
    let mut raw = false;
    for block in blocks {
        let inner = &code[block.inner.clone()];
        if block.is_statement {
            let statement = inner.trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace());
            let keyword = statement.split_whitespace().next().unwrap_or_default();
            if raw {
                raw = keyword != "endraw";
                continue;
            }
            match keyword {
                "raw" => raw = true,
                "if" => {
                    let condition: String = statement[2..]
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .collect();
                    frames.push(
                        if condition == "is_incremental()" || condition == "execute" {
                            Frame::FalseAtParse { in_else: false }
                        } else {
                            Frame::Dynamic
                        },
                    );
                }
                // A `{% call %}` body renders only if the macro calls `caller()`.
                "for" | "call" => frames.push(Frame::Dynamic),
                "macro" | "test" | "materialization" => frames.push(Frame::Body),
                "set" if !statement.contains('=') => frames.push(Frame::SetBlock),
                "else" => {
                    if let Some(Frame::FalseAtParse { in_else }) = frames.last_mut() {
                        *in_else = true;
                    }
                }
                "elif" => {
                    if let Some(frame) = frames.last_mut() {
                        *frame = Frame::Dynamic;
                    }
                }
                "endif" | "endfor" | "endmacro" | "endtest" | "endcall" | "endset"
                | "endmaterialization" => {
                    frames.pop();
                }
                _ => {}
            }
        }
        if raw {
            continue;
        }
        read_calls(inner, &frames, &mut facts, &JINJA_SEARCHES);
    }
    facts.refs.sort();
    facts.refs.dedup();
    facts.sources.sort();
    facts.sources.dedup();
    facts
}

/// Reads a Python model: `dbt.ref(...)`, `dbt.source(...)`, `dbt.config(...)`.
pub fn read_python(code: &str) -> CodeFacts {
    let mut facts = CodeFacts::default();
    read_calls(code, &[], &mut facts, &PYTHON_SEARCHES);
    facts.refs.sort();
    facts.refs.dedup();
    facts.sources.sort();
    facts.sources.dedup();
    facts
}

/// The functions `read_calls` reads, and the text that calls each: as written in Jinja ...
const CALLS: [(&str, &str); 4] = [
    ("ref", "ref"),
    ("source", "source"),
    ("config", "config"),
    ("function", "function"),
];

/// ... and through the `dbt` namespace, in a Python model (`dbt.ref("orders")`).
const DBT_CALLS: [(&str, &str); 4] = [
    ("ref", "dbt.ref"),
    ("source", "dbt.source"),
    ("config", "dbt.config"),
    ("function", "dbt.function"),
];

/// A function `read_calls` reads, with the searcher for the text that calls it.
struct CallSearch {
    function: &'static str,
    finder: memmem::Finder<'static>,
}

/// The searchers are built once: building one costs more than searching a short text.
fn call_searches(calls: [(&'static str, &'static str); 4]) -> [CallSearch; 4] {
    calls.map(|(function, needle)| CallSearch {
        function,
        finder: memmem::Finder::new(needle),
    })
}

static JINJA_SEARCHES: LazyLock<[CallSearch; 4]> = LazyLock::new(|| call_searches(CALLS));
static PYTHON_SEARCHES: LazyLock<[CallSearch; 4]> = LazyLock::new(|| call_searches(DBT_CALLS));

/// The `ref`, `source` and `config` calls in one expression or statement.
fn read_calls(text: &str, frames: &[Frame], facts: &mut CodeFacts, calls: &[CallSearch; 4]) {
    if frames.contains(&Frame::Body) {
        return;
    }
    let skipped = frames.contains(&Frame::FalseAtParse { in_else: false });
    let dynamic = frames.contains(&Frame::Dynamic);
    for CallSearch { function, finder } in calls {
        let function = *function;
        for start in finder.find_iter(text.as_bytes()) {
            let from = start + finder.needle().len();
            let before = text[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                continue;
            }
            let after = text[from..].trim_start();
            let Some(arguments) = after.strip_prefix('(') else {
                continue;
            };
            let Some((args, _)) = call_args(arguments) else {
                mark_dependencies(facts, format!("a `{function}()` call it could not read"));
                continue;
            };
            if skipped {
                continue;
            }
            match function {
                "config" if dynamic => facts
                    .dynamic_config
                    .extend(args.keyword.iter().map(|(key, _)| key.clone())),
                "config" => read_config_call(&args, facts),
                // dbt 1.11's user-defined functions: not read.
                "function" => mark_dependencies(facts, "a `function()` call".into()),
                _ if dynamic => mark_dependencies(
                    facts,
                    format!("a `{function}()` inside a Jinja `if` or `for`"),
                ),
                "ref" => match ref_call(&args) {
                    Some(call) => facts.refs.push(call),
                    None => mark_dependencies(facts, "a `ref()` with computed arguments".into()),
                },
                _ => match source_call(&args) {
                    Some(call) => facts.sources.push(call),
                    None => mark_dependencies(facts, "a `source()` with computed arguments".into()),
                },
            }
        }
    }
}

fn mark_dependencies(facts: &mut CodeFacts, reason: String) {
    facts.dependencies_unknown.get_or_insert(reason);
}

fn read_config_call(args: &CallArgs, facts: &mut CodeFacts) {
    // `config({"materialized": "table"})`: a dict, as dbt also accepts.
    for value in &args.positional {
        match value {
            Some(Value::Object(map)) => {
                for (key, value) in map {
                    facts.config.insert(key.clone(), value.clone());
                }
            }
            _ => facts.dynamic_config.push("config".into()),
        }
    }
    for (key, value) in &args.keyword {
        match value {
            Some(value) => {
                facts.config.insert(key.clone(), value.clone());
            }
            None => facts.dynamic_config.push(key.clone()),
        }
    }
}

/// A version as dbt keeps it: numbers and strings alike, as text.
pub fn version_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn ref_call(args: &CallArgs) -> Option<RefCall> {
    if !args.all_literal() {
        return None;
    }
    let texts: Vec<&str> = args
        .positional
        .iter()
        .map(|value| value.as_ref().and_then(Value::as_str))
        .collect::<Option<_>>()?;
    let (package, name) = match texts.as_slice() {
        [name] => (None, *name),
        [package, name] => (Some((*package).to_owned()), *name),
        _ => return None,
    };
    let version = match args.keyword("v").or_else(|| args.keyword("version")) {
        Some(value) => Some(version_text(value?)?),
        None => None,
    };
    Some(RefCall {
        package,
        name: name.to_owned(),
        version,
    })
}

fn source_call(args: &CallArgs) -> Option<(String, String)> {
    let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_owned);
    let source = match args.positional.first() {
        Some(value) => text(value.as_ref())?,
        None => text(args.keyword("source_name")?)?,
    };
    let table = match args.positional.get(1) {
        Some(value) => text(value.as_ref())?,
        None => text(args.keyword("table_name")?)?,
    };
    Some((source, table))
}

/// The refs and sources of a YAML value written as Jinja (`to: ref('customers')`, an
/// exposure's `depends_on`), and whether all could be read.
pub fn read_jinja_value(text: &str) -> CodeFacts {
    let mut facts = CodeFacts::default();
    read_calls(text, &[], &mut facts, &JINJA_SEARCHES);
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(facts: &CodeFacts) -> Vec<&str> {
        facts.refs.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn reads_refs_sources_and_config() {
        let sql = "{{ config(materialized='incremental', tags=['a']) }}\n\
            -- {# {{ ref('commented') }} #}\n\
            select * from {{ ref('orders') }} join {{ ref('shop', 'items', v=2) }}\n\
            join {{ source('raw', 'payments') }}\n\
            {% if is_incremental() %} where x > (select max(x) from {{ ref('only_incremental') }}) {% endif %}";
        let facts = read_sql(sql);
        assert_eq!(named(&facts), ["orders", "items"]);
        assert_eq!(facts.refs[1].package.as_deref(), Some("shop"));
        assert_eq!(facts.refs[1].version.as_deref(), Some("2"));
        assert_eq!(facts.sources, [("raw".to_owned(), "payments".to_owned())]);
        assert_eq!(facts.config["materialized"], "incremental");
        assert!(facts.dependencies_unknown.is_none());
    }

    #[test]
    fn marks_what_only_rendering_tells() {
        let facts = read_sql("{% for m in ['a', 'b'] %}select * from {{ ref(m) }}{% endfor %}");
        assert!(facts.dependencies_unknown.is_some());
        let facts = read_sql("{% if target.name == 'prod' %}{{ ref('a') }}{% endif %}");
        assert!(facts.dependencies_unknown.is_some());
        let facts = read_sql("{{ config({'materialized': 'table', 'tags': ['a'],}) }}");
        assert_eq!(facts.config["tags"], serde_json::json!(["a"]));
        let facts = read_sql("{{ config(materialized=var('m')) }} select 1");
        assert_eq!(facts.dynamic_config, ["materialized"]);
        assert!(facts.dependencies_unknown.is_none());
        let facts = read_sql("{% set m = 'x' %}{{ ref(m) }}");
        assert!(facts.dependencies_unknown.is_some());
        let facts = read_sql("{% set q %}select * from {{ ref('a') }}{% endset %}{{ q }}");
        assert_eq!(named(&facts), ["a"]);
        assert!(facts.dependencies_unknown.is_none());
    }

    #[test]
    fn reads_python_models() {
        let facts = read_python(
            "def model(dbt, session):\n    dbt.config(materialized='table')\n    return dbt.ref(\"orders\")",
        );
        assert_eq!(named(&facts), ["orders"]);
        assert_eq!(facts.config["materialized"], "table");
    }
}
