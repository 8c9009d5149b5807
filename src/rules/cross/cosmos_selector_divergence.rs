//! X007: a Cosmos rendering from a manifest whose selection Cosmos reads differently from dbt:
//! the DAG gets other tasks than `dbt build` with the same selection would run.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::cli::{DbtCall, SelectorDialect};
use crate::dbt::graph::{DbtGraph, NodeId, ResourceType};
use crate::dbt::resolve;
use crate::dbt::select::cosmos::{self, CosmosSelection};
use crate::dbt::select::{self, Request, Side};
use crate::diagnostic::Label;
use crate::link::{Monorepo, Resolution, Token};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// X007; it has no options (an empty `[rules.cosmos-selector-divergence]` is allowed).
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct CosmosSelectorDivergence {}

declare_rule!(CosmosSelectorDivergence {
    code: "X007",
    name: "cosmos-selector-divergence",
    group: Correctness,
    preset: Recommended,
    severity: Warning,
});

/// The resource types that become work (tasks) in a rendering. Tests are left out: Cosmos
/// attaches every selected node's tests by design, which is not a reading of the selector.
const EXECUTED: [ResourceType; 3] = [
    ResourceType::Model,
    ResourceType::Seed,
    ResourceType::Snapshot,
];

impl Rule for CosmosSelectorDivergence {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for run in &repo.runs {
            let (Some(project), Some(call), Resolution::Selected { nodes, tokens, .. }) =
                (run.project, repo.call_of(run), &run.resolution)
            else {
                continue;
            };
            if call.dialect != SelectorDialect::CosmosManifest {
                continue;
            }
            let graph = &repo.projects[project].graph;
            let cosmos_nodes = executed(graph, nodes.iter().copied());
            let Some(dbt_nodes) = dbt_selection(graph, call) else {
                continue;
            };
            if cosmos_nodes == dbt_nodes {
                continue;
            }
            let Some(culprits) = culprit_tokens(graph, call, tokens) else {
                continue;
            };
            let divergence = Divergence::between(graph, &cosmos_nodes, &dbt_nodes);
            let primary = culprits
                .first()
                .map(|token| token.span.clone())
                .or_else(|| call.selector.as_ref().map(|s| s.span.clone()))
                .unwrap_or_else(|| call.span.clone());
            let subject = match culprits.first() {
                Some(token) => format!("`{}`", token.text),
                None => match &call.selector {
                    Some(name) => format!("YAML selector `{}`", name.value),
                    None => "this selection".to_owned(),
                },
            };
            let mut diagnostic = report
                .diagnostic(
                    format!(
                        "{subject} {} other nodes in Cosmos than in dbt",
                        match culprits.first() {
                            Some(token) if token.side == Side::Exclude => "excludes",
                            _ => "selects",
                        }
                    ),
                    Label::new(primary, divergence.describe()),
                )
                .with_help(help(call, &culprits));
            for token in culprits.iter().skip(1) {
                diagnostic = diagnostic.with_label(Label::new(
                    token.span.clone(),
                    "read differently by Cosmos too",
                ));
            }
            report.emit(diagnostic);
        }
    }
}

/// The executed nodes among `nodes`, sorted.
fn executed(graph: &DbtGraph, nodes: impl Iterator<Item = NodeId>) -> Vec<NodeId> {
    let mut kept: Vec<NodeId> = nodes
        .filter(|&id| EXECUTED.contains(&graph.node(id).resource_type))
        .collect();
    kept.sort();
    kept
}

/// What dbt itself would run for the same arguments (Cosmos' `LoadMode.DBT_LS` passes them to
/// `dbt ls`). `None` when dbt would reject them or cannot be resolved: other rules say so.
fn dbt_selection(graph: &DbtGraph, call: &DbtCall) -> Option<Vec<NodeId>> {
    let mut as_dbt = call.clone();
    as_dbt.dialect = SelectorDialect::Dbt;
    match resolve::selection(graph, &as_dbt) {
        Resolution::Selected { nodes, .. } => Some(executed(graph, nodes.into_iter())),
        _ => None,
    }
}

/// The `select`/`exclude` elements that select different nodes on their own. `None` when the
/// difference comes from a `select` element Cosmos matches to nothing: `selector-matches-nothing`
/// reports that one.
fn culprit_tokens<'t>(
    graph: &DbtGraph,
    call: &DbtCall,
    tokens: &'t [Token],
) -> Option<Vec<&'t Token>> {
    let project_dir = call
        .project_dir
        .as_ref()
        .map_or("", |dir| dir.value.as_str());
    let alone = |token: &Token| -> Option<(Vec<NodeId>, Vec<NodeId>)> {
        let cosmos = cosmos::cosmos_select(graph, project_dir, &[&token.text], &[]).ok()?;
        let request = Request {
            select: select::split_tokens(&token.text).map(|(_, t)| t).collect(),
            resource_types: EXECUTED.to_vec(),
            ..Request::default()
        };
        let dbt = select::select(graph, &request).ok()?;
        Some((
            executed(graph, ones(&cosmos)),
            executed(graph, dbt.nodes.ones().map(|i| NodeId(i as u32))),
        ))
    };
    let select_culprits: Vec<&Token> = tokens
        .iter()
        .filter(|token| token.side == Side::Select)
        .filter(|token| {
            alone(token).is_some_and(|(cosmos, dbt)| !cosmos.is_empty() && cosmos != dbt)
        })
        .collect();
    if !select_culprits.is_empty() || call.selector.is_some() {
        return Some(select_culprits);
    }
    if tokens
        .iter()
        .any(|token| token.side == Side::Select && !token.matched)
    {
        return None;
    }
    // The selects agree one by one, so the excludes make the difference.
    Some(
        tokens
            .iter()
            .filter(|token| token.side == Side::Exclude && token.matched)
            .collect(),
    )
}

fn ones(selection: &CosmosSelection) -> impl Iterator<Item = NodeId> + '_ {
    selection.nodes.ones().map(|i| NodeId(i as u32))
}

/// The nodes only one of the two would run.
struct Divergence {
    only_cosmos: Vec<String>,
    only_dbt: Vec<String>,
}

impl Divergence {
    fn between(graph: &DbtGraph, cosmos: &[NodeId], dbt: &[NodeId]) -> Divergence {
        let names = |from: &[NodeId], not_in: &[NodeId]| -> Vec<String> {
            from.iter()
                .filter(|id| not_in.binary_search(id).is_err())
                .map(|&id| graph.node(id).selector_name())
                .collect()
        };
        Divergence {
            only_cosmos: names(cosmos, dbt),
            only_dbt: names(dbt, cosmos),
        }
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.only_cosmos.is_empty() {
            parts.push(format!(
                "rendered by Cosmos, not selected by dbt: {}",
                listing(&self.only_cosmos)
            ));
        }
        if !self.only_dbt.is_empty() {
            parts.push(format!(
                "selected by dbt, left out by Cosmos: {}",
                listing(&self.only_dbt)
            ));
        }
        parts.join("; ")
    }
}

/// `fct_a, fct_b and 3 more`: enough names to recognise, bounded for big graphs.
fn listing(names: &[String]) -> String {
    const SHOWN: usize = 3;
    let shown: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    match names.len() {
        n if n <= SHOWN => shown.join(", "),
        n => format!("{} and {} more", shown.join(", "), n - SHOWN),
    }
}

/// Advice for the elements at fault, most specific first.
fn help(call: &DbtCall, culprits: &[&Token]) -> String {
    const RENDER_WITH_DBT: &str =
        "or render with `LoadMode.DBT_LS`, where dbt itself reads the selection";
    if call.selector.is_some() && culprits.is_empty() {
        return format!(
            "Cosmos translates YAML selectors into select/exclude lists and loses parts of \
             some definitions (an `exclude` inside an `intersection`, `indirect_selection`, \
             ...): write the selection as `select`/`exclude` lists, {RENDER_WITH_DBT}"
        );
    }
    if let Some(token) = culprits.first() {
        if token.side == Side::Exclude {
            return format!(
                "Cosmos evaluates `exclude` only among the selected nodes, so its graph \
                 operators stop at the selection's edge: exclude the nodes by name, \
                 {RENDER_WITH_DBT}"
            );
        }
        if token.text.contains(',') {
            return format!(
                "Cosmos reads comma-joined names (and `source:`, `exposure:`, `package:` \
                 items) as a union, dbt reads a comma as an intersection: give each name its \
                 own list element, {RENDER_WITH_DBT}"
            );
        }
        if !token.text.contains(':') {
            return format!(
                "Cosmos matches a bare name against every folder of the file's path on the \
                 worker, and against package names: use an explicit method (`fqn:`, \
                 `path:`), {RENDER_WITH_DBT}"
            );
        }
    }
    format!("write the selection so both agree, {RENDER_WITH_DBT}")
}
