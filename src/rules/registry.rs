//! The list of every rule. Adding a rule adds one line here.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Rule, RuleMeta};
use super::{airflow, cross, dbt, monolint};

// A rule struct is its own options, so it derives `Deserialize`, `Default` and `JsonSchema`
// (for the config's JSON Schema); a rule missing one of them does not compile here.
macro_rules! registry {
    ($($field:ident: $rule:ty),* $(,)?) => {
        /// The `[rules.<name>]` tables of the config: each rule's options.
        #[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
        #[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
        pub struct RuleOptions {
            $(
                #[schemars(description = schema_description(&<$rule>::META))]
                pub $field: Option<$rule>,
            )*
        }

        /// Every rule's metadata, sorted by code.
        pub static ALL: &[&RuleMeta] = &[$(&<$rule>::META),*];

        impl RuleOptions {
            /// Every rule with its configured (or default) options, in `ALL` order.
            pub fn instantiate(&self) -> Vec<Box<dyn Rule>> {
                vec![$(Box::new(self.$field.clone().unwrap_or_default())),*]
            }

            /// The config key of each rule, in `ALL` order (checked against the rule names).
            pub const KEYS: &[&str] = &[$(stringify!($field)),*];
        }
    };
}

registry! {
    dag_owner_missing: airflow::dag_owner_missing::DagOwnerMissing,
    dag_retries_missing: airflow::dag_retries_missing::DagRetriesMissing,
    dag_alerting_missing: airflow::dag_alerting_missing::DagAlertingMissing,
    dag_catchup_implicit: airflow::dag_catchup_implicit::DagCatchupImplicit,
    dag_arg_in_default_args: airflow::dag_arg_in_default_args::DagArgInDefaultArgs,
    dag_dynamic_start_date: airflow::dag_dynamic_start_date::DagDynamicStartDate,
    dag_schedule_missing: airflow::dag_schedule_missing::DagScheduleMissing,
    dag_id_duplicate: airflow::dag_id_duplicate::DagIdDuplicate,
    dag_parse_heavy: airflow::dag_parse_heavy::DagParseHeavy,
    model_owner_missing: dbt::model_owner_missing::ModelOwnerMissing,
    incremental_unique_key_missing: dbt::incremental_unique_key_missing::IncrementalUniqueKeyMissing,
    model_description_missing: dbt::model_description_missing::ModelDescriptionMissing,
    column_description_missing: dbt::column_description_missing::ColumnDescriptionMissing,
    source_description_missing: dbt::source_description_missing::SourceDescriptionMissing,
    model_tests_missing: dbt::model_tests_missing::ModelTestsMissing,
    source_freshness_missing: dbt::source_freshness_missing::SourceFreshnessMissing,
    exposure_owner_missing: dbt::exposure_owner_missing::ExposureOwnerMissing,
    model_naming_convention: dbt::model_naming_convention::ModelNamingConvention,
    source_referenced_outside_staging: dbt::source_referenced_outside_staging::SourceReferencedOutsideStaging,
    model_rejoins_upstream: dbt::model_rejoins_upstream::ModelRejoinsUpstream,
    public_model_without_contract: dbt::public_model_without_contract::PublicModelWithoutContract,
    source_unused: dbt::source_unused::SourceUnused,
    incremental_filter_unused: dbt::incremental_filter_unused::IncrementalFilterUnused,
    model_too_many_parents: dbt::model_too_many_parents::ModelTooManyParents,
    unused_suppression: monolint::unused_suppression::UnusedSuppression,
    model_not_scheduled: cross::model_not_scheduled::ModelNotScheduled,
    selector_matches_nothing: cross::selector_matches_nothing::SelectorMatchesNothing,
    selector_invalid: cross::selector_invalid::SelectorInvalid,
    incremental_without_interval_vars: cross::incremental_without_interval_vars::IncrementalWithoutIntervalVars,
    dbt_task_unresolved: cross::dbt_task_unresolved::DbtTaskUnresolved,
    stale_manifest: cross::stale_manifest::StaleManifest,
    cosmos_selector_divergence: cross::cosmos_selector_divergence::CosmosSelectorDivergence,
    interval_vars_empty_window: cross::interval_vars_empty_window::IntervalVarsEmptyWindow,
    model_manual_only: cross::model_manual_only::ModelManualOnly,
    model_scheduled_twice: cross::model_scheduled_twice::ModelScheduledTwice,
    upstream_not_awaited: cross::upstream_not_awaited::UpstreamNotAwaited,
    test_task_selects_nothing: cross::test_task_selects_nothing::TestTaskSelectsNothing,
    var_not_provided: cross::var_not_provided::VarNotProvided,
    interval_vars_removed_macro: cross::interval_vars_removed_macro::IntervalVarsRemovedMacro,
    tests_not_scheduled: cross::tests_not_scheduled::TestsNotScheduled,
    nondeterministic_interval: cross::nondeterministic_interval::NondeterministicInterval,
    owner_mismatch: cross::owner_mismatch::OwnerMismatch,
    source_freshness_not_checked: cross::source_freshness_not_checked::SourceFreshnessNotChecked,
    dbt_project_path_missing: cross::dbt_project_path_missing::DbtProjectPathMissing,
}

/// What editors show for `[rules.<name>]`: the rule's code, group, default severity and summary.
fn schema_description(meta: &RuleMeta) -> String {
    format!(
        "{} ({}, {} by default): {}",
        meta.code,
        meta.group,
        meta.severity,
        meta.summary()
    )
}
