from datetime import datetime

from airflow import DAG
from airflow.models import Variable
from airflow.operators.bash import BashOperator

TARGET = Variable.get("dbt_target")
THREADS = Variable.get("dbt_threads", default_var="8")

with DAG("sales", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(
        task_id="dbt_build",
        bash_command=f"dbt build -s tag:sales --target {TARGET} --threads {THREADS}",
        env={"SNOWFLAKE_ACCOUNT": Variable.get("snowflake_account")},
    )
