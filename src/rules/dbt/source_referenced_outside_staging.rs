//! DBT010: a model outside the staging layer that selects from a source directly.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::graph::{NodeId, ResourceType};
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::convention::{Counted, Tally};
use crate::rules::dbt::layers::{Globs, PathGlob, has_prefix};
use crate::rules::dbt::nodes::{listed_by_name, root_nodes};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DBT010 with its options, `[rules.source-referenced-outside-staging]` in the config.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct SourceReferencedOutsideStaging {
    /// Folder globs (over the model's file, relative to the project) of the staging layer.
    pub staging_paths: Vec<PathGlob>,
    /// Name prefixes of staging models, wherever they are.
    pub staging_prefixes: Vec<String>,
}

impl Default for SourceReferencedOutsideStaging {
    fn default() -> Self {
        SourceReferencedOutsideStaging {
            staging_paths: vec!["**/staging/**".into(), "**/base/**".into()],
            staging_prefixes: vec!["stg_".to_owned(), "base_".to_owned()],
        }
    }
}

declare_rule!(SourceReferencedOutsideStaging {
    code: "DBT010",
    name: "source-referenced-outside-staging",
    group: Structure,
    preset: Strict,
    severity: Warning,
});

impl Rule for SourceReferencedOutsideStaging {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        let staging_paths = Globs::new(self.staging_paths.iter().map(|glob| (glob, ())));
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            let mut tally: Tally<(NodeId, Vec<NodeId>)> = Tally::default();
            for (id, node) in root_nodes(graph, ResourceType::Model) {
                let sources: Vec<NodeId> = graph
                    .parents(id)
                    .iter()
                    .copied()
                    .filter(|&parent| graph.node(parent).resource_type == ResourceType::Source)
                    .collect();
                if sources.is_empty() {
                    continue;
                }
                let staging =
                    has_prefix(&node.name, &self.staging_prefixes) || staging_paths.matches(node);
                tally.check((id, sources), &node.name, node.file.as_deref(), staging);
            }
            let counted = Counted {
                noun: "models that read sources",
                verb: "is in the staging layer",
                lack: "are outside the staging layer",
                project_label: "no model reading a source is under a staging folder or named like one".to_owned(),
                help: "give each source table one staging model (`stg_<source>__<table>`) and ref it everywhere else; or say where the project's staging layer is in `[rules.source-referenced-outside-staging]`".to_owned(),
                scope: None,
            };
            tally.report(repo, project, report, &counted, |report, (id, sources)| {
                let names = sources.iter().map(|&source| graph.node(source).selector_name());
                report
                    .diagnostic(
                        format!("model `{}` selects from a source outside the staging layer", graph.node(id).name),
                        Label::new(repo.node_span(project, id), format!("reads {} directly", listed_by_name(names, 5))),
                    )
                    .with_help("select from the staging model of that source table instead (add one if it has none), so renames and casts happen in one place")
                    .about(project, id)
            });
        }
    }
}
