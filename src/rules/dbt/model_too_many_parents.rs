//! DBT015: a model that reads from too many models and sources at once.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::graph::{NodeId, ResourceType};
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::dbt::nodes::{listed_by_name, root_nodes};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DBT015 with its options, `[rules.model-too-many-parents]` in the config.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ModelTooManyParents {
    /// The most models, sources, seeds and snapshots a model may read directly.
    pub max_parents: usize,
}

impl Default for ModelTooManyParents {
    fn default() -> Self {
        // dbt-project-evaluator reports 7 or more (`too_many_joins_threshold`).
        ModelTooManyParents { max_parents: 6 }
    }
}

declare_rule!(ModelTooManyParents {
    code: "DBT015",
    name: "model-too-many-parents",
    group: Structure,
    preset: All,
    severity: Warning,
});

impl Rule for ModelTooManyParents {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            for (id, node) in root_nodes(graph, ResourceType::Model) {
                let parents: Vec<NodeId> = graph
                    .parents(id)
                    .iter()
                    .copied()
                    .filter(|&parent| {
                        matches!(
                            graph.node(parent).resource_type,
                            ResourceType::Model
                                | ResourceType::Source
                                | ResourceType::Seed
                                | ResourceType::Snapshot
                        )
                    })
                    .collect();
                if parents.len() <= self.max_parents {
                    continue;
                }
                let names = parents
                    .iter()
                    .map(|&parent| graph.node(parent).selector_name());
                let diagnostic = report
                    .diagnostic(
                        format!("model `{}` reads {} models and sources directly", node.name, parents.len()),
                        Label::new(
                            repo.node_span(project, id),
                            format!("more than {}: {}", self.max_parents, listed_by_name(names, 6)),
                        ),
                    )
                    .with_help("join related parents in intermediate models (one per concept), so this model reads a few and each join is tested once")
                    .about(project, id);
                report.emit(diagnostic);
            }
        }
    }
}
