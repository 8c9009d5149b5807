//! What one dbt call selects in a project's graph: its arguments read with dbt's rules
//! (tokens, resource types, indirect selection) and evaluated by the selector engine.

use super::cli::{DbtCall, SelectorDialect};
use super::command::DbtCommand;
use super::graph::{DbtGraph, NodeId, ResourceType};
use super::select::cosmos::render::{self, RenderedTask};
use super::select::cosmos::{self, CosmosSelectError};
use super::select::{
    self, IndirectSelection, Request, SelectorErrorKind, Side, TokenRef, split_tokens,
};
use crate::source::{Span, Spanned};

/// What a dbt call runs.
#[derive(Debug)]
pub enum Resolution {
    /// The call's selection, resolved with dbt's semantics (Cosmos' for a Cosmos rendering from
    /// a manifest: the tasks it renders).
    Selected {
        /// The executed nodes, sorted (sparse: a task runs few of a large graph's nodes).
        nodes: Vec<NodeId>,
        tokens: Vec<Token>,
        /// The YAML selector used, if any (named, or the project's default).
        yaml_selector: Option<String>,
        /// The tasks a Cosmos rendering creates for the selection, when their ids can be known.
        rendered: Option<Vec<RenderedTask>>,
    },
    /// dbt would reject the selection (for a Cosmos rendering from a manifest: Cosmos does, and
    /// the DAG file fails to import).
    Invalid { message: String, span: Span },
    /// The selection (or project) cannot be known statically.
    Unresolved { reason: String, span: Span },
    /// A command that runs no nodes (`deps`, `debug`, `run-operation`...).
    NoSelection,
}

/// One `--select`/`--exclude` token as written in the DAG file.
#[derive(Debug, Clone)]
pub struct Token {
    pub side: Side,
    pub text: String,
    pub span: Span,
    /// Whether the token selects anything (dbt warns "does not match any enabled nodes").
    pub matched: bool,
}

/// Resolves a call's selection on `graph`. Arguments must be fully known (templated ones are
/// the caller's business).
pub fn selection(graph: &DbtGraph, call: &DbtCall) -> Resolution {
    if !call.command.selects_nodes() {
        return Resolution::NoSelection;
    }
    let mut tokens = Vec::new();
    for (side, args) in [(Side::Select, &call.select), (Side::Exclude, &call.exclude)] {
        for arg in args {
            for (text, span) in tokens_of(arg, call.dialect) {
                tokens.push(Token {
                    side,
                    text,
                    span,
                    matched: true,
                });
            }
        }
    }
    let include: Vec<&str> = call
        .resource_types
        .iter()
        .flat_map(|a| a.value.split(' '))
        .collect();
    let exclude: Vec<&str> = call
        .exclude_resource_types
        .iter()
        .flat_map(|a| a.value.split(' '))
        .collect();
    let mut resource_types = match call.command.resource_types(&include, &exclude) {
        Ok(types) => types,
        Err(message) => {
            let span = call
                .resource_types
                .first()
                .map_or(call.span.clone(), |a| a.span.clone());
            return Resolution::Invalid { message, span };
        }
    };
    if call.models_flag && call.command == DbtCommand::List {
        resource_types = vec![ResourceType::Model];
    }
    if call.dialect == SelectorDialect::CosmosManifest {
        return cosmos_rendering(graph, call, tokens, &resource_types);
    }
    let indirect = match &call.indirect_selection {
        Some(mode) => match IndirectSelection::parse(&mode.value) {
            Some(mode) => mode,
            None => {
                return Resolution::Invalid {
                    message: format!(
                        "'{}' is not one of 'eager', 'cautious', 'buildable', 'empty'",
                        mode.value
                    ),
                    span: mode.span.clone(),
                };
            }
        },
        None => IndirectSelection::Eager,
    };
    let side_tokens = |side: Side| {
        tokens
            .iter()
            .filter(|t| t.side == side)
            .map(|t| t.text.as_str())
            .collect()
    };
    let request = Request {
        select: side_tokens(Side::Select),
        exclude: side_tokens(Side::Exclude),
        selector: call.selector.as_ref().map(|s| s.value.as_str()),
        indirect,
        resource_types,
        include_empty: call.command == DbtCommand::List,
        vars: call.vars.as_ref(),
    };
    match select::select(graph, &request) {
        Ok(selection) => {
            // Cosmos renders what `dbt ls` lists for the same selection, with their tests.
            let rendered = call.cosmos.as_ref().and_then(|options| {
                let listed = select::select(
                    graph,
                    &Request {
                        resource_types: DbtCommand::List.resource_types(&[], &[]).ok()?,
                        include_empty: true,
                        ..request
                    },
                )
                .ok()?;
                let filtered = cosmos::with_attached_tests(graph, &listed.nodes);
                rendered_tasks(graph, call, &filtered, options)
            });
            mark_unmatched(&mut tokens, &selection.unmatched);
            let nodes = match &rendered {
                Some(tasks) => executed_by(tasks),
                None => selection
                    .nodes
                    .ones()
                    .map(|i| NodeId(i as u32))
                    .filter(|&id| call.command.executes(graph.node(id)))
                    .collect(),
            };
            Resolution::Selected {
                nodes,
                tokens,
                yaml_selector: selection.yaml_selector,
                rendered,
            }
        }
        Err(error) => {
            let span = error_span(&tokens, error.token, call);
            match error.kind {
                SelectorErrorKind::Invalid => Resolution::Invalid {
                    message: error.message,
                    span,
                },
                SelectorErrorKind::Unresolvable => Resolution::Unresolved {
                    reason: error.message,
                    span,
                },
            }
        }
    }
}

/// A Cosmos `DbtDag`/`DbtTaskGroup` rendered from a manifest: Cosmos' own selector decides
/// which nodes get tasks (each element is one token), and each selected node's tests run with
/// it. When Cosmos rejects the selection the DAG file does not import.
fn cosmos_rendering(
    graph: &DbtGraph,
    call: &DbtCall,
    mut tokens: Vec<Token>,
    resource_types: &[ResourceType],
) -> Resolution {
    let project_dir = call
        .project_dir
        .as_ref()
        .map_or("", |dir| dir.value.as_str());
    let result = match &call.selector {
        Some(name) => cosmos::cosmos_select_yaml(graph, project_dir, &name.value),
        None => {
            let side = |side: Side| -> Vec<&str> {
                tokens
                    .iter()
                    .filter(|t| t.side == side)
                    .map(|t| t.text.as_str())
                    .collect()
            };
            cosmos::cosmos_select(
                graph,
                project_dir,
                &side(Side::Select),
                &side(Side::Exclude),
            )
        }
    };
    match result {
        Ok(selection) => {
            mark_unmatched(&mut tokens, &selection.unmatched);
            let filtered = cosmos::with_attached_tests(graph, &selection.nodes);
            let rendered = call
                .cosmos
                .as_ref()
                .and_then(|options| rendered_tasks(graph, call, &filtered, options));
            // What runs: what the rendered tasks run; else, as for dbt's own selection, the
            // command's resource types, no empty nodes.
            let nodes = match &rendered {
                Some(tasks) => executed_by(tasks),
                None => filtered
                    .ones()
                    .map(|i| NodeId(i as u32))
                    .filter(|&id| {
                        let node = graph.node(id);
                        resource_types.contains(&node.resource_type)
                            && !node.is_empty()
                            && call.command.executes(node)
                    })
                    .collect(),
            };
            Resolution::Selected {
                nodes,
                tokens,
                yaml_selector: call.selector.as_ref().map(|s| s.value.clone()),
                rendered,
            }
        }
        Err(CosmosSelectError { message, token, .. }) => Resolution::Invalid {
            message,
            span: error_span(&tokens, token, call),
        },
    }
}

/// Records which tokens select nothing (`unmatched` counts tokens per side).
fn mark_unmatched(tokens: &mut [Token], unmatched: &[TokenRef]) {
    let unmatched: std::collections::BTreeSet<TokenRef> = unmatched.iter().copied().collect();
    let mut per_side = [0usize, 0usize];
    for token in tokens {
        let side_index = token.side as usize;
        let index = per_side[side_index];
        per_side[side_index] += 1;
        token.matched = !unmatched.contains(&TokenRef {
            side: token.side,
            index,
        });
    }
}

/// Where to point at a rejected selection: the token at fault, else the selector, else the call.
fn error_span(tokens: &[Token], at: Option<TokenRef>, call: &DbtCall) -> Span {
    at.and_then(|at| tokens.iter().filter(|t| t.side == at.side).nth(at.index))
        .map(|t| t.span.clone())
        .or_else(|| call.selector.as_ref().map(|s| s.span.clone()))
        .unwrap_or_else(|| call.span.clone())
}

/// Splits a selection argument into tokens (dbt splits on spaces; Cosmos' manifest renderer
/// does not), each with the span of its text in the DAG file where that can be found.
fn tokens_of(arg: &Spanned<String>, dialect: SelectorDialect) -> Vec<(String, Span)> {
    let source = arg.span.text();
    let pieces: Vec<(usize, &str)> = match dialect {
        SelectorDialect::Dbt => split_tokens(&arg.value).collect(),
        SelectorDialect::CosmosManifest => vec![(0, arg.value.as_str())],
    };
    let mut search_from = 0;
    pieces
        .into_iter()
        .map(|(_, token)| {
            let span = match source.get(search_from..).and_then(|rest| rest.find(token)) {
                Some(at) if !token.is_empty() => {
                    let start = search_from + at;
                    search_from = start + token.len();
                    arg.span.subspan(start..start + token.len())
                }
                _ => arg.span.clone(),
            };
            (token.to_owned(), span)
        })
        .collect()
}

/// The tasks a Cosmos rendering creates for its filtered nodes; `None` when their ids cannot be
/// known (a `normalize_task_id`, an argument monolint cannot read). The project is named, as
/// Cosmos names it, after its folder when the DAG file gives no name.
fn rendered_tasks(
    graph: &DbtGraph,
    call: &DbtCall,
    filtered: &crate::dbt::graph::NodeSet,
    options: &render::RenderOptions,
) -> Option<Vec<RenderedTask>> {
    if options.opaque.is_some() {
        return None;
    }
    let folder = call
        .project_dir
        .as_ref()
        .and_then(|dir| dir.value.trim_end_matches('/').rsplit('/').next())
        .filter(|name| !name.is_empty())
        .unwrap_or(&graph.project_name);
    Some(render::render(graph, filtered, options, folder))
}

/// The nodes a rendering's tasks execute, sorted and once each (seeds drawn only, tests under
/// `TestBehavior.NONE` and sources without freshness run nothing).
fn executed_by(tasks: &[RenderedTask]) -> Vec<NodeId> {
    let mut nodes: Vec<NodeId> = tasks
        .iter()
        .flat_map(|task| task.runs.iter().copied())
        .collect();
    nodes.sort();
    nodes.dedup();
    nodes
}
