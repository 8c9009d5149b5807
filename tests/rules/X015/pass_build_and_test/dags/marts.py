from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("marts", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    build_staging = BashOperator(task_id="dbt_build_staging", bash_command="dbt build --select tag:staging")
    run_marts = BashOperator(task_id="dbt_run_marts", bash_command="dbt run --select tag:daily")
    test_marts = BashOperator(task_id="dbt_test_marts", bash_command="dbt test --select tag:daily")
    build_staging >> run_marts >> test_marts
