//! DAG003: a DAG whose failures alert nobody: no failure callback on the DAG, and tasks with
//! neither a failure callback nor an `email` to send failures to, anywhere in the precedence
//! chain.

use schemars::JsonSchema;
use serde::Deserialize;

use super::causes::{DagCause, Wording, report_lacking};
use crate::airflow::precedence::{
    Setting, dag_argument, dag_default_argument, default_args_span, task_argument,
    tasks_that_can_fail,
};
use crate::airflow::value::{Item, Value};
use crate::airflow::{Dag, DagFile, Task};
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DAG003 with its options, `[rules.dag-alerting-missing]` in the config.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct DagAlertingMissing {
    /// The failure callbacks that alert the team (function or notifier names, such as
    /// `slack_failure_alert` or `send_slack_notification`). Empty: any callback counts.
    pub callbacks: Vec<String>,
    /// Whether an `email` to send failures to counts as alerting (with `email_on_failure`
    /// left to Airflow's default, true, or set true).
    pub email: bool,
}

impl Default for DagAlertingMissing {
    fn default() -> Self {
        DagAlertingMissing {
            callbacks: Vec::new(),
            email: true,
        }
    }
}

declare_rule!(DagAlertingMissing {
    code: "DAG003",
    name: "dag-alerting-missing",
    group: Operations,
    preset: Strict,
    severity: Warning,
});

const WORDING: Wording = Wording {
    one: "fails without alerting anyone",
    many: "fail without alerting anyone",
    none: "alerts on failure",
    help: "set `on_failure_callback` on the DAG or in `default_args` (a Slack or PagerDuty notifier), or an `email` to send failures to",
};

/// Whether something alerts: `None` when it cannot be known.
type Alerts = Option<bool>;

impl Rule for DagAlertingMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        let mut lacking = Vec::new();
        let mut dags = 0;
        for file in &repo.dag_files {
            for (index, dag) in file.dags.iter().enumerate() {
                dags += 1;
                if self.silent(file, index, dag) {
                    lacking.push(DagCause::new(dag, self.cause(dag)));
                }
            }
        }
        report_lacking(report, lacking, dags, &WORDING);
    }
}

impl DagAlertingMissing {
    /// Whether a failure of the DAG surely reaches nobody.
    fn silent(&self, file: &DagFile, index: usize, dag: &Dag) -> bool {
        // A DAG-level callback runs when a run fails, whichever task failed.
        if self.callback(dag_argument(dag, "on_failure_callback")) != Some(false) {
            return false;
        }
        let tasks: Vec<&Task> = tasks_that_can_fail(file, index).collect();
        if tasks.is_empty() {
            // No task was read: the DAG's `default_args` decide for the tasks that set
            // nothing themselves.
            return self.alerts(|key: &str| dag_default_argument(dag, key)) == Some(false);
        }
        tasks
            .iter()
            .any(|task| self.alerts(|key: &str| task_argument(file, task, key)) == Some(false))
    }

    /// Whether a task with these arguments alerts on failure.
    fn alerts<'a>(&self, argument: impl Fn(&str) -> Setting<'a>) -> Alerts {
        let callback = self.callback(argument("on_failure_callback"));
        if callback != Some(false) || !self.email {
            return callback;
        }
        let email = match argument("email") {
            Setting::Unknown => None,
            Setting::Unset => Some(false),
            Setting::Set(item) => item.value.truthy().or(Some(true)),
        };
        // Airflow sends failure emails unless `email_on_failure` is false.
        let on_failure = match argument("email_on_failure") {
            Setting::Unknown => None,
            Setting::Unset => Some(true),
            Setting::Set(item) => item.value.truthy().or(Some(true)),
        };
        match (email, on_failure) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        }
    }

    /// Whether a failure callback is set, and one the team accepts.
    fn callback(&self, setting: Setting) -> Alerts {
        match setting {
            Setting::Unknown => None,
            Setting::Unset => Some(false),
            Setting::Set(item) => self.accepts(item),
        }
    }

    fn accepts(&self, item: &Item) -> Alerts {
        match &item.value {
            Value::None | Value::Bool(false) => Some(false),
            Value::List(callbacks) => {
                let verdicts: Vec<Alerts> = callbacks.iter().map(|c| self.accepts(c)).collect();
                if verdicts.contains(&Some(true)) {
                    Some(true)
                } else if verdicts.contains(&None) {
                    None
                } else {
                    Some(false)
                }
            }
            _ if self.callbacks.is_empty() => Some(true),
            _ => Some(callable_name(item).is_some_and(|name| self.callbacks.contains(&name))),
        }
    }

    /// Where to point, and why: a callback the team does not accept, failure emails turned
    /// off, or else the DAG's `default_args` (the DAG when it has none).
    fn cause(&self, dag: &Dag) -> Label {
        if let Setting::Set(callback) = dag_default_argument(dag, "on_failure_callback")
            && !matches!(callback.value, Value::None)
            && self.accepts(callback) == Some(false)
        {
            return Label::new(
                callback.span.clone(),
                "not a callback that alerts the team (the `callbacks` option)",
            );
        }
        if self.email
            && let Setting::Set(email) = dag_default_argument(dag, "email")
            && email.value.truthy() != Some(false)
            && let Setting::Set(on_failure) = dag_default_argument(dag, "email_on_failure")
            && on_failure.value.truthy() == Some(false)
        {
            return Label::new(
                on_failure.span.clone(),
                "failure emails are turned off, and no failure callback is set",
            );
        }
        let text = match (dag.default_args().is_some(), self.email) {
            (true, true) => {
                "no `on_failure_callback` or `email` in `default_args`, and no `on_failure_callback` on the DAG"
            }
            (true, false) => "no `on_failure_callback` in `default_args`, and none on the DAG",
            (false, _) => "no `on_failure_callback` on the DAG or in `default_args`",
        };
        Label::new(default_args_span(dag), text)
    }
}

/// The name of the function a callback calls: `alert` in `alert`, `callbacks.alert`,
/// `alert(channel="x")` (a notifier) and `partial(alert, ...)`.
fn callable_name(item: &Item) -> Option<String> {
    if let Value::Call(call) = &item.value {
        if call.name() == "partial"
            && let Some(inner) = call.args.first()
        {
            return callable_name(inner);
        }
        return Some(call.name().to_owned());
    }
    let written = item.span.text().trim();
    let name = written.rsplit('.').next().unwrap_or(written);
    (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .then(|| name.to_owned())
}
