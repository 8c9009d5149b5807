//! DBT012: a public model without an enforced contract: other projects read it, and nothing
//! stops its columns from changing under them.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::graph::ResourceType;
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::convention::{Counted, Tally};
use crate::rules::dbt::nodes::root_nodes;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DBT012, `[rules.public-model-without-contract]` in the config (no options).
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct PublicModelWithoutContract {}

declare_rule!(PublicModelWithoutContract {
    code: "DBT012",
    name: "public-model-without-contract",
    group: Governance,
    preset: Strict,
    severity: Warning,
});

impl Rule for PublicModelWithoutContract {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            let mut tally = Tally::default();
            for (id, node) in root_nodes(graph, ResourceType::Model) {
                if node.access.as_deref() != Some("public") {
                    continue;
                }
                tally.check(id, &node.name, node.file.as_deref(), node.contract_enforced);
            }
            let counted = Counted {
                noun: "public models",
                verb: "has an enforced contract",
                lack: "have no enforced contract",
                project_label: "public models, and no `contract: {enforced: true}`".to_owned(),
                help: "enforce a contract on each public model (`config: {contract: {enforced: true}}` and each column's `data_type`), or make models public only once they have one".to_owned(),
                scope: None,
            };
            tally.report(repo, project, report, &counted, |report, id| {
                report
                    .diagnostic(
                        format!("public model `{}` has no enforced contract", graph.node(id).name),
                        Label::new(repo.node_span(project, id), "`access: public`, without `contract: {enforced: true}`"),
                    )
                    .with_help("add `config: {contract: {enforced: true}}` and a `data_type` for each column, so a change to its columns fails the build instead of its readers")
                    .about(project, id)
            });
        }
    }
}
