//! DBT013: source tables nothing reads: dead declarations that still get loaded, tested and
//! checked for freshness.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::convention::{Counted, Tally};
use crate::rules::dbt::nodes::{Source, agree, listed, root_sources, source_span};
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

/// A source and its tables nothing reads.
struct Unused {
    source: Source,
    tables: Vec<String>,
}

impl Rule for SourceUnused {
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
                // Tests check a table; they do not use it.
                let tables: Vec<String> = source
                    .tables
                    .iter()
                    .filter(|&&id| graph.children(id).iter().all(|&child| graph.is_test(child)))
                    .map(|&id| graph.node(id).name.to_string())
                    .collect();
                let ok = tables.is_empty();
                let name = source.name.clone();
                tally.check(Unused { source, tables }, &name, file.as_deref(), ok);
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
                let Unused { source, tables } = unused;
                let total = source.tables.len();
                let message = if tables.len() == total {
                    format!("source `{}` is not read by any model", source.name)
                } else {
                    format!(
                        "{} of the {total} tables of source `{}` {} not read by any model",
                        tables.len(),
                        source.name,
                        agree(tables.len(), "is", "are")
                    )
                };
                let label = format!(
                    "no model, snapshot or exposure reads {}",
                    listed(&tables, 8)
                );
                let mut diagnostic = report
                    .diagnostic(
                        message,
                        Label::new(source_span(repo, project, source.tables[0]), label),
                    )
                    .with_help(
                        "remove the tables nothing reads, or select from them in a staging model",
                    );
                for id in source.tables {
                    diagnostic = diagnostic.about(project, id);
                }
                diagnostic
            });
        }
    }
}
