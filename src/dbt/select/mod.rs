//! dbt node selection, with dbt-core's semantics: which nodes a `--select`/`--exclude`/
//! `--selector` call selects on a manifest's graph.

pub mod cosmos;
mod eval;
mod item;
mod methods;
mod pattern;
mod yaml;

use crate::dbt::render::{RenderContext, render_value};
use crate::dbt::vars::Vars;
use std::fmt;

use eval::{Combine, Outcome, combine_outcomes, evaluate};
pub use eval::{ancestors, descendants};
pub use item::{Criterion, IndirectSelection, Method};
pub use pattern::fnmatch;

use crate::dbt::graph::{DbtGraph, NodeSet, ResourceType};

/// A selection expression tree.
#[derive(Debug, Clone)]
pub enum Spec {
    Leaf(Criterion),
    Group {
        combine: Combine,
        members: Vec<Spec>,
        /// The mode used to promote deferred tests once members are combined.
        mode: IndirectSelection,
    },
}

/// Why a selection cannot be computed.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectorError {
    pub message: String,
    pub kind: SelectorErrorKind,
    /// The `--select`/`--exclude` token the error is about, when known.
    pub token: Option<TokenRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectorErrorKind {
    /// dbt itself would fail: an unknown method, a malformed value.
    Invalid,
    /// Valid for dbt, but it depends on something a static check cannot see (`state:`).
    Unresolvable,
}

impl SelectorError {
    pub fn invalid(message: impl Into<String>) -> Self {
        SelectorError {
            message: message.into(),
            kind: SelectorErrorKind::Invalid,
            token: None,
        }
    }

    pub fn unresolvable(message: impl Into<String>) -> Self {
        SelectorError {
            message: message.into(),
            kind: SelectorErrorKind::Unresolvable,
            token: None,
        }
    }

    fn at(mut self, token: TokenRef) -> Self {
        self.token.get_or_insert(token);
        self
    }
}

impl fmt::Display for SelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Which side of the command line a token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    Select,
    Exclude,
}

/// The `index`-th token of one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TokenRef {
    pub side: Side,
    pub index: usize,
}

/// One dbt call's selection arguments. Tokens are already split on spaces (see
/// [`split_tokens`]), so callers can keep each token's source span.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    pub select: Vec<&'a str>,
    pub exclude: Vec<&'a str>,
    pub selector: Option<&'a str>,
    pub indirect: IndirectSelection,
    /// The resource types the command executes (after `--resource-type` narrowing).
    pub resource_types: Vec<ResourceType>,
    /// `dbt ls` and `docs generate` keep nodes with empty code.
    pub include_empty: bool,
    /// The call's `--vars`, which `var()` in `selectors.yml` reads.
    pub vars: Option<&'a Vars>,
}

/// What a call selects.
#[derive(Debug, Clone)]
pub struct Selection {
    /// The selected nodes of the command's resource types: what dbt executes (or lists).
    pub nodes: NodeSet,
    /// Tokens dbt would warn about: "does not match any enabled nodes".
    pub unmatched: Vec<TokenRef>,
    /// The YAML selector used (named by `--selector`, or the project's default).
    pub yaml_selector: Option<String>,
}

/// dbt splits every selection argument on single spaces: `"a b"` is two tokens.
/// Yields each token with its byte offset in `argument`.
pub fn split_tokens(argument: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    argument.split(' ').map(move |token| {
        let start = offset;
        offset += token.len() + 1;
        (start, token)
    })
}

/// The nodes of `resource_types` that selectors written as on dbt's command line select
/// (a rule's option such as `exclude = ["tag:manual"]`); an invalid selection selects none.
pub fn nodes_matching(
    graph: &DbtGraph,
    selectors: &[String],
    resource_types: &[ResourceType],
) -> NodeSet {
    if selectors.is_empty() {
        return graph.empty_set();
    }
    let request = Request {
        select: selectors
            .iter()
            .flat_map(|s| split_tokens(s).map(|(_, t)| t))
            .collect(),
        resource_types: resource_types.to_vec(),
        ..Request::default()
    };
    select(graph, &request).map_or_else(|_| graph.empty_set(), |s| s.nodes)
}

/// Checks a selection argument written as on dbt's command line (a config's selector) the way
/// dbt parses it, before any graph is loaded; methods that need other artifacts (`state:`,
/// `result:`) are refused, as one manifest cannot resolve them.
pub fn check_syntax(argument: &str) -> Result<(), SelectorError> {
    let tokens: Vec<&str> = split_tokens(argument).map(|(_, token)| token).collect();
    if tokens.iter().all(|token| token.is_empty()) {
        return Err(SelectorError::invalid("the selector is empty"));
    }
    for spec in parse_tokens(Side::Select, &tokens, IndirectSelection::default())? {
        let Spec::Group { members, .. } = spec else {
            continue;
        };
        for member in members {
            if let Spec::Leaf(criterion) = member
                && criterion.method.needs_other_artifacts()
            {
                return Err(SelectorError::unresolvable(format!(
                    "`{}:` needs artifacts besides the manifest",
                    criterion.method.as_str()
                )));
            }
        }
    }
    Ok(())
}

/// Selects nodes for one dbt call, as dbt-core's `NodeSelector.get_selected` does.
pub fn select(graph: &DbtGraph, request: &Request) -> Result<Selection, SelectorError> {
    let named = match request.selector {
        Some(name) => Some(find_selector(graph, name)?),
        None if request.select.is_empty() && request.exclude.is_empty() => {
            graph.selectors.iter().find(|s| s.is_default)
        }
        None => None,
    };
    let mut unmatched = Vec::new();
    let outcome = match named {
        Some(selector) => {
            let rendered = match &selector.template {
                Some(template) => {
                    let context = RenderContext {
                        cli_vars: request.vars,
                        env: &|name| std::env::var(name).ok(),
                    };
                    render_value(template, &context).map_err(|reason| {
                        SelectorError::unresolvable(format!(
                            "the YAML selector `{}` is not statically known: {reason}",
                            selector.name
                        ))
                    })?
                }
                None => selector.definition.clone(),
            };
            let spec = yaml::spec_from_definition(&rendered, request.indirect)?;
            evaluate(graph, &spec, request.indirect)?
        }
        None => {
            // dbt builds the whole spec before evaluating it: a bad token fails the call.
            let select_specs = parse_tokens(Side::Select, &request.select, request.indirect)?;
            let exclude_specs = parse_tokens(Side::Exclude, &request.exclude, request.indirect)?;
            let included = if request.select.is_empty() {
                let mut everything = graph.empty_set();
                everything.insert_range(..);
                Outcome {
                    direct: everything.clone(),
                    all: everything,
                }
            } else {
                union_of_tokens(
                    graph,
                    Side::Select,
                    &select_specs,
                    request.indirect,
                    &mut unmatched,
                )?
            };
            let excluded = union_of_tokens(
                graph,
                Side::Exclude,
                &exclude_specs,
                request.indirect,
                &mut unmatched,
            )?;
            // Since dbt 1.8 the CLI difference combines eagerly.
            combine_outcomes(
                graph,
                Combine::Difference,
                vec![included, excluded],
                IndirectSelection::Eager,
            )
        }
    };
    let mut nodes = outcome.direct;
    let keep: Vec<usize> = nodes
        .ones()
        .filter(|&index| {
            let node = graph.node(crate::dbt::graph::NodeId(index as u32));
            request.resource_types.contains(&node.resource_type)
                && (request.include_empty || !node.is_empty())
        })
        .collect();
    nodes.clear();
    nodes.extend(keep);
    Ok(Selection {
        nodes,
        unmatched,
        yaml_selector: named.map(|s| s.name.clone()),
    })
}

/// Each token of a CLI side as the intersection of its comma-separated items.
fn parse_tokens(
    side: Side,
    tokens: &[&str],
    mode: IndirectSelection,
) -> Result<Vec<Spec>, SelectorError> {
    tokens
        .iter()
        .enumerate()
        .map(|(index, token)| {
            let members = token
                .split(',')
                .map(|item| Criterion::parse(item).map(Spec::Leaf))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|error| error.at(TokenRef { side, index }))?;
            Ok(Spec::Group {
                combine: Combine::Intersection,
                members,
                mode,
            })
        })
        .collect()
}

/// A CLI side: the union of its tokens. Records tokens whose selection is empty.
fn union_of_tokens(
    graph: &DbtGraph,
    side: Side,
    specs: &[Spec],
    mode: IndirectSelection,
    unmatched: &mut Vec<TokenRef>,
) -> Result<Outcome, SelectorError> {
    // Folded as they come: a command line of many tokens never holds a node set per token.
    let mut failure = None;
    let outcomes = specs.iter().enumerate().map_while(|(index, spec)| {
        let at = TokenRef { side, index };
        match evaluate(graph, spec, mode) {
            Ok(outcome) => {
                if outcome.direct.is_clear() {
                    unmatched.push(at);
                }
                Some(outcome)
            }
            Err(error) => {
                failure = Some(error.at(at));
                None
            }
        }
    });
    let combined = combine_outcomes(graph, Combine::Union, outcomes, mode);
    match failure {
        Some(error) => Err(error),
        None => Ok(combined),
    }
}

fn find_selector<'g>(
    graph: &'g DbtGraph,
    name: &str,
) -> Result<&'g crate::dbt::graph::YamlSelector, SelectorError> {
    graph
        .selectors
        .iter()
        .find(|selector| selector.name == name)
        .ok_or_else(|| {
            let mut names: Vec<&str> = graph.selectors.iter().map(|s| s.name.as_str()).collect();
            names.sort_unstable();
            SelectorError::invalid(format!(
                "Could not find selector named {name}, expected one of {names:?}"
            ))
        })
}
