//! DAG006: a scheduled DAG whose `start_date` is computed from the clock (`datetime.now()`,
//! `days_ago(2)`, `pendulum.today()`), so it moves every time Airflow parses the file.

use schemars::JsonSchema;
use serde::Deserialize;

use std::collections::BTreeMap;

use super::causes::{DagCause, HABIT, by_place, dags_at, repeated_places};
use crate::airflow::precedence::{Setting, dag_argument, dag_default_argument};
use crate::airflow::schedule::{AirflowVersion, Schedule};
use crate::airflow::value::{Item, Value};
use crate::airflow::{Dag, DagFile};
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DAG006 with its options, `[rules.dag-dynamic-start-date]` in the config.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct DagDynamicStartDate {
    /// Functions whose call reads the clock, by name: a `start_date` calling one of them is
    /// dynamic.
    pub clock_functions: Vec<String>,
}

impl Default for DagDynamicStartDate {
    fn default() -> Self {
        DagDynamicStartDate {
            clock_functions: DEFAULT_CLOCK_FUNCTIONS
                .iter()
                .map(|name| (*name).to_owned())
                .collect(),
        }
    }
}

/// `datetime.now()`, `datetime.utcnow()`, `datetime.today()`, `date.today()`,
/// `pendulum.now()`, `pendulum.today()`, `pendulum.yesterday()`, Airflow's `days_ago(n)` and
/// `timezone.utcnow()`.
pub const DEFAULT_CLOCK_FUNCTIONS: &[&str] = &["now", "utcnow", "today", "yesterday", "days_ago"];

declare_rule!(DagDynamicStartDate {
    code: "DAG006",
    name: "dag-dynamic-start-date",
    group: Operations,
    preset: Strict,
    severity: Warning,
});

impl Rule for DagDynamicStartDate {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        // By clock function: `days_ago` copied into many DAG files is one habit.
        let mut by_function: BTreeMap<String, Vec<DagCause>> = BTreeMap::new();
        for file in &repo.dag_files {
            for dag in &file.dags {
                if !runs_on_a_timetable(dag, file) {
                    continue;
                }
                if let Some((function, cause)) = self.dynamic_start_date(dag) {
                    let name = function.rsplit('.').next().unwrap_or_default().to_owned();
                    by_function
                        .entry(name)
                        .or_default()
                        .push(DagCause::new(dag, cause));
                }
            }
        }
        for (function, dynamic) in by_function {
            let dags = dynamic.len();
            // A `start_date` in a shared `default_args` is one place.
            let places = by_place(dynamic);
            if places.len() >= HABIT {
                let message = format!(
                    "{dags} DAGs have a `start_date` from `{function}(...)`, which moves with the clock"
                );
                if let Some(diagnostic) = repeated_places(report, message, places) {
                    report.emit(diagnostic.with_help(HELP));
                }
                continue;
            }
            for place in places {
                let message = match place.dags.as_slice() {
                    [(id, _)] => format!("DAG `{id}` has a `start_date` that moves with the clock"),
                    many => format!(
                        "{} DAGs have a `start_date` that moves with the clock",
                        many.len()
                    ),
                };
                let diagnostic = report.diagnostic(message, place.cause.clone());
                report.emit(dags_at(diagnostic, &place).with_help(HELP));
            }
        }
    }
}

const HELP: &str = "use a fixed date, such as `pendulum.datetime(2024, 1, 1, tz=\"UTC\")`, with `catchup=False` if past intervals should not run";

/// Whether the DAG is scheduled by time: a moving start date only matters then.
fn runs_on_a_timetable(dag: &Dag, file: &DagFile) -> bool {
    match Schedule::of(dag) {
        Schedule::Default => file.airflow_version != Some(AirflowVersion::V3),
        Schedule::Manual | Schedule::Datasets { .. } => false,
        _ => true,
    }
}

impl DagDynamicStartDate {
    /// The DAG's `start_date` (its own, else its `default_args`'), when it reads the clock:
    /// the clock function as written, and a label at the value.
    fn dynamic_start_date(&self, dag: &Dag) -> Option<(String, Label)> {
        let item = match dag_argument(dag, "start_date") {
            Setting::Set(item) => item,
            Setting::Unknown => return None,
            Setting::Unset => dag_default_argument(dag, "start_date").item()?,
        };
        let function = self.clock_call(item)?;
        // Point where the value is written: a constant's call, rather than its name.
        let written = match &item.value {
            Value::Call(call) => call.span.clone(),
            _ => item.span.clone(),
        };
        let label = Label::new(
            written,
            format!(
                "`{function}(...)` is evaluated at each parse, so the DAG's first interval keeps moving"
            ),
        );
        Some((function, label))
    }

    /// The clock function the expression calls, as written: `datetime.now`, `days_ago`.
    fn clock_call(&self, item: &Item) -> Option<String> {
        // A call remembers where it is written, also when reached through a constant.
        let text = match &item.value {
            Value::Call(call) => call.span.text(),
            _ => item.span.text(),
        };
        let mut chars = text.char_indices().peekable();
        let mut dotted = String::new();
        while let Some((_, c)) = chars.next() {
            if c.is_alphanumeric() || c == '_' || c == '.' {
                dotted.push(c);
                continue;
            }
            let called =
                c == '(' || (c.is_whitespace() && chars.peek().is_some_and(|(_, n)| *n == '('));
            let name = dotted.rsplit('.').next().unwrap_or_default();
            if called && self.clock_functions.iter().any(|f| f == name) {
                return Some(dotted);
            }
            dotted.clear();
        }
        None
    }
}
