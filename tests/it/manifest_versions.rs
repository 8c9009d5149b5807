//! The manifest loader on what real dbt of every supported line wrote: schema v7 (dbt 1.3) to
//! v12 (dbt 1.8 to 1.11), from `tests/fixtures/manifests/` (`scripts/regen-old-manifests.sh`)
//! and the fixture projects' own `target/manifest.json` (`scripts/regen-manifests.sh`). Each
//! graph is checked against the same JSON read plainly with `serde_json`, and the manifests of
//! one project written by different dbt lines are checked against each other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use monolint::dbt::checksum::project_id;
use monolint::dbt::graph::{DbtGraph, NodeId, ResourceType};
use monolint::dbt::locate::YamlEntries;
use monolint::dbt::manifest::{NEWEST_SCHEMA, OLDEST_SCHEMA};
use monolint::dbt::select::{Request, select as select_nodes};
use serde_json::{Map, Value};

use crate::support::repo_root;

/// The top-level keys holding enabled graph members, in every layout.
const COLLECTIONS: [&str; 8] = [
    "nodes",
    "sources",
    "exposures",
    "metrics",
    "semantic_models",
    "saved_queries",
    "unit_tests",
    "functions",
];

/// Projects whose manifests hold the same nodes whichever dbt wrote them: `shop_legacy` is
/// `shop` written for dbt before 1.10.
const FAMILIES: [(&str, &[&str]); 3] = [
    ("shop", &["shop", "shop_legacy"]),
    ("shop_dbt13", &["shop_dbt13"]),
    ("jaffle", &["jaffle"]),
];

struct Fixture {
    /// `dbt-1.8/shop_legacy` and the like.
    label: String,
    /// The fixture project dbt parsed (tests/fixtures/dbt/<name>).
    project: String,
    json: Value,
    graph: DbtGraph,
}

impl Fixture {
    fn schema(&self) -> u32 {
        let url = self.json["metadata"]["dbt_schema_version"]
            .as_str()
            .unwrap_or_default();
        url.rsplit_once("/manifest/v")
            .and_then(|(_, rest)| rest.strip_suffix(".json"))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{}: no schema version in {url:?}", self.label))
    }

    fn dbt_version(&self) -> &str {
        self.json["metadata"]["dbt_version"]
            .as_str()
            .unwrap_or_default()
    }

    fn family(&self) -> &'static str {
        FAMILIES
            .iter()
            .find(|(_, members)| members.contains(&self.project.as_str()))
            .map(|(family, _)| *family)
            .unwrap_or_else(|| panic!("{}: add {} to FAMILIES", self.label, self.project))
    }

    /// Every entry of the graph collections that is not disabled in place, by unique_id.
    fn enabled_entries(&self) -> BTreeMap<&str, &Value> {
        let mut entries = BTreeMap::new();
        for collection in COLLECTIONS {
            let Some(map) = self.json.get(collection).and_then(Value::as_object) else {
                continue;
            };
            for (id, entry) in map {
                if entry["config"]["enabled"] != Value::Bool(false) {
                    entries.insert(id.as_str(), entry);
                }
            }
        }
        entries
    }

    fn node_id(&self, unique_id: &str) -> NodeId {
        self.graph
            .get(unique_id)
            .unwrap_or_else(|| panic!("{}: {unique_id} not loaded", self.label))
    }

    /// The folder of the package a node belongs to.
    fn package_dir(&self, package: &str) -> PathBuf {
        let name = if package == self.graph.project_name.as_ref() {
            self.project.as_str()
        } else {
            package
        };
        repo_root().join("tests/fixtures/dbt").join(name)
    }

    /// The unique_ids `--select SELECT` or `--selector SELECTOR` selects, as
    /// `dbt ls --resource-type all` would list them.
    fn selected(&self, select: Option<&str>, selector: Option<&str>) -> BTreeSet<String> {
        let request = Request {
            select: select.into_iter().collect(),
            selector,
            resource_types: ResourceType::ALL.to_vec(),
            include_empty: true,
            ..Request::default()
        };
        let selection = select_nodes(&self.graph, &request)
            .unwrap_or_else(|error| panic!("{}: {select:?} {selector:?}: {error}", self.label));
        selection
            .nodes
            .ones()
            .map(|i| self.graph.node(NodeId(i as u32)).unique_id.to_string())
            .collect()
    }
}

fn load(path: &Path) -> (DbtGraph, Value) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json: Value = serde_json::from_slice(&bytes).expect("valid JSON");
    let (graph, warning) =
        DbtGraph::load(bytes, path).unwrap_or_else(|e| panic!("{}: {}", path.display(), e.message));
    assert!(
        warning.is_none(),
        "{}: unexpected warning {:?}",
        path.display(),
        warning.map(|w| w.message)
    );
    (graph, json)
}

/// Every committed manifest real dbt wrote for the fixture projects.
fn fixtures() -> Vec<Fixture> {
    let mut found = Vec::new();
    let old = repo_root().join("tests/fixtures/manifests");
    for line in std::fs::read_dir(&old).expect("tests/fixtures/manifests") {
        let line = line.expect("readable folder").path();
        for project in std::fs::read_dir(&line).expect("readable folder") {
            let dir = project.expect("readable folder").path();
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let label = format!("{}/{name}", line.file_name().unwrap().to_string_lossy());
            found.push((label, name, dir.join("manifest.json")));
        }
    }
    for name in ["shop", "jaffle"] {
        let path = repo_root()
            .join("tests/fixtures/dbt")
            .join(name)
            .join("target/manifest.json");
        found.push((format!("target/{name}"), name.to_owned(), path));
    }
    found.sort();
    found
        .into_iter()
        .map(|(label, project, path)| {
            let (graph, json) = load(&path);
            Fixture {
                label,
                project,
                json,
                graph,
            }
        })
        .collect()
}

/// The manifest layout each dbt line writes.
fn schema_of_dbt(version: &str) -> u32 {
    let minor: u32 = version
        .split('.')
        .nth(1)
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("dbt version {version:?}"));
    match minor {
        3 => 7,
        4 => 8,
        5 => 9,
        6 => 10,
        7 => 11,
        _ => 12,
    }
}

#[test]
fn every_supported_layout_is_covered_by_real_dbt_output() {
    let fixtures = fixtures();
    let schemas: BTreeSet<u32> = fixtures.iter().map(Fixture::schema).collect();
    let expected: BTreeSet<u32> = (OLDEST_SCHEMA..=NEWEST_SCHEMA).collect();
    assert_eq!(schemas, expected, "a supported layout has no real manifest");
    let lines: BTreeSet<&str> = fixtures
        .iter()
        .map(|f| {
            f.dbt_version()
                .rsplit_once('.')
                .map_or("", |(line, _)| line)
        })
        .collect();
    println!(
        "{} manifests, dbt {}",
        fixtures.len(),
        lines.into_iter().collect::<Vec<_>>().join(", ")
    );
    for f in &fixtures {
        assert_eq!(
            f.schema(),
            schema_of_dbt(f.dbt_version()),
            "{}: dbt {} writes another layout",
            f.label,
            f.dbt_version()
        );
        assert_eq!(
            Some(f.dbt_version()),
            f.graph.dbt_version.as_deref(),
            "{}",
            f.label
        );
        // dbt 1.6 added `project_name`; before, the root project is named by its md5 only.
        let name = match f.json["metadata"]["project_name"].as_str() {
            Some(name) => name.to_owned(),
            None => {
                assert!(f.schema() < 10, "{}: no project_name", f.label);
                let path = repo_root()
                    .join("tests/fixtures/dbt")
                    .join(&f.project)
                    .join("dbt_project.yml");
                let text = std::fs::read_to_string(&path).expect("dbt_project.yml");
                let project: serde_yaml::Value = serde_yaml::from_str(&text).expect("YAML");
                project["name"].as_str().expect("a name").to_owned()
            }
        };
        assert_eq!(*f.graph.project_name, name, "{}", f.label);
        assert_eq!(
            f.json["metadata"]["project_id"].as_str(),
            Some(project_id(&name).as_str()),
            "{}",
            f.label
        );
    }
}

#[test]
fn nodes_per_resource_type_are_those_of_the_json() {
    for f in fixtures() {
        let entries = f.enabled_entries();
        let mut expected: BTreeMap<&str, usize> = BTreeMap::new();
        for entry in entries.values() {
            *expected
                .entry(entry["resource_type"].as_str().unwrap_or_default())
                .or_default() += 1;
        }
        let mut loaded: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, node) in f.graph.nodes() {
            *loaded.entry(node.resource_type.as_str()).or_default() += 1;
        }
        assert_eq!(loaded, expected, "{}", f.label);
        assert!(
            expected["model"] > 0 && expected["source"] > 0,
            "{}",
            f.label
        );

        let ids: BTreeSet<&str> = f.graph.nodes().map(|(_, n)| &*n.unique_id).collect();
        assert_eq!(ids, entries.keys().copied().collect(), "{}", f.label);

        let disabled: BTreeSet<&str> = f
            .json
            .get("disabled")
            .and_then(Value::as_object)
            .map(|d| d.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let loaded_disabled: BTreeSet<&str> =
            f.graph.disabled.iter().map(|d| &*d.unique_id).collect();
        assert_eq!(loaded_disabled, disabled, "{}: disabled", f.label);
        assert!(!disabled.is_empty(), "{}: no disabled node", f.label);

        let selectors: BTreeSet<&str> = f.json["selectors"]
            .as_object()
            .map(|s| s.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let loaded_selectors: BTreeSet<&str> =
            f.graph.selectors.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(loaded_selectors, selectors, "{}: selectors", f.label);
    }
}

#[test]
fn node_fields_and_edges_are_those_of_the_json() {
    for f in fixtures() {
        let entries = f.enabled_entries();
        let mut edges = 0;
        for (&id, entry) in &entries {
            let node = f.graph.node(f.node_id(id));
            let at = format!("{}: {id}", f.label);
            assert_eq!(entry["name"].as_str(), Some(&*node.name), "{at}");
            assert_eq!(entry["package_name"].as_str(), Some(&*node.package), "{at}");
            let fqn: Vec<&str> = entry["fqn"]
                .as_array()
                .map(|fqn| fqn.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            assert_eq!(
                node.fqn.iter().map(|s| &**s).collect::<Vec<_>>(),
                fqn,
                "{at}"
            );
            assert_eq!(
                entry["original_file_path"].as_str(),
                node.file.as_deref(),
                "{at}"
            );
            assert_eq!(
                entry["config"]["materialized"].as_str(),
                node.materialized.as_deref(),
                "{at}"
            );
            // Unit tests keep their tags in `config.tags` only.
            let tags = entry.get("tags").unwrap_or(&entry["config"]["tags"]);
            let tags: Vec<&str> = tags
                .as_array()
                .map(|t| t.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            assert_eq!(
                node.tags.iter().map(|s| &**s).collect::<Vec<_>>(),
                tags,
                "{at}"
            );
            assert_eq!(
                entry.get("version").and_then(|v| match v {
                    Value::Number(n) => Some(n.to_string()),
                    Value::String(s) => Some(s.clone()),
                    _ => None,
                }),
                node.version.as_deref().map(str::to_owned),
                "{at}"
            );

            let expected: BTreeSet<&str> = entry["depends_on"]["nodes"]
                .as_array()
                .map(|p| p.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            // A node can depend on a disabled one (never in the graph).
            let expected: BTreeSet<&str> = expected
                .into_iter()
                .filter(|p| entries.contains_key(p))
                .collect();
            let parents: BTreeSet<&str> = f
                .graph
                .parents(f.node_id(id))
                .iter()
                .map(|&p| &*f.graph.node(p).unique_id)
                .collect();
            assert_eq!(parents, expected, "{at}: parents");
            edges += parents.len();
        }
        assert!(
            edges >= entries.len() / 2,
            "{}: only {edges} edges",
            f.label
        );
    }
}

/// `meta` under `config.meta`, and a source table's under its source's `source_meta`.
fn merged_meta(entry: &Value) -> Map<String, Value> {
    let mut merged = Map::new();
    for layer in [
        &entry["source_meta"],
        &entry["meta"],
        &entry["config"]["meta"],
    ] {
        if let Some(layer) = layer.as_object() {
            merged.extend(layer.clone());
        }
    }
    merged
}

#[test]
fn meta_merges_config_meta_over_meta() {
    for f in fixtures() {
        let mut owned = 0;
        for (&id, entry) in &f.enabled_entries() {
            let node = f.graph.node(f.node_id(id));
            assert_eq!(f.graph.meta(node), merged_meta(entry), "{}: {id}", f.label);
            let owner = f.graph.owner(node, &["owner".to_owned()]);
            if let Some(Value::String(name)) = merged_meta(entry).get("owner") {
                assert_eq!(
                    owner.map(|o| o.name),
                    Some(name.clone()),
                    "{}: {id}",
                    f.label
                );
                owned += 1;
            }
        }
        assert!(owned > 0, "{}: no node with a meta owner", f.label);
    }
}

#[test]
fn group_owners_are_those_of_the_json() {
    for f in fixtures() {
        let Some(groups) = f.json.get("groups").and_then(Value::as_object) else {
            // Groups came with dbt 1.5 (schema v9).
            assert!(f.schema() < 9, "{}: no groups", f.label);
            continue;
        };
        assert!(!groups.is_empty(), "{}", f.label);
        for group in groups.values() {
            let name = group["name"].as_str().unwrap_or_default();
            let loaded = f
                .graph
                .groups
                .iter()
                .find(|g| &*g.name == name)
                .unwrap_or_else(|| panic!("{}: group {name} not loaded", f.label));
            let owner = &group["owner"];
            let expected = owner["name"]
                .as_str()
                .or(owner["email"].as_str())
                .map(str::to_owned);
            assert_eq!(loaded.owner, expected, "{}: group {name}", f.label);
        }
        // A grouped node without a meta owner is owned by its group.
        let mut via_group = 0;
        for (_, node) in f.graph.nodes() {
            let Some(group) = node.group.as_deref() else {
                continue;
            };
            if f.graph.meta(node).contains_key("owner") {
                continue;
            }
            let owner = f.graph.owner(node, &["owner".to_owned()]).map(|o| o.name);
            let expected = f
                .graph
                .groups
                .iter()
                .find(|g| &*g.name == group)
                .and_then(|g| g.owner.clone());
            assert_eq!(owner, expected, "{}: {}", f.label, node.unique_id);
            via_group += 1;
        }
        assert!(
            via_group > 0,
            "{}: no node owned through its group",
            f.label
        );
    }
}

#[test]
fn files_and_yaml_entries_exist() {
    for f in fixtures() {
        let mut yaml_entries = 0;
        for (_, node) in f.graph.nodes() {
            let at = format!("{}: {}", f.label, node.unique_id);
            let dir = f.package_dir(&node.package);
            let file = node
                .file
                .as_deref()
                .unwrap_or_else(|| panic!("{at}: no file"));
            assert!(
                dir.join(file).is_file(),
                "{at}: no {}",
                dir.join(file).display()
            );
            // Where a finding about the node points: its `- name:` entry.
            let (yaml, parent) = match node.resource_type {
                ResourceType::Source => (Some(file), node.source_name.as_deref()),
                ResourceType::Exposure
                | ResourceType::Metric
                | ResourceType::SemanticModel
                | ResourceType::SavedQuery => (Some(file), None),
                _ => (node.patch_file.as_deref(), None),
            };
            let Some(yaml) = yaml else {
                continue;
            };
            let text = std::fs::read_to_string(dir.join(yaml))
                .unwrap_or_else(|e| panic!("{at}: {yaml}: {e}"));
            let entries = YamlEntries::new(&text);
            let from = parent.map_or(0, |parent| {
                entries
                    .find(parent, 0)
                    .unwrap_or_else(|| panic!("{at}: no entry {parent} in {yaml}"))
                    .end
            });
            assert!(
                entries.find(&node.name, from).is_some(),
                "{at}: no entry {} in {yaml}",
                node.name
            );
            yaml_entries += 1;
        }
        assert!(
            yaml_entries >= 10,
            "{}: {yaml_entries} YAML entries",
            f.label
        );
    }
}

/// Selections whose result depends only on what the manifest holds.
const SELECTIONS: [&str; 13] = [
    "tag:daily",
    "+orders+",
    "@stg_orders",
    "orders+1",
    "path:models/marts",
    "source:app+",
    "config.materialized:table",
    "package:utils_pkg",
    "resource_type:model",
    "tag:finance,config.materialized:table",
    "+exposure:weekly_dashboard",
    "config.meta.owner:alice",
    "fqn:shop.staging.*",
];

#[test]
fn a_selection_gives_the_same_nodes_whichever_dbt_wrote_the_manifest() {
    let fixtures = fixtures();
    for (family, _) in FAMILIES {
        let members: Vec<&Fixture> = fixtures.iter().filter(|f| f.family() == family).collect();
        if members.len() < 2 {
            continue;
        }
        // Only nodes every member holds are compared: unit tests came with dbt 1.8, the
        // `data_tests:` of the package are read from 1.8 on.
        let common: BTreeSet<String> = members
            .iter()
            .map(|f| {
                f.graph
                    .nodes()
                    .map(|(_, n)| n.unique_id.to_string())
                    .collect::<BTreeSet<_>>()
            })
            .reduce(|a, b| a.intersection(&b).cloned().collect())
            .unwrap_or_default();
        // The YAML selectors every member's manifest holds.
        let yaml_selectors: BTreeSet<&str> = members
            .iter()
            .map(|f| f.graph.selectors.iter().map(|s| s.name.as_str()).collect())
            .reduce(|a: BTreeSet<&str>, b| a.intersection(&b).copied().collect())
            .unwrap_or_default();
        assert!(!yaml_selectors.is_empty(), "{family}: no YAML selector");
        let calls = SELECTIONS
            .iter()
            .map(|&expression| (Some(expression), None))
            .chain(yaml_selectors.into_iter().map(|name| (None, Some(name))));
        let mut compared = 0;
        for (select, selector) in calls {
            let mut results = members.iter().map(|f| {
                let nodes = f.selected(select, selector);
                let nodes: BTreeSet<String> = nodes.intersection(&common).cloned().collect();
                (f.label.as_str(), nodes)
            });
            let Some((first, expected)) = results.next() else {
                continue;
            };
            for (label, nodes) in results {
                assert_eq!(
                    nodes, expected,
                    "{select:?} {selector:?}: {label} vs {first}"
                );
            }
            compared += usize::from(!expected.is_empty());
        }
        assert!(
            compared >= 10,
            "{family}: only {compared} selections matched anything"
        );
    }
}

/// A real manifest with its schema version replaced.
fn with_schema(path: &str, from: u32, to: u32) -> (PathBuf, Vec<u8>) {
    let path = repo_root().join(path);
    let text = std::fs::read_to_string(&path).expect("readable manifest");
    let old = format!("/manifest/v{from}.json");
    assert!(text.contains(&old), "{}: not v{from}", path.display());
    (
        path,
        text.replacen(&old, &format!("/manifest/v{to}.json"), 1)
            .into_bytes(),
    )
}

#[test]
fn layouts_before_dbt_1_3_are_refused_naming_the_dbt_to_use() {
    for version in 1..OLDEST_SCHEMA {
        let (path, bytes) = with_schema(
            "tests/fixtures/manifests/dbt-1.3/shop_dbt13/manifest.json",
            7,
            version,
        );
        let error = DbtGraph::load(bytes, &path).expect_err("refused");
        assert!(
            error.message.contains(&format!("schema v{version} ")),
            "{}",
            error.message
        );
        let help = error.help.unwrap_or_default();
        assert!(help.contains("dbt-core 1.3 or newer"), "{help}");
    }
}

#[test]
fn a_newer_layout_warns_and_loads_as_the_newest() {
    let known = repo_root().join("tests/fixtures/dbt/shop/target/manifest.json");
    let (graph, _) = load(&known);
    let (path, bytes) = with_schema(
        "tests/fixtures/dbt/shop/target/manifest.json",
        NEWEST_SCHEMA,
        NEWEST_SCHEMA + 1,
    );
    let (newer, warning) = DbtGraph::load(bytes, &path).expect("loads");
    let warning = warning.expect("a warning");
    assert!(
        warning.message.contains(&format!("v{}", NEWEST_SCHEMA + 1)),
        "{}",
        warning.message
    );
    let ids =
        |g: &DbtGraph| -> Vec<String> { g.nodes().map(|(_, n)| n.unique_id.to_string()).collect() };
    assert_eq!(ids(&newer), ids(&graph));
    let edges = |g: &DbtGraph| -> usize { g.nodes().map(|(id, _)| g.parents(id).len()).sum() };
    assert_eq!(edges(&newer), edges(&graph));
}

/// What dbt Fusion writes where dbt-core writes `{}` or a string: `meta: null`, and an owner's
/// `email` as a list.
#[test]
fn fusion_nulls_and_email_lists() {
    let path = repo_root().join("tests/fixtures/dbt/shop/target/manifest.json");
    let mut json: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("readable")).expect("JSON");
    let orders_owner = json["nodes"]["model.shop.orders"]["config"]["meta"]["owner"]
        .as_str()
        .expect("orders has an owner in config.meta")
        .to_owned();
    for collection in COLLECTIONS {
        let Some(entries) = json.get_mut(collection).and_then(Value::as_object_mut) else {
            continue;
        };
        for entry in entries.values_mut() {
            if entry.get("meta").is_some() {
                entry["meta"] = Value::Null;
            }
        }
    }
    let finance = json["groups"]["group.shop.finance"]["owner"]
        .as_object_mut()
        .expect("finance has an owner");
    finance.insert("name".into(), Value::Null);
    finance.insert(
        "email".into(),
        serde_json::json!(["fin@example.com", "ledger@example.com"]),
    );
    json["exposures"]["exposure.shop.weekly_dashboard"]["owner"] =
        serde_json::json!({"name": null, "email": ["alice@example.com", "bi@example.com"]});
    let bytes = serde_json::to_vec(&json).expect("serialises");
    let (graph, warning) = DbtGraph::load(bytes, &path).expect("loads");
    assert!(warning.is_none());

    let owner = |id: &str| {
        let node = graph.node(graph.get(id).expect("loaded"));
        graph.owner(node, &["owner".to_owned()]).map(|o| o.name)
    };
    // `config.meta` still names the owner when `meta` is null.
    assert_eq!(owner("model.shop.orders"), Some(orders_owner));
    // revenue has no meta owner: its group's, every email.
    assert_eq!(
        owner("model.shop.revenue").as_deref(),
        Some("fin@example.com, ledger@example.com")
    );
    assert_eq!(
        owner("exposure.shop.weekly_dashboard").as_deref(),
        Some("alice@example.com, bi@example.com")
    );
}
