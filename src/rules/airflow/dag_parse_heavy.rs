//! DAG009: a DAG file that does slow or external work while Airflow imports it: `Variable.get`
//! and connection look-ups, HTTP requests, database and cloud clients, DataFrames, processes,
//! reading dbt's `manifest.json`. Airflow re-imports each DAG file every
//! `min_file_process_interval` (30 s by default), so the work repeats all day, and a slow or
//! failing call delays or breaks the parse of every DAG in the file.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::causes::{HABIT, repeated};
use crate::airflow::import_time::{ImportTimeCall, Work};
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DAG009 with its options, `[rules.dag-parse-heavy]` in the config.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct DagParseHeavy {
    /// Calls accepted at import time, as written in the DAG files (`Variable.get`,
    /// `boto3.client`): for instance when the deployment caches Variables
    /// (`[secrets] use_cache`).
    pub allow: Vec<String>,
}

declare_rule!(DagParseHeavy {
    code: "DAG009",
    name: "dag-parse-heavy",
    group: Operations,
    preset: Strict,
    severity: Warning,
});

impl Rule for DagParseHeavy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        // By callee, then by file: the calls of `Variable.get` in one file are fixed
        // together, and the same call in many files is the team's habit.
        let mut by_callee: BTreeMap<(Work, &str), Vec<Vec<&ImportTimeCall>>> = BTreeMap::new();
        for file in &repo.dag_files {
            let mut in_file: BTreeMap<(Work, &str), Vec<&ImportTimeCall>> = BTreeMap::new();
            for call in &file.import_time.calls {
                if self.allow.contains(&call.callee) {
                    continue;
                }
                in_file
                    .entry((call.work, &call.callee))
                    .or_default()
                    .push(call);
            }
            for (key, calls) in in_file {
                by_callee.entry(key).or_default().push(calls);
            }
        }
        for ((work, callee), files) in by_callee {
            let help = help(work);
            let describe = format!("{} at import time, every 30 s by default", work.describe());
            if files.len() >= HABIT {
                let calls: usize = files.iter().map(Vec::len).sum();
                let message = format!(
                    "{calls} calls of `{callee}(...)` in {} DAG files run each time Airflow parses them",
                    files.len()
                );
                let labels = files
                    .iter()
                    .filter_map(|calls| calls.first())
                    .enumerate()
                    .map(|(index, call)| match index {
                        0 => Label::new(call.span.clone(), describe.clone()),
                        _ => Label::new(call.span.clone(), "and here"),
                    })
                    .collect();
                if let Some(diagnostic) = repeated(report, message, labels) {
                    report.emit(diagnostic.with_help(help));
                }
                continue;
            }
            for calls in files {
                let Some((first, others)) = calls.split_first() else {
                    continue;
                };
                let message = match calls.len() {
                    1 => format!("`{callee}(...)` runs each time Airflow parses this file"),
                    n => format!(
                        "{n} calls of `{callee}(...)` run each time Airflow parses this file"
                    ),
                };
                let mut diagnostic = report
                    .diagnostic(message, Label::new(first.span.clone(), describe.clone()))
                    .with_help(help);
                for call in others {
                    diagnostic = diagnostic.with_label(Label::new(call.span.clone(), "and here"));
                }
                report.emit(diagnostic);
            }
        }
    }
}

fn help(work: Work) -> &'static str {
    match work {
        Work::Variable => {
            "read it where the task runs: a template (`{{ var.value.<key> }}`) or the task's callable"
        }
        Work::Connection => {
            "look the connection up inside the task (pass its id to the operator or the callable)"
        }
        Work::DbtArtifact => {
            "let Cosmos render the dbt project, or parse the file once per process (a cache keyed on its modification time)"
        }
        Work::Http
        | Work::CloudClient
        | Work::Database
        | Work::DataFrame
        | Work::Process
        | Work::DbtRun => {
            "move it into a task's callable, or compute it when deploying and commit the result"
        }
    }
}
