//! Oracle tests: `monolint ls` against what real `dbt ls` printed for the same arguments on the
//! same projects (recorded by `scripts/record-dbt-ls.sh`): dbt 1.11 into `tests/oracle/dbt-ls/`,
//! on each project's `target/manifest.json`, and dbt 1.8 into `tests/oracle/dbt-ls-1.8/`, on
//! the manifest that dbt 1.8 wrote (`tests/fixtures/manifests/dbt-1.8/`).

use std::path::{Path, PathBuf};

use clap::Parser;
use monolint::cli::{Cli, Command, ls};
use serde::Deserialize;

use crate::support::repo_root;

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
    /// The unique ids dbt listed.
    #[serde(default)]
    unique_ids: Vec<String>,
    #[serde(default)]
    no_match_warnings: Vec<String>,
    error: Option<String>,
}

/// A folder of records, and the manifest each record's project is read from.
struct Oracle {
    dir: &'static str,
    /// Where the manifests of the dbt that recorded the folder are, as
    /// `<manifests>/<project>/manifest.json`; `None`: the project's own `target/manifest.json`.
    manifests: Option<&'static str>,
}

const ORACLES: [Oracle; 2] = [
    Oracle {
        dir: "tests/oracle/dbt-ls",
        manifests: None,
    },
    Oracle {
        dir: "tests/oracle/dbt-ls-1.8",
        manifests: Some("tests/fixtures/manifests/dbt-1.8"),
    },
];

/// A case where an older dbt printed something else than dbt 1.11 does on the same project,
/// and monolint deliberately does what dbt 1.11 does: one selection engine, dbt's newest, for
/// every manifest. The test checks that monolint prints what dbt 1.11 printed for the same
/// arguments (`newest`: the project of `tests/oracle/dbt-ls/` recorded with them).
struct Deviation {
    dir: &'static str,
    args: &'static str,
    newest: &'static str,
}

/// dbt 1.11 matches a wildcard selector without dots (`stg_*`) against the last fqn segment
/// too (the model name of a versioned model), so it selects models at any depth. dbt 1.8 to
/// 1.10 fnmatch it only against the dotted fqn, with and without the package:
/// `models/staging/stg_orders.sql` (`shop.staging.stg_orders`) is not a `stg_*`.
const LEAF_WILDCARD: [&str; 3] = ["-s \"stg_*\"", "-s \"stg_order?\"", "-s \"dim_*\""];

/// dbt 1.5 to 1.8 expand nothing for `--indirect-selection empty`, not even the `+`/`@`
/// operators of the selection (the graph operators are dropped along with the tests); dbt
/// 1.9 fixed it.
const EMPTY_DROPS_OPERATORS: [&str; 1] = ["-s stg_orders+ --indirect-selection empty"];

/// dbt 1.8's `ls --resource-type test` selects with the selector of `dbt test`, which also
/// lists unit tests; from dbt 1.9, `test` means data tests only and unit tests are
/// `--resource-type unit_test`.
const TEST_TYPE_IS_TESTS_ONLY: [&str; 1] = ["-s package:this --resource-type test"];

fn deviations() -> Vec<Deviation> {
    [
        &LEAF_WILDCARD[..],
        &EMPTY_DROPS_OPERATORS[..],
        &TEST_TYPE_IS_TESTS_ONLY[..],
    ]
    .concat()
    .into_iter()
    .map(|args| Deviation {
        dir: "tests/oracle/dbt-ls-1.8",
        args,
        newest: "shop",
    })
    .collect()
}

fn project_dir(project: &str) -> PathBuf {
    repo_root().join("tests/fixtures/dbt").join(project)
}

fn read_record(path: &Path) -> Record {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Where `ls` reads the project from in a case.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// This manifest, or the project's `target/manifest.json`.
    Manifest(Option<&'a Path>),
    /// The project's files (`--no-manifest`).
    Files,
}

/// Runs one recorded case; returns a description of the disagreement, if any.
fn disagreement(project: &str, source: Source<'_>, case: &Case) -> Option<String> {
    let mut argv: Vec<String> = vec!["monolint".into(), "ls".into(), "--project-dir".into()];
    argv.push(project_dir(project).to_string_lossy().into_owned());
    let manifest = match source {
        Source::Manifest(manifest) => manifest,
        Source::Files => {
            argv.push("--no-manifest".into());
            None
        }
    };
    if let Some(manifest) = manifest {
        argv.push("--manifest".into());
        argv.push(manifest.to_string_lossy().into_owned());
    }
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
    let deviations = deviations();
    let mut deviations_seen = vec![false; deviations.len()];
    let mut failures = Vec::new();
    for oracle in ORACLES {
        let dir = repo_root().join(oracle.dir);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", oracle.dir))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{}: no dbt ls records", oracle.dir);
        let (mut total, mut agree, mut deviate) = (0, 0, 0);
        let mut version = String::new();
        for file in files {
            let record = read_record(&file);
            let manifest = oracle.manifests.map(|m| {
                repo_root()
                    .join(m)
                    .join(&record.project)
                    .join("manifest.json")
            });
            for case in &record.cases {
                total += 1;
                let source = Source::Manifest(manifest.as_deref());
                let Some(why) = disagreement(&record.project, source, case) else {
                    agree += 1;
                    continue;
                };
                let deviation = deviations
                    .iter()
                    .position(|d| d.dir == oracle.dir && d.args == case.args);
                if let Some(index) = deviation {
                    deviations_seen[index] = true;
                    let newest = &deviations[index];
                    let newest_record = read_record(
                        &repo_root()
                            .join(ORACLES[0].dir)
                            .join(format!("{}.json", newest.newest)),
                    );
                    let newest_case = newest_record
                        .cases
                        .iter()
                        .find(|c| c.args == case.args)
                        .unwrap_or_else(|| panic!("no case `{}` in {}", case.args, newest.newest));
                    match disagreement(
                        &record.project,
                        Source::Manifest(manifest.as_deref()),
                        newest_case,
                    ) {
                        None => {
                            deviate += 1;
                            continue;
                        }
                        Some(newer) => failures.push(format!(
                            "[{} dbt {}] dbt ls {}\n    a documented deviation, but monolint \
                             does not print what dbt {} printed either: {newer}",
                            record.project,
                            record.dbt_version,
                            case.args,
                            newest_record.dbt_version
                        )),
                    }
                    continue;
                }
                failures.push(format!(
                    "[{} dbt {}] dbt ls {}\n    {why}",
                    record.project, record.dbt_version, case.args
                ));
            }
            version = record.dbt_version;
        }
        println!(
            "dbt ls oracle, dbt {version}: {agree}/{total} cases agree, \
             {deviate} documented deviations ({})",
            oracle.dir
        );
    }
    for (deviation, seen) in deviations.iter().zip(deviations_seen) {
        if !seen {
            failures.push(format!(
                "{}: dbt ls {}\n    listed as a deviation, but monolint agrees with dbt",
                deviation.dir, deviation.args
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Node types the project reader does not make: a case whose answer holds one needs what the
/// files do not tell.
const NOT_READ_FROM_FILES: [&str; 4] = ["semantic_model.", "metric.", "saved_query.", "function."];

/// Cases whose answer lists no such node yet depends on one: `orders` names a semantic model
/// too, so dbt warns of no criterion that matches nothing before `--resource-type` leaves it
/// out, where the files' graph, without the semantic model, does.
const NEEDS_NODES_NOT_READ: [(&str, &str); 1] = [("jaffle", "-s orders --resource-type model")];

/// `monolint ls --no-manifest` reads the project's files and prints what real `dbt ls` printed
/// (dbt 1.11, on the same projects), for the cases whose answer the files tell: not the JSON
/// output (it prints the manifest's whole config), nor a case whose answer holds a node the
/// reader does not make (semantic models, metrics, saved queries, user-defined functions).
#[test]
fn monolint_ls_from_project_files_agrees_with_dbt_ls() {
    let dir = repo_root().join(ORACLES[0].dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let (mut total, mut agree) = (0, 0);
    let mut failures = Vec::new();
    for file in files {
        let record = read_record(&file);
        for case in &record.cases {
            let not_read = (case.unique_ids.iter())
                .any(|id| NOT_READ_FROM_FILES.iter().any(|kind| id.starts_with(kind)));
            let needs_not_read = NEEDS_NODES_NOT_READ.contains(&(&*record.project, &*case.args));
            if case.argv.iter().any(|arg| arg == "json") || not_read || needs_not_read {
                continue;
            }
            total += 1;
            match disagreement(&record.project, Source::Files, case) {
                None => agree += 1,
                Some(why) => failures.push(format!(
                    "[{}] dbt ls {}\n    {why}",
                    record.project, case.args
                )),
            }
        }
    }
    println!("dbt ls oracle from project files: {agree}/{total} cases agree");
    assert!(total > 50, "{total} cases");
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
