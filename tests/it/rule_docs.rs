//! The examples of every rule page run, as biome runs its documentation's examples: each
//! ```` ```python fail ```` block, written as a DAG file into a copy of the example monorepo
//! (`examples/acme-analytics`), must draw a finding of its rule that the example alone does not
//! have, and each ```` ```python pass ```` block none in its own files.
//!
//! Conventions a page may use:
//! - a snippet without its own DAG is placed in one (`with DAG(...)`), and the imports DAG files
//!   commonly use are added before it, so that pages show only the lines that matter;
//! - a snippet whose first line is `# dags/<file>.py` is written to that file, and consecutive
//!   blocks of the same kind form one example of several files;
//! - a ```` ```toml monolint.toml ```` block is the configuration all the page's examples run
//!   with (and the baseline they are compared with);
//! - ```` ```python fail no_run ```` marks an example that needs what a DAG file cannot add (a
//!   model's SQL, shown in a ```` ```sql ```` block next to it): it is not run, and few may be.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

use crate::support::{FencedBlock, copy_dir, fenced_blocks, repo_root, unique_temp_dir};

/// The imports a snippet may rely on without writing them.
const PRELUDE: &str = "\
from datetime import datetime, timedelta

import pendulum
from airflow import DAG
from airflow.decorators import dag, task, task_group
from airflow.models import Variable
from airflow.operators.bash import BashOperator
from airflow.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sensors.external_task import ExternalTaskSensor
from airflow.utils.task_group import TaskGroup
from cosmos import DbtDag, DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import LoadMode, TestBehavior

MANIFEST = \"/opt/airflow/dbt/target/manifest.json\"
";

/// One fenced example of a rule page.
struct Example {
    page: String,
    code: String,
    line: usize,
    fails: bool,
    /// Each file of the example: its path in the repository and its text.
    files: Vec<(String, String)>,
    /// The page's `monolint.toml`, if it gives one.
    config: Option<String>,
}

/// The rule code a page documents, from its title: `# model-not-scheduled (X001)`.
fn page_code(text: &str) -> Option<String> {
    let title = text.lines().next()?;
    let open = title.rfind('(')?;
    Some(title[open + 1..].trim_end_matches(')').to_owned())
}

fn python_examples() -> Vec<Example> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(repo_root().join("rules"))
        .expect("rules/ lists")
        .map(|entry| entry.expect("a rules/ entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    let mut examples: Vec<Example> = Vec::new();
    let mut not_run = 0;
    for path in pages {
        let text = std::fs::read_to_string(&path).expect("a rule page reads");
        let page = path.file_name().unwrap().to_string_lossy().into_owned();
        let code = page_code(&text).unwrap_or_else(|| panic!("{page}: no `(CODE)` in the title"));
        let config = fenced_blocks(&text)
            .into_iter()
            .find(|block| block.info == "toml monolint.toml")
            .map(|block| block.text);
        let mut last: Option<(bool, usize)> = None;
        for FencedBlock {
            info,
            line,
            text: body,
        } in fenced_blocks(&text)
        {
            let fails = match info.as_str() {
                "python fail" => true,
                "python pass" => false,
                "python fail no_run" | "python pass no_run" => {
                    not_run += 1;
                    last = None;
                    continue;
                }
                _ => {
                    last = None;
                    continue;
                }
            };
            let (path, body) = match body.split_once('\n') {
                Some((first, rest))
                    if first.starts_with("# dags/") && first.trim_end().ends_with(".py") =>
                {
                    (
                        first.trim_start_matches("# ").trim().to_owned(),
                        rest.to_owned(),
                    )
                }
                _ => (String::new(), body),
            };
            // A named file following a named file of the same kind joins its example.
            let joins = !path.is_empty() && last == Some((fails, examples.len()));
            if joins && let Some(example) = examples.last_mut() {
                example.files.push((path, body));
                continue;
            }
            let path = if path.is_empty() {
                "dags/doc_example.py".to_owned()
            } else {
                path
            };
            examples.push(Example {
                page: page.clone(),
                code: code.clone(),
                line,
                fails,
                files: vec![(path, body)],
                config: config.clone(),
            });
            last = Some((fails, examples.len()));
        }
    }
    assert!(
        not_run <= 4,
        "{not_run} examples are `no_run`: run them instead"
    );
    examples
}

/// The snippet as a DAG file: the prelude, and a DAG around it when it has none.
fn dag_file(snippet: &str) -> String {
    let has_dag = ["DAG(", "@dag", "DbtDag("]
        .iter()
        .any(|marker| snippet.contains(marker));
    if has_dag {
        return format!("{PRELUDE}\n{snippet}");
    }
    let body: String = snippet
        .lines()
        .map(|line| {
            if line.is_empty() {
                "\n".to_owned()
            } else {
                format!("    {line}\n")
            }
        })
        .collect();
    format!(
        "{PRELUDE}\nwith DAG(\"doc_example\", schedule=\"0 5 * * *\", start_date=datetime(2024, 1, 1), catchup=False, default_args={{\"owner\": \"analytics\", \"retries\": 2}}):\n{body}"
    )
}

/// The findings of `code` in a copy of the example with `files` added, as concise lines.
fn findings(example: &Example, files: &[(String, String)]) -> Vec<String> {
    let scratch = unique_temp_dir("rule-docs");
    copy_dir(&crate::support::example(), &scratch);
    if let Some(config) = &example.config {
        std::fs::write(scratch.join("monolint.toml"), config).unwrap();
    }
    for (path, text) in files {
        std::fs::write(scratch.join(path), dag_file(text)).unwrap();
    }
    let output = Command::new(env!("CARGO_BIN_EXE_monolint"))
        .current_dir(&scratch)
        .args(["check", ".", "--extend-select", &example.code])
        .args(["--format", "concise", "--color", "never", "--quiet"])
        .output()
        .expect("monolint runs");
    std::fs::remove_dir_all(&scratch).unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.contains(&format!(": {} ", example.code)))
        .map(str::to_owned)
        .collect()
}

/// The findings the example's files add to the example monorepo's own (`baselines` keeps the
/// latter per rule and configuration: a page's examples share them).
fn new_findings(
    example: &Example,
    baselines: &mut HashMap<(String, Option<String>), Vec<String>>,
) -> Vec<String> {
    let before = baselines
        .entry((example.code.clone(), example.config.clone()))
        .or_insert_with(|| findings(example, &[]));
    findings(example, &example.files)
        .into_iter()
        .filter(|finding| !before.contains(finding))
        .collect()
}

#[test]
fn rule_page_examples_behave_as_they_say() {
    let examples = python_examples();
    assert!(
        examples.len() >= 40,
        "only {} examples found",
        examples.len()
    );
    let mut baselines = HashMap::new();
    let failures: Vec<String> = examples
        .iter()
        .filter_map(|example| {
            let mut found = new_findings(example, &mut baselines);
            if !example.fails {
                // A pass example must be clean itself; what it changes elsewhere (an
                // `airflow.sdk` import makes the repository Airflow 3) is not its finding.
                found.retain(|finding| {
                    example
                        .files
                        .iter()
                        .any(|(path, _)| finding.starts_with(&format!("{path}:")))
                });
            }
            let wrong = example.fails == found.is_empty();
            wrong.then(|| {
                format!(
                    "rules/{}:{}: a `{}` example of {} {}\n{}",
                    example.page,
                    example.line,
                    if example.fails { "fail" } else { "pass" },
                    example.code,
                    if example.fails {
                        "drew no new finding".to_owned()
                    } else {
                        format!("drew {}", found.join("; "))
                    },
                    example
                        .files
                        .iter()
                        .map(|(path, text)| format!("{path}:\n{text}"))
                        .collect::<String>()
                )
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
