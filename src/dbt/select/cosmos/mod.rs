//! astronomer-cosmos' own node selection (`cosmos/dbt/selector.py`, Cosmos 1.15): which nodes a
//! `DbtDag`/`DbtTaskGroup` rendered from a manifest turns into tasks.
//!
//! Cosmos renders from a manifest (`LoadMode.DBT_MANIFEST`, `CUSTOM`, `AUTOMATIC` with a
//! manifest) without asking dbt: it reads `RenderConfig(select=..., exclude=...)` (or a YAML
//! selector) with its own, narrower engine. Its results differ from dbt's in many small ways (a
//! bare name also matches any folder of the file path, `tag:a tag:b` is one tag, comma-joined
//! items of one method are a union, excludes only walk the selected nodes, ...), and an element
//! it does not support makes the DAG file fail to import. This module reproduces that engine,
//! quirks included, over a [`DbtGraph`]; `tests/it/cosmos_oracle.rs` checks it against real Cosmos.
//!
//! `statement.rs` reads one element the way Cosmos' `SelectorConfig` does, `eval.rs` evaluates
//! it (`NodeSelector`, `GraphSelector`), `yaml.rs` translates a manifest YAML selector into
//! select/exclude lists (`YamlSelectors`).

mod eval;
pub mod render;
mod statement;
mod yaml;

use std::fmt;

use super::{Side, TokenRef};
use crate::dbt::graph::{DbtGraph, NodeId, NodeSet, ResourceType};
pub use eval::Loaded as CosmosLoaded;
use eval::{Domain, Session, Universe};
use statement::Statement;

/// What Cosmos selects for one rendering.
#[derive(Debug, Clone)]
pub struct CosmosSelection {
    /// `DbtGraph.filtered_nodes` after selection: the nodes Cosmos renders (before it adds each
    /// selected node's tests, see [`with_attached_tests`]).
    pub nodes: NodeSet,
    /// Elements that select nothing: a select element on its own, an exclude element among the
    /// selected nodes and in the whole project.
    pub unmatched: Vec<TokenRef>,
}

/// Why Cosmos fails to render: the DAG file does not import.
#[derive(Debug, Clone, PartialEq)]
pub struct CosmosSelectError {
    pub kind: CosmosErrorKind,
    pub message: String,
    /// The `select`/`exclude` element at fault (`None` for a YAML selector).
    pub token: Option<TokenRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CosmosErrorKind {
    /// An element with a method Cosmos does not support (`file:`, `state:`, `@tag:x`, ...):
    /// `CosmosValueError("Invalid select filter: ...")`.
    UnsupportedMethod,
    /// `package:` without a name: `CosmosValueError`.
    EmptyPackage,
    /// An element Cosmos' parser crashes on, such as a `config.` item without exactly one `:`
    /// (Python's `ValueError` while unpacking), or a YAML selector it cannot walk.
    Malformed,
    /// `RenderConfig(selector=...)` names no selector of the manifest: `CosmosLoadDbtException`.
    UnknownSelector,
    /// The YAML selector holds what Cosmos cannot translate (string items, an unsupported method,
    /// a depth given as a string, ...): `CosmosValueError("Error(s) parsing selector ...")`.
    SelectorDefinition,
}

impl CosmosErrorKind {
    /// The Python exceptions Cosmos raises for this kind (for comparing with recorded runs).
    pub fn python_exceptions(self) -> &'static [&'static str] {
        match self {
            CosmosErrorKind::UnsupportedMethod
            | CosmosErrorKind::EmptyPackage
            | CosmosErrorKind::SelectorDefinition => &["CosmosValueError"],
            CosmosErrorKind::Malformed => &["ValueError", "TypeError", "AttributeError"],
            CosmosErrorKind::UnknownSelector => &["CosmosLoadDbtException"],
        }
    }
}

impl fmt::Display for CosmosSelectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CosmosSelectError {}

impl CosmosSelectError {
    fn new(kind: CosmosErrorKind, message: impl Into<String>) -> Self {
        CosmosSelectError {
            kind,
            message: message.into(),
            token: None,
        }
    }

    fn at(mut self, token: TokenRef) -> Self {
        self.token = Some(token);
        self
    }
}

/// Selects nodes as `cosmos.dbt.selector.select_nodes` does for `RenderConfig(select=...,
/// exclude=...)`. `project_dir` is the project's path on the Airflow worker
/// (`ProjectConfig(dbt_project_path=...)`), which Cosmos joins to every file path so bare names
/// and `path:` values see its folders; pass `""` when it is not known.
pub fn cosmos_select(
    graph: &DbtGraph,
    project_dir: &str,
    select: &[&str],
    exclude: &[&str],
) -> Result<CosmosSelection, CosmosSelectError> {
    let universe = Universe::new(graph, project_dir);
    let everything = universe.domain();
    if select.is_empty() && exclude.is_empty() {
        return Ok(CosmosSelection {
            nodes: everything.set.clone(),
            unmatched: Vec::new(),
        });
    }
    // Cosmos checks every element before it selects anything: the first unsupported one fails.
    for (side, elements) in [(Side::Select, select), (Side::Exclude, exclude)] {
        for (index, element) in elements.iter().enumerate() {
            statement::validate(element, side)
                .map_err(|error| error.at(TokenRef { side, index }))?;
        }
    }
    let mut session = Session::new(&universe);
    let mut unmatched = Vec::new();
    let mut selected = graph.empty_set();
    for (index, element) in select.iter().enumerate() {
        let at = TokenRef {
            side: Side::Select,
            index,
        };
        let nodes = evaluate(&mut session, element, &everything).map_err(|e| e.at(at))?;
        if nodes.is_clear() {
            unmatched.push(at);
        }
        selected.union_with(&nodes);
    }
    // Excludes are evaluated among the selected nodes only (when there is a selection): their
    // graph operators walk no further than those.
    let subset = if select.is_empty() {
        everything.clone()
    } else {
        universe.subdomain(&selected)
    };
    let mut excluded = graph.empty_set();
    let mut exclude_misses = Vec::new();
    for (index, element) in exclude.iter().enumerate() {
        let at = TokenRef {
            side: Side::Exclude,
            index,
        };
        let nodes = evaluate(&mut session, element, &subset).map_err(|e| e.at(at))?;
        if nodes.is_clear() {
            exclude_misses.push((at, *element));
        }
        excluded.union_with(&nodes);
    }
    // An exclude that removes nothing from this selection may still name real nodes: it only
    // counts as matching nothing when it matches nothing anywhere.
    for (at, element) in exclude_misses {
        let mut fresh = Session::new(&universe);
        if evaluate(&mut fresh, element, &everything).is_ok_and(|nodes| nodes.is_clear()) {
            unmatched.push(at);
        }
    }
    let mut nodes = subset.set.clone();
    nodes.difference_with(&excluded);
    Ok(CosmosSelection { nodes, unmatched })
}

/// Selects nodes as Cosmos does for `RenderConfig(selector=NAME)`: the manifest's YAML selector
/// translated into select/exclude lists by Cosmos' `YamlSelectors`, then [`cosmos_select`].
/// (Cosmos then ignores `RenderConfig.select`/`exclude`.)
pub fn cosmos_select_yaml(
    graph: &DbtGraph,
    project_dir: &str,
    name: &str,
) -> Result<CosmosSelection, CosmosSelectError> {
    let (select, exclude) = yaml::translate(graph, name)?;
    let select: Vec<&str> = select.iter().map(String::as_str).collect();
    let exclude: Vec<&str> = exclude.iter().map(String::as_str).collect();
    // The elements are Cosmos' translation, not the user's: there is no element to point at.
    match cosmos_select(graph, project_dir, &select, &exclude) {
        Ok(mut selection) => {
            selection.unmatched.clear();
            Ok(selection)
        }
        Err(error) => Err(CosmosSelectError::new(
            error.kind,
            format!("YAML selector `{name}` becomes {}", error.message),
        )),
    }
}

/// The nodes Cosmos renders tasks for: the selection plus every test of a selected node
/// (`DbtGraph.update_node_dependency`), which Cosmos runs after its model whether or not the
/// selection picked the test.
pub fn with_attached_tests(graph: &DbtGraph, selection: &NodeSet) -> NodeSet {
    let mut rendered = selection.clone();
    for index in selection.ones() {
        for &child in graph.children(NodeId(index as u32)) {
            let node = graph.node(child);
            if node.resource_type == ResourceType::Test && eval::in_universe(node) {
                rendered.insert(child.index());
            }
        }
    }
    rendered
}

/// One element: parsed, then evaluated on `domain`.
fn evaluate(
    session: &mut Session<'_, '_>,
    element: &str,
    domain: &Domain,
) -> Result<NodeSet, CosmosSelectError> {
    let statement = Statement::parse(element)?;
    session.select(&statement, domain)
}
