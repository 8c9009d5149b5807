//! DAG007: a DAG without `schedule` (or Airflow 2's `schedule_interval` or `timetable`): its
//! cadence is Airflow's default, daily at midnight on Airflow 2 and none on Airflow 3, so it
//! changes with the upgrade and says nothing to the reader.

use schemars::JsonSchema;
use serde::Deserialize;

use super::causes::{DagCause, Wording, report_lacking};
use crate::airflow::Dag;
use crate::airflow::precedence::{Setting, dag_default_argument};
use crate::airflow::schedule::{AirflowVersion, Schedule};
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DAG007, `[rules.dag-schedule-missing]` in the config: no options.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct DagScheduleMissing {}

declare_rule!(DagScheduleMissing {
    code: "DAG007",
    name: "dag-schedule-missing",
    group: Operations,
    preset: Strict,
    severity: Warning,
});

const WORDING: Wording = Wording {
    one: "has no `schedule`",
    many: "have no `schedule`",
    none: "sets `schedule`",
    help: "set `schedule=` on the DAG: a cron string, a timedelta, datasets, or `None` for a DAG run only when triggered",
};

/// The schedule arguments, in every Airflow version.
const SCHEDULE_ARGUMENTS: &[&str] = &["schedule", "schedule_interval", "timetable"];

impl Rule for DagScheduleMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        let mut lacking = Vec::new();
        let mut dags = 0;
        for file in &repo.dag_files {
            for dag in &file.dags {
                dags += 1;
                // `dag.schedule_interval = ...` after the constructor sets it too.
                let assigned = SCHEDULE_ARGUMENTS
                    .iter()
                    .any(|argument| file.import_time.assigns_attribute(argument));
                if assigned || !leaves_schedule_to_default(dag) {
                    continue;
                }
                let text = match file.airflow_version {
                    Some(AirflowVersion::V2) => {
                        "without `schedule`, Airflow 2 runs the DAG daily at midnight"
                    }
                    Some(AirflowVersion::V3) => {
                        "without `schedule`, Airflow 3 runs the DAG only when triggered"
                    }
                    None => {
                        "without `schedule`, the DAG runs daily on Airflow 2 and only when triggered on Airflow 3"
                    }
                };
                lacking.push(DagCause::new(dag, Label::new(dag.span().clone(), text)));
            }
        }
        report_lacking(report, lacking, dags, &WORDING);
    }
}

/// Whether no schedule argument reaches the DAG. One written in `default_args` is reported
/// by dag-arg-in-default-args, at the key.
fn leaves_schedule_to_default(dag: &Dag) -> bool {
    Schedule::of(dag) == Schedule::Default
        && !dag.call.unknown_splat
        && !SCHEDULE_ARGUMENTS
            .iter()
            .any(|key| matches!(dag_default_argument(dag, key), Setting::Set(_)))
}
