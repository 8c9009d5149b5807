from datetime import datetime

from airflow.decorators import dag, task


@dag("orders", schedule="@hourly", start_date=datetime(2024, 1, 1), catchup=False)
def orders_v2():
    @task.bash
    def build():
        return "dbt build -s tag:orders_v2"

    build()


orders_v2()
