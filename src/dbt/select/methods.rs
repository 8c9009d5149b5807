//! What each selection method matches: dbt-core's `selector_methods.py`, rule for rule.

use std::collections::HashSet;
use std::path::Path;

use globset::GlobBuilder;
use serde_json::Value;

use super::SelectorError;
use super::item::{Criterion, Method};
use super::pattern::{fnmatch, has_wildcard};
use crate::dbt::graph::{DbtGraph, Node, NodeId, NodeSet, ResourceType};

/// The nodes a criterion's method matches, before graph operators.
pub fn collect(graph: &DbtGraph, criterion: &Criterion) -> Result<NodeSet, SelectorError> {
    let value = criterion.value.as_str();
    let mut set = graph.empty_set();
    // Methods that only look at one resource type scan only that type's nodes.
    let candidates: Option<&[NodeId]> = match criterion.method {
        Method::Source => Some(graph.of_type(ResourceType::Source)),
        Method::Exposure => Some(graph.of_type(ResourceType::Exposure)),
        Method::Metric => Some(graph.of_type(ResourceType::Metric)),
        Method::SemanticModel => Some(graph.of_type(ResourceType::SemanticModel)),
        Method::SavedQuery => Some(graph.of_type(ResourceType::SavedQuery)),
        Method::UnitTest => Some(graph.of_type(ResourceType::UnitTest)),
        Method::Access | Method::Version => Some(graph.of_type(ResourceType::Model)),
        _ => None,
    };
    let mut insert_where = |keep: &dyn Fn(&Node) -> bool| match candidates {
        Some(ids) => {
            for &id in ids {
                if keep(graph.node(id)) {
                    set.insert(id.index());
                }
            }
        }
        None => {
            for (id, node) in graph.nodes() {
                if keep(node) {
                    set.insert(id.index());
                }
            }
        }
    };
    match criterion.method {
        Method::Fqn => {
            for id in fqn_selected(graph, value) {
                set.insert(id.index());
            }
        }
        Method::Tag if !has_wildcard(value) => {
            for id in graph.tagged(value) {
                set.insert(id.index());
            }
        }
        Method::Tag => {
            for tag in graph
                .all_tags()
                .into_iter()
                .filter(|tag| fnmatch(tag, value))
            {
                for id in graph.tagged(tag) {
                    set.insert(id.index());
                }
            }
        }
        Method::Path => {
            let paths = matching_paths(graph, value)?;
            if paths.len() == 1 {
                // One file or folder (the usual case): a range of the sorted file index.
                let index = graph.index();
                let path = paths.iter().next().map(String::as_str).unwrap_or_default();
                for id in index
                    .files_under(path)
                    .chain(index.patched_by(path).iter().copied())
                {
                    set.insert(id.index());
                }
            } else {
                insert_where(&|node| path_matches(node, &paths));
            }
        }
        Method::File => insert_where(&|node| {
            node.file.as_deref().is_some_and(|file| {
                let path = Path::new(file);
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or(file);
                let stem = path.file_stem().and_then(|n| n.to_str()).unwrap_or(file);
                fnmatch(name, value) || fnmatch(stem, value)
            })
        }),
        Method::Config => {
            for (id, node) in graph.nodes() {
                let candidate = in_nodes_collection(node.resource_type)
                    || node.resource_type == ResourceType::Source;
                if candidate && config_matches(graph, id, criterion) {
                    set.insert(id.index());
                }
            }
        }
        Method::ResourceType => {
            let wanted = ResourceType::parse(value).ok_or_else(|| {
                SelectorError::invalid(format!("Invalid resource_type selector \"{value}\""))
            })?;
            insert_where(&|node| node.resource_type == wanted);
        }
        Method::Source => {
            let parts: Vec<&str> = value.split('.').collect();
            let (package, source, table) = match parts.as_slice() {
                [source] => ("*", *source, "*"),
                [source, table] => ("*", *source, *table),
                [package, source, table] => (*package, *source, *table),
                _ => {
                    return Err(SelectorError::invalid(format!(
                        "Invalid source selector value \"{value}\". Sources must be of the form `${{source_name}}` or `${{source_name}}.${{target_name}}`, or `${{package_name}}.${{source_name}}.${{target_name}}"
                    )));
                }
            };
            let keep = |node: &Node| {
                node.resource_type == ResourceType::Source
                    && fnmatch(&node.package, package)
                    && fnmatch(node.source_name.as_deref().unwrap_or_default(), source)
                    && fnmatch(&node.name, table)
            };
            if has_wildcard(source) {
                insert_where(&keep);
            } else {
                for &id in graph.index().sources_named(source) {
                    if keep(graph.node(id)) {
                        set.insert(id.index());
                    }
                }
            }
        }
        Method::Exposure => insert_where(&named_member(ResourceType::Exposure, "exposure", value)?),
        Method::Metric => insert_where(&named_member(ResourceType::Metric, "metric", value)?),
        Method::SemanticModel => insert_where(&named_member(
            ResourceType::SemanticModel,
            "semantic_model",
            value,
        )?),
        Method::SavedQuery => insert_where(&named_member(
            ResourceType::SavedQuery,
            "saved_query",
            value,
        )?),
        Method::UnitTest => {
            insert_where(&named_member(ResourceType::UnitTest, "unit_test", value)?)
        }
        Method::Group => insert_where(&|node| {
            (in_nodes_collection(node.resource_type) || node.resource_type == ResourceType::Metric)
                && node
                    .group
                    .as_deref()
                    .is_some_and(|group| fnmatch(group, value))
        }),
        Method::Access => insert_where(&|node| {
            node.is_model() && node.access.as_deref().unwrap_or("protected") == value
        }),
        Method::Version => {
            let keep: fn(&Node) -> bool = match value {
                "latest" => |node| node.version.is_some() && node.version == node.latest_version,
                "prerelease" => |node| version_order(node) == Some(std::cmp::Ordering::Greater),
                "old" => |node| version_order(node) == Some(std::cmp::Ordering::Less),
                "none" => |node| node.version.is_none(),
                _ => {
                    return Err(SelectorError::invalid(format!(
                        "Invalid version type selector {value}: expected one of: \"latest\", \"prerelease\", \"old\", or \"none\""
                    )));
                }
            };
            insert_where(&|node| node.is_model() && keep(node));
        }
        Method::TestName => insert_where(&|node| match node.resource_type {
            ResourceType::Test => node
                .test_name
                .as_deref()
                .is_some_and(|name| fnmatch(name, value)),
            ResourceType::UnitTest => fnmatch(&node.name, value),
            _ => false,
        }),
        Method::TestType => {
            // dbt tests `selector in ("data")`, a substring test on a string, not a tuple.
            let (generic, singular, unit) = if value == "generic" || value == "schema" {
                (true, false, false)
            } else if "data".contains(value) {
                (true, true, false)
            } else if "singular".contains(value) {
                (false, true, false)
            } else if "unit".contains(value) {
                (false, false, true)
            } else {
                return Err(SelectorError::invalid(format!(
                    "Invalid test type selector {value}: expected \"generic\", \"singular\", \"unit\", or \"data\""
                )));
            };
            insert_where(&|node| match node.resource_type {
                ResourceType::Test if node.test_name.is_some() => generic,
                ResourceType::Test => singular,
                ResourceType::UnitTest => unit,
                _ => false,
            });
        }
        Method::Package => {
            let package = if value == "this" {
                &*graph.project_name
            } else {
                value
            };
            insert_where(&|node| fnmatch(&node.package, package));
        }
        Method::State | Method::Result | Method::SourceStatus => {
            return Err(SelectorError::unresolvable(format!(
                "`{}:` compares with the artifacts of an earlier run, which a static check does not have",
                criterion.method
            )));
        }
    }
    Ok(set)
}

/// Resource types stored in `manifest.nodes` (as opposed to sources, exposures, ...).
fn in_nodes_collection(resource_type: ResourceType) -> bool {
    matches!(
        resource_type,
        ResourceType::Model
            | ResourceType::Analysis
            | ResourceType::Test
            | ResourceType::Snapshot
            | ResourceType::Operation
            | ResourceType::Seed
            | ResourceType::Rpc
            | ResourceType::SqlOperation
    )
}

/// `exposure:`, `metric:`, ...: `name` or `package.name`, both fnmatch patterns.
fn named_member(
    resource_type: ResourceType,
    kind: &str,
    value: &str,
) -> Result<impl Fn(&Node) -> bool, SelectorError> {
    let parts: Vec<&str> = value.split('.').collect();
    let (package, name) = match parts.as_slice() {
        [name] => ("*".to_owned(), name.to_string()),
        [package, name] => (package.to_string(), name.to_string()),
        _ => {
            let plural = format!("{}s", kind.replace('_', " "));
            return Err(SelectorError::invalid(format!(
                "Invalid {kind} selector value \"{value}\". {} must be of the form ${{{kind}_name}} or ${{{kind}_package.{kind}_name}}",
                capitalize(&plural)
            )));
        }
    };
    Ok(move |node: &Node| {
        node.resource_type == resource_type
            && fnmatch(&node.package, &package)
            && fnmatch(&node.name, &name)
    })
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Nodes an fqn selector matches: dbt's `is_selected_node` on the package-scoped fqn or the
/// fqn without its package, answered from the sorted index.
fn fqn_selected(graph: &DbtGraph, selector: &str) -> Vec<NodeId> {
    let index = graph.index();
    let parts: Vec<&str> = selector.split('.').collect();
    // The leaf shortcut: the model's name (a versioned model's name, or `name.vN`/`name_vN`).
    let mut found: Vec<NodeId> = index.with_leaf(selector).to_vec();
    let tail = parts[parts.len().saturating_sub(2)..].join("_");
    found.extend_from_slice(index.with_version_key(&tail));
    // The prefix walk: literal segments must match; from the first wildcard on, the rest of
    // the fqn is fnmatch-ed against the rest of the selector.
    let wildcard_at = parts.iter().position(|part| has_wildcard(part));
    let literal = &parts[..wildcard_at.unwrap_or(parts.len())];
    // dbt 1.11: a wildcard selector without dots also matches the leaf name at any depth
    // (a versioned model's name, not its `vN`).
    if wildcard_at.is_some() && !selector.contains('.') {
        for leaf in index.leaves().filter(|leaf| fnmatch(leaf, selector)) {
            found.extend_from_slice(index.with_leaf(leaf));
        }
    }
    for scoped in [true, false] {
        for (id, segments) in index.fqn_prefixed(literal, scoped) {
            let matched = match wildcard_at {
                None => true,
                Some(at) => {
                    let rest: Vec<&str> = segments.skip(at).collect();
                    rest.len() + at >= parts.len()
                        && fnmatch(&rest.join("."), &parts[at..].join("."))
                }
            };
            if matched {
                found.push(id);
            }
        }
    }
    found
}

/// The root-project paths `path:VALUE` names: the value itself when it is a file or folder of
/// the project, or every project path a glob matches (pathlib semantics: `*` stays in one folder).
fn matching_paths(graph: &DbtGraph, value: &str) -> Result<HashSet<String>, SelectorError> {
    if value.starts_with('/') {
        return Err(SelectorError::invalid(format!(
            "Non-relative patterns are unsupported: \"{value}\""
        )));
    }
    let pattern = normalize_relative(value);
    let tree = graph.root_project_paths();
    if pattern.is_empty() {
        // dbt 1.11 globs the project root itself, which its path matching cannot handle.
        return Err(SelectorError::invalid(format!(
            "`path:{value}` makes dbt fail (\"tuple index out of range\"): select the project's folders instead, e.g. `path:models`"
        )));
    }
    if !has_wildcard(&pattern) {
        return Ok(if tree.contains(pattern.as_str()) {
            HashSet::from([pattern])
        } else {
            HashSet::new()
        });
    }
    let glob = GlobBuilder::new(&pattern)
        .literal_separator(true)
        .backslash_escape(false)
        .build()
        .map_err(|error| {
            SelectorError::invalid(format!("invalid path pattern \"{value}\": {error}"))
        })?
        .compile_matcher();
    Ok(tree
        .iter()
        .filter(|path| glob.is_match(path.as_ref() as &str))
        .map(|path| path.to_string())
        .collect())
}

/// `./models//staging/` → `models/staging`; `.` → `` (the project root).
fn normalize_relative(value: &str) -> String {
    value
        .split('/')
        .filter(|segment| !segment.is_empty() && *segment != ".")
        .collect::<Vec<_>>()
        .join("/")
}

fn path_matches(node: &Node, paths: &HashSet<String>) -> bool {
    if paths.is_empty() {
        return false;
    }
    if paths.contains("") {
        return true;
    }
    let in_paths = |file: &str| {
        paths.contains(file) || ancestors(file).any(|ancestor| paths.contains(ancestor))
    };
    node.file.as_deref().is_some_and(in_paths)
        || node
            .patch_file
            .as_deref()
            .is_some_and(|patch| paths.contains(patch))
}

/// `a/b/c.sql` → `a/b`, `a`.
pub fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').rev().map(move |(i, _)| &path[..i])
}

fn config_matches(graph: &DbtGraph, id: NodeId, criterion: &Criterion) -> bool {
    if criterion.method_args.is_empty() {
        // `config:x` compares against the whole config object and never matches.
        return false;
    }
    let path: Vec<&str> = criterion
        .method_args
        .iter()
        .map(|key| match key.as_str() {
            "pre_hook" => "pre-hook",
            "post_hook" => "post-hook",
            other => other,
        })
        .collect();
    // `materialized` is read with every node: its config need not be decoded again.
    let materialized = match path.as_slice() {
        ["materialized"] => graph.node(id).materialized.as_deref(),
        _ => None,
    };
    let current = match materialized {
        Some(materialized) => Value::String(materialized.to_owned()),
        None => match graph.config_value(id, &path) {
            Some(current) => current,
            None => return false,
        },
    };
    let case_insensitive = criterion.method_args.last().map(String::as_str) == Some("severity");
    let matches_one = |candidate: &Value| -> bool {
        if let Some(typed) = &criterion.typed_value {
            return typed == candidate;
        }
        let selector = criterion.value.as_str();
        match candidate {
            Value::String(text) if case_insensitive => text.eq_ignore_ascii_case(selector),
            Value::String(text) => text == selector,
            Value::Bool(flag) => {
                selector.eq_ignore_ascii_case(if *flag { "true" } else { "false" })
            }
            _ => false,
        }
    };
    match &current {
        Value::Array(items) => items.iter().any(matches_one),
        other => matches_one(other),
    }
}

/// How a model's version compares with its latest version: numerically when both are numbers.
fn version_order(node: &Node) -> Option<std::cmp::Ordering> {
    let version = node.version.as_deref()?;
    let latest = node.latest_version.as_deref()?;
    match (version.parse::<f64>(), latest.parse::<f64>()) {
        (Ok(a), Ok(b)) => a.partial_cmp(&b),
        _ => Some(version.cmp(latest)),
    }
}
