//! Which models the DAGs keep fresh, and where monolint cannot tell.
//!
//! A model is refreshed by a `dbt run` or `dbt build` that selects it. When a task that may
//! refresh a project's models cannot be resolved (a dbt Cloud job, an opaque command), or when
//! no task of any DAG was seen refreshing the project at all, the project's unscheduled models
//! are "unknown", never "not scheduled": rules must not turn "monolint could not read this
//! task" into "this model never runs".

use std::collections::BTreeSet;

use super::{DbtRun, Monorepo, Resolution};
use crate::airflow::links::{TaskLink, task_links};
use crate::airflow::schedule::{AirflowVersion, Schedule};
use crate::dbt::command::DbtCommand;
use crate::dbt::graph::{NodeId, ResourceType};

/// How a model of a project is kept fresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelCoverage {
    /// A scheduled DAG (or one triggered by another DAG) refreshes it.
    Scheduled,
    /// Only DAGs that run when someone triggers them (`schedule=None`) refresh it.
    ManualOnly,
    /// No task refreshes it, and every task that could was resolved.
    Unscheduled,
    /// No resolved task refreshes it, but a task monolint could not resolve may, or no DAG task
    /// was seen refreshing any model of the project.
    Unknown,
}

/// Why a project's coverage is not known, when it is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unknown {
    /// These runs (indexes into `Monorepo::runs`) may refresh the project's models, and this
    /// many calls of DAG files look like they make dbt tasks but could not be read.
    Unresolved {
        runs: Vec<usize>,
        unread_calls: usize,
    },
    /// No DAG task refreshes any model of the project: its models are built elsewhere (dbt
    /// Cloud, CI, another orchestrator) or by tasks monolint does not recognise.
    NoRefreshingTask,
}

/// The coverage of one project's models.
#[derive(Debug)]
pub struct ProjectCoverage {
    pub unknown: Option<Unknown>,
    /// Per node index: the coverage of each schedulable model (`None` for other nodes).
    models: Vec<Option<ModelCoverage>>,
}

impl ProjectCoverage {
    pub fn of(&self, id: NodeId) -> Option<ModelCoverage> {
        self.models.get(id.index()).copied().flatten()
    }

    /// The schedulable models and their coverage.
    pub fn models(&self) -> impl Iterator<Item = (NodeId, ModelCoverage)> + '_ {
        self.models
            .iter()
            .enumerate()
            .filter_map(|(index, coverage)| Some((NodeId(index as u32), (*coverage)?)))
    }
}

/// Whether a call's command refreshes models (`run`, `build`; `retry` repeats one of them).
pub fn refreshes_models(command: &DbtCommand) -> bool {
    matches!(
        command,
        DbtCommand::Run | DbtCommand::Build | DbtCommand::Retry
    )
}

/// Whether a command writes a node of this type: models and snapshots are built by `run` /
/// `snapshot` and `build`, seeds loaded by `seed` and `build`.
pub fn writes(command: &DbtCommand, resource_type: ResourceType) -> bool {
    match resource_type {
        ResourceType::Model => refreshes_models(command),
        ResourceType::Snapshot => matches!(
            command,
            DbtCommand::Snapshot | DbtCommand::Build | DbtCommand::Retry
        ),
        ResourceType::Seed => matches!(command, DbtCommand::Seed | DbtCommand::Build),
        _ => false,
    }
}

impl Monorepo {
    /// Whether a run refreshes models (an unreadable call may).
    pub fn run_may_refresh_models(&self, run: &DbtRun) -> bool {
        self.call_of(run)
            .is_none_or(|call| refreshes_models(&call.command))
    }

    /// The coverage of every schedulable model of a project.
    pub fn coverage(&self, project: usize) -> ProjectCoverage {
        let manual_dags = self.manual_dags();
        let unresolved: Vec<usize> = self
            .runs
            .iter()
            .enumerate()
            .filter(|(_, run)| {
                matches!(run.resolution, Resolution::Unresolved { .. })
                    && run.project.is_none_or(|p| p == project)
                    && self.run_may_refresh_models(run)
            })
            .map(|(index, _)| index)
            .collect();
        let mut models = vec![None; self.projects[project].graph.len()];
        let mut any_refreshed = false;
        for id in self.schedulable_models(project) {
            let refreshing: Vec<&DbtRun> = self
                .runs_of(project, id)
                .filter(|run| self.run_may_refresh_models(run))
                .collect();
            let coverage = if refreshing.is_empty() {
                ModelCoverage::Unscheduled
            } else if refreshing.iter().all(|run| {
                self.dag_of(run.task)
                    .is_some_and(|dag| manual_dags.contains(dag.id()))
            }) {
                ModelCoverage::ManualOnly
            } else {
                ModelCoverage::Scheduled
            };
            any_refreshed |= coverage != ModelCoverage::Unscheduled;
            models[id.index()] = Some(coverage);
        }
        let unread_calls = self.dag_files.iter().map(|f| f.unread_dbt.len()).sum();
        let unknown = if !unresolved.is_empty() || unread_calls > 0 {
            Some(Unknown::Unresolved {
                runs: unresolved,
                unread_calls,
            })
        } else if !any_refreshed {
            Some(Unknown::NoRefreshingTask)
        } else {
            None
        };
        if unknown.is_some() {
            for coverage in models.iter_mut().flatten() {
                if *coverage == ModelCoverage::Unscheduled {
                    *coverage = ModelCoverage::Unknown;
                }
            }
        }
        ProjectCoverage { unknown, models }
    }

    /// The runs that write a node on the DAGs' schedules (indexes into `runs`): its command
    /// writes the node's type, not as a `--full-refresh` (a deliberate rebuild, not a second
    /// writer of the schedule), in a DAG that is not in `manual` (see [`Self::manual_dags`]).
    pub fn scheduled_writers(
        &self,
        project: usize,
        id: NodeId,
        manual: &BTreeSet<String>,
    ) -> Vec<usize> {
        let resource_type = self.projects[project].graph.node(id).resource_type;
        self.run_ids_of(project, id)
            .iter()
            .copied()
            .filter(|&index| {
                let run = &self.runs[index];
                let Some(call) = self.call_of(run) else {
                    return false;
                };
                writes(&call.command, resource_type)
                    && !call.full_refresh
                    && self
                        .dag_of(run.task)
                        .is_none_or(|dag| !manual.contains(dag.id()))
            })
            .collect()
    }

    /// The ids of DAGs that run only when triggered by hand: `schedule=None` (or no schedule
    /// on Airflow 3), and no task of any DAG triggers them. When a trigger's target cannot be
    /// read, no DAG counts as manual.
    pub fn manual_dags(&self) -> BTreeSet<String> {
        let mut triggered = BTreeSet::new();
        for file in &self.dag_files {
            for task in &file.tasks {
                for link in task_links(task) {
                    match link {
                        TaskLink::Triggers { dag_id: Some(id) } => {
                            triggered.insert(id);
                        }
                        TaskLink::Triggers { dag_id: None } => return BTreeSet::new(),
                        _ => {}
                    }
                }
            }
        }
        self.dag_files
            .iter()
            .flat_map(|file| {
                file.dags.iter().filter(move |dag| match Schedule::of(dag) {
                    Schedule::Manual => true,
                    Schedule::Default => file.airflow_version == Some(AirflowVersion::V3),
                    _ => false,
                })
            })
            .map(|dag| dag.id().to_owned())
            .filter(|id| !triggered.contains(id))
            .collect()
    }
}
