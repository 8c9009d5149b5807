//! The data app's map: which DAG task runs which dbt nodes, with coverage figures. Built from
//! the linked monorepo; `monolint map` renders it as a table, JSON, Markdown, Mermaid or a
//! self-contained HTML page ([`html`]).

mod findings;
pub mod html;

use std::collections::HashMap;

use serde::Serialize;

pub use findings::{FindingEntry, ModelKey};

use crate::airflow::links::{TaskLink, task_links};
use crate::airflow::schedule::{self, Schedule};
use crate::airflow::value::Value;
use crate::dbt::graph::{DbtGraph, ResourceType};
use crate::diagnostic::Diagnostic;
use crate::link::{DbtRun, ModelCoverage, Monorepo, Resolution, TaskRef};

/// Bumped on any incompatible change of the JSON shape (documented in docs/map.md).
pub const VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct DataAppMap {
    pub version: u32,
    pub coverage: Coverage,
    pub dags: Vec<DagEntry>,
    /// Dependencies between DAGs: sensors, triggers and datasets.
    pub edges: Vec<EdgeEntry>,
    /// Every schedulable model of the root projects (enabled, not ephemeral), by file, with
    /// the tasks that run it.
    pub models: Vec<ModelEntry>,
    /// Models of the root projects that no task runs, every task that could having been read.
    pub unscheduled_models: Vec<ModelRef>,
    /// Models no resolved task runs, but that a task monolint could not read may run (or whose
    /// project no DAG task was seen refreshing): their coverage is not known.
    pub unknown_models: Vec<ModelRef>,
    /// Deployment paths the DAG files name, mapped onto the repository by inference.
    pub inferred_paths: Vec<InferredPath>,
    /// The findings of the cross-layer rules, with the tasks and models they concern.
    pub findings: Vec<FindingEntry>,
}

/// A deployment path no `[dbt] path-map` entry covers, and the repository path it was taken
/// for: the one sharing its longest tail.
#[derive(Debug, Serialize)]
pub struct InferredPath {
    pub path: String,
    pub repository_path: String,
}

#[derive(Debug, Serialize)]
pub struct ModelEntry {
    pub project: String,
    pub name: String,
    pub file: String,
    pub owner: Option<String>,
    /// `scheduled`, `manual-only` (only DAGs without a schedule run it), `unscheduled` or
    /// `unknown`.
    pub coverage: &'static str,
    /// The tasks that run it, sorted; empty when no DAG does.
    pub run_by: Vec<TaskRefEntry>,
}

/// A task, named as Airflow names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct TaskRefEntry {
    pub dag_id: String,
    pub task_id: String,
}

#[derive(Debug, Serialize)]
pub struct Coverage {
    pub models: usize,
    pub models_scheduled: usize,
    /// Models whose coverage is not known (see `unknown_models`).
    pub models_unknown: usize,
    pub dbt_tasks: usize,
    pub dbt_tasks_resolved: usize,
}

#[derive(Debug, Serialize)]
pub struct DagEntry {
    pub dag_id: String,
    pub file: String,
    pub line: usize,
    pub owner: Option<String>,
    pub schedule: Schedule,
    /// The timezone cron schedules run in (the start date's); `null` when unknown.
    pub timezone: Option<String>,
    /// `catchup` as written; `null` when left to Airflow's default.
    pub catchup: Option<bool>,
    pub max_active_runs: Option<i64>,
    pub tags: Vec<String>,
    /// Whether a failure calls back (`on_failure_callback` on the DAG or in `default_args`);
    /// `null` when `default_args` cannot be read.
    pub on_failure_callback: Option<bool>,
    /// `default_args.email_on_failure` as written.
    pub email_on_failure: Option<bool>,
    /// The DAG's tasks that run dbt.
    pub tasks: Vec<TaskEntry>,
}

/// A dependency between two DAGs: the downstream waits for, is triggered by, or is scheduled
/// on a dataset updated by the upstream.
#[derive(Debug, Serialize)]
pub struct EdgeEntry {
    /// `waits-for` (a sensor in the downstream DAG), `triggers` (an operator in the upstream
    /// DAG) or `dataset` (the upstream task updates a dataset the downstream is scheduled on).
    pub kind: &'static str,
    pub upstream: Endpoint,
    pub downstream: Endpoint,
    pub dataset: Option<String>,
    /// Where the edge is declared.
    pub file: String,
    pub line: usize,
}

#[derive(Debug, Serialize)]
pub struct Endpoint {
    /// `null` when the DAG id cannot be known statically.
    pub dag_id: Option<String>,
    /// The tasks concerned; empty for the whole DAG run.
    pub task_ids: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct TaskEntry {
    pub task_id: String,
    pub operator: String,
    pub line: usize,
    /// `resolved`, `invalid` (dbt rejects one of its calls) or `unresolved` (monolint cannot
    /// tell what one of its calls runs).
    pub status: &'static str,
    /// Why, for an `invalid` or `unresolved` task: the first such call's reason.
    pub reason: Option<String>,
    pub dbt: Vec<DbtEntry>,
}

impl TaskEntry {
    /// Whether monolint knows what every dbt call of the task runs.
    pub fn resolved(&self) -> bool {
        self.status != "unresolved"
    }
}

/// A task's status from its dbt calls: the worst of the calls that select nodes. Calls that
/// select none (`dbt deps` before `dbt run`, `dbt run-operation`) neither resolve nor
/// unresolve it.
fn task_status(calls: &[DbtEntry]) -> (&'static str, Option<String>) {
    for worst in ["unresolved", "invalid"] {
        if let Some(call) = calls.iter().find(|call| call.status == worst) {
            return (worst, call.reason.clone());
        }
    }
    ("resolved", None)
}

#[derive(Debug, Serialize)]
pub struct DbtEntry {
    /// `run`, `build`, ...; `null` when the call could not be read at all.
    pub command: Option<String>,
    /// The selection as written (`--select`/`--exclude`/`--selector`).
    pub selection: String,
    pub project: Option<String>,
    /// `resolved`, `unresolved`, `invalid` or `no-selection`.
    pub status: &'static str,
    /// Why the call is unresolved or invalid.
    pub reason: Option<String>,
    /// Executed nodes by resource type.
    pub counts: Vec<(String, usize)>,
    /// Models it runs (names), sorted.
    pub models: Vec<String>,
    /// The tasks a Cosmos rendering creates, as Airflow names them; `null` for other calls
    /// and for renderings whose task ids cannot be known statically.
    pub rendered_tasks: Option<Vec<String>>,
}

#[derive(Debug, Serialize)]
pub struct ModelRef {
    pub project: String,
    pub name: String,
    pub file: String,
    pub owner: Option<String>,
}

impl DataAppMap {
    /// The map of a linked monorepo; `diagnostics` are what `monolint check` found in it.
    pub fn build(repo: &Monorepo, diagnostics: &[Diagnostic]) -> DataAppMap {
        // Each task's runs, in their order: looked up per task, a scan of every run for each
        // task grew with their product (thousands of rendered Cosmos tasks on large inputs).
        let mut runs_of_task: HashMap<TaskRef, Vec<&DbtRun>> = HashMap::new();
        for run in &repo.runs {
            runs_of_task.entry(run.task).or_default().push(run);
        }
        let mut dags = Vec::new();
        for (file_index, file) in repo.dag_files.iter().enumerate() {
            for (dag_index, dag) in file.dags.iter().enumerate() {
                let mut tasks = Vec::new();
                for (task_index, task) in file.tasks.iter().enumerate() {
                    if task.dag != Some(dag_index) || !task.runs_dbt() {
                        continue;
                    }
                    let task_ref = TaskRef {
                        file: file_index,
                        task: task_index,
                    };
                    let dbt: Vec<DbtEntry> = (runs_of_task.get(&task_ref).into_iter().flatten())
                        .map(|run| dbt_entry(repo, run, task.task_id.as_deref()))
                        .collect();
                    let (status, reason) = task_status(&dbt);
                    tasks.push(TaskEntry {
                        task_id: task.id().to_owned(),
                        operator: task.call.name().to_owned(),
                        line: task.span().start_line_col().line,
                        status,
                        reason,
                        dbt,
                    });
                }
                dags.push(DagEntry {
                    dag_id: dag.id().to_owned(),
                    // The file the line is in: a YAML DAG's tasks and groups have their own.
                    file: dag.span().file.path().to_owned(),
                    line: dag.span().start_line_col().line,
                    owner: dag
                        .default_arg("owner")
                        .ok()
                        .flatten()
                        .and_then(|owner| owner.value.as_str()),
                    schedule: Schedule::of(dag),
                    timezone: schedule::timezone(dag),
                    catchup: dag.kwarg("catchup").and_then(|c| c.value.truthy()),
                    max_active_runs: dag.kwarg("max_active_runs").and_then(|m| match m.value {
                        Value::Int(n) => Some(n),
                        _ => None,
                    }),
                    tags: dag
                        .kwarg("tags")
                        .and_then(|tags| tags.value.as_list())
                        .map(|tags| tags.iter().filter_map(|t| t.value.as_str()).collect())
                        .unwrap_or_default(),
                    on_failure_callback: match dag.default_arg("on_failure_callback") {
                        _ if dag.kwarg("on_failure_callback").is_some() => Some(true),
                        Ok(callback) => Some(callback.is_some()),
                        Err(_) => None,
                    },
                    email_on_failure: dag
                        .default_arg("email_on_failure")
                        .ok()
                        .flatten()
                        .and_then(|flag| flag.value.truthy()),
                    tasks,
                });
            }
        }
        dags.sort_by(|a, b| a.dag_id.cmp(&b.dag_id).then_with(|| a.file.cmp(&b.file)));
        let edges = edges(repo, &dags);
        let mut model_entries = Vec::new();
        for (index, project) in repo.projects.iter().enumerate() {
            let graph = &project.graph;
            let coverage = repo.coverage(index);
            for id in repo.schedulable_models(index) {
                let node = graph.node(id);
                let mut run_by: Vec<TaskRefEntry> = repo
                    .runs_of(index, id)
                    .filter_map(|run| {
                        let file = repo.dag_files.get(run.task.file)?;
                        let task = file.tasks.get(run.task.task)?;
                        let dag = task.dag.and_then(|d| file.dags.get(d));
                        Some(TaskRefEntry {
                            dag_id: dag.map_or("<no DAG>", |dag| dag.id()).to_owned(),
                            task_id: task.id().to_owned(),
                        })
                    })
                    .collect();
                run_by.sort();
                run_by.dedup();
                model_entries.push(ModelEntry {
                    project: project.name.clone(),
                    name: node.name.to_string(),
                    file: project.display(node.file.as_deref().unwrap_or_default()),
                    owner: graph.owner(node, &["owner".to_owned()]).map(|o| o.name),
                    coverage: match coverage.of(id) {
                        Some(ModelCoverage::Scheduled) => "scheduled",
                        Some(ModelCoverage::ManualOnly) => "manual-only",
                        Some(ModelCoverage::Unknown) => "unknown",
                        Some(ModelCoverage::Unscheduled) | None => "unscheduled",
                    },
                    run_by,
                });
            }
        }
        model_entries.sort_by(|a, b| a.file.cmp(&b.file).then_with(|| a.name.cmp(&b.name)));
        let models = model_entries.len();
        let scheduled = model_entries
            .iter()
            .filter(|m| !m.run_by.is_empty())
            .count();
        let models_with = |coverage: &str| -> Vec<ModelRef> {
            model_entries
                .iter()
                .filter(|model| model.coverage == coverage)
                .map(|model| ModelRef {
                    project: model.project.clone(),
                    name: model.name.clone(),
                    file: model.file.clone(),
                    owner: model.owner.clone(),
                })
                .collect()
        };
        let unscheduled = models_with("unscheduled");
        let unknown = models_with("unknown");
        let findings = findings::findings(repo, diagnostics, &model_entries);
        let mut resolved_tasks: std::collections::BTreeMap<crate::link::TaskRef, bool> =
            Default::default();
        for run in &repo.runs {
            *resolved_tasks.entry(run.task).or_insert(true) &=
                !matches!(run.resolution, Resolution::Unresolved { .. });
        }
        DataAppMap {
            version: VERSION,
            coverage: Coverage {
                models,
                models_scheduled: scheduled,
                models_unknown: unknown.len(),
                dbt_tasks: resolved_tasks.len(),
                dbt_tasks_resolved: resolved_tasks.values().filter(|r| **r).count(),
            },
            dags,
            edges,
            models: model_entries,
            unscheduled_models: unscheduled,
            unknown_models: unknown,
            inferred_paths: repo
                .inferred_paths
                .iter()
                .map(|mapping| InferredPath {
                    path: mapping.path.clone(),
                    repository_path: mapping.repo_path.clone(),
                })
                .collect(),
            findings,
        }
    }
}

/// One dbt call of a task; `group` prefixes the ids of the tasks a `DbtTaskGroup` renders.
fn dbt_entry(repo: &Monorepo, run: &crate::link::DbtRun, group: Option<&str>) -> DbtEntry {
    let call = repo.call_of(run);
    let selection = call.map(|call| {
        let mut parts: Vec<String> = call.select.iter().map(|s| s.value.clone()).collect();
        if !call.exclude.is_empty() {
            parts.push("--exclude".into());
            parts.extend(call.exclude.iter().map(|s| s.value.clone()));
        }
        if let Some(selector) = &call.selector {
            parts.push(format!("--selector {}", selector.value));
        }
        parts.join(" ")
    });
    let project = run.project.map(|p| repo.projects[p].name.clone());
    let (status, reason, counts, models) = match &run.resolution {
        Resolution::Selected { nodes, .. } => {
            let graph: &DbtGraph = &repo.projects[run.project.unwrap_or(0)].graph;
            let mut counts: Vec<(String, usize)> = Vec::new();
            let mut models = Vec::new();
            for &id in nodes {
                let node = graph.node(id);
                let kind = node.resource_type.as_str().to_owned();
                match counts.iter_mut().find(|(k, _)| *k == kind) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((kind, 1)),
                }
                if node.resource_type == ResourceType::Model {
                    models.push(node.name.to_string());
                }
            }
            counts.sort();
            models.sort();
            ("resolved", None, counts, models)
        }
        Resolution::Unresolved { reason, .. } => {
            ("unresolved", Some(reason.clone()), Vec::new(), Vec::new())
        }
        Resolution::Invalid { message, .. } => {
            ("invalid", Some(message.clone()), Vec::new(), Vec::new())
        }
        Resolution::NoSelection => ("no-selection", None, Vec::new(), Vec::new()),
    };
    let rendered_tasks = match &run.resolution {
        Resolution::Selected {
            rendered: Some(tasks),
            ..
        } => Some(
            tasks
                .iter()
                .map(|task| match group {
                    Some(group) => format!("{group}.{}", task.id),
                    None => task.id.clone(),
                })
                .collect(),
        ),
        _ => None,
    };
    DbtEntry {
        command: call.map(|c| c.command.as_str().to_owned()),
        selection: selection.unwrap_or_default(),
        project,
        status,
        reason,
        counts,
        models,
        rendered_tasks,
    }
}

/// The cross-DAG edges the tasks of every DAG declare, in file and line order.
fn edges(repo: &Monorepo, dags: &[DagEntry]) -> Vec<EdgeEntry> {
    let mut edges = Vec::new();
    for file in &repo.dag_files {
        for task in &file.tasks {
            let Some(dag) = task.dag.and_then(|d| file.dags.get(d)) else {
                continue;
            };
            let here = || Endpoint {
                dag_id: Some(dag.id().to_owned()),
                task_ids: vec![task.id().to_owned()],
            };
            let edge = |kind, upstream, downstream, dataset| EdgeEntry {
                kind,
                upstream,
                downstream,
                dataset,
                file: task.span().file.path().to_owned(),
                line: task.span().start_line_col().line,
            };
            for link in task_links(task) {
                match link {
                    TaskLink::WaitsFor { dag_id, task_ids } => edges.push(edge(
                        "waits-for",
                        Endpoint { dag_id, task_ids },
                        here(),
                        None,
                    )),
                    TaskLink::Triggers { dag_id } => edges.push(edge(
                        "triggers",
                        here(),
                        Endpoint {
                            dag_id,
                            task_ids: Vec::new(),
                        },
                        None,
                    )),
                    TaskLink::Updates { uri } => {
                        let consumers = dags
                            .iter()
                            .filter(|consumer| consumer.schedule.dataset_uris().contains(&&*uri));
                        for consumer in consumers {
                            edges.push(edge(
                                "dataset",
                                here(),
                                Endpoint {
                                    dag_id: Some(consumer.dag_id.clone()),
                                    task_ids: Vec::new(),
                                },
                                Some(uri.clone()),
                            ));
                        }
                    }
                }
            }
        }
    }
    edges.sort_by(|a, b| {
        (&a.file, a.line, &a.downstream.dag_id).cmp(&(&b.file, b.line, &b.downstream.dag_id))
    });
    edges
}

#[cfg(test)]
mod tests {
    use super::{DbtEntry, task_status};

    fn call(command: &str, status: &'static str, reason: Option<&str>) -> DbtEntry {
        DbtEntry {
            command: Some(command.to_owned()),
            selection: String::new(),
            project: Some("acme".to_owned()),
            status,
            reason: reason.map(str::to_owned),
            counts: Vec::new(),
            models: Vec::new(),
            rendered_tasks: None,
        }
    }

    /// `dbt deps && dbt run -s ...`: the task is what its `dbt run` is.
    #[test]
    fn calls_that_select_nothing_do_not_count() {
        let deps = || call("deps", "no-selection", None);
        assert_eq!(
            task_status(&[deps(), call("run", "resolved", None)]),
            ("resolved", None)
        );
        assert_eq!(task_status(&[deps()]), ("resolved", None));
        assert_eq!(
            task_status(&[
                deps(),
                call("run", "invalid", Some("dbt rejects it")),
                call("test", "unresolved", Some("from params")),
            ]),
            ("unresolved", Some("from params".to_owned()))
        );
        assert_eq!(
            task_status(&[
                call("run", "resolved", None),
                call("run", "invalid", Some("x"))
            ]),
            ("invalid", Some("x".to_owned()))
        );
    }
}
