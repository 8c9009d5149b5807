//! Rules on the Airflow DAGs alone.

pub mod causes;
pub mod dag_alerting_missing;
pub mod dag_arg_in_default_args;
pub mod dag_catchup_implicit;
pub mod dag_dynamic_start_date;
pub mod dag_id_duplicate;
pub mod dag_owner_missing;
pub mod dag_parse_heavy;
pub mod dag_retries_missing;
pub mod dag_schedule_missing;
