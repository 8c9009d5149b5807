//! Rules that need both halves: what the DAGs run against what the dbt project holds.

pub mod cosmos_selector_divergence;
pub mod dbt_task_unresolved;
pub mod incremental_without_interval_vars;
pub mod interval_vars_empty_window;
pub mod model_manual_only;
pub mod model_not_scheduled;
pub mod model_scheduled_twice;
pub mod selector_invalid;
pub mod selector_matches_nothing;
pub mod stale_manifest;
pub mod test_task_selects_nothing;
pub mod upstream_not_awaited;
