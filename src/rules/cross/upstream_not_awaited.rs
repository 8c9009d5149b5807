//! X011: a DAG builds models from models another DAG builds, without waiting for it: only the
//! clock orders them, and a late upstream run makes the downstream one read stale data.

use std::collections::{BTreeMap, BTreeSet};

use globset::{Glob, GlobSet, GlobSetBuilder};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::airflow::cron::Days;
use crate::airflow::ordering::DagOrdering;
use crate::airflow::schedule::{Schedule, may_share_a_day};
use crate::dbt::graph::{DbtGraph, NodeId, ResourceType};
use crate::diagnostic::Label;
use crate::link::{Monorepo, TaskRef};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// X011 with its options, `[rules.upstream-not-awaited]` in the config.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct UpstreamNotAwaited {
    /// Pairs of DAGs ordered by other means (an external scheduler, a lock), written
    /// `"downstream <- upstream"`, each side a dag_id or glob.
    pub ordered: Vec<String>,
}

declare_rule!(UpstreamNotAwaited {
    code: "X011",
    name: "upstream-not-awaited",
    group: Correctness,
    preset: Recommended,
    severity: Warning,
});

/// Dependencies named in a finding; the rest are counted.
const LISTED: usize = 3;

/// When a DAG runs, as the rule compares it: the days of a year its cron schedule fires on,
/// and whether it runs several times a day.
#[derive(Clone, Copy)]
struct Timing {
    days: Option<Days>,
    intraday: bool,
}

/// One model a downstream DAG builds from a model an upstream DAG builds.
struct Edge {
    model: NodeId,
    upstream: NodeId,
    /// The runs building `model` and `upstream` (indexes into `Monorepo::runs`).
    run: usize,
    upstream_run: usize,
}

impl Rule for UpstreamNotAwaited {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// One finding per downstream DAG (one sensor or trigger fixes it): the DAGs it does not
    /// wait for, each with the dependencies on it, and its tasks that read them.
    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        let manual = repo.manual_dags();
        let ordering = DagOrdering::of(&repo.dag_files);
        let declared = self.declared_pairs();
        // What each run's DAG schedule says, worked out once: the loop below compares it for
        // every pair of DAGs building a model and one it reads.
        let schedules: Vec<Option<Timing>> = (repo.runs.iter())
            .map(|run| {
                let schedule = Schedule::of(repo.dag_of(run.task)?);
                Some(Timing {
                    days: schedule.days(),
                    intraday: schedule.intraday(),
                })
            })
            .collect();
        let schedule_of = |run: usize| schedules.get(run).copied().flatten();
        // Downstream DAG → upstream DAG → the dependencies.
        let mut unawaited: BTreeMap<String, BTreeMap<String, Vec<Edge>>> = BTreeMap::new();
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            // Each buildable node: the tasks building it on schedule, by DAG; `None` when a
            // DAG building it has an id monolint cannot read, so that what waits for that DAG
            // cannot be known either.
            let builders = |id: NodeId| -> Option<BTreeMap<String, usize>> {
                let mut by_dag = BTreeMap::new();
                for run in repo.scheduled_writers(project, id, &manual) {
                    if let Some(dag) = repo.dag_of(repo.runs[run].task) {
                        let dag_id = dag.dag_id.value.as_deref()?;
                        by_dag.entry(dag_id.to_owned()).or_insert(run);
                    }
                }
                Some(by_dag)
            };
            for (id, node) in graph.nodes() {
                if !builds_a_table(node.resource_type, node.is_ephemeral())
                    || !graph.is_root_project(node)
                {
                    continue;
                }
                let Some(downstream) = builders(id).filter(|dags| !dags.is_empty()) else {
                    continue;
                };
                for upstream in built_parents(graph, id) {
                    let Some(upstream_builders) =
                        builders(upstream).filter(|dags| !dags.is_empty())
                    else {
                        continue;
                    };
                    for (dag, &run) in &downstream {
                        // Built in the same DAG: its own task order applies.
                        if upstream_builders.contains_key(dag) {
                            continue;
                        }
                        let down_schedule = schedule_of(run);
                        let awaited = upstream_builders.iter().any(|(up, &up_run)| {
                            let up_schedule = schedule_of(up_run);
                            // DAGs that never run on the same day read each other's last run.
                            let apart = match (down_schedule, up_schedule) {
                                (Some(down), Some(up)) => !may_share_a_day(down.days, up.days),
                                _ => false,
                            };
                            // The upstream DAG rebuilds this model too after its own part:
                            // whichever runs last builds it from the other's latest data.
                            let rebuilds_it = downstream.contains_key(up);
                            apart
                                || rebuilds_it
                                || reads_latest(down_schedule, up_schedule)
                                || ordering.waits_for(dag, up) != Some(false)
                                || declared
                                    .iter()
                                    .any(|(down, upper)| down.is_match(dag) && upper.is_match(up))
                        });
                        if awaited {
                            continue;
                        }
                        let Some((up_dag, &upstream_run)) = upstream_builders.iter().next() else {
                            continue;
                        };
                        unawaited
                            .entry(dag.clone())
                            .or_default()
                            .entry(up_dag.clone())
                            .or_default()
                            .push(Edge {
                                model: id,
                                upstream,
                                run,
                                upstream_run,
                            });
                    }
                }
            }
            for upstreams in std::mem::take(&mut unawaited).into_values() {
                self.report(repo, project, &upstreams, report);
            }
        }
    }
}

impl UpstreamNotAwaited {
    fn report(
        &self,
        repo: &Monorepo,
        project: usize,
        upstreams: &BTreeMap<String, Vec<Edge>>,
        report: &mut Reporter,
    ) {
        let graph = &repo.projects[project].graph;
        let name = |id: NodeId| graph.node(id).name.to_string();
        let schedule = |run: usize| repo.dag_of(repo.runs[run].task).map(Schedule::of);
        let describe =
            |s: &Option<Schedule>| s.as_ref().map_or_else(String::new, Schedule::describe);
        // The DAG's tasks that read upstream models, in file order, each with what it builds.
        let mut by_task: BTreeMap<TaskRef, Vec<&Edge>> = BTreeMap::new();
        for edge in upstreams.values().flatten() {
            by_task
                .entry(repo.runs[edge.run].task)
                .or_default()
                .push(edge);
        }
        let Some((&down_task, first_edges)) = by_task.iter().next() else {
            return;
        };
        let first_run = first_edges[0].run;
        let dag = repo.dag_of(down_task).map_or("<no dag>", |dag| dag.id());
        let down_schedule = schedule(first_run);
        let task_label = |edges: &[&Edge]| {
            let listed: Vec<String> = edges
                .iter()
                .take(LISTED)
                .map(|e| format!("`{}` ← `{}`", name(e.model), name(e.upstream)))
                .collect();
            match edges.len().saturating_sub(LISTED) {
                0 => listed.join(", "),
                more => format!("{} and {more} more", listed.join(", ")),
            }
        };
        let dags = upstreams
            .keys()
            .map(|up| format!("`{up}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let message = match upstreams.len() {
            1 => format!(
                "DAG `{dag}` builds models from models DAG {dags} builds, without waiting for it"
            ),
            n => format!(
                "DAG `{dag}` builds models from models {n} DAGs build, without waiting for them: {dags}"
            ),
        };
        let mut diagnostic = report
            .diagnostic(
                message,
                Label::new(
                    repo.selection_span(&repo.runs[first_run]),
                    format!(
                        "`{}` ({}) builds {}",
                        repo.task_name(down_task),
                        describe(&down_schedule),
                        task_label(first_edges)
                    ),
                ),
            )
            .with_help(format!(
                "make `{dag}` wait for the DAGs it reads from: an ExternalTaskSensor on each, a TriggerDagRunOperator in them, or a Dataset/Asset they update and `{dag}` is scheduled on"
            ));
        for (&task, edges) in by_task.iter().skip(1) {
            diagnostic = diagnostic.with_label(Label::new(
                repo.selection_span(&repo.runs[edges[0].run]),
                format!(
                    "`{}` also builds {}",
                    repo.task_name(task),
                    task_label(edges)
                ),
            ));
        }
        for (up_dag, edges) in upstreams {
            let Some(edge) = edges.first() else {
                continue;
            };
            let up_schedule = schedule(edge.upstream_run);
            let same_time = down_schedule
                .as_ref()
                .and_then(Schedule::cron)
                .zip(up_schedule.as_ref().and_then(Schedule::cron))
                .and_then(|(a, b)| Some(a.first_time()? == b.first_time()?))
                .unwrap_or(false);
            let clock = if same_time {
                "both start at the same time".to_owned()
            } else {
                "only the clock orders them".to_owned()
            };
            let count = match edges.len() {
                1 => format!("`{}`", name(edge.upstream)),
                n => format!("{n} of the models `{dag}` reads"),
            };
            diagnostic = diagnostic.with_label(Label::new(
                repo.selection_span(&repo.runs[edge.upstream_run]),
                format!(
                    "`{up_dag}` ({}) builds {count}; {clock}",
                    describe(&up_schedule)
                ),
            ));
            for edge in edges {
                diagnostic = diagnostic.about(project, edge.model);
            }
        }
        report.emit(diagnostic);
    }

    /// `ordered` as (downstream, upstream) glob pairs; a malformed entry is skipped.
    fn declared_pairs(&self) -> Vec<(GlobSet, GlobSet)> {
        self.ordered
            .iter()
            .filter_map(|pair| {
                let (down, up) = pair.split_once("<-")?;
                Some((glob(down.trim())?, glob(up.trim())?))
            })
            .collect()
    }
}

fn glob(pattern: &str) -> Option<GlobSet> {
    let mut builder = GlobSetBuilder::new();
    builder.add(Glob::new(pattern).ok()?);
    builder.build().ok()
}

/// A DAG that runs several times a day, reading from one that does not, reads the
/// upstream's latest build by design: making each run wait for it is not the fix.
fn reads_latest(down: Option<Timing>, up: Option<Timing>) -> bool {
    down.is_some_and(|down| down.intraday) && !up.is_some_and(|up| up.intraday)
}

/// Models (not ephemeral) and snapshots: what a DAG builds as a table.
fn builds_a_table(resource_type: ResourceType, ephemeral: bool) -> bool {
    match resource_type {
        ResourceType::Model => !ephemeral,
        ResourceType::Snapshot => true,
        _ => false,
    }
}

/// The models and snapshots a node reads, looking through ephemeral models (compiled into
/// it) to what they read.
fn built_parents(graph: &DbtGraph, id: NodeId) -> BTreeSet<NodeId> {
    let mut found = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut stack: Vec<NodeId> = graph.parents(id).to_vec();
    while let Some(parent) = stack.pop() {
        if !seen.insert(parent) {
            continue;
        }
        let node = graph.node(parent);
        if node.is_model() && node.is_ephemeral() {
            stack.extend_from_slice(graph.parents(parent));
        } else if builds_a_table(node.resource_type, node.is_ephemeral()) {
            found.insert(parent);
        }
    }
    found
}
