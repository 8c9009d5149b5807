from airflow.decorators import dag
from airflow.operators.bash import BashOperator
from pendulum import datetime


@dag(schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False)
def dbt_marts():
    BashOperator(
        task_id="run_marts",
        bash_command="dbt run -s path:models/marts retired --exclude fct_order",
    )


dbt_marts()
