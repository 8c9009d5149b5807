import os
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

DBT_DIR = os.environ["DBT_PROJECT_DIR"]

with DAG("payments_daily", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    # Baked into the worker image; nothing in the repository says where it comes from.
    image_path = BashOperator(
        task_id="dbt_build",
        bash_command="dbt build --project-dir /opt/payments --profiles-dir ~/.dbt --select tag:daily",
    )
    from_env = BashOperator(
        task_id="dbt_test",
        bash_command=f"dbt test --project-dir {DBT_DIR} --profiles-dir $DBT_PROFILES_DIR --select tag:daily",
    )
    # The pod's paths are the image's.
    in_pod = KubernetesPodOperator(
        task_id="dbt_snapshot",
        name="dbt-snapshot",
        image="registry.example.com/payments-dbt:latest",
        cmds=["dbt"],
        arguments=["snapshot", "--project-dir", "/app/payments", "--profiles-dir", "/app/profiles"],
    )
    image_path >> from_env >> in_pod
