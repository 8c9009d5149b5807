import os

from airflow import DAG  # noqa: F401
from dagfactory import load_yaml_dags
from gusty import create_dag

load_yaml_dags(globals_dict=globals(), dags_folder=os.path.join(os.path.dirname(__file__), "configs"))

finance = create_dag(os.path.join(os.path.dirname(__file__), "gusty", "finance"), latest_only=False)
