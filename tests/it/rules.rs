//! Per-rule cases: `tests/rules/<CODE>/<case>/` holds a `dags/` folder, optionally a
//! `monolint.toml` and its own `dbt/` project (else the shared `tests/rules/_project`).
//! Each case runs its rule alone; `fail_*` cases must raise it, `pass_*` cases must not.
//! The input files and the rendered diagnostics are snapshotted together.

use std::path::{Path, PathBuf};

use monolint::airflow::invocations::wrapper::DbtWrappers;
use monolint::airflow::parse::FileToRead;
use monolint::config::{self, RuleArgs};
use monolint::render::{Format, RenderOptions, render};
use monolint::workspace::{PathMap, ProjectLocation, Workspace, discover_layout, relative_display};

fn rules_dir() -> PathBuf {
    crate::support::repo_root().join("tests/rules")
}

/// Every case folder, sorted.
fn cases() -> Vec<(String, PathBuf)> {
    let mut cases = Vec::new();
    let mut codes: Vec<PathBuf> = std::fs::read_dir(rules_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.is_dir()
                && !p
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(['_', '.'])
        })
        .filter(|p| p.file_name().unwrap() != "snapshots")
        .collect();
    codes.sort();
    for code_dir in codes {
        let code = code_dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(&code_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        cases.extend(dirs.into_iter().map(|dir| (code.clone(), dir)));
    }
    cases
}

fn python_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            python_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "py") {
            out.push(path);
        }
    }
}

/// Runs one case; returns the snapshot text and the number of diagnostics.
fn run_case(code: &str, dir: &Path) -> (String, usize) {
    let own_project = dir.join("dbt");
    let project_dir = if own_project.join("dbt_project.yml").is_file() {
        own_project
    } else {
        rules_dir().join("_project")
    };
    let mut dag_paths = Vec::new();
    python_files(&dir.join("dags"), &mut dag_paths);
    let loaded = config::load(dir, None).unwrap();
    let mut path_map = PathMap::new(loaded.config.dbt.path_map.clone());
    // The files of the case as discovery walks them: the stale-manifest check looks for new
    // files among them.
    path_map.repository = discover_layout(dir, &loaded.config, None)
        .unwrap()
        .path_map
        .repository;
    let workspace = Workspace {
        root: dir.to_path_buf(),
        projects: vec![ProjectLocation {
            manifest: project_dir.join("target/manifest.json"),
            manifest_given: false,
            no_manifest: false,
            dir: project_dir,
            display_dir: "dbt".to_owned(),
            named: true,
        }],
        dag_files: dag_paths
            .iter()
            .map(|path| FileToRead {
                path: path.clone(),
                display: relative_display(dir, path),
                module: path
                    .file_stem()
                    .map(|stem| stem.to_string_lossy().into_owned()),
            })
            .collect(),
        path_map,
        wrappers: DbtWrappers::from_config(&loaded.config.airflow),
        airflow_version: loaded.config.airflow.version,
        problems: Vec::new(),
        airflow_pinned: None,
        dag_factory_major: None,
        ignore_syntax: loaded.config.airflow.ignore_file_syntax,
    };
    let args = RuleArgs {
        select: vec![code.to_owned()],
        ..RuleArgs::default()
    };
    let report = monolint::check_workspace(&workspace, &loaded.config, &args).unwrap();
    let options = RenderOptions {
        quiet: true,
        ..RenderOptions::default()
    };
    let mut snapshot = String::from("# Input\n");
    let config_file = dir.join("monolint.toml");
    let inputs = config_file
        .is_file()
        .then_some(config_file)
        .into_iter()
        .chain(dag_paths);
    for path in inputs {
        snapshot.push_str(&format!(
            "## {}\n```\n{}```\n",
            relative_display(dir, &path),
            std::fs::read_to_string(&path).unwrap()
        ));
    }
    snapshot.push_str("\n# Diagnostics\n");
    for problem in &report.problems {
        snapshot.push_str(&format!("problem: {}\n", problem.message));
    }
    snapshot.push_str(&render(&report, Format::Human, &options));
    for diagnostic in &report.diagnostics {
        assert_message_style(&diagnostic.message);
        assert_message_style(&diagnostic.primary.text);
    }
    (snapshot, report.diagnostics.len())
}

/// Messages and labels start lowercase (an acronym or code span may lead) and do not end with
/// a period.
fn assert_message_style(text: &str) {
    assert!(!text.ends_with('.'), "ends with a period: {text}");
    let first_word = text.split_whitespace().next().unwrap_or_default();
    let acronym = first_word.chars().all(|c| !c.is_lowercase());
    assert!(
        acronym || !first_word.starts_with(char::is_uppercase),
        "starts with a capital: {text}"
    );
}

#[test]
fn rule_cases() {
    let cases = cases();
    assert!(!cases.is_empty(), "no rule cases found");
    let mut failures = Vec::new();
    for (code, dir) in &cases {
        let case = dir.file_name().unwrap().to_string_lossy().into_owned();
        let (snapshot, count) = run_case(code, dir);
        if case.starts_with("fail") && count == 0 {
            failures.push(format!("{code}/{case}: expected diagnostics, got none"));
        }
        if case.starts_with("pass") && count != 0 {
            failures.push(format!(
                "{code}/{case}: expected no diagnostics, got {count}\n{snapshot}"
            ));
        }
        insta::with_settings!({
            snapshot_path => rules_dir().join("snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("{code}__{case}"), snapshot);
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
