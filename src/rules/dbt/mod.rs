//! Rules on the dbt project alone.

pub mod column_description_missing;
pub mod exposure_owner_missing;
pub mod incremental_filter_unused;
pub mod incremental_unique_key_missing;
pub mod layers;
pub mod model_description_missing;
pub mod model_naming_convention;
pub mod model_owner_missing;
pub mod model_rejoins_upstream;
pub mod model_tests_missing;
pub mod model_too_many_parents;
pub mod nodes;
pub mod public_model_without_contract;
pub mod source_description_missing;
pub mod source_freshness_missing;
pub mod source_referenced_outside_staging;
pub mod source_unused;
