//! X005: a task runs dbt, but what it selects cannot be known statically.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::diagnostic::Label;
use crate::link::{Monorepo, Resolution};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// X005; it has no options (an empty `[rules.dbt-task-unresolved]` is allowed).
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct DbtTaskUnresolved {}

declare_rule!(DbtTaskUnresolved {
    code: "X005",
    name: "dbt-task-unresolved",
    group: Correctness,
    preset: Strict,
    severity: Info,
});

impl Rule for DbtTaskUnresolved {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for run in &repo.runs {
            let Resolution::Unresolved { reason, span } = &run.resolution else {
                continue;
            };
            let diagnostic = report
                .diagnostic(
                    format!("cannot tell which dbt nodes task `{}` runs", repo.task_name(run.task)),
                    Label::new(span.clone(), reason.clone()),
                )
                .with_help(
                    "until its selection and project can be read statically (literals, module constants, `[dbt] path-map`), the models it may run are counted as unknown, not reported as unscheduled",
                );
            report.emit(diagnostic);
        }
        for file in &repo.dag_files {
            for call in &file.unread_dbt {
                let diagnostic = report
                    .diagnostic(
                        "cannot tell whether this call makes dbt tasks, nor what they run",
                        Label::new(call.span.clone(), call.value.clone()),
                    )
                    .with_help(
                        "declare the helper in `[airflow] wrappers` if it takes dbt arguments; until it can be read, models it may run are not reported as unscheduled",
                    );
                report.emit(diagnostic);
            }
        }
    }
}
