//! The dbt manifest as the Python dict a DAG file's `json.load` returns, built from a loaded
//! project's graph for DAG files that create their tasks from `manifest.json`.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use super::projects::{KnownProjects, project_of_manifest};
use crate::airflow::dbt_manifest::ManifestSource;
use crate::airflow::python_json;
use crate::airflow::value::{Item, Text, Value};
use crate::dbt::graph::{DbtGraph, Node, NodeId, ResourceType};
use crate::dbt::project::DbtProject;
use crate::repo_paths::Mapping;
use crate::source::Span;
use crate::workspace::PathMap;

/// The loaded projects' manifests, for DAG files that read `manifest.json` themselves.
pub struct LoadedManifests<'p> {
    pub projects: &'p [DbtProject],
    /// Folders of the dbt projects that could not be loaded.
    pub skipped: &'p [String],
    pub path_map: &'p PathMap,
    /// Deployment paths mapped onto the repository to find a manifest.
    inferred: Mutex<BTreeSet<Mapping>>,
}

impl<'p> LoadedManifests<'p> {
    pub fn new(projects: &'p [DbtProject], skipped: &'p [String], path_map: &'p PathMap) -> Self {
        LoadedManifests {
            projects,
            skipped,
            path_map,
            inferred: Mutex::default(),
        }
    }

    /// The deployment paths inferred so far, sorted.
    pub fn inferred_paths(&self) -> Vec<Mapping> {
        self.inferred
            .lock()
            .map(|paths| paths.iter().cloned().collect())
            .unwrap_or_default()
    }
}

impl ManifestSource for LoadedManifests<'_> {
    /// The project whose folder the manifest sits in (`<project>/target/manifest.json`), found
    /// as a `--project-dir` is; the only project when there is one.
    fn manifest(&self, path: &str, span: &Span) -> Option<Value> {
        let known = KnownProjects {
            loaded: self.projects,
            skipped: self.skipped,
        };
        let found = project_of_manifest(known, self.path_map, path).ok()?;
        if let Some(mapping) = found.inferred
            && let Ok(mut inferred) = self.inferred.lock()
        {
            inferred.insert(mapping);
        }
        Some(manifest_value(&self.projects[found.project].graph, span))
    }
}

/// The part of a manifest that DAG files read: `nodes` (models, tests, seeds, snapshots,
/// analyses), `sources`, `exposures`, `unit_tests`, `parent_map` and `child_map`, in the
/// manifest's order. Each node carries `unique_id`, `name`, `resource_type`, `package_name`,
/// `fqn`, `tags`, `original_file_path`, `depends_on.nodes`, `config` (the keys of
/// [`CONFIG_KEYS`]) and `meta` (and `source_name`, `version` where dbt records them); other
/// keys are missing, so what a DAG file reads from them stays unknown.
pub fn manifest_value(graph: &DbtGraph, span: &Span) -> Value {
    let builder = Builder { graph, span };
    let mut sections: Vec<(&str, Vec<(Item, Item)>)> = vec![
        ("nodes", Vec::new()),
        ("sources", Vec::new()),
        ("exposures", Vec::new()),
        ("unit_tests", Vec::new()),
    ];
    let mut parent_map = Vec::new();
    let mut child_map = Vec::new();
    for (id, node) in graph.nodes() {
        let section = match node.resource_type {
            ResourceType::Model
            | ResourceType::Test
            | ResourceType::Seed
            | ResourceType::Snapshot
            | ResourceType::Analysis
            | ResourceType::SqlOperation => Some(0),
            ResourceType::Source => Some(1),
            ResourceType::Exposure => Some(2),
            ResourceType::UnitTest => Some(3),
            _ => None,
        };
        if let Some(section) = section {
            sections[section]
                .1
                .push((builder.str(&node.unique_id), builder.node(id, node)));
        }
        let ids = |ids: &[NodeId]| {
            builder.list(ids.iter().map(|&i| builder.str(&graph.node(i).unique_id)))
        };
        parent_map.push((builder.str(&node.unique_id), ids(graph.parents(id))));
        child_map.push((builder.str(&node.unique_id), ids(graph.children(id))));
    }
    let mut manifest: Vec<(Item, Item)> = sections
        .into_iter()
        .map(|(key, pairs)| (builder.str(key), builder.item(Value::Dict(pairs.into()))))
        .collect();
    manifest.push((
        builder.str("parent_map"),
        builder.item(Value::Dict(parent_map.into())),
    ));
    manifest.push((
        builder.str("child_map"),
        builder.item(Value::Dict(child_map.into())),
    ));
    Value::Dict(manifest.into())
}

/// The `config` keys a DAG file built from the manifest reads (to pick nodes and to name
/// tasks); reading another leaves the value unknown.
const CONFIG_KEYS: [&str; 14] = [
    "access",
    "alias",
    "database",
    "enabled",
    "freshness",
    "full_refresh",
    "group",
    "incremental_strategy",
    "materialized",
    "meta",
    "schema",
    "severity",
    "tags",
    "unique_key",
];

struct Builder<'g> {
    graph: &'g DbtGraph,
    span: &'g Span,
}

impl Builder<'_> {
    fn item(&self, value: Value) -> Item {
        Item::new(value, self.span.clone())
    }

    fn str(&self, text: &str) -> Item {
        self.item(Value::Str(Text::literal(text, self.span.clone(), false)))
    }

    fn list(&self, items: impl Iterator<Item = Item>) -> Item {
        self.item(Value::List(items.collect()))
    }

    fn strs<'a>(&self, texts: impl Iterator<Item = &'a str>) -> Item {
        self.list(texts.map(|text| self.str(text)))
    }

    fn json(&self, json: &serde_json::Value) -> Item {
        self.item(python_json::from_json(json, self.span))
    }

    /// A node's `config`, with the keys DAG files read ([`CONFIG_KEYS`]). A dbt 1.11 config
    /// holds some forty keys: all of them, for every node, made a large manifest cost more
    /// to hand each such DAG file than to read.
    fn config(&self, config: &BTreeMap<Cow<str>, &serde_json::value::RawValue>) -> Item {
        let pairs: Vec<(Item, Item)> = CONFIG_KEYS
            .iter()
            .filter_map(|&key| {
                let value = serde_json::from_str(config.get(key)?.get()).ok()?;
                Some((self.str(key), self.json(&value)))
            })
            .collect();
        self.item(Value::Dict(pairs.into()))
    }

    fn node(&self, id: NodeId, node: &Node) -> Item {
        let graph = self.graph;
        let mut pairs = vec![
            (self.str("unique_id"), self.str(&node.unique_id)),
            (self.str("name"), self.str(&node.name)),
            (
                self.str("resource_type"),
                self.str(node.resource_type.as_str()),
            ),
            (self.str("package_name"), self.str(&node.package)),
            (self.str("fqn"), self.strs(node.fqn.iter().map(|s| &**s))),
            (self.str("tags"), self.strs(node.tags.iter().map(|s| &**s))),
        ];
        if let Some(file) = &node.file {
            pairs.push((self.str("original_file_path"), self.str(file)));
        }
        let parents = self.strs(
            graph
                .parents(id)
                .iter()
                .map(|&parent| &*graph.node(parent).unique_id),
        );
        pairs.push((
            self.str("depends_on"),
            self.item(Value::Dict(vec![(self.str("nodes"), parents)].into())),
        ));
        if let Some(config) = graph.config_json(id).and_then(|text| {
            serde_json::from_str::<BTreeMap<Cow<str>, &serde_json::value::RawValue>>(text).ok()
        }) {
            pairs.push((self.str("config"), self.config(&config)));
        }
        let meta = serde_json::Value::Object(graph.meta(node));
        pairs.push((self.str("meta"), self.json(&meta)));
        if let Some(source_name) = &node.source_name {
            pairs.push((self.str("source_name"), self.str(source_name)));
        }
        if let Some(version) = &node.version {
            pairs.push((self.str("version"), self.str(version)));
        }
        self.item(Value::Dict(pairs.into()))
    }
}
