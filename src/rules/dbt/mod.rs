//! Rules on the dbt project alone.

pub mod model_owner_missing;
