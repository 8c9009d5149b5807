//! Synthetic monorepos of any size with the real manifest shape: the example project's
//! manifest (written by dbt) is replicated `replicas` times under `models/r<N>/`, with ids,
//! names, paths, fqns and dependencies rewritten per replica, and one DAG file per replica
//! (every tenth replica left without DAGs, so some models are unscheduled).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde_json::{Map, Value};

/// Collections whose entries are replicated.
const REPLICATED: [&str; 3] = ["nodes", "sources", "exposures"];

pub struct Sizes {
    pub models: usize,
    pub dag_files: usize,
}

/// Writes `dir/dbt/{dbt_project.yml,target/manifest.json}`, the project's files and
/// `dir/dags/*.py`.
pub fn generate(template: &Path, dir: &Path, sizes: &Sizes) -> std::io::Result<()> {
    let template: Map<String, Value> = serde_json::from_slice(&std::fs::read(template)?)?;
    let models_per_replica = template["nodes"]
        .as_object()
        .map_or(1, |nodes| {
            nodes
                .values()
                .filter(|n| n["resource_type"] == "model")
                .count()
        })
        .max(1);
    let replicas = sizes.models.div_ceil(models_per_replica);
    let project = dir.join("dbt");
    std::fs::create_dir_all(project.join("target"))?;
    std::fs::write(
        project.join("dbt_project.yml"),
        "name: acme\nversion: \"1.0.0\"\nconfig-version: 2\nprofile: acme\n",
    )?;
    write_manifest(&template, &project, replicas)?;
    let dags = dir.join("dags");
    std::fs::create_dir_all(&dags)?;
    for replica in 0..replicas.min(sizes.dag_files) {
        if replica % 10 == 9 {
            continue;
        }
        std::fs::write(
            dags.join(format!("pipeline_r{replica}.py")),
            dag_file(replica),
        )?;
    }
    Ok(())
}

/// Writes `project/target/manifest.json`, and each node's file (its code, with the checksum dbt
/// would record for it), so the project on disk matches the manifest as after `dbt parse`.
fn write_manifest(
    template: &Map<String, Value>,
    project: &Path,
    replicas: usize,
) -> std::io::Result<()> {
    let path = project.join("target/manifest.json");
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    out.write_all(b"{")?;
    let mut first_key = true;
    let mut parents: Vec<(String, Vec<String>)> = Vec::new();
    for (key, value) in template {
        if !first_key {
            out.write_all(b", ")?;
        }
        first_key = false;
        write_json(&mut out, key)?;
        out.write_all(b": ")?;
        match key.as_str() {
            collection if REPLICATED.contains(&collection) => {
                out.write_all(b"{")?;
                let mut first = true;
                for replica in 0..replicas {
                    for entry in value.as_object().into_iter().flat_map(|m| m.values()) {
                        let mut entry = rewrite(entry, replica);
                        if key == "nodes" {
                            write_node_file(project, &mut entry)?;
                        }
                        let id = entry["unique_id"].as_str().unwrap_or_default().to_owned();
                        let deps = entry["depends_on"]["nodes"]
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .filter_map(|v| v.as_str().map(str::to_owned))
                                    .collect()
                            })
                            .unwrap_or_default();
                        parents.push((id.clone(), deps));
                        if !first {
                            out.write_all(b", ")?;
                        }
                        first = false;
                        write_json(&mut out, &id)?;
                        out.write_all(b": ")?;
                        write_json(&mut out, &entry)?;
                    }
                }
                out.write_all(b"}")?;
            }
            "parent_map" | "child_map" => {
                // Written at the end, from the replicated dependencies.
                out.write_all(b"{}")?;
            }
            _ => write_json(&mut out, value)?,
        }
    }
    // The real parent and child maps (dbt writes both for every node).
    let mut children: std::collections::HashMap<&str, Vec<&str>> = std::collections::HashMap::new();
    for (id, deps) in &parents {
        children.entry(id).or_default();
        for dep in deps {
            children.entry(dep).or_default().push(id);
        }
    }
    out.write_all(b", \"parent_map_full\": {")?;
    for (i, (id, deps)) in parents.iter().enumerate() {
        if i > 0 {
            out.write_all(b", ")?;
        }
        write_json(&mut out, id)?;
        out.write_all(b": ")?;
        write_json(&mut out, deps)?;
    }
    out.write_all(b"}, \"child_map_full\": {")?;
    for (i, (id, _)) in parents.iter().enumerate() {
        if i > 0 {
            out.write_all(b", ")?;
        }
        write_json(&mut out, id)?;
        out.write_all(b": ")?;
        write_json(&mut out, &children[id.as_str()])?;
    }
    out.write_all(b"}}")?;
    out.flush()
}

/// Writes a node's file under the project: its code for SQL and Python files (recording the
/// checksum of what was written), an empty file for the seeds' CSV and the properties YAML of
/// generic tests.
fn write_node_file(project: &Path, entry: &mut Value) -> std::io::Result<()> {
    let Some(file) = entry["original_file_path"].as_str().map(str::to_owned) else {
        return Ok(());
    };
    let path = project.join(&file);
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder)?;
    }
    if file.ends_with(".sql") || file.ends_with(".py") {
        let code = entry["raw_code"].as_str().unwrap_or_default().to_owned();
        std::fs::write(&path, &code)?;
        entry["checksum"] = serde_json::json!({
            "name": "sha256",
            "checksum": monolint::dbt::checksum::file_checksum(&code),
        });
    } else if !path.exists() {
        std::fs::write(&path, "")?;
        if file.ends_with(".csv") {
            entry["checksum"] = serde_json::json!({
                "name": "sha256",
                "checksum": monolint::dbt::checksum::file_checksum(""),
            });
        }
    }
    Ok(())
}

/// `model.acme.stg_orders` → `model.acme.stg_orders_r7`; sources get `raw_r7`.
fn suffix_id(id: &str, replica: usize) -> String {
    let mut parts: Vec<String> = id.split('.').map(str::to_owned).collect();
    if parts.len() > 2 && !parts[0].starts_with("macro") {
        parts[2] = format!("{}_r{replica}", parts[2]);
    }
    parts.join(".")
}

fn rewrite(entry: &Value, replica: usize) -> Value {
    let mut entry = entry.clone();
    let Some(map) = entry.as_object_mut() else {
        return entry;
    };
    let is_source = map.get("resource_type").and_then(Value::as_str) == Some("source");
    let suffix = format!("_r{replica}");
    let folder = format!("r{replica}");
    if let Some(Value::String(id)) = map.get_mut("unique_id") {
        *id = suffix_id(id, replica);
    }
    if is_source {
        if let Some(Value::String(name)) = map.get_mut("source_name") {
            name.push_str(&suffix);
        }
    } else if let Some(Value::String(name)) = map.get_mut("name") {
        name.push_str(&suffix);
    }
    for key in ["path", "original_file_path"] {
        if let Some(Value::String(path)) = map.get_mut(key) {
            *path = insert_folder(path, &folder, !is_source, &suffix);
        }
    }
    if let Some(Value::String(patch)) = map.get_mut("patch_path") {
        let (package, file) = patch.split_once("://").unwrap_or(("acme", patch));
        *patch = format!(
            "{package}://{}",
            insert_folder(file, &folder, false, &suffix)
        );
    }
    if let Some(Value::Array(fqn)) = map.get_mut("fqn") {
        if fqn.len() > 1 {
            fqn.insert(1, Value::String(folder.clone()));
        }
        if !is_source && let Some(Value::String(last)) = fqn.last_mut() {
            last.push_str(&suffix);
        }
    }
    if let Some(Value::Array(deps)) = map.get_mut("depends_on").and_then(|d| d.get_mut("nodes")) {
        for dep in deps {
            if let Value::String(id) = dep {
                *id = suffix_id(id, replica);
            }
        }
    }
    entry
}

/// `models/staging/stg_orders.sql` → `models/r7/staging/stg_orders_r7.sql`.
fn insert_folder(path: &str, folder: &str, rename_file: bool, suffix: &str) -> String {
    let (top, rest) = path.split_once('/').unwrap_or(("", path));
    let rest = if rename_file {
        match rest.rsplit_once('.') {
            Some((stem, ext)) => format!("{stem}{suffix}.{ext}"),
            None => format!("{rest}{suffix}"),
        }
    } else {
        rest.to_owned()
    };
    if top.is_empty() {
        format!("{folder}/{rest}")
    } else {
        format!("{top}/{folder}/{rest}")
    }
}

/// A DAG file as teams write them: constants, default_args, BashOperators and a Cosmos group.
fn dag_file(r: usize) -> String {
    format!(
        r#""""Daily pipeline for business unit {r}: staging, finance and marketing marts."""

from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from cosmos import DbtTaskGroup, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import LoadMode

DBT_PROJECT_DIR = "/opt/airflow/dbt"
DBT = f"dbt --no-write-json"
INTERVAL_VARS = '{{"start_date": "{{{{ data_interval_start | ds }}}}", "end_date": "{{{{ data_interval_end | ds }}}}"}}'


def notify_failure(context):
    print("failed", context["task_instance"].task_id)


default_args = {{
    "owner": "unit-{r}-analytics",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "on_failure_callback": notify_failure,
}}

with DAG(
    dag_id="unit_{r}_daily",
    description="Daily dbt build for unit {r}",
    schedule="0 6 * * *",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["dbt", "unit-{r}"],
) as dag:
    start = EmptyOperator(task_id="start")

    staging = BashOperator(
        task_id="dbt_build_staging",
        bash_command=f"cd {{DBT_PROJECT_DIR}} && {{DBT}} build --select 'path:models/r{r}/staging path:models/r{r}/intermediate'",
    )

    finance = BashOperator(
        task_id="dbt_build_finance",
        bash_command=f"cd {{DBT_PROJECT_DIR}} && {{DBT}} build --select tag:finance_daily,path:models/r{r}/marts/finance --vars '{{INTERVAL_VARS}}'",
    )

    product = BashOperator(
        task_id="dbt_build_product",
        bash_command=DBT + " build --select r{r}.marts.product --exclude dim_products_history_r{r} --vars '" + INTERVAL_VARS + "'",
    )

    marketing = DbtTaskGroup(
        group_id="marketing",
        project_config=ProjectConfig(DBT_PROJECT_DIR, manifest_path=DBT_PROJECT_DIR + "/target/manifest.json"),
        profile_config=ProfileConfig(profile_name="acme", target_name="prod", profiles_yml_filepath=DBT_PROJECT_DIR + "/profiles.yml"),
        render_config=RenderConfig(select=["path:models/r{r}/marts/marketing"], load_method=LoadMode.DBT_MANIFEST),
        operator_args={{"vars": {{"start_date": "{{{{ data_interval_start | ds }}}}", "end_date": "{{{{ data_interval_end | ds }}}}"}}}},
    )

    start >> staging >> [finance, product, marketing]
"#
    )
}

/// A value as dbt writes it (Python's `json.dumps`): `", "` between items, `": "` after keys.
fn write_json<W: Write, T: serde::Serialize + ?Sized>(
    out: &mut W,
    value: &T,
) -> std::io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(out, DbtSpacing);
    value
        .serialize(&mut serializer)
        .map_err(std::io::Error::other)
}

struct DbtSpacing;

impl serde_json::ser::Formatter for DbtSpacing {
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
}
