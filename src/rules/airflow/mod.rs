//! Rules on the Airflow DAGs alone.

pub mod causes;
pub mod dag_owner_missing;
