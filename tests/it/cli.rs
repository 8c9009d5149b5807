//! The whole CLI on the example monorepo and on broken copies of it: output in every format,
//! with exit codes, snapshotted.

use crate::support::{Scratch, copy_dir, example, run_with_env as run_in, transcript};

#[test]
fn check_example_human() {
    insta::assert_snapshot!(transcript(&example(), &["check"]));
}

#[test]
fn check_example_concise() {
    insta::assert_snapshot!(transcript(&example(), &["check", "--format", "concise"]));
}

#[test]
fn check_example_json() {
    let (code, stdout, _) = run_in(&example(), &["check", "--format", "json"], &[]);
    assert_eq!(code, 1);
    let document: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let diagnostics = document["diagnostics"]
        .as_array()
        .expect("diagnostics array");
    assert_eq!(diagnostics.len(), 5);
    for diagnostic in diagnostics {
        for key in ["file", "code", "name", "severity", "message"] {
            assert!(diagnostic[key].is_string(), "{key} in {diagnostic}");
        }
        for key in ["line", "column", "end_line", "end_column"] {
            assert!(
                diagnostic[key].as_u64().is_some_and(|n| n >= 1),
                "{key} in {diagnostic}"
            );
        }
    }
    insta::assert_snapshot!(stdout);
}

#[test]
fn check_example_github() {
    insta::assert_snapshot!(transcript(&example(), &["check", "--format", "github"]));
}

#[test]
fn map_example_every_format() {
    for format in ["table", "markdown", "mermaid"] {
        insta::assert_snapshot!(
            format!("map_example_{format}"),
            transcript(&example(), &["map", "--format", format])
        );
    }
}

/// Every invocation family, schedule kind and cross-DAG edge of the Airflow fixtures.
#[test]
fn map_airflow_fixtures() {
    let root = crate::support::repo_root();
    insta::assert_snapshot!(transcript(&root.join("tests/fixtures/airflow"), &["map"]));
}

#[test]
fn check_path_argument_from_another_folder() {
    let root = crate::support::repo_root();
    let (code, stdout, _) = run_in(
        root,
        &["check", "examples/acme-analytics", "--format", "concise"],
        &[],
    );
    assert_eq!(code, 1);
    let (_, from_inside, _) = run_in(&example(), &["check", "--format", "concise"], &[]);
    // Paths are shown from the current directory, as ruff shows them.
    let expected: String = from_inside
        .lines()
        .map(
            |line| match line.starts_with("dags/") || line.starts_with("dbt/") {
                true => format!("examples/acme-analytics/{line}\n"),
                false => format!("{line}\n"),
            },
        )
        .collect();
    assert_eq!(stdout, expected);
}

#[test]
fn select_ignore_and_fail_on() {
    let dir = example();
    insta::assert_snapshot!(transcript(
        &dir,
        &[
            "check",
            "--format",
            "concise",
            "--select",
            "ownership",
            "--ignore",
            "DAG001"
        ]
    ));
    // Only warnings remain: failing on errors only makes the run pass.
    let (code, _, _) = run_in(
        &dir,
        &["check", "--select", "ownership", "--fail-on", "error"],
        &[],
    );
    assert_eq!(code, 0);
    let (code, stdout, _) = run_in(
        &dir,
        &[
            "check", "--select", "X002", "--quiet", "--format", "concise",
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
}

#[test]
fn output_does_not_depend_on_threads() {
    let dir = example();
    let (_, one, _) = run_in(
        &dir,
        &["check", "--format", "json"],
        &[("RAYON_NUM_THREADS", "1")],
    );
    let (_, four, _) = run_in(
        &dir,
        &["check", "--format", "json"],
        &[("RAYON_NUM_THREADS", "4")],
    );
    assert_eq!(one, four);
}

#[test]
fn truncated_manifest() {
    let scratch = Scratch::example();
    let manifest = scratch.path("dbt/target/manifest.json");
    let bytes = std::fs::read(&manifest).unwrap();
    std::fs::write(&manifest, &bytes[..bytes.len() / 2]).unwrap();
    let (code, stdout, stderr) = run_in(&scratch.0, &["check"], &[]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("dbt/target/manifest.json:1:"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The column depends on where the cut falls in the (regenerated) manifest.
    let at = stderr.find("manifest.json:1:").unwrap() + "manifest.json:1:".len();
    let digits = stderr[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .count();
    insta::assert_snapshot!(format!(
        "{}[COLUMN]{}",
        &stderr[..at],
        &stderr[at + digits..]
    ));
}

/// Without a manifest, the project's files are read, and the summary says so. A manifest
/// named with `--manifest` that is missing is an error whose help builds it.
#[test]
fn missing_manifest() {
    let scratch = Scratch::example();
    std::fs::remove_file(scratch.path("dbt/target/manifest.json")).unwrap();
    insta::assert_snapshot!(transcript(&scratch.0, &["check"]));
    let named = ["check", "--manifest", "dbt/target/manifest.json"];
    // profiles.yml sits in the project folder, where dbt does not look: `--profiles-dir`.
    let (code, _, stderr) = run_in(&scratch.0, &named, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "help: build it with `dbt parse --project-dir dbt --profiles-dir dbt` (or pass"
        ),
        "{stderr}"
    );
    std::fs::remove_file(scratch.path("dbt/profiles.yml")).unwrap();
    let (_, _, stderr) = run_in(&scratch.0, &named, &[]);
    assert!(
        stderr.contains("help: build it with `dbt parse --project-dir dbt` (or pass"),
        "{stderr}"
    );
}

/// The example checks the same from its files as from its manifest, in every format that
/// lists findings, and `--no-manifest` reads the files even with a manifest present.
#[test]
fn example_checks_identically_without_its_manifest() {
    let scratch = Scratch::example();
    for format in ["concise", "json", "sarif"] {
        let with = run_in(&scratch.0, &["check", "--format", format], &[]);
        let without = run_in(
            &scratch.0,
            &["check", "--no-manifest", "--format", format],
            &[],
        );
        assert_eq!(with.0, without.0, "{format}: exit codes");
        // The findings; the summary also names the projects read from files.
        let findings = |stdout: &str| -> String {
            match serde_json::from_str::<serde_json::Value>(stdout) {
                Ok(json) if format == "json" => json["diagnostics"].to_string(),
                Ok(json) => json["runs"][0]["results"].to_string(),
                _ => stdout
                    .lines()
                    .filter(|line| !line.starts_with("Source:"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            }
        };
        assert_eq!(findings(&with.1), findings(&without.1), "{format}");
        assert!(
            with.1.contains("X001"),
            "{format}: the example has findings"
        );
        assert!(
            !without.1.contains("X006"),
            "{format}: no stale manifest from files"
        );
    }
    let (_, stdout, _) = run_in(&scratch.0, &["check", "--no-manifest"], &[]);
    assert!(
        stdout.contains("Source: dbt project `dbt` read from project files (no manifest)"),
        "{stdout}"
    );
    let (_, stdout, _) = run_in(&scratch.0, &["check"], &[]);
    assert!(
        !stdout.contains("Source:"),
        "a manifest is the default source:\n{stdout}"
    );
}

#[test]
fn python_syntax_error() {
    let scratch = Scratch::example();
    std::fs::write(
        scratch.path("dags/broken.py"),
        "from airflow import DAG\n\nwith DAG(\"broken\" as dag:\n    pass\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run_in(&scratch.0, &["check", "--format", "concise"], &[]);
    assert_eq!(
        code, 1,
        "a DAG file that does not parse is a warning: the other files' findings decide"
    );
    assert!(stderr.contains("dags/broken.py:3:"), "{stderr}");
    assert!(
        stdout.contains("X002"),
        "the other files are still checked:\n{stdout}"
    );
    insta::assert_snapshot!(transcript(&scratch.0, &["check", "--quiet"]));
}

/// Adopting monolint on a repository with findings: record them, then fail only on new ones,
/// even after lines move.
#[test]
fn baseline_hides_known_findings_only() {
    let scratch = Scratch::example();
    let (code, _, stderr) = run_in(
        &scratch.0,
        &["check", "--write-baseline", "monolint-baseline.json"],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stderr,
        "monolint: recorded 5 findings in monolint-baseline.json\n"
    );
    let (code, stdout, _) = run_in(
        &scratch.0,
        &[
            "check",
            "--baseline",
            "monolint-baseline.json",
            "--format",
            "concise",
        ],
        &[],
    );
    assert_eq!(code, 0, "{stdout}");
    // Lines moved (a comment on top of a file with findings) and one new finding.
    let dag = scratch.path("dags/product_daily.py");
    let text = std::fs::read_to_string(&dag).unwrap();
    std::fs::write(&dag, format!("# Product analytics DAG.\n\n{text}")).unwrap();
    let finance = scratch.path("dags/finance_daily.py");
    let text = std::fs::read_to_string(&finance).unwrap();
    std::fs::write(
        &finance,
        text.replace("tag:finance_daily", "tag:finance_dialy"),
    )
    .unwrap();
    insta::assert_snapshot!(transcript(
        &scratch.0,
        &[
            "check",
            "--baseline",
            "monolint-baseline.json",
            "--format",
            "concise"
        ]
    ));
}

#[test]
fn malformed_baseline() {
    let scratch = Scratch::example();
    std::fs::write(
        scratch.path("monolint-baseline.json"),
        "{\"version\": 1, \"findings\": [\n  {\"rule\": \"X001\"}\n]}\n",
    )
    .unwrap();
    insta::assert_snapshot!(transcript(
        &scratch.0,
        &["check", "--baseline", "monolint-baseline.json"]
    ));
}

/// dbt reads `selectors.yml` when it runs; the manifest's copy is from the last `dbt parse`.
#[test]
fn selectors_come_from_selectors_yml() {
    let scratch = Scratch::example();
    let project = scratch.path("dbt");
    std::fs::write(
        project.join("selectors.yml"),
        "selectors:\n  - name: finance\n    definition: tag:finance_daily\n  - name: finance_marts\n    definition:\n      intersection:\n        - method: selector\n          value: finance\n        - path:models/marts\n",
    )
    .unwrap();
    let project_dir = project.to_string_lossy().into_owned();
    let (code, stdout, stderr) = run_in(
        &scratch.0,
        &[
            "ls",
            "--project-dir",
            &project_dir,
            "--selector",
            "finance_marts",
            "--resource-type",
            "model",
        ],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "acme.marts.finance.agg_revenue_monthly\nacme.marts.finance.dim_customers\nacme.marts.finance.fct_refunds\nacme.marts.finance.fct_revenue\n"
    );
    // A reference to a selector defined later (or nowhere) is dbt's parse error too.
    std::fs::write(
        project.join("selectors.yml"),
        "selectors:\n  - name: a\n    definition: {method: selector, value: b}\n  - name: b\n    definition: tag:x\n",
    )
    .unwrap();
    let (code, _, stderr) = run_in(
        &scratch.0,
        &["ls", "--project-dir", &project_dir, "--selector", "a"],
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("selector `a` uses selector `b`, which is not"),
        "{stderr}"
    );
}

#[test]
fn unknown_config_key() {
    let scratch = Scratch::example();
    std::fs::write(
        scratch.path("monolint.toml"),
        "fail-on = \"error\"\n\n[airflow]\ndag-folder = [\"dags\"]\n",
    )
    .unwrap();
    insta::assert_snapshot!(transcript(&scratch.0, &["check"]));
}

#[test]
fn config_in_pyproject() {
    let scratch = Scratch::example();
    std::fs::write(
        scratch.path("pyproject.toml"),
        "[project]\nname = \"acme\"\n\n[tool.ruff]\nline-length = 100\n\n[tool.monolint]\nselect = [\"X001\"]\n\n[tool.monolint.rules.model-not-scheduled]\nexclude = [\"path:models/marts/support\"]\n",
    )
    .unwrap();
    insta::assert_snapshot!(transcript(&scratch.0, &["check", "--format", "concise"]));
}

#[test]
fn wrong_type_and_unknown_rule_in_config() {
    let scratch = Scratch::example();
    std::fs::write(scratch.path("monolint.toml"), "select = \"X001\"\n").unwrap();
    let (code, _, stderr) = run_in(&scratch.0, &["check"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("monolint.toml:1:"), "{stderr}");
    std::fs::write(
        scratch.path("monolint.toml"),
        "ignore = [\"X001\", \"no-such-rule\"]\n",
    )
    .unwrap();
    insta::assert_snapshot!(transcript(&scratch.0, &["check"]));
}

#[test]
fn not_a_dbt_repo() {
    let dir = crate::support::repo_root().join("docs");
    insta::assert_snapshot!(
        transcript(&dir, &["check"]).replace(&dir.display().to_string(), "[DIR]")
    );
}

#[test]
fn rules_and_explain() {
    let dir = example();
    insta::assert_snapshot!("rules", transcript(&dir, &["rules"]));
    let (code, stdout, _) = run_in(&dir, &["rules", "--format", "json"], &[]);
    assert_eq!(code, 0);
    let rules: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(
        rules
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "model-not-scheduled")
    );
    insta::assert_snapshot!("explain", transcript(&dir, &["explain", "X002"]));
    let (_, by_name, _) = run_in(&dir, &["explain", "selector-matches-nothing"], &[]);
    let (_, by_code, _) = run_in(&dir, &["explain", "x002"], &[]);
    assert_eq!(by_name, by_code);
    insta::assert_snapshot!(
        "explain_unknown",
        transcript(&dir, &["explain", "model-not-schedule"])
    );
}

#[test]
fn usage_error_exits_2() {
    let (code, _, stderr) = run_in(&example(), &["check", "--format", "xml"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("xml"));
}

#[test]
fn two_projects_and_a_path_map() {
    let dir = crate::support::repo_root().join("tests/fixtures/monorepo-two-projects");
    insta::assert_snapshot!(transcript(&dir, &["check", "--preset", "strict"]));
}

/// A monorepo that follows every rule: nothing is found, with every rule on, and the exit
/// code is 0. A rule that starts firing on clean code fails here.
#[test]
fn clean_monorepo_has_no_findings_with_every_rule() {
    let dir = crate::support::repo_root().join("tests/fixtures/clean-monorepo");
    let (code, stdout, stderr) = run_in(&dir, &["check", "--preset", "all"], &[]);
    assert_eq!((code, stderr.as_str()), (0, ""), "{stdout}");
    insta::assert_snapshot!(transcript(&dir, &["check", "--preset", "all"]));
}

/// A broken or unused dbt project found by discovery, and a file outside the DAG folders that
/// only mentions Airflow, are warnings: the run goes on with the rest.
#[test]
fn broken_inputs_found_by_discovery_are_warnings() {
    let scratch = Scratch::example();
    std::fs::create_dir_all(scratch.path("tests/fixtures/empty")).unwrap();
    std::fs::write(scratch.path("tests/fixtures/empty/dbt_project.yml"), "").unwrap();
    std::fs::create_dir_all(scratch.path("docs")).unwrap();
    std::fs::write(
        scratch.path("docs/airflow_dag_notes.py"),
        "How our airflow DAG works: {not python\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run_in(&scratch.0, &["check", "--format", "concise"], &[]);
    assert_eq!(code, 1, "findings decide the exit code:\n{stderr}");
    assert!(
        stdout.contains("X002"),
        "the project is still checked:\n{stdout}"
    );
    assert!(
        stderr.contains("skipped the dbt project `tests/fixtures/empty`")
            && stderr.contains("tests/fixtures/empty/dbt_project.yml"),
        "{stderr}"
    );
    assert!(
        stderr.contains("docs/airflow_dag_notes.py:1:") && stderr.contains("skipped: not Python"),
        "{stderr}"
    );
    // Named by the user, the same project stops the run.
    std::fs::write(
        scratch.path("monolint.toml"),
        "[dbt]\nprojects = [\"tests/fixtures/empty\"]\n",
    )
    .unwrap();
    let (code, _, stderr) = run_in(&scratch.0, &["check"], &[]);
    assert_eq!(code, 2, "{stderr}");
}

/// Outside the DAG folders, a file that mentions Airflow and DAGs is a DAG file, but not a
/// test module: tests build DAGs to test them, and Airflow never loads them.
#[test]
fn test_modules_outside_dag_folders_are_not_dag_files() {
    let scratch = Scratch::example();
    let dag = |dag_id: &str| {
        format!(
            "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\nwith DAG(\"{dag_id}\", schedule=None):\n    BashOperator(task_id=\"t\", bash_command=\"dbt run --select tag:no_such_tag_{dag_id}\")\n"
        )
    };
    for (path, dag_id) in [
        ("orchestration/nightly.py", "nightly"),
        ("orchestration/tests/test_nightly.py", "in_tests"),
        ("orchestration/nightly_test.py", "suffixed"),
        ("orchestration/test_loads.py", "prefixed"),
        ("orchestration/conftest.py", "conftest"),
    ] {
        let path = scratch.path(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, dag(dag_id)).unwrap();
    }
    let (_, stdout, stderr) = run_in(&scratch.0, &["check", "--format", "concise"], &[]);
    assert!(
        stdout.contains("orchestration/nightly.py") && stdout.contains("no_such_tag_nightly"),
        "a DAG file outside the DAG folders is read:\n{stdout}\n{stderr}"
    );
    for read_only_as_dag in ["in_tests", "suffixed", "prefixed", "conftest"] {
        assert!(
            !stdout.contains(&format!("no_such_tag_{read_only_as_dag}")),
            "a test module is not a DAG file:\n{stdout}"
        );
    }
}

/// A YAML selector that needs an environment variable nobody sets (and without a default) is
/// not statically known: never resolved on its Jinja text.
#[test]
fn selector_needing_an_unset_env_var_is_not_statically_known() {
    let jaffle = crate::support::repo_root().join("tests/fixtures/dbt/jaffle");
    let dir = std::env::temp_dir().join(format!("monolint-cli-jinja-{}", std::process::id()));
    copy_dir(&jaffle, &dir);
    let selectors = dir.join("selectors.yml");
    let mut text = std::fs::read_to_string(&selectors).unwrap();
    text.push_str(
        "  - name: from_env\n    definition: \"config.database:{{ env_var('MONOLINT_TEST_UNSET_DATABASE') }}\"\n",
    );
    std::fs::write(&selectors, text).unwrap();
    let project = dir.to_string_lossy().into_owned();
    let (code, stdout, stderr) = run_in(
        &dir,
        &["ls", "--project-dir", &project, "--selector", "from_env"],
        &[],
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stderr.contains("not statically known") && stderr.contains("MONOLINT_TEST_UNSET_DATABASE"),
        "{stderr}"
    );
}

/// `--statistics` counts findings per rule instead of printing them; `--exit-zero` keeps
/// the exit code 0 with findings; `--show-files` says what discovery read and checks nothing.
#[test]
fn statistics_exit_zero_and_show_files() {
    let dir = example();
    insta::assert_snapshot!(
        "statistics",
        transcript(&dir, &["check", "--statistics", "--preset", "strict"])
    );
    let (code, stdout, _) = run_in(&dir, &["check", "--statistics", "--format", "json"], &[]);
    assert_eq!(code, 1);
    let rows: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    assert_eq!(rows[0]["code"], "X001");
    assert_eq!(rows[0]["count"], 3);
    let (code, _, _) = run_in(&dir, &["check", "--exit-zero"], &[]);
    assert_eq!(code, 0, "findings do not fail with --exit-zero");
    insta::assert_snapshot!("show_files", transcript(&dir, &["check", "--show-files"]));
}

/// `--color always` colors even when stdout is not a terminal; `never` and `NO_COLOR` do not.
#[test]
fn color_choice() {
    let dir = example();
    let (_, colored, _) = run_in(&dir, &["check", "--color", "always"], &[]);
    assert!(
        colored.contains('\u{1b}'),
        "escape codes with --color always"
    );
    let (_, plain, _) = run_in(&dir, &["check", "--color", "never"], &[]);
    assert!(!plain.contains('\u{1b}'));
    let (code, _, stderr) = run_in(&dir, &["check", "--color", "never", "--no-color"], &[]);
    assert_eq!(code, 2, "--no-color and --color conflict: {stderr}");
}

/// A dbt Cloud job may run any model: the map does not call the models no other task runs
/// "not run by any DAG", it says their coverage is unknown.
#[test]
fn map_says_when_coverage_is_unknown() {
    let scratch = Scratch::example();
    std::fs::write(
        scratch.path("dags/cloud_nightly.py"),
        r#"from datetime import datetime

from airflow import DAG
from airflow.providers.dbt.cloud.operators.dbt import DbtCloudRunJobOperator

with DAG("cloud_nightly", schedule="0 2 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    DbtCloudRunJobOperator(task_id="nightly_job", job_id=4821, dbt_cloud_conn_id="dbt_cloud")
"#,
    )
    .unwrap();
    let (code, stdout, stderr) = run_in(&scratch.0, &["map"], &[]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let tail = stdout
        .split_once("\nCoverage unknown")
        .map(|(_, tail)| format!("Coverage unknown{tail}"))
        .unwrap_or_default();
    assert!(!stdout.contains("Not run by any DAG"), "{stdout}");
    insta::assert_snapshot!(tail);
}

/// `ls` finds the dbt project as `check` does: from the monorepo root, or given as PATH.
#[test]
fn ls_discovers_the_project() {
    let args = ["-s", "tag:finance_daily", "--resource-type", "model"];
    let from_root = transcript(&example(), &[&["ls"][..], &args].concat());
    insta::assert_snapshot!(from_root);
    let examples = example().parent().unwrap().to_path_buf();
    let with_path = transcript(&examples, &[&["ls", "acme-analytics"][..], &args].concat());
    assert_eq!(with_path, from_root);
    let root = crate::support::repo_root();
    insta::assert_snapshot!(
        "ls_several_projects",
        transcript(&root.join("tests/fixtures/monorepo-two-projects"), &["ls"])
    );
}

/// `-o` is `--output-file` in every command that writes a report.
#[test]
fn short_o_is_the_output_file() {
    let scratch = Scratch::example();
    for (command, extra) in [
        ("check", &["--format", "concise"][..]),
        ("map", &[][..]),
        ("ls", &["-s", "tag:finance_daily"][..]),
    ] {
        let (_, stdout, _) = run_in(&scratch.0, &[&[command][..], extra].concat(), &[]);
        let file = format!("out/{command}.txt");
        let (_, to_file, stderr) = run_in(
            &scratch.0,
            &[&[command][..], extra, &["-o", &file]].concat(),
            &[],
        );
        assert_eq!(to_file, "", "{command}: {stderr}");
        let written = std::fs::read_to_string(scratch.path(&file)).unwrap();
        assert_eq!(written, stdout, "{command}");
    }
}

/// The plain-text format is `human` in check, map, rules and explain; the old names stay.
#[test]
fn plain_text_format_is_human_everywhere() {
    let dir = example();
    for (command, old) in [
        (&["map"][..], "table"),
        (&["rules"][..], "text"),
        (&["explain", "X001"][..], "text"),
    ] {
        let default = run_in(&dir, command, &[]);
        assert_eq!(default.0, 0, "{command:?}: {}", default.2);
        for name in ["human", old] {
            let named = run_in(&dir, &[command, &["--format", name]].concat(), &[]);
            assert_eq!(named, default, "{command:?} --format {name}");
        }
    }
}

/// Every subcommand's `--help`: each option says what it does.
#[test]
fn help_of_every_command() {
    for command in ["check", "map", "ls", "rules", "explain", "init"] {
        insta::assert_snapshot!(
            format!("help_{command}"),
            transcript(&example(), &[command, "--help"])
        );
    }
}

/// `init` in an empty folder writes a starter that says what it could not find.
#[test]
fn init_in_an_empty_folder() {
    let scratch = Scratch::example();
    let empty = scratch.path("empty");
    std::fs::create_dir(&empty).unwrap();
    let run = transcript(&empty, &["init"]).replace(&*empty.to_string_lossy(), "[DIR]");
    let written = std::fs::read_to_string(empty.join("monolint.toml")).unwrap();
    insta::assert_snapshot!(format!("{run}----- monolint.toml -----\n{written}"));
    // The starter is a valid config: `check` then says the project is missing.
    let (code, _, stderr) = run_in(&empty, &["check"], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no dbt project"), "{stderr}");
}

/// Run from a parent folder, `check FOLDER` names every file from the current directory, in
/// every format, as ruff does; run in the folder, the paths are the same without the prefix.
#[test]
fn paths_are_relative_to_the_current_directory() {
    let examples = example().parent().unwrap().to_path_buf();
    let absolute = example().to_string_lossy().into_owned();
    let from_parent = |format: &str| {
        let args = [
            "check",
            "acme-analytics",
            "--preset",
            "strict",
            "--format",
            format,
        ];
        let (code, stdout, stderr) = run_in(&examples, &args, &[]);
        assert_eq!((code, stderr.as_str()), (1, ""), "{format}");
        // An absolute path below the current directory is shown the same way.
        let args = ["check", &absolute, "--preset", "strict", "--format", format];
        assert_eq!(run_in(&examples, &args, &[]).1, stdout, "{format}");
        stdout
    };
    let in_folder = |format: &str| {
        let args = ["check", "--preset", "strict", "--format", format];
        run_in(&example(), &args, &[]).1
    };
    insta::assert_snapshot!("paths_from_parent_concise", from_parent("concise"));
    insta::assert_snapshot!("paths_from_parent_github", from_parent("github"));

    let prefixed = |path: &serde_json::Value| format!("acme-analytics/{}", path.as_str().unwrap());
    // JSON: the primary and the related locations.
    let parent: serde_json::Value = serde_json::from_str(&from_parent("json")).unwrap();
    let folder: serde_json::Value = serde_json::from_str(&in_folder("json")).unwrap();
    let files = |document: &serde_json::Value| -> Vec<String> {
        let mut files = Vec::new();
        for diagnostic in document["diagnostics"].as_array().unwrap() {
            files.push(diagnostic["file"].as_str().unwrap().to_owned());
            for related in diagnostic["related"].as_array().unwrap() {
                files.push(related["file"].as_str().unwrap().to_owned());
            }
        }
        files
    };
    let expected: Vec<String> = files(&folder)
        .iter()
        .map(|file| prefixed(&serde_json::Value::from(file.as_str())))
        .collect();
    assert!(
        expected
            .iter()
            .any(|file| file.starts_with("acme-analytics/dbt/"))
    );
    assert_eq!(files(&parent), expected);
    // SARIF: every artifact location, primary and related.
    let uris = |text: &str| -> Vec<String> {
        let log: serde_json::Value = serde_json::from_str(text).unwrap();
        let mut uris = Vec::new();
        for result in log["runs"][0]["results"].as_array().unwrap() {
            for key in ["locations", "relatedLocations"] {
                for location in result[key].as_array().into_iter().flatten() {
                    let artifact = &location["physicalLocation"]["artifactLocation"];
                    assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
                    uris.push(artifact["uri"].as_str().unwrap().to_owned());
                }
            }
        }
        uris
    };
    let expected: Vec<String> = uris(&in_folder("sarif"))
        .iter()
        .map(|uri| format!("acme-analytics/{uri}"))
        .collect();
    assert_eq!(uris(&from_parent("sarif")), expected);
    // GitLab Code Quality: the path, and the same fingerprints (they do not depend on where
    // monolint runs).
    let parent: serde_json::Value = serde_json::from_str(&from_parent("gitlab")).unwrap();
    let folder: serde_json::Value = serde_json::from_str(&in_folder("gitlab")).unwrap();
    for (parent, folder) in parent
        .as_array()
        .unwrap()
        .iter()
        .zip(folder.as_array().unwrap())
    {
        assert_eq!(
            parent["location"]["path"].as_str().unwrap(),
            prefixed(&folder["location"]["path"])
        );
        assert_eq!(parent["fingerprint"], folder["fingerprint"]);
    }
    // Human, JUnit and Markdown: the text is the same but for the prefix.
    let human = from_parent("human");
    assert!(human.contains("╭─[acme-analytics/dags/"), "{human}");
    assert!(human.contains("see acme-analytics/dbt/"), "{human}");
    assert!(
        !human.contains("╭─[dags/") && !human.contains("see dbt/"),
        "{human}"
    );
    let junit = from_parent("junit");
    assert!(
        junit.contains("<testsuite name=\"acme-analytics/dags/"),
        "{junit}"
    );
    assert!(
        !junit.contains("name=\"dags/") && !junit.contains("\ndags/"),
        "{junit}"
    );
    let markdown = from_parent("markdown");
    assert!(markdown.contains("| `acme-analytics/dags/"), "{markdown}");
    assert!(!markdown.contains("| `dags/"), "{markdown}");
}

/// A task that installs packages before it runs dbt (`dbt deps && dbt run ...`) is resolved
/// when its `dbt run` is: `dbt deps` selects nothing and does not count. The map carries the
/// findings about what DAGs run, on the tasks and models they concern.
#[test]
fn map_task_status_and_findings() {
    let scratch = Scratch::example();
    std::fs::write(
        scratch.path("dags/finance_replay.py"),
        r#"from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("finance_replay", schedule="0 7 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(
        task_id="dbt_run_finance",
        bash_command="cd /opt/airflow/dbt && dbt deps && dbt run --select tag:finance_daily",
    )
    BashOperator(
        task_id="dbt_run_requested",
        bash_command="cd /opt/airflow/dbt && dbt deps && dbt run --select {{ params.models }}",
    )
"#,
    )
    .unwrap();
    let (code, stdout, stderr) = run_in(&scratch.0, &["map", "--format", "json"], &[]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let map: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let dag = map["dags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|dag| dag["dag_id"] == "finance_replay")
        .unwrap();
    let statuses: Vec<(&str, &str, Vec<&str>)> = dag["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|task| {
            (
                task["task_id"].as_str().unwrap(),
                task["status"].as_str().unwrap(),
                task["dbt"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|call| call["status"].as_str().unwrap())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            (
                "dbt_run_finance",
                "resolved",
                vec!["no-selection", "resolved"]
            ),
            (
                "dbt_run_requested",
                "unresolved",
                vec!["no-selection", "unresolved"]
            ),
        ]
    );
    let twice = map["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["code"] == "X010")
        .expect("the replay builds finance's models again");
    let tasks: Vec<String> = twice["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|task| format!("{}.{}", task["dag_id"], task["task_id"]).replace('"', ""))
        .collect();
    assert_eq!(
        tasks,
        [
            "finance_daily.dbt_build_finance",
            "finance_replay.dbt_run_finance"
        ]
    );
    assert!(
        twice["models"]
            .as_array()
            .unwrap()
            .iter()
            .any(|model| model["name"] == "fct_revenue"),
        "{twice}"
    );
    // The picture shows the same: a resolved task marked with the finding, the unresolved
    // one with its reason.
    let (_, page, _) = run_in(&scratch.0, &["map", "--format", "html"], &[]);
    let row = |task_id: &str| {
        page.lines()
            .find(|line| line.contains(&format!("data-name=\"{task_id}\"")))
            .unwrap_or_default()
            .to_owned()
    };
    let finance = row("dbt_run_finance");
    assert!(
        finance.starts_with("<li class=\"task resolved\""),
        "{finance}"
    );
    assert!(finance.contains(">X010</span>"), "{finance}");
    let requested = row("dbt_run_requested");
    assert!(
        requested.starts_with("<li class=\"task unresolved\""),
        "{requested}"
    );
    assert!(requested.contains("class=\"reason\""), "{requested}");
}
