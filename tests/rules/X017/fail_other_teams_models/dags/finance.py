from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

# The staging models belong to the platform team, the marts to analytics.
with DAG("finance_daily", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False, default_args={"owner": "finance"}):
    BashOperator(task_id="dbt_build", bash_command="dbt build --select tag:staging tag:daily")
