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
    /// The manifest keys the repository's Python code spells.
    spelled: SpelledKeys,
}

impl<'p> LoadedManifests<'p> {
    /// `spelled`: the manifest keys the repository's Python code spells (see [`SpelledKeys`]).
    pub fn new(
        projects: &'p [DbtProject],
        skipped: &'p [String],
        path_map: &'p PathMap,
        spelled: SpelledKeys,
    ) -> Self {
        LoadedManifests {
            projects,
            skipped,
            path_map,
            inferred: Mutex::default(),
            spelled,
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
        Some(manifest_value(
            &self.projects[found.project].graph,
            span,
            &self.spelled,
        ))
    }
}

/// The part of a manifest that DAG files read: `nodes` (models, tests, seeds, snapshots,
/// analyses), `sources`, `exposures`, `unit_tests`, `parent_map` and `child_map`, in the
/// manifest's order. Each node carries `unique_id`, `name`, `resource_type`, `package_name`,
/// `fqn`, `tags`, `original_file_path`, `depends_on.nodes`, `config` (the keys of
/// [`CONFIG_KEYS`]) and `meta` (and `source_name`, `version` where dbt records them); other
/// keys are missing, so what a DAG file reads from them stays unknown.
///
/// Of these, a section or key no Python file of the repository spells as a string (`"tags"`,
/// `'config'`) is left out too: code cannot read it but by a key it computes, and a large
/// manifest built whole for every DAG file that loads it cost seconds each.
pub fn manifest_value(graph: &DbtGraph, span: &Span, spelled: &SpelledKeys) -> Value {
    let builder = Builder {
        graph,
        span,
        spelled,
    };
    let mut sections: Vec<(&str, Vec<(Item, Item)>)> = vec![
        ("nodes", Vec::new()),
        ("sources", Vec::new()),
        ("exposures", Vec::new()),
        ("unit_tests", Vec::new()),
    ];
    let wanted: Vec<bool> = sections.iter().map(|(key, _)| spelled.has(key)).collect();
    let (want_parents, want_children) = (spelled.has("parent_map"), spelled.has("child_map"));
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
        if let Some(section) = section.filter(|&section| wanted[section]) {
            sections[section]
                .1
                .push((builder.str(&node.unique_id), builder.node(id, node)));
        }
        let ids = |ids: &[NodeId]| {
            builder.list(ids.iter().map(|&i| builder.str(&graph.node(i).unique_id)))
        };
        if want_parents {
            parent_map.push((builder.str(&node.unique_id), ids(graph.parents(id))));
        }
        if want_children {
            child_map.push((builder.str(&node.unique_id), ids(graph.children(id))));
        }
    }
    let mut manifest: Vec<(Item, Item)> = sections
        .into_iter()
        .zip(wanted)
        .filter(|(_, wanted)| *wanted)
        .map(|((key, pairs), _)| (builder.str(key), builder.item(Value::Dict(pairs.into()))))
        .collect();
    for (key, wanted, map) in [
        ("parent_map", want_parents, parent_map),
        ("child_map", want_children, child_map),
    ] {
        if wanted {
            manifest.push((builder.str(key), builder.item(Value::Dict(map.into()))));
        }
    }
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

/// The optional keys of [`manifest_value`]: its sections, the node keys beyond the ids and
/// names, and [`CONFIG_KEYS`].
const OPTIONAL_KEYS: [&str; 14] = [
    "nodes",
    "sources",
    "exposures",
    "unit_tests",
    "parent_map",
    "child_map",
    "fqn",
    "tags",
    "original_file_path",
    "depends_on",
    "config",
    "meta",
    "source_name",
    "version",
];

/// Which of the manifest's optional keys ([`OPTIONAL_KEYS`], [`CONFIG_KEYS`]) some Python file
/// of the repository spells as a string literal (`"tags"`, `'config'`).
#[derive(Debug, Default)]
pub struct SpelledKeys(Vec<&'static str>);

impl SpelledKeys {
    /// Finds the keys in the text of every Python file read.
    pub fn find<'a>(texts: impl Iterator<Item = &'a str>) -> SpelledKeys {
        let mut found: Vec<&'static str> = Vec::new();
        for text in texts {
            let bytes = text.as_bytes();
            for at in memchr::memchr2_iter(b'"', b'\'', bytes) {
                let quote = bytes[at];
                let word = &bytes[at + 1..];
                let len = word
                    .iter()
                    .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                    .count();
                if word.get(len) != Some(&quote) {
                    continue;
                }
                if let Some(key) = OPTIONAL_KEYS
                    .iter()
                    .chain(CONFIG_KEYS.iter())
                    .find(|key| key.as_bytes() == &word[..len])
                    && !found.contains(key)
                {
                    found.push(key);
                }
            }
        }
        SpelledKeys(found)
    }

    /// Every optional key: the whole manifest value.
    pub fn all() -> SpelledKeys {
        SpelledKeys(
            OPTIONAL_KEYS
                .iter()
                .chain(CONFIG_KEYS.iter())
                .copied()
                .collect(),
        )
    }

    fn has(&self, key: &str) -> bool {
        self.0.contains(&key)
    }
}

struct Builder<'g> {
    graph: &'g DbtGraph,
    span: &'g Span,
    spelled: &'g SpelledKeys,
}

impl Builder<'_> {
    fn item(&self, value: Value) -> Item {
        Item::new(value, self.span.clone())
    }

    fn str(&self, text: &str) -> Item {
        self.item(Value::Str(Text::literal(text, self.span.clone(), false)))
    }

    fn list(&self, items: impl Iterator<Item = Item>) -> Item {
        self.item(Value::list(items.collect()))
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
            .filter(|key| self.spelled.has(key))
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
        ];
        let wanted = |key: &str| self.spelled.has(key);
        if wanted("fqn") {
            pairs.push((self.str("fqn"), self.strs(node.fqn.iter().map(|s| &**s))));
        }
        if wanted("tags") {
            pairs.push((self.str("tags"), self.strs(node.tags.iter().map(|s| &**s))));
        }
        if let Some(file) = node.file.as_ref().filter(|_| wanted("original_file_path")) {
            pairs.push((self.str("original_file_path"), self.str(file)));
        }
        if wanted("depends_on") {
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
        }
        let config = wanted("config")
            .then(|| graph.config_json(id))
            .flatten()
            .and_then(|text| {
                serde_json::from_str::<BTreeMap<Cow<str>, &serde_json::value::RawValue>>(text).ok()
            });
        if let Some(config) = config {
            pairs.push((self.str("config"), self.config(&config)));
        }
        if wanted("meta") {
            let meta = serde_json::Value::Object(graph.meta(node));
            pairs.push((self.str("meta"), self.json(&meta)));
        }
        if let Some(source_name) = node.source_name.as_ref().filter(|_| wanted("source_name")) {
            pairs.push((self.str("source_name"), self.str(source_name)));
        }
        if let Some(version) = node.version.as_ref().filter(|_| wanted("version")) {
            pairs.push((self.str("version"), self.str(version)));
        }
        self.item(Value::Dict(pairs.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::SpelledKeys;

    #[test]
    fn keys_count_only_when_spelled_as_strings() {
        let dag = r#"for node in MANIFEST["nodes"].values():
    if 'finance' in node.get('tags', []) and node["config"]["materialized"] == "table":
        config = node  # a name, not a key
"#;
        let spelled = SpelledKeys::find([dag].into_iter());
        for key in ["nodes", "tags", "config", "materialized"] {
            assert!(spelled.has(key), "{key}");
        }
        for key in [
            "sources",
            "parent_map",
            "meta",
            "fqn",
            "depends_on",
            "schema",
        ] {
            assert!(!spelled.has(key), "{key}");
        }
        assert!(!SpelledKeys::find(["'tags\""].into_iter()).has("tags"));
        assert!(SpelledKeys::all().has("child_map"));
    }
}
