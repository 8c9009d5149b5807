//! The fuzz targets' code run on every input that once made a target fail
//! (`fuzz/regressions/<target>/`, one file per failure) and on every seed
//! (`fuzz/seeds/<target>/`): each must return normally. See docs/fuzzing.md.

#[path = "../../fuzz/src/lib.rs"]
mod harness;

/// Runs `run` on each input of `target` (there must be some).
fn replay(target: &str, run: fn(&[u8])) {
    let root = crate::support::repo_root().join("fuzz");
    let mut inputs = Vec::new();
    for kind in ["regressions", "seeds"] {
        let Ok(entries) = std::fs::read_dir(root.join(kind).join(target)) else {
            continue;
        };
        inputs.extend(entries.map(|entry| entry.unwrap().path()));
    }
    inputs.sort();
    assert!(
        !inputs.is_empty(),
        "no seeds for {target}: run fuzz/make-seeds.sh"
    );
    for input in inputs {
        eprintln!("{}", input.display());
        run(&std::fs::read(&input).unwrap());
    }
}

#[test]
fn manifest() {
    replay("manifest", harness::manifest);
}

#[test]
fn dag() {
    replay("dag", harness::dag);
}

#[test]
fn dbt_command_line() {
    replay("dbt_command_line", harness::dbt_command_line);
}

#[test]
fn selector() {
    replay("selector", harness::selector);
}

#[test]
fn selectors_yml() {
    replay("selectors_yml", harness::selectors_yml);
}

#[test]
fn properties_yml() {
    replay("properties_yml", harness::properties_yml);
}

#[test]
fn config() {
    replay("config", harness::config);
}
