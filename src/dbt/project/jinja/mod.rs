//! Just enough of Jinja to render a node as dbt does while it parses, where reading its SQL
//! statically is not enough: a macro that calls `ref()` with its arguments (`simple_cte([('a',
//! 'orders')])`), a `for` over a literal list, a `config()` value computed from literals. The
//! evaluator records the `ref()`, `source()` and `config()` calls dbt would record; whatever
//! depends on the target, the environment, vars or a query stays unknown, with its reason.

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
