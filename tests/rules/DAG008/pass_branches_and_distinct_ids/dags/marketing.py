from datetime import datetime

from airflow.decorators import dag, task


@dag(schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False)
def transform_marketing_exports():
    @task.bash
    def export():
        return "dbt run-operation export_marketing"

    export()


transform_marketing_exports()
