//! Dependencies between DAGs that tasks declare: sensors waiting for another DAG's task,
//! operators triggering another DAG, and datasets (Airflow 3: assets) a task updates, which
//! schedule the DAGs that consume them.

use serde::Serialize;

use super::model::Task;
use super::schedule::Condition;
use super::value::Value;

/// What a task declares about other DAGs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TaskLink {
    /// `ExternalTaskSensor`/`ExternalTaskMarker`: waits for a run of another DAG (or some
    /// of its tasks, when `task_ids` is not empty).
    WaitsFor {
        dag_id: Option<String>,
        task_ids: Vec<String>,
    },
    /// `TriggerDagRunOperator`: starts a run of another DAG.
    Triggers { dag_id: Option<String> },
    /// `outlets=[Dataset(...)]`: updates a dataset when it succeeds.
    Updates { uri: String },
}

/// The links a task declares, in argument order.
pub fn task_links(task: &Task) -> Vec<TaskLink> {
    let call = &task.call;
    let mut links = Vec::new();
    let text = |name: &str| call.kwarg(name).and_then(|item| item.value.as_str());
    match call.name() {
        "ExternalTaskSensor" | "ExternalTaskMarker" | "ExternalTaskSensorAsync" => {
            let mut task_ids: Vec<String> = text("external_task_id").into_iter().collect();
            if let Some(Value::List(ids)) = call.kwarg("external_task_ids").map(|i| &i.value) {
                task_ids.extend(ids.iter().filter_map(|id| id.value.as_str()));
            }
            links.push(TaskLink::WaitsFor {
                dag_id: text("external_dag_id"),
                task_ids,
            });
        }
        "TriggerDagRunOperator" => links.push(TaskLink::Triggers {
            dag_id: text("trigger_dag_id"),
        }),
        _ => {}
    }
    if let Some(outlets) = call.kwarg("outlets") {
        let condition = Condition::from_item(outlets);
        links.extend(
            condition
                .dataset_uris()
                .into_iter()
                .map(|uri| TaskLink::Updates {
                    uri: uri.to_owned(),
                }),
        );
    }
    links
}
