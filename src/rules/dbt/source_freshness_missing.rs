//! DBT007: source tables no freshness check watches: a loader that stopped goes unnoticed.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::graph::Freshness;
use crate::link::Monorepo;
use crate::rules::convention::{Counted, Tally};
use crate::rules::dbt::nodes::{SourceTables, listed, root_sources};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DBT007, `[rules.source-freshness-missing]` in the config (no options).
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct SourceFreshnessMissing {}

declare_rule!(SourceFreshnessMissing {
    code: "DBT007",
    name: "source-freshness-missing",
    group: Testing,
    preset: Strict,
    severity: Warning,
});

impl Rule for SourceFreshnessMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            let mut tally = Tally::default();
            for source in root_sources(graph) {
                // `freshness: null` turns the check off on purpose (a static table).
                SourceTables::tally(graph, &mut tally, source, |id| {
                    graph.freshness(graph.node(id)) == Freshness::Missing
                });
            }
            let counted = Counted {
                noun: "sources",
                verb: "has a freshness check",
                lack: "have no freshness check",
                project_label: "no source sets `freshness`".to_owned(),
                help: "set `freshness: {warn_after: {count: 24, period: hour}}` (and `loaded_at_field`) on each source, and run `dbt source freshness` in a DAG".to_owned(),
                scope: None,
            };
            tally.report(repo, project, report, &counted, |report, unwatched| {
                let (message, label) = if unwatched.all_lack() {
                    (
                        format!("source `{}` has no freshness check", unwatched.source.name),
                        "no `freshness` on the source or its tables".to_owned(),
                    )
                } else {
                    (
                        unwatched.some_lack("has", "have", "no freshness check"),
                        format!("no `freshness` for {}", listed(&unwatched.tables, 8)),
                    )
                };
                unwatched.diagnostic(repo, project, report, message, label, "set `freshness: {warn_after: {count: 24, period: hour}}` (and `loaded_at_field`) on the source; give a static table `freshness: null`")
            });
        }
    }
}
