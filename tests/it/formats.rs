//! The machine-readable formats (SARIF, JUnit, GitLab Code Quality, Markdown), `--output-file`
//! and `monolint init`, run through the binary on the example monorepo and on copies of it.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::support::{Scratch, example, run_in};

/// The example's findings: 1 error and 9 warnings.
const FINDINGS: usize = 10;

/// `monolint check --format FORMAT` on `dir`; asserts exit code 1 and a clean stderr.
/// Every format is checked on the `strict` preset, so rules of every group are rendered.
fn check(dir: &Path, format: &str) -> String {
    let (code, stdout, stderr) = run_in(dir, &["check", "--preset", "strict", "--format", format]);
    assert_eq!(code, 1, "exit code; stderr: {stderr}");
    assert_eq!(stderr, "", "stderr");
    stdout
}

// ---------------------------------------------------------------------------------------------
// SARIF

fn sarif_validator() -> jsonschema::Validator {
    let path = crate::support::repo_root().join("tests/testdata/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid_sarif(log: &Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

/// The SARIF text with what changes without the findings changing replaced: the version, and
/// the rule pages (they are `rules/*.md`).
fn redact_sarif(text: &str) -> String {
    text.lines()
        .map(|line| {
            let trimmed = line.trim_start();
            let indent = &line[..line.len() - trimmed.len()];
            if trimmed.starts_with("\"text\": \"# ") {
                format!("{indent}\"text\": \"[rule page]\",")
            } else if trimmed.starts_with("\"markdown\": \"# ") {
                format!("{indent}\"markdown\": \"[rule page]\"")
            } else if trimmed == format!("\"version\": \"{}\",", env!("CARGO_PKG_VERSION")) {
                format!("{indent}\"version\": \"[version]\",")
            } else if trimmed == format!("\"semanticVersion\": \"{}\",", env!("CARGO_PKG_VERSION"))
            {
                format!("{indent}\"semanticVersion\": \"[version]\",")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().expect("results")
}

fn fingerprints(log: &Value) -> Vec<(String, String)> {
    results(log)
        .iter()
        .map(|result| {
            (
                result["ruleId"].as_str().unwrap().to_owned(),
                result["partialFingerprints"]["monolint/v1"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect()
}

#[test]
fn sarif_is_valid_and_complete() {
    let stdout = check(&example(), "sarif");
    let log: Value = serde_json::from_str(&stdout).expect("valid JSON");
    assert_valid_sarif(&log);

    assert_eq!(log["version"], "2.1.0");
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "monolint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    let results = results(&log);
    assert_eq!(results.len(), FINDINGS);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[index]["id"], result["ruleId"],
            "ruleIndex of {result}"
        );
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(example().join(uri).is_file(), "{uri} is a relative path");
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(location["region"][key].as_u64().is_some_and(|n| n >= 1));
        }
    }
    // Every rule listed has results, and the related location of X004 is there.
    let used: BTreeSet<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    let listed: BTreeSet<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(used, listed);
    for rule in rules {
        let meta = monolint::rules::find(rule["id"].as_str().unwrap()).unwrap();
        assert_eq!(rule["name"], meta.name);
        assert_eq!(rule["shortDescription"]["text"], meta.summary());
        assert_eq!(rule["helpUri"], meta.url());
    }
    let x004 = results.iter().find(|r| r["ruleId"] == "X004").unwrap();
    assert_eq!(
        x004["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "dbt/models/marts/marketing/fct_sessions.sql"
    );
    // Fingerprints are unique within the run.
    let unique: BTreeSet<String> = fingerprints(&log).into_iter().map(|(_, f)| f).collect();
    assert_eq!(unique.len(), FINDINGS);

    insta::assert_snapshot!(redact_sarif(&stdout));
}

#[test]
fn sarif_fingerprints_survive_moved_lines() {
    let scratch = Scratch::example();
    let before: Value = serde_json::from_str(&check(&scratch.0, "sarif")).unwrap();
    let gitlab_before: Value = serde_json::from_str(&check(&scratch.0, "gitlab")).unwrap();
    for dag in ["crm_reverse_etl", "marketing_daily", "product_daily"] {
        scratch.prepend(&format!("dags/{dag}.py"), "\n");
    }
    let after: Value = serde_json::from_str(&check(&scratch.0, "sarif")).unwrap();
    let gitlab_after: Value = serde_json::from_str(&check(&scratch.0, "gitlab")).unwrap();

    // The lines moved...
    let line_of = |log: &Value, rule: &str| {
        results(log).iter().find(|r| r["ruleId"] == rule).unwrap()["locations"][0]
            ["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
    };
    for rule in ["DAG001", "X002", "X004"] {
        assert_eq!(line_of(&after, rule), line_of(&before, rule) + 1, "{rule}");
    }
    // ...and the fingerprints did not.
    assert_eq!(fingerprints(&before), fingerprints(&after));
    let gitlab_fingerprints = |issues: &Value| -> Vec<String> {
        issues
            .as_array()
            .unwrap()
            .iter()
            .map(|issue| issue["fingerprint"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        gitlab_fingerprints(&gitlab_before),
        gitlab_fingerprints(&gitlab_after)
    );
}

#[test]
fn sarif_fingerprint_changes_with_the_finding() {
    let scratch = Scratch::example();
    let before: Value = serde_json::from_str(&check(&scratch.0, "sarif")).unwrap();
    let path = scratch.path("dags/product_daily.py");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("tag:prodcut_weekly", "tag:prodcut_wekly"),
    )
    .unwrap();
    let after: Value = serde_json::from_str(&check(&scratch.0, "sarif")).unwrap();
    let x002 = |log: &Value| {
        fingerprints(log)
            .into_iter()
            .find(|(rule, _)| rule == "X002")
            .unwrap()
            .1
    };
    assert_ne!(x002(&before), x002(&after));
}

#[test]
fn the_schema_check_is_not_vacuous() {
    let mut log: Value = serde_json::from_str(&check(&example(), "sarif")).unwrap();
    log["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!sarif_validator().is_valid(&log));
    let mut log: Value = serde_json::from_str(&check(&example(), "sarif")).unwrap();
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    assert!(!sarif_validator().is_valid(&log));
}

#[test]
fn sarif_without_findings_is_valid() {
    let (code, stdout, _) = run_in(
        &example(),
        &["check", "--format", "sarif", "--select", "X005"],
    );
    assert_eq!(code, 0);
    let log: Value = serde_json::from_str(&stdout).unwrap();
    assert_valid_sarif(&log);
    assert!(results(&log).is_empty());
}

// ---------------------------------------------------------------------------------------------
// JUnit

#[test]
fn junit_is_well_formed_and_counts_match() {
    let stdout = check(&example(), "junit");
    let document = roxmltree::Document::parse(&stdout).expect("well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("10"));
    assert_eq!(root.attribute("failures"), Some("10"));
    let mut cases = 0;
    let mut files = BTreeSet::new();
    for suite in root.children().filter(|n| n.has_tag_name("testsuite")) {
        let name = suite.attribute("name").unwrap();
        assert!(example().join(name).is_file(), "suite {name} is a file");
        files.insert(name);
        let suite_cases: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        assert_eq!(
            suite.attribute("tests"),
            Some(suite_cases.len().to_string().as_str())
        );
        for case in suite_cases {
            cases += 1;
            assert_eq!(case.attribute("file"), Some(name));
            let failure = case
                .children()
                .find(|n| n.has_tag_name("failure"))
                .expect("a failure");
            assert!(!failure.attribute("message").unwrap().is_empty());
            assert!(failure.text().unwrap().starts_with(&format!("{name}:")));
        }
    }
    assert_eq!(cases, FINDINGS);
    assert_eq!(files.len(), 6);
    // Attribute escaping round-trips: the X004 message has an apostrophe.
    assert!(document.descendants().any(|n| {
        n.attribute("message")
            .is_some_and(|m| m.contains("run's data"))
    }));
    insta::assert_snapshot!(stdout);
}

#[test]
fn junit_without_findings_has_one_passing_case() {
    let (code, stdout, _) = run_in(
        &example(),
        &["check", "--format", "junit", "--select", "X005"],
    );
    assert_eq!(code, 0);
    let document = roxmltree::Document::parse(&stdout).expect("well-formed XML");
    assert_eq!(document.root_element().attribute("failures"), Some("0"));
    assert_eq!(
        document
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .count(),
        1
    );
    assert!(!document.descendants().any(|n| n.has_tag_name("failure")));
}

// ---------------------------------------------------------------------------------------------
// GitLab Code Quality

#[test]
fn gitlab_code_quality_has_the_required_fields() {
    let stdout = check(&example(), "gitlab");
    let issues: Value = serde_json::from_str(&stdout).expect("valid JSON");
    let issues = issues.as_array().expect("an array");
    assert_eq!(issues.len(), FINDINGS);
    let mut fingerprints = BTreeSet::new();
    for issue in issues {
        for key in ["description", "check_name", "fingerprint"] {
            assert!(
                issue[key].as_str().is_some_and(|s| !s.is_empty()),
                "{key} in {issue}"
            );
        }
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&issue["severity"].as_str().unwrap())
        );
        let path = issue["location"]["path"].as_str().unwrap();
        assert!(example().join(path).is_file(), "{path}");
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        fingerprints.insert(issue["fingerprint"].as_str().unwrap().to_owned());
    }
    assert_eq!(fingerprints.len(), FINDINGS, "fingerprints are unique");
    let x002 = issues.iter().find(|i| i["check_name"] == "X002").unwrap();
    assert_eq!(x002["severity"], "critical");
    insta::assert_snapshot!(stdout);
}

// ---------------------------------------------------------------------------------------------
// Markdown

#[test]
fn markdown_summary() {
    let stdout = check(&example(), "markdown");
    assert!(stdout.contains(
        "**Found 10 problems (1 error, 9 warnings): DAG001 1, DBT001 2, DBT009 2, X001 3, X002 1, X004 1.**"
    ));
    assert!(stdout.contains("Coverage: 18/21 models run by a DAG"));
    insta::assert_snapshot!(stdout);
}

#[test]
fn markdown_without_findings() {
    let (code, stdout, _) = run_in(
        &example(),
        &["check", "--format", "markdown", "--select", "X005"],
    );
    assert_eq!(code, 0);
    assert!(stdout.starts_with("## monolint\n\n**No problems found.**\n"));
    assert!(!stdout.contains('|'));
}

// ---------------------------------------------------------------------------------------------
// --output-file

#[test]
fn output_file_gets_what_stdout_would() {
    let scratch = Scratch::example();
    for format in [
        "sarif", "junit", "gitlab", "markdown", "json", "concise", "human",
    ] {
        let expected = check(&scratch.0, format);
        let file = format!("reports/findings.{format}");
        let (code, stdout, stderr) = run_in(
            &scratch.0,
            &[
                "check",
                "--preset",
                "strict",
                "--format",
                format,
                "--output-file",
                &file,
            ],
        );
        assert_eq!(
            (code, stdout.as_str(), stderr.as_str()),
            (1, "", ""),
            "{format}"
        );
        assert_eq!(
            std::fs::read_to_string(scratch.path(&file)).unwrap(),
            expected,
            "{format}"
        );
    }
}

#[test]
fn output_file_that_cannot_be_written_is_exit_code_2() {
    let scratch = Scratch::example();
    let (code, stdout, stderr) = run_in(&scratch.0, &["check", "--output-file", "dags"]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(stderr.contains("cannot write dags"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// monolint init

#[test]
fn init_writes_a_config_that_keeps_the_findings() {
    let scratch = Scratch::example();
    let before = check(&scratch.0, "concise");
    let (code, stdout, stderr) = run_in(&scratch.0, &["init"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("monolint.toml"), "{stdout}");
    let written = std::fs::read_to_string(scratch.path("monolint.toml")).unwrap();
    assert!(written.contains("projects = [\"dbt\"]"), "{written}");
    assert!(written.contains("dag-folders = [\"dags\"]"), "{written}");
    assert!(written.contains("# fail-on = \"warning\""), "{written}");
    assert!(
        written.contains("# [rules.model-not-scheduled]"),
        "{written}"
    );
    insta::assert_snapshot!(written);

    // `check` picks the file up (a broken file would be exit code 2) and finds the same.
    assert_eq!(check(&scratch.0, "concise"), before);
    let explicit = run_in(
        &scratch.0,
        &[
            "check",
            "--preset",
            "strict",
            "--config",
            "monolint.toml",
            "--format",
            "concise",
        ],
    );
    assert_eq!(explicit, (1, before, String::new()));
}

#[test]
fn init_takes_a_path() {
    let scratch = Scratch::example();
    let parent = scratch.0.parent().unwrap();
    let name = scratch.0.file_name().unwrap().to_str().unwrap();
    let (code, _, stderr) = run_in(parent, &["init", name]);
    assert_eq!(code, 0, "{stderr}");
    assert!(scratch.path("monolint.toml").is_file());
}

#[test]
fn init_never_overwrites() {
    let scratch = Scratch::example();
    std::fs::write(scratch.path("monolint.toml"), "fail-on = \"error\"\n").unwrap();
    let (code, stdout, stderr) = run_in(&scratch.0, &["init"]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert!(stderr.contains("monolint.toml already exists"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(scratch.path("monolint.toml")).unwrap(),
        "fail-on = \"error\"\n"
    );
}

#[test]
fn init_leaves_a_pyproject_config_alone() {
    let scratch = Scratch::example();
    std::fs::write(
        scratch.path("pyproject.toml"),
        "[tool.monolint]\nfail-on = \"error\"\n",
    )
    .unwrap();
    let (code, _, stderr) = run_in(&scratch.0, &["init"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("[tool.monolint]"), "{stderr}");
    assert!(!scratch.path("monolint.toml").exists());
}

#[test]
fn init_keeps_discovery_automatic_for_dags_outside_dags_folders() {
    let scratch = Scratch::example();
    std::fs::create_dir_all(scratch.path("orchestrate")).unwrap();
    std::fs::rename(
        scratch.path("dags/staging_hourly.py"),
        scratch.path("orchestrate/staging_hourly.py"),
    )
    .unwrap();
    let before = check(&scratch.0, "concise");
    let (code, _, stderr) = run_in(&scratch.0, &["init"]);
    assert_eq!(code, 0, "{stderr}");
    let written = std::fs::read_to_string(scratch.path("monolint.toml")).unwrap();
    assert!(
        written.contains("#   orchestrate/staging_hourly.py"),
        "{written}"
    );
    assert!(
        written.contains("# dag-folders = [\"dags\", \"orchestrate\"]"),
        "{written}"
    );
    assert_eq!(check(&scratch.0, "concise"), before);
}

/// Without a dbt project, `init` still writes the starter (with the DAG folders it found) and
/// says the project is what is missing; `check` then stops on it.
#[test]
fn init_without_a_dbt_project_says_so() {
    let scratch = Scratch::example();
    std::fs::remove_dir_all(scratch.path("dbt")).unwrap();
    let (code, stdout, stderr) = run_in(&scratch.0, &["init"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(stdout.contains("(0 dbt projects, "), "{stdout}");
    assert!(stdout.contains("Say where the dbt project is"), "{stdout}");
    let written = std::fs::read_to_string(scratch.path("monolint.toml")).unwrap();
    assert!(
        written.contains("# No dbt project (dbt_project.yml) was found."),
        "{written}"
    );
    assert!(written.contains("dag-folders = [\"dags\"]"), "{written}");
    let (code, _, stderr) = run_in(&scratch.0, &["check"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no dbt project"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// monolint map --format json

/// The map's JSON matches its documented schema (docs/map.schema.json), on the example and on
/// the Airflow fixtures (every schedule kind and cross-DAG edge).
#[test]
fn map_json_follows_its_schema() {
    let root = crate::support::repo_root();
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("docs/map.schema.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the map schema compiles");
    for dir in [example(), root.join("tests/fixtures/airflow")] {
        let (code, stdout, stderr) = run_in(&dir, &["map", "--format", "json"]);
        assert_eq!(code, 0, "stderr: {stderr}");
        let map: Value = serde_json::from_str(&stdout).expect("map JSON parses");
        let errors: Vec<String> = validator
            .iter_errors(&map)
            .map(|error| format!("{} at {}", error, error.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{}:\n{}",
            dir.display(),
            errors.join("\n")
        );
        assert!(!map["dags"].as_array().unwrap().is_empty());
        // The schema is strict enough to catch a drift.
        let mut drifted = map.clone();
        drifted["dags"][0]["schedule"] = serde_json::json!({"kind": "hourly"});
        assert!(!validator.is_valid(&drifted));
    }
}

#[test]
fn map_json_of_the_example() {
    let (code, stdout, _) = run_in(&example(), &["map", "--format", "json"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(stdout);
}

/// The HTML map is one page that needs nothing from the network, and pictures every DAG task,
/// every model (unscheduled ones marked) and the coverage.
#[test]
fn map_html_is_self_contained() {
    let (code, page, stderr) = run_in(&example(), &["map", "--format", "html"]);
    assert_eq!(code, 0, "stderr: {stderr}");
    assert!(page.starts_with("<!DOCTYPE html>"));
    // The SVG namespace is an identifier, not a download.
    let remote: Vec<&str> = page
        .match_indices("http")
        .map(|(at, _)| &page[at..(at + 40).min(page.len())])
        .filter(|reference| !reference.starts_with("http://www.w3.org/2000/svg"))
        .collect();
    assert!(remote.is_empty(), "remote references: {remote:?}");
    for forbidden in ["<link", "src=", "@import", "url("] {
        assert!(
            !page.contains(forbidden),
            "the page loads something: {forbidden}"
        );
    }
    assert_eq!(page.matches("class=\"model unscheduled\"").count(), 3);
    assert!(page.contains("<b>18/21</b> models run by a DAG"));
    // Collapsed: every DAG and every folder is closed, its tasks and models hidden.
    let boxes = page
        .matches("class=\"head\" aria-expanded=\"false\"")
        .count();
    assert_eq!(page.matches("class=\"head\" aria-expanded").count(), boxes);
    assert_eq!(page.matches("<div class=\"dag\"").count(), 4);
    assert_eq!(page.matches("<ul class=\"tasks\" hidden>").count(), 4);
    let folders = page.matches("<div class=\"folder\"").count();
    assert_eq!(folders, 9, "dbt/models/{{intermediate,marts/*,staging}}");
    assert_eq!(
        page.matches("<div class=\"children\" hidden>").count(),
        folders
    );
    assert_eq!(boxes, 4 + folders);
    // Folders count what they hold; findings are marked where they apply.
    assert!(page.contains(r#"<span class="name">marts/</span><span class="marks"><span class="mark not-run" title="3 models no DAG runs">3 not run</span>"#));
    assert!(page.contains(r#"<span class="meta">12 models</span>"#));
    assert!(page.contains(r#"data-name="dbt_build_product" title="dbt build tag:product_daily tag:prodcut_weekly"><span class="name">dbt_build_product</span><span class="marks"><span class="mark error" title="selector `tag:prodcut_weekly` matches no enabled node">X002</span>"#));
    insta::assert_snapshot!(page);
}
