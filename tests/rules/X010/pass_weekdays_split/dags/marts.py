from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

# Everything is rebuilt on Mondays and Thursdays; on the other days only the daily marts.
with DAG("dbt_all", schedule="0 14 * * 1,4", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build_all", bash_command="dbt build")

with DAG("dbt_daily", schedule="0 14 * * 0,2,3,5,6", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build_daily", bash_command="dbt build --select tag:daily")
