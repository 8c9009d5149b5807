//! The dbt graph: every enabled node with a dense integer id, parent/child adjacency and the
//! indexes selection needs. Built once, from a manifest or from a project's files; read-only
//! afterwards.

use std::collections::HashSet;

use rustc_hash::FxHashSet;

// Unique ids are hashed for every node and every dependency while loading; FxHash is several
// times faster than SipHash there, and the keys come from the user's own manifest.
use rustc_hash::FxHashMap as HashMap;
use std::sync::OnceLock;

use fixedbitset::FixedBitSet;
use rayon::prelude::*;
use std::borrow::Cow;
use std::path::Path;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::index::SelectionIndex;
use super::manifest::{
    self, JsonText, ManifestSink, Metadata, RawGroup, RawMacro, RawNode, RawOwner,
};
use super::select::cosmos::CosmosLoaded;
use crate::error::{Error, Result};

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
    /// `source_meta`, `meta` and `config.meta` in the manifest text (see `DbtGraph::meta`).
    source_meta: Option<TextRange>,
    meta: Option<TextRange>,
    config_meta: Option<TextRange>,
    /// The whole `config` object in the manifest text (see `DbtGraph::config_json`).
    config: Option<TextRange>,
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
    /// The description and the SQL, as JSON strings in the manifest text (see `DbtGraph::code`).
    description: Option<TextRange>,
    code: Option<TextRange>,
    /// Rarely read JSON, kept as ranges of the manifest text (see the accessors of `DbtGraph`):
    /// a source table's source description and freshness, the documented columns, and a
    /// column test's column.
    source_description: Option<TextRange>,
    freshness: Option<TextRange>,
    columns: Option<TextRange>,
    column_name: Option<TextRange>,
    /// A model whose contract dbt enforces (`config.contract.enforced`).
    pub contract_enforced: bool,
    /// The node's code is blank: dbt drops such nodes from what it executes.
    blank_code: bool,
    pub unique_key: Box<[Box<str>]>,
    pub incremental_strategy: Option<Box<str>>,
    /// The sha256 dbt recorded for the node's file (`None` when dbt recorded none, or a
    /// path instead, as for seeds over 1 MiB).
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
        !matches!(self.resource_type, ResourceType::Seed) && self.blank_code
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

/// Whether `dbt source freshness` checks a source table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// A `warn_after` or `error_after` with a count.
    Checked,
    /// `freshness: null`: turned off on purpose (dbt writes `null` only then).
    Disabled,
    /// None configured (dbt writes both thresholds with `null` counts).
    Missing,
}

/// A documented column of a node (its entry under `columns:`).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub description: String,
    /// The types of its constraints (`not_null`, `unique`, `primary_key`, ...).
    pub constraints: Vec<String>,
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
    pub file: Option<Box<str>>,
    pub package: Box<str>,
}

/// A YAML selector as the manifest stores it.
#[derive(Debug, Clone)]
pub struct YamlSelector {
    pub name: String,
    pub is_default: bool,
    /// The definition as rendered where monolint runs (the environment, no `--vars`).
    pub definition: Value,
    /// The definition as written in `selectors.yml`, when it holds Jinja: rendered again
    /// with each call's `--vars` (dbt renders the file for every invocation).
    pub template: Option<Value>,
}

/// A byte range of the manifest text.
#[derive(Debug, Clone, Copy)]
struct TextRange {
    start: usize,
    end: usize,
}

/// The manifest's graph of enabled nodes.
#[derive(Debug)]
pub struct DbtGraph {
    /// The manifest text, kept so rarely read fields (config, code, descriptions) are neither
    /// copied nor decoded unless a rule asks.
    text: crate::input::Bytes,
    pub project_name: Box<str>,
    pub dbt_version: Option<Box<str>>,
    nodes: Vec<Node>,
    parents: Vec<Box<[NodeId]>>,
    children: Vec<Box<[NodeId]>>,
    by_unique_id: HashMap<Box<str>, NodeId>,
    by_tag: HashMap<Box<str>, Vec<NodeId>>,
    by_type: HashMap<ResourceType, Vec<NodeId>>,
    test_nodes: NodeSet,
    pub groups: Vec<Group>,
    pub disabled: Vec<DisabledNode>,
    pub selectors: Vec<YamlSelector>,
    /// Files and folders of the root project that nodes live in, built on first `path:` use.
    root_paths: OnceLock<FxHashSet<Box<str>>>,
    index: OnceLock<SelectionIndex>,
    /// What Cosmos loads of the graph, built on first use by its selector.
    cosmos: OnceLock<CosmosLoaded>,
    /// The manifest's macros by name (see `macro_code`).
    macros: HashMap<Box<str>, Vec<MacroEntry>>,
    code_text: CodeText,
    config_defaults: ConfigDefaults,
}

/// Whether a node's config text holds the defaults dbt writes in every config of its type.
#[derive(Debug, Default)]
enum ConfigDefaults {
    /// As a manifest has them.
    #[default]
    Written,
    /// Left out by the project reader, which writes only what the files set (writing a dozen
    /// keys into every node's config cost 2% of a check for the rare selector that reads
    /// them): [`DbtGraph::config_value`] answers them, but not for keys computed by code the
    /// reader does not run ([`DbtGraph::config_key_computed`]), whose default would be a
    /// guess.
    Implied {
        /// By node: the keys of `config()` arguments only rendering tells, or `config` when
        /// any key may be set (a generic test macro calling `config()`).
        computed: HashMap<NodeId, Vec<String>>,
    },
}

/// Whether the config value at `path`, `value` as the files set it, is computed by code the
/// project reader does not run: a `config()` argument only rendering tells (`lookback=var(...)`,
/// in `computed`), a value written in Jinja (`+severity: "{{ env_var(...) }}"`; not hooks, whose
/// Jinja dbt keeps as written), or a key the files leave unset that a generic test macro's own
/// `config()` call may set (`config` in `computed`).
fn computed_by_code(computed: Option<&Vec<String>>, path: &[&str], value: Option<&Value>) -> bool {
    let computed = computed.map_or(&[][..], Vec::as_slice);
    let Some(key) = path.first() else {
        return false;
    };
    if computed.iter().any(|k| k == key) {
        return true;
    }
    match value {
        Some(value) => !matches!(*key, "pre-hook" | "post-hook") && super::jinja::is_jinja(value),
        None => computed.iter().any(|k| k == "config"),
    }
}

impl DbtGraph {
    /// Reads a manifest (the bytes of `path`) into a graph. Returns a warning for a manifest
    /// layout newer than monolint knows.
    pub fn load(
        text: impl Into<crate::input::Bytes>,
        path: &Path,
    ) -> Result<(DbtGraph, Option<Error>)> {
        let text = text.into();
        let (built, warning) = {
            let (parts, warning) = manifest::parse_in_parts(&text, path, |size| {
                GraphBuilder::with_capacity(&text, size)
            })?;
            let mut parts = parts.into_iter();
            let mut builder = parts
                .next()
                .unwrap_or_else(|| GraphBuilder::with_capacity(&text, 0));
            for part in parts {
                builder.append(part);
            }
            (builder.finish(), warning)
        };
        Ok((DbtGraph::from_built(text, built), warning))
    }

    /// The graph a [`GraphBuilder`] was handed, whose JSON texts are ranges of `text`.
    pub(crate) fn from_built(text: crate::input::Bytes, built: Built) -> DbtGraph {
        let Built {
            project_name,
            dbt_version,
            nodes,
            parents,
            children,
            by_unique_id,
            by_tag,
            by_type,
            groups,
            disabled,
            selectors,
            macros,
            code_text,
        } = built;
        let mut test_nodes = NodeSet::with_capacity(nodes.len());
        for (i, node) in nodes.iter().enumerate() {
            test_nodes.set(i, node.is_test());
        }
        DbtGraph {
            text,
            project_name,
            dbt_version,
            nodes,
            parents,
            children,
            by_unique_id,
            by_tag,
            test_nodes,
            by_type,
            groups,
            disabled,
            selectors,
            root_paths: OnceLock::new(),
            index: OnceLock::new(),
            cosmos: OnceLock::new(),
            macros,
            code_text,
            config_defaults: ConfigDefaults::Written,
        }
    }

    fn text_of(&self, range: Option<TextRange>) -> Option<&str> {
        let range = range?;
        std::str::from_utf8(self.text.get(range.start..range.end)?).ok()
    }

    /// Whether a node's code or `meta` contains `needle` as held in the text (meta as JSON,
    /// code as [`CodeText`] says): a quick test before decoding either, for a needle that
    /// JSON writes as is.
    pub fn mentions(&self, node: &Node, needle: &str) -> bool {
        let finder = memchr::memmem::Finder::new(needle);
        [node.code, node.source_meta, node.meta, node.config_meta]
            .into_iter()
            .filter_map(|range| self.text.get(range?.start..range?.end))
            .any(|text| finder.find(text).is_some())
    }

    /// A node's `meta` merged with its `config.meta` (`config.meta` wins). A source table's
    /// `meta` is merged over its source's, as dbt 1.8 and later write it; older dbt left the
    /// source's in `source_meta` only.
    pub fn meta(&self, node: &Node) -> Map<String, Value> {
        let parse = |range| {
            self.text_of(range)
                .and_then(|text| serde_json::from_str::<Option<Map<String, Value>>>(text).ok())
                .flatten()
                .unwrap_or_default()
        };
        let mut meta = parse(node.source_meta);
        meta.extend(parse(node.meta));
        meta.extend(parse(node.config_meta));
        meta
    }

    /// A node's whole `config` object as JSON text.
    pub fn config_json(&self, id: NodeId) -> Option<&str> {
        self.text_of(self.nodes.get(id.index())?.config)
    }

    /// The value at a key path of a node's `config` (`["meta", "owner"]`), decoding nothing
    /// else of it.
    pub fn config_value(&self, id: NodeId, path: &[&str]) -> Option<Value> {
        let value = manifest::pointer::value_at(self.config_json(id)?, path);
        let ConfigDefaults::Implied { computed } = &self.config_defaults else {
            return value;
        };
        if computed_by_code(computed.get(&id), path, value.as_ref()) {
            return None;
        }
        value.or_else(|| self.implied_default(id, path))
    }

    /// The value dbt writes at `path` of a node's config when nothing sets it, when a
    /// `config.<key>:<value>` selector can match it (`config.severity:error`,
    /// `config.on_schema_change:ignore`). Defaults that are null or empty match no selector
    /// and are left out.
    fn implied_default(&self, id: NodeId, path: &[&str]) -> Option<Value> {
        use ResourceType::{Analysis, Model, Operation, Seed, Snapshot, Test};
        let text = |text: &str| Some(Value::String(text.to_owned()));
        let node = &self.nodes[id.index()];
        match (node.resource_type, path) {
            (Model | Seed | Snapshot | Analysis | Operation, ["docs"]) => {
                Some(serde_json::json!({"show": true, "node_color": null}))
            }
            (Model | Seed | Snapshot | Analysis | Operation, ["docs", "show"]) => {
                Some(Value::Bool(true))
            }
            (Model | Seed | Snapshot | Analysis | Operation, ["lookback"]) => Some(Value::from(1)),
            (Model | Seed | Snapshot | Analysis | Operation, ["on_configuration_change"]) => {
                text("apply")
            }
            (Model | Seed | Snapshot | Analysis | Operation, ["on_schema_change"]) => {
                text("ignore")
            }
            // A model's access is the node's own (properties YAML sets it beside the config).
            (Model, ["access"]) => text(node.access.as_deref().unwrap_or("protected")),
            (Seed, ["delimiter"]) => text(","),
            (Test, ["severity"]) => text("ERROR"),
            (Test, ["warn_if"] | ["error_if"]) => text("!= 0"),
            (Test, ["fail_calc"]) => text("count(*)"),
            // Where a test that says whether it stores its failures stores them.
            (Test, ["store_failures_as"]) => match self.config_value(id, &["store_failures"]) {
                Some(Value::Bool(true)) => text("table"),
                Some(Value::Bool(false)) => text("ephemeral"),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether a node's config `key` is computed by code the project reader does not run, so
    /// that neither the files nor dbt's default tell its value (never, for a manifest): see
    /// [`computed_by_code`].
    pub fn config_key_computed(&self, id: NodeId, key: &str) -> bool {
        let ConfigDefaults::Implied { computed } = &self.config_defaults else {
            return false;
        };
        let value =
            (self.config_json(id)).and_then(|config| manifest::pointer::value_at(config, &[key]));
        computed_by_code(computed.get(&id), &[key], value.as_ref())
    }

    /// The graph of a reader whose configs leave out the defaults dbt writes (see
    /// [`ConfigDefaults::Implied`]); `computed`: by node, the config keys set by code it
    /// does not run.
    pub(crate) fn with_implied_config_defaults(
        mut self,
        computed: HashMap<NodeId, Vec<String>>,
    ) -> DbtGraph {
        self.config_defaults = ConfigDefaults::Implied { computed };
        self
    }

    /// A node's code (SQL, or Python), decoded.
    pub fn code(&self, node: &Node) -> Option<Cow<'_, str>> {
        self.code_of(node.code?)
    }

    fn code_of(&self, range: TextRange) -> Option<Cow<'_, str>> {
        let text = self.text_of(Some(range))?;
        match self.code_text {
            CodeText::Json => super::json_string::decode(text).map(Cow::Owned),
            CodeText::AsWritten => Some(Cow::Borrowed(text)),
        }
    }

    /// A node's description, decoded (empty when it has none).
    pub fn description(&self, node: &Node) -> String {
        self.text_of(node.description)
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default()
    }

    /// A source table's source-level description, decoded (empty when it has none).
    pub fn source_description(&self, node: &Node) -> String {
        self.text_of(node.source_description)
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default()
    }

    /// The column a column test tests (`None` for a model-level or singular test).
    pub fn test_column(&self, node: &Node) -> Option<String> {
        serde_json::from_str::<Option<String>>(self.text_of(node.column_name)?)
            .ok()
            .flatten()
            .filter(|column| !column.is_empty())
    }

    /// A source table's freshness check (see [`Freshness`]).
    pub fn freshness(&self, node: &Node) -> Freshness {
        let Some(text) = self.text_of(node.freshness) else {
            return Freshness::Missing;
        };
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Null) => Freshness::Disabled,
            Ok(freshness) => {
                let counted = ["warn_after", "error_after"].iter().any(|key| {
                    freshness
                        .get(*key)
                        .and_then(|after| after.get("count"))
                        .is_some_and(|count| !count.is_null())
                });
                if counted {
                    Freshness::Checked
                } else {
                    Freshness::Missing
                }
            }
            Err(_) => Freshness::Missing,
        }
    }

    /// A node's documented columns, in the order dbt wrote them.
    pub fn columns(&self, node: &Node) -> Vec<Column> {
        let Some(columns) = self
            .text_of(node.columns)
            .and_then(|text| serde_json::from_str::<Option<Map<String, Value>>>(text).ok())
            .flatten()
        else {
            return Vec::new();
        };
        columns
            .into_iter()
            .map(|(key, column)| {
                let text = |field: &str| {
                    column
                        .get(field)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                let name = Some(text("name"))
                    .filter(|name| !name.is_empty())
                    .unwrap_or(key);
                let constraints = column
                    .get("constraints")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|constraint| constraint.get("type").and_then(Value::as_str))
                    .map(str::to_owned)
                    .collect();
                Column {
                    name,
                    description: text("description"),
                    constraints,
                }
            })
            .collect()
    }

    /// Every file of a root-project node (its SQL/CSV file and its properties YAML) and every
    /// folder above one: the project tree as far as selection can see it.
    pub fn root_project_paths(&self) -> &FxHashSet<Box<str>> {
        self.root_paths.get_or_init(|| {
            let mut paths = FxHashSet::default();
            let files = self
                .nodes
                .iter()
                .filter(|node| self.is_root_project(node))
                .flat_map(|node| node.file.iter().chain(node.patch_file.iter()));
            for file in files {
                if paths.contains(&**file) {
                    continue;
                }
                paths.insert(file.clone());
                // From the deepest folder up, until one already recorded (its own folders
                // are then recorded too): most files share their folders.
                for (i, _) in file.rmatch_indices('/') {
                    let folder = &file[..i];
                    if paths.contains(folder) {
                        break;
                    }
                    paths.insert(folder.into());
                }
            }
            paths
        })
    }

    /// Sorted and hashed lookups for selection, built on first use.
    pub fn index(&self) -> &SelectionIndex {
        self.index
            .get_or_init(|| SelectionIndex::build(&self.nodes))
    }

    /// The nodes Cosmos loads from this manifest, with its indexes (see [`CosmosLoaded`]).
    pub fn cosmos_loaded(&self) -> &CosmosLoaded {
        self.cosmos.get_or_init(|| CosmosLoaded::new(self))
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

    /// The id of a node of this graph.
    pub fn index_of(&self, node: &Node) -> Option<NodeId> {
        self.get(&node.unique_id)
    }

    pub fn get(&self, unique_id: &str) -> Option<NodeId> {
        self.by_unique_id.get(unique_id).copied()
    }

    /// Nodes carrying exactly this tag.
    pub fn tagged(&self, tag: &str) -> &[NodeId] {
        self.by_tag.get(tag).map_or(&[], Vec::as_slice)
    }

    /// Whether a node is a data test or a unit test, without touching the node itself (the
    /// hot check of indirect test selection).
    pub fn is_test(&self, id: NodeId) -> bool {
        self.test_nodes.contains(id.index())
    }

    /// Nodes of one resource type, in graph order.
    pub fn of_type(&self, resource_type: ResourceType) -> &[NodeId] {
        self.by_type.get(&resource_type).map_or(&[], Vec::as_slice)
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
    /// The code of the macro an unqualified call `name(...)` in a node of `package` reaches:
    /// the root project's, else the node's own package's (dbt's search order, leaving out its
    /// internal macros). With `namespace` (`pkg.name(...)`), that package's.
    pub fn macro_code(
        &self,
        name: &str,
        package: &str,
        namespace: Option<&str>,
    ) -> Option<Cow<'_, str>> {
        let candidates = self.macros.get(name)?;
        let wanted: Vec<&str> = match namespace {
            Some(namespace) => vec![namespace],
            None => vec![&*self.project_name, package],
        };
        let entry = wanted
            .iter()
            .find_map(|package| candidates.iter().find(|m| &*m.package == *package))?;
        self.code_of(entry.sql)
    }

    pub fn is_root_project(&self, node: &Node) -> bool {
        *node.package == *self.project_name
    }

    /// The owner of a node: `meta.<key>` for the first of `keys` present (`config.meta` merged
    /// over `meta`), else the owner of its group, else an exposure's own owner.
    pub fn owner(&self, node: &Node, keys: &[String]) -> Option<Owner> {
        let meta = self.meta(node);
        let from_meta = keys
            .iter()
            .find_map(|key| meta.get(key).and_then(owner_from_meta));
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
    // The manifest holds what `dbt parse` rendered: no Jinja is left.
    Some(YamlSelector {
        name,
        is_default,
        definition,
        template: None,
    })
}

/// The package whose name hashes to `project_id`: the root project of a manifest written before
/// dbt 1.6, whose metadata has no `project_name`.
fn root_package(nodes: &[Node], project_id: Option<&str>) -> Option<Box<str>> {
    let project_id = project_id?;
    let mut seen: HashSet<&str> = HashSet::default();
    nodes
        .iter()
        .map(|node| &*node.package)
        .filter(|package| seen.insert(package))
        .find(|package| super::checksum::project_id(package).eq_ignore_ascii_case(project_id))
        .map(Into::into)
}

fn normalize_path(path: &str) -> Box<str> {
    path.replace('\\', "/").into()
}

/// Strings a reader handed over, kept: an owned one without a copy (the project reader's).
fn boxed(items: Vec<Cow<'_, str>>) -> Box<[Box<str>]> {
    items.into_iter().map(Box::from).collect()
}

/// What a [`GraphBuilder`] built, for [`DbtGraph::from_built`].
pub(crate) struct Built {
    project_name: Box<str>,
    dbt_version: Option<Box<str>>,
    nodes: Vec<Node>,
    parents: Vec<Box<[NodeId]>>,
    children: Vec<Box<[NodeId]>>,
    by_unique_id: HashMap<Box<str>, NodeId>,
    by_tag: HashMap<Box<str>, Vec<NodeId>>,
    by_type: HashMap<ResourceType, Vec<NodeId>>,
    groups: Vec<Group>,
    disabled: Vec<DisabledNode>,
    selectors: Vec<YamlSelector>,
    macros: HashMap<Box<str>, Vec<MacroEntry>>,
    code_text: CodeText,
}

/// How a graph's text holds code (nodes' `raw_code`, macros' `macro_sql`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeText {
    /// JSON strings, escaped: ranges of the manifest.
    Json,
    /// As written in the files: the project reader copies each file's code into the text
    /// (escaping it only for the rules to decode it again cost more than the rest of the copy).
    AsWritten,
}

/// A macro of the manifest: its package and where its code is in the text.
#[derive(Debug)]
struct MacroEntry {
    package: Box<str>,
    /// `macro_sql`, held as the graph's [`CodeText`] says.
    sql: TextRange,
}

/// Fewer manifest bytes than dbt writes for a node (the smallest, a generic test written by
/// dbt 1.5, takes about 900). A manifest of smaller nodes only makes the buffers grow.
const MIN_NODE_BYTES: usize = 768;

/// Turns manifest entries into nodes as they are handed over: by the manifest reader, or by the
/// project reader, which hands over the entries `dbt parse` would write. The one place the node
/// table is built.
pub(crate) struct GraphBuilder<'a> {
    text: &'a [u8],
    metadata_seen: bool,
    project_name: Box<str>,
    project_id: Option<Box<str>>,
    dbt_version: Option<Box<str>>,
    nodes: Vec<Node>,
    /// Every node's `depends_on.nodes`, flattened; `dependency_ends[i]` ends node i's run.
    dependencies: Vec<Cow<'a, str>>,
    dependency_ends: Vec<usize>,
    groups: Vec<Group>,
    disabled: Vec<DisabledNode>,
    selectors: Vec<YamlSelector>,
    macros: HashMap<Box<str>, Vec<MacroEntry>>,
    code_text: CodeText,
}

impl<'a> GraphBuilder<'a> {
    /// A builder for `size` bytes of manifest. Buffers are sized for the most nodes that many
    /// bytes can hold, so they never grow (growing copies hundreds of megabytes on a large
    /// manifest); pages of the reserve that stay unused are never touched.
    fn with_capacity(text: &'a [u8], size: usize) -> Self {
        let nodes = size / MIN_NODE_BYTES;
        GraphBuilder {
            text,
            metadata_seen: false,
            project_name: Box::from(""),
            project_id: None,
            dbt_version: None,
            nodes: Vec::with_capacity(nodes),
            dependencies: Vec::with_capacity(nodes * 2),
            dependency_ends: Vec::with_capacity(nodes),
            groups: Vec::new(),
            disabled: Vec::new(),
            selectors: Vec::new(),
            macros: HashMap::default(),
            code_text: CodeText::Json,
        }
    }

    /// A builder for about `nodes` nodes whose JSON texts are ranges of `text`, and whose
    /// code is held there as `code_text` says.
    pub(crate) fn for_nodes(text: &'a [u8], nodes: usize, code_text: CodeText) -> Self {
        GraphBuilder {
            code_text,
            ..GraphBuilder::with_capacity(text, nodes * MIN_NODE_BYTES)
        }
    }

    /// Adds what a later part of the manifest held.
    fn append(&mut self, other: GraphBuilder<'a>) {
        if other.metadata_seen {
            self.project_name = other.project_name;
            self.project_id = other.project_id;
            self.dbt_version = other.dbt_version;
            self.metadata_seen = true;
        }
        let offset = self.dependencies.len();
        self.nodes.extend(other.nodes);
        self.dependencies.extend(other.dependencies);
        self.dependency_ends
            .extend(other.dependency_ends.into_iter().map(|end| end + offset));
        self.groups.extend(other.groups);
        self.disabled.extend(other.disabled);
        if !other.selectors.is_empty() {
            self.selectors = other.selectors;
        }
        for (name, mut entries) in other.macros {
            self.macros.entry(name).or_default().append(&mut entries);
        }
    }

    /// Where a borrowed JSON value sits in the text.
    fn range_of(&self, json: JsonText<'_>) -> Option<TextRange> {
        range_in(self.text, json)
    }

    /// Adds a member made by [`Member::of`].
    pub(crate) fn push(&mut self, member: Member<'a>) {
        match member {
            Member::Node(node, dependencies) => {
                self.nodes.push(node);
                self.dependencies.extend(dependencies);
                self.dependency_ends.push(self.dependencies.len());
            }
            Member::Disabled(node) => self.disabled.push(node),
            Member::Left => {}
        }
    }

    pub(crate) fn finish(mut self) -> Built {
        // The tag and type indexes are built while the edges' sequential parts run.
        let ((mut by_unique_id, mut parents, mut children), (mut by_tag, mut by_type)) =
            rayon::join(|| self.edges(), || self.tag_and_type_indexes());
        if by_unique_id.len() != self.nodes.len() {
            self.keep_last_of_duplicates(&by_unique_id);
            (by_unique_id, parents, children) = self.edges();
            (by_tag, by_type) = self.tag_and_type_indexes();
        }
        let project_name = if self.project_name.is_empty() {
            root_package(&self.nodes, self.project_id.as_deref()).unwrap_or_default()
        } else {
            self.project_name
        };
        Built {
            project_name,
            dbt_version: self.dbt_version,
            nodes: self.nodes,
            parents,
            children,
            by_unique_id,
            by_tag,
            by_type,
            groups: self.groups,
            disabled: self.disabled,
            selectors: self.selectors,
            macros: self.macros,
            code_text: self.code_text,
        }
    }
}

type Edges = (
    HashMap<Box<str>, NodeId>,
    Vec<Box<[NodeId]>>,
    Vec<Box<[NodeId]>>,
);

type Indexes = (
    HashMap<Box<str>, Vec<NodeId>>,
    HashMap<ResourceType, Vec<NodeId>>,
);

impl GraphBuilder<'_> {
    /// A key written twice holds its last entry, where the first one was: what Python's
    /// `json.load` (and so dbt) makes of it. `last` maps each unique id to its last node.
    fn keep_last_of_duplicates(&mut self, last: &HashMap<Box<str>, NodeId>) {
        let nodes = std::mem::take(&mut self.nodes);
        let mut dependencies: Vec<Vec<Cow<'_, str>>> = Vec::with_capacity(nodes.len());
        let mut start = 0;
        for &end in &self.dependency_ends {
            dependencies.push(self.dependencies[start..end].to_vec());
            start = end;
        }
        let mut slots: Vec<Option<(Node, Vec<Cow<'_, str>>)>> =
            nodes.into_iter().zip(dependencies).map(Some).collect();
        let mut placed: HashSet<Box<str>> = HashSet::new();
        let mut kept = Vec::with_capacity(last.len());
        for index in 0..slots.len() {
            let Some(unique_id) = slots[index]
                .as_ref()
                .map(|(node, _)| node.unique_id.clone())
            else {
                continue;
            };
            if !placed.insert(unique_id.clone()) {
                continue;
            }
            let from = last.get(&unique_id).map_or(index, |id| id.index());
            kept.extend(slots[from].take());
        }
        let mut dependencies = Vec::new();
        self.dependency_ends.clear();
        for (node, node_dependencies) in kept {
            self.nodes.push(node);
            dependencies.extend(node_dependencies);
            self.dependency_ends.push(dependencies.len());
        }
        self.dependencies = dependencies;
    }

    /// The unique id index, and each node's parents and children (sorted, deduplicated, only
    /// among enabled nodes).
    fn edges(&self) -> Edges {
        let by_unique_id: HashMap<Box<str>, NodeId> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, node)| (node.unique_id.clone(), NodeId(i as u32)))
            .collect();
        // Looking the dependencies up is most of the work, and independent per node.
        let parents: Vec<Box<[NodeId]>> = (0..self.dependency_ends.len())
            .into_par_iter()
            .map(|node| {
                let start = node.checked_sub(1).map_or(0, |i| self.dependency_ends[i]);
                let mut ids: Vec<NodeId> = self.dependencies[start..self.dependency_ends[node]]
                    .iter()
                    .filter_map(|id| by_unique_id.get(id.as_ref()).copied())
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                ids.into_boxed_slice()
            })
            .collect();
        let mut children: Vec<Vec<NodeId>> = vec![Vec::new(); self.nodes.len()];
        for (child, ids) in parents.iter().enumerate() {
            for parent in ids.iter() {
                children[parent.index()].push(NodeId(child as u32));
            }
        }
        let children = children.into_iter().map(Vec::into_boxed_slice).collect();
        (by_unique_id, parents, children)
    }

    /// Nodes by tag and by resource type.
    fn tag_and_type_indexes(&self) -> Indexes {
        let mut by_tag: HashMap<Box<str>, Vec<NodeId>> = HashMap::default();
        let mut by_type: HashMap<ResourceType, Vec<NodeId>> = HashMap::default();
        for (i, node) in self.nodes.iter().enumerate() {
            let id = NodeId(i as u32);
            for tag in node.tags.iter() {
                // Looked up first: a key is allocated once per distinct tag, not per use.
                match by_tag.get_mut(&**tag) {
                    Some(ids) => ids.push(id),
                    None => {
                        by_tag.insert(tag.clone(), vec![id]);
                    }
                }
            }
            by_type.entry(node.resource_type).or_default().push(id);
        }
        (by_tag, by_type)
    }
}

impl<'a> ManifestSink<'a> for GraphBuilder<'a> {
    fn metadata(&mut self, metadata: Metadata<'a>) {
        self.metadata_seen = true;
        self.project_name = metadata.project_name.as_deref().unwrap_or_default().into();
        self.project_id = metadata.project_id.as_deref().map(Into::into);
        self.dbt_version = metadata.dbt_version.as_deref().map(Into::into);
    }

    type Node = RawNode<'a>;

    fn node(&mut self, raw: RawNode<'a>) {
        let member = Member::of(self.text, self.code_text, raw);
        self.push(member);
    }

    fn disabled(&mut self, node: RawNode<'a>) {
        self.disabled.push(disabled_node(node));
    }

    fn group(&mut self, group: RawGroup<'a>) {
        self.groups.push(Group {
            name: group.name.as_ref().into(),
            package: group.package_name.as_ref().into(),
            owner: group.owner.as_ref().and_then(owner_name),
            file: group.original_file_path.as_deref().map(normalize_path),
        });
    }

    fn selectors(&mut self, selectors: &'a RawValue) {
        self.selectors = super::manifest::parse_raw::<Map<String, Value>>(selectors)
            .map(|selectors| selectors.into_iter().filter_map(yaml_selector).collect())
            .unwrap_or_default();
    }

    fn macro_def(&mut self, definition: RawMacro<'a>) {
        let Some(sql) = definition.macro_sql.and_then(|sql| self.range_of(sql)) else {
            return;
        };
        self.macros
            .entry(definition.name.as_ref().into())
            .or_default()
            .push(MacroEntry {
                package: definition.package_name.as_ref().into(),
                sql,
            });
    }
}

/// Where a borrowed JSON value sits in `text`.
fn range_in(text: &[u8], json: JsonText<'_>) -> Option<TextRange> {
    let start = (json.get().as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    let end = start + json.get().len();
    (end <= text.len()).then_some(TextRange { start, end })
}

/// What one manifest entry adds to the graph, made apart from the [`GraphBuilder`] so that
/// entries can be made in parallel and handed over in order.
// Members are made and handed over in place, or listed once: boxing the node would cost an
// allocation per node.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Member<'a> {
    /// An enabled node, and the unique ids it depends on.
    Node(Node, Vec<Cow<'a, str>>),
    Disabled(DisabledNode),
    /// Disabled in place, or of a resource type the graph does not keep.
    Left,
}

impl<'a> Member<'a> {
    /// The member an enabled entry (`nodes`, `sources`, ...) makes, its JSON texts ranges of
    /// `text`, its code held there as `code_text` says.
    pub(crate) fn of(text: &[u8], code_text: CodeText, raw: RawNode<'a>) -> Member<'a> {
        let config = raw.config.fields;
        // Disabled nodes normally live under `disabled`; some writers keep them in place.
        if config.enabled == Some(false) {
            return Member::Left;
        }
        let Some(resource_type) = ResourceType::parse(&raw.resource_type) else {
            return Member::Left;
        };
        // dbt selects on a node's `tags`, which it fills from `config.tags` when parsing; a
        // metric keeps its own (empty) list, and a unit test has only `config.tags`.
        let tags = match raw.tags {
            Some(own) => boxed(own.0),
            None => boxed(config.tags.0),
        };
        let patch_file = raw
            .patch_path
            .as_deref()
            .map(|patch| normalize_path(patch.split_once("://").map_or(patch, |(_, path)| path)));
        let blank_code = raw.raw_code.is_some_and(|code| match code_text {
            CodeText::Json => is_blank_json_string(code.get()),
            CodeText::AsWritten => is_blank(code.get()),
        });
        let node = Node {
            unique_id: raw.unique_id.into(),
            resource_type,
            name: raw.name.into(),
            package: raw.package_name.into(),
            fqn: boxed(raw.fqn),
            file: raw.original_file_path.as_deref().map(normalize_path),
            patch_file,
            tags,
            source_meta: raw.source_meta.and_then(|m| range_in(text, m)),
            meta: raw.meta.and_then(|m| range_in(text, m)),
            config_meta: config.meta.and_then(|m| range_in(text, m)),
            config: raw.config.text.and_then(|c| range_in(text, c)),
            materialized: config.materialized.map(Box::from),
            group: config.group.or(raw.group).map(Box::from),
            access: raw.access.or(config.access).map(Box::from),
            version: raw.version.map(|v| v.0.into()),
            latest_version: raw.latest_version.map(|v| v.0.into()),
            test_name: raw.test_metadata.and_then(|t| t.name).map(Box::from),
            source_name: raw.source_name.map(Box::from),
            exposure_owner: raw.owner.as_ref().and_then(owner_name).map(Into::into),
            description: raw.description.and_then(|d| range_in(text, d)),
            code: raw.raw_code.and_then(|c| range_in(text, c)),
            source_description: raw.source_description.and_then(|d| range_in(text, d)),
            freshness: raw.freshness.and_then(|f| range_in(text, f)),
            columns: raw.columns.and_then(|c| range_in(text, c)),
            column_name: raw.column_name.and_then(|c| range_in(text, c)),
            contract_enforced: raw.contract.and_then(|c| c.enforced).unwrap_or(false),
            blank_code,
            unique_key: boxed(config.unique_key.0),
            incremental_strategy: config.incremental_strategy.map(Box::from),
            checksum: raw
                .checksum
                .filter(|c| c.name.as_deref() == Some("sha256"))
                .and_then(|c| c.checksum)
                .as_deref()
                .map(Into::into),
        };
        Member::Node(node, raw.depends_on.nodes)
    }

    /// The member an entry of `disabled` makes.
    pub(crate) fn disabled(raw: RawNode<'a>) -> Member<'a> {
        Member::Disabled(disabled_node(raw))
    }
}

/// A node dbt lists under `disabled`.
fn disabled_node(node: RawNode<'_>) -> DisabledNode {
    DisabledNode {
        unique_id: node.unique_id.as_ref().into(),
        name: node.name.as_ref().into(),
        resource_type: ResourceType::parse(&node.resource_type).unwrap_or(ResourceType::Model),
        file: node.original_file_path.as_deref().map(normalize_path),
        package: node.package_name.as_ref().into(),
    }
}

/// Whether code holds only the whitespace [`is_blank_json_string`] accepts.
fn is_blank(code: &str) -> bool {
    code.bytes()
        .all(|byte| matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'))
}

/// Whether a JSON string literal holds only whitespace, without decoding it.
fn is_blank_json_string(literal: &str) -> bool {
    let inner = literal.trim_start_matches('"').trim_end_matches('"');
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {}
            '\\' => {
                if !matches!(chars.next(), Some('n' | 't' | 'r' | 'f')) {
                    return false;
                }
            }
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::{DbtGraph, NodeId, is_blank, is_blank_json_string};

    #[test]
    fn a_key_written_twice_keeps_its_last_entry_in_its_first_place() {
        let json = r#"{"metadata": {"project_name": "p"}, "nodes": {
            "model.p.a": {"unique_id": "model.p.a", "resource_type": "model", "name": "first", "package_name": "p"},
            "model.p.b": {"unique_id": "model.p.b", "resource_type": "model", "name": "b", "package_name": "p",
                "depends_on": {"nodes": ["model.p.a"]}},
            "model.p.a": {"unique_id": "model.p.a", "resource_type": "model", "name": "last", "package_name": "p",
                "depends_on": {"nodes": ["model.p.c"]}},
            "model.p.c": {"unique_id": "model.p.c", "resource_type": "model", "name": "c", "package_name": "p"}}}"#;
        let (graph, _) =
            DbtGraph::load(json.as_bytes().to_vec(), std::path::Path::new("m.json")).unwrap();
        assert_eq!(graph.len(), 3);
        let a = graph.get("model.p.a").unwrap();
        assert_eq!((a, &*graph.node(a).name), (NodeId(0), "last"));
        let b = graph.get("model.p.b").unwrap();
        let c = graph.get("model.p.c").unwrap();
        assert_eq!(graph.parents(b), [a]);
        assert_eq!(graph.parents(a), [c]);
        assert_eq!(graph.children(c), [a]);
        assert_eq!(graph.of_type(super::ResourceType::Model).len(), 3);
    }

    #[test]
    fn blank_code() {
        assert!(is_blank_json_string(r#""""#));
        assert!(is_blank_json_string(r#""  \n\t \r\n""#));
        assert!(!is_blank_json_string(r#""select 1""#));
        assert!(!is_blank_json_string(r#""\u0041""#));
        assert!(is_blank(""));
        assert!(is_blank("  \n\t \r\n\x0c"));
        assert!(!is_blank(" select 1\n"));
    }
}
