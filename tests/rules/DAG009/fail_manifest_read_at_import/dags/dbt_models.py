import json
import os
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

DBT_DIR = "/opt/airflow/dbt"
MANIFEST_PATH = os.path.join(DBT_DIR, "target", "manifest.json")


def load_manifest():
    with open(MANIFEST_PATH) as f:
        return json.load(f)


manifest = load_manifest()

with DAG("dbt_models", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    for node_id, node in manifest["nodes"].items():
        if node["resource_type"] == "model":
            BashOperator(task_id=node["name"], bash_command=f"dbt run -s {node['name']} --project-dir {DBT_DIR}")
