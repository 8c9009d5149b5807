//! Which DAGs wait for which: sensors on another DAG, another DAG triggering this one, and
//! datasets (Airflow 3: assets) another DAG updates that this one is scheduled on. Anything
//! else orders DAGs only by the clock.

use std::collections::{BTreeMap, BTreeSet};

use super::links::{TaskLink, task_links};
use super::model::DagFile;
use super::schedule::Schedule;

/// The "runs after" relation between DAG ids.
#[derive(Debug, Default)]
pub struct DagOrdering {
    /// DAG → the DAGs it directly runs after.
    after: BTreeMap<String, BTreeSet<String>>,
    /// DAGs whose ordering cannot be read (a sensor or trigger naming a DAG monolint cannot
    /// evaluate, a schedule on datasets nobody in the repository updates).
    unknown: BTreeSet<String>,
}

impl DagOrdering {
    pub fn of(files: &[DagFile]) -> DagOrdering {
        let mut ordering = DagOrdering::default();
        // Dataset URI → the DAGs that update it.
        let mut updaters: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for file in files {
            for task in &file.tasks {
                let Some(dag) = task.dag.and_then(|index| file.dags.get(index)) else {
                    continue;
                };
                let dag_id = dag.id().to_owned();
                for link in task_links(task) {
                    match link {
                        TaskLink::WaitsFor {
                            dag_id: Some(other),
                            ..
                        } => {
                            ordering
                                .after
                                .entry(dag_id.clone())
                                .or_default()
                                .insert(other);
                        }
                        TaskLink::Triggers {
                            dag_id: Some(other),
                        } => {
                            ordering
                                .after
                                .entry(other)
                                .or_default()
                                .insert(dag_id.clone());
                        }
                        TaskLink::WaitsFor { dag_id: None, .. } => {
                            ordering.unknown.insert(dag_id.clone());
                        }
                        // A trigger of an unknown DAG may start any DAG after this one.
                        TaskLink::Triggers { dag_id: None } => {
                            ordering.unknown.insert("*".to_owned());
                        }
                        TaskLink::Updates { uri } => {
                            updaters.entry(uri).or_default().insert(dag_id.clone());
                        }
                    }
                }
            }
        }
        for file in files {
            for dag in &file.dags {
                let uris = match Schedule::of(dag) {
                    Schedule::Datasets { condition }
                    | Schedule::DatasetsOrTime { condition, .. } => condition
                        .dataset_uris()
                        .into_iter()
                        .map(str::to_owned)
                        .collect::<Vec<_>>(),
                    _ => continue,
                };
                let mut known = true;
                for uri in uris {
                    match updaters.get(&uri) {
                        Some(dags) => ordering
                            .after
                            .entry(dag.id().to_owned())
                            .or_default()
                            .extend(dags.iter().cloned()),
                        // Updated outside the repository's readable tasks (Cosmos emits
                        // datasets of its own): the DAG may wait for anything.
                        None => known = false,
                    }
                }
                if !known {
                    ordering.unknown.insert(dag.id().to_owned());
                }
            }
        }
        ordering
    }

    /// Whether `dag` runs after `upstream`, directly or through other DAGs; `None` when that
    /// cannot be read.
    pub fn waits_for(&self, dag: &str, upstream: &str) -> Option<bool> {
        if self.unknown.contains("*") {
            return None;
        }
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut stack = vec![dag];
        let mut unknown = false;
        while let Some(current) = stack.pop() {
            if !seen.insert(current) {
                continue;
            }
            unknown |= self.unknown.contains(current);
            for before in self.after.get(current).into_iter().flatten() {
                if before == upstream {
                    return Some(true);
                }
                stack.push(before);
            }
        }
        (!unknown).then_some(false)
    }
}
