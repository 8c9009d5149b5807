//! DAG002: a DAG whose tasks run without retries: `retries` is set nowhere in the precedence
//! chain (the task, its task groups' `default_args`, the DAG's `default_args`), so Airflow's
//! `[core] default_task_retries` applies, which is 0.

use schemars::JsonSchema;
use serde::Deserialize;

use super::causes::{DagCause, Wording, report_lacking};
use crate::airflow::precedence::{
    Setting, dag_default_argument, default_args_span, task_argument, tasks_that_can_fail,
};
use crate::airflow::value::Value;
use crate::airflow::{Dag, DagFile, Task};
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DAG002 with its options, `[rules.dag-retries-missing]` in the config.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct DagRetriesMissing {
    /// The fewest retries a task may be given explicitly. Unset `retries` are always
    /// reported; with 0, an explicit `retries=0` is a choice and is accepted.
    pub min_retries: u32,
}

declare_rule!(DagRetriesMissing {
    code: "DAG002",
    name: "dag-retries-missing",
    group: Operations,
    preset: Strict,
    severity: Warning,
});

const WORDING: Wording = Wording {
    one: "runs tasks without retries",
    many: "run tasks without retries",
    none: "sets `retries`",
    help: "set `\"retries\"` (and `\"retry_delay\"`) in `default_args`, so a transient failure (a lock, a timeout, a flaky API) heals without a person",
};

impl Rule for DagRetriesMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        let mut lacking = Vec::new();
        let mut dags = 0;
        for file in &repo.dag_files {
            for (index, dag) in file.dags.iter().enumerate() {
                dags += 1;
                if let Some(cause) = self.without_retries(file, index, dag) {
                    lacking.push(DagCause::new(dag, cause));
                }
            }
        }
        report_lacking(report, lacking, dags, &WORDING);
    }
}

/// What the precedence chain gives a task, against the option.
enum Retries {
    Enough,
    /// Not set anywhere.
    Unset,
    /// Set below `min-retries`, at this label.
    TooFew(Label),
}

impl DagRetriesMissing {
    /// Where the DAG's tasks lose their retries, when some do.
    fn without_retries(&self, file: &DagFile, index: usize, dag: &Dag) -> Option<Label> {
        let tasks: Vec<&Task> = tasks_that_can_fail(file, index).collect();
        let outcomes: Vec<Retries> = if tasks.is_empty() {
            // No task was read (they may come from code monolint does not follow): the
            // DAG's `default_args` decide for the tasks that set nothing themselves.
            vec![self.judge(dag_default_argument(dag, "retries"))?]
        } else {
            tasks
                .iter()
                .filter_map(|task| self.judge(task_argument(file, task, "retries")))
                .collect()
        };
        if let Some(Retries::TooFew(label)) =
            outcomes.iter().find(|o| matches!(o, Retries::TooFew(_)))
        {
            return Some(label.clone());
        }
        if !outcomes.iter().any(|o| matches!(o, Retries::Unset)) {
            return None;
        }
        let text = match dag.default_args() {
            Some(_) => "`default_args` has no `retries` (Airflow's default is 0)",
            None => "no `default_args` with `retries` (Airflow's default is 0)",
        };
        Some(Label::new(default_args_span(dag), text))
    }

    /// `None` when the setting cannot be read.
    fn judge(&self, setting: Setting) -> Option<Retries> {
        let item = match setting {
            Setting::Unknown => return None,
            Setting::Unset => return Some(Retries::Unset),
            Setting::Set(item) => item,
        };
        let retries = match item.value {
            Value::Int(n) => n,
            // Airflow reads `retries=None` as 0.
            Value::None => 0,
            _ => return Some(Retries::Enough),
        };
        if retries >= i64::from(self.min_retries) {
            return Some(Retries::Enough);
        }
        Some(Retries::TooFew(Label::new(
            item.span.clone(),
            format!(
                "{retries} retries, fewer than `min-retries` ({})",
                self.min_retries
            ),
        )))
    }
}
