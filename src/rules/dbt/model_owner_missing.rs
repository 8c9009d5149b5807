//! DBT001: a model nobody owns: when it breaks, there is no one to page.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::airflow::owner::{DagOwner, dag_owner};
use crate::config::OwnershipMode;
use crate::dbt::graph::{NodeId, ResourceType};
use crate::diagnostic::Label;
use crate::link::{ModelCoverage, Monorepo, Unknown};
use crate::rules::convention::{Counted, Tally};
use crate::rules::dbt::nodes::root_nodes;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DBT001 with its options, `[rules.model-owner-missing]` in the config.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ModelOwnerMissing {
    /// The `meta` keys that name a model's owner, in order of preference.
    pub meta_keys: Vec<String>,
}

impl Default for ModelOwnerMissing {
    fn default() -> Self {
        ModelOwnerMissing {
            meta_keys: vec!["owner".to_owned()],
        }
    }
}

declare_rule!(ModelOwnerMissing {
    code: "DBT001",
    name: "model-owner-missing",
    group: Ownership,
    preset: Strict,
    severity: Warning,
});

impl Rule for ModelOwnerMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        let key = self.meta_keys.first().map_or("owner", String::as_str);
        let keys = self
            .meta_keys
            .iter()
            .map(|k| format!("`meta.{k}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        let by_dag = repo.ownership.mode == OwnershipMode::Dag;
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            let coverage = by_dag.then(|| repo.coverage(project));
            let mut tally = Tally::default();
            for (id, node) in root_nodes(graph, ResourceType::Model) {
                let owned = graph.owner(node, &self.meta_keys).is_some()
                    || coverage.as_ref().is_some_and(|coverage| {
                        // The DAG that runs a model owns it; which DAG an unresolved task
                        // that may run it belongs to is not known.
                        let maybe_run_unseen = coverage.of(id) == Some(ModelCoverage::Unknown)
                            && matches!(coverage.unknown, Some(Unknown::Unresolved { .. }));
                        maybe_run_unseen || self.run_by_owned_dag(repo, project, id)
                    });
                tally.check(id, &node.name, node.file.as_deref(), owned);
            }
            let counted = Counted {
                noun: "models",
                verb: "has an owner",
                lack: "have no owner",
                project_label: if by_dag {
                    format!("no {keys}, no group with an owner, and no DAG with an owner runs them")
                } else {
                    format!("no {keys} and no group with an owner")
                },
                help: format!(
                    "give each folder an owner with `+meta: {{{key}: <team>}}` in dbt_project.yml{}",
                    if by_dag {
                        ", or an owner to the DAGs that run them"
                    } else {
                        ""
                    }
                ),
                scope: None,
            };
            let label = if by_dag {
                format!("no {keys}, no group with an owner, and no DAG with an owner runs it")
            } else {
                format!("no {keys}, and no group with an owner")
            };
            tally.report(repo, project, report, &counted, |report, id| {
                report
                    .diagnostic(
                        format!("model `{}` has no owner", graph.node(id).name),
                        Label::new(repo.node_span(project, id), label.clone()),
                    )
                    .with_help(format!(
                        "add `config: {{meta: {{{key}: <team>}}}}` to its YAML entry, `+meta: {{{key}: <team>}}` to its folder in dbt_project.yml, or put it in a group that has an owner",
                    ))
                    .about(project, id)
            });
        }
    }
}

impl ModelOwnerMissing {
    /// Whether a task of a DAG with a real owner runs the model.
    fn run_by_owned_dag(&self, repo: &Monorepo, project: usize, id: NodeId) -> bool {
        repo.runs_of(project, id).any(|run| {
            let file = &repo.dag_files[run.task.file];
            repo.task(run.task).dag.is_some_and(|dag| {
                matches!(
                    dag_owner(file, dag, &repo.ownership.placeholders),
                    DagOwner::Owned(_) | DagOwner::Unknown
                )
            })
        })
    }
}
