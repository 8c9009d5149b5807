"""Load one folder of DAG files with Airflow's own DagBag and write what Airflow sees as JSON.

Run by scripts/record-dagbag.sh inside the Airflow virtualenv, once per fixture folder, with
AIRFLOW_HOME and AIRFLOW__CORE__DAGS_FOLDER already set (Airflow puts the DAGs folder on
sys.path, which lets DAG files `import common`).

    python scripts/dagbag_record.py --root REPO --folder tests/fixtures/airflow/dags \
        --out tests/oracle/dagbag/dags.json

The record is the oracle for monolint's static DAG extractor: every value is what Airflow
holds after importing the files and before templating (Jinja is left as written). To make
reruns byte-identical and the file independent of the checkout's location:
- keys are sorted; lists whose order Airflow does not give meaning to (tags, upstream and
  downstream ids, dataset URIs, task lists) are sorted; argv-like lists keep their order;
- the absolute path of the repository root is replaced by nothing in every string, so
  `/path/to/repo/tests/fixtures/airflow/dbt` is recorded as `tests/fixtures/airflow/dbt`;
- memory addresses (` at 0x7f...`) are removed from reprs;
- no timestamps or durations are written.

Layout: {"folder", "versions" (installed package versions), "files" (every .py file of the
folder -> the DAG ids defined in it), "import_errors" (file -> first line of the exception),
"warnings" (file -> warnings about its code), "dags": [...]}. Each DAG: dag_id, class, fileloc,
owner (Airflow's DAG.owner, i.e. the distinct task owners, sorted and comma-joined), schedule
(see schedule_text), timetable, catchup, max_active_runs, tags, default_args (owner, retries,
email_on_failure, email_on_retry when present, has_on_failure_callback),
has_dag_on_failure_callback, tasks. Each task: task_id, operator (module.Class), owner,
retries, upstream, downstream, task_group, outlets/inlets (URIs; aliases as `alias:NAME`),
python_callable, families (which FAMILIES it belongs to), args (the dbt-relevant attributes
of those families), dbt_node (the unique_id a Cosmos-rendered task runs).
Values that are not plain JSON are written as {"not_set": true} (an argument Airflow fills
in only when the task runs, e.g. the command of @task.bash), {"dataset": URI},
{"dataset_alias": NAME}, {"xcom_arg": TASK_ID}, {"callable": NAME},
{"timedelta_seconds": N} or, for anything else, {"repr": TEXT}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import enum
import inspect
import json
import os
import re
import sys
import time
import warnings
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePath

ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
AIRFLOW_MAJOR = int(version("apache-airflow").split(".")[0])

# Package versions written into the record (those installed; missing ones are left out).
PACKAGES = [
    "apache-airflow",
    "apache-airflow-core",
    "apache-airflow-task-sdk",
    "astronomer-cosmos",
    "airflow-dbt",
    "airflow-dbt-python",
    "apache-airflow-providers-standard",
    "apache-airflow-providers-cncf-kubernetes",
    "apache-airflow-providers-docker",
    "apache-airflow-providers-amazon",
    "apache-airflow-providers-google",
    "apache-airflow-providers-microsoft-azure",
    "apache-airflow-providers-dbt-cloud",
    "dbt-core",
    "dbt-duckdb",
]

# dbt-relevant attributes, recorded when a task has them (and they are not None), by the
# family of operator. A task can belong to several families (a Cosmos Kubernetes operator is
# also a KubernetesPodOperator): the union of the attributes is recorded.
FAMILIES: list[tuple[str, str, list[str]]] = [
    # (family name, "module:Class" of the base class, attributes)
    ("bash", "airflow.providers.standard.operators.bash:BashOperator", ["bash_command", "env", "append_env", "cwd"]),
    ("bash", "airflow.operators.bash:BashOperator", ["bash_command", "env", "append_env", "cwd"]),
    # @task, @task.bash, ...: the call's arguments (`run_dbt.override(task_id=...)("dbt debug")`).
    ("decorated", "airflow.sdk.bases.decorator:DecoratedOperator", ["op_args", "op_kwargs"]),
    ("decorated", "airflow.decorators.base:DecoratedOperator", ["op_args", "op_kwargs"]),
    ("python", "airflow.providers.standard.operators.python:PythonOperator", ["op_args", "op_kwargs"]),
    ("python", "airflow.operators.python:PythonOperator", ["op_args", "op_kwargs"]),
    (
        "kubernetes_pod",
        "airflow.providers.cncf.kubernetes.operators.pod:KubernetesPodOperator",
        ["cmds", "arguments", "env_vars", "image", "namespace"],
    ),
    ("docker", "airflow.providers.docker.operators.docker:DockerOperator", ["command", "entrypoint", "environment", "image"]),
    ("ecs", "airflow.providers.amazon.aws.operators.ecs:EcsRunTaskOperator", ["overrides", "task_definition", "cluster"]),
    (
        "cloud_run",
        "airflow.providers.google.cloud.operators.cloud_run:CloudRunExecuteJobOperator",
        ["overrides", "job_name"],
    ),
    (
        "azure_container_instances",
        "airflow.providers.microsoft.azure.operators.container_instances:AzureContainerInstancesOperator",
        ["command", "environment_variables", "image"],
    ),
    (
        "cosmos",
        "cosmos.operators.base:AbstractDbtBase",
        [
            "base_cmd",
            "select",
            "exclude",
            "selector",
            "models",
            "vars",
            "dbt_cmd_flags",
            "dbt_cmd_global_flags",
            "project_dir",
            "full_refresh",
            "install_deps",
            "env",
            "dbt_executable_path",
            "macro_name",
            "args",
            "indirect_selection",
        ],
    ),
    (
        "airflow_dbt",
        "airflow_dbt.operators.dbt_operator:DbtBaseOperator",
        ["select", "exclude", "models", "vars", "dir", "target", "profiles_dir", "full_refresh", "dbt_bin", "warn_error"],
    ),
    (
        "airflow_dbt_python",
        "airflow_dbt_python.operators.dbt:DbtBaseOperator",
        [
            "command",
            "select",
            "exclude",
            "selector",
            "models",
            "vars",
            "project_dir",
            "profiles_dir",
            "target",
            "full_refresh",
            "state",
            "defer",
            "dbt_conn_id",
            "resource_types",
            "macro",
            "args",
        ],
    ),
    (
        "dbt_cloud",
        "airflow.providers.dbt.cloud.operators.dbt:DbtCloudRunJobOperator",
        [
            "job_id",
            "steps_override",
            "project_name",
            "environment_name",
            "job_name",
            "account_id",
            "schema_override",
            "additional_run_config",
        ],
    ),
    ("dbt_cloud_sensor", "airflow.providers.dbt.cloud.sensors.dbt:DbtCloudJobRunSensor", ["run_id"]),
    (
        "external_task_sensor",
        "airflow.providers.standard.sensors.external_task:ExternalTaskSensor",
        ["external_dag_id", "external_task_id", "external_task_ids", "external_task_group_id"],
    ),
    (
        "external_task_sensor",
        "airflow.sensors.external_task:ExternalTaskSensor",
        ["external_dag_id", "external_task_id", "external_task_ids", "external_task_group_id"],
    ),
    ("trigger_dag_run", "airflow.providers.standard.operators.trigger_dagrun:TriggerDagRunOperator", ["trigger_dag_id"]),
    ("trigger_dag_run", "airflow.operators.trigger_dagrun:TriggerDagRunOperator", ["trigger_dag_id"]),
]


def load_families():
    """[(family, class, attrs)] for the base classes that import in this environment."""
    import importlib

    loaded = []
    for family, spec, attrs in FAMILIES:
        module_name, class_name = spec.split(":")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cls = getattr(importlib.import_module(module_name), class_name)
        except Exception:  # noqa: BLE001 - a provider that is not installed, or moved
            continue
        if not any(cls is c for _, c, _ in loaded):
            loaded.append((family, cls, attrs))
    return loaded


class Normalizer:
    def __init__(self, root: Path):
        self.root = str(root)

    def text(self, s: str) -> str:
        s = s.replace(self.root + os.sep, "").replace(self.root, ".")
        return ADDRESS.sub("", s)

    def path(self, p) -> str:
        p = os.fspath(p)
        if os.path.isabs(p):
            try:
                return os.path.relpath(p, self.root)
            except ValueError:
                return p
        return p

    def value(self, v):
        """A JSON-ready, deterministic form of an operator argument."""
        if v is None or isinstance(v, (bool, int, float)):
            return v
        if isinstance(v, str):
            return self.text(v)
        if isinstance(v, enum.Enum):
            return self.value(v.value)
        if isinstance(v, PurePath):
            return self.text(str(v))
        if isinstance(v, dt.timedelta):
            return {"timedelta_seconds": v.total_seconds()}
        if isinstance(v, (dt.datetime, dt.date)):
            return v.isoformat()
        if isinstance(v, dict):
            return {str(self.value(k)): self.value(val) for k, val in v.items()}
        if isinstance(v, (list, tuple)):
            return [self.value(x) for x in v]
        if isinstance(v, (set, frozenset)):
            return sorted((self.value(x) for x in v), key=lambda x: json.dumps(x, sort_keys=True))
        if type(v).__name__ in ("ArgNotSet", "SetDuringExecution"):
            # @task.bash: the command is the callable's return value, known only when it runs.
            return {"not_set": True}
        uri = dataset_uri(v)
        if uri is not None:
            return {"dataset": self.text(uri)}
        alias = dataset_alias(v)
        if alias is not None:
            return {"dataset_alias": self.text(alias)}
        to_dict = getattr(v, "to_dict", None)
        if callable(to_dict) and type(v).__module__.startswith("kubernetes"):
            return {k: self.value(x) for k, x in to_dict().items() if x is not None}
        if is_xcom_arg(v):
            return {"xcom_arg": describe_xcom_arg(v)}
        if callable(v):
            return {"callable": qualname(v)}
        return {"repr": self.text(repr(v))}


def qualname(obj) -> str:
    module = getattr(obj, "__module__", None) or ""
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or type(obj).__name__
    return f"{module}.{name}" if module else name


def class_name(obj) -> str:
    cls = type(obj)
    # Airflow loads a DAG file as module `unusual_prefix_<sha1 of its path>_<name>`: the hash
    # is left out so that the record does not depend on where the checkout is.
    module = re.sub(r"^unusual_prefix_[0-9a-f]+_", "", cls.__module__)
    return f"{module}.{cls.__qualname__}"


def dataset_uri(v):
    """The URI of an Airflow 2 Dataset or Airflow 3 Asset, else None."""
    names = {c.__name__ for c in type(v).__mro__}
    if names & {"Dataset", "Asset"} and isinstance(getattr(v, "uri", None), str):
        return v.uri
    return None


def dataset_alias(v):
    """The name of a DatasetAlias (Airflow 2) or AssetAlias (Airflow 3), else None."""
    names = {c.__name__ for c in type(v).__mro__}
    if names & {"DatasetAlias", "AssetAlias"} and isinstance(getattr(v, "name", None), str):
        return v.name
    return None


def is_xcom_arg(v) -> bool:
    return any(c.__name__ == "XComArg" for c in type(v).__mro__)


def describe_xcom_arg(v) -> str:
    op = getattr(v, "operator", None)
    key = getattr(v, "key", None)
    task_id = getattr(op, "task_id", "?")
    return f"{task_id}:{key}" if key and key != "return_value" else task_id


def condition_text(cond, norm: Normalizer) -> str:
    """A dataset/asset condition as text: URIs joined with & (all) and | (any), operands sorted."""
    objects = getattr(cond, "objects", None)
    if objects is None:
        uri = getattr(cond, "uri", None)
        if isinstance(uri, str):
            return norm.text(uri)
        # Asset aliases and references have a name instead of a URI.
        name = getattr(cond, "name", None)
        return f"{type(cond).__name__}({name})" if name else norm.text(repr(cond))
    parts = sorted(condition_text(o, norm) for o in objects)
    joiner = " | " if "Any" in type(cond).__name__ else " & "
    inner = joiner.join(parts)
    return f"({inner})" if len(parts) > 1 else inner


def timetable_text(tt, norm: Normalizer) -> str:
    """A timetable as "module.Class({its serialized arguments})", as Airflow serializes it."""
    cls = type(tt)
    args = None
    try:
        try:
            from airflow.serialization.encoders import encode_timetable  # Airflow 3
        except ImportError:
            from airflow.serialization.serialized_objects import encode_timetable  # Airflow 2
        encoded = encode_timetable(tt)
        args = next((v for k, v in encoded.items() if str(getattr(k, "value", k)) == "__var"), None)
    except Exception:  # noqa: BLE001 - a timetable Airflow cannot serialize
        try:
            args = tt.serialize()
        except Exception:  # noqa: BLE001
            args = None
    if args:
        return f"{cls.__module__}.{cls.__qualname__}({json.dumps(norm.value(args), sort_keys=True)})"
    return f"{cls.__module__}.{cls.__qualname__}()"


def schedule_text(dag, norm: Normalizer) -> str:
    """The DAG's schedule as a stable string.

    cron expression or preset as given; "None"; "@once"; "@continuous"; "timedelta(N seconds)";
    "datasets: <condition>" (Airflow 3: "assets: <condition>"); a timetable as
    "module.Class({serialized args})"; "DatasetOrTimeSchedule(<timetable>; datasets: <condition>)".
    """
    tt = dag.timetable
    name = type(tt).__name__
    if name == "NullTimetable":
        return "None"
    if name == "OnceTimetable":
        return "@once"
    if name == "ContinuousTimetable":
        return "@continuous"
    condition = getattr(tt, "dataset_condition", None) or getattr(tt, "asset_condition", None)
    kind = "assets" if name.startswith("Asset") else "datasets"
    if name in ("DatasetTriggeredTimetable", "AssetTriggeredTimetable"):
        return f"{kind}: {condition_text(condition, norm)}"
    if name in ("DatasetOrTimeSchedule", "AssetOrTimeSchedule"):
        inner = getattr(tt, "timetable", None)
        return f"{name}({timetable_text(inner, norm)}; {kind}: {condition_text(condition, norm)})"

    # What the DAG was given, when it was a string or a timedelta. Airflow 3 keeps the
    # argument in DAG.schedule. Airflow 2 keeps it in DAG.schedule_interval, except for a
    # timetable argument, whose summary (e.g. its cron expression) lands there instead:
    # accept a string only when it makes the very timetable the DAG has.
    given = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if AIRFLOW_MAJOR >= 3:
            given = getattr(dag, "schedule", None)
        else:
            given = getattr(dag, "schedule_interval", None)
            if isinstance(given, (str, dt.timedelta)):
                from airflow.models.dag import create_timetable

                try:
                    made = create_timetable(given, dag.timezone)
                except Exception:  # noqa: BLE001
                    made = None
                if made is None or type(made) is not type(tt) or made.serialize() != tt.serialize():
                    given = None
    if isinstance(given, str):
        return given
    if isinstance(given, dt.timedelta):
        return f"timedelta({given.total_seconds():g} seconds)"
    return timetable_text(tt, norm)


def sorted_owner(dag) -> str:
    """DAG.owner joins the distinct task owners from a set: sort them for a stable value."""
    owners = [o for o in (dag.owner or "").split(", ") if o]
    return ", ".join(sorted(owners))


def default_args_of_interest(dag, norm: Normalizer) -> dict:
    args = dag.default_args or {}
    out = {}
    for key in ("owner", "retries", "email_on_failure", "email_on_retry"):
        if key in args:
            out[key] = norm.value(args[key])
    out["has_on_failure_callback"] = bool(args.get("on_failure_callback"))
    return out


def uris(objs, norm: Normalizer) -> list:
    """Dataset/asset URIs; aliases as `alias:NAME` (Cosmos emits one alias per dbt task)."""
    out = []
    for o in objs or []:
        uri = dataset_uri(o)
        alias = dataset_alias(o)
        if uri is not None:
            out.append(norm.text(uri))
        elif alias is not None:
            out.append("alias:" + norm.text(alias))
        else:
            out.append(norm.text(repr(o)))
    return sorted(out)


def callable_name(task) -> str | None:
    fn = getattr(task, "python_callable", None)
    if fn is None:
        return None
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


def task_record(task, families, norm: Normalizer) -> dict:
    rec = {
        "task_id": task.task_id,
        "operator": class_name(task),
        "owner": task.owner,
        "retries": task.retries,
        "upstream": sorted(task.upstream_task_ids),
        "downstream": sorted(task.downstream_task_ids),
    }
    group = getattr(task, "task_group", None)
    if group is not None and getattr(group, "group_id", None):
        rec["task_group"] = group.group_id
    outlets = uris(getattr(task, "outlets", None), norm)
    inlets = uris(getattr(task, "inlets", None), norm)
    if outlets:
        rec["outlets"] = outlets
    if inlets:
        rec["inlets"] = inlets
    fn = callable_name(task)
    if fn is not None:
        rec["python_callable"] = fn

    matched = []
    args = {}
    for family, cls, attrs in families:
        if not isinstance(task, cls):
            continue
        if family not in matched:
            matched.append(family)
        for attr in attrs:
            if attr in args:
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    value = getattr(task, attr)
            except Exception:  # noqa: BLE001 - a property that needs a run context
                continue
            if value is None or callable(value) and not is_xcom_arg(value):
                continue
            args[attr] = norm.value(value)
    if matched:
        rec["families"] = matched
    if args:
        rec["args"] = args

    # Cosmos keeps the dbt node a rendered task stands for.
    node = (getattr(task, "extra_context", None) or {}).get("dbt_node_config")
    if isinstance(node, dict) and node.get("unique_id"):
        rec["dbt_node"] = node["unique_id"]
    return rec


def exception_line(message: str, norm: Normalizer) -> str:
    """The first line of the exception message in an import error (traceback or plain text)."""
    lines = message.rstrip().splitlines()
    if lines and lines[0].startswith("Traceback"):
        last_frame = max((i for i, line in enumerate(lines) if line.startswith("  File ")), default=0)
        for line in lines[last_frame + 1 :]:
            if line and not line.startswith(" "):
                return norm.text(line)
    return norm.text(lines[0]) if lines else ""


WARNING_LOCATION = re.compile(r"^(.*?):([0-9]+): ")


def warning_text(w: str, folder: Path, norm: Normalizer) -> str | None:
    """A captured warning's first line, without the `file:line: ` where Python raised it.

    Only warnings about the DAG files are kept: those raised at a line of a file in the
    folder or at DagBag's import of it (deprecated imports and arguments), or by Cosmos about
    its arguments (messages naming Cosmos). Importing Cosmos also loads its Airflow plugin and
    Airflow's web stack, whose Flask/SQLAlchemy/import deprecation noise is dropped.
    """
    first = w.splitlines()[0] if w else ""
    m = WARNING_LOCATION.match(first)
    if m:
        where = m.group(1)
        about_dag_file = where.startswith(str(folder) + os.sep)
        # A DAG(...) call outside `with` reports its deprecated arguments at DagBag's exec_module.
        about_dag_call = os.path.basename(where) == "dagbag.py"
        about_cosmos_args = f"{os.sep}cosmos{os.sep}" in where and "Cosmos" in first
        if not (about_dag_file or about_dag_call or about_cosmos_args):
            return None
        first = first[m.end() :]
    return norm.text(first)


def import_dagbag():
    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow >= 3.1
    except ImportError:
        from airflow.models.dagbag import DagBag
    return DagBag


def list_py_file_paths(folder: str) -> list[str]:
    """The files Airflow looks for DAGs in: .airflowignore applied (safe mode applies later)."""
    from airflow.utils.file import list_py_file_paths as airflow_list

    return airflow_list(folder, safe_mode=False)


def load_dagbag(DagBag, folder: Path):
    """DagBag(dag_folder=folder) that reads the files in sorted order.

    DagBag walks the folder in directory order, which differs between checkouts, and the order
    decides which file gets a once-per-process warning and which of two DAGs with the same id
    wins. So the bag is created empty and each file Airflow would look at (its own listing,
    which applies .airflowignore), in sorted order, is collected into it, the same way
    DagBag(dag_folder=folder) collects each file it finds.
    """
    kwargs = {"dag_folder": str(folder), "collect_dags": False}
    if "include_examples" in inspect.signature(DagBag.__init__).parameters:
        kwargs["include_examples"] = False  # Airflow 2; Airflow 3 has no examples in a DagBag
    bag = DagBag(**kwargs)
    collect = inspect.signature(bag.collect_dags).parameters
    # Record every warning of every file, not only the first of each kind in the process.
    warnings.simplefilter("always")
    for path in sorted(Path(p) for p in list_py_file_paths(str(folder))):
        if "__pycache__" in path.parts:
            continue
        options = {"only_if_updated": False}
        if "include_examples" in collect:
            options["include_examples"] = False
        bag.collect_dags(dag_folder=str(path), **options)
    return bag


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, type=Path)
    parser.add_argument("--folder", required=True, type=Path, help="DAG folder, relative to --root")
    parser.add_argument("--out", required=True, type=Path)
    opts = parser.parse_args()

    # Airflow 3 logs to stdout: keep stdout for the summary line only, and send everything
    # else written to file descriptor 1 (by Python or by a library) to stderr.
    summary = os.fdopen(os.dup(1), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(2, 1)

    root = opts.root.resolve()
    folder = (root / opts.folder).resolve()
    norm = Normalizer(root)

    started = time.monotonic()
    DagBag = import_dagbag()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        families = load_families()
    bag = load_dagbag(DagBag, folder)

    import airflow

    dags = []
    n_tasks = 0
    for dag_id in sorted(bag.dag_ids):
        dag = bag.dags[dag_id]
        tasks = sorted(dag.tasks, key=lambda t: t.task_id)
        n_tasks += len(tasks)
        dag_rec = {
            "dag_id": dag_id,
            "class": class_name(dag),
            "fileloc": norm.path(dag.fileloc),
            "owner": sorted_owner(dag),
            "schedule": schedule_text(dag, norm),
            "timetable": timetable_text(dag.timetable, norm),
            "catchup": dag.catchup,
            "max_active_runs": dag.max_active_runs,
            "tags": sorted(dag.tags or []),
            "default_args": default_args_of_interest(dag, norm),
            "has_dag_on_failure_callback": bool(getattr(dag, "on_failure_callback", None)),
            "tasks": [task_record(t, families, norm) for t in tasks],
        }
        dags.append(dag_rec)

    files = {}
    for path in sorted(folder.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        files[norm.path(path)] = []
    for rec in dags:
        files.setdefault(rec["fileloc"], []).append(rec["dag_id"])

    record = {
        "folder": norm.path(folder),
        "versions": {},
        "files": {f: sorted(ids) for f, ids in sorted(files.items())},
        "import_errors": {
            norm.path(f): exception_line(msg, norm) for f, msg in sorted(bag.import_errors.items())
        },
        "warnings": {},
        "dags": dags,
    }
    for f, ws in sorted(getattr(bag, "captured_warnings", {}).items()):
        kept = sorted({t for t in (warning_text(w, folder, norm) for w in ws) if t is not None})
        if kept:
            record["warnings"][norm.path(f)] = kept
    for pkg in PACKAGES:
        try:
            record["versions"][pkg] = version(pkg)
        except PackageNotFoundError:
            pass

    opts.out.parent.mkdir(parents=True, exist_ok=True)
    with open(opts.out, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2, sort_keys=True, ensure_ascii=False)
        f.write("\n")

    print(
        f"{norm.path(folder)}: {len(files)} files, {len(dags)} DAGs, {n_tasks} tasks, "
        f"{len(bag.import_errors)} import errors (Airflow {airflow.__version__}, "
        f"{time.monotonic() - started:.0f}s) -> {norm.path(opts.out.resolve())}",
        file=summary,
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
