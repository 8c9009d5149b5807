//! Oracle tests of the project reader: every fixture with a `target/manifest.json` that real
//! `dbt parse` wrote is read both ways, from the manifest and from its files, and the two
//! graphs are compared node by node (enabled or disabled, dependencies, fqn, tags,
//! materialization, meta, group, access, version, properties file, tests' attachments).
//!
//! `MONOLINT_PROJECT_ORACLE=<dbt project folder> cargo test --test it project_oracle:: -- --ignored
//! --nocapture` runs the same comparison on any project with its manifest, and prints the
//! table and the first differences (`scripts/project-oracle.sh` runs it over real projects).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use monolint::dbt::graph::{DbtGraph, ResourceType};
use monolint::dbt::project::reader::read_project;
use monolint::input::Boundary;

/// How each node of the manifest compares with the node read from files.
#[derive(Debug, Default)]
struct Comparison {
    equal: usize,
    unknown: usize,
    different: Vec<String>,
    /// Nodes the reader made that the manifest does not have.
    extra: Vec<String>,
}

/// Resource types the reader does not make (their nodes count as unknown).
const NOT_READ: [ResourceType; 4] = [
    ResourceType::SemanticModel,
    ResourceType::Metric,
    ResourceType::SavedQuery,
    ResourceType::Function,
];

/// The config values dbt writes in every config of a node's type when nothing sets them,
/// which `config.<key>:<value>` selectors can match.
const CONFIG_DEFAULTS: [&[&str]; 11] = [
    &["access"],
    &["store_failures_as"],
    &["docs", "show"],
    &["lookback"],
    &["on_configuration_change"],
    &["on_schema_change"],
    &["delimiter"],
    &["severity"],
    &["warn_if"],
    &["error_if"],
    &["fail_calc"],
];

/// What is compared of one node, as text. `computed`: the config keys the reader says code it
/// does not run sets, whose values it does not claim to know.
fn facts(
    graph: &DbtGraph,
    id: monolint::dbt::graph::NodeId,
    computed: &dyn Fn(&str) -> bool,
) -> Vec<(&'static str, String)> {
    let node = graph.node(id);
    let parents: BTreeSet<&str> = graph
        .parents(id)
        .iter()
        .map(|p| &*graph.node(*p).unique_id)
        .collect();
    let tags: BTreeSet<&str> = node.tags.iter().map(AsRef::as_ref).collect();
    let meta = graph.meta(node);
    let fqn: Vec<&str> = node.fqn.iter().map(AsRef::as_ref).collect();
    let config_tags: BTreeSet<String> = match graph.config_value(id, &["tags"]) {
        Some(serde_json::Value::Array(tags)) => tags.iter().map(ToString::to_string).collect(),
        _ => BTreeSet::new(),
    };
    let is_unit_or_exposure = matches!(
        node.resource_type,
        ResourceType::UnitTest | ResourceType::Exposure | ResourceType::Source
    );
    vec![
        ("depends_on", format!("{parents:?}")),
        ("fqn", format!("{fqn:?}")),
        ("tags", format!("{tags:?}")),
        (
            "materialized",
            if is_unit_or_exposure {
                String::new()
            } else {
                format!("{:?}", node.materialized)
            },
        ),
        ("meta", serde_json::Value::Object(meta).to_string()),
        ("group", format!("{:?}", node.group)),
        ("access", format!("{:?}", node.access)),
        ("version", format!("{:?}", node.version)),
        ("patch_path", format!("{:?}", node.patch_file)),
        ("file", format!("{:?}", node.file)),
        ("test_name", format!("{:?}", node.test_name)),
        ("empty code", format!("{:?}", node.is_empty())),
        ("column", format!("{:?}", graph.test_column(node))),
        // What `config.<key>` selectors read: dbt writes a contract in the config of models,
        // seeds, snapshots, analyses and operations only; the config's tags as a set (dbt
        // keeps some twice, in an order of its own).
        (
            "config has contract",
            format!("{:?}", graph.config_value(id, &["contract"]).is_some()),
        ),
        ("config tags", format!("{config_tags:?}")),
        ("config defaults", {
            let values: Vec<(&[&str], Option<serde_json::Value>)> = CONFIG_DEFAULTS
                .iter()
                .filter(|path| !computed(path[0]))
                // A null matches no selector, as a value left out does not.
                .map(|path| (*path, graph.config_value(id, path).filter(|v| !v.is_null())))
                .collect();
            format!("{values:?}")
        }),
    ]
}

/// Compares the two graphs of the project in `project_dir`; `boundary` is what the reader may
/// read (the checked folder: a `local:` package may sit beside the project).
fn compare(project_dir: &Path, boundary: &Boundary) -> Comparison {
    let manifest_path = project_dir.join("target/manifest.json");
    let bytes = std::fs::read(&manifest_path).unwrap();
    let (expected, _) = DbtGraph::load(bytes, &manifest_path).unwrap();
    let read = read_project(project_dir, "", boundary).unwrap();
    let actual = read.graph;
    let mut comparison = Comparison::default();
    for (id, node) in expected.nodes() {
        let unique_id = &*node.unique_id;
        let package_read = read.packages.iter().any(|p| **p == *node.package);
        if NOT_READ.contains(&node.resource_type)
            || read.unknown.contains_key(unique_id)
            || !package_read
        {
            comparison.unknown += 1;
            continue;
        }
        let Some(actual_id) = actual.get(unique_id) else {
            if is_renamed_unknown(&expected, id, &actual, &read.unknown) {
                comparison.unknown += 1;
                continue;
            }
            let disabled = actual.disabled.iter().any(|d| &*d.unique_id == unique_id);
            comparison.different.push(format!(
                "{unique_id}: {}",
                if disabled { "disabled" } else { "missing" }
            ));
            continue;
        };
        let computed = |key: &str| actual.config_key_computed(actual_id, key);
        let want = facts(&expected, id, &computed);
        let got = facts(&actual, actual_id, &computed);
        let differences: Vec<String> = want
            .iter()
            .zip(&got)
            .filter(|(w, g)| w.1 != g.1)
            .map(|(w, g)| format!("{}: manifest {} / files {}", w.0, w.1, g.1))
            .collect();
        if differences.is_empty() {
            comparison.equal += 1;
        } else {
            comparison
                .different
                .push(format!("{unique_id}: {}", differences.join("; ")));
        }
    }
    let mut disabled_seen = BTreeSet::new();
    for disabled in &expected.disabled {
        let unique_id = &*disabled.unique_id;
        // dbt lists a name defined twice (adapter-specific models) twice.
        if !disabled_seen.insert(unique_id) || expected.get(unique_id).is_some() {
            continue;
        }
        if read.unknown.contains_key(unique_id) {
            comparison.unknown += 1;
        } else if actual.get(unique_id).is_some() {
            comparison.different.push(format!(
                "{unique_id}: enabled (the manifest has it disabled)"
            ));
        } else {
            comparison.equal += 1;
        }
    }
    for (_, node) in actual.nodes() {
        let known = expected.get(&node.unique_id).is_some()
            || expected
                .disabled
                .iter()
                .any(|d| d.unique_id == node.unique_id);
        if !known && !read.unknown.contains_key(&*node.unique_id) {
            comparison.extra.push(node.unique_id.to_string());
        }
    }
    comparison
}

/// Whether a manifest test the reader named otherwise is one the reader reported unknown: a
/// test of the same file, macro, column and dependencies.
fn is_renamed_unknown(
    expected: &DbtGraph,
    id: monolint::dbt::graph::NodeId,
    actual: &DbtGraph,
    unknown: &std::collections::BTreeMap<String, String>,
) -> bool {
    let node = expected.node(id);
    let parents = |graph: &DbtGraph, id| -> BTreeSet<String> {
        graph
            .parents(id)
            .iter()
            .map(|p| graph.node(*p).unique_id.to_string())
            .collect()
    };
    node.test_name.is_some()
        && actual.nodes().any(|(other_id, other)| {
            unknown.contains_key(&*other.unique_id)
                && other.file == node.file
                && other.test_name == node.test_name
                && actual.test_column(other) == expected.test_column(node)
                && parents(actual, other_id) == parents(expected, id)
        })
}

/// Fixtures whose files differ from their manifest on purpose (the stale-manifest rule's).
const STALE_ON_PURPOSE: [&str; 1] = ["tests/rules/X006/fail_edited_added_removed/dbt"];

/// Every dbt project under `tests/` and `examples/` with a manifest real dbt wrote.
fn fixture_projects() -> Vec<PathBuf> {
    let root = crate::support::repo_root();
    let mut found = Vec::new();
    let mut stack = vec![root.join("tests"), root.join("examples")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "manifest.json")
                && path.parent().is_some_and(|p| p.ends_with("target"))
                && let Some(project) = path.parent().and_then(Path::parent)
                && project.join("dbt_project.yml").is_file()
            {
                found.push(project.to_path_buf());
            }
        }
    }
    found.retain(|project| {
        !STALE_ON_PURPOSE
            .iter()
            .any(|stale| project.ends_with(stale))
    });
    found.sort();
    found
}

fn table_line(name: &str, comparison: &Comparison) -> String {
    format!(
        "{name:<70} {:>6} {:>7} {:>9} {:>5}",
        comparison.equal,
        comparison.unknown,
        comparison.different.len(),
        comparison.extra.len()
    )
}

#[test]
fn fixtures_read_from_files_match_their_manifests() {
    let root = crate::support::repo_root();
    let projects = fixture_projects();
    assert!(projects.len() > 40, "{} projects", projects.len());
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for project in &projects {
        let name = project.strip_prefix(root).unwrap().display().to_string();
        let comparison = compare(project, &Boundary::new(root));
        report.push(table_line(&name, &comparison));
        for difference in comparison.different.iter().chain(&comparison.extra) {
            failures.push(format!("{name}: {difference}"));
        }
    }
    println!(
        "{:<70} {:>6} {:>7} {:>9} {:>5}",
        "project", "equal", "unknown", "different", "extra"
    );
    println!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every folder of a fixture project with a manifest checks the same read from its files:
/// the same findings, at the same places.
#[test]
fn fixtures_check_the_same_from_their_files() {
    let root = crate::support::repo_root();
    let mut folders: Vec<PathBuf> = fixture_projects()
        .into_iter()
        .map(|project| match project.parent() {
            // A case's folder holds its DAGs beside `dbt/`.
            Some(parent) if project.ends_with("dbt") => parent.to_path_buf(),
            _ => project,
        })
        .collect();
    folders.sort();
    folders.dedup();
    let mut failures = Vec::new();
    for folder in &folders {
        let findings = |no_manifest: bool| -> Vec<String> {
            let options = monolint::CheckOptions {
                root: folder.clone(),
                no_manifest,
                ..Default::default()
            };
            match monolint::check(&options) {
                Ok(report) => report
                    .diagnostics
                    .iter()
                    .map(|d| {
                        format!(
                            "{} {:?} {}",
                            d.rule.code,
                            d.primary.span.sort_key(),
                            d.message
                        )
                    })
                    .collect(),
                Err(error) => vec![format!("error: {}", error.message)],
            }
        };
        let (with, without) = (findings(false), findings(true));
        if with != without {
            failures.push(format!(
                "{}:\n  manifest: {with:?}\n  files:    {without:?}",
                folder.strip_prefix(root).unwrap_or(folder).display()
            ));
        }
    }
    assert!(folders.len() > 40, "{} folders", folders.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
#[ignore = "run on a project named by MONOLINT_PROJECT_ORACLE"]
fn project_named_by_the_environment() {
    let Some(dir) = std::env::var_os("MONOLINT_PROJECT_ORACLE") else {
        return;
    };
    let dir = PathBuf::from(dir);
    let started = std::time::Instant::now();
    let boundary = Boundary::new(dir.parent().unwrap_or(&dir));
    let read = read_project(&dir, "", &boundary).unwrap();
    let graph = read.graph;
    let elapsed = started.elapsed();
    let comparison = compare(&dir, &boundary);
    println!(
        "read from files: {} nodes in {} ms",
        graph.len(),
        elapsed.as_millis()
    );
    println!(
        "{:<70} {:>6} {:>7} {:>9} {:>5}",
        "project", "equal", "unknown", "different", "extra"
    );
    println!("{}", table_line(&dir.display().to_string(), &comparison));
    let mut reasons: std::collections::BTreeMap<&str, usize> = Default::default();
    for reason in read.unknown.values() {
        *reasons.entry(reason).or_default() += 1;
    }
    let mut reasons: Vec<(&str, usize)> = reasons.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (reason, count) in &reasons {
        println!("unknown: {count} because {reason}");
    }
    for problem in read.problems.iter().take(10) {
        println!("problem: {}", problem.message);
    }
    for difference in comparison.different.iter().take(40) {
        println!("different: {difference}");
    }
    for extra in comparison.extra.iter().take(20) {
        println!("extra: {extra}");
    }
}

/// A package's properties entry whose own node the root project disables patches the root
/// project's node of that name, as dbt looks patches up across packages (gitlab-analytics
/// does this with the snowplow package).
#[test]
fn a_patch_reaches_across_packages_when_its_own_node_is_disabled() {
    let dir = std::env::temp_dir().join(format!("monolint-foreign-patch-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let write = |path: &str, text: &str| {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "dbt_project.yml",
        "name: shop\nmodels:\n  events_pkg:\n    events:\n      +enabled: false\n",
    );
    write("models/events.sql", "select 1 as id\n");
    write(
        "dbt_packages/events_pkg/dbt_project.yml",
        "name: events_pkg\n",
    );
    write(
        "dbt_packages/events_pkg/models/events.sql",
        "select 2 as id\n",
    );
    write(
        "dbt_packages/events_pkg/models/schema.yml",
        "version: 2\nmodels:\n  - name: events\n    description: Page events.\n",
    );
    let graph = read_project(&dir, "", &Boundary::new(&dir)).unwrap().graph;
    let _ = std::fs::remove_dir_all(&dir);
    let events = graph
        .get("model.shop.events")
        .expect("the root project's model");
    let node = graph.node(events);
    assert_eq!(node.patch_file.as_deref(), Some("models/schema.yml"));
    assert_eq!(graph.description(node), "Page events.");
    assert!(graph.get("model.events_pkg.events").is_none());
    assert!(
        graph
            .disabled
            .iter()
            .any(|d| &*d.unique_id == "model.events_pkg.events")
    );
}

/// The `ledger` fixture's dependencies and config only rendering tells (macros calling `ref()`
/// and `source()` with their arguments, loops over literal lists, a macro setting config, a
/// dispatched macro that queries nothing while dbt parses): all read as real dbt wrote them,
/// and only the model whose dependencies depend on the target is unknown.
#[test]
fn rendering_reads_what_macros_and_loops_over_literals_depend_on() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let project = root.join("tests/fixtures/dbt/ledger");
    let comparison = compare(&project, &Boundary::new(root));
    assert!(
        comparison.different.is_empty(),
        "{:?}",
        comparison.different
    );
    assert!(comparison.extra.is_empty(), "{:?}", comparison.extra);
    assert_eq!((comparison.equal, comparison.unknown), (17, 1));
    let read = read_project(&project, "", &Boundary::new(root)).unwrap();
    let unknown: Vec<(&str, &str)> = read
        .unknown
        .iter()
        .map(|(id, reason)| (id.as_str(), reason.as_str()))
        .collect();
    assert_eq!(
        unknown,
        [(
            "model.ledger.events_daily",
            "a `ref()` inside a Jinja `if` or `for`; rendering stops at a Jinja `if` on a value only a run tells"
        )]
    );
}

/// Without a manifest, a config key nothing sets has the default dbt writes (what
/// `config.severity:error` or `config.on_schema_change:ignore` select), except where code the
/// reader does not run computes it: then no value, rather than a guess.
#[test]
fn config_defaults_are_answered_unless_code_the_reader_does_not_run_sets_them() {
    let scratch = crate::support::Scratch::empty();
    let files = [
        (
            "dbt_project.yml",
            "name: shop\nversion: '1.0'\nprofile: shop\ntests:\n  shop:\n    +store_failures: true\n    checks:\n      +store_failures: false\n      +severity: \"{{ env_var('SEVERITY', 'warn') }}\"\n",
        ),
        ("models/plain.sql", "select 1 as id\n"),
        (
            "models/computed.sql",
            "{{ config(materialized='incremental', on_schema_change=var('schema_change')) }}\nselect 1 as id\n",
        ),
        (
            "models/_models.yml",
            "version: 2\nmodels:\n  - name: plain\n    config:\n      meta:\n        owner: \"{{ env_var('OWNER') }}\"\n        contains_pii: false\n    columns:\n      - name: id\n        tests: [not_null, positive]\n  - name: computed\n    columns:\n      - name: id\n        tests: [unique]\n",
        ),
        (
            "macros/positive.sql",
            "{% test positive(model, column_name) %}\n{{ config(severity='warn') }}\nselect * from {{ model }} where {{ column_name }} <= 0\n{% endtest %}\n",
        ),
        (
            "tests/checks/_checks.yml",
            "version: 2\nmodels:\n  - name: computed\n    columns:\n      - name: id\n        tests: [not_null]\n",
        ),
    ];
    for (path, text) in files {
        let path = scratch.path(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let read = read_project(&scratch.0, "", &Boundary::new(&scratch.0)).unwrap();
    let graph = read.graph;
    let node = |prefix: &str| {
        let (id, _) = graph
            .nodes()
            .find(|(_, node)| node.unique_id.starts_with(prefix))
            .unwrap_or_else(|| panic!("no node {prefix}"));
        id
    };
    let value = |prefix: &str, path: &[&str]| graph.config_value(node(prefix), path);
    let text = |text: &str| Some(serde_json::Value::String(text.to_owned()));
    // Nothing sets them: dbt's defaults.
    assert_eq!(
        value("model.shop.plain", &["on_schema_change"]),
        text("ignore")
    );
    assert_eq!(
        value("model.shop.plain", &["docs", "show"]),
        Some(serde_json::Value::Bool(true))
    );
    assert_eq!(
        value("test.shop.not_null_plain_id", &["severity"]),
        text("ERROR")
    );
    assert_eq!(
        value("test.shop.unique_computed_id", &["fail_calc"]),
        text("count(*)")
    );
    assert_eq!(
        value("test.shop.unique_computed_id", &["store_failures_as"]),
        text("table")
    );
    // Jinja beside a value does not hide it; the Jinja itself is dbt's to render.
    assert_eq!(
        value("model.shop.plain", &["meta", "contains_pii"]),
        Some(serde_json::Value::Bool(false))
    );
    assert_eq!(value("model.shop.plain", &["meta", "owner"]), None);
    // `var()` in `config()`: only rendering tells.
    let computed = node("model.shop.computed");
    assert!(graph.config_key_computed(computed, "on_schema_change"));
    assert_eq!(graph.config_value(computed, &["on_schema_change"]), None);
    assert_eq!(
        value("model.shop.computed", &["materialized"]),
        text("incremental")
    );
    // A test macro calling `config()` may set any key the files leave unset.
    let positive = node("test.shop.positive_plain_id");
    assert!(graph.config_key_computed(positive, "severity"));
    assert_eq!(graph.config_value(positive, &["severity"]), None);
    // A severity written in Jinja in `dbt_project.yml`: dbt renders it.
    let check = node("test.shop.not_null_computed_id");
    assert!(graph.config_key_computed(check, "severity"));
    assert_eq!(graph.config_value(check, &["severity"]), None);
    assert_eq!(graph.config_value(check, &["warn_if"]), text("!= 0"));
    assert_eq!(
        graph.config_value(check, &["store_failures_as"]),
        text("ephemeral")
    );
}
