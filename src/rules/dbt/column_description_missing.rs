//! DBT004: documented columns without a description.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::graph::{NodeId, ResourceType};
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::convention::{Counted, Tally};
use crate::rules::dbt::nodes::{agree, listed, root_nodes};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DBT004, `[rules.column-description-missing]` in the config (no options).
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ColumnDescriptionMissing {}

declare_rule!(ColumnDescriptionMissing {
    code: "DBT004",
    name: "column-description-missing",
    group: Documentation,
    preset: Strict,
    severity: Warning,
});

/// A model and its documented columns that have no description.
struct Undescribed {
    model: NodeId,
    columns: Vec<String>,
    documented: usize,
}

impl Rule for ColumnDescriptionMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            let mut tally = Tally::default();
            let mut columns_seen = 0;
            for (id, node) in
                root_nodes(graph, ResourceType::Model).filter(|(_, n)| !n.is_ephemeral())
            {
                // Only the columns the YAML lists: without the warehouse's catalog, the others
                // are unknown.
                let columns = graph.columns(node);
                if columns.is_empty() {
                    continue;
                }
                columns_seen += columns.len();
                let undescribed: Vec<String> = columns
                    .iter()
                    .filter(|column| column.description.trim().is_empty())
                    .map(|column| column.name.clone())
                    .collect();
                let ok = undescribed.is_empty();
                let item = Undescribed {
                    model: id,
                    columns: undescribed,
                    documented: columns.len(),
                };
                tally.check(item, &node.name, node.file.as_deref(), ok);
            }
            let counted = Counted {
                noun: "models listing columns",
                verb: "describes them all",
                lack: "leave some undescribed",
                project_label: format!(
                    "{columns_seen} columns listed, and every model leaves some undescribed"
                ),
                help:
                    "give each listed column a `description:`, starting with the marts others read"
                        .to_owned(),
                scope: None,
            };
            tally.report(repo, project, report, &counted, |report, undescribed| {
                let id = undescribed.model;
                let count = undescribed.columns.len();
                let message = if count == undescribed.documented {
                    format!("none of the {count} columns of model `{}` has a description", graph.node(id).name)
                } else {
                    format!(
                        "{count} of the {} columns of model `{}` {} no description",
                        undescribed.documented,
                        graph.node(id).name,
                        agree(count, "has", "have")
                    )
                };
                report
                    .diagnostic(
                        message,
                        Label::new(
                            repo.node_span(project, id),
                            format!("no `description` for {}", listed(&undescribed.columns, 8)),
                        ),
                    )
                    .with_help("say what each column holds (unit, meaning, allowed values) in its `description:`")
                    .about(project, id)
            });
        }
    }
}
