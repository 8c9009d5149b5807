"""dbt run from Python tasks through Airflow's SubprocessHook, directly and through a helper."""

from airflow.decorators import dag, task
from airflow.hooks.subprocess import SubprocessHook
from pendulum import datetime

DBT_DIR = "/opt/airflow/dbt"


def run_dbt(arguments, cwd=DBT_DIR):
    from airflow.exceptions import AirflowException
    from airflow.hooks.subprocess import SubprocessHook

    result = SubprocessHook().run_command(["dbt"] + arguments, cwd=cwd)
    if result.exit_code != 0:
        raise AirflowException(result.output)


@dag(schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False)
def dbt_marts():
    @task
    def build_staging():
        hook = SubprocessHook()
        hook.run_command(["dbt", "run", "--select", "path:models/stagin"], cwd=DBT_DIR)

    @task
    def build_marts(folder):
        run_dbt(["run", "--select", f"path:models/{folder}"])

    build_staging() >> build_marts("mart")


dbt_marts()
