//! X001: a model that no Airflow task runs never refreshes.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::graph::ResourceType;
use crate::dbt::select;
use crate::diagnostic::Label;
use crate::link::{ModelCoverage, Monorepo};
use crate::rules::convention::{Counted, Tally};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// X001 with its options, `[rules.model-not-scheduled]` in the config.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ModelNotScheduled {
    /// Models meant to run outside Airflow, as dbt selectors (`tag:manual`, `path:models/legacy`).
    pub exclude: Vec<String>,
    /// Whether views count. A view's rows are read live from its parents, so it needs a run
    /// only when its SQL changes, which deployments usually do; off by default.
    pub include_views: bool,
}

declare_rule!(ModelNotScheduled {
    code: "X001",
    name: "model-not-scheduled",
    group: Correctness,
    preset: Recommended,
    severity: Warning,
});

impl Rule for ModelNotScheduled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            // Models of a project whose coverage is unknown are `Unknown`, not `Unscheduled`:
            // the summary says so once.
            let coverage = repo.coverage(project);
            let exempt = select::nodes_matching(graph, &self.exclude, &[ResourceType::Model]);
            let mut tally = Tally::default();
            for (id, state) in coverage.models() {
                let node = graph.node(id);
                let checked = matches!(
                    state,
                    ModelCoverage::Scheduled
                        | ModelCoverage::ManualOnly
                        | ModelCoverage::Unscheduled
                ) && !exempt.contains(id.index())
                    && (self.include_views || node.materialized.as_deref() != Some("view"));
                if checked {
                    let unscheduled = state == ModelCoverage::Unscheduled;
                    tally.check(id, &node.name, node.file.as_deref(), !unscheduled);
                }
            }
            let counted = Counted {
                noun: "models",
                verb: "is run by a DAG",
                lack: "are not run by any DAG",
                project_label: "no dbt task of any DAG runs a model of this project".to_owned(),
                help: "select them in a DAG (`dbt build --select path:<folder>`), or add them to `exclude` in `[rules.model-not-scheduled]` if they run elsewhere".to_owned(),
                scope: None,
            };
            tally.report(repo, project, report, &counted, |report, id| {
                let node = graph.node(id);
                let label = match node.tags.as_ref() {
                    [] => "no dbt task of any DAG runs this model".to_owned(),
                    tags => format!(
                        "no dbt task of any DAG runs this model (tagged {})",
                        tags.iter()
                            .map(|t| format!("`{t}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                report
                    .diagnostic(
                        format!("model `{}` is not run by any DAG", node.name),
                        Label::new(repo.node_span(project, id), label),
                    )
                    .with_help(format!(
                        "select it in a DAG (e.g. `dbt build --select {}`), or add it to `exclude` in `[rules.model-not-scheduled]` if it runs elsewhere",
                        node.name
                    ))
                    .about(project, id)
            });
        }
    }
}
