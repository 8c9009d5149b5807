import os
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

ENV = os.environ.get("ENV", "dev")

if ENV == "prod":
    dag = DAG("transform", schedule="@hourly", start_date=datetime(2024, 1, 1), catchup=False)
else:
    dag = DAG("transform", schedule=None, start_date=datetime(2024, 1, 1))

BashOperator(task_id="dbt_build", bash_command="dbt build", dag=dag)

for team in ["finance", "marketing"]:
    with DAG(f"transform_{team}", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
        BashOperator(task_id="dbt_build", bash_command=f"dbt build -s tag:{team}")
