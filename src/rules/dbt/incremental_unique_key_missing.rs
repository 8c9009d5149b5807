//! DBT002: an incremental model that appends its whole query on every run: no
//! `is_incremental()` filter and no `unique_key`, so each run duplicates every row.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::graph::{DbtGraph, Node, ResourceType};
use crate::dbt::incremental;
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::dbt::nodes::root_nodes;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DBT002, `[rules.incremental-unique-key-missing]` in the config (no options).
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct IncrementalUniqueKeyMissing {}

declare_rule!(IncrementalUniqueKeyMissing {
    code: "DBT002",
    name: "incremental-unique-key-missing",
    group: Correctness,
    preset: Recommended,
    severity: Warning,
});

/// Strategies that add the query's rows to the table when there is no `unique_key` to merge
/// or delete on (no strategy is the adapter's default: `append` or `merge`). Strategies that
/// replace partitions or batches, and custom ones, are left alone.
const APPENDING_STRATEGIES: [&str; 3] = ["append", "merge", "delete+insert"];

impl Rule for IncrementalUniqueKeyMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            let project_vars = incremental::project_var_defaults(&dbt.vars);
            for (id, node) in root_nodes(graph, ResourceType::Model) {
                if !node.is_incremental() || !node.unique_key.is_empty() || !appends(node) {
                    continue;
                }
                if has_incremental_filter(graph, node)
                    || incremental::filter(graph, node, &project_vars).present
                {
                    continue;
                }
                let diagnostic = report
                    .diagnostic(
                        format!(
                            "incremental model `{}` has neither an `is_incremental()` filter nor a `unique_key`",
                            node.name
                        ),
                        Label::new(
                            repo.node_span(project, id),
                            "every run inserts the whole query again, duplicating the rows already loaded",
                        ),
                    )
                    .with_help(
                        "keep only new rows in `{% if is_incremental() %}` (e.g. `where loaded_at > (select max(loaded_at) from {{ this }})`), or set `unique_key` so runs merge; if it should be rebuilt each run, materialize it as a table",
                    )
                    .about(project, id);
                report.emit(diagnostic);
            }
        }
    }
}

/// Whether the model's strategy appends rows when it has no `unique_key`.
fn appends(node: &Node) -> bool {
    node.incremental_strategy.as_deref().is_none_or(|strategy| {
        APPENDING_STRATEGIES.contains(&strategy.to_ascii_lowercase().as_str())
    })
}

/// A Python model's filter: `if dbt.is_incremental:` is Python, not Jinja.
fn has_incremental_filter(graph: &DbtGraph, node: &Node) -> bool {
    node.file
        .as_deref()
        .is_some_and(|file| file.ends_with(".py"))
        && graph.mentions(node, "dbt.is_incremental")
}
