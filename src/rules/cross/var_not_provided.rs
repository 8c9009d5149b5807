//! X013: a model reads a dbt var that has no default, is not in `dbt_project.yml` and is not
//! passed by the task that runs it: dbt stops with "Required var '...' not found in config".

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::graph::NodeId;
use crate::dbt::jinja::{incremental_blocks, strip_comments, var_calls};
use crate::diagnostic::Label;
use crate::link::{Monorepo, refreshes_models};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// X013; it has no options.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct VarNotProvided {}

declare_rule!(VarNotProvided {
    code: "X013",
    name: "var-not-provided",
    group: Correctness,
    preset: Recommended,
    severity: Error,
});

/// Models named in a finding; the rest are counted.
const LISTED: usize = 3;

impl Rule for VarNotProvided {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// One finding per run: the vars it does not pass, with the models that need them.
    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            // Run → var → the models needing it.
            let mut missing: BTreeMap<usize, BTreeMap<String, Vec<NodeId>>> = BTreeMap::new();
            for id in repo.schedulable_models(project) {
                let node = graph.node(id);
                // A model whose code never spells `var` reads none (most models): its code is
                // not decoded.
                if !graph.mentions(node, "var") {
                    continue;
                }
                let code = graph.code(node).unwrap_or_default();
                let code = strip_comments(&code);
                let calls = var_calls(&code);
                // `{% if var('x', false) %}...{{ var('x') }}` guards the read: optional.
                let required: Vec<String> = calls
                    .iter()
                    .filter(|var| {
                        var.default.is_none()
                            && !calls
                                .iter()
                                .any(|other| other.name == var.name && other.default.is_some())
                            && !defined_in_project(&dbt.vars, &var.name, &node.package)
                    })
                    .map(|var| var.name.clone())
                    .collect();
                let incremental = incremental_blocks(&code);
                let only_incremental = |name: &str| {
                    calls.iter().filter(|var| var.name == name).all(|var| {
                        incremental
                            .iter()
                            .any(|block| block.contains(&var.range.start))
                    })
                };
                if required.is_empty() {
                    continue;
                }
                for &run in repo.run_ids_of(project, id) {
                    let Some(call) = repo.call_of(&repo.runs[run]) else {
                        continue;
                    };
                    // Vars that cannot be read may hold it.
                    if !refreshes_models(&call.command)
                        || call
                            .vars
                            .as_ref()
                            .is_some_and(|vars| vars.problem.is_some())
                    {
                        continue;
                    }
                    for name in &required {
                        // A full refresh does not render the `is_incremental()` blocks.
                        if call.full_refresh && only_incremental(name) {
                            continue;
                        }
                        if call.vars.as_ref().and_then(|vars| vars.get(name)).is_none() {
                            let models = missing
                                .entry(run)
                                .or_default()
                                .entry(name.clone())
                                .or_default();
                            if !models.contains(&id) {
                                models.push(id);
                            }
                        }
                    }
                }
            }
            for (run, vars) in missing {
                let run_ref = &repo.runs[run];
                let Some(call) = repo.call_of(run_ref) else {
                    continue;
                };
                let names: Vec<String> = vars.keys().map(|v| format!("`{v}`")).collect();
                let mut models: Vec<NodeId> = vars.values().flatten().copied().collect();
                models.sort();
                models.dedup();
                let listed: Vec<String> = models
                    .iter()
                    .take(LISTED)
                    .map(|&id| format!("`{}`", graph.node(id).name))
                    .collect();
                let listed = match models.len().saturating_sub(LISTED) {
                    0 => listed.join(", "),
                    more => format!("{} and {more} more", listed.join(", ")),
                };
                let site = call
                    .vars
                    .as_ref()
                    .map_or(&call.vars_site, |vars| &vars.span);
                let mut diagnostic = report
                    .diagnostic(
                        format!(
                            "task `{}` does not pass {} that {listed} {}",
                            repo.task_name(run_ref.task),
                            names.join(", "),
                            if models.len() == 1 { "requires" } else { "require" }
                        ),
                        Label::new(
                            site.clone(),
                            "dbt stops here with \"Required var ... not found in config\"",
                        ),
                    )
                    .with_help(format!(
                        "pass {} in the task's vars, give the var a default in `dbt_project.yml` (`vars:`), or write `var('{}', <default>)`",
                        names.join(", "),
                        vars.keys().next().map_or("", String::as_str)
                    ));
                for (name, needing) in &vars {
                    for &id in needing {
                        if let Some(span) = repo.node_line_containing(project, id, name) {
                            diagnostic = diagnostic.with_label(Label::new(
                                span,
                                format!(
                                    "`{}` reads var('{name}') without a default",
                                    graph.node(id).name
                                ),
                            ));
                        }
                        diagnostic = diagnostic.about(project, id);
                    }
                }
                report.emit(diagnostic);
            }
        }
    }
}

/// Whether `dbt_project.yml`'s `vars:` define a var for a node's package: at the top level,
/// or under the package's name.
fn defined_in_project(
    vars: &serde_json::Map<String, serde_json::Value>,
    name: &str,
    package: &str,
) -> bool {
    vars.contains_key(name)
        || vars
            .get(package)
            .and_then(serde_json::Value::as_object)
            .is_some_and(|scoped| scoped.contains_key(name))
}
