#!/usr/bin/env python3
"""Measure what real Airflow loads from real monorepos against what monolint sees statically.

usage: scripts/real-repos/dagbag_coverage.py REPOS_DIR [--monolint PATH] [--only NAME ...]
                                             [--json OUT] [--keep DIR [--reuse]]

REPOS_DIR holds the checkouts of scripts/real-repos/repos.tsv, as for measure.py. For each
repository present, every DAG folder of repos.tsv is loaded with Airflow's own DagBag by
scripts/dagbag_record.py, in the environment scripts/record-dagbag.sh records the fixtures
in (a temporary AIRFLOW_HOME, the folder as AIRFLOW__CORE__DAGS_FOLDER, the caller's AIRFLOW*,
DBT_* and PYTHON* settings cleared), with the Airflow 2 venv (.venv-airflow2/) unless a DAG
file imports airflow.sdk (then .venv-airflow3/). As a user testing their DAGs would, it lets
the repository's own modules import and gives DagBag what it reads at import time:

- PYTHONPATH holds the `plugins/` and `include/` folders next to the DAG folder and at the
  root of the repository, when they exist (the DAG folder itself is on sys.path, as in
  Airflow);
- every Variable read with a literal name (`Variable.get("X")`, `Variable.get(key="X")`) is
  set as AIRFLOW_VAR_X (`{}` when read with deserialize_json, else a placeholder string),
  every connection (`get_connection("X")`, `*_conn_id="X"` is not needed at import) as
  AIRFLOW_CONN_X, and every environment variable read without a default
  (`os.environ["X"]`, `os.environ.get("X")`, `os.getenv("X")`) as a placeholder;
- when a file still fails on the metadata database (a Variable read by a computed name),
  `airflow db migrate` initialises a throwaway sqlite database and the folder is loaded again.

Nothing is written in the repositories (no bytecode; the working directory is the temporary
AIRFLOW_HOME). Then `monolint map --format json .` runs in the repository, and the DAGs that
DagBag loaded are compared with monolint's: a DAG is found when monolint reports its dag_id;
a dbt task (see `dbt_kind`) when monolint reports its dag_id and task_id as a task running
dbt (or among the tasks a Cosmos call renders); it is resolved when every dbt call monolint
read in it resolved to a node set. The script prints a markdown table, then per repository
the import errors by cause and the DAGs and dbt tasks monolint misses.
"""

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RECORDER = os.path.join(ROOT, "scripts", "dagbag_record.py")
sys.path.insert(0, HERE)

from measure import head_commit, repositories  # noqa: E402

# What a user testing a repository's DAGs would add to the Airflow venv, per repository:
# packages its DAG files import that the venv lacks (installed without their dependencies,
# which the venv has, into a folder put on PYTHONPATH; Airflow's provider namespace takes
# them in, but cannot replace a provider the venv already has), and Variable values the
# files check (a placeholder fails their validation).
SETUP = {
    "tnmy44/gitlab-analytics": {"packages": ["apache-airflow-providers-slack", "slack_sdk"]},
    "MattTriano/analytics_data_where_house": {"packages": ["apache-airflow-providers-postgres", "psycopg2-binary"]},
    "cal-itp/data-infra": {"packages": ["pyairtable", "inflection", "backoff"]},
    "pass-culture/data-gcp": {"packages": ["paramiko", "bcrypt", "pynacl", "apache-airflow-providers-ssh", "sshtunnel"]},
    "akanowhere/git_plataforma_dados_alloha_airflow": {
        "packages": ["apache-airflow-providers-databricks", "databricks-sql-connector", "thrift", "lz4", "mergedeep"],
        "variables": {"env": "prd"},
    },
    "datacoves/balboa": {"packages": ["apache-airflow-providers-slack", "slack_sdk"]},
    "rajeswarivadivel-cf/cf-airflow": {"packages": ["apache-airflow-providers-microsoft-mssql", "pymssql"]},
}

# Names the loading environment owns: never overridden by a placeholder.
RESERVED = re.compile(r"^(AIRFLOW|DBT_|PYTHON|PATH$|HOME$|TZ$|LC_|LANG$)")
PLACEHOLDER = "placeholder"

VARIABLE_GET = re.compile(
    r"Variable\.get\(\s*(?:key\s*=\s*)?[\"']([A-Za-z0-9_.-]+)[\"']([^)]*)\)", re.DOTALL
)
CONNECTION_GET = re.compile(r"get_connection\(\s*(?:conn_id\s*=\s*)?[\"']([A-Za-z0-9_.-]+)[\"']")
# `os.environ["X"]`, and `env["X"]` after `env = os.environ.copy()`.
ENVIRON_ITEM = re.compile(r"\b(?:os\.environ|env|environ)\[\s*[\"']([A-Za-z_][A-Za-z0-9_]*)[\"']\s*\]")
ENVIRON_GET = re.compile(r"(?:os\.environ\.get|os\.getenv|getenv)\(\s*[\"']([A-Za-z_][A-Za-z0-9_]*)[\"']\s*\)")
AIRFLOW3_IMPORT = re.compile(r"^\s*(?:from|import)\s+airflow\.sdk\b", re.MULTILINE)

# A dbt command line: `dbt [global flags] <subcommand>`, or a Meltano dbt plugin command
# (`meltano run dbt-snowflake:run`).
DBT_SUBCOMMANDS = (
    "run|build|test|seed|snapshot|ls|list|compile|run-operation|source|docs|deps|parse|"
    "debug|clone|retry|show|freshness"
)
DBT_COMMAND = re.compile(
    rf"(?<![\w.-])dbt(?:\s+--?[\w-]+(?:[ =][^\s-]\S*)?)*\s+(?:{DBT_SUBCOMMANDS})\b"
    rf"|(?<![\w.-])dbt-\w+:(?:{DBT_SUBCOMMANDS})\b"
)
# Families whose every task runs dbt.
DBT_FAMILIES = {"cosmos", "airflow_dbt", "airflow_dbt_python", "dbt_cloud"}
# Families whose command line may run dbt.
COMMAND_FAMILIES = {
    "bash",
    "kubernetes_pod",
    "docker",
    "ecs",
    "cloud_run",
    "azure_container_instances",
    "decorated",
    "python",
}


def python_files(folder):
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in ("dbt_packages", "node_modules"))
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield os.path.join(dirpath, name)


def read_text(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


TOP_LEVEL_IMPORT = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", re.MULTILINE)


def import_paths(repo, dag_folder, sources):
    """The folders the DAG files import from, as a deployment puts them on sys.path.

    The repository's `plugins/` and `include/` folders (next to the DAG folder or at the
    root), and each folder between the DAG folder and the root that holds a package or module
    the files import by its top-level name (`from orchestrate.utils import ...` run from the
    root of the repository).
    """
    out = []
    for base in (os.path.dirname(dag_folder), repo):
        for name in ("plugins", "include"):
            path = os.path.join(base, name)
            if os.path.isdir(path) and path not in out:
                out.append(path)
    imported = {name for text in sources for name in TOP_LEVEL_IMPORT.findall(text)}
    base = os.path.dirname(dag_folder)
    while base.startswith(repo):
        if base not in out and any(
            os.path.isdir(os.path.join(base, name)) or os.path.isfile(os.path.join(base, name + ".py"))
            for name in imported
        ):
            out.append(base)
        if base == repo:
            break
        base = os.path.dirname(base)
    return out


def extra_packages(name, extras):
    """The folder holding SETUP's packages for a repository (installed on first use), or None."""
    packages = SETUP.get(name, {}).get("packages")
    if not packages:
        return None
    target = os.path.join(extras, name.replace("/", "__"))
    stamp = os.path.join(target, ".packages")
    wanted = "\n".join(packages)
    if os.path.exists(stamp) and read_text(stamp) == wanted:
        return target
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run(
        [f"{ROOT}/.venv-airflow2/bin/python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--target", target, *packages],
        check=True,
    )
    with open(stamp, "w") as f:
        f.write(wanted)
    return target


def import_time_environment(sources):
    """AIRFLOW_VAR_*, AIRFLOW_CONN_* and environment placeholders for the names the files read."""
    env = {}
    for text in sources:
        for name, rest in VARIABLE_GET.findall(text):
            value = "{}" if re.search(r"deserialize_json\s*=\s*True", rest) else PLACEHOLDER
            key = "AIRFLOW_VAR_" + name.upper()
            if env.get(key) != "{}":
                env[key] = value
        for name in CONNECTION_GET.findall(text):
            env["AIRFLOW_CONN_" + name.upper()] = "generic://user:password@localhost:1234/schema"
        for name in ENVIRON_ITEM.findall(text) + ENVIRON_GET.findall(text):
            if not RESERVED.match(name):
                env.setdefault(name, PLACEHOLDER)
    return env


def loading_environment(venv, home, dag_folder, pythonpath, extra):
    """The environment of scripts/record-dagbag.sh's record_folder, plus the repository's needs."""
    env = {k: v for k, v in os.environ.items() if not re.match(r"^(AIRFLOW|DBT_|PYTHON)", k)}
    env.update(extra)
    env.update(
        {
            "PATH": f"{venv}/bin:/usr/local/bin:/usr/bin:/bin",
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "TZ": "UTC",
            "LC_ALL": "C.UTF-8",
            "AIRFLOW_HOME": home,
            "AIRFLOW__CORE__DAGS_FOLDER": dag_folder,
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "600",
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": "utc",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": f"{home}/logs",
            "AIRFLOW__COSMOS__ENABLE_CACHE": "False",
            "AIRFLOW__COSMOS__CACHE_DIR": f"{home}/cosmos",
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "DO_NOT_TRACK": "1",
            "SCARF_ANALYTICS": "false",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_NO_VERSION_CHECK": "true",
            "DBT_EXECUTABLE_PATH": f"{venv}/bin/dbt",
        }
    )
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(pythonpath)
    return env


def needs_database(record):
    return any("no such table" in error for error in record.get("import_errors", {}).values())


def load_folder(repo, folder, venv, work, reuse, setup):
    """DagBag's record of one DAG folder (see scripts/dagbag_record.py), or an error text."""
    dag_folder = os.path.join(repo, folder)
    home = os.path.join(work, folder.replace("/", "__"))
    out = os.path.join(home, "record.json")
    if reuse and os.path.exists(out):
        with open(out) as f:
            return json.load(f), None
    os.makedirs(home, exist_ok=True)
    # A deployment's AIRFLOW_HOME holds its DAG folder: `f"{AIRFLOW_HOME}/dags/dbt"` finds it.
    deployed = os.path.join(home, os.path.basename(dag_folder))
    if not os.path.lexists(deployed):
        os.symlink(dag_folder, deployed)
    sources = [read_text(p) for p in python_files(dag_folder)]
    pythonpath = import_paths(repo, dag_folder, sources)
    for path in pythonpath:
        if path != repo:
            sources.extend(read_text(p) for p in python_files(path))
    if setup.get("extras"):
        pythonpath.append(setup["extras"])
    extra = import_time_environment(sources)
    for variable, value in setup.get("variables", {}).items():
        extra["AIRFLOW_VAR_" + variable.upper()] = value
    env = loading_environment(venv, home, dag_folder, pythonpath, extra)

    def record():
        process = subprocess.run(
            [f"{venv}/bin/python", RECORDER, "--root", repo, "--folder", folder, "--out", out],
            cwd=home,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if process.returncode != 0 or not os.path.exists(out):
            return None, process.stderr.strip().splitlines()[-1:] or ["no output"]
        with open(out) as f:
            return json.load(f), None

    loaded, error = record()
    if loaded is not None and needs_database(loaded):
        migrate = subprocess.run(
            [f"{venv}/bin/airflow", "db", "migrate"], cwd=home, env=env, capture_output=True, text=True
        )
        if migrate.returncode == 0:
            loaded, error = record()
            if loaded is not None:
                loaded["database"] = True
                with open(out, "w") as f:
                    json.dump(loaded, f)
    return loaded, error


def airflow_major(repo, folders):
    for folder in folders:
        for path in python_files(os.path.join(repo, folder)):
            if AIRFLOW3_IMPORT.search(read_text(path)):
                return 3
    return 2


def error_cause(message):
    """The kind of an import error, from the first line of its exception."""
    if message.startswith(("ModuleNotFoundError", "ImportError")):
        module = re.search(r"named '([^']+)'|cannot import name '([^']+)'", message)
        name = next((g for g in module.groups() if g), "?") if module else "?"
        # A provider is named by its package (`airflow.providers.microsoft.mssql`).
        parts = name.split(".")
        module = ".".join(parts[:4] if parts[:2] == ["airflow", "providers"] else parts[:1])
        return f"missing module {module}" if "named" in message else f"missing name {name}"
    if "Variable" in message and "does not exist" in message:
        return "missing variable"
    if "no such table" in message:
        return "metadata database"
    if "conn_id" in message or "Connection" in message:
        return "missing connection"
    if message.startswith("KeyError"):
        return "missing key " + message.split(":", 1)[-1].strip()
    if message.startswith(("FileNotFoundError", "OSError")):
        return "missing file"
    if "timed out" in message.lower() or "Timeout" in message:
        return "timeout"
    return message.split(":", 1)[0] or "unknown"


def flatten(value):
    """Every string in a recorded argument value, joined with spaces."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return " ".join(flatten(v) for v in value.values())
    if isinstance(value, list):
        return " ".join(flatten(v) for v in value)
    return ""


def dbt_kind(task):
    """How a recorded task runs dbt (a short label), or None when it does not visibly run dbt.

    Cosmos tasks (with their dbt node), dbt operators (airflow-dbt, airflow-dbt-python, dbt
    Cloud), command-running operators whose command line has a dbt command, and Python tasks
    whose callable's name says dbt (their command is built when they run, out of DagBag's
    sight).
    """
    families = task.get("families", [])
    if task.get("dbt_node") or "cosmos" in families:
        return "cosmos"
    for family in families:
        if family in DBT_FAMILIES:
            return family
    args = task.get("args", {})
    for family in families:
        if family in COMMAND_FAMILIES and DBT_COMMAND.search(flatten(args)):
            return family
    callable_name = task.get("python_callable") or ""
    if "dbt" in callable_name.lower():
        return "python callable " + callable_name
    return None


def run_map(monolint, repo):
    process = subprocess.run(
        [monolint, "map", "--format", "json", "."], cwd=repo, capture_output=True, text=True, timeout=600
    )
    try:
        return json.loads(process.stdout), None
    except json.JSONDecodeError:
        return None, (process.stderr.strip().splitlines() or ["no output"])[-1]


def map_index(document):
    """monolint's DAG ids (-> files) and dbt tasks ((dag_id, task_id) -> resolved)."""
    dags = collections.defaultdict(set)
    tasks = {}
    for dag in document.get("dags", []):
        dags[dag["dag_id"]].add(dag["file"])
        for task in dag.get("tasks", []):
            calls = task.get("dbt", [])
            # `dbt deps` and other calls without a selection are known too.
            unread = [call for call in calls if call["status"] in ("unresolved", "invalid")]
            resolved = bool(calls) and not unread
            reasons = sorted({call.get("reason") or call["status"] for call in unread})
            tasks[(dag["dag_id"], task["task_id"])] = (resolved, reasons)
            for call in calls:
                for rendered in call.get("rendered_tasks") or []:
                    tasks[(dag["dag_id"], rendered)] = (call not in unread, reasons)
    return dags, tasks


def id_pattern(task_id):
    """A task id monolint gives as a pattern (`extract-{year}-{month}`: a loop it read once,
    its values depending on the day the file is imported) as a regular expression."""
    parts = re.split(r"\{[^{}]*\}", task_id)
    return re.compile(".+?".join(re.escape(part) for part in parts) + r"\Z")


def find_task(seen_tasks, dag_id, task_id):
    """monolint's entry for a task DagBag loaded: by its id, else by an id pattern."""
    if (dag_id, task_id) in seen_tasks:
        return seen_tasks[(dag_id, task_id)], False
    for (dag, pattern), entry in seen_tasks.items():
        if dag == dag_id and "{" in pattern and id_pattern(pattern).match(task_id):
            return entry, True
    return None, False


def percent(part, whole):
    return f"{part / whole:.1%}" if whole else "–"


def measure(name, commit, folders, repo, monolint, keep, reuse, extras):
    folder_list = folders.split(",")
    setup = dict(SETUP.get(name, {}))
    setup["extras"] = extra_packages(name, extras)
    major = airflow_major(repo, folder_list)
    venv = os.path.join(ROOT, f".venv-airflow{major}")
    work = keep or tempfile.mkdtemp(prefix="dagbag-coverage-")
    result = {"repository": name, "commit": commit, "airflow": major, "folders": {}, "errors": []}
    records = []
    try:
        for folder in folder_list:
            if not os.path.isdir(os.path.join(repo, folder)):
                result["errors"].append(f"{folder}: no such folder")
                continue
            record, error = load_folder(repo, folder, venv, work, reuse, setup)
            if record is None:
                result["errors"].append(f"{folder}: {' '.join(error)}")
                continue
            records.append(record)
            result["folders"][folder] = {"database": record.get("database", False)}
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)

    files = {}
    import_errors = {}
    dags = {}
    for record in records:
        files.update(record["files"])
        import_errors.update(record["import_errors"])
        for dag in record["dags"]:
            dags.setdefault(dag["dag_id"], dag)
    result["files"] = len(files)
    result["import_errors"] = import_errors
    result["causes"] = collections.Counter(error_cause(m) for m in import_errors.values())

    document, map_error = run_map(monolint, repo)
    if document is None:
        result["errors"].append(f"monolint map: {map_error}")
        document = {}
    seen_dags, seen_tasks = map_index(document)
    by_file = collections.defaultdict(set)
    for dag_id, paths in seen_dags.items():
        for path in paths:
            by_file[path].add(dag_id)

    result["dags"] = len(dags)
    result["tasks"] = sum(len(d["tasks"]) for d in dags.values())
    result["dags_found"] = 0
    result["dbt_tasks"] = 0
    result["dbt_found"] = 0
    result["dbt_by_pattern"] = 0
    result["dbt_resolved"] = 0
    result["dbt_kinds"] = collections.Counter()
    result["missed_dags"] = []
    result["missed_tasks"] = []
    result["unresolved"] = collections.Counter()
    for dag_id, dag in sorted(dags.items()):
        found = dag_id in seen_dags
        result["dags_found"] += found
        if not found:
            others = sorted(by_file.get(dag["fileloc"], ()))
            why = f"monolint reads other ids in the file: {', '.join(others[:5])}" if others else "no DAG in the file"
            result["missed_dags"].append((dag_id, dag["fileloc"], why))
        for task in dag["tasks"]:
            kind = dbt_kind(task)
            if kind is None:
                continue
            result["dbt_tasks"] += 1
            result["dbt_kinds"][kind.split(" ")[0]] += 1
            seen, by_pattern = find_task(seen_tasks, dag_id, task["task_id"])
            result["dbt_by_pattern"] += by_pattern
            if seen is None:
                result["missed_tasks"].append(
                    (dag_id, task["task_id"], task["operator"], kind, "DAG missed" if not found else "task not read as dbt")
                )
                continue
            result["dbt_found"] += 1
            resolved, reasons = seen
            result["dbt_resolved"] += resolved
            for reason in reasons:
                result["unresolved"][reason] += 1
    return result


def report(results):
    print("| repository | commit | Airflow | DagBag DAGs (files with import errors / files) | dbt tasks | monolint DAGs found | dbt tasks found | resolved |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        if "dags" not in r:
            print(f"| {r['repository']} | {r['commit'][:12]} | | not measured: {'; '.join(r['errors'])} | | | | |")
            continue
        print(
            f"| {r['repository']} | {r['commit'][:12]} | {r['airflow']} | {r['dags']} "
            f"({len(r['import_errors'])} / {r['files']}) | {r['dbt_tasks']} | "
            f"{percent(r['dags_found'], r['dags'])} | {percent(r['dbt_found'], r['dbt_tasks'])} | "
            f"{percent(r['dbt_resolved'], r['dbt_found'])} |"
        )
    measured = [r for r in results if r.get("dags")]
    total = collections.Counter()
    for r in measured:
        for key in ("dags", "dags_found", "dbt_tasks", "dbt_found", "dbt_by_pattern", "dbt_resolved"):
            total[key] += r[key]
    print(
        f"\nAll repositories with DAGs loaded: {percent(total['dags_found'], total['dags'])} of "
        f"{total['dags']} DAGs found, {percent(total['dbt_found'], total['dbt_tasks'])} of "
        f"{total['dbt_tasks']} dbt tasks found, {percent(total['dbt_resolved'], total['dbt_found'])} "
        f"of those resolved ({total['dbt_by_pattern']} found by the id pattern of a loop monolint "
        "read once: one task per date up to the day the file is imported)."
    )
    for r in results:
        print(f"\n### {r['repository']}\n")
        for error in r.get("errors", []):
            print(f"- not loaded: {error}")
        if "dags" not in r:
            continue
        causes = ", ".join(f"{c} {n}" for c, n in r["causes"].most_common()) or "none"
        database = [f for f, v in r["folders"].items() if v["database"]]
        print(f"- import errors: {causes}" + (f" (metadata database used for {', '.join(database)})" if database else ""))
        for path, message in sorted(r["import_errors"].items()):
            print(f"  - {path}: {message[:160]}")
        print(f"- dbt tasks by kind: {', '.join(f'{k} {n}' for k, n in r['dbt_kinds'].most_common()) or 'none'}")
        for dag_id, fileloc, why in r["missed_dags"]:
            print(f"- DAG missed: {dag_id} ({fileloc}): {why}")
        for dag_id, task_id, operator, kind, why in r["missed_tasks"]:
            print(f"- dbt task missed: {dag_id}.{task_id} ({operator}, {kind}): {why}")
        for reason, n in r["unresolved"].most_common():
            print(f"- unresolved ({n}): {reason}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("repos_dir")
    parser.add_argument("--monolint", default="monolint", type=lambda p: os.path.abspath(p) if os.sep in p else p)
    parser.add_argument("--only", nargs="*", help="repositories to measure (owner/name), default all")
    parser.add_argument("--json", help="write the measures per repository to this file")
    parser.add_argument("--keep", help="keep the AIRFLOW_HOMEs and DagBag records in this folder")
    parser.add_argument(
        "--extras",
        default=os.path.join(ROOT, ".dagbag-extras"),
        help="where the packages of SETUP are installed (default: .dagbag-extras/)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the DagBag records kept in --keep (to rerun only monolint)"
    )
    args = parser.parse_args()

    results = []
    for name, commit, _projects, folders, _patterns in repositories():
        if args.only and name not in args.only:
            continue
        repo = os.path.abspath(os.path.join(args.repos_dir, name.replace("/", "__")))
        if not os.path.isdir(repo):
            continue
        head = head_commit(repo)
        keep = os.path.join(os.path.abspath(args.keep), name.replace("/", "__")) if args.keep else None
        print(f"loading {name}", file=sys.stderr, flush=True)
        result = measure(name, head or commit, folders, repo, args.monolint, keep, args.reuse and keep, args.extras)
        results.append(result)
    report(results)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=1, sort_keys=True, default=list)


if __name__ == "__main__":
    main()
