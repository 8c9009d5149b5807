//! DBT003: a model without a description: nobody can tell what a row of it is.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::graph::ResourceType;
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::convention::{Counted, Tally};
use crate::rules::dbt::nodes::root_nodes;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DBT003 with its options, `[rules.model-description-missing]` in the config.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ModelDescriptionMissing {
    /// The fewest characters a description needs (after trimming) to count: a `TODO` or a
    /// one-word placeholder documents nothing.
    pub min_length: usize,
}

impl Default for ModelDescriptionMissing {
    fn default() -> Self {
        ModelDescriptionMissing { min_length: 1 }
    }
}

declare_rule!(ModelDescriptionMissing {
    code: "DBT003",
    name: "model-description-missing",
    group: Documentation,
    preset: Strict,
    severity: Warning,
});

impl Rule for ModelDescriptionMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            let mut tally = Tally::default();
            // Ephemeral models never reach the warehouse or the docs site's readers.
            for (id, node) in
                root_nodes(graph, ResourceType::Model).filter(|(_, n)| !n.is_ephemeral())
            {
                let described =
                    graph.description(node).trim().chars().count() >= self.min_length.max(1);
                tally.check(id, &node.name, node.file.as_deref(), described);
            }
            let counted = Counted {
                noun: "models",
                verb: "has a description",
                lack: "have no description",
                project_label: "no model of this project is described".to_owned(),
                help: "describe each model in its properties YAML (`description:`), starting with the marts others read".to_owned(),
                scope: None,
            };
            tally.report(repo, project, report, &counted, |report, id| {
                report
                    .diagnostic(
                        format!("model `{}` has no description", graph.node(id).name),
                        Label::new(repo.node_span(project, id), "no `description`"),
                    )
                    .with_help("say what one row is and where the data comes from in `description:` of its properties YAML")
                    .about(project, id)
            });
        }
    }
}
