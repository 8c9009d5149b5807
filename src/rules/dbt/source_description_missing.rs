//! DBT005: a source, or tables of it, without a description.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::convention::{Counted, Tally};
use crate::rules::dbt::nodes::{Source, agree, listed, root_sources, source_span};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DBT005, `[rules.source-description-missing]` in the config (no options).
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct SourceDescriptionMissing {}

declare_rule!(SourceDescriptionMissing {
    code: "DBT005",
    name: "source-description-missing",
    group: Documentation,
    preset: Strict,
    severity: Warning,
});

/// A source lacking descriptions: its own, and those of some tables.
struct Undescribed {
    source: Source,
    itself: bool,
    tables: Vec<String>,
}

impl Rule for SourceDescriptionMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            let mut tally = Tally::default();
            for source in root_sources(graph) {
                let Some(&first) = source.tables.first() else {
                    continue;
                };
                let file = graph.node(first).file.clone();
                let itself = graph
                    .source_description(graph.node(first))
                    .trim()
                    .is_empty();
                let tables: Vec<String> = source
                    .tables
                    .iter()
                    .map(|&id| graph.node(id))
                    .filter(|table| graph.description(table).trim().is_empty())
                    .map(|table| table.name.to_string())
                    .collect();
                let ok = !itself && tables.is_empty();
                let name = source.name.clone();
                let item = Undescribed {
                    source,
                    itself,
                    tables,
                };
                tally.check(item, &name, file.as_deref(), ok);
            }
            let counted = Counted {
                noun: "sources",
                verb: "is fully described",
                lack: "are not fully described",
                project_label: "every source lacks its own description or some tables'".to_owned(),
                help: "describe each source (the system it is loaded from) and each table in its `description:`".to_owned(),
                scope: None,
            };
            tally.report(repo, project, report, &counted, |report, undescribed| {
                let Undescribed {
                    source,
                    itself,
                    tables,
                } = undescribed;
                let total = source.tables.len();
                let message = match (itself, tables.len()) {
                    (true, 0) => format!("source `{}` has no description", source.name),
                    (true, n) if n == total => format!(
                        "source `{}` and its {} have no description",
                        source.name,
                        tables_word(n)
                    ),
                    (true, n) => format!(
                        "source `{}` and {n} of its {total} tables have no description",
                        source.name
                    ),
                    (false, n) if n == total => {
                        format!("no table of source `{}` has a description", source.name)
                    }
                    (false, n) => format!(
                        "{n} of the {total} tables of source `{}` {} no description",
                        source.name,
                        agree(n, "has", "have")
                    ),
                };
                let label = if tables.is_empty() {
                    "no `description`".to_owned()
                } else {
                    format!("undescribed: {}", listed(&tables, 8))
                };
                let mut diagnostic = report
                    .diagnostic(message, Label::new(source_span(repo, project, source.tables[0]), label))
                    .with_help("say which system the source is loaded from, and what one row of each table is, in `description:`");
                for id in source.tables {
                    diagnostic = diagnostic.about(project, id);
                }
                diagnostic
            });
        }
    }
}

/// "one table" or "N tables".
fn tables_word(count: usize) -> String {
    if count == 1 {
        "one table".to_owned()
    } else {
        format!("{count} tables")
    }
}
