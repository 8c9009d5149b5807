from airflow.decorators import dag, task
from airflow.utils.dates import days_ago


@dag(dag_id="ingestion_loja", schedule="0 */6 * * *", start_date=days_ago(1), catchup=False)
def ingestion():
    @task
    def extract():
        pass

    extract()


ingestion()
