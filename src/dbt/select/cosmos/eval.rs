//! Evaluates one element on the graph as Cosmos' `NodeSelector` and `GraphSelector` do, with
//! their side effects: a visited test takes its first parent's tags for every later element.

use serde_json::Value;

use super::CosmosSelectError;
use super::statement::{GraphItem, Statement, config_pair};
use crate::dbt::graph::{DbtGraph, Node, NodeId, NodeSet, ResourceType};

/// Where `dbt deps` installs packages; Cosmos puts package files under it.
const PACKAGES_FOLDER: &str = "dbt_packages";

/// The nodes Cosmos loads from a manifest: `nodes`, `sources` and `exposures` with a file path
/// (no unit tests, metrics, semantic models, saved queries or functions), in Cosmos' dict order.
pub struct Universe<'g> {
    pub graph: &'g DbtGraph,
    members: NodeSet,
    order: Vec<NodeId>,
    /// The project's folder on the Airflow worker, as pathlib parts.
    project_parts: Vec<&'g str>,
    project_absolute: bool,
}

/// The nodes an element is evaluated on (Cosmos' `nodes` dict), in iteration order.
#[derive(Debug, Clone)]
pub struct Domain {
    pub set: NodeSet,
    order: Vec<NodeId>,
}

/// Whether Cosmos loads a node: an entry of `nodes`, `sources` or `exposures` with a file.
pub fn in_universe(node: &Node) -> bool {
    collection_rank(node.resource_type).is_some()
        && node.file.as_deref().is_some_and(|f| !f.is_empty())
}

/// Which manifest collection a node comes from (0 `nodes`, 1 `sources`, 2 `exposures`), for
/// the order Cosmos builds its dict in; `None` for collections Cosmos does not read.
fn collection_rank(resource_type: ResourceType) -> Option<u8> {
    match resource_type {
        ResourceType::Source => Some(1),
        ResourceType::Exposure => Some(2),
        ResourceType::Model
        | ResourceType::Analysis
        | ResourceType::Test
        | ResourceType::Snapshot
        | ResourceType::Operation
        | ResourceType::Seed
        | ResourceType::Rpc
        | ResourceType::SqlOperation => Some(0),
        _ => None,
    }
}

impl<'g> Universe<'g> {
    pub fn new(graph: &'g DbtGraph, project_dir: &'g str) -> Self {
        let mut members = graph.empty_set();
        let mut order: Vec<(u8, NodeId)> = Vec::new();
        for (id, node) in graph.nodes() {
            if let (Some(rank), true) = (collection_rank(node.resource_type), in_universe(node)) {
                members.insert(id.index());
                order.push((rank, id));
            }
        }
        // Graph order is manifest order; sorting by collection keeps it within each one.
        order.sort_by_key(|&(rank, id)| (rank, id));
        Universe {
            graph,
            members,
            order: order.into_iter().map(|(_, id)| id).collect(),
            project_parts: path_parts(project_dir).collect(),
            project_absolute: project_dir.starts_with('/'),
        }
    }

    /// Every node Cosmos loaded.
    pub fn domain(&self) -> Domain {
        Domain {
            set: self.members.clone(),
            order: self.order.clone(),
        }
    }

    /// The selected nodes, as the dict excludes run on.
    pub fn subdomain(&self, nodes: &NodeSet) -> Domain {
        let mut set = self.members.clone();
        set.intersect_with(nodes);
        Domain {
            order: self
                .order
                .iter()
                .copied()
                .filter(|id| set.contains(id.index()))
                .collect(),
            set,
        }
    }

    /// The parts of a node's `file_path` (project folder, `dbt_packages/<package>` for a
    /// package's node, then `original_file_path`), as pathlib splits them.
    fn file_parts<'n>(&'n self, node: &'n Node) -> impl Iterator<Item = &'n str> + 'n {
        let package: &[&str] = if self.graph.is_root_project(node) || node.package.is_empty() {
            &[]
        } else {
            &[PACKAGES_FOLDER]
        };
        let package_name = (!package.is_empty()).then_some(&*node.package);
        self.project_parts
            .iter()
            .copied()
            .chain(package.iter().copied())
            .chain(package_name)
            .chain(path_parts(node.file.as_deref().unwrap_or_default()))
    }

    /// `str(node.file_path)`, for the substring test of `path:` items with operators.
    fn file_text(&self, node: &Node) -> String {
        let parts: Vec<&str> = self.file_parts(node).collect();
        let joined = parts.join("/");
        if self.project_absolute {
            format!("/{joined}")
        } else {
            joined
        }
    }

    /// `project_dir / Path(value)` as parts: an absolute value replaces the project folder.
    fn filter_parts<'v>(&'v self, value: &'v str) -> (bool, Vec<&'v str>) {
        if value.starts_with('/') {
            (true, path_parts(value).collect())
        } else {
            let mut parts = self.project_parts.clone();
            parts.extend(path_parts(value));
            (self.project_absolute, parts)
        }
    }
}

/// A path's parts as `PurePosixPath` keeps them: no empty or `.` segments (`..` stays).
fn path_parts(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter(|part| !part.is_empty() && *part != ".")
}

/// Cosmos' `DbtNode.name`: the unique id after `<type>.<package>.`, with `.` as `_`
/// (`dim_accounts_v2`, `app_orders` for a source, `not_null_x_id_<hash>` for a test).
fn cosmos_name_is(node: &Node, wanted: &str) -> bool {
    resource_name(node).is_some_and(|name| {
        name.len() == wanted.len()
            && name
                .chars()
                .map(|c| if c == '.' { '_' } else { c })
                .eq(wanted.chars())
    })
}

/// `DbtNode.resource_name`: the unique id after `<type>.<package>.` (`app.orders`).
fn resource_name(node: &Node) -> Option<&str> {
    let mut parts = node.unique_id.splitn(3, '.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(kind), Some(package), Some(name))
            if !kind.is_empty() && !package.is_empty() && !name.is_empty() =>
        {
            Some(name)
        }
        _ => None,
    }
}

/// Where a test's tags come from at this point of the rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TestTags {
    /// The manifest's.
    Own,
    /// Its first parent's: `_should_include_node` replaced them.
    Parent,
    /// None: replaced while the first parent was not among the nodes evaluated.
    Empty,
}

/// One rendering's evaluation state: Cosmos mutates the test nodes it visits, and the mutation
/// lasts for every later element (and decides later `tag:` items with operators).
pub struct Session<'u, 'g> {
    universe: &'u Universe<'g>,
    inherited: NodeSet,
    emptied: NodeSet,
}

impl<'u, 'g> Session<'u, 'g> {
    pub fn new(universe: &'u Universe<'g>) -> Self {
        Session {
            universe,
            inherited: universe.graph.empty_set(),
            emptied: universe.graph.empty_set(),
        }
    }

    fn graph(&self) -> &'g DbtGraph {
        self.universe.graph
    }

    fn test_tags(&self, id: NodeId) -> TestTags {
        if self.emptied.contains(id.index()) {
            TestTags::Empty
        } else if self.inherited.contains(id.index()) {
            TestTags::Parent
        } else {
            TestTags::Own
        }
    }

    /// A node's `tags` as Cosmos holds them now.
    fn tags(&self, id: NodeId) -> &'g [Box<str>] {
        let graph = self.graph();
        match self.test_tags(id) {
            TestTags::Own => &graph.node(id).tags,
            TestTags::Empty => &[],
            TestTags::Parent => {
                first_parent(graph, id).map_or(&[], |parent| &graph.node(parent).tags)
            }
        }
    }

    /// `NodeSelector.select_nodes_ids_by_intersection`: the nodes of `domain` one element
    /// selects.
    pub fn select(
        &mut self,
        statement: &Statement,
        domain: &Domain,
    ) -> Result<NodeSet, CosmosSelectError> {
        if statement.is_empty() {
            return Ok(domain.set.clone());
        }
        let mut candidates: Option<NodeSet> = None;
        for item in &statement.graph {
            let nodes = self.graph_item(item, &statement.element, domain)?;
            candidates = Some(match candidates {
                Some(mut so_far) => {
                    so_far.intersect_with(&nodes);
                    so_far
                }
                None => nodes,
            });
        }
        let mut visit = Visit {
            statement,
            domain,
            visited: self.graph().empty_set(),
        };
        let mut selected = self.graph().empty_set();
        // Cosmos iterates a Python set of graph results (hash order); graph order stands in.
        let order: Box<dyn Iterator<Item = NodeId>> = match &candidates {
            Some(nodes) => Box::new(
                nodes
                    .ones()
                    .map(|i| NodeId(i as u32))
                    .filter(|id| domain.set.contains(id.index())),
            ),
            None => Box::new(domain.order.iter().copied()),
        };
        for id in order {
            if self.include(&mut visit, id) {
                selected.insert(id.index());
            }
        }
        Ok(selected)
    }

    /// `NodeSelector._should_include_node`, once per node and element.
    fn include(&mut self, visit: &mut Visit<'_>, id: NodeId) -> bool {
        // Cosmos answers a second visit from the selection it has not filled in yet.
        if visit.visited.put(id.index()) {
            return false;
        }
        let graph = self.graph();
        let node = graph.node(id);
        if node.resource_type == ResourceType::Test
            && let Some(parent) = first_parent(graph, id)
        {
            // `node.tags = nodes.get(depends_on[0]).tags`, or `[]` when the parent is not in
            // the dict evaluated.
            if visit.domain.set.contains(parent.index()) {
                self.inherited.insert(id.index());
                self.emptied.set(id.index(), false);
            } else {
                self.emptied.insert(id.index());
            }
        }
        let statement = visit.statement;
        let tags = self.tags(id);
        if !statement
            .tags
            .iter()
            .all(|tag| tags.iter().any(|t| **t == **tag))
        {
            return false;
        }
        if !statement.config.is_empty() && !config_matches(graph, id, &statement.config) {
            return false;
        }
        self.passes_filters(visit, id)
    }

    /// `NodeSelector._passes_selector_filters`.
    fn passes_filters(&mut self, visit: &mut Visit<'_>, id: NodeId) -> bool {
        let statement = visit.statement;
        let node = self.graph().node(id);
        let any = |values: &[String], actual: Option<&str>| {
            actual.is_some_and(|actual| values.iter().any(|v| v == actual))
        };
        let package = Some(&*node.package);
        if !statement.paths.is_empty() && !self.path_matches(visit, id) {
            return false;
        }
        if !statement.fqns.is_empty()
            && (node.fqn.is_empty() || !any(&statement.fqns, Some(node.fqn.join(".").as_str())))
        {
            return false;
        }
        if !statement.resource_types.is_empty()
            && !any(&statement.resource_types, Some(node.resource_type.as_str()))
        {
            return false;
        }
        if any(
            &statement.exclude_resource_types,
            Some(node.resource_type.as_str()),
        ) {
            return false;
        }
        if !statement.sources.is_empty()
            && (node.resource_type != ResourceType::Source
                || !any(&statement.sources, resource_name(node)))
        {
            return false;
        }
        if !statement.exposures.is_empty()
            && (node.resource_type != ResourceType::Exposure
                || !any(&statement.exposures, resource_name(node)))
        {
            return false;
        }
        if !statement.packages.is_empty() && !any(&statement.packages, package) {
            return false;
        }
        if !statement.bare.is_empty() {
            let bare = &statement.bare;
            let matched = any(bare, package)
                || bare.iter().any(|name| cosmos_name_is(node, name))
                || self
                    .universe
                    .file_parts(node)
                    .any(|part| bare.iter().any(|name| name == part));
            if !matched {
                return false;
            }
        }
        true
    }

    /// `NodeSelector._is_path_matching`: the file is one of the paths or below one; a test of
    /// a `schema.yml` with one parent is decided by that parent instead.
    fn path_matches(&mut self, visit: &mut Visit<'_>, id: NodeId) -> bool {
        let universe = self.universe;
        let node = universe.graph.node(id);
        let file: Vec<&str> = universe.file_parts(node).collect();
        // `filter_path == file_path or filter_path in file_path.parents`: a prefix of the parts.
        let matched = visit.statement.paths.iter().any(|path| {
            let (absolute, wanted) = universe.filter_parts(path);
            absolute == universe.project_absolute
                && wanted.len() <= file.len()
                && wanted.iter().zip(&file).all(|(a, b)| a == b)
        });
        if matched {
            return true;
        }
        let parents = universe.graph.parents(id);
        if node.resource_type == ResourceType::Test
            && file.last() == Some(&"schema.yml")
            && parents.len() == 1
            && visit.domain.set.contains(parents[0].index())
        {
            return self.include(visit, parents[0]);
        }
        false
    }

    /// `GraphSelector.filter_nodes`: the item's roots, then its operators' walks, all within
    /// `domain`.
    fn graph_item(
        &self,
        item: &GraphItem,
        element: &str,
        domain: &Domain,
    ) -> Result<NodeSet, CosmosSelectError> {
        let graph = self.graph();
        let universe = self.universe;
        let name = item.name.as_str();
        // Cosmos tests these with `in`, then cuts the prefix's length off the front.
        let after = |prefix: &str| -> &str {
            name.char_indices()
                .nth(prefix.chars().count())
                .map_or("", |(at, _)| &name[at..])
        };
        let nodes = domain.order.iter().copied();
        let roots: Vec<NodeId> = if name.contains("path:") {
            let wanted = after("path:").trim_end_matches('*');
            nodes
                .filter(|&id| universe.file_text(graph.node(id)).contains(wanted))
                .collect()
        } else if name.contains("tag:") {
            let wanted = after("tag:");
            nodes
                .filter(|&id| self.tags(id).iter().any(|tag| &**tag == wanted))
                .collect()
        } else if name.contains("fqn:") {
            let wanted = after("fqn:").trim();
            nodes
                .filter(|&id| {
                    let fqn = &graph.node(id).fqn;
                    !fqn.is_empty() && fqn.join(".") == wanted
                })
                .collect()
        } else if name.contains("source:") || name.contains("exposure:") {
            let (kind, wanted) = if name.contains("source:") {
                (ResourceType::Source, after("source:"))
            } else {
                (ResourceType::Exposure, after("exposure:"))
            };
            nodes
                .filter(|&id| {
                    let node = graph.node(id);
                    node.resource_type == kind && resource_name(node) == Some(wanted)
                })
                .collect()
        } else if let Some(package) = name.strip_prefix("package:") {
            let package = package.trim();
            nodes
                .filter(|&id| !package.is_empty() && &*graph.node(id).package == package)
                .collect()
        } else if name.contains("config.") {
            let (key, value) = config_pair(after("config."), element)?;
            nodes
                .filter(|&id| config_root(graph, id, key, value))
                .collect()
        } else {
            // One node by name; the last of the dict wins.
            let wanted = name.replace('.', "_");
            match domain
                .order
                .iter()
                .rev()
                .find(|&&id| cosmos_name_is(graph.node(id), &wanted))
            {
                Some(&id) => vec![id],
                None => return Ok(graph.empty_set()),
            }
        };
        let mut start = graph.empty_set();
        start.extend(roots.iter().map(|id| id.index()));
        let mut selected = start.clone();
        if item.at {
            let mut below = walk(graph, &start, None, &domain.set, Direction::Children);
            selected.union_with(&below);
            below.union_with(&start);
            selected.union_with(&walk(graph, &below, None, &domain.set, Direction::Parents));
        } else {
            selected.union_with(&walk(
                graph,
                &start,
                item.parents,
                &domain.set,
                Direction::Parents,
            ));
            selected.union_with(&walk(
                graph,
                &start,
                item.children,
                &domain.set,
                Direction::Children,
            ));
        }
        Ok(selected)
    }
}

/// One element's pass over its nodes: which it visited.
struct Visit<'s> {
    statement: &'s Statement,
    domain: &'s Domain,
    visited: NodeSet,
}

/// The parent Cosmos copies a test's tags from, `depends_on[0]`. The graph keeps parents sorted
/// by id (manifest order), not in `depends_on` order; the two agree for a test with one parent
/// and usually for generic tests with two, whose referenced model comes first in both.
fn first_parent(graph: &DbtGraph, id: NodeId) -> Option<NodeId> {
    graph.parents(id).first().copied()
}

#[derive(Clone, Copy)]
enum Direction {
    Parents,
    Children,
}

/// Nodes within `depth` steps of `start` (not counting `start`), stepping only through
/// `domain`: Cosmos walks its `depends_on` lists within the dict it evaluates, so the walk stops
/// at nodes it did not load or (for an exclude) did not select.
fn walk(
    graph: &DbtGraph,
    start: &NodeSet,
    depth: Option<usize>,
    domain: &NodeSet,
    direction: Direction,
) -> NodeSet {
    let mut reached = graph.empty_set();
    let mut frontier: Vec<NodeId> = start.ones().map(|i| NodeId(i as u32)).collect();
    let mut layer = 0;
    while !frontier.is_empty() && depth.is_none_or(|max| layer < max) {
        let mut following = Vec::new();
        for id in frontier {
            let next = match direction {
                Direction::Parents => graph.parents(id),
                Direction::Children => graph.children(id),
            };
            for &neighbour in next {
                if domain.contains(neighbour.index()) && !reached.put(neighbour.index()) {
                    following.push(neighbour);
                }
            }
        }
        frontier = following;
        layer += 1;
    }
    reached
}

/// A node's `config` object (`{}` when the manifest has none).
fn config_of(graph: &DbtGraph, id: NodeId) -> Value {
    graph
        .config_json(id)
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or(Value::Object(Default::default()))
}

/// The `config.` items of an element, all of which must hold (`_should_include_based_on_meta`,
/// `_should_include_based_on_non_meta_and_non_tag_config`, `_is_config_subset`).
fn config_matches(graph: &DbtGraph, id: NodeId, items: &[(String, String)]) -> bool {
    let config = config_of(graph, id);
    items.iter().all(|(key, value)| match key.as_str() {
        // An empty tag is not checked at all (`if config_tags and ...`).
        "tags" => value.is_empty() || contains_tag(config.get("tags"), value),
        key if key.starts_with("meta") => nested_equals(&config, key, value),
        key => config.get(key).and_then(Value::as_str) == Some(value.as_str()),
    })
}

/// A `config.<key>:<value>` item with graph operators (`GraphSelector.filter_nodes`), where a
/// missing `materialized`/`schema` reads as `""` and other keys match nothing.
fn config_root(graph: &DbtGraph, id: NodeId, key: &str, value: &str) -> bool {
    let config = config_of(graph, id);
    match key {
        "tags" => contains_tag(config.get("tags"), value),
        "materialized" | "schema" => match config.get(key) {
            None => value.is_empty(),
            Some(actual) => actual.as_str() == Some(value),
        },
        key if key.starts_with("meta") => nested_equals(&config, key, value),
        _ => false,
    }
}

/// Python's `value in config["tags"]`: list membership, or a substring of a string.
fn contains_tag(tags: Option<&Value>, value: &str) -> bool {
    match tags {
        Some(Value::Array(items)) => items.iter().any(|tag| tag.as_str() == Some(value)),
        Some(Value::String(text)) => text.contains(value),
        _ => false,
    }
}

/// `_check_nested_value_in_dict(config, "meta.a.b:value")`: walks the keys while the value is
/// an object (a missing key fails, a non-object skips the remaining keys), then compares with
/// the string. So booleans and numbers never match.
fn nested_equals(config: &Value, dotted: &str, expected: &str) -> bool {
    let mut current = config;
    for key in dotted.split('.') {
        if let Value::Object(map) = current {
            match map.get(key) {
                Some(next) => current = next,
                None => return false,
            }
        }
    }
    current.as_str() == Some(expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_meta_walk() {
        let config = json!({"meta": {"team": "finance", "flag": true, "deep": {"x": "y"}}});
        assert!(nested_equals(&config, "meta.team", "finance"));
        // Past a string, Cosmos ignores the remaining keys.
        assert!(nested_equals(&config, "meta.team.anything", "finance"));
        assert!(!nested_equals(&config, "meta.flag", "true"));
        assert!(!nested_equals(&config, "meta.missing", "finance"));
        assert!(nested_equals(&config, "meta.deep.x", "y"));
    }

    #[test]
    fn pathlib_parts() {
        let parts: Vec<&str> = path_parts("./models//marts/").collect();
        assert_eq!(parts, ["models", "marts"]);
        assert_eq!(path_parts("/").count(), 0);
    }
}
