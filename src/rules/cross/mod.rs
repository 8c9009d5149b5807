//! Rules that need both halves: what the DAGs run against what the dbt project holds.

pub mod cosmos_selector_divergence;
pub mod dbt_project_path_missing;
pub mod dbt_task_unresolved;
pub mod incremental_without_interval_vars;
pub mod interval_vars_empty_window;
pub mod interval_vars_removed_macro;
pub mod model_manual_only;
pub mod model_not_scheduled;
pub mod model_scheduled_twice;
pub mod nondeterministic_interval;
pub mod owner_mismatch;
pub mod selector_invalid;
pub mod selector_matches_nothing;
pub mod source_freshness_not_checked;
pub mod stale_manifest;
pub mod test_task_selects_nothing;
pub mod tests_not_scheduled;
pub mod upstream_not_awaited;
pub mod var_not_provided;
