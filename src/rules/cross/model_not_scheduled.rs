//! X001: a model that no Airflow task runs never refreshes.

use std::collections::{BTreeMap, HashSet};

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::graph::{DbtGraph, NodeId, ResourceType};
use crate::dbt::select;
use crate::diagnostic::{Diagnostic, Label};
use crate::link::{ModelCoverage, Monorepo};
use crate::rules::convention::{Counted, Tally};
use crate::rules::dbt::nodes::listed;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};
use crate::source::Span;

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
            let checked: Vec<(NodeId, bool)> = coverage
                .models()
                .filter(|&(id, state)| {
                    let node = graph.node(id);
                    matches!(
                        state,
                        ModelCoverage::Scheduled
                            | ModelCoverage::ManualOnly
                            | ModelCoverage::Unscheduled
                    ) && !exempt.contains(id.index())
                        && (self.include_views || node.materialized.as_deref() != Some("view"))
                })
                .map(|(id, state)| (id, state == ModelCoverage::Unscheduled))
                .collect();
            // When most models run nowhere, the project's one finding says it all.
            let unscheduled = checked
                .iter()
                .filter(|&&(_, unscheduled)| unscheduled)
                .count();
            let unrun = if unscheduled * 2 <= checked.len() {
                unrun_tags(graph, &checked)
            } else {
                BTreeMap::new()
            };
            let mut tally = Tally::default();
            for &(id, unscheduled) in &checked {
                let node = graph.node(id);
                if unscheduled && node.tags.iter().any(|tag| unrun.contains_key(&**tag)) {
                    continue;
                }
                tally.check(id, &node.name, node.file.as_deref(), !unscheduled);
            }
            for (tag, models) in unrun {
                if let Some(diagnostic) = tag_finding(repo, project, report, tag, models) {
                    report.emit(diagnostic);
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

/// The fewest models a tag gathers for one finding about the tag.
const MIN_TAGGED: usize = 3;

/// Tags that no DAG runs any checked model of (`disabled`, `adhoc`: how a team marks models
/// it keeps out of the schedule), with their models, when they gather [`MIN_TAGGED`] or more.
/// A model with several such tags is counted under the first.
fn unrun_tags<'g>(
    graph: &'g DbtGraph,
    checked: &[(NodeId, bool)],
) -> BTreeMap<&'g str, Vec<NodeId>> {
    let mut tags: BTreeMap<&str, (bool, Vec<NodeId>)> = BTreeMap::new();
    for &(id, unscheduled) in checked {
        for tag in graph.node(id).tags.iter() {
            let entry = tags.entry(&**tag).or_insert((true, Vec::new()));
            entry.0 &= unscheduled;
            entry.1.push(id);
        }
    }
    let mut unrun: BTreeMap<&str, Vec<NodeId>> = BTreeMap::new();
    let mut counted = HashSet::new();
    for (tag, (none_run, models)) in tags {
        if !none_run || models.len() < MIN_TAGGED {
            continue;
        }
        let models: Vec<NodeId> = models
            .into_iter()
            .filter(|id| counted.insert(*id))
            .collect();
        if !models.is_empty() {
            unrun.insert(tag, models);
        }
    }
    unrun
}

/// One finding for the models of a tag no DAG runs: one cause, one decision for all of them.
fn tag_finding(
    repo: &Monorepo,
    project: usize,
    report: &Reporter,
    tag: &str,
    models: Vec<NodeId>,
) -> Option<Diagnostic> {
    let graph = &repo.projects[project].graph;
    let mut spans: Vec<(Span, NodeId)> = models
        .into_iter()
        .map(|id| (repo.node_span(project, id), id))
        .collect();
    spans.sort_by(|(a, _), (b, _)| a.sort_key().cmp(&b.sort_key()));
    let names = listed(spans.iter().map(|(_, id)| &graph.node(*id).name), 8);
    let count = spans.len();
    let mut members = spans.into_iter();
    let (first, first_id) = members.next()?;
    let mut diagnostic = report
        .diagnostic(
            format!("the {count} models tagged `{tag}` are not run by any DAG"),
            Label::new(
                first,
                format!("no dbt task of any DAG runs a model tagged `{tag}`: {names}"),
            ),
        )
        .with_help(format!(
            "select `tag:{tag}` in a DAG; if these models are retired, disable them (`enabled: false`) or delete them, or add `tag:{tag}` to `exclude` in `[rules.model-not-scheduled]`"
        ))
        .about(project, first_id);
    for (span, id) in members {
        diagnostic = diagnostic
            .with_label(Label::new(span, format!("tagged `{tag}` too")))
            .about(project, id);
    }
    Some(diagnostic)
}
