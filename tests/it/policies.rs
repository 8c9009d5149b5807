//! `[[policy]]` tables end to end: the CLI on `tests/fixtures/policies/teams` (its config and
//! DAGs, with `tests/rules/_project` as its dbt project) and on configs with malformed policies,
//! snapshotted with exit codes.

use std::path::PathBuf;

use crate::support::{Scratch, copy_dir, repo_root, run_in, transcript};

fn fixtures() -> PathBuf {
    repo_root().join("tests/fixtures/policies")
}

/// The `teams` fixture with the shared dbt project as `dbt/`, in a temporary folder removed
/// on drop.
fn teams() -> Scratch {
    let scratch = Scratch::empty();
    copy_dir(&fixtures().join("teams"), &scratch.0);
    copy_dir(
        &repo_root().join("tests/rules/_project"),
        &scratch.path("dbt"),
    );
    scratch
}

/// Node policies (meta owner, materialization, name pattern; one that every node meets) and
/// DAG policies (owner and retries through `default_args`, a callback, tags, globs; values
/// not statically known; a suppressed finding).
#[test]
fn policies_concise() {
    let scratch = teams();
    insta::assert_snapshot!(transcript(&scratch.0, &["check", "--format", "concise"]));
}

#[test]
fn policies_human() {
    let scratch = teams();
    insta::assert_snapshot!(transcript(&scratch.0, &["check"]));
}

/// `--select` and `--ignore` filter policies by id or prefix, as they do rules.
#[test]
fn policies_selected_and_ignored() {
    let scratch = teams();
    let selected = transcript(
        &scratch.0,
        &["check", "--format", "concise", "--select", "ACME011"],
    );
    let ignored = transcript(
        &scratch.0,
        &["check", "--format", "concise", "--ignore", "ACME0"],
    );
    insta::assert_snapshot!(format!(
        "## --select ACME011\n{selected}\n## --ignore ACME0\n{ignored}"
    ));
}

/// SARIF lists each policy with findings as a rule of its own, and every result points at it.
#[test]
fn policies_in_sarif() {
    let scratch = teams();
    let (code, stdout, _) = run_in(&scratch.0, &["check", "--format", "sarif"]);
    assert_eq!(code, 1);
    let log: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ACME001", "ACME010", "ACME011"]);
    let marts = &rules[0];
    assert_eq!(
        marts["shortDescription"]["text"],
        "mart `{name}` does not follow the marts policy"
    );
    assert!(
        marts["helpUri"]
            .as_str()
            .unwrap()
            .ends_with("docs/configuration.md#policy")
    );
    assert_eq!(marts["defaultConfiguration"]["level"], "error");
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
}

/// A malformed policy is a config error (exit 2) naming the policy and the key. The configs
/// are `errors/<case>.toml`, checked as a `monolint.toml` of their own.
#[test]
fn malformed_policies() {
    let mut transcripts = String::new();
    for case in ["bad_selector", "bad_regex", "builtin_code", "unknown_key"] {
        let config =
            std::fs::read_to_string(fixtures().join("errors").join(format!("{case}.toml")))
                .unwrap();
        let scratch = Scratch::empty();
        std::fs::write(scratch.0.join("monolint.toml"), &config).unwrap();
        transcripts.push_str(&format!(
            "## {case}\n```toml\n{config}```\n{}\n",
            transcript(&scratch.0, &["check"])
        ));
    }
    insta::assert_snapshot!(transcripts);
}
