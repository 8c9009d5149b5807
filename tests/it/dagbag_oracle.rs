//! Oracle tests for the Airflow side: what monolint extracts statically from the fixture DAG
//! folders against what real Airflow's `DagBag` loaded from them (recorded by
//! `scripts/record-dagbag.sh` into `tests/oracle/dagbag/`): DAG ids, owners, schedules,
//! retries, task ids, and every dbt-relevant argument value.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use monolint::airflow::invocations::wrapper::DbtWrappers;
use monolint::airflow::links::{TaskLink, task_links};
use monolint::airflow::parse::FileToRead;
use monolint::airflow::schedule::{AirflowVersion, Schedule, timezone};
use monolint::airflow::value::Value;
use monolint::airflow::{Dag, Task};
use monolint::link::{Monorepo, Resolution, TaskRef};
use monolint::repo_paths::RepoPaths;
use monolint::workspace::{PathMap, ProjectLocation, Workspace};
use serde_json::Value as Json;

use crate::support::repo_root;

/// Arguments compared per operator family, as the recorder names families.
const COMPARED_ARGS: &[(&str, &[&str])] = &[
    ("bash", &["bash_command", "cwd"]),
    ("kubernetes_pod", &["cmds", "arguments", "env_vars"]),
    ("docker", &["command", "entrypoint"]),
    ("ecs", &["overrides"]),
    ("cloud_run", &["overrides"]),
    ("azure_container_instances", &["command"]),
    (
        "airflow_dbt",
        &[
            "select",
            "models",
            "exclude",
            "vars",
            "dir",
            "target",
            "full_refresh",
        ],
    ),
    (
        "airflow_dbt_python",
        &[
            "select",
            "exclude",
            "selector",
            "vars",
            "project_dir",
            "target",
            "full_refresh",
            "resource_types",
        ],
    ),
    (
        "cosmos",
        &[
            "select",
            "exclude",
            "selector",
            "models",
            "vars",
            "dbt_cmd_flags",
        ],
    ),
    ("dbt_cloud", &["job_id", "steps_override"]),
    (
        "external_task_sensor",
        &["external_dag_id", "external_task_id"],
    ),
    ("trigger_dag_run", &["trigger_dag_id"]),
];

#[derive(Default)]
struct Tally {
    compared: BTreeMap<&'static str, usize>,
    unknown: Vec<String>,
    disagreements: Vec<String>,
}

impl Tally {
    fn check(&mut self, kind: &'static str, what: String, ours: Option<Json>, theirs: &Json) {
        *self.compared.entry(kind).or_default() += 1;
        match ours {
            None => self.unknown.push(what),
            Some(ours) if &ours == theirs => {}
            Some(ours) => self
                .disagreements
                .push(format!("{what}: monolint {ours}, Airflow {theirs}")),
        }
    }
}

/// The `.py` files of a DAG folder and its subfolders, sorted.
fn python_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            python_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "py") {
            out.push(path);
        }
    }
}

/// Which Airflow each fixture folder was recorded with (`scripts/record-dagbag.sh`).
fn airflow_of(folder: &str) -> AirflowVersion {
    match folder {
        "dags_airflow3" | "dags_factory" => AirflowVersion::V3,
        _ => AirflowVersion::V2,
    }
}

/// What monolint reads from a fixture DAG folder, as `check` reads it: the folder is the DAG
/// folder (its `.airflowignore` applies, its files import each other), the fixture dbt project
/// is the project, the fixtures' folder is the repository deployment paths are mapped onto,
/// and YAML DAG factories are expanded.
fn link_folder(folder: &str) -> Monorepo {
    let dir = repo_root().join("tests/fixtures/airflow").join(folder);
    let mut paths = Vec::new();
    python_files(&dir, &mut paths);
    let dag_files = paths
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(&dir).unwrap().with_extension("");
            let module = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(".");
            FileToRead {
                display: path
                    .strip_prefix(repo_root())
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
                module: Some(module),
                path,
            }
        })
        .collect();
    let project = repo_root().join("tests/fixtures/airflow/dbt");
    let mut path_map = PathMap::new([(
        "/opt/dbt".to_owned(),
        "tests/fixtures/airflow/dbt".to_owned(),
    )]);
    path_map.repository = std::sync::Arc::new(fixture_repository());
    let workspace = Workspace {
        root: repo_root().to_path_buf(),
        projects: vec![ProjectLocation {
            manifest: project.join("target/manifest.json"),
            dir: project,
            display_dir: "tests/fixtures/airflow/dbt".to_owned(),
            named: true,
            manifest_given: false,
            no_manifest: false,
        }],
        dag_files,
        path_map,
        wrappers: DbtWrappers::default(),
        airflow_version: Some(airflow_of(folder)),
        airflow_pinned: None,
        dag_factory_major: None,
        ignore_syntax: None,
        problems: Vec::new(),
    };
    let (repo, _) = monolint::link_workspace(&workspace, false).unwrap();
    repo
}

/// A value Airflow holds for an argument the call did not pass: its default.
fn is_default(value: &Json) -> bool {
    matches!(value, Json::Null | Json::Bool(false))
        || value.as_array().is_some_and(Vec::is_empty)
        || value
            .as_object()
            .is_some_and(|o| o.is_empty() || o.contains_key("not_set"))
        || value.as_str().is_some_and(str::is_empty)
        || is_decorator_placeholder(value)
}

/// What `@task.docker` / `@task.kubernetes` put in `command`/`cmds` before the decorated
/// function's own command replaces it at run time.
fn is_decorator_placeholder(value: &Json) -> bool {
    let placeholder = |v: &Json| v.as_str().is_some_and(|s| s.starts_with("placeholder"));
    placeholder(value)
        || value
            .as_array()
            .is_some_and(|a| a.len() == 1 && placeholder(&a[0]))
}

/// A fully known value as JSON, to compare with what Airflow recorded.
fn json_of(value: &Value) -> Option<Json> {
    Some(match value {
        Value::Str(text) => Json::String(text.known()?),
        Value::Int(n) => Json::from(*n),
        Value::Float(x) => Json::from(*x),
        Value::Bool(flag) => Json::Bool(*flag),
        Value::None => Json::Null,
        Value::List(items) => Json::Array(
            items
                .iter()
                .map(|item| json_of(&item.value))
                .collect::<Option<_>>()?,
        ),
        Value::Dict(pairs) => {
            let mut map = serde_json::Map::new();
            for (key, value) in pairs.iter() {
                map.insert(key.value.as_str()?, json_of(&value.value)?);
            }
            Json::Object(map)
        }
        _ => return None,
    })
}

fn task_owner(task: &Task) -> Option<Json> {
    match task.call.kwarg("owner") {
        Some(owner) => json_of(&owner.value),
        None => Some(Json::from("airflow")),
    }
}

fn compare_folder(folder: &str, tally: &mut Tally) {
    let record: Json = serde_json::from_str(
        &std::fs::read_to_string(
            repo_root()
                .join("tests/oracle/dagbag")
                .join(format!("{folder}.json")),
        )
        .unwrap(),
    )
    .unwrap();
    let repo = link_folder(folder);
    let mut ours: BTreeMap<String, (usize, usize, &Dag)> = BTreeMap::new();
    for (file_index, file) in repo.dag_files.iter().enumerate() {
        for (index, dag) in file.dags.iter().enumerate() {
            ours.insert(dag.id().to_owned(), (file_index, index, dag));
        }
    }
    let theirs: Vec<&Json> = record["dags"].as_array().unwrap().iter().collect();
    let their_ids: BTreeSet<String> = theirs
        .iter()
        .map(|d| d["dag_id"].as_str().unwrap().to_owned())
        .collect();
    let our_ids: BTreeSet<String> = ours.keys().cloned().collect();
    for missing in their_ids.difference(&our_ids) {
        tally
            .disagreements
            .push(format!("[{folder}] DAG `{missing}` not found by monolint"));
    }
    for extra in our_ids.difference(&their_ids) {
        tally.disagreements.push(format!(
            "[{folder}] monolint found DAG `{extra}`, Airflow did not"
        ));
    }
    *tally.compared.entry("dag ids").or_default() += their_ids.len();

    for dag_record in theirs {
        let dag_id = dag_record["dag_id"].as_str().unwrap();
        let Some(&(file_index, dag_index, dag)) = ours.get(dag_id) else {
            continue;
        };
        let file = &repo.dag_files[file_index];
        let here = format!("[{folder}] {dag_id}");
        if let Some(args) = dag_record["default_args"].as_object() {
            if let Some(recorded) = args.get("has_on_failure_callback") {
                let ours = match dag.default_arg("on_failure_callback") {
                    Ok(callback) => Some(Json::Bool(callback.is_some())),
                    Err(_) => None,
                };
                tally.check(
                    "dag alerting",
                    format!("{here} default_args.on_failure_callback"),
                    ours,
                    recorded,
                );
            }
            for key in ["owner", "retries", "email_on_failure"] {
                if let Some(value) = args.get(key) {
                    let ours = match dag.default_arg(key) {
                        Ok(Some(item)) => json_of(&item.value),
                        Ok(None) => Some(Json::Null),
                        Err(_) => None,
                    };
                    tally.check(
                        "dag default_args",
                        format!("{here} default_args.{key}"),
                        ours,
                        value,
                    );
                }
            }
        }
        if let Some(schedule) = dag_record["schedule"].as_str()
            && let Some(item) = dag
                .kwarg("schedule")
                .or_else(|| dag.kwarg("schedule_interval"))
            && let Value::Str(_) = item.value
        {
            tally.check(
                "dag schedule",
                format!("{here} schedule"),
                json_of(&item.value),
                &Json::from(schedule),
            );
        }
        tally.check(
            "dag alerting",
            format!("{here} on_failure_callback"),
            Some(Json::Bool(dag.kwarg("on_failure_callback").is_some())),
            &dag_record["has_dag_on_failure_callback"],
        );
        let version = airflow_of(folder);
        if let Some(recorded) = dag_record["timetable"].as_str() {
            let ours = timezone(dag)
                .and_then(|zone| Schedule::of(dag).timetable(version, &zone))
                .map(|timetable| timetable_json(&timetable.class, &timetable.params));
            tally.check(
                "dag timetable",
                format!("{here} timetable"),
                ours.clone(),
                &recorded_timetable(recorded, ours.as_ref()),
            );
        }
        // Airflow 2 catches up by default, Airflow 3 does not; 16 runs at once by default.
        let catchup = match dag.kwarg("catchup") {
            Some(item) => json_of(&item.value),
            None => Some(Json::Bool(version == AirflowVersion::V2)),
        };
        tally.check(
            "dag catchup",
            format!("{here} catchup"),
            catchup,
            &dag_record["catchup"],
        );
        let max_active_runs = match dag.kwarg("max_active_runs") {
            Some(item) => json_of(&item.value),
            None => Some(Json::from(16)),
        };
        tally.check(
            "dag max_active_runs",
            format!("{here} max_active_runs"),
            max_active_runs,
            &dag_record["max_active_runs"],
        );
        if let Some(item) = dag.kwarg("tags") {
            let ours = json_of(&item.value).map(|tags| {
                let mut tags: Vec<Json> = tags.as_array().cloned().unwrap_or_default();
                tags.sort_by_key(|t| t.to_string());
                Json::Array(tags)
            });
            tally.check(
                "dag tags",
                format!("{here} tags"),
                ours,
                &dag_record["tags"],
            );
        }

        // Tasks: Cosmos renders its groups into one task per dbt node; monolint keeps one task
        // per rendering, so rendered tasks are left out of the task comparison.
        let our_tasks: Vec<&Task> = file
            .tasks
            .iter()
            .filter(|t| t.dag == Some(dag_index) && !is_cosmos_rendering(t))
            .collect();
        let rendered_groups: Vec<String> = file
            .tasks
            .iter()
            .filter(|t| t.dag == Some(dag_index) && is_cosmos_rendering(t))
            .filter_map(|t| t.task_id.clone())
            .collect();
        let their_tasks: Vec<&Json> = dag_record["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t.get("dbt_node").is_none())
            .filter(|t| {
                let id = t["task_id"].as_str().unwrap_or_default();
                !rendered_groups
                    .iter()
                    .any(|group| id.starts_with(&format!("{group}.")))
            })
            .filter(|t| {
                !t["task_id"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("dbt_producer_watcher")
            })
            .collect();
        compare_renderings(&repo, file_index, dag_index, dag_record, &here, tally);
        if is_cosmos_dag(dag) {
            continue;
        }
        let their_task_ids: BTreeSet<&str> = their_tasks
            .iter()
            .map(|t| t["task_id"].as_str().unwrap())
            .collect();
        let our_task_ids: BTreeSet<&str> = our_tasks.iter().map(|t| t.id()).collect();
        *tally.compared.entry("task ids").or_default() += their_task_ids.len();
        for missing in their_task_ids.difference(&our_task_ids) {
            tally
                .disagreements
                .push(format!("{here}: task `{missing}` not found by monolint"));
        }
        for extra in our_task_ids.difference(&their_task_ids) {
            tally.disagreements.push(format!(
                "{here}: monolint found task `{extra}`, Airflow did not"
            ));
        }
        for task_record in their_tasks {
            let task_id = task_record["task_id"].as_str().unwrap();
            let Some(task) = our_tasks.iter().find(|t| t.id() == task_id) else {
                continue;
            };
            let at = format!("{here}.{task_id}");
            tally.check(
                "task owner",
                format!("{at} owner"),
                task_owner(task),
                &task_record["owner"],
            );
            // Dependencies inside a DAG are read for DAGs declared in YAML.
            if dag.kind.from_yaml() {
                tally.check(
                    "task upstream",
                    format!("{at} upstream"),
                    Some(Json::from(task.upstream.clone())),
                    &task_record["upstream"],
                );
            }
            if let Some(retries) = task.call.kwarg("retries") {
                tally.check(
                    "task retries",
                    format!("{at} retries"),
                    json_of(&retries.value),
                    &task_record["retries"],
                );
            }
            // Datasets the task updates (Cosmos' own dataset aliases are not written by users).
            let mut their_outlets: Vec<Json> = task_record["outlets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|uri| !uri.as_str().unwrap_or_default().starts_with("alias:"))
                .cloned()
                .collect();
            their_outlets.sort_by_key(|uri| uri.to_string());
            let mut our_outlets: Vec<Json> = task_links(task)
                .into_iter()
                .filter_map(|link| match link {
                    TaskLink::Updates { uri } => Some(Json::from(uri)),
                    _ => None,
                })
                .collect();
            our_outlets.sort_by_key(|uri| uri.to_string());
            if !their_outlets.is_empty() || !our_outlets.is_empty() {
                tally.check(
                    "task outlets",
                    format!("{at} outlets"),
                    Some(Json::Array(our_outlets)),
                    &Json::Array(their_outlets),
                );
            }
            let families: Vec<&str> = task_record["families"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f.as_str())
                .collect();
            for (family, keys) in COMPARED_ARGS {
                if !families.contains(family) {
                    continue;
                }
                for key in *keys {
                    let Some(value) = task_record["args"]
                        .get(*key)
                        .or_else(|| task_record.get(*key))
                    else {
                        continue;
                    };
                    let ours = std::iter::once(*key)
                        .chain(aliases(family, key).iter().copied())
                        .find_map(|name| task.call.kwarg(name));
                    match ours {
                        Some(item) => tally.check(
                            "task arguments",
                            format!("{at} {key}"),
                            json_of(&item.value),
                            value,
                        ),
                        None if is_default(value) => {}
                        None => tally
                            .disagreements
                            .push(format!("{at} {key}: monolint has none, Airflow {value}")),
                    }
                }
            }
        }
    }
}

/// A timetable as `{"class": ..., <params>}`, the class without its module.
fn timetable_json(class: &str, params: &Json) -> Json {
    let mut object = params.as_object().cloned().unwrap_or_default();
    object.insert("class".into(), Json::from(class));
    Json::Object(object)
}

/// The recorded timetable (`airflow.timetables.interval.CronDataIntervalTimetable({...})`)
/// in the shape of ours, keeping only the parameters monolint models.
fn recorded_timetable(recorded: &str, ours: Option<&Json>) -> Json {
    let (path, params) = recorded.split_once('(').unwrap();
    let class = path.rsplit('.').next().unwrap();
    let params: Json = serde_json::from_str(params.strip_suffix(')').unwrap())
        .unwrap_or(Json::Object(Default::default()));
    let mut object = serde_json::Map::new();
    object.insert("class".into(), Json::from(class));
    let wanted = ours.and_then(Json::as_object).cloned().unwrap_or_default();
    for key in wanted.keys().filter(|k| *k != "class") {
        let value = match key.as_str() {
            "condition" => params
                .get("dataset_condition")
                .or_else(|| params.get("asset_condition"))
                .map(condition_uris)
                .unwrap_or(Json::Null),
            "timetable" => {
                let inner = &params["timetable"];
                let path = inner["__type"].as_str().unwrap_or_default();
                let text = format!("{path}({})", inner["__var"]);
                recorded_timetable(&text, wanted.get("timetable"))
            }
            _ => params.get(key).cloned().unwrap_or(Json::Null),
        };
        object.insert(key.clone(), value);
    }
    Json::Object(object)
}

/// Airflow's serialized dataset condition as nested `{"all"|"any": [...]}` of URIs.
fn condition_uris(condition: &Json) -> Json {
    let kind = condition["__type"].as_str().unwrap_or_default();
    let objects = || {
        Json::Array(
            condition["objects"]
                .as_array()
                .unwrap()
                .iter()
                .map(condition_uris)
                .collect(),
        )
    };
    match kind {
        "dataset_all" | "asset_all" => serde_json::json!({"all": objects()}),
        "dataset_any" | "asset_any" => serde_json::json!({"any": objects()}),
        _ => condition["uri"].clone(),
    }
}

/// Older names an operator still accepts for an argument Airflow records under its new name.
fn aliases(family: &str, key: &str) -> &'static [&'static str] {
    match (family, key) {
        ("airflow_dbt_python", "select") => &["models"],
        ("airflow_dbt_python", "selector") => &["selector_name"],
        _ => &[],
    }
}

/// Every file of the fixtures' folder (and the manifest, which `check` adds as well), as the
/// repository deployment paths are mapped onto.
fn fixture_repository() -> RepoPaths {
    let mut paths = RepoPaths::default();
    let mut pending = vec![repo_root().join("tests/fixtures/airflow")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(repo_root()).unwrap().to_string_lossy();
                paths.insert(&relative.replace('\\', "/"));
            }
        }
    }
    paths
}

/// The tasks Cosmos renders for each `DbtDag`/`DbtTaskGroup` of a DAG against those Airflow
/// loaded: task ids, the dbt node each stands for, and owners.
fn compare_renderings(
    repo: &Monorepo,
    file_index: usize,
    dag_index: usize,
    dag_record: &Json,
    here: &str,
    tally: &mut Tally,
) {
    let file = &repo.dag_files[file_index];
    let their_tasks: BTreeMap<&str, &Json> = dag_record["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["task_id"].as_str().unwrap(), t))
        .collect();
    for (task_index, task) in file.tasks.iter().enumerate() {
        if task.dag != Some(dag_index) || !is_cosmos_rendering(task) {
            continue;
        }
        let task_ref = TaskRef {
            file: file_index,
            task: task_index,
        };
        let prefix = match &task.task_id {
            Some(group) => format!("{group}."),
            None => String::new(),
        };
        let graph = &repo.projects[0].graph;
        let rendered = repo.runs.iter().find_map(|run| match &run.resolution {
            Resolution::Selected { rendered, .. } if run.task == task_ref => rendered.as_ref(),
            _ => None,
        });
        let Some(rendered) = rendered else {
            tally
                .unknown
                .push(format!("{here}: the tasks of rendering `{}`", task.id()));
            continue;
        };
        // The owner the rendering passes on: its own `default_args`, else the DAG's.
        let passed_owner = task
            .call
            .kwarg("default_args")
            .and_then(|args| args.value.get("owner"))
            .or_else(|| task.call.kwarg("owner"))
            .and_then(|owner| owner.value.as_str())
            .unwrap_or_else(|| "airflow".to_owned());
        let ours: BTreeMap<String, (Option<String>, String)> = rendered
            .iter()
            .map(|t| {
                // Cosmos keeps the node in the tasks that run dbt; its empty tasks (ephemeral
                // models, sources without freshness) record none.
                let node = t
                    .node
                    .filter(|_| t.command.is_some())
                    .map(|n| graph.node(n).unique_id.to_string());
                let owner = t
                    .node
                    .filter(|_| t.node_owner)
                    .and_then(|n| {
                        graph
                            .meta(graph.node(n))
                            .get("owner")?
                            .as_str()
                            .map(str::to_owned)
                    })
                    .filter(|owner| !owner.is_empty())
                    .unwrap_or_else(|| passed_owner.clone());
                (format!("{prefix}{}", t.id), (node, owner))
            })
            .collect();
        // Airflow's tasks of this rendering: inside its group, or (a DbtDag) the whole DAG,
        // without the watcher's producer task, which monolint does not render.
        let theirs: BTreeMap<&str, &Json> = their_tasks
            .iter()
            .filter(|(id, _)| prefix.is_empty() || id.starts_with(&prefix))
            .filter(|(id, record)| {
                !id.contains("dbt_producer_watcher")
                    && (record.get("dbt_node").is_some() || is_cosmos_operator(record))
            })
            .map(|(id, record)| (*id, *record))
            .collect();
        *tally.compared.entry("cosmos task ids").or_default() += theirs.len();
        for (id, record) in &theirs {
            let Some((node, owner)) = ours.get(*id) else {
                tally.disagreements.push(format!(
                    "{here}: Cosmos task `{id}` not rendered by monolint"
                ));
                continue;
            };
            tally.check(
                "cosmos task nodes",
                format!("{here}.{id} dbt node"),
                Some(node.clone().map_or(Json::Null, Json::from)),
                record.get("dbt_node").unwrap_or(&Json::Null),
            );
            tally.check(
                "cosmos task owners",
                format!("{here}.{id} owner"),
                Some(Json::from(owner.as_str())),
                &record["owner"],
            );
        }
        for id in ours.keys() {
            if !theirs.contains_key(id.as_str()) {
                tally.disagreements.push(format!(
                    "{here}: monolint rendered task `{id}`, Cosmos did not"
                ));
            }
        }
    }
}

/// A task Cosmos created (`cosmos.operators...`), as opposed to one the DAG file wrote.
fn is_cosmos_operator(record: &Json) -> bool {
    record["operator"].as_str().is_some_and(|operator| {
        operator.starts_with("cosmos.") || operator.ends_with("EmptyOperator")
    })
}

fn is_cosmos_rendering(task: &Task) -> bool {
    matches!(task.call.name(), "DbtTaskGroup" | "DbtDag")
}

fn is_cosmos_dag(dag: &Dag) -> bool {
    dag.kind == monolint::airflow::DagKind::CosmosDbtDag
}

#[test]
fn extraction_agrees_with_airflow_dagbag() {
    let mut tally = Tally::default();
    for folder in [
        "dags",
        "dags_airflow3",
        "dags_gusty",
        "dags_factory_v0",
        "dags_factory",
    ] {
        compare_folder(folder, &mut tally);
    }
    let total: usize = tally.compared.values().sum();
    println!("DagBag oracle: {} values compared", total);
    for (kind, count) in &tally.compared {
        println!("  {kind}: {count}");
    }
    println!(
        "  unknown to monolint (not guessed): {}",
        tally.unknown.len()
    );
    for unknown in &tally.unknown {
        println!("    {unknown}");
    }
    println!("  disagreements: {}", tally.disagreements.len());
    for disagreement in &tally.disagreements {
        println!("    {disagreement}");
    }
    // Every value the fixtures set statically is one monolint must know.
    assert!(
        tally.unknown.is_empty(),
        "monolint could not evaluate {} values",
        tally.unknown.len()
    );
    assert!(
        tally.disagreements.is_empty(),
        "{} disagreements with Airflow:\n{}",
        tally.disagreements.len(),
        tally.disagreements.join("\n")
    );
}
