#!/usr/bin/env python3
"""Generates a large dbt + Airflow monorepo for checking the map's page at scale.

The example project's manifest (written by real dbt) is replicated into business units:
`models/<domain>/unit_<N>/...`, with ids, names, paths, fqns, dependencies and the parent and
child maps rewritten per unit, and every node's file written with the checksum dbt records,
so the project on disk matches its manifest. The DAG files are written as teams write them:

- one daily DAG per unit: `dbt deps && dbt build --select path:models/<domain>/unit_<N>`;
- two hourly DAGs that rebuild a whole domain (their models are built twice: X010);
- one DAG whose selector has a typo (X002);
- one DAG whose test selection comes from `params` (unresolved);
- the last units have no DAG (X001).

Usage: scripts/generate-map-monorepo.py OUT_DIR [--models 3000] [--dags 100]
"""

import argparse
import copy
import hashlib
import json
import math
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE = os.path.join(ROOT, "examples/acme-analytics/dbt/target/manifest.json")
DOMAINS = [
    "finance", "marketing", "product", "sales", "support", "people",
    "operations", "logistics", "risk", "growth", "partners", "platform",
]
REPLICATED = ("nodes", "sources", "exposures")


def unit_folder(unit):
    return f"{DOMAINS[unit % len(DOMAINS)]}/unit_{unit:03d}"


def suffix_id(node_id, unit):
    parts = node_id.split(".")
    if len(parts) > 2 and not parts[0].startswith("macro"):
        parts[2] = f"{parts[2]}_u{unit}"
    return ".".join(parts)


def insert_folder(path, folder, rename_file, suffix):
    """`models/staging/stg_orders.sql` -> `models/<folder>/staging/stg_orders_u7.sql`."""
    top, _, rest = path.partition("/")
    if not rest:
        top, rest = "", path
    if rename_file:
        stem, dot, ext = rest.rpartition(".")
        rest = f"{stem}{suffix}.{ext}" if dot else f"{rest}{suffix}"
    return f"{top}/{folder}/{rest}" if top else f"{folder}/{rest}"


def rewrite(entry, unit):
    entry = copy.deepcopy(entry)
    is_source = entry.get("resource_type") == "source"
    suffix, folder = f"_u{unit}", unit_folder(unit)
    entry["unique_id"] = suffix_id(entry["unique_id"], unit)
    if is_source:
        entry["source_name"] += suffix
    else:
        entry["name"] += suffix
    for key in ("path", "original_file_path"):
        if isinstance(entry.get(key), str):
            entry[key] = insert_folder(entry[key], folder, not is_source, suffix)
    if isinstance(entry.get("patch_path"), str):
        package, _, file = entry["patch_path"].partition("://")
        entry["patch_path"] = f"{package}://{insert_folder(file, folder, False, suffix)}"
    fqn = entry.get("fqn")
    if isinstance(fqn, list) and len(fqn) > 1:
        fqn[1:1] = folder.split("/")
        if not is_source:
            fqn[-1] += suffix
    deps = (entry.get("depends_on") or {}).get("nodes")
    if isinstance(deps, list):
        entry["depends_on"]["nodes"] = [suffix_id(dep, unit) for dep in deps]
    return entry


def checksum(text):
    # dbt hashes the file's text stripped of surrounding whitespace.
    return hashlib.sha256(text.strip(" \t\n\r\x0b\x0c").encode()).hexdigest()


def write_node_file(project, entry):
    file = entry.get("original_file_path")
    if not file:
        return
    path = os.path.join(project, file)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if file.endswith((".sql", ".py")):
        code = entry.get("raw_code") or ""
        with open(path, "w") as out:
            out.write(code)
        entry["checksum"] = {"name": "sha256", "checksum": checksum(code)}
    elif not os.path.exists(path):
        open(path, "w").close()
        if file.endswith(".csv"):
            entry["checksum"] = {"name": "sha256", "checksum": checksum("")}


def write_project(template, project, units):
    manifest = {}
    parents = {}
    for key, value in template.items():
        if key in REPLICATED:
            replicated = {}
            for unit in range(units):
                for entry in value.values():
                    entry = rewrite(entry, unit)
                    if key == "nodes":
                        write_node_file(project, entry)
                    replicated[entry["unique_id"]] = entry
                    parents[entry["unique_id"]] = list(
                        (entry.get("depends_on") or {}).get("nodes") or []
                    )
            manifest[key] = replicated
        elif key not in ("parent_map", "child_map"):
            manifest[key] = value
    children = {node: [] for node in parents}
    for node, deps in parents.items():
        for dep in deps:
            children.setdefault(dep, []).append(node)
    manifest["parent_map"] = parents
    manifest["child_map"] = children
    os.makedirs(os.path.join(project, "target"), exist_ok=True)
    with open(os.path.join(project, "target/manifest.json"), "w") as out:
        json.dump(manifest, out)
    with open(os.path.join(project, "dbt_project.yml"), "w") as out:
        out.write('name: acme\nversion: "1.0.0"\nconfig-version: 2\nprofile: acme\n')


HEADER = '''"""{doc}"""

from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

DBT_DIR = "/opt/airflow/dbt"
INTERVAL_VARS = '{{"start_date": "{{{{ data_interval_start | ds }}}}", "end_date": "{{{{ data_interval_end | ds }}}}"}}'

default_args = {{
    "owner": "{owner}",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
}}

with DAG(
    dag_id="{dag_id}",
    schedule="{schedule}",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    tags=["dbt"],
) as dag:
'''


def dag_file(dag_id, owner, schedule, doc, tasks):
    text = HEADER.format(doc=doc, owner=owner, dag_id=dag_id, schedule=schedule)
    for task_id, command in tasks:
        text += (
            f"    BashOperator(\n"
            f'        task_id="{task_id}",\n'
            f"        bash_command=f\"cd {{DBT_DIR}} && {command}\",\n"
            f"    )\n"
        )
    return text


def write_dags(dags_dir, units, count):
    os.makedirs(dags_dir, exist_ok=True)
    special = [
        ("domain_finance_hourly", "finance-analytics", "0 * * * *",
         "Hourly refresh of every finance unit.",
         [("dbt_run_finance", "dbt deps && dbt run --select path:models/finance --vars '{INTERVAL_VARS}'")]),
        ("domain_sales_hourly", "sales-analytics", "30 * * * *",
         "Hourly refresh of every sales unit.",
         [("dbt_run_sales", "dbt deps && dbt run --select path:models/sales --vars '{INTERVAL_VARS}'")]),
        ("finance_close_daily", "finance-analytics", "0 5 * * *",
         "Month-end close marts.",
         [("dbt_build_close", "dbt build --select tag:finanse_daily")]),
        ("manual_tests", "data-platform", "None",
         "Tests what the person triggering it asks for.",
         [("dbt_test_requested", "dbt test --select {{{{ params.select }}}}")]),
    ]
    per_unit = max(0, min(units - 2, count - len(special)))
    for unit in range(per_unit):
        folder = unit_folder(unit)
        domain = DOMAINS[unit % len(DOMAINS)]
        dag_id = f"unit_{unit:03d}_daily"
        tasks = [
            ("dbt_build", f"dbt deps && dbt build --select path:models/{folder} --vars '{{INTERVAL_VARS}}'"),
        ]
        if unit % 4 == 0:
            tasks.append(("dbt_test_sources", f"dbt test --select source:raw_u{unit}"))
        text = dag_file(dag_id, f"{domain}-analytics", f"{unit % 60} 6 * * *",
                        f"Daily pipeline of business unit {unit}.", tasks)
        with open(os.path.join(dags_dir, f"{dag_id}.py"), "w") as out:
            out.write(text)
    for dag_id, owner, schedule, doc, tasks in special[: max(0, count - per_unit)]:
        text = dag_file(dag_id, owner, schedule, doc, tasks)
        if schedule == "None":
            text = text.replace('schedule="None"', "schedule=None")
        with open(os.path.join(dags_dir, f"{dag_id}.py"), "w") as out:
            out.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--models", type=int, default=3000)
    parser.add_argument("--dags", type=int, default=100)
    args = parser.parse_args()
    with open(TEMPLATE) as file:
        template = json.load(file)
    per_unit = sum(1 for n in template["nodes"].values() if n["resource_type"] == "model")
    units = math.ceil(args.models / max(per_unit, 1))
    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    write_project(template, os.path.join(args.out, "dbt"), units)
    write_dags(os.path.join(args.out, "dags"), units, args.dags)
    print(f"wrote {args.out}: {units * per_unit} models in {units} units, {args.dags} DAGs",
          file=sys.stderr)


if __name__ == "__main__":
    main()
