//! X015: models a DAG builds whose tests no task runs: bad data flows on unchecked.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::command::DbtCommand;
use crate::dbt::graph::NodeId;
use crate::diagnostic::Label;
use crate::link::{Monorepo, Resolution, TaskRef, refreshes_models};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// X015; it has no options.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct TestsNotScheduled {}

declare_rule!(TestsNotScheduled {
    code: "X015",
    name: "tests-not-scheduled",
    group: Correctness,
    preset: Strict,
    severity: Warning,
});

/// Models named in a finding; the rest are counted.
const LISTED: usize = 3;

impl Rule for TestsNotScheduled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// One finding per task building models whose tests never run.
    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            // A task that cannot be read may run the tests.
            let unknown = repo.runs.iter().any(|run| {
                matches!(run.resolution, Resolution::Unresolved { .. })
                    && run.project.is_none_or(|p| p == project)
            });
            if unknown {
                continue;
            }
            // Building task → (one of its runs, model → its untested tests).
            let mut untested: BTreeMap<TaskRef, (usize, Vec<(NodeId, usize)>)> = BTreeMap::new();
            for id in repo.schedulable_models(project) {
                let Some(&builder) = repo.run_ids_of(project, id).iter().find(|&&run| {
                    repo.call_of(&repo.runs[run])
                        .is_some_and(|call| refreshes_models(&call.command))
                }) else {
                    continue;
                };
                let never_run = graph
                    .children(id)
                    .iter()
                    .filter(|&&test| graph.node(test).is_test())
                    .filter(|&&test| {
                        !repo.runs_of(project, test).any(|run| {
                            repo.call_of(run).is_some_and(|call| {
                                matches!(call.command, DbtCommand::Test | DbtCommand::Build)
                            })
                        })
                    })
                    .count();
                if never_run > 0 {
                    untested
                        .entry(repo.runs[builder].task)
                        .or_insert_with(|| (builder, Vec::new()))
                        .1
                        .push((id, never_run));
                }
            }
            for (run, models) in untested.into_values() {
                let tests: usize = models.iter().map(|(_, n)| n).sum();
                let names: Vec<String> = models
                    .iter()
                    .take(LISTED)
                    .map(|(id, _)| format!("`{}`", graph.node(*id).name))
                    .collect();
                let listed = match models.len().saturating_sub(LISTED) {
                    0 => names.join(", "),
                    more => format!("{} and {more} more", names.join(", ")),
                };
                let mut diagnostic = report
                    .diagnostic(
                        format!(
                            "{tests} test{} of the models task `{}` builds never run",
                            if tests == 1 { "" } else { "s" },
                            repo.task_name(repo.runs[run].task)
                        ),
                        Label::new(
                            repo.selection_span(&repo.runs[run]),
                            format!("builds {listed}; no `dbt test` or `dbt build` of any DAG runs their tests"),
                        ),
                    )
                    .with_help(
                        "run `dbt build` instead of `dbt run` (it tests each model before its children), or add a `dbt test` task with the same selection",
                    );
                for (id, _) in &models {
                    diagnostic = diagnostic.about(project, *id);
                }
                report.emit(diagnostic);
            }
        }
    }
}
