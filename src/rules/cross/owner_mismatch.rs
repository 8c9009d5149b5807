//! X017: with `ownership = "model"`, a DAG owned by one team runs models another team owns:
//! failures page the wrong team.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::airflow::owner::{DagOwner, dag_owner};
use crate::config::OwnershipMode;
use crate::dbt::graph::NodeId;
use crate::diagnostic::Label;
use crate::link::{Monorepo, TaskRef, refreshes_models};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// X017 with its options, `[rules.owner-mismatch]` in the config.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct OwnerMismatch {
    /// The `meta` keys that name a model's owner, in order of preference.
    pub meta_keys: Vec<String>,
    /// Names that mean the same team: team → its other names (`"finance" = ["fin",
    /// "finance-analytics"]`). Names are also compared ignoring case.
    pub aliases: BTreeMap<String, Vec<String>>,
}

impl Default for OwnerMismatch {
    fn default() -> Self {
        OwnerMismatch {
            meta_keys: vec!["owner".to_owned()],
            aliases: BTreeMap::new(),
        }
    }
}

declare_rule!(OwnerMismatch {
    code: "X017",
    name: "owner-mismatch",
    group: Ownership,
    preset: Strict,
    severity: Warning,
});

/// A task running models of other teams: one of its runs, its DAG's owner, and the models
/// with their owners.
type Mismatch = (usize, String, Vec<(NodeId, String)>);

/// Models named in a finding; the rest are counted.
const LISTED: usize = 3;

impl Rule for OwnerMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// One finding per task running models of other teams. Only with `ownership = "model"`:
    /// with DAG ownership, the DAG's owner owns what it runs.
    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        if repo.ownership.mode != OwnershipMode::Model {
            return;
        }
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            let mut mismatched: BTreeMap<TaskRef, Mismatch> = BTreeMap::new();
            for id in repo.schedulable_models(project) {
                let Some(model_owner) = graph.owner(graph.node(id), &self.meta_keys) else {
                    continue;
                };
                for &run in repo.run_ids_of(project, id) {
                    let task = repo.runs[run].task;
                    let refreshes = repo
                        .call_of(&repo.runs[run])
                        .is_some_and(|call| refreshes_models(&call.command));
                    let Some(dag) = repo.task(task).dag.filter(|_| refreshes) else {
                        continue;
                    };
                    let DagOwner::Owned(dag_team) = dag_owner(
                        &repo.dag_files[task.file],
                        dag,
                        &repo.ownership.placeholders,
                    ) else {
                        continue;
                    };
                    if self.same_team(&dag_team, &model_owner.name) {
                        continue;
                    }
                    let entry = mismatched
                        .entry(task)
                        .or_insert_with(|| (run, dag_team, Vec::new()));
                    if !entry.2.iter().any(|(seen, _)| *seen == id) {
                        entry.2.push((id, model_owner.name.clone()));
                    }
                }
            }
            for (run, dag_team, models) in mismatched.into_values() {
                let listed: Vec<String> = models
                    .iter()
                    .take(LISTED)
                    .map(|(id, owner)| format!("`{}` ({owner})", graph.node(*id).name))
                    .collect();
                let listed = match models.len().saturating_sub(LISTED) {
                    0 => listed.join(", "),
                    more => format!("{} and {more} more", listed.join(", ")),
                };
                let task = repo.runs[run].task;
                let dag_id = repo.dag_of(task).map_or("<no dag>", |dag| dag.id());
                let mut diagnostic = report
                    .diagnostic(
                        format!("DAG `{dag_id}`, owned by `{dag_team}`, runs models other teams own"),
                        Label::new(
                            repo.selection_span(&repo.runs[run]),
                            format!("`{}` runs {listed}", repo.task_name(task)),
                        ),
                    )
                    .with_help(
                        "move these models to a DAG their team owns, change the models' owner, or declare the names as one team in `aliases` of `[rules.owner-mismatch]`",
                    );
                for (id, _) in &models {
                    diagnostic = diagnostic.about(project, *id);
                }
                report.emit(diagnostic);
            }
        }
    }
}

impl OwnerMismatch {
    /// Whether two owner names mean the same team (case aside, and through `aliases`).
    fn same_team(&self, a: &str, b: &str) -> bool {
        let canonical = |name: &str| -> String {
            let lower = name.trim().to_lowercase();
            self.aliases
                .iter()
                .find(|(team, others)| {
                    team.to_lowercase() == lower || others.iter().any(|o| o.to_lowercase() == lower)
                })
                .map_or(lower, |(team, _)| team.to_lowercase())
        };
        canonical(a) == canonical(b)
    }
}
