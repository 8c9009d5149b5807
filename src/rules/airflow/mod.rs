//! Rules on the Airflow DAGs alone.

pub mod dag_owner_missing;
