//! Evaluates a selection spec on the graph: methods, graph operators and indirect test
//! selection, with dbt's rules for combining direct and deferred ("indirect") nodes.

use super::item::{Criterion, IndirectSelection};
use super::methods::collect;
use super::{SelectorError, Spec};
use crate::dbt::graph::{DbtGraph, NodeId, NodeSet, ResourceType};

/// What a spec selects: `direct` nodes, and `all` = direct plus tests deferred by cautious or
/// buildable indirect selection that a later group may still promote.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub direct: NodeSet,
    pub all: NodeSet,
}

/// How a group combines its members' outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    Union,
    Intersection,
    Difference,
}

pub fn evaluate(
    graph: &DbtGraph,
    spec: &Spec,
    mode: IndirectSelection,
) -> Result<Outcome, SelectorError> {
    match spec {
        Spec::Leaf(criterion) => evaluate_leaf(graph, criterion, mode),
        Spec::Group {
            combine,
            members,
            mode: group_mode,
        } => {
            let outcomes = members
                .iter()
                .map(|member| evaluate(graph, member, mode))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(combine_outcomes(graph, *combine, outcomes, *group_mode))
        }
    }
}

fn evaluate_leaf(
    graph: &DbtGraph,
    criterion: &Criterion,
    mode: IndirectSelection,
) -> Result<Outcome, SelectorError> {
    let mode = criterion.indirect.unwrap_or(mode);
    let collected = collect(graph, criterion)?;
    let mut selected = collected.clone();
    if criterion.childrens_parents {
        let mut down = descendants(graph, &collected, None);
        down.union_with(&collected);
        selected.union_with(&down);
        selected.union_with(&ancestors(graph, &down, None));
    }
    if criterion.parents {
        selected.union_with(&ancestors(graph, &collected, criterion.parents_depth));
    }
    if criterion.children {
        selected.union_with(&descendants(graph, &collected, criterion.children_depth));
    }
    if mode == IndirectSelection::Empty {
        return Ok(Outcome {
            direct: selected.clone(),
            all: selected,
        });
    }
    Ok(expand_tests(graph, selected, mode))
}

/// dbt's `expand_selection`: tests right below the selection join it directly (eager), or
/// when all their parents are selected (cautious), or buildable; otherwise they are deferred.
fn expand_tests(graph: &DbtGraph, selected: NodeSet, mode: IndirectSelection) -> Outcome {
    let buildable_from = (mode == IndirectSelection::Buildable).then(|| {
        let mut set = ancestors(graph, &selected, None);
        set.union_with(&selected);
        for (id, node) in graph.nodes() {
            if node.resource_type == ResourceType::Source {
                set.insert(id.index());
            }
        }
        set
    });
    let mut direct = selected.clone();
    let mut all = selected.clone();
    for index in selected.ones() {
        for &child in graph.children(NodeId(index as u32)) {
            if !graph.is_test(child) || direct.contains(child.index()) {
                continue;
            }
            let parents_in =
                |set: &NodeSet| graph.parents(child).iter().all(|p| set.contains(p.index()));
            let promote = match mode {
                IndirectSelection::Eager => true,
                IndirectSelection::Cautious => parents_in(&selected),
                IndirectSelection::Buildable => {
                    parents_in(&selected) || buildable_from.as_ref().is_some_and(parents_in)
                }
                IndirectSelection::Empty => false,
            };
            if promote {
                direct.insert(child.index());
            }
            all.insert(child.index());
        }
    }
    Outcome { direct, all }
}

/// Combines member outcomes, then promotes deferred tests as the group's mode allows
/// (dbt's `incorporate_indirect_nodes`).
pub fn combine_outcomes(
    graph: &DbtGraph,
    combine: Combine,
    outcomes: impl IntoIterator<Item = Outcome>,
    mode: IndirectSelection,
) -> Outcome {
    let mut outcomes = outcomes.into_iter();
    let Some(first) = outcomes.next() else {
        return Outcome {
            direct: graph.empty_set(),
            all: graph.empty_set(),
        };
    };
    let (mut direct, mut all) = (first.direct, first.all);
    for outcome in outcomes {
        match combine {
            Combine::Union => {
                direct.union_with(&outcome.direct);
                all.union_with(&outcome.all);
            }
            Combine::Intersection => {
                direct.intersect_with(&outcome.direct);
                all.intersect_with(&outcome.all);
            }
            Combine::Difference => {
                direct.difference_with(&outcome.direct);
                all.difference_with(&outcome.all);
            }
        }
    }
    if direct != all {
        let promote_from = match mode {
            IndirectSelection::Cautious => Some(direct.clone()),
            IndirectSelection::Buildable => {
                let mut set = ancestors(graph, &direct, None);
                set.union_with(&direct);
                Some(set)
            }
            IndirectSelection::Eager | IndirectSelection::Empty => None,
        };
        if let Some(allowed) = promote_from {
            let deferred: Vec<usize> = all.difference(&direct).collect();
            for index in deferred {
                let parents = graph.parents(NodeId(index as u32));
                if parents.iter().all(|p| allowed.contains(p.index())) {
                    direct.insert(index);
                }
            }
        }
    }
    Outcome { direct, all }
}

/// Ancestors of `start` up to `depth` layers (all when `None`), excluding `start` itself
/// unless reached from another member.
pub fn ancestors(graph: &DbtGraph, start: &NodeSet, depth: Option<usize>) -> NodeSet {
    walk(graph, start, depth, |id| graph.parents(id))
}

/// Descendants of `start` up to `depth` layers.
pub fn descendants(graph: &DbtGraph, start: &NodeSet, depth: Option<usize>) -> NodeSet {
    walk(graph, start, depth, |id| graph.children(id))
}

/// Layered breadth-first walk from every member of `start` at once (dbt ≥ 1.8).
fn walk<'g>(
    graph: &'g DbtGraph,
    start: &NodeSet,
    depth: Option<usize>,
    next: impl Fn(NodeId) -> &'g [NodeId],
) -> NodeSet {
    let mut reached = graph.empty_set();
    let mut frontier: Vec<NodeId> = start.ones().map(|i| NodeId(i as u32)).collect();
    let mut layer = 0;
    while !frontier.is_empty() && depth.is_none_or(|max| layer < max) {
        let mut following = Vec::new();
        for id in frontier {
            for &neighbour in next(id) {
                if !reached.put(neighbour.index()) {
                    following.push(neighbour);
                }
            }
        }
        frontier = following;
        layer += 1;
    }
    reached
}
