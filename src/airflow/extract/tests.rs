//! The extractor on small DAG files written as users write them.

use super::*;

/// A Python file parsed as the DAG folders' files are.
fn parse(path: &str, code: &str) -> (Arc<SourceFile>, Tree) {
    let source = SourceFile::new(path, code.to_owned());
    let tree = crate::airflow::grammar::parse(source.text());
    (source, tree)
}
use crate::airflow::eval::MAX_NESTING;
use crate::airflow::invocations::wrapper::{DbtWrappers, Wrapper};

/// The dbt command lines (rendered select tokens) each task of `code` runs.
fn selections(code: &str) -> Vec<(String, Vec<String>)> {
    let (source, tree) = parse("dags/t.py", code);
    let file = extract_file(source, &tree, None);
    file.tasks
        .iter()
        .map(|task| {
            let selects = task
                .dbt_calls
                .iter()
                .flat_map(|call| {
                    call.select
                        .iter()
                        .map(|s| format!("{} {}", call.command, s.value))
                })
                .collect();
            (task.id().to_owned(), selects)
        })
        .collect()
}

#[test]
fn string_building() {
    let code = r#"
from airflow import DAG
from airflow.operators.bash import BashOperator
TEMPLATE = "dbt {command} --select {select}"
PCT = "dbt test --select %s --target %s"
with DAG("d") as dag:
    BashOperator(task_id="fmt", bash_command=TEMPLATE.format(command="run", select="tag:a"))
    BashOperator(task_id="pct", bash_command=PCT % ("tag:b", "prod"))
    BashOperator(task_id="join", bash_command=" ".join(["dbt", "build", "-s", "tag:c"]))
"#;
    assert_eq!(
        selections(code),
        [
            ("fmt".to_owned(), vec!["run tag:a".to_owned()]),
            ("pct".to_owned(), vec!["test tag:b".to_owned()]),
            ("join".to_owned(), vec!["build tag:c".to_owned()]),
        ]
    );
}

#[test]
fn helper_functions_and_wrappers() {
    let code = r#"
from airflow import DAG
from airflow.operators.bash import BashOperator

def dbt_cmd(command, select, target="prod"):
    flags = f"--target {target}"
    return f"dbt {command} --select {select} {flags}"

def dbt_task(task_id, dbt_args):
    return BashOperator(task_id=task_id, bash_command="dbt " + " ".join(dbt_args))

with DAG("d") as dag:
    BashOperator(task_id="helper", bash_command=dbt_cmd("run", "tag:x"))
    dbt_task("wrapped", ["build", "--select", "tag:y"])
"#;
    assert_eq!(
        selections(code),
        [
            ("helper".to_owned(), vec!["run tag:x".to_owned()]),
            ("wrapped".to_owned(), vec!["build tag:y".to_owned()]),
        ]
    );
}

#[test]
fn loops_over_dict_items() {
    let code = r#"
from airflow import DAG
from airflow.operators.bash import BashOperator
SELECTIONS = {"a": "run -s tag:a", "b": "test -s tag:b"}
with DAG("d") as dag:
    for name, args in SELECTIONS.items():
        BashOperator(task_id=name, bash_command=f"dbt {args}")
"#;
    assert_eq!(
        selections(code),
        [
            ("a".to_owned(), vec!["run tag:a".to_owned()]),
            ("b".to_owned(), vec!["test tag:b".to_owned()])
        ]
    );
}

#[test]
fn operator_subclasses_build_their_base_operator() {
    let code = r#"
from airflow import DAG
from airflow.operators.bash import BashOperator

class DbtOperator(BashOperator):
    def __init__(self, *, select=None, full_refresh=False, **kwargs):
        parts = ["dbt", "build"]
        if select:
            parts += ["--select", select]
        if full_refresh:
            parts.append("--full-refresh")
        super().__init__(bash_command=" ".join(parts), **kwargs)

class Plain(BashOperator):
    template_fields = ("bash_command",)

with DAG("d") as dag:
    DbtOperator(task_id="narrow", select="tag:x")
    DbtOperator(task_id="everything")
    Plain(task_id="plain", bash_command="dbt run -s tag:y")
"#;
    assert_eq!(
        selections(code),
        [
            ("narrow".to_owned(), vec!["build tag:x".to_owned()]),
            ("everything".to_owned(), vec![]),
            ("plain".to_owned(), vec!["run tag:y".to_owned()]),
        ]
    );
}

#[test]
fn known_loops_follow_their_conditions() {
    let code = r#"
from airflow import DAG
from airflow.operators.bash import BashOperator
MODELS = ["model.p.a", "seed.p.b", "model.p.c", "model.p.stop", "model.p.d"]
with DAG("d") as dag:
    for unique_id in MODELS:
        kind, _, name = unique_id.split(".")
        if kind != "model":
            continue
        if name == "stop":
            break
        BashOperator(task_id=name, bash_command=f"dbt run -s {name}")
    finance = sorted(m.split(".")[-1] for m in MODELS if m.startswith("model.") and "c" in m)
    BashOperator(task_id="finance", bash_command="dbt test -s " + " ".join(finance))
"#;
    assert_eq!(
        selections(code),
        [
            ("a".to_owned(), vec!["run a".to_owned()]),
            ("c".to_owned(), vec!["run c".to_owned()]),
            ("finance".to_owned(), vec!["test c".to_owned()]),
        ]
    );
}

#[test]
fn python_tasks_that_start_dbt() {
    let code = r#"
import subprocess, sys
from pathlib import Path
from airflow import DAG
from airflow.decorators import task
from airflow.operators.python import PythonOperator

def staging():
    from dbt.cli.main import dbtRunner
    dbtRunner().invoke(["build", "--select", "tag:staging"], full_refresh=True)

def not_dbt():
    print("hello")

with DAG("d") as dag:
    PythonOperator(task_id="runner", python_callable=staging)
    PythonOperator(task_id="plain", python_callable=not_dbt)

    @task
    def loop(ds=None):
        runner = dbtRunner()
        for layer in ["a", "b"]:
            runner.invoke(["run", "-s", f"tag:{layer}"], target="prod")

    @task
    def shell():
        dbt = str(Path(sys.executable).parent / "dbt")
        subprocess.run([dbt, "test", "-s", "tag:c"], cwd="/opt/dbt", check=True)
        subprocess.run("dbt seed -s raw", shell=True)
        subprocess.run(["echo", "dbt run -s tag:x"])

    loop()
    shell()
"#;
    assert_eq!(
        selections(code),
        [
            ("runner".to_owned(), vec!["build tag:staging".to_owned()]),
            ("plain".to_owned(), vec![]),
            (
                "loop".to_owned(),
                vec!["run tag:a".to_owned(), "run tag:b".to_owned()]
            ),
            (
                "shell".to_owned(),
                vec!["test tag:c".to_owned(), "seed raw".to_owned()]
            ),
        ]
    );
}

#[test]
fn declared_wrappers_name_their_tasks_and_arguments() {
    let code = r#"
from acme.dbt import dbt_task
from airflow import DAG
with DAG("d") as dag:
    dbt_task("daily", "build -s tag:a", project="/opt/dbt")
    dbt_task("hourly", dbt_args=["dbt", "run", "-s", "tag:b"])
"#;
    let wrappers = DbtWrappers {
        operators: vec![Wrapper {
            name: "acme.dbt.dbt_task".into(),
            argument: "dbt_args".into(),
            position: Some(1),
            project_dir_argument: Some("project".into()),
            task_id_position: Some(0),
        }],
        decorators: Vec::new(),
    };
    let modules = Modules::new(None, &wrappers);
    let (source, tree) = parse("dags/t.py", code);
    let file = extract_file(source, &tree, Some(&modules));
    let tasks: Vec<(&str, String, Option<String>)> = file
        .tasks
        .iter()
        .map(|task| {
            let call = &task.dbt_calls[0];
            (
                task.id(),
                call.select.iter().map(|s| s.value.clone()).collect(),
                call.project_dir.as_ref().map(|dir| dir.value.clone()),
            )
        })
        .collect();
    assert_eq!(
        tasks,
        [
            ("daily", "tag:a".to_owned(), Some("/opt/dbt".to_owned())),
            ("hourly", "tag:b".to_owned(), None),
        ]
    );
}

#[test]
fn helpers_update_dicts() {
    let code = r#"
from airflow import DAG
from airflow.operators.bash import BashOperator
BASE = {"owner": "x", "retries": 2}
def args_for(team, **overrides):
    """doc"""
    args = dict(BASE, owner=team)
    args.update(overrides)
    return args
with DAG("d", default_args=args_for("t", retries=4)) as dag:
    BashOperator(task_id="a", bash_command="dbt run")
"#;
    let (source, tree) = parse("dags/t.py", code);
    let file = extract_file(source, &tree, None);
    let arg = |key| {
        file.dags[0]
            .default_arg(key)
            .unwrap()
            .unwrap()
            .value
            .describe()
    };
    assert_eq!(
        (arg("owner"), arg("retries")),
        ("t".to_owned(), "4".to_owned())
    );
}

/// A DAG file holding `body` (one statement) before a DAG with one task.
fn deep_file(body: &str) -> String {
    format!(
        "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n{body}\n\
         with DAG('deep') as dag:\n    BashOperator(task_id='t', bash_command='dbt run')\n"
    )
}

/// Extracts `code` on a thread with the stack of a rayon worker (2 MiB), as `check` does.
fn extract_on_worker_stack(code: String) -> DagFile {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let (source, tree) = parse("dags/deep.py", &code);
            extract_file(source, &tree, None)
        })
        .unwrap()
        .join()
        .unwrap()
}

/// The line a file's warning names (`dags/deep.py:LINE:COLUMN: ...`).
fn warned_line(file: &DagFile) -> Option<usize> {
    let [warning] = file.problems.as_slice() else {
        return None;
    };
    assert_eq!(warning.severity, crate::diagnostic::Severity::Warning);
    warning.message.split(':').nth(1)?.parse().ok()
}

#[test]
fn deeply_nested_code_is_unknown_with_one_warning() {
    // The sizes that overflowed a worker's stack, and ten times them.
    for scale in [1, 10] {
        let shapes = [
            (
                "calls",
                format!(
                    "X = {}1{}",
                    "f(".repeat(1_100 * scale),
                    ")".repeat(1_100 * scale)
                ),
            ),
            (
                "lists",
                format!(
                    "X = {}1{}",
                    "[".repeat(1_900 * scale),
                    "]".repeat(1_900 * scale)
                ),
            ),
            (
                "dicts",
                format!(
                    "X = {}1{}",
                    "{'a': ".repeat(1_900 * scale),
                    "}".repeat(1_900 * scale)
                ),
            ),
            (
                "parens",
                format!(
                    "X = {}1{}",
                    "(".repeat(5_000 * scale),
                    ")".repeat(5_000 * scale)
                ),
            ),
            ("not", format!("X = {}a", "not ".repeat(10_000 * scale))),
            (
                "blocks",
                (0..250 * scale)
                    .map(|i| format!("{}if a:\n", "    ".repeat(i)))
                    .collect::<String>()
                    + &"    ".repeat(250 * scale)
                    + "X = 1",
            ),
        ];
        for (shape, body) in shapes {
            let file = extract_on_worker_stack(deep_file(&body));
            assert_eq!(file.dags.len(), 1, "{shape} x{scale}");
            assert_eq!(file.tasks.len(), 1, "{shape} x{scale}");
            // The statement starts on line 3, blocks go too deep further down (the grammar
            // reads thousands of nested blocks its own way; CPython refuses more than 100).
            let line = warned_line(&file);
            match (shape, scale) {
                ("blocks", 1) => assert_eq!(line, Some(3 + MAX_NESTING as usize)),
                ("blocks", _) => assert!(line.is_some(), "{:?}", file.problems),
                _ => assert_eq!(line, Some(3), "{shape} x{scale}: {:?}", file.problems),
            }
        }
    }
}

#[test]
fn long_chains_are_followed_without_recursion() {
    for scale in [1, 10] {
        let terms = 2_900 * scale;
        let plus = vec!["\"a\""; terms].join(" + ");
        let conditionals = vec!["\"a\""; 8_200 * scale].join(" if c else ");
        let subscripts = "[0]".repeat(5_300 * scale);
        let attributes = ".b".repeat(8_000 * scale);
        let ors = vec!["a"; 8_000 * scale].join(" or ");
        let code = format!(
            "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\
             C = {conditionals}\nS = Y{subscripts}\nA = a{attributes}\nO = {ors}\n\
             with DAG('deep') as dag:\n    \
             BashOperator(task_id='t', bash_command=\"dbt run -s \" + {plus})\n",
        );
        let file = extract_on_worker_stack(code);
        assert!(file.problems.is_empty(), "x{scale}: {:?}", file.problems);
        let select: Vec<String> = file.tasks[0].dbt_calls[0]
            .select
            .iter()
            .map(|s| s.value.clone())
            .collect();
        assert_eq!(select, ["a".repeat(terms)], "x{scale}");
    }
}

/// Each task's id with its dbt calls' commands, selections and project dirs.
fn calls(code: &str) -> Vec<(String, Vec<String>)> {
    let (source, tree) = parse("dags/t.py", code);
    let file = extract_file(source, &tree, None);
    file.tasks
        .iter()
        .map(|task| {
            let described = task
                .dbt_calls
                .iter()
                .map(|call| {
                    let selects: Vec<&str> = call.select.iter().map(|s| s.value.as_str()).collect();
                    let dir = call.project_dir.as_ref().map_or("", |d| d.value.as_str());
                    format!("{} {} @{dir}", call.command, selects.join(" "))
                })
                .chain(
                    task.unresolved
                        .iter()
                        .map(|u| format!("unresolved: {}", u.value)),
                )
                .collect();
            (task.id().to_owned(), described)
        })
        .collect()
}

#[test]
fn helper_classes_build_commands_and_task_groups() {
    let code = r#"
from airflow import DAG
from airflow.operators.bash import BashOperator
from cosmos import DbtTaskGroup, ProjectConfig, RenderConfig

class DbtProject:
    root = "/opt/airflow/dbt"

    def __init__(self, name, target="prod"):
        self.name = name
        self.target = target

    @property
    def project_dir(self):
        return f"{self.root}/{self.name}"

    def command(self, verb, select):
        return f"dbt {verb} --project-dir {self.project_dir} --target {self.target} -s {select}"

    @staticmethod
    def layers():
        found = []
        for layer in ["staging", "marts"]:
            found.append(f"path:models/{layer}")
        return found

class AirflowUtil:
    def __init__(self, environment=None):
        self.environment = environment or "prod"

    def create_dbt_task_group(self, group_id, select_paths):
        return DbtTaskGroup(
            group_id=group_id,
            project_config=ProjectConfig(dbt_project_path="/opt/airflow/dbt/shop"),
            render_config=RenderConfig(select=select_paths),
        )

shop = DbtProject("shop")
with DAG("d") as dag:
    BashOperator(task_id="daily", bash_command=shop.command("build", "tag:daily"))
    BashOperator(task_id="layers", bash_command="dbt run -s " + " ".join(shop.layers()))
    marts = AirflowUtil().create_dbt_task_group("marts", ["path:models/marts"])
"#;
    assert_eq!(
        calls(code),
        [
            (
                "daily".to_owned(),
                vec!["build tag:daily @/opt/airflow/dbt/shop".to_owned()]
            ),
            (
                "layers".to_owned(),
                vec!["run path:models/staging path:models/marts @".to_owned()]
            ),
            (
                "marts".to_owned(),
                vec!["build path:models/marts @/opt/airflow/dbt/shop".to_owned()]
            ),
        ]
    );
}

#[test]
fn operator_subclass_chains_end_in_their_airflow_operator() {
    let code = r#"
from airflow import DAG
from airflow.operators.bash import BashOperator

class BaseDbtOperator(BashOperator):
    def __init__(self, command, project_dir="/opt/dbt", **kwargs):
        super().__init__(bash_command=f"dbt {command} --project-dir {project_dir}", **kwargs)

class DbtRunOperator(BaseDbtOperator):
    verb = "run"

    def __init__(self, select, **kwargs):
        super().__init__(command=f"{self.verb} -s {select}", **kwargs)

class DbtTestOperator(DbtRunOperator):
    verb = "test"

with DAG("d") as dag:
    DbtRunOperator(task_id="run", select="tag:x")
    DbtTestOperator(task_id="test", select="tag:y")
"#;
    assert_eq!(
        calls(code),
        [
            ("run".to_owned(), vec!["run tag:x @/opt/dbt".to_owned()]),
            ("test".to_owned(), vec!["test tag:y @/opt/dbt".to_owned()]),
        ]
    );
}

#[test]
fn python_tasks_follow_helpers_with_their_arguments() {
    let code = r#"
import subprocess
from airflow.decorators import dag, task
from airflow.operators.python import PythonOperator

def execute_dbt_cmd(dbt_cmd, task_logger=None):
    result = subprocess.run(dbt_cmd, shell=True, capture_output=True)
    return result

def format_dbt_run_cmd(dataset_name, schema="clean"):
    return f"cd /opt/airflow/dbt && dbt run --select re_dbt.{schema}.{dataset_name}"

@task
def run_models(table_name, task_logger=None):
    dbt_cmd = format_dbt_run_cmd(dataset_name=table_name)
    return execute_dbt_cmd(dbt_cmd=dbt_cmd, task_logger=task_logger)

def refresh(model, **context):
    execute_dbt_cmd(f"dbt build -s {model}+")

@dag(schedule=None)
def transform():
    run_models(table_name="crimes")
    PythonOperator(task_id="refresh", python_callable=refresh, op_kwargs={"model": "fct_x"})

transform()
"#;
    assert_eq!(
        calls(code),
        [
            (
                "run_models".to_owned(),
                vec!["run re_dbt.clean.crimes @/opt/airflow/dbt".to_owned()]
            ),
            ("refresh".to_owned(), vec!["build fct_x+ @".to_owned()]),
        ]
    );
}

#[test]
fn vendor_decorators_and_operators_run_dbt() {
    let code = r#"
from airflow.decorators import dag, task
from datacoves.operators import DatacovesDbtOperator

@dag(schedule=None)
def daily():
    @task.datacoves_dbt(connection_id="main")
    def transform():
        return "dbt build -s 'tag:daily+'"

    @task.acme_dbt()
    def marts(layer="marts"):
        return f"run -s path:models/{layer}"

    DatacovesDbtOperator(task_id="seeds", bash_command="dbt seed")
    transform()
    marts()

daily()
"#;
    let (source, tree) = parse("dags/t.py", code);
    let wrappers = DbtWrappers {
        operators: Vec::new(),
        decorators: vec!["task.acme_dbt".into()],
    };
    let modules = Modules::new(None, &wrappers);
    let file = extract_file(source, &tree, Some(&modules));
    let tasks: Vec<(&str, Vec<String>)> = file
        .tasks
        .iter()
        .map(|task| {
            let calls = task
                .dbt_calls
                .iter()
                .map(|call| {
                    let selects: Vec<&str> = call.select.iter().map(|s| s.value.as_str()).collect();
                    format!("{} {}", call.command, selects.join(" "))
                })
                .collect();
            (task.id(), calls)
        })
        .collect();
    assert_eq!(
        tasks,
        [
            ("seeds", vec!["seed ".to_owned()]),
            ("transform", vec!["build tag:daily+".to_owned()]),
            ("marts", vec!["run path:models/marts".to_owned()]),
        ]
    );
}

/// Extracts `code` with `modules` (dotted name, code) importable from it.
fn extract_with_modules(code: &str, modules: &[(&str, &str)]) -> DagFile {
    use crate::airflow::modules::ModuleFile;
    let files: Vec<ModuleFile> = modules
        .iter()
        .map(|(name, text)| {
            let (source, tree) = parse(&format!("dags/{}.py", name.replace('.', "/")), text);
            ModuleFile {
                name: (*name).to_owned(),
                source,
                tree,
            }
        })
        .collect();
    let wrappers = DbtWrappers::default();
    let registry = Modules::new(None, &wrappers);
    let (source, tree) = parse("dags/t.py", code);
    // The DAG file imports the modules, so they are evaluated.
    let mut all = files;
    all.push(ModuleFile {
        name: "t".into(),
        source: source.clone(),
        tree: tree.clone(),
    });
    registry.evaluate(&all);
    extract_file(source, &tree, Some(&registry))
}

#[test]
fn task_groups_and_tasks_from_shared_modules() {
    let dbt_tasks = r#"
import subprocess
from airflow.decorators import task, task_group

def execute_dbt_cmd(dbt_cmd):
    return subprocess.run(dbt_cmd, shell=True)

@task
def run_models(dataset_name, schema="standardized"):
    return execute_dbt_cmd(f"cd /opt/airflow/dbt && dbt run --select re_dbt.{schema}.{dataset_name}+")

@task_group
def transform_data_tg(dataset_name):
    run_models(dataset_name)
"#;
    let census = r#"
from airflow.decorators import task_group
from tasks.dbt_tasks import transform_data_tg

@task_group
def update_census_table(dataset_name):
    transform_data_tg(dataset_name)
"#;
    let code = r#"
from airflow.decorators import dag
from tasks.census import update_census_table

@dag(schedule=None)
def update_gross_rent():
    update_census_table(dataset_name="gross_rent")

update_gross_rent()
"#;
    let file = extract_with_modules(
        code,
        &[("tasks.dbt_tasks", dbt_tasks), ("tasks.census", census)],
    );
    let tasks: Vec<(&str, Vec<String>)> = file
        .tasks
        .iter()
        .map(|task| {
            let calls = task
                .dbt_calls
                .iter()
                .map(|call| call.select.iter().map(|s| s.value.clone()).collect())
                .collect();
            (task.id(), calls)
        })
        .collect();
    assert_eq!(
        tasks,
        [(
            "update_census_table.transform_data_tg.run_models",
            vec!["re_dbt.standardized.gross_rent+".to_owned()]
        )]
    );
    assert_eq!(file.dags[0].id(), "update_gross_rent");
}

#[test]
fn dataclass_instances_hold_their_fields() {
    let code = r#"
from dataclasses import dataclass
from typing import Optional
from airflow import DAG
from airflow.operators.bash import BashOperator

@dataclass
class Table:
    table_id: str
    table_name: Optional[str] = None
    schema: str = "standardized"

CRIMES = Table("ijzp-q8t2", table_name="crimes")
with DAG("d") as dag:
    BashOperator(
        task_id="t",
        bash_command=f"dbt run -s re_dbt.{CRIMES.schema}.{CRIMES.table_name}_{CRIMES.table_id}",
    )
"#;
    assert_eq!(
        calls(code),
        [(
            "t".to_owned(),
            vec!["run re_dbt.standardized.crimes_ijzp-q8t2 @".to_owned()]
        )]
    );
}

/// The task ids of `code`, with the file's warnings.
fn task_ids(code: &str) -> (Vec<String>, Vec<String>) {
    let (source, tree) = parse("dags/t.py", code);
    let file = extract_file(source, &tree, None);
    (
        file.tasks.iter().map(|t| t.id().to_owned()).collect(),
        file.problems.iter().map(|p| p.message.clone()).collect(),
    )
}

#[test]
fn loops_over_computed_values() {
    let code = r#"
from datetime import date, datetime, timedelta
from dateutil.relativedelta import relativedelta
import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

def split_date_parts(day, partition):
    if partition == "month":
        return {"year": day.strftime("%Y"), "month": day.strftime("%m"), "part": day.strftime("%Y_%m")}

def partitions(from_date, to_date, partition):
    delta = to_date - from_date
    all_parts = [split_date_parts(from_date + timedelta(days=i), partition) for i in range(delta.days + 1)]
    seen = set()
    parts = []
    for p in all_parts:
        if p["part"] not in seen:
            seen.add(p["part"])
            parts.append({k: v for k, v in p.items()})
    return parts

with DAG("backfills") as dag:
    for month in partitions(datetime.strptime("2023-11-15", "%Y-%m-%d").date(), date(2024, 2, 3), "month"):
        BashOperator(task_id=f"backfill-{month['year']}-{month['month']}", bash_command="dbt run -s +snowplow")
    for shard in range(2):
        BashOperator(task_id=f"shard_{shard:02d}", bash_command="dbt run")
    for i, (layer, tag) in enumerate(zip(["staging", "marts"], ["hourly", "daily"]), start=1):
        BashOperator(task_id=f"{i}_{layer}_{tag}", bash_command="dbt run")
    day = datetime(2024, 1, 30)
    while day < datetime(2024, 4, 1):
        BashOperator(task_id="month_{}".format(day.strftime("%Y%m%d")), bash_command="dbt run")
        day += relativedelta(months=1)
    for week in pendulum.interval(pendulum.datetime(2024, 1, 1), pendulum.datetime(2024, 1, 15)).range("weeks"):
        BashOperator(task_id=f"week_{week.to_date_string()}", bash_command="dbt run")
    for today in [date.today()]:
        BashOperator(task_id=f"daily_{today:%Y%m%d}", bash_command="dbt run")
"#;
    let (ids, problems) = task_ids(code);
    assert_eq!(
        ids,
        [
            "backfill-2023-11",
            "backfill-2023-12",
            "backfill-2024-01",
            "backfill-2024-02",
            "shard_00",
            "shard_01",
            "1_staging_hourly",
            "2_marts_daily",
            "month_20240130",
            "month_20240229",
            "month_20240329",
            "week_2024-01-01",
            "week_2024-01-08",
            "week_2024-01-15",
            "daily_{today:%Y%m%d}",
        ]
    );
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn loops_past_the_limits_count_each_task_once() {
    let code = r#"
from airflow import DAG
from airflow.operators.bash import BashOperator
with DAG("huge") as dag:
    for year in range(2000, 2100):
        for day in range(365):
            BashOperator(task_id=f"load_{year}_{day}", bash_command="dbt run")
    for n in range(20000):
        BashOperator(task_id=f"n_{n}", bash_command="dbt run")
"#;
    let (ids, problems) = task_ids(code);
    assert!(
        ids == ["load_{year}_{day}", "n_{n}"],
        "{} tasks, from {:?}",
        ids.len(),
        ids.first()
    );
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("holds a loop"), "{problems:?}");
    assert!(problems[1].contains("runs 20000 times"), "{problems:?}");
}

#[test]
fn empty_cosmos_exclusions_exclude_nothing() {
    let code = r#"
from cosmos import DbtTaskGroup, ProjectConfig, RenderConfig
from airflow import DAG

with DAG("d") as dag:
    DbtTaskGroup(
        group_id="marts",
        project_config=ProjectConfig(dbt_project_path="/opt/airflow/dbt"),
        render_config=RenderConfig(select=["path:models/marts"], exclude=["", "tag:wip"]),
    )
"#;
    let (source, tree) = parse("dags/t.py", code);
    let file = extract_file(source, &tree, None);
    let excluded: Vec<&str> = file
        .tasks
        .iter()
        .flat_map(|task| &task.dbt_calls)
        .flat_map(|call| &call.exclude)
        .map(|token| token.value.as_str())
        .collect();
    assert_eq!(excluded, ["tag:wip"]);
}

#[test]
fn a_while_loop_that_may_break_where_monolint_cannot_tell_stops_at_once() {
    // Paging until an API answers nothing: the `break` depends on what the API returns.
    // Unrolled to the limit, each call spent 10,000 of the file's iterations and the loop
    // after them could no longer be followed.
    let code = r#"
import requests
from airflow import DAG
from airflow.operators.bash import BashOperator

def fetch_all(url):
    items = []
    page = 1
    while True:
        body = requests.get(url, params={"page": page}).json()
        if not body["items"]:
            break
        items += body["items"]
        page += 1
    return items

with DAG("paging") as dag:
    for source in range(12):
        rows = fetch_all(f"https://example.com/{source}")
    for shard in range(3):
        BashOperator(task_id=f"shard_{shard}", bash_command="dbt run")
"#;
    let (ids, problems) = task_ids(code);
    assert_eq!(ids, ["shard_0", "shard_1", "shard_2"]);
    assert!(problems.is_empty(), "{problems:?}");
}

/// A manifest source that counts how often a DAG file's code loads the manifest.
#[derive(Default)]
struct CountingManifests(std::sync::atomic::AtomicUsize);

impl crate::airflow::dbt_manifest::ManifestSource for CountingManifests {
    fn manifest(&self, _path: &str, span: &Span) -> Option<Value> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let manifest = serde_json::json!({"nodes": {"model.p.a": {"name": "a"}}});
        Some(crate::airflow::python_json::from_json(&manifest, span))
    }
}

#[test]
fn the_right_side_of_an_assignment_is_evaluated_once() {
    // Looking for the tasks a call creates evaluates it; when it creates none, that value is
    // the one assigned: a large manifest is not loaded twice.
    let code = r#"
import json
from airflow import DAG
from airflow.operators.bash import BashOperator

MANIFEST = json.load(open("/opt/airflow/dbt/target/manifest.json"))
with DAG("d", schedule="@daily") as dag:
    for node_id, node in MANIFEST["nodes"].items():
        BashOperator(task_id=node["name"], bash_command=f"dbt run -s {node['name']}")
"#;
    let counting = CountingManifests::default();
    let wrappers = DbtWrappers::default();
    let modules = Modules::new(Some(&counting), &wrappers);
    let (source, tree) = parse("dags/d.py", code);
    let file = extract_file(source, &tree, Some(&modules));
    let ids: Vec<&str> = file.tasks.iter().map(|task| task.id()).collect();
    assert_eq!(ids, ["a"]);
    assert_eq!(counting.0.load(std::sync::atomic::Ordering::SeqCst), 1);
}
