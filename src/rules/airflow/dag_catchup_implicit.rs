//! DAG004: a scheduled DAG that does not say whether it catches up. Airflow 2 then reads
//! `[scheduler] catchup_by_default` (true), so the DAG runs every interval since its
//! `start_date` when it is first enabled; Airflow 3 defaults to false.

use schemars::JsonSchema;
use serde::Deserialize;

use super::causes::{DagCause, Wording, report_lacking};
use crate::airflow::precedence::{Setting, dag_argument, dag_default_argument};
use crate::airflow::schedule::{AirflowVersion, Schedule};
use crate::airflow::{Dag, DagFile};
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DAG004 with its options, `[rules.dag-catchup-implicit]` in the config.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct DagCatchupImplicit {
    /// The deployment's `[scheduler] catchup_by_default`, when it sets one. Unset: Airflow's
    /// default, true on Airflow 2 (and for files of unknown version), false on Airflow 3.
    pub catchup_by_default: Option<bool>,
}

declare_rule!(DagCatchupImplicit {
    code: "DAG004",
    name: "dag-catchup-implicit",
    group: Operations,
    preset: Strict,
    severity: Warning,
});

const WORDING: Wording = Wording {
    one: "does not set `catchup`",
    many: "do not set `catchup`",
    none: "sets `catchup`",
    help: "set `catchup=False` (or `True`, to backfill on purpose) on the DAG; if the deployment sets `catchup_by_default = False`, say so with `catchup-by-default = false` in `[rules.dag-catchup-implicit]`",
};

impl Rule for DagCatchupImplicit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        let mut lacking = Vec::new();
        let mut dags = 0;
        for file in &repo.dag_files {
            let Some(why) = self.backfills(file) else {
                continue;
            };
            for dag in &file.dags {
                if !has_intervals(&Schedule::of(dag), file.airflow_version) {
                    continue;
                }
                dags += 1;
                // `dag.catchup = False` after the constructor sets it too.
                if leaves_catchup_unset(dag) && !file.import_time.assigns_attribute("catchup") {
                    lacking.push(DagCause::new(dag, Label::new(dag.span().clone(), why)));
                }
            }
        }
        report_lacking(report, lacking, dags, &WORDING);
    }
}

impl DagCatchupImplicit {
    /// Why a DAG of `file` that leaves `catchup` unset backfills; `None` when it does not.
    fn backfills(&self, file: &DagFile) -> Option<&'static str> {
        match (self.catchup_by_default, file.airflow_version) {
            (Some(false), _) | (None, Some(AirflowVersion::V3)) => None,
            (Some(true), _) => Some(
                "the deployment's `catchup_by_default` is true: when first enabled, the DAG backfills every interval since `start_date`",
            ),
            (None, Some(AirflowVersion::V2)) => Some(
                "on Airflow 2, which catches up by default, the DAG backfills every interval since `start_date` when first enabled",
            ),
            (None, None) => Some(
                "if it runs on Airflow 2, which catches up by default, the DAG backfills every interval since `start_date` when first enabled",
            ),
        }
    }
}

/// Whether runs of a schedule are intervals that a DAG catching up would backfill. A DAG run
/// only when triggered (Airflow 3's default schedule), once, continuously or by dataset
/// updates has none.
fn has_intervals(schedule: &Schedule, version: Option<AirflowVersion>) -> bool {
    match schedule {
        Schedule::Default => version != Some(AirflowVersion::V3),
        Schedule::Manual | Schedule::Once | Schedule::Continuous | Schedule::Datasets { .. } => {
            false
        }
        _ => true,
    }
}

/// Whether the DAG leaves `catchup` to the default.
fn leaves_catchup_unset(dag: &Dag) -> bool {
    // `catchup` written in `default_args` is reported by dag-arg-in-default-args, at the key.
    matches!(dag_argument(dag, "catchup"), Setting::Unset)
        && !matches!(dag_default_argument(dag, "catchup"), Setting::Set(_))
}
