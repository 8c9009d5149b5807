//! DBT011: a model that reads an upstream node directly and again through models only it
//! uses: the same upstream concept joined twice, along two paths.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::graph::{DbtGraph, NodeId, ResourceType};
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::dbt::nodes::{listed_by_name, root_nodes};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DBT011, `[rules.model-rejoins-upstream]` in the config (no options).
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ModelRejoinsUpstream {}

declare_rule!(ModelRejoinsUpstream {
    code: "DBT011",
    name: "model-rejoins-upstream",
    group: Structure,
    preset: Strict,
    severity: Warning,
});

impl Rule for ModelRejoinsUpstream {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            // Per child: the single-use models it also reads around, and the upstream nodes
            // it reads twice. One cause per child, however many models it reads around.
            let mut loops: BTreeMap<NodeId, (Vec<NodeId>, BTreeSet<NodeId>)> = BTreeMap::new();
            for (middle, _) in root_nodes(graph, ResourceType::Model) {
                // As dbt-project-evaluator counts them: every child but exposures and metrics
                // (a tested model has other uses, and is left alone).
                let children = lineage_children(graph, middle);
                let [child] = children.as_slice() else {
                    continue;
                };
                if !graph.node(*child).is_model() {
                    continue;
                }
                let child_parents = graph.parents(*child);
                let rejoined: Vec<NodeId> = graph
                    .parents(middle)
                    .iter()
                    .copied()
                    .filter(|parent| child_parents.contains(parent))
                    .collect();
                if rejoined.is_empty() {
                    continue;
                }
                let (middles, upstream) = loops.entry(*child).or_default();
                middles.push(middle);
                upstream.extend(rejoined);
            }
            for (child, (middles, upstream)) in loops {
                let name = |id: &NodeId| graph.node(*id).selector_name();
                let upstream = listed_by_name(upstream.iter().map(name), 5);
                let through = match middles.as_slice() {
                    [one] => format!("`{}`, which only it uses", name(one)),
                    many => format!(
                        "{} models only it uses ({})",
                        many.len(),
                        listed_by_name(many.iter().map(name), 5)
                    ),
                };
                let diagnostic = report
                    .diagnostic(
                        format!(
                            "model `{}` reads {upstream} directly and again through {through}",
                            graph.node(child).name
                        ),
                        Label::new(
                            repo.node_span(project, child),
                            format!("joins {upstream} along two paths"),
                        ),
                    )
                    .with_help(
                        "fold the models used only here into this one as CTEs, or read the upstream only through them",
                    )
                    .about(project, child);
                report.emit(diagnostic);
            }
        }
    }
}

/// A node's children in the lineage dbt-project-evaluator draws: models, snapshots and data
/// tests (exposures, metrics, semantic models and unit tests are not part of it).
fn lineage_children(graph: &DbtGraph, id: NodeId) -> Vec<NodeId> {
    graph
        .children(id)
        .iter()
        .copied()
        .filter(|&child| {
            matches!(
                graph.node(child).resource_type,
                ResourceType::Model
                    | ResourceType::Snapshot
                    | ResourceType::Test
                    | ResourceType::Seed
                    | ResourceType::Analysis
            )
        })
        .collect()
}
