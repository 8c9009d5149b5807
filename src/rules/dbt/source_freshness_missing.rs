//! DBT007: source tables no freshness check watches: a loader that stopped goes unnoticed.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::graph::Freshness;
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::convention::{Counted, Tally};
use crate::rules::dbt::nodes::{Source, agree, listed, root_sources, source_span};
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

/// A source and its tables without a freshness check.
struct Unwatched {
    source: Source,
    tables: Vec<String>,
}

impl Rule for SourceFreshnessMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            let mut tally = Tally::default();
            for source in root_sources(graph) {
                let file = source
                    .tables
                    .first()
                    .and_then(|&id| graph.node(id).file.clone());
                // `freshness: null` turns the check off on purpose (a static table).
                let tables: Vec<String> = source
                    .tables
                    .iter()
                    .map(|&id| graph.node(id))
                    .filter(|table| graph.freshness(table) == Freshness::Missing)
                    .map(|table| table.name.to_string())
                    .collect();
                let ok = tables.is_empty();
                let name = source.name.clone();
                tally.check(Unwatched { source, tables }, &name, file.as_deref(), ok);
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
                let Unwatched { source, tables } = unwatched;
                let total = source.tables.len();
                let (message, label) = if tables.len() == total {
                    (
                        format!("source `{}` has no freshness check", source.name),
                        "no `freshness` on the source or its tables".to_owned(),
                    )
                } else {
                    (
                        format!(
                            "{} of the {total} tables of source `{}` {} no freshness check",
                            tables.len(),
                            source.name,
                            agree(tables.len(), "has", "have")
                        ),
                        format!("no `freshness` for {}", listed(&tables, 8)),
                    )
                };
                let mut diagnostic = report
                    .diagnostic(message, Label::new(source_span(repo, project, source.tables[0]), label))
                    .with_help("set `freshness: {warn_after: {count: 24, period: hour}}` (and `loaded_at_field`) on the source; give a static table `freshness: null`");
                for id in source.tables {
                    diagnostic = diagnostic.about(project, id);
                }
                diagnostic
            });
        }
    }
}
