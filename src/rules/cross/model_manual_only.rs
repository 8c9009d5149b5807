//! X009: models that only DAGs without a schedule run refresh only when someone remembers.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::airflow::Dag;
use crate::dbt::graph::NodeId;
use crate::diagnostic::Label;
use crate::link::{ModelCoverage, Monorepo};
use crate::rules::dbt::nodes::listed_by_name;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// X009; it has no options.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ModelManualOnly {}

declare_rule!(ModelManualOnly {
    code: "X009",
    name: "model-manual-only",
    group: Correctness,
    preset: Strict,
    severity: Info,
});

/// Models listed by name in a finding; the rest are counted.
const LISTED: usize = 5;

impl Rule for ModelManualOnly {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// One finding per DAG without a schedule that is, with other such DAGs, the only one to
    /// run some models: the cause is the DAG's missing schedule.
    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        // (file, DAG index in the file) → (project, model) it runs that nothing scheduled runs.
        let mut by_dag: BTreeMap<(usize, usize), Vec<(usize, NodeId)>> = BTreeMap::new();
        for project in 0..repo.projects.len() {
            for (id, state) in repo.coverage(project).models() {
                if state != ModelCoverage::ManualOnly {
                    continue;
                }
                for run in repo.runs_of(project, id) {
                    if let Some(dag) = repo.task(run.task).dag {
                        let models = by_dag.entry((run.task.file, dag)).or_default();
                        if !models.contains(&(project, id)) {
                            models.push((project, id));
                        }
                    }
                }
            }
        }
        for ((file, dag), models) in by_dag {
            let dag: &Dag = &repo.dag_files[file].dags[dag];
            let listed = listed_by_name(
                models
                    .iter()
                    .map(|&(project, id)| &repo.projects[project].graph.node(id).name),
                LISTED,
            );
            let (span, label) = match dag
                .kwarg("schedule")
                .or_else(|| dag.kwarg("schedule_interval"))
            {
                Some(schedule) => (schedule.span.clone(), "runs only when triggered by hand"),
                None => (
                    dag.span().clone(),
                    "no schedule: on Airflow 3, runs only when triggered",
                ),
            };
            let mut diagnostic = report
                .diagnostic(
                    format!(
                        "DAG `{}` has no schedule and is the only one to run {}",
                        dag.id(),
                        if models.len() == 1 { format!("model {listed}") } else { format!("{} models: {listed}", models.len()) }
                    ),
                    Label::new(span, label),
                )
                .with_help("give the DAG a schedule (or have a scheduled DAG trigger it), or run these models from a scheduled DAG");
            for &(project, id) in &models {
                diagnostic = diagnostic.about(project, id);
            }
            report.emit(diagnostic);
        }
    }
}
