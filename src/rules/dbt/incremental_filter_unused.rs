//! DBT014: an `is_incremental()` filter in a model that is not incremental: the filter never
//! applies, and the model is rebuilt whole on every run.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::graph::ResourceType;
use crate::dbt::jinja::incremental_blocks;
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::dbt::nodes::root_nodes;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DBT014, `[rules.incremental-filter-unused]` in the config (no options).
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct IncrementalFilterUnused {}

declare_rule!(IncrementalFilterUnused {
    code: "DBT014",
    name: "incremental-filter-unused",
    group: Correctness,
    preset: Strict,
    severity: Warning,
});

impl Rule for IncrementalFilterUnused {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            for (id, node) in root_nodes(graph, ResourceType::Model) {
                if node.is_incremental() || !graph.mentions(node, "is_incremental") {
                    continue;
                }
                // Only the model's own filter: a shared macro serves incremental models too.
                let python = node
                    .file
                    .as_deref()
                    .is_some_and(|file| file.ends_with(".py"));
                let code = graph.code(node).unwrap_or_default();
                let (filtered, anchor) = if python {
                    (code.contains("dbt.is_incremental"), "dbt.is_incremental")
                } else {
                    (!incremental_blocks(&code).is_empty(), "is_incremental")
                };
                if !filtered {
                    continue;
                }
                let materialized = node.materialized.as_deref().unwrap_or("view");
                let span = repo
                    .node_line_containing(project, id, anchor)
                    .unwrap_or_else(|| repo.node_span(project, id));
                let diagnostic = report
                    .diagnostic(
                        format!("model `{}` filters on `is_incremental()` but is materialized as {materialized}", node.name),
                        Label::new(span, format!("never applies: `is_incremental()` is false for a {materialized}")),
                    )
                    .with_help("materialize it as `incremental` (with a `unique_key` or a strategy) if each run should add only new rows; otherwise remove the filter")
                    .about(project, id);
                report.emit(diagnostic);
            }
        }
    }
}
