//! Consistency of the project itself: rule metadata, docs and test cases agree, and the
//! generated rules index is current.

use std::collections::BTreeSet;
use std::path::PathBuf;

use monolint::rules::{ALL, RuleOptions};

use crate::support::repo_root;

#[test]
fn codes_and_names_are_unique_and_sorted() {
    let codes: Vec<&str> = ALL.iter().map(|m| m.code).collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        codes, sorted,
        "ALL must be sorted by code, without duplicates"
    );
    let names: BTreeSet<&str> = ALL.iter().map(|m| m.name).collect();
    assert_eq!(names.len(), ALL.len(), "rule names must be unique");
    for meta in ALL {
        let prefix_ok = ["X", "DBT", "DAG", "ML"].iter().any(|p| {
            meta.code.strip_prefix(p).is_some_and(|digits| {
                digits.len() == 3 && digits.chars().all(|c| c.is_ascii_digit())
            })
        });
        assert!(
            prefix_ok,
            "{}: codes are X###, DBT###, DAG### or ML###",
            meta.code
        );
        assert!(
            meta.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}: names are kebab-case",
            meta.name
        );
    }
}

#[test]
fn config_keys_are_rule_names() {
    let keys: Vec<String> = RuleOptions::KEYS
        .iter()
        .map(|k| k.replace('_', "-"))
        .collect();
    let names: Vec<&str> = ALL.iter().map(|m| m.name).collect();
    assert_eq!(
        keys, names,
        "registry! fields must be the rule names, in code order"
    );
}

#[test]
fn every_rule_page_has_the_required_sections() {
    for meta in ALL {
        let title = format!("# {} ({})", meta.name, meta.code);
        assert_eq!(
            meta.doc.lines().next(),
            Some(title.as_str()),
            "rules/{}.md title",
            meta.name
        );
        for heading in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Options",
        ] {
            assert!(
                meta.doc.contains(heading),
                "rules/{}.md lacks `{heading}`",
                meta.name
            );
        }
        assert!(
            !meta.summary().is_empty() && meta.summary().ends_with('.'),
            "{}: summary",
            meta.name
        );
    }
}

#[test]
fn every_rule_page_belongs_to_a_rule() {
    for entry in std::fs::read_dir(repo_root().join("rules")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(
            ALL.iter().any(|m| m.name == name),
            "rules/{name}.md has no rule"
        );
    }
}

#[test]
fn every_rule_has_fail_and_pass_cases() {
    for meta in ALL {
        let dir = repo_root().join("tests/rules").join(meta.code);
        let cases: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("tests/rules/{} is missing", meta.code))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            cases.iter().any(|c| c.starts_with("fail_")),
            "{}: no fail_ case",
            meta.code
        );
        assert!(
            cases.iter().any(|c| c.starts_with("pass_")),
            "{}: no pass_ case",
            meta.code
        );
    }
}

/// Writes `path` when it differs from `contents`, then fails: CI catches stale generated files,
/// and a local run fixes them.
fn ensure_file_contents(path: &PathBuf, contents: &str) {
    let current = std::fs::read_to_string(path).unwrap_or_default();
    if current != contents {
        std::fs::write(path, contents).unwrap();
        panic!(
            "{} was stale and has been regenerated; commit it",
            path.display()
        );
    }
}

#[test]
fn rules_index_is_current() {
    let mut index = String::from(
        "# Rules\n\nGenerated from the rule registry by `cargo test` (tests/it/tidy.rs); do not edit.\n\
         Each rule's page is in [rules/](../rules/); `monolint explain <rule>` prints it.\n\n\
         Presets: `recommended` is the default; `strict` adds its own rules to it; `all` holds\n\
         every rule (see [configuration](configuration.md#presets)).\n\n\
         | Code | Name | Group | Preset | Default severity | Summary |\n\
         | --- | --- | --- | --- | --- | --- |\n",
    );
    for meta in ALL {
        index.push_str(&format!(
            "| {} | [{}](../rules/{}.md) | {} | {} | {} | {} |\n",
            meta.code,
            meta.name,
            meta.name,
            meta.group,
            meta.preset,
            meta.severity,
            meta.summary()
        ));
    }
    ensure_file_contents(&repo_root().join("docs/rules.md"), &index);
}

/// The pre-commit mirror pins this version of monolint, and its hook runs like the `monolint`
/// hook of `.pre-commit-hooks.yaml`.
#[test]
fn pre_commit_mirror_matches_this_release() {
    let read = |path: &str| std::fs::read_to_string(repo_root().join(path)).unwrap();
    let pyproject: toml::Table = toml::from_str(&read("pre-commit-mirror/pyproject.toml")).unwrap();
    let dependencies = pyproject["project"]["dependencies"].as_array().unwrap();
    assert_eq!(
        dependencies,
        &vec![toml::Value::from(format!(
            "monolint=={}",
            env!("CARGO_PKG_VERSION")
        ))]
    );
    let hooks =
        |path: &str| -> Vec<serde_yaml::Mapping> { serde_yaml::from_str(&read(path)).unwrap() };
    let mirror = hooks("pre-commit-mirror/.pre-commit-hooks.yaml");
    let ours = hooks(".pre-commit-hooks.yaml");
    let [mirror] = mirror.as_slice() else {
        panic!("the mirror has one hook")
    };
    let rust = ours.iter().find(|hook| hook["id"] == "monolint").unwrap();
    for key in ["id", "entry", "pass_filenames", "require_serial", "files"] {
        assert_eq!(mirror[key], rust[key], "{key}");
    }
    assert_eq!(mirror["language"], "python");
}
