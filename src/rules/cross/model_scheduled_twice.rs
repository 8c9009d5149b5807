//! X010: a model (or snapshot) built on schedule by tasks of two DAGs, or twice in one DAG
//! run: double cost, and two writers of one table racing.

use std::collections::{BTreeMap, BTreeSet};

use globset::{Glob, GlobSet, GlobSetBuilder};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::airflow::schedule::Schedule;
use crate::dbt::graph::{NodeId, ResourceType};
use crate::dbt::select;
use crate::diagnostic::Label;
use crate::link::{Monorepo, Resolution, TaskRef};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};
use crate::source::Span;

/// X010 with its options, `[rules.model-scheduled-twice]` in the config.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ModelScheduledTwice {
    /// Models that several DAGs build on purpose, as dbt selectors (`tag:intraday`).
    pub allow: Vec<String>,
    /// DAGs whose builds do not count, by dag_id or glob (`*_backfill`): deliberate
    /// rebuilds. DAGs without a schedule and `--full-refresh` tasks never count.
    pub ignore_dags: Vec<String>,
}

declare_rule!(ModelScheduledTwice {
    code: "X010",
    name: "model-scheduled-twice",
    group: Correctness,
    preset: Recommended,
    severity: Warning,
});

/// Models named in a finding; the rest are counted.
const LISTED: usize = 5;

impl Rule for ModelScheduledTwice {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// One finding per set of tasks that build the same nodes: the cause is the overlap of
    /// their selections.
    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        let manual = repo.manual_dags();
        let ignored = globs(&self.ignore_dags);
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            let allowed = select::nodes_matching(
                graph,
                &self.allow,
                &[ResourceType::Model, ResourceType::Snapshot],
            );
            // The writing tasks → the nodes they all build, and one run of each task.
            let mut by_writers: BTreeMap<Vec<TaskRef>, (Vec<NodeId>, Vec<usize>)> = BTreeMap::new();
            for (id, node) in graph.nodes() {
                let builds_a_table = match node.resource_type {
                    ResourceType::Model => !node.is_ephemeral(),
                    ResourceType::Snapshot => true,
                    _ => false,
                };
                if !builds_a_table || !graph.is_root_project(node) || allowed.contains(id.index()) {
                    continue;
                }
                let mut tasks: Vec<TaskRef> = Vec::new();
                let mut runs: Vec<usize> = Vec::new();
                for run in repo.scheduled_writers(project, id, &manual) {
                    let task = repo.runs[run].task;
                    let dag_ignored = repo
                        .dag_of(task)
                        .is_some_and(|dag| ignored.is_match(dag.id()));
                    if !dag_ignored && !tasks.contains(&task) {
                        tasks.push(task);
                        runs.push(run);
                    }
                }
                if tasks.len() < 2 || !any_two_share_a_day(repo, &tasks) {
                    continue;
                }
                let mut order: Vec<usize> = (0..tasks.len()).collect();
                order.sort_by_key(|&i| tasks[i]);
                let key: Vec<TaskRef> = order.iter().map(|&i| tasks[i]).collect();
                let entry = by_writers
                    .entry(key)
                    .or_insert_with(|| (Vec::new(), order.iter().map(|&i| runs[i]).collect()));
                entry.0.push(id);
            }
            for (tasks, (nodes, runs)) in by_writers {
                self.report(repo, project, &tasks, &nodes, &runs, report);
            }
        }
    }
}

impl ModelScheduledTwice {
    fn report(
        &self,
        repo: &Monorepo,
        project: usize,
        tasks: &[TaskRef],
        nodes: &[NodeId],
        runs: &[usize],
        report: &mut Reporter,
    ) {
        let graph = &repo.projects[project].graph;
        let names: Vec<String> = nodes
            .iter()
            .take(LISTED)
            .map(|&id| format!("`{}`", graph.node(id).name))
            .collect();
        let listed = match nodes.len().saturating_sub(LISTED) {
            0 => names.join(", "),
            more => format!("{} and {more} more", names.join(", ")),
        };
        let dags: BTreeSet<&str> = tasks
            .iter()
            .map(|&task| repo.dag_of(task).map_or("<no dag>", |dag| dag.id()))
            .collect();
        let what = match nodes {
            [one] => format!("`{}` is", graph.node(*one).name),
            many => format!("{} models are", many.len()),
        };
        let message = if dags.len() == 1 {
            format!(
                "{what} built twice in each run of DAG `{}`",
                dags.iter().next().copied().unwrap_or_default()
            )
        } else {
            format!(
                "{what} built on schedule by {} DAGs: {}",
                dags.len(),
                dags.iter()
                    .map(|dag| format!("`{dag}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        // Point at the narrowest selection first: the overlap is most often a new, narrow DAG
        // whose models the broad one forgot to exclude (and it keeps findings apart).
        let mut runs = runs.to_vec();
        runs.sort_by_key(|&run| match &repo.runs[run].resolution {
            Resolution::Selected { nodes, .. } => nodes.len(),
            _ => usize::MAX,
        });
        let mut places = runs.iter().map(|&run| {
            let task = repo.runs[run].task;
            let schedule = repo
                .dag_of(task)
                .map_or_else(String::new, |dag| Schedule::of(dag).describe());
            (selection_span(repo, run), repo.task_name(task), schedule)
        });
        let Some((span, task, schedule)) = places.next() else {
            return;
        };
        let mut diagnostic = report
            .diagnostic(
                message,
                Label::new(span, format!("`{task}` ({schedule}) builds {listed}")),
            )
            .with_help(
                "build each model in one DAG: exclude it from the other selections (or make the other DAG wait and reuse it); list deliberate double builds in `allow` of `[rules.model-scheduled-twice]`",
            );
        for (span, task, schedule) in places {
            diagnostic = diagnostic.with_label(Label::new(
                span,
                format!("`{task}` ({schedule}) builds them too"),
            ));
        }
        for &id in nodes {
            diagnostic = diagnostic.about(project, id);
        }
        report.emit(diagnostic);
    }
}

/// Whether two of the tasks run on the same day: tasks of one DAG always do; DAGs that split
/// the week between them (Mondays and Thursdays, the other days) never do.
fn any_two_share_a_day(repo: &Monorepo, tasks: &[TaskRef]) -> bool {
    let schedules: Vec<Option<Schedule>> = tasks
        .iter()
        .map(|&task| repo.dag_of(task).map(Schedule::of))
        .collect();
    (0..tasks.len()).any(|i| {
        (i + 1..tasks.len()).any(|j| {
            let same_dag = tasks[i].file == tasks[j].file
                && repo.task(tasks[i]).dag == repo.task(tasks[j]).dag;
            same_dag
                || match (&schedules[i], &schedules[j]) {
                    (Some(a), Some(b)) => a.may_share_a_day(b),
                    _ => true,
                }
        })
    })
}

/// Where a run's selection is written: its first `--select` argument, else the call.
fn selection_span(repo: &Monorepo, run: usize) -> Span {
    let run = &repo.runs[run];
    match repo.call_of(run) {
        Some(call) => call
            .select
            .first()
            .map_or(&call.span, |arg| &arg.span)
            .clone(),
        None => repo.task(run.task).span().clone(),
    }
}

/// dag_id patterns; an invalid glob matches its own text only.
fn globs(patterns: &[String]) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern).or_else(|_| Glob::new(&globset::escape(pattern)));
        if let Ok(glob) = glob {
            builder.add(glob);
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}
