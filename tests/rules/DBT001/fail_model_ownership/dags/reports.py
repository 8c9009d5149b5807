from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

# The reporting team owns the DAG, and with it the model it runs.
with DAG("reports", schedule="@weekly", start_date=datetime(2024, 1, 1), catchup=False, default_args={"owner": "reporting"}):
    BashOperator(task_id="dbt_run_old_report", bash_command="dbt run --select old_report")
