//! X016: an incremental model run by a DAG filters on the wall clock (`current_date`,
//! `{{ run_started_at }}`) instead of the run's data interval: retries and backfills load
//! whatever the clock says, not the interval they are for.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::incremental;
use crate::diagnostic::Label;
use crate::link::{Monorepo, refreshes_models};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// X016; it has no options.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct NondeterministicInterval {}

declare_rule!(NondeterministicInterval {
    code: "X016",
    name: "nondeterministic-interval",
    group: Correctness,
    preset: Strict,
    severity: Warning,
});

impl Rule for NondeterministicInterval {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            let project_vars = incremental::project_var_defaults(&dbt.vars);
            for id in repo.schedulable_models(project) {
                let node = graph.node(id);
                if !node.is_incremental()
                    || node.incremental_strategy.as_deref() == Some("microbatch")
                {
                    continue;
                }
                let run_by_a_dag = repo.runs_of(project, id).any(|run| {
                    repo.call_of(run)
                        .is_some_and(|call| refreshes_models(&call.command) && !call.full_refresh)
                });
                if !run_by_a_dag {
                    continue;
                }
                let filter = incremental::filter(graph, node, &project_vars);
                let Some(clock) = filter.wall_clock else {
                    continue;
                };
                // The wall clock is in the model, or in the macro whose call holds the filter.
                let (span, where_) =
                    match repo.node_line_containing_after(project, id, "is_incremental", &clock) {
                        Some(span) => (span, ""),
                        None => (
                            repo.node_line_containing(project, id, &filter.anchor)
                                .unwrap_or_else(|| repo.node_file_span(project, id)),
                            "this macro's filter reads ",
                        ),
                    };
                let diagnostic = report
                    .diagnostic(
                        format!("incremental model `{}` filters on the wall clock, not the run's data interval", node.name),
                        Label::new(span, format!("{where_}`{clock}`: when the task happens to run, so a retry or backfill loads another window")),
                    )
                    .with_help(
                        "filter on `var('start_date')` and `var('end_date')` and pass them from the DAG as `{{ data_interval_start }}` and `{{ data_interval_end }}`",
                    )
                    .about(project, id);
                report.emit(diagnostic);
            }
        }
    }
}
