//! X018: sources that declare a freshness threshold no scheduled `dbt source freshness` checks.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::command::DbtCommand;
use crate::dbt::graph::{Freshness, NodeId};
use crate::link::{DbtRun, Monorepo, Resolution};
use crate::rules::convention::{Counted, Tally};
use crate::rules::dbt::nodes::{Source, SourceTables, agree, listed, root_sources};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// X018, `[rules.source-freshness-not-checked]` in the config (no options).
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct SourceFreshnessNotChecked {}

declare_rule!(SourceFreshnessNotChecked {
    code: "X018",
    name: "source-freshness-not-checked",
    group: Testing,
    preset: Strict,
    severity: Warning,
});

const HELP: &str = "add a `dbt source freshness` task to a scheduled DAG (`dbt source freshness --select source:<name>`), or remove `freshness:` if nobody watches it";

impl Rule for SourceFreshnessNotChecked {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        let manual = repo.manual_dags();
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            // A task monolint could not read may check any source: never guess.
            if repo.coverage(project).unknown.is_some()
                || repo.unresolved_runs(project).next().is_some()
                || repo.runs.iter().any(|run| {
                    run.project == Some(project) && renders_sources_unknowably(repo, run)
                })
            {
                continue;
            }
            let mut tally = Tally::default();
            for source in root_sources(graph) {
                // A source without a threshold has nothing to check (see DBT007): only the
                // tables that declare one count.
                let declared = Source {
                    tables: source
                        .tables
                        .into_iter()
                        .filter(|&id| graph.freshness(graph.node(id)) == Freshness::Checked)
                        .collect(),
                    name: source.name,
                };
                SourceTables::tally(graph, &mut tally, declared, |id| {
                    !checked_on_schedule(repo, project, id, &manual)
                });
            }
            let counted = Counted {
                noun: "sources",
                verb: "has its freshness threshold checked by a scheduled DAG",
                lack: "have a freshness threshold no scheduled DAG checks",
                project_label: "no task of a scheduled DAG runs `dbt source freshness`".to_owned(),
                help: HELP.to_owned(),
                scope: None,
            };
            tally.report(repo, project, report, &counted, |report, unchecked| {
                let (message, label) = if unchecked.all_lack() {
                    (
                        format!(
                            "the freshness of source `{}` is never checked",
                            unchecked.source.name
                        ),
                        "declares `freshness`, but no task of a scheduled DAG runs `dbt source freshness` on it".to_owned(),
                    )
                } else {
                    (
                        format!(
                            "{} of the {} tables of source `{}` with a freshness threshold {} never checked",
                            unchecked.tables.len(),
                            unchecked.source.tables.len(),
                            unchecked.source.name,
                            agree(unchecked.tables.len(), "is", "are")
                        ),
                        format!(
                            "no task of a scheduled DAG runs `dbt source freshness` on {}",
                            listed(&unchecked.tables, 8)
                        ),
                    )
                };
                unchecked.diagnostic(repo, project, report, message, label, HELP)
            });
        }
    }
}

/// Whether a task of a DAG that runs on a schedule checks a source table's freshness: a
/// `dbt source freshness` selecting it, or a Cosmos rendering's source task for it (`dbt build`
/// does not check freshness).
fn checked_on_schedule(
    repo: &Monorepo,
    project: usize,
    id: NodeId,
    manual: &BTreeSet<String>,
) -> bool {
    repo.runs_of(project, id).any(|run| {
        let scheduled = repo
            .dag_of(run.task)
            .is_none_or(|dag| !manual.contains(dag.id()));
        let checks = match (&run.resolution, repo.call_of(run)) {
            (
                Resolution::Selected {
                    rendered: Some(tasks),
                    ..
                },
                _,
            ) => tasks.iter().any(|task| {
                task.command == Some(DbtCommand::SourceFreshness) && task.runs.contains(&id)
            }),
            (_, Some(call)) => call.command == DbtCommand::SourceFreshness,
            (_, None) => false,
        };
        scheduled && checks
    })
}

/// Whether a run is a Cosmos rendering whose tasks cannot be known (an option monolint cannot
/// read): it may render source tasks that check freshness.
fn renders_sources_unknowably(repo: &Monorepo, run: &DbtRun) -> bool {
    let cosmos = repo.call_of(run).is_some_and(|call| call.cosmos.is_some());
    cosmos && matches!(run.resolution, Resolution::Selected { rendered: None, .. })
}
