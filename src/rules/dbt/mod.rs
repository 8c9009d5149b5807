//! Rules on the dbt project alone.

pub mod convention;
pub mod model_owner_missing;
