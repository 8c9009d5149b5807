//! Rules on the dbt project alone.

pub mod convention;
pub mod incremental_unique_key_missing;
pub mod model_owner_missing;
pub mod nodes;
