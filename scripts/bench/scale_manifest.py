#!/usr/bin/env python3
"""Scale a real dbt manifest to any number of models, keeping its shape, with DAG files.

The input is a dbt project whose `target/manifest.json` was written by dbt (`dbt parse`). The
root project's nodes, sources and exposures are replicated: replica `r` puts every file under
`<top folder>/r<r>/...`, suffixes names and ids with `_r<r>` and rewrites dependencies, so tests
per model, sources, tags, exposures, materializations, configs and SQL stay as the real project
has them. Package nodes, macros, docs and everything else are kept once, as a larger project
would still install one copy of each package. `parent_map` and `child_map` are rebuilt.

Each node's SQL is written to its file with the checksum dbt would record, so the project on
disk matches the manifest as after `dbt parse`. DAG files mix the ways real teams run dbt:
BashOperator `dbt build --select path:...`, Cosmos `DbtTaskGroup` with `tag:` and graph
selectors, KubernetesPodOperator arguments, and (one in a hundred) DAGs that loop over the
manifest.

usage: scale_manifest.py PROJECT_DIR OUT_DIR --models N --dags M
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from replicate import replicate  # noqa: E402


class Plan:
    """What the DAG files select, taken from the real project."""

    def __init__(self, manifest, root):
        models = [
            n for n in manifest["nodes"].values()
            if n.get("resource_type") == "model" and n.get("package_name") == root
        ]
        folders = {}
        tags = {}
        for model in models:
            parts = model["original_file_path"].split("/")
            if len(parts) > 3:
                folders.setdefault("/".join(parts[1:3]), []).append(model)
            for tag in model.get("tags") or []:
                tags[tag] = tags.get(tag, 0) + 1
        # Folders with a handful of models, as one task would run; tags of a mid size.
        self.folders = sorted(f for f, ms in folders.items() if 3 <= len(ms) <= 60) or sorted(folders)
        self.tags = sorted(t for t, n in tags.items() if 5 <= n <= 100) or sorted(tags)
        self.models = sorted(m["name"] for m in models)
        self.top = models[0]["original_file_path"].split("/")[0] if models else "models"


def dag_file(i, r, plan, project_dir):
    """The i-th DAG file, about replica r."""
    folder = plan.folders[i % len(plan.folders)]
    path = f"path:{plan.top}/r{r}/{folder}"
    tag = plan.tags[i % len(plan.tags)]
    model = f"{plan.models[(i * 7919) % len(plan.models)]}_r{r}"
    other = f"{plan.models[(i * 104729) % len(plan.models)]}_r{r}"
    # One DAG file in a hundred builds its tasks from the manifest, as a few do in real repos.
    kind = 3 if i % 100 == 3 else i % 3
    header = f'"""Pipeline {i}: dbt models of replica {r}."""\n\n'
    common = f'''from datetime import timedelta

import pendulum
from airflow import DAG

DBT_DIR = "{project_dir}"
INTERVAL_VARS = '{{"start": "{{{{ data_interval_start | ds }}}}", "end": "{{{{ data_interval_end | ds }}}}"}}'

default_args = {{
    "owner": "team-{i % 17}",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
}}

'''
    dag = f'''with DAG(
    dag_id="pipeline_{i}",
    schedule="{i % 60} {i % 24} * * *",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    tags=["dbt"],
) as dag:
'''
    if kind == 0:
        return header + "from airflow.operators.bash import BashOperator\n" + common + dag + f'''    build = BashOperator(
        task_id="dbt_build",
        bash_command=f"cd {{DBT_DIR}} && dbt deps && dbt build --select {path} --vars '{{INTERVAL_VARS}}'",
    )
    test = BashOperator(
        task_id="dbt_test_upstream",
        bash_command=f"cd {{DBT_DIR}} && dbt test --select +{model}",
    )
    build >> test
'''
    if kind == 1:
        return header + (
            "from cosmos import DbtTaskGroup, ProfileConfig, ProjectConfig, RenderConfig\n"
            "from cosmos.constants import LoadMode\n"
        ) + common + dag + f'''    transform = DbtTaskGroup(
        group_id="transform",
        project_config=ProjectConfig(DBT_DIR, manifest_path=DBT_DIR + "/target/manifest.json"),
        profile_config=ProfileConfig(profile_name="default", target_name="prod", profiles_yml_filepath=DBT_DIR + "/profiles.yml"),
        render_config=RenderConfig(select=["tag:{tag}", "+{model}", "{other}+1"], load_method=LoadMode.DBT_MANIFEST),
        operator_args={{"vars": {{"start": "{{{{ data_interval_start | ds }}}}", "end": "{{{{ data_interval_end | ds }}}}"}}}},
    )
'''
    if kind == 2:
        return header + (
            "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n"
        ) + common + dag + f'''    run = KubernetesPodOperator(
        task_id="dbt_run",
        name="dbt-run",
        image="registry.example.com/dbt:1.11",
        cmds=["dbt"],
        arguments=["run", "--select", "{path}", "--exclude", "tag:{tag}", "--vars", INTERVAL_VARS],
    )
'''
    return header + (
        "import json\n\nfrom airflow.operators.bash import BashOperator\n"
    ) + common + f'''with open(DBT_DIR + "/target/manifest.json") as f:
    MANIFEST = json.load(f)

''' + dag + f'''    for node_id, node in MANIFEST["nodes"].items():
        if node["resource_type"] == "model" and "{tag}" in node["tags"]:
            BashOperator(
                task_id=node_id,
                bash_command=f"cd {{DBT_DIR}} && dbt run --select {{node['name']}}",
            )
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", help="a dbt project with target/manifest.json written by dbt")
    parser.add_argument("out", help="the monorepo to write (dbt/ and dags/)")
    parser.add_argument("--models", type=int, default=50000)
    parser.add_argument("--dags", type=int, default=2000)
    args = parser.parse_args()

    with open(os.path.join(args.project, "target", "manifest.json")) as f:
        manifest = json.load(f)
    root = manifest["metadata"]["project_name"]
    root_models = sum(
        1 for n in manifest["nodes"].values()
        if n.get("resource_type") == "model" and n.get("package_name") == root
    )
    replicas = max(1, round(args.models / max(1, root_models)))
    project = os.path.join(args.out, "dbt")
    os.makedirs(os.path.join(project, "target"), exist_ok=True)
    with open(os.path.join(args.project, "dbt_project.yml")) as f:
        project_yml = f.read()
    with open(os.path.join(project, "dbt_project.yml"), "w") as f:
        f.write(project_yml)

    scaled = replicate(
        manifest,
        project,
        replicas,
        folder_of=lambda r: f"r{r}",
        suffix_of=lambda r: f"_r{r}",
        package=root,
    )

    plan = Plan(manifest, root)
    dags = os.path.join(args.out, "dags")
    os.makedirs(dags, exist_ok=True)
    for i in range(args.dags):
        with open(os.path.join(dags, f"pipeline_{i}.py"), "w") as f:
            f.write(dag_file(i, i % replicas, plan, "/opt/airflow/dbt"))
    models = sum(1 for n in scaled["nodes"].values() if n.get("resource_type") == "model")
    size = os.path.getsize(os.path.join(project, "target", "manifest.json"))
    summary = {
        "replicas": replicas,
        "nodes": len(scaled["nodes"]),
        "models": models,
        "sources": len(scaled["sources"]),
        "manifest_bytes": size,
        "dag_files": args.dags,
    }
    with open(os.path.join(args.out, "bench.json"), "w") as f:
        json.dump(summary, f)
    print(
        f"{args.out}: {replicas} replicas, {len(scaled['nodes'])} nodes ({models} models), "
        f"{len(scaled['sources'])} sources, {size / 1e6:.0f} MB manifest, {args.dags} DAG files",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
