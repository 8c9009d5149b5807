//! Oracle tests: `monolint ls` against what real `dbt ls` printed for the same arguments on the
//! same projects (recorded by `scripts/record-dbt-ls.sh` into `tests/oracle/dbt-ls/`).

use std::path::Path;

use clap::Parser;
use monolint::cli::{Cli, Command, ls};
use serde::Deserialize;

#[derive(Deserialize)]
struct Record {
    dbt_version: String,
    project: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    args: String,
    argv: Vec<String>,
    exit_code: i32,
    lines: Vec<String>,
    #[serde(default)]
    no_match_warnings: Vec<String>,
    error: Option<String>,
}

fn project_dir(project: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/dbt")
        .join(project)
}

/// Runs one recorded case; returns a description of the disagreement, if any.
fn disagreement(project: &str, case: &Case) -> Option<String> {
    let mut argv: Vec<String> = vec!["monolint".into(), "ls".into(), "--project-dir".into()];
    argv.push(project_dir(project).to_string_lossy().into_owned());
    argv.extend(case.argv.iter().cloned());
    let parsed = Cli::try_parse_from(&argv);
    let result = match parsed {
        Ok(Cli {
            command: Command::Ls(args),
        }) => ls::execute(&args),
        Ok(_) => return Some("parsed as another command".into()),
        Err(error) => {
            return (case.exit_code == 0)
                .then(|| format!("monolint rejected the arguments: {error}"));
        }
    };
    if case.exit_code != 0 {
        return match &result.error {
            Some(_) => None,
            None => Some(format!(
                "dbt failed ({}) but monolint listed {} nodes",
                case.error
                    .as_deref()
                    .unwrap_or("")
                    .lines()
                    .last()
                    .unwrap_or(""),
                result.lines.len()
            )),
        };
    }
    if let Some(error) = &result.error {
        return Some(format!("monolint failed: {}", error.message));
    }
    if result.lines != case.lines {
        let extra: Vec<&String> = result
            .lines
            .iter()
            .filter(|l| !case.lines.contains(l))
            .collect();
        let missing: Vec<&String> = case
            .lines
            .iter()
            .filter(|l| !result.lines.contains(l))
            .collect();
        return Some(format!(
            "lines differ: extra {extra:?}, missing {missing:?}"
        ));
    }
    let mut ours = result.unmatched.clone();
    let mut theirs = case.no_match_warnings.clone();
    ours.sort();
    theirs.sort();
    (ours != theirs).then(|| format!("no-match warnings differ: monolint {ours:?}, dbt {theirs:?}"))
}

#[test]
fn monolint_ls_agrees_with_dbt_ls() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/dbt-ls");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/oracle/dbt-ls")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no dbt ls records");
    let (mut total, mut failures) = (0, Vec::new());
    for file in files {
        let record: Record =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        for case in &record.cases {
            total += 1;
            if let Some(why) = disagreement(&record.project, case) {
                failures.push(format!(
                    "[{} dbt {}] dbt ls {}\n    {why}",
                    record.project, record.dbt_version, case.args
                ));
            }
        }
    }
    println!(
        "dbt ls oracle: {}/{total} cases agree",
        total - failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {total} cases disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
