from datetime import datetime

from airflow.decorators import dag, task


@dag("orders", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False)
def orders():
    @task.bash
    def build():
        return "dbt build -s tag:orders"

    build()


orders()
