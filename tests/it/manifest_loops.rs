//! DAG files that build their tasks from `manifest.json`: the DAG files are read while the
//! dbt projects load, and those whose code opens the manifest (their own, or a helper's) are
//! read again with it. Each case must end with one task per model, as Airflow would make.

use serde_json::Value;

use crate::support::{Scratch, run_in};

const DAG_HEADER: &str = "from datetime import datetime\n\nfrom airflow import DAG\nfrom airflow.operators.bash import BashOperator\n";

/// The example's models that a `dbt run` of each builds (ephemeral ones are compiled into
/// their consumers), by name.
fn model_names(dir: &std::path::Path) -> Vec<String> {
    let (code, stdout, stderr) = run_in(
        dir,
        &[
            "ls",
            "--resource-type",
            "model",
            "--exclude",
            "config.materialized:ephemeral",
            "--output",
            "name",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let mut names: Vec<String> = stdout.lines().map(str::to_owned).collect();
    names.sort();
    names
}

/// The models each task of `dag_id` runs, per the map.
fn models_run_by(dir: &std::path::Path, dag_id: &str) -> Vec<String> {
    let (_, stdout, stderr) = run_in(dir, &["map", "--format", "json"]);
    let map: Value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stderr}"));
    let dag = map["dags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|dag| dag["dag_id"] == dag_id)
        .unwrap_or_else(|| panic!("no DAG {dag_id}: {stderr}"));
    let mut models: Vec<String> = dag["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|task| task["dbt"].as_array().unwrap())
        .flat_map(|call| call["models"].as_array().unwrap())
        .map(|model| model.as_str().unwrap().to_owned())
        .collect();
    models.sort();
    models
}

fn write(scratch: &Scratch, relative: &str, text: &str) {
    let path = scratch.path(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_dag_file_that_opens_the_manifest_itself() {
    let scratch = Scratch::example();
    write(
        &scratch,
        "dags/explode_own.py",
        &format!(
            "import json\nfrom pathlib import Path\n{DAG_HEADER}\n\
             with open(Path(__file__).parent.parent / \"dbt\" / \"target\" / \"manifest.json\") as f:\n    manifest = json.load(f)\n\n\
             with DAG(dag_id=\"explode_own\", schedule=\"@daily\", start_date=datetime(2024, 1, 1), catchup=False):\n\
             \x20   for node in manifest[\"nodes\"].values():\n\
             \x20       if node[\"resource_type\"] == \"model\":\n\
             \x20           BashOperator(task_id=node[\"name\"], bash_command=f\"dbt run --select {{node['name']}}\")\n"
        ),
    );
    let models = model_names(&scratch.0);
    assert!(models.len() > 10, "{models:?}");
    assert_eq!(models_run_by(&scratch.0, "explode_own"), models);
}

#[test]
fn a_dag_file_whose_helper_module_opens_the_manifest() {
    let scratch = Scratch::example();
    write(
        &scratch,
        "dags/include/manifest_models.py",
        "import json\nfrom pathlib import Path\n\n\n\
         def model_names():\n\
         \x20   path = Path(__file__).parent.parent.parent / \"dbt\" / \"target\" / \"manifest.json\"\n\
         \x20   with open(path) as f:\n\
         \x20       manifest = json.load(f)\n\
         \x20   return [node[\"name\"] for node in manifest[\"nodes\"].values() if node[\"resource_type\"] == \"model\"]\n",
    );
    write(
        &scratch,
        "dags/explode_helper.py",
        &format!(
            "{DAG_HEADER}from include.manifest_models import model_names\n\n\
             with DAG(dag_id=\"explode_helper\", schedule=\"@daily\", start_date=datetime(2024, 1, 1), catchup=False):\n\
             \x20   for name in model_names():\n\
             \x20       BashOperator(task_id=name, bash_command=f\"dbt run --select {{name}}\")\n"
        ),
    );
    let models = model_names(&scratch.0);
    assert_eq!(models_run_by(&scratch.0, "explode_helper"), models);
    // From the project's files, the same.
    std::fs::remove_file(scratch.path("dbt/target/manifest.json")).unwrap();
    assert_eq!(models_run_by(&scratch.0, "explode_helper"), models);
}
