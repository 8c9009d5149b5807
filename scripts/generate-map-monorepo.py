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
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
from replicate import replicate  # noqa: E402


def unit_folder(unit):
    return f"{DOMAINS[unit % len(DOMAINS)]}/unit_{unit:03d}"


def write_project(template, project, units):
    replicate(template, project, units, folder_of=unit_folder, suffix_of=lambda unit: f"_u{unit}")
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
