//! X010: a model (or snapshot) built on schedule by tasks of two DAGs, or twice in one DAG
//! run: double cost, and two writers of one table racing.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};

use globset::{Glob, GlobSet, GlobSetBuilder};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::airflow::cron::Days;
use crate::airflow::schedule::{Schedule, may_share_a_day};
use crate::dbt::graph::{Node, NodeId, ResourceType};
use crate::dbt::select::{self, Criterion, SelectorError, Side};
use crate::diagnostic::Label;
use crate::link::{DbtRun, Monorepo, Resolution, TaskRef};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

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

    /// One finding per task whose selection overlaps others: the narrowest of the tasks
    /// building a node is where the overlap is reported (most often a new, narrow DAG whose
    /// models a broad one forgot to exclude), with the others as labels.
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
            // The task of the narrowest writing run → one of its runs, the nodes it builds that
            // others build too, and those other runs (one per task).
            let mut overlaps: BTreeMap<TaskRef, (usize, Vec<NodeId>, Vec<usize>)> = BTreeMap::new();
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
                // Only tasks that run on a day another of them runs build twice.
                let meet = meeting(repo, &tasks);
                let mut runs: Vec<usize> = runs
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| meet[*i])
                    .map(|(_, run)| run)
                    .collect();
                // Every task means to build the model: it names it
                // (`path:models/base/fct_sales.sql`), or refreshes it as a descendant of what
                // it refreshes (`stg_sales+`). The double build is a choice, not a selection
                // that reaches further than meant.
                if runs.len() < 2
                    || runs.iter().all(|&run| {
                        let run = &repo.runs[run];
                        names_node(run, node) || propagates_to(run, node)
                    })
                {
                    continue;
                }
                runs.sort_by_key(|&run| (selected_count(repo, run), repo.runs[run].task));
                let (_, nodes, others) = overlaps
                    .entry(repo.runs[runs[0]].task)
                    .or_insert_with(|| (runs[0], Vec::new(), Vec::new()));
                nodes.push(id);
                for &run in &runs[1..] {
                    if !others
                        .iter()
                        .any(|&o| repo.runs[o].task == repo.runs[run].task)
                    {
                        others.push(run);
                    }
                }
            }
            for (_, (primary, nodes, mut others)) in overlaps {
                others.sort_by_key(|&run| repo.runs[run].task);
                self.report(repo, project, primary, &others, &nodes, report);
            }
        }
    }
}

impl ModelScheduledTwice {
    fn report(
        &self,
        repo: &Monorepo,
        project: usize,
        primary: usize,
        others: &[usize],
        nodes: &[NodeId],
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
        let dag_of = |run: usize| {
            repo.dag_of(repo.runs[run].task)
                .map_or("<no dag>", |dag| dag.id())
        };
        let own_dag = dag_of(primary);
        let other_dags: BTreeSet<&str> = others
            .iter()
            .map(|&run| dag_of(run))
            .filter(|dag| *dag != own_dag)
            .collect();
        let what = match nodes {
            [one] => format!("`{}` is", graph.node(*one).name),
            many => format!("{} models are", many.len()),
        };
        let message = if other_dags.is_empty() {
            format!("{what} built twice in each run of DAG `{own_dag}`")
        } else {
            format!(
                "{what} built on schedule by DAG `{own_dag}` and by {}",
                other_dags
                    .iter()
                    .map(|dag| format!("`{dag}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let place = |run: usize| {
            let task = repo.runs[run].task;
            let schedule = repo
                .dag_of(task)
                .map_or_else(String::new, |dag| Schedule::of(dag).describe());
            (
                repo.selection_span(&repo.runs[run]),
                repo.task_name(task),
                schedule,
            )
        };
        let (span, task, schedule) = place(primary);
        let mut diagnostic = report
            .diagnostic(
                message,
                Label::new(span, format!("`{task}` ({schedule}) builds {listed}")),
            )
            .with_help(
                "build each model in one DAG: exclude it from the other selections (or make the other DAG wait and reuse it); list deliberate double builds in `allow` of `[rules.model-scheduled-twice]`",
            );
        for &run in others {
            let (span, task, schedule) = place(run);
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

/// The selector items a run's `--select` side holds (`a,b` gives `a` and `b`), each with
/// whether it was written alone or in an intersection.
fn select_items(run: &DbtRun) -> impl Iterator<Item = (Result<Criterion, SelectorError>, bool)> {
    let tokens = match &run.resolution {
        Resolution::Selected { tokens, .. } => tokens.as_slice(),
        _ => &[],
    };
    tokens
        .iter()
        .filter(|token| token.side == Side::Select)
        .flat_map(|token| {
            let alone = !token.text.contains(',');
            token
                .text
                .split(',')
                .map(move |item| (Criterion::parse(item), alone))
        })
}

/// Whether a run's selection names this node itself (by name or file), rather than
/// reaching it through a tag, a folder or a graph operator from another node.
fn names_node(run: &DbtRun, node: &Node) -> bool {
    select_items(run).any(|(item, alone)| {
        alone && item.is_ok_and(|item| item.names(&node.name, node.file.as_deref()))
    })
}

/// Whether a run reaches this node only as a descendant of what it refreshes: every one of
/// its selectors carries the children operator (`stg_sales+`, `tag:raw+`, `@source:crm`),
/// and none names the node. Such a task propagates a refresh downstream on purpose.
fn propagates_to(run: &DbtRun, node: &Node) -> bool {
    let mut items = select_items(run).peekable();
    items.peek().is_some()
        && items.all(|(item, _)| {
            item.is_ok_and(|item| {
                (item.children || item.childrens_parents)
                    && !item.names(&node.name, node.file.as_deref())
            })
        })
}

/// How many nodes a run selects: the narrowest selection is reported first.
fn selected_count(repo: &Monorepo, run: usize) -> usize {
    match &repo.runs[run].resolution {
        Resolution::Selected { nodes, .. } => nodes.len(),
        _ => usize::MAX,
    }
}

/// For each task, whether it runs on a day another of the tasks runs: tasks of one DAG do; DAGs that split
/// the week between them (Mondays and Thursdays, the other days) never do. A DAG gated by a
/// short-circuit or branch task may skip the days of a DAG that runs at most a seventh as
/// often (a daily DAG skipping the first Sunday, when the monthly one runs): they are not
/// known to meet.
fn meeting(repo: &Monorepo, tasks: &[TaskRef]) -> Vec<bool> {
    let schedules: Vec<Option<Schedule>> = tasks
        .iter()
        .map(|&task| repo.dag_of(task).map(Schedule::of))
        .collect();
    // Worked out at most once per task, when a pair needs it.
    let days_of: Vec<OnceCell<Option<Days>>> = vec![OnceCell::new(); tasks.len()];
    let days_at =
        |i: usize| *days_of[i].get_or_init(|| schedules[i].as_ref().and_then(Schedule::days));
    let days = |i: usize| days_at(i).map(|days| days.count());
    let gated = |i: usize| {
        let task = tasks[i];
        let dag = repo.task(task).dag;
        repo.dag_files[task.file]
            .tasks
            .iter()
            .any(|t| t.dag == dag && is_gate(t.call.name()))
    };
    let skips_the_other = |i: usize, j: usize| {
        gated(i) && matches!((days(i), days(j)), (Some(mine), Some(theirs)) if theirs * 7 <= mine)
    };
    let share = |i: usize, j: usize| {
        let same_dag =
            tasks[i].file == tasks[j].file && repo.task(tasks[i]).dag == repo.task(tasks[j]).dag;
        // A DAG whose id monolint cannot read (made from configuration) may be one flavour
        // of a pipeline the other is (daily and hourly), and `ignore-dags` cannot name it.
        let ids_known = [i, j].iter().all(|&k| {
            repo.dag_of(tasks[k])
                .is_some_and(|dag| dag.dag_id.value.is_some())
        });
        same_dag
            || (ids_known
                && may_share_a_day(days_at(i), days_at(j))
                && !skips_the_other(i, j)
                && !skips_the_other(j, i))
    };
    (0..tasks.len())
        .map(|i| (0..tasks.len()).any(|j| i != j && share(i, j)))
        .collect()
}

/// Operators and task decorators that skip the rest of a run on some days.
fn is_gate(operator: &str) -> bool {
    let name = operator.rsplit('.').next().unwrap_or(operator);
    name.starts_with("ShortCircuit")
        || name.starts_with("Branch")
        || matches!(name, "short_circuit" | "branch")
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
