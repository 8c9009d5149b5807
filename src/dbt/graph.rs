//! The dbt graph: every enabled node with a dense integer id, parent/child adjacency and the
//! indexes selection needs. Built once from a manifest; read-only afterwards.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use fixedbitset::FixedBitSet;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::index::SelectionIndex;
use super::manifest::{Manifest, RawNode, RawOwner};

/// Dense id of a node in a [`DbtGraph`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

impl NodeId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A set of nodes of one graph.
pub type NodeSet = FixedBitSet;

/// dbt's `NodeType`: every value `resource_type` can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceType {
    Model,
    Analysis,
    Test,
    Snapshot,
    Operation,
    Seed,
    Rpc,
    SqlOperation,
    Doc,
    Source,
    Macro,
    Exposure,
    Metric,
    Group,
    SavedQuery,
    SemanticModel,
    UnitTest,
    Fixture,
    Function,
}

impl ResourceType {
    pub const ALL: [ResourceType; 19] = [
        ResourceType::Model,
        ResourceType::Analysis,
        ResourceType::Test,
        ResourceType::Snapshot,
        ResourceType::Operation,
        ResourceType::Seed,
        ResourceType::Rpc,
        ResourceType::SqlOperation,
        ResourceType::Doc,
        ResourceType::Source,
        ResourceType::Macro,
        ResourceType::Exposure,
        ResourceType::Metric,
        ResourceType::Group,
        ResourceType::SavedQuery,
        ResourceType::SemanticModel,
        ResourceType::UnitTest,
        ResourceType::Fixture,
        ResourceType::Function,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::Model => "model",
            ResourceType::Analysis => "analysis",
            ResourceType::Test => "test",
            ResourceType::Snapshot => "snapshot",
            ResourceType::Operation => "operation",
            ResourceType::Seed => "seed",
            ResourceType::Rpc => "rpc",
            ResourceType::SqlOperation => "sql_operation",
            ResourceType::Doc => "doc",
            ResourceType::Source => "source",
            ResourceType::Macro => "macro",
            ResourceType::Exposure => "exposure",
            ResourceType::Metric => "metric",
            ResourceType::Group => "group",
            ResourceType::SavedQuery => "saved_query",
            ResourceType::SemanticModel => "semantic_model",
            ResourceType::UnitTest => "unit_test",
            ResourceType::Fixture => "fixture",
            ResourceType::Function => "function",
        }
    }

    pub fn parse(text: &str) -> Option<ResourceType> {
        ResourceType::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

/// Who owns a node, and where that was declared.
#[derive(Debug, Clone, PartialEq)]
pub struct Owner {
    pub name: String,
    pub declared_in: OwnerSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerSource {
    /// `meta.<key>` or `config.meta.<key>` (from YAML or `dbt_project.yml` `+meta`).
    Meta,
    /// The owner of the node's dbt group.
    Group,
    /// An exposure's own `owner`.
    Exposure,
}

/// One enabled graph member.
#[derive(Debug)]
pub struct Node {
    pub unique_id: Box<str>,
    pub resource_type: ResourceType,
    pub name: Box<str>,
    pub package: Box<str>,
    pub fqn: Box<[Box<str>]>,
    /// `original_file_path`: `/`-separated, relative to the root of the node's package.
    pub file: Option<Box<str>>,
    /// The properties YAML that documents the node (`patch_path` without `package://`).
    pub patch_file: Option<Box<str>>,
    pub tags: Box<[Box<str>]>,
    /// `meta` merged with `config.meta`; `config.meta` wins.
    pub meta: Map<String, Value>,
    /// The whole `config` object, read on demand by `config.<key>` selectors.
    pub config: Option<Box<RawValue>>,
    pub materialized: Option<Box<str>>,
    pub group: Option<Box<str>>,
    pub access: Option<Box<str>>,
    pub version: Option<Box<str>>,
    pub latest_version: Option<Box<str>>,
    /// The generic test's macro name (`unique`, `not_null`, ...); `None` for singular tests.
    pub test_name: Option<Box<str>>,
    pub source_name: Option<Box<str>>,
    /// An exposure's declared owner.
    pub exposure_owner: Option<Box<str>>,
    pub description: Box<str>,
    pub raw_code: Option<Box<str>>,
    pub unique_key: Box<[Box<str>]>,
    pub incremental_strategy: Option<Box<str>>,
    pub checksum: Option<Box<str>>,
}

impl Node {
    pub fn is_model(&self) -> bool {
        self.resource_type == ResourceType::Model
    }

    pub fn is_ephemeral(&self) -> bool {
        self.materialized.as_deref() == Some("ephemeral")
    }

    pub fn is_incremental(&self) -> bool {
        self.materialized.as_deref() == Some("incremental")
    }

    /// A data test (generic or singular) or a unit test: what indirect selection picks up.
    pub fn is_test(&self) -> bool {
        matches!(
            self.resource_type,
            ResourceType::Test | ResourceType::UnitTest
        )
    }

    /// A `manifest.nodes` entry with no code: dbt drops it from what it executes.
    pub fn is_empty(&self) -> bool {
        !matches!(self.resource_type, ResourceType::Seed)
            && self
                .raw_code
                .as_deref()
                .is_some_and(|code| code.trim().is_empty())
    }

    /// The leaf name dbt prints in `dbt ls` and users write in selectors (`orders`,
    /// `dim_accounts.v2`, `raw.orders` for a source).
    pub fn selector_name(&self) -> String {
        match (&self.source_name, &self.version) {
            (Some(source), _) => format!("{source}.{}", self.name),
            (None, Some(version)) => format!("{}.v{version}", self.name),
            (None, None) => self.name.to_string(),
        }
    }
}

/// A dbt group and its owner.
#[derive(Debug)]
pub struct Group {
    pub name: Box<str>,
    pub package: Box<str>,
    pub owner: Option<String>,
    pub file: Option<Box<str>>,
}

/// A node dbt will never select: kept so messages can say "it is disabled".
#[derive(Debug)]
pub struct DisabledNode {
    pub unique_id: Box<str>,
    pub name: Box<str>,
    pub resource_type: ResourceType,
}

/// A YAML selector as the manifest stores it.
#[derive(Debug, Clone)]
pub struct YamlSelector {
    pub name: String,
    pub is_default: bool,
    pub definition: Value,
}

/// The manifest's graph of enabled nodes.
#[derive(Debug)]
pub struct DbtGraph {
    pub project_name: Box<str>,
    pub dbt_version: Option<Box<str>>,
    nodes: Vec<Node>,
    parents: Vec<Box<[NodeId]>>,
    children: Vec<Box<[NodeId]>>,
    by_unique_id: HashMap<Box<str>, NodeId>,
    by_tag: HashMap<Box<str>, Vec<NodeId>>,
    pub groups: Vec<Group>,
    pub disabled: Vec<DisabledNode>,
    pub selectors: Vec<YamlSelector>,
    /// Files and folders of the root project that nodes live in, built on first `path:` use.
    root_paths: OnceLock<HashSet<Box<str>>>,
    index: OnceLock<SelectionIndex>,
}

impl DbtGraph {
    pub fn from_manifest(manifest: Manifest<'_>) -> DbtGraph {
        let project_name: Box<str> = manifest
            .metadata
            .project_name
            .as_deref()
            .unwrap_or_default()
            .into();
        let groups = manifest
            .groups
            .iter()
            .map(|group| Group {
                name: group.name.as_ref().into(),
                package: group.package_name.as_ref().into(),
                owner: group.owner.as_ref().and_then(owner_name),
                file: group.original_file_path.as_deref().map(normalize_path),
            })
            .collect();
        let disabled = manifest
            .disabled
            .iter()
            .map(|node| DisabledNode {
                unique_id: node.unique_id.as_ref().into(),
                name: node.name.as_ref().into(),
                resource_type: ResourceType::parse(&node.resource_type)
                    .unwrap_or(ResourceType::Model),
            })
            .collect();
        let selectors = manifest
            .selectors
            .and_then(super::manifest::parse_raw::<Map<String, Value>>)
            .map(|selectors| selectors.into_iter().filter_map(yaml_selector).collect())
            .unwrap_or_default();

        let collections = [
            manifest.nodes,
            manifest.sources,
            manifest.exposures,
            manifest.metrics,
            manifest.semantic_models,
            manifest.saved_queries,
            manifest.unit_tests,
            manifest.functions,
        ];
        let capacity = collections.iter().map(Vec::len).sum();
        let mut nodes = Vec::with_capacity(capacity);
        let mut depends_on = Vec::with_capacity(capacity);
        for raw in collections.into_iter().flatten() {
            if let Some((node, deps)) = build_node(raw) {
                nodes.push(node);
                depends_on.push(deps);
            }
        }

        let by_unique_id: HashMap<Box<str>, NodeId> = nodes
            .iter()
            .enumerate()
            .map(|(i, node)| (node.unique_id.clone(), NodeId(i as u32)))
            .collect();
        let mut parents: Vec<Box<[NodeId]>> = Vec::with_capacity(nodes.len());
        let mut children: Vec<Vec<NodeId>> = vec![Vec::new(); nodes.len()];
        for (child, deps) in depends_on.into_iter().enumerate() {
            let mut ids: Vec<NodeId> = deps
                .iter()
                .filter_map(|id| by_unique_id.get(id.as_str()).copied())
                .collect();
            ids.sort_unstable();
            ids.dedup();
            for parent in &ids {
                children[parent.index()].push(NodeId(child as u32));
            }
            parents.push(ids.into_boxed_slice());
        }
        let mut by_tag: HashMap<Box<str>, Vec<NodeId>> = HashMap::new();
        for (i, node) in nodes.iter().enumerate() {
            for tag in node.tags.iter() {
                by_tag
                    .entry(tag.clone())
                    .or_default()
                    .push(NodeId(i as u32));
            }
        }

        DbtGraph {
            project_name,
            dbt_version: manifest.metadata.dbt_version.as_deref().map(Into::into),
            nodes,
            parents,
            children: children.into_iter().map(Vec::into_boxed_slice).collect(),
            by_unique_id,
            by_tag,
            groups,
            disabled,
            selectors,
            root_paths: OnceLock::new(),
            index: OnceLock::new(),
        }
    }

    /// Sorted and hashed lookups for selection, built on first use.
    pub fn index(&self) -> &SelectionIndex {
        self.index.get_or_init(|| SelectionIndex::build(&self.nodes))
    }

    /// Every file of a root-project node (its SQL/CSV file and its properties YAML) and every
    /// folder above one: the project tree as far as selection can see it.
    pub fn root_project_paths(&self) -> &HashSet<Box<str>> {
        self.root_paths.get_or_init(|| {
            let mut paths = HashSet::new();
            let files = self
                .nodes
                .iter()
                .filter(|node| self.is_root_project(node))
                .flat_map(|node| node.file.iter().chain(node.patch_file.iter()));
            for file in files {
                paths.insert(file.clone());
                for (i, _) in file.match_indices('/') {
                    paths.insert(file[..i].into());
                }
            }
            paths
        })
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    pub fn nodes(&self) -> impl ExactSizeIterator<Item = (NodeId, &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, node)| (NodeId(i as u32), node))
    }

    pub fn parents(&self, id: NodeId) -> &[NodeId] {
        &self.parents[id.index()]
    }

    pub fn children(&self, id: NodeId) -> &[NodeId] {
        &self.children[id.index()]
    }

    pub fn get(&self, unique_id: &str) -> Option<NodeId> {
        self.by_unique_id.get(unique_id).copied()
    }

    /// Nodes carrying exactly this tag.
    pub fn tagged(&self, tag: &str) -> &[NodeId] {
        self.by_tag.get(tag).map_or(&[], Vec::as_slice)
    }

    /// Every distinct tag, sorted (for "did you mean").
    pub fn all_tags(&self) -> Vec<&str> {
        let mut tags: Vec<&str> = self.by_tag.keys().map(AsRef::as_ref).collect();
        tags.sort_unstable();
        tags
    }

    pub fn empty_set(&self) -> NodeSet {
        NodeSet::with_capacity(self.nodes.len())
    }

    /// Whether a node belongs to the root project rather than an installed package.
    pub fn is_root_project(&self, node: &Node) -> bool {
        *node.package == *self.project_name
    }

    /// The owner of a node: `meta.<key>` for the first of `keys` present (`config.meta` merged
    /// over `meta`), else the owner of its group, else an exposure's own owner.
    pub fn owner(&self, node: &Node, keys: &[String]) -> Option<Owner> {
        let from_meta = keys
            .iter()
            .find_map(|key| node.meta.get(key).and_then(owner_from_meta));
        if let Some(name) = from_meta {
            return Some(Owner {
                name,
                declared_in: OwnerSource::Meta,
            });
        }
        if let Some(name) = node
            .group
            .as_deref()
            .and_then(|group| self.group_owner(group))
        {
            return Some(Owner {
                name,
                declared_in: OwnerSource::Group,
            });
        }
        node.exposure_owner.as_deref().map(|name| Owner {
            name: name.to_owned(),
            declared_in: OwnerSource::Exposure,
        })
    }

    fn group_owner(&self, group: &str) -> Option<String> {
        self.groups
            .iter()
            .find(|g| &*g.name == group)
            .and_then(|g| g.owner.clone())
    }
}

/// The owner named by a meta value: a non-empty string, a list of them, or `{name|email}`.
fn owner_from_meta(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.trim().is_empty() => Some(text.clone()),
        Value::Array(items) => {
            let names: Vec<String> = items.iter().filter_map(owner_from_meta).collect();
            (!names.is_empty()).then(|| names.join(", "))
        }
        Value::Object(map) => ["name", "email"]
            .iter()
            .find_map(|key| map.get(*key).and_then(owner_from_meta)),
        _ => None,
    }
}

fn owner_name(owner: &RawOwner<'_>) -> Option<String> {
    owner
        .name
        .as_deref()
        .filter(|name| !name.trim().is_empty())
        .map(str::to_owned)
        .or_else(|| {
            let emails: Vec<&str> = owner.email.0.iter().map(AsRef::as_ref).collect();
            (!emails.is_empty()).then(|| emails.join(", "))
        })
}

fn yaml_selector((name, entry): (String, Value)) -> Option<YamlSelector> {
    let definition = entry.get("definition")?.clone();
    let is_default = entry.get("default").and_then(Value::as_bool) == Some(true);
    Some(YamlSelector {
        name,
        is_default,
        definition,
    })
}

fn normalize_path(path: &str) -> Box<str> {
    path.replace('\\', "/").into()
}

fn boxed(items: &[std::borrow::Cow<'_, str>]) -> Box<[Box<str>]> {
    items.iter().map(|item| Box::from(item.as_ref())).collect()
}

/// Converts a manifest entry into a graph node, or `None` when it is disabled.
fn build_node(raw: RawNode<'_>) -> Option<(Node, Vec<String>)> {
    let config = raw.config();
    if config.enabled == Some(false) {
        return None;
    }
    let resource_type = ResourceType::parse(&raw.resource_type)?;
    let mut meta = raw.meta;
    meta.extend(config.meta);
    let mut tags = boxed(&raw.tags.0).into_vec();
    for tag in boxed(&config.tags.0) {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let patch_file = raw
        .patch_path
        .as_deref()
        .map(|patch| normalize_path(patch.split_once("://").map_or(patch, |(_, path)| path)));
    let node = Node {
        unique_id: raw.unique_id.as_ref().into(),
        resource_type,
        name: raw.name.as_ref().into(),
        package: raw.package_name.as_ref().into(),
        fqn: boxed(&raw.fqn),
        file: raw.original_file_path.as_deref().map(normalize_path),
        patch_file,
        tags: tags.into_boxed_slice(),
        meta,
        config: raw.config.map(ToOwned::to_owned),
        materialized: config.materialized.as_deref().map(Into::into),
        group: config.group.or(raw.group).as_deref().map(Into::into),
        access: raw.access.or(config.access).as_deref().map(Into::into),
        version: raw.version.map(|v| v.0.into()),
        latest_version: raw.latest_version.map(|v| v.0.into()),
        test_name: raw
            .test_metadata
            .and_then(|t| t.name)
            .as_deref()
            .map(Into::into),
        source_name: raw.source_name.as_deref().map(Into::into),
        exposure_owner: raw.owner.as_ref().and_then(owner_name).map(Into::into),
        description: raw.description.as_deref().unwrap_or_default().into(),
        raw_code: raw.raw_code.as_deref().map(Into::into),
        unique_key: boxed(&config.unique_key.0),
        incremental_strategy: config.incremental_strategy.as_deref().map(Into::into),
        checksum: raw
            .checksum
            .and_then(|c| c.checksum)
            .as_deref()
            .map(Into::into),
    };
    let deps = raw
        .depends_on
        .nodes
        .into_iter()
        .map(|id| id.into_owned())
        .collect();
    Some((node, deps))
}
