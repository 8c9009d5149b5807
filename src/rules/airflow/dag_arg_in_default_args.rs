//! DAG005: an argument of the DAG (`catchup`, `schedule`, `max_active_runs`, ...) written in
//! `default_args`. Airflow passes `default_args` to each operator, which takes the keys its
//! signature names and ignores the rest; the DAG reads only `start_date`, `end_date` and
//! `params` from it. So the argument is silently dropped and the DAG runs with the default.

use schemars::JsonSchema;
use serde::Deserialize;

use std::collections::BTreeMap;

use super::causes::{DagCause, HABIT, by_place, dags_at, repeated_places};
use crate::airflow::Dag;
use crate::airflow::schedule::AirflowVersion;
use crate::airflow::value::Value;
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DAG005, `[rules.dag-arg-in-default-args]` in the config: no options.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct DagArgInDefaultArgs {}

declare_rule!(DagArgInDefaultArgs {
    code: "DAG005",
    name: "dag-arg-in-default-args",
    group: Correctness,
    preset: Recommended,
    severity: Warning,
});

/// Arguments of `DAG(...)` in Airflow 2.11 or 3.x that no `BaseOperator` of either takes, with
/// what the DAG does without them. Arguments both take (`start_date`, `end_date`, `params`,
/// `doc_md`, the `on_*_callback`s) are task arguments too, and in their place there.
const DAG_ONLY: &[(&str, &str)] = &[
    ("access_control", "the DAG has no access control of its own"),
    ("allowed_run_types", "every run type is allowed"),
    ("auto_register", "the DAG is registered as usual"),
    (
        "catchup",
        "the DAG catches up as `[scheduler] catchup_by_default` says (true on Airflow 2)",
    ),
    (
        "concurrency",
        "the DAG runs as many tasks at once as `[core] max_active_tasks_per_dag` allows (16)",
    ),
    ("dag_display_name", "the DAG is shown by its dag_id"),
    ("dag_id", "the DAG's id is the one it is given"),
    ("dagrun_timeout", "runs of the DAG never time out"),
    ("deadline", "the DAG has no deadline alert"),
    ("default_view", "the UI opens the DAG in its default view"),
    ("description", "the DAG has no description"),
    (
        "disable_bundle_versioning",
        "bundle versioning follows the deployment",
    ),
    ("fail_fast", "a failed task does not stop the others"),
    ("fail_stop", "a failed task does not stop the others"),
    ("full_filepath", "the DAG's file path is its own"),
    (
        "is_paused_upon_creation",
        "the DAG starts paused or not as `[core] dags_are_paused_at_creation` says",
    ),
    (
        "jinja_environment_kwargs",
        "templates render with the default Jinja environment",
    ),
    (
        "max_active_runs",
        "the DAG runs as many runs at once as `[core] max_active_runs_per_dag` allows (16)",
    ),
    (
        "max_active_tasks",
        "the DAG runs as many tasks at once as `[core] max_active_tasks_per_dag` allows (16)",
    ),
    (
        "max_consecutive_failed_dag_runs",
        "the DAG is never paused after consecutive failures",
    ),
    ("orientation", "the graph view uses its default orientation"),
    ("owner_links", "the DAG's owners have no links"),
    (
        "rerun_with_latest_version",
        "reruns follow the deployment's setting",
    ),
    (
        "schedule",
        "the DAG runs on the default schedule (daily on Airflow 2, only when triggered on Airflow 3)",
    ),
    (
        "schedule_interval",
        "the DAG runs on the default schedule (daily on Airflow 2, only when triggered on Airflow 3)",
    ),
    (
        "sla_miss_callback",
        "no callback runs when an SLA is missed",
    ),
    ("tags", "the DAG has no tags"),
    (
        "template_searchpath",
        "templates are looked up next to the DAG file only",
    ),
    (
        "template_undefined",
        "templates use the default undefined type",
    ),
    (
        "timetable",
        "the DAG runs on the default schedule (daily on Airflow 2, only when triggered on Airflow 3)",
    ),
    ("user_defined_filters", "templates do not get these filters"),
    ("user_defined_macros", "templates do not get these macros"),
];

/// Whether `name` is an argument of the DAG that no operator takes: Airflow never reads it
/// from `default_args`.
pub fn is_dag_only(name: &str) -> bool {
    DAG_ONLY.iter().any(|(argument, _)| *argument == name)
}

/// Arguments of the DAG that Airflow 3's `BaseOperator` takes too, but Airflow 2's does not:
/// dropped only on Airflow 2.
const DAG_ONLY_ON_AIRFLOW_2: &[(&str, &str)] = &[(
    "render_template_as_native_obj",
    "templates render to strings",
)];

/// Arguments that mean the same to the DAG: one given on the DAG makes the other's
/// `default_args` entry moot.
const SYNONYMS: &[&[&str]] = &[
    &["schedule", "schedule_interval", "timetable"],
    &["max_active_tasks", "concurrency"],
    &["fail_fast", "fail_stop"],
];

impl Rule for DagArgInDefaultArgs {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        let mut by_key: BTreeMap<&str, Vec<DagCause>> = BTreeMap::new();
        for file in &repo.dag_files {
            for dag in &file.dags {
                for (key, cause) in dag_arguments_in_default_args(dag, file.airflow_version) {
                    by_key
                        .entry(key)
                        .or_default()
                        .push(DagCause::new(dag, cause));
                }
            }
        }
        for (key, misplaced) in by_key {
            let help = format!(
                "pass `{key}=...` to the DAG itself: Airflow gives `default_args` to tasks only"
            );
            let dags = misplaced.len();
            // A dict several DAGs share is one place; a key copied into many dicts is one
            // habit, reported once.
            let places = by_place(misplaced);
            if places.len() >= HABIT {
                let message = format!("`{key}` in `default_args` is ignored by {dags} DAGs");
                if let Some(diagnostic) = repeated_places(report, message, places) {
                    report.emit(diagnostic.with_help(help));
                }
                continue;
            }
            for place in places {
                let message = format!("`{key}` in `default_args` is ignored");
                let diagnostic = report.diagnostic(message, place.cause.clone());
                report.emit(dags_at(diagnostic, &place).with_help(help.clone()));
            }
        }
    }
}

/// The DAG's `default_args` keys that are arguments of the DAG, each with a label at the key.
fn dag_arguments_in_default_args(
    dag: &Dag,
    version: Option<AirflowVersion>,
) -> Vec<(&'static str, Label)> {
    let Some(args) = dag.default_args() else {
        return Vec::new();
    };
    let Value::Dict(pairs) = &args.value else {
        return Vec::new();
    };
    let only_airflow_2: &[(&str, &str)] = match version {
        Some(AirflowVersion::V2) => DAG_ONLY_ON_AIRFLOW_2,
        // Unknown: Airflow 3 would pass it on to the tasks, to the same effect.
        _ => &[],
    };
    let mut found = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    // The last entry of a key is the one in the dict (`{**base, "catchup": False}`).
    for (key, _) in pairs.iter().rev() {
        let Some(name) = key.value.as_str() else {
            continue;
        };
        if seen.contains(&name) {
            continue;
        }
        seen.push(name.clone());
        let Some(&(argument, effect)) = DAG_ONLY
            .iter()
            .chain(only_airflow_2)
            .find(|(argument, _)| *argument == name)
        else {
            continue;
        };
        if given_to_the_dag(dag, &name) {
            continue;
        }
        found.push((
            argument,
            Label::new(
                key.span.clone(),
                format!("a DAG argument, ignored here: {effect}"),
            ),
        ));
    }
    found
}

/// Whether the DAG is given the argument (or a synonym) itself, which makes the entry moot.
fn given_to_the_dag(dag: &Dag, name: &str) -> bool {
    let own = [name];
    let synonyms: &[&str] = SYNONYMS
        .iter()
        .find(|group| group.contains(&name))
        .map_or(&own, |group| group);
    synonyms
        .iter()
        .any(|argument| dag.kwarg(argument).is_some())
}
