//! X014: a dbt var fed a template variable Airflow 3 removed (`next_ds`, `execution_date`,
//! ...): the template fails to render and the task fails before dbt starts.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::airflow::schedule::AirflowVersion;
use crate::dbt::jinja::uses_template_variable;
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// X014; it has no options.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct IntervalVarsRemovedMacro {}

declare_rule!(IntervalVarsRemovedMacro {
    code: "X014",
    name: "interval-vars-removed-macro",
    group: Correctness,
    preset: Recommended,
    severity: Error,
});

/// Template variables of Airflow 2's context that Airflow 3 removed, with what replaces them.
const REMOVED: &[(&str, &str)] = &[
    ("execution_date", "logical_date"),
    ("next_execution_date", "data_interval_end"),
    ("prev_execution_date", "prev_data_interval_start_success"),
    (
        "prev_execution_date_success",
        "prev_data_interval_start_success",
    ),
    ("next_ds", "data_interval_end | ds"),
    ("next_ds_nodash", "data_interval_end | ds_nodash"),
    ("prev_ds", "data_interval_start | ds"),
    ("prev_ds_nodash", "data_interval_start | ds_nodash"),
    ("tomorrow_ds", "macros.ds_add(ds, 1)"),
    ("tomorrow_ds_nodash", "macros.ds_add(ds, 1)"),
    ("yesterday_ds", "macros.ds_add(ds, -1)"),
    ("yesterday_ds_nodash", "macros.ds_add(ds, -1)"),
];

impl Rule for IntervalVarsRemovedMacro {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (file_index, file) in repo.dag_files.iter().enumerate() {
            if file.airflow_version != Some(AirflowVersion::V3) {
                continue;
            }
            for (task_index, task) in file.tasks.iter().enumerate() {
                let task_ref = crate::link::TaskRef {
                    file: file_index,
                    task: task_index,
                };
                for call in &task.dbt_calls {
                    let Some(vars) = &call.vars else {
                        continue;
                    };
                    for entry in &vars.entries {
                        let Some((removed, instead)) = REMOVED.iter().find(|(name, _)| {
                            uses_template_variable(&entry.value, |word| word == *name)
                        }) else {
                            continue;
                        };
                        let diagnostic = report
                            .diagnostic(
                                format!(
                                    "dbt var `{}` of task `{}` uses `{removed}`, which Airflow 3 removed",
                                    entry.key,
                                    repo.task_name(task_ref)
                                ),
                                Label::new(
                                    entry.span.clone(),
                                    format!("`{{{{ {removed} }}}}` is undefined on Airflow 3: the task fails to render"),
                                ),
                            )
                            .with_help(format!("use `{{{{ {instead} }}}}` instead"));
                        report.emit(diagnostic);
                    }
                }
            }
        }
    }
}
