import pendulum
from airflow.sdk import dag, task


@dag(start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), tags=["exports"])
def nightly_exports():
    @task.bash
    def export():
        return "dbt run-operation export_tables"

    export()


nightly_exports()
