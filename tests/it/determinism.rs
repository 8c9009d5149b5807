//! Output never depends on thread scheduling: every format, on every fixture monorepo, is the
//! same bytes with one worker thread and with many.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::copy_dir;

const CHECK_FORMATS: [&str; 8] = [
    "human", "concise", "json", "github", "sarif", "junit", "gitlab", "markdown",
];
const MAP_FORMATS: [&str; 5] = ["table", "json", "markdown", "mermaid", "html"];
/// One worker, the machine's count (CI has 2), and more than there are cores.
const THREADS: [&str; 3] = ["1", "2", "7"];

fn repositories() -> Vec<PathBuf> {
    let root = crate::support::repo_root();
    [
        "examples/acme-analytics",
        "tests/fixtures/airflow",
        "tests/fixtures/monorepo-two-projects",
    ]
    .iter()
    .map(|dir| root.join(dir))
    .collect()
}

/// Exit code, stdout and stderr of a run with `threads` rayon workers.
fn run(dir: &Path, args: &[&str], threads: &str) -> (Option<i32>, Vec<u8>, Vec<u8>) {
    let output = Command::new(env!("CARGO_BIN_EXE_monolint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .expect("monolint runs");
    (output.status.code(), output.stdout, output.stderr)
}

fn assert_same_for_every_thread_count(dir: &Path, args: &[&str]) {
    let one = run(dir, args, THREADS[0]);
    assert!(
        !one.1.is_empty() || !one.2.is_empty(),
        "{args:?} printed nothing"
    );
    for threads in &THREADS[1..] {
        let many = run(dir, args, threads);
        assert!(
            one == many,
            "{} {args:?}: 1 thread and {threads} differ\n--- 1 thread:\n{}\n--- {threads} threads:\n{}",
            dir.display(),
            String::from_utf8_lossy(&one.1),
            String::from_utf8_lossy(&many.1),
        );
    }
}

#[test]
fn check_output_is_the_same_with_any_thread_count() {
    for dir in repositories() {
        for format in CHECK_FORMATS {
            assert_same_for_every_thread_count(
                &dir,
                &["check", "--select", "all", "--format", format],
            );
        }
    }
}

#[test]
fn map_output_is_the_same_with_any_thread_count() {
    for dir in repositories() {
        for format in MAP_FORMATS {
            assert_same_for_every_thread_count(&dir, &["map", "--format", format]);
        }
    }
}

/// Input problems are reported in a fixed order too: broken DAG files (parsed in parallel)
/// and refused project files (read by rules running in parallel).
#[test]
fn problems_are_the_same_with_any_thread_count() {
    let root = crate::support::repo_root();
    let dir = std::env::temp_dir().join(format!("monolint-determinism-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&root.join("examples/acme-analytics"), &dir);
    for n in 0..8 {
        std::fs::write(
            dir.join(format!("dags/broken_{n}.py")),
            format!("from airflow import DAG\nx = ({n}\n"),
        )
        .unwrap();
    }
    let manifest_path = dir.join("dbt/target/manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    for node in manifest["nodes"].as_object_mut().unwrap().values_mut() {
        if node["resource_type"] == "model" {
            node["patch_path"] = serde_json::json!(format!("acme:///etc/{}.yml", node["name"]));
        }
    }
    std::fs::write(&manifest_path, serde_json::to_vec(&manifest).unwrap()).unwrap();
    for format in ["human", "concise"] {
        let (_, _, stderr) = run(&dir, &["check", "--select", "all", "--format", format], "1");
        let problems = String::from_utf8_lossy(&stderr)
            .matches("dags/broken_")
            .count();
        assert!(problems >= 8, "{}", String::from_utf8_lossy(&stderr));
        assert!(String::from_utf8_lossy(&stderr).contains("outside the checked folder"));
        assert_same_for_every_thread_count(&dir, &["check", "--select", "all", "--format", format]);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
