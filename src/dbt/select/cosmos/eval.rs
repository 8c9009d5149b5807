//! Evaluates one element on the graph as Cosmos' `NodeSelector` and `GraphSelector` do, with
//! their side effects: a visited test takes its first parent's tags for every later element.

use std::borrow::Cow;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use serde_json::Value;

use super::CosmosSelectError;
use super::statement::{GraphItem, Statement, config_pair};
use crate::dbt::graph::{DbtGraph, Node, NodeId, NodeSet, ResourceType};

/// Where `dbt deps` installs packages; Cosmos puts package files under it.
const PACKAGES_FOLDER: &str = "dbt_packages";

/// The nodes Cosmos loads from a manifest: `nodes`, `sources` and `exposures` with a file path
/// (no unit tests, metrics, semantic models, saved queries or functions), in Cosmos' dict order,
/// with indexes that let an element visit only the nodes it can select. Independent of where the
/// project sits on the worker, so built once per graph (see `DbtGraph::cosmos_loaded`).
#[derive(Debug)]
pub struct Loaded {
    members: NodeSet,
    order: Vec<NodeId>,
    /// Each member's place in `order` (`u32::MAX` for other nodes).
    position: Vec<u32>,
    /// Built on first use: by folder or file below the project folder, by path part, by
    /// Cosmos name.
    by_path: OnceLock<FxHashMap<Box<str>, Vec<NodeId>>>,
    by_part: OnceLock<FxHashMap<Box<str>, Vec<NodeId>>>,
    by_name: OnceLock<FxHashMap<Box<str>, Vec<NodeId>>>,
    /// The sources with a freshness check, found on first use: every rendering asks about
    /// each source it selects.
    fresh_sources: OnceLock<NodeSet>,
}

impl Loaded {
    pub fn new(graph: &DbtGraph) -> Self {
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
        let order: Vec<NodeId> = order.into_iter().map(|(_, id)| id).collect();
        let mut position = vec![u32::MAX; graph.len()];
        for (at, id) in order.iter().enumerate() {
            position[id.index()] = at as u32;
        }
        Loaded {
            members,
            order,
            position,
            by_path: OnceLock::new(),
            by_part: OnceLock::new(),
            by_name: OnceLock::new(),
            fresh_sources: OnceLock::new(),
        }
    }

    /// `set`'s members in Cosmos' dict order.
    fn ordered(&self, set: &NodeSet) -> Vec<NodeId> {
        let mut ids: Vec<NodeId> = set
            .ones()
            .filter(|&i| self.members.contains(i))
            .map(|i| NodeId(i as u32))
            .collect();
        ids.sort_by_key(|id| self.position[id.index()]);
        ids
    }

    /// Members by every folder and file of their path below the project folder
    /// (`models`, `models/marts`, `models/marts/orders.sql`).
    fn by_path(&self, graph: &DbtGraph) -> &FxHashMap<Box<str>, Vec<NodeId>> {
        self.by_path.get_or_init(|| {
            let mut map: FxHashMap<Box<str>, Vec<NodeId>> = FxHashMap::default();
            for &id in &self.order {
                let parts: Vec<&str> = relative_parts(graph, graph.node(id)).collect();
                let mut key = String::new();
                for part in parts {
                    if !key.is_empty() {
                        key.push('/');
                    }
                    key.push_str(part);
                    map.entry(key.as_str().into()).or_default().push(id);
                }
            }
            map
        })
    }

    /// Members by each part of their path below the project folder.
    fn by_part(&self, graph: &DbtGraph) -> &FxHashMap<Box<str>, Vec<NodeId>> {
        self.by_part.get_or_init(|| {
            let mut map: FxHashMap<Box<str>, Vec<NodeId>> = FxHashMap::default();
            for &id in &self.order {
                for part in relative_parts(graph, graph.node(id)) {
                    let ids = map.entry(part.into()).or_default();
                    if ids.last() != Some(&id) {
                        ids.push(id);
                    }
                }
            }
            map
        })
    }

    /// Whether a source has a freshness check, as Cosmos' `is_freshness_effective` decides:
    /// some part of `freshness` (`warn_after`, `error_after`) sets a count or a period.
    pub fn has_freshness(&self, graph: &DbtGraph, id: NodeId) -> bool {
        self.fresh_sources
            .get_or_init(|| {
                let mut fresh = graph.empty_set();
                for &source in graph.of_type(ResourceType::Source) {
                    fresh.set(source.index(), freshness_effective(graph, source));
                }
                fresh
            })
            .contains(id.index())
    }

    /// Members by Cosmos' name for them (see [`cosmos_name_is`]).
    fn by_name(&self, graph: &DbtGraph) -> &FxHashMap<Box<str>, Vec<NodeId>> {
        self.by_name.get_or_init(|| {
            let mut map: FxHashMap<Box<str>, Vec<NodeId>> = FxHashMap::default();
            for &id in &self.order {
                if let Some(name) = resource_name(graph.node(id)) {
                    map.entry(name.replace('.', "_").into())
                        .or_default()
                        .push(id);
                }
            }
            map
        })
    }
}

/// A node's path parts below the project folder: `dbt_packages/<package>` for a package's
/// node, then `original_file_path`.
fn relative_parts<'n>(graph: &DbtGraph, node: &'n Node) -> impl Iterator<Item = &'n str> + 'n {
    let in_package = !(graph.is_root_project(node) || node.package.is_empty());
    in_package
        .then_some([PACKAGES_FOLDER, &*node.package])
        .into_iter()
        .flatten()
        .chain(path_parts(node.file.as_deref().unwrap_or_default()))
}

/// One rendering's view of the loaded nodes: where the project sits on the worker.
pub struct Universe<'g> {
    pub graph: &'g DbtGraph,
    loaded: &'g Loaded,
    /// The project's folder on the Airflow worker, as pathlib parts.
    project_parts: Vec<&'g str>,
    project_absolute: bool,
}

/// The nodes an element is evaluated on (Cosmos' `nodes` dict), in iteration order.
#[derive(Debug, Clone)]
pub struct Domain<'g> {
    pub set: NodeSet,
    order: Cow<'g, [NodeId]>,
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
        Universe {
            graph,
            loaded: graph.cosmos_loaded(),
            project_parts: path_parts(project_dir).collect(),
            project_absolute: project_dir.starts_with('/'),
        }
    }

    /// Every node Cosmos loaded.
    pub fn domain(&self) -> Domain<'g> {
        Domain {
            set: self.loaded.members.clone(),
            order: Cow::Borrowed(&self.loaded.order),
        }
    }

    /// The selected nodes, as the dict excludes run on.
    pub fn subdomain(&self, nodes: &NodeSet) -> Domain<'g> {
        let mut set = self.loaded.members.clone();
        set.intersect_with(nodes);
        Domain {
            order: Cow::Owned(self.loaded.ordered(&set)),
            set,
        }
    }

    /// Members whose path below the project folder starts with `parts`: the whole path when
    /// `parts` is empty.
    fn below(&self, parts: &[&str]) -> Option<&'g [NodeId]> {
        if parts.is_empty() {
            return Some(&self.loaded.order);
        }
        self.loaded
            .by_path(self.graph)
            .get(parts.join("/").as_str())
            .map(Vec::as_slice)
    }

    /// The parts of a node's `file_path` (project folder, `dbt_packages/<package>` for a
    /// package's node, then `original_file_path`), as pathlib splits them.
    fn file_parts<'n>(&'n self, node: &'n Node) -> impl Iterator<Item = &'n str> + 'n {
        self.project_parts
            .iter()
            .copied()
            .chain(relative_parts(self.graph, node))
    }

    /// Writes `str(node.file_path)` into `out` (cleared first), for the substring test of
    /// `path:` items with operators: one buffer serves a whole scan.
    fn write_file_text(&self, node: &Node, out: &mut String) {
        out.clear();
        if self.project_absolute {
            out.push('/');
        }
        for (index, part) in self.file_parts(node).enumerate() {
            if index > 0 {
                out.push('/');
            }
            out.push_str(part);
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

/// `".".join(parts) == wanted`, without building the joined string (it runs once per node).
fn dotted_equals(parts: &[Box<str>], wanted: &str) -> bool {
    let mut rest = wanted;
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            match rest.strip_prefix('.') {
                Some(after) => rest = after,
                None => return false,
            }
        }
        match rest.strip_prefix(&**part) {
            Some(after) => rest = after,
            None => return false,
        }
    }
    rest.is_empty()
}

fn freshness_effective(graph: &DbtGraph, id: NodeId) -> bool {
    let Some(freshness) = graph.config_value(id, &["freshness"]) else {
        return false;
    };
    freshness.as_object().is_some_and(|freshness| {
        freshness.values().any(|part| {
            part.as_object()
                .is_some_and(|fields| fields.values().any(|field| !field.is_null()))
        })
    })
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

/// One rendering's evaluation state: Cosmos mutates the test nodes it visits (a test takes its
/// first parent's tags, or none when that parent is not among the nodes evaluated), and the
/// mutation lasts for every later element (and decides later `tag:` items with operators).
pub struct Session<'u, 'g> {
    universe: &'u Universe<'g>,
    /// The element passes so far, the latest last. Which pass last visited a test decides its
    /// tags, so the mutation is derived when asked for instead of applied to every node visited:
    /// a pass then need not visit nodes that cannot pass its filters.
    passes: Vec<Pass>,
}

/// The nodes one element's pass visits: every node of `domain`, or those of `only`.
struct Pass {
    domain: NodeSet,
    only: Option<NodeSet>,
}

impl Pass {
    fn visits(&self, id: NodeId) -> bool {
        self.domain.contains(id.index())
            && self
                .only
                .as_ref()
                .is_none_or(|only| only.contains(id.index()))
    }
}

impl<'u, 'g> Session<'u, 'g> {
    pub fn new(universe: &'u Universe<'g>) -> Self {
        Session {
            universe,
            passes: Vec::new(),
        }
    }

    fn graph(&self) -> &'g DbtGraph {
        self.universe.graph
    }

    fn test_tags(&self, id: NodeId) -> TestTags {
        let graph = self.graph();
        if graph.node(id).resource_type != ResourceType::Test {
            return TestTags::Own;
        }
        let Some(parent) = first_parent(graph, id) else {
            return TestTags::Own;
        };
        match self.passes.iter().rev().find(|pass| pass.visits(id)) {
            None => TestTags::Own,
            Some(pass) if pass.domain.contains(parent.index()) => TestTags::Parent,
            Some(_) => TestTags::Empty,
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
        // Without graph items it visits every node of the domain; the nodes that cannot pass
        // the filters are skipped here, which changes nothing (see `Session::passes`).
        let only = candidates.map(|mut nodes| {
            nodes.intersect_with(&domain.set);
            nodes
        });
        let order: Cow<'_, [NodeId]> = match &only {
            Some(nodes) => Cow::Owned(nodes.ones().map(|i| NodeId(i as u32)).collect()),
            None => match self.can_pass(statement) {
                Some(mut possible) => {
                    possible.intersect_with(&domain.set);
                    Cow::Owned(self.universe.loaded.ordered(&possible))
                }
                None => Cow::Borrowed(&domain.order[..]),
            },
        };
        self.passes.push(Pass {
            domain: domain.set.clone(),
            only,
        });
        for &id in order.iter() {
            if self.include(&mut visit, id) {
                selected.insert(id.index());
            }
        }
        Ok(selected)
    }

    /// A superset of the nodes that can pass an element without graph items, from the indexes;
    /// `None` when no index narrows it. A test can pass through its parent (its tags, a
    /// `schema.yml` test's path), so the tests of possible nodes are possible too.
    fn can_pass(&self, statement: &Statement) -> Option<NodeSet> {
        let graph = self.graph();
        let universe = self.universe;
        let mut possible: Option<NodeSet> = None;
        let mut narrow = |ids: &mut dyn Iterator<Item = NodeId>, with_tests: bool| {
            let mut set = graph.empty_set();
            for id in ids {
                set.insert(id.index());
                if with_tests {
                    for &child in graph.children(id) {
                        if graph.is_test(child) {
                            set.insert(child.index());
                        }
                    }
                }
            }
            match &mut possible {
                Some(so_far) => so_far.intersect_with(&set),
                None => possible = Some(set),
            }
        };
        if let Some(tag) = statement.tags.first() {
            narrow(&mut graph.tagged(tag).iter().copied(), true);
        }
        if !statement.paths.is_empty() {
            let mut ids: Vec<NodeId> = Vec::new();
            for path in &statement.paths {
                let (absolute, wanted) = universe.filter_parts(path);
                if absolute != universe.project_absolute {
                    continue;
                }
                let project = &universe.project_parts;
                if wanted.len() <= project.len() {
                    // The project folder or one above it: every file is below.
                    if wanted.iter().zip(project).all(|(a, b)| a == b) {
                        ids.extend(universe.loaded.order.iter().copied());
                    }
                } else if wanted[..project.len()] == project[..] {
                    ids.extend(universe.below(&wanted[project.len()..]).unwrap_or(&[]));
                }
            }
            narrow(&mut ids.into_iter(), true);
        }
        if !statement.bare.is_empty() {
            // A name of the project folder or of the root project matches every root node; an
            // installed package's name is a part of its nodes' paths (`dbt_packages/<name>`).
            let matches_root = statement.bare.iter().any(|name| {
                universe.project_parts.contains(&name.as_str()) || **name == *graph.project_name
            });
            if !matches_root {
                let loaded = universe.loaded;
                let (by_part, by_name) = (loaded.by_part(graph), loaded.by_name(graph));
                let mut ids: Vec<NodeId> = Vec::new();
                for name in &statement.bare {
                    ids.extend(by_part.get(name.as_str()).into_iter().flatten());
                    ids.extend(by_name.get(name.as_str()).into_iter().flatten());
                }
                narrow(&mut ids.into_iter(), false);
            }
        }
        if !statement.resource_types.is_empty() {
            let mut ids = ResourceType::ALL
                .iter()
                .filter(|kind| statement.resource_types.iter().any(|k| k == kind.as_str()))
                .flat_map(|&kind| graph.of_type(kind).iter().copied());
            narrow(&mut ids, false);
        }
        if !statement.sources.is_empty() {
            narrow(
                &mut graph.of_type(ResourceType::Source).iter().copied(),
                false,
            );
        }
        if !statement.exposures.is_empty() {
            narrow(
                &mut graph.of_type(ResourceType::Exposure).iter().copied(),
                false,
            );
        }
        possible
    }

    /// `NodeSelector._should_include_node`, once per node and element.
    fn include(&mut self, visit: &mut Visit<'_>, id: NodeId) -> bool {
        // Cosmos answers a second visit from the selection it has not filled in yet.
        if visit.visited.put(id.index()) {
            return false;
        }
        let graph = self.graph();
        // A test's tags are now its first parent's, or `[]` when the parent is not in the dict
        // evaluated (`node.tags = nodes.get(depends_on[0]).tags`): the current pass says so.
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
            && (node.fqn.is_empty()
                || !statement
                    .fqns
                    .iter()
                    .any(|wanted| dotted_equals(&node.fqn, wanted)))
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
            let mut text = String::new();
            nodes
                .filter(|&id| {
                    universe.write_file_text(graph.node(id), &mut text);
                    text.contains(wanted)
                })
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
                    !fqn.is_empty() && dotted_equals(fqn, wanted)
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
            let loaded = &universe.loaded;
            let last = loaded.by_name(graph).get(wanted.as_str()).and_then(|ids| {
                ids.iter()
                    .filter(|id| domain.set.contains(id.index()))
                    .max_by_key(|id| loaded.position[id.index()])
            });
            match last {
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
    domain: &'s Domain<'s>,
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
    fn dotted_equals_is_join_then_compare() {
        let parts: Vec<Box<str>> = ["shop", "marts", "orders"].map(Box::from).to_vec();
        for wanted in [
            "shop.marts.orders",
            "shop.marts",
            "shop.marts.orders.x",
            "shopmarts.orders",
            "",
        ] {
            assert_eq!(
                dotted_equals(&parts, wanted),
                parts.join(".") == wanted,
                "{wanted}"
            );
        }
        assert!(dotted_equals(&[], ""));
    }

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
