//! DBT013: source tables nothing reads: dead declarations that still get loaded, tested and
//! checked for freshness.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::link::Monorepo;
use crate::rules::convention::{Counted, Tally};
use crate::rules::dbt::nodes::{SourceTables, listed, root_sources};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DBT013, `[rules.source-unused]` in the config (no options).
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct SourceUnused {}

declare_rule!(SourceUnused {
    code: "DBT013",
    name: "source-unused",
    group: Structure,
    preset: Strict,
    severity: Warning,
});

impl Rule for SourceUnused {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            let mut tally = Tally::default();
            for source in root_sources(graph) {
                // Tests check a table; they do not use it.
                SourceTables::tally(graph, &mut tally, source, |id| {
                    graph.children(id).iter().all(|&child| graph.is_test(child))
                });
            }
            let counted = Counted {
                noun: "sources",
                verb: "has every table read by a model",
                lack: "have tables no model reads",
                project_label: "every source has tables no model, snapshot or exposure reads".to_owned(),
                help: "select from each source table in a staging model, or remove the tables nothing reads".to_owned(),
                scope: None,
            };
            tally.report(repo, project, report, &counted, |report, unused| {
                let message = if unused.all_lack() {
                    format!("source `{}` is not read by any model", unused.source.name)
                } else {
                    unused.some_lack("is", "are", "not read by any model")
                };
                let label = format!(
                    "no model, snapshot or exposure reads {}",
                    listed(&unused.tables, 8)
                );
                unused.diagnostic(
                    repo,
                    project,
                    report,
                    message,
                    label,
                    "remove the tables nothing reads, or select from them in a staging model",
                )
            });
        }
    }
}
