//! Lookup structures that keep selection sub-linear on large graphs: nodes sorted by
//! flattened fqn (package-scoped and unscoped) and by file, and maps by leaf name and by
//! properties file. Built on first use.

use std::collections::HashMap;
use std::ops::Range;

use rayon::prelude::*;

use super::graph::{Node, NodeId, ResourceType};

/// Segments of a flattened fqn are joined with NUL, which sorts before every other character,
/// so string order is segment-wise order and every prefix's extensions are contiguous.
const SEP: char = '\0';

#[derive(Debug)]
pub struct SelectionIndex {
    /// Per node: its fqn, split on `.` too, joined with [`SEP`] (empty for sources).
    keys: Vec<Box<str>>,
    /// Non-source nodes sorted by key.
    scoped: Vec<NodeId>,
    /// Non-source nodes sorted by key without the package segment.
    unscoped: Vec<NodeId>,
    /// Non-source nodes by leaf name: `fqn[-1]`, or `fqn[-2]` for a versioned model.
    by_leaf: HashMap<Box<str>, Vec<NodeId>>,
    /// Versioned models by `name_vN` (dbt matches `name.vN` and `name_vN` alike).
    by_version: HashMap<Box<str>, Vec<NodeId>>,
    /// Nodes with a file, sorted by `original_file_path`.
    by_file: Vec<NodeId>,
    files: Vec<Option<Box<str>>>,
    by_patch: HashMap<Box<str>, Vec<NodeId>>,
    /// Sources by their source's name (`source:<name>` without wildcards).
    by_source_name: HashMap<Box<str>, Vec<NodeId>>,
}

impl SelectionIndex {
    /// Built on both cores: the index is built while nothing else runs when the graph came
    /// from the project's files (the DAG files are read by then).
    pub fn build(nodes: &[Node]) -> SelectionIndex {
        let keys: Vec<Box<str>> = nodes
            .par_iter()
            .map(|node| {
                if node.resource_type == ResourceType::Source {
                    return Box::from("");
                }
                let flat: Vec<&str> = node.fqn.iter().flat_map(|s| s.split('.')).collect();
                flat.join(&SEP.to_string()).into()
            })
            .collect();
        let ids = || {
            nodes
                .iter()
                .enumerate()
                .filter(|(_, node)| node.resource_type != ResourceType::Source)
                .map(|(i, _)| NodeId(i as u32))
        };
        let files: Vec<Option<Box<str>>> = nodes.iter().map(|n| n.file.clone()).collect();
        let ((scoped, unscoped), (by_file, maps)) = rayon::join(
            || {
                rayon::join(
                    || sorted_by(ids(), |id| &keys[id.index()]),
                    || sorted_by(ids(), |id| unscoped_key(&keys[id.index()])),
                )
            },
            || {
                rayon::join(
                    || {
                        sorted_by(
                            (0..nodes.len())
                                .filter(|&i| files[i].is_some())
                                .map(|i| NodeId(i as u32)),
                            |id| files[id.index()].as_deref().unwrap_or_default(),
                        )
                    },
                    || name_maps(nodes, ids()),
                )
            },
        );
        SelectionIndex {
            keys,
            scoped,
            unscoped,
            by_leaf: maps.by_leaf,
            by_version: maps.by_version,
            by_file,
            files,
            by_patch: maps.by_patch,
            by_source_name: maps.by_source_name,
        }
    }

    /// Non-source nodes whose leaf name is `name` (versioned models by their name).
    pub fn with_leaf(&self, name: &str) -> &[NodeId] {
        self.by_leaf.get(name).map_or(&[], Vec::as_slice)
    }

    /// Every distinct leaf name.
    pub fn leaves(&self) -> impl Iterator<Item = &str> {
        self.by_leaf.keys().map(AsRef::as_ref)
    }

    /// Versioned models whose `name_vN` is `key`.
    pub fn with_version_key(&self, key: &str) -> &[NodeId] {
        self.by_version.get(key).map_or(&[], Vec::as_slice)
    }

    /// Non-source nodes whose flattened fqn (`scoped`) or fqn without package starts with
    /// `prefix`, segment by segment; each with its flattened fqn segments.
    pub fn fqn_prefixed<'a>(
        &'a self,
        prefix: &[&str],
        scoped: bool,
    ) -> impl Iterator<Item = (NodeId, impl Iterator<Item = &'a str>)> + 'a {
        let joined = prefix.join(&SEP.to_string());
        let (order, key_of): (&[NodeId], fn(&str) -> &str) = if scoped {
            (&self.scoped, |key| key)
        } else {
            (&self.unscoped, unscoped_key)
        };
        let range = prefix_range(order, &joined, |id| key_of(&self.keys[id.index()]));
        let empty_prefix = prefix.is_empty();
        order[range].iter().filter_map(move |&id| {
            let key = key_of(&self.keys[id.index()]);
            let at_boundary = empty_prefix
                || key.len() == joined.len()
                || key.as_bytes().get(joined.len()) == Some(&(SEP as u8));
            at_boundary.then(|| (id, key.split(SEP)))
        })
    }

    /// Nodes whose file is `path` or lies under the folder `path`.
    pub fn files_under<'a>(&'a self, path: &'a str) -> impl Iterator<Item = NodeId> + 'a {
        let range = prefix_range(&self.by_file, path, |id| {
            self.files[id.index()].as_deref().unwrap_or("")
        });
        self.by_file[range].iter().copied().filter(move |id| {
            let file = self.files[id.index()].as_deref().unwrap_or("");
            path.is_empty()
                || file.len() == path.len()
                || file.as_bytes().get(path.len()) == Some(&b'/')
        })
    }

    /// Nodes documented in the properties file `path`.
    pub fn patched_by(&self, path: &str) -> &[NodeId] {
        self.by_patch.get(path).map_or(&[], Vec::as_slice)
    }

    /// The sources (tables) of the source called `name`.
    pub fn sources_named(&self, name: &str) -> &[NodeId] {
        self.by_source_name.get(name).map_or(&[], Vec::as_slice)
    }
}

/// The maps of a [`SelectionIndex`] (see its fields).
struct NameMaps {
    by_leaf: HashMap<Box<str>, Vec<NodeId>>,
    by_version: HashMap<Box<str>, Vec<NodeId>>,
    by_patch: HashMap<Box<str>, Vec<NodeId>>,
    by_source_name: HashMap<Box<str>, Vec<NodeId>>,
}

/// Non-source nodes (`ids`) by leaf name and versioned models by `name_vN`, nodes by
/// properties file, sources by source name.
fn name_maps(nodes: &[Node], ids: impl Iterator<Item = NodeId>) -> NameMaps {
    let mut by_leaf: HashMap<Box<str>, Vec<NodeId>> = HashMap::new();
    let mut by_version: HashMap<Box<str>, Vec<NodeId>> = HashMap::new();
    for id in ids {
        let fqn = &nodes[id.index()].fqn;
        let Some(last) = fqn.last() else {
            continue;
        };
        // Only models are versioned for selection (dbt's `is_versioned`); a unit test of a
        // versioned model carries a version too.
        if nodes[id.index()].is_model() && nodes[id.index()].version.is_some() && fqn.len() >= 2 {
            let name = &fqn[fqn.len() - 2];
            by_leaf.entry(name.clone()).or_default().push(id);
            by_version
                .entry(format!("{name}_{last}").into())
                .or_default()
                .push(id);
        } else {
            by_leaf.entry(last.clone()).or_default().push(id);
        }
    }
    let mut by_patch: HashMap<Box<str>, Vec<NodeId>> = HashMap::new();
    for (i, node) in nodes.iter().enumerate() {
        if let Some(patch) = &node.patch_file {
            by_patch
                .entry(patch.clone())
                .or_default()
                .push(NodeId(i as u32));
        }
    }
    let mut by_source_name: HashMap<Box<str>, Vec<NodeId>> = HashMap::new();
    for (i, node) in nodes.iter().enumerate() {
        if let Some(source_name) = node
            .source_name
            .as_ref()
            .filter(|_| node.resource_type == ResourceType::Source)
        {
            by_source_name
                .entry(source_name.clone())
                .or_default()
                .push(NodeId(i as u32));
        }
    }
    NameMaps {
        by_leaf,
        by_version,
        by_patch,
        by_source_name,
    }
}

/// Node ids in ascending order of their key, ids of equal keys in ascending order (as a stable
/// sort of ascending ids leaves them). Sorted as (key, id) pairs, side by side in memory.
fn sorted_by<'k>(
    ids: impl Iterator<Item = NodeId>,
    key: impl Fn(NodeId) -> &'k str,
) -> Vec<NodeId> {
    let mut pairs: Vec<(&str, NodeId)> = ids.map(|id| (key(id), id)).collect();
    pairs.sort_unstable();
    pairs.into_iter().map(|(_, id)| id).collect()
}

/// A key without its first segment (the package).
fn unscoped_key(key: &str) -> &str {
    key.split_once(SEP).map_or("", |(_, rest)| rest)
}

/// The range of `order` whose keys start with `prefix` (keys sorted ascending).
fn prefix_range<'a>(
    order: &[NodeId],
    prefix: &str,
    key: impl Fn(&NodeId) -> &'a str,
) -> Range<usize> {
    let start = order.partition_point(|id| key(id) < prefix);
    let len = order[start..].partition_point(|id| key(id).starts_with(prefix));
    start..start + len
}
