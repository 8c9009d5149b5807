//! X008: a task feeds dbt the run's data interval, but its DAG's schedule gives every run a
//! zero-length interval (Airflow 3's cron and delta trigger timetables): `data_interval_start`
//! equals `data_interval_end`, so an incremental filter between them selects nothing.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::airflow::schedule::{AirflowVersion, Schedule};
use crate::dbt::graph::NodeId;
use crate::dbt::jinja::{incremental_blocks, uses_template_variable, vars_read};
use crate::dbt::vars::VarEntry;
use crate::diagnostic::Label;
use crate::link::{DbtRun, Monorepo, Resolution};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// X008 with its options, `[rules.interval-vars-empty-window]` in the config.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct IntervalVarsEmptyWindow {
    /// Whether the deployment sets Airflow 3's `[scheduler] create_cron_data_intervals = True`,
    /// which gives cron strings Airflow 2's data intervals.
    pub cron_data_intervals: bool,
}

declare_rule!(IntervalVarsEmptyWindow {
    code: "X008",
    name: "interval-vars-empty-window",
    group: Correctness,
    preset: Recommended,
    severity: Error,
});

/// The template variables bounding a run's data interval.
const WINDOW_START: &str = "data_interval_start";
const WINDOW_END: &str = "data_interval_end";

impl Rule for IntervalVarsEmptyWindow {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for run in &repo.runs {
            let Some(call) = repo.call_of(run) else {
                continue;
            };
            let Some(vars) = &call.vars else {
                continue;
            };
            let window: Vec<&VarEntry> = vars
                .entries
                .iter()
                .filter(|entry| {
                    mentions(&entry.value, WINDOW_START) || mentions(&entry.value, WINDOW_END)
                })
                .collect();
            let spans_window = window.iter().any(|e| mentions(&e.value, WINDOW_START))
                && window.iter().any(|e| mentions(&e.value, WINDOW_END));
            if !spans_window {
                continue;
            }
            let Some(dag) = repo.dag_of(run.task) else {
                continue;
            };
            let Some(version) = repo.dag_files[run.task.file].airflow_version else {
                continue;
            };
            let schedule = Schedule::of(dag);
            if self.cron_data_intervals
                && version == AirflowVersion::V3
                && matches!(schedule, Schedule::Cron { .. })
            {
                continue;
            }
            if schedule.zero_length_interval(version) != Some(true) {
                continue;
            }
            let keys: Vec<&str> = window.iter().map(|entry| entry.key.as_str()).collect();
            let Some((project, model, read)) = filtered_model(repo, run, &keys) else {
                continue;
            };
            let model_name = &repo.projects[project].graph.node(model).name;
            let schedule_span = dag
                .kwarg("schedule")
                .or_else(|| dag.kwarg("schedule_interval"))
                .or_else(|| dag.kwarg("timetable"))
                .map_or_else(|| dag.span().clone(), |item| item.span.clone());
            let mut diagnostic = report
                .diagnostic(
                    format!(
                        "task `{}` feeds `{model_name}` an empty data interval",
                        repo.task_name(run.task)
                    ),
                    Label::new(
                        vars.span.clone(),
                        "`data_interval_start` equals `data_interval_end` in every run of this DAG",
                    ),
                )
                .with_label(Label::new(
                    schedule_span,
                    format!(
                        "on Airflow 3, `{}` gives each run a zero-length data interval",
                        schedule.describe()
                    ),
                ));
            if let Some(span) = repo.node_line_containing(project, model, "is_incremental") {
                diagnostic = diagnostic.with_label(Label::new(
                    span,
                    format!(
                        "`{model_name}` filters on {}, so it selects nothing",
                        read.iter()
                            .map(|v| format!("var('{v}')"))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                ));
            }
            report.emit(diagnostic.with_help(help(&schedule)));
        }
    }
}

/// An incremental model the run executes whose filter reads some of `keys`, with the keys
/// it reads.
fn filtered_model(
    repo: &Monorepo,
    run: &DbtRun,
    keys: &[&str],
) -> Option<(usize, NodeId, Vec<String>)> {
    let project = run.project?;
    let Resolution::Selected { nodes, .. } = &run.resolution else {
        return None;
    };
    let graph = &repo.projects[project].graph;
    nodes.iter().find_map(|&id| {
        let node = graph.node(id);
        if !node.is_incremental() || node.incremental_strategy.as_deref() == Some("microbatch") {
            return None;
        }
        let code = graph.code(node)?;
        let mut read: Vec<String> = Vec::new();
        for block in incremental_blocks(&code) {
            for (name, _) in vars_read(&code[block]) {
                if keys.contains(&name.as_str()) && !read.contains(&name) {
                    read.push(name);
                }
            }
        }
        (!read.is_empty()).then_some((project, id, read))
    })
}

/// Whether a var's value uses the template variable `name`.
fn mentions(value: &str, name: &str) -> bool {
    uses_template_variable(value, |word| word == name)
}

fn help(schedule: &Schedule) -> String {
    match schedule {
        Schedule::Cron { expression } => format!(
            "give runs a data interval: `schedule=CronDataIntervalTimetable(\"{expression}\", timezone=\"UTC\")` (Airflow 2's behaviour), or `CronTriggerTimetable(\"{expression}\", timezone=\"UTC\", interval=timedelta(...))`"
        ),
        Schedule::Interval { .. } => "give runs a data interval: `schedule=DeltaDataIntervalTimetable(timedelta(...))` (Airflow 2's behaviour)".to_owned(),
        _ => "give the timetable an `interval=` as long as the period between runs".to_owned(),
    }
}
