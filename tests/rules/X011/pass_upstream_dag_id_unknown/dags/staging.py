from datetime import datetime

from airflow import DAG
from airflow.models import Variable
from airflow.operators.bash import BashOperator

# The id is set per deployment: a sensor elsewhere may wait for it under that name.
with DAG(Variable.get("staging_dag_id"), schedule="0 6 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build_staging", bash_command="dbt build --select tag:staging")
