//! Just enough of Jinja to render a node as dbt does while it parses, where reading its SQL
//! statically is not enough: a macro that calls `ref()` with its arguments (`simple_cte([('a',
//! 'orders')])`), a `for` over a literal list, a `config()` value computed from literals. The
//! evaluator records the `ref()`, `source()` and `config()` calls dbt would record; whatever
//! depends on the target, the environment, vars or a query stays unknown, with its reason.

mod context;
mod effects;
mod eval;
mod expr;
mod operations;
mod scope;
mod template;
mod value;

pub use scope::MacroScope;

use super::sql::CodeFacts;

/// The facts of a node's template as dbt's parse renders it, with the macros it may call;
/// `Err` says why they cannot be known without running it.
pub fn render_facts(
    code: &str,
    package: &str,
    scope: &MacroScope<'_>,
) -> Result<CodeFacts, String> {
    let nodes = template::parse_template(code)
        .map_err(|error| format!("its Jinja could not be read ({error})"))?;
    let mut evaluator = eval::Evaluator::new(scope, package);
    evaluator.run_template(&nodes)?;
    let recorded = evaluator.recorded;
    let mut facts = CodeFacts {
        refs: recorded.refs,
        sources: recorded.sources,
        config: recorded.config,
        dynamic_config: recorded.dynamic_config,
        ..CodeFacts::default()
    };
    facts.refs.sort();
    facts.refs.dedup();
    facts.sources.sort();
    facts.sources.dedup();
    Ok(facts)
}

/// A node's facts, rendered when reading its SQL statically leaves something unknown: its
/// dependencies, a macro it calls that calls `ref()`, `source()` or `config()`, or a config
/// value. When rendering cannot tell either, the static facts stay, with the reason.
pub fn refine(facts: CodeFacts, code: &str, package: &str, scope: &MacroScope<'_>) -> CodeFacts {
    let reaching = facts
        .macros
        .iter()
        .find(|(namespace, name)| scope.may_have_effects(namespace.as_deref(), name));
    if facts.dependencies_unknown.is_none() && reaching.is_none() && facts.dynamic_config.is_empty()
    {
        return facts;
    }
    let reason = match render_facts(code, package, scope) {
        Ok(rendered) => return rendered,
        Err(reason) => reason,
    };
    let static_reason = facts.dependencies_unknown.clone().or_else(|| {
        let (namespace, name) = facts
            .macros
            .iter()
            .find(|(namespace, name)| scope.may_add_dependencies(namespace.as_deref(), name))?;
        let called = match namespace {
            Some(namespace) => format!("{namespace}.{name}"),
            None => name.clone(),
        };
        Some(format!(
            "it calls the macro `{called}`, which calls `ref()` or `source()`"
        ))
    });
    match static_reason {
        Some(static_reason) => CodeFacts {
            dependencies_unknown: Some(format!("{static_reason}; rendering stops at {reason}")),
            ..facts
        },
        None => facts,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, json};

    use super::*;
    use crate::dbt::project::macros::{DependencyMacros, macros_in};

    const MACROS: &str = "\
{% macro simple_cte(tuple_list) %}WITH{% for cte_ref in tuple_list %} {{ cte_ref[0] }} AS (
  SELECT * FROM {{ ref(cte_ref[1]) }}){%- if not loop.last -%},{%- endif -%}{%- endfor -%}{% endmacro %}
{% macro union_all(relations) %}{% if not execute %}{{ return('') }}{% endif %}
  {% for r in relations %}{{ ref(r) }}{% endfor %}{% endmacro %}
{% macro source_of(name, schema='raw') %}{% set table = name | lower %}{{ source(schema, table ~ '_v2') }}{% endmacro %}
{% macro columns(model) %}{{ return(adapter.dispatch('columns', 'shop')(model)) }}{% endmacro %}
{% macro default__columns(model) %}{% call statement('cols', fetch_result=True) %}select {{ ref('never') }}{% endcall %}
  {% set result = load_result('cols') %}{% if result and result['table'] %}{{ return(['x']) }}{% endif %}{{ return([]) }}{% endmacro %}
{% macro configured(key) %}{{ config(materialized='incremental', unique_key=key) }}{% endmacro %}";

    fn render(code: &str) -> Result<CodeFacts, String> {
        let macros = macros_in(MACROS, "shop");
        let dependency_macros = DependencyMacros::new(&macros);
        let scope = MacroScope::new(&macros, &dependency_macros, "shop", &Map::new());
        render_facts(code, "shop", &scope)
    }

    fn refs(facts: &CodeFacts) -> Vec<&str> {
        facts.refs.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn renders_macros_called_with_literals() {
        let facts =
            render("{{ simple_cte([('orders', 'stg_orders'), ('items', 'stg_items')]) }} select 1")
                .unwrap();
        assert_eq!(refs(&facts), ["stg_items", "stg_orders"]);
        let facts = render("{{ union_all(['a', 'b']) }}{{ source_of('Events') }}").unwrap();
        assert!(facts.refs.is_empty(), "`execute` is false while dbt parses");
        assert_eq!(facts.sources, [("raw".to_owned(), "events_v2".to_owned())]);
        let facts = render(
            "{% set cols = columns('a') %}{% if cols | length > 0 %}{{ ref('never') }}{% endif %}\
             {% set a = [] %}{% set b = a %}{% do b.append('x') %}{{ ref(a[0]) }}",
        )
        .unwrap();
        assert_eq!(refs(&facts), ["x"]);
        let facts = render(
            "{{ configured('id') }}{{ config({'schema': 's', 'database': env_var('DB')}) }}",
        )
        .unwrap();
        assert_eq!(facts.config["materialized"], json!("incremental"));
        assert_eq!(facts.config["unique_key"], json!("id"));
        assert_eq!(facts.dynamic_config, ["database"]);
        let facts = render("{{ config(**options(target.name)) }}{% for m in ['a'] if m %}{{ ref(m, v=2) }}{% endfor %}").unwrap();
        assert_eq!(facts.dynamic_config, ["config"]);
        assert_eq!(facts.refs[0].version.as_deref(), Some("2"));
    }

    #[test]
    fn binds_loop_and_extra_arguments_where_named() {
        let facts = render(
            "{% for x in ['a', 'b', 'c'] %}{{ ref(x ~ loop.index ~ loop.index0 ~ loop.revindex \
             ~ loop.revindex0 ~ loop.first ~ loop.last ~ loop.length) }}{% endfor %}",
        )
        .unwrap();
        assert_eq!(
            refs(&facts),
            ["a1032TrueFalse3", "b2121FalseFalse3", "c3210FalseTrue3"]
        );
        let facts = render(
            "{% macro wrap() %}{{ caller() }}{% endmacro %}{% for x in ['p', 'q'] if x != 'q' %}\
             {% call wrap() %}{{ ref(x ~ loop.length) }}{% endcall %}{% endfor %}\
             {% macro m(a) %}{{ ref(a ~ varargs[0] ~ kwargs['k']) }}{% endmacro %}\
             {{ m('x', 'y', k='z') }}{% for loop in ['r'] %}{{ ref(loop) }}{% endfor %}\
             {% macro n(varargs) %}{{ ref('n' ~ varargs | length) }}{% endmacro %}{{ n('abc') }}",
        )
        .unwrap();
        assert_eq!(refs(&facts), ["n0", "p1", "r", "xyz"]);
    }

    #[test]
    fn leaves_unknown_what_only_a_run_tells() {
        for code in [
            "{% if target.name == 'prod' %}{{ ref('a') }}{% endif %}",
            "{% for m in var('models') %}{{ ref(m) }}{% endfor %}",
            "{{ ref(env_var('MODEL')) }}",
            "{% set a = ['x'] %}{% if var('f') %}{% do a.append('y') %}{% endif %}{% for m in a %}{{ ref(m) }}{% endfor %}",
            "{{ simple_cte(var('ctes')) }}",
            "{{ function('udf') }}",
            "{% include 'x.sql' %}",
        ] {
            assert!(render(code).is_err(), "{code}");
        }
        let facts = render("{% for c in var('columns') %}{{ c }},{% endfor %} from {{ ref('a') }}")
            .unwrap();
        assert_eq!(refs(&facts), ["a"]);
    }

    #[test]
    fn stops_on_loops_and_nesting_too_large() {
        let long = "{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}";
        assert!(render(long).is_err());
        let deep = format!(
            "{}{{{{ ref('a') }}}}{}",
            "{% if true %}".repeat(60),
            "{% endif %}".repeat(60)
        );
        assert!(render(&deep).is_ok());
        let recursive =
            "{% macro again(n) %}{{ again(n) }}{{ ref('a') }}{% endmacro %}{{ again(1) }}";
        assert!(render(recursive).is_err());
        let nested = "{% set ns = namespace(x=[]) %}{% for i in range(20000) %}{% set ns.x = [ns.x] %}\
            {% endfor %}{% if ns.x == ns.x %}{{ ref('a') }}{% endif %}";
        assert!(render(nested).is_err());
        let cycle = "{% set a = [] %}{% do a.append(a) %}{% if a == a %}{{ ref('x') }}{% endif %}";
        assert!(render(cycle).is_err());
    }
}
