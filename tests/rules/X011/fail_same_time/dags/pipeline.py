from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

default_args = {"owner": "analytics", "retries": 2}

for name, selection in [("staging", "tag:staging"), ("marts", "tag:daily")]:
    with DAG(f"dbt_{name}", schedule="0 14 * * *", start_date=datetime(2024, 1, 1), catchup=False, default_args=default_args):
        BashOperator(task_id="dbt_build", bash_command=f"dbt build --select {selection}")
