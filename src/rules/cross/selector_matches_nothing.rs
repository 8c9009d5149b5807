//! X002: a `--select`/`--exclude` token that matches nothing: dbt only warns, the task stays
//! green and runs less than intended.

use std::borrow::Cow;
use std::collections::HashMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::cli::SelectorDialect;
use crate::dbt::graph::{DbtGraph, ResourceType};
use crate::dbt::select::{self, Criterion, Method, Request, Side};
use crate::diagnostic::Label;
use crate::link::{Monorepo, Resolution, Token};
use crate::rules::did_you_mean::closest;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// X002; it has no options (an empty `[rules.selector-matches-nothing]` is allowed).
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct SelectorMatchesNothing {}

declare_rule!(SelectorMatchesNothing {
    code: "X002",
    name: "selector-matches-nothing",
    group: Correctness,
    preset: Recommended,
    severity: Error,
});

impl Rule for SelectorMatchesNothing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        let mut candidates = Candidates::default();
        for run in &repo.runs {
            let (Some(project), Resolution::Selected { tokens, .. }) =
                (run.project, &run.resolution)
            else {
                continue;
            };
            let graph = &repo.projects[project].graph;
            let dialect = repo
                .call_of(run)
                .map_or(SelectorDialect::Dbt, |call| call.dialect);
            let mut after_flag = false;
            for token in tokens {
                // `-s 'tag:a -t prd'`: the quote swallowed a flag, which dbt reads as a
                // selector; its value (`prd`) is part of the same mistake.
                let is_flag = token.text.starts_with('-');
                let value_of_flag = std::mem::replace(&mut after_flag, is_flag && !token.matched);
                if token.matched || (value_of_flag && !is_flag) {
                    continue;
                }
                if is_flag {
                    let diagnostic = report
                        .diagnostic(
                            format!("`{}` is a dbt flag inside the selection", token.text),
                            Label::new(
                                token.span.clone(),
                                "dbt reads this as a selector, not a flag: the flag is not applied",
                            ),
                        )
                        .with_help(format!(
                            "end the quoted selection before `{}` so dbt reads it as a flag",
                            token.text
                        ));
                    report.emit(diagnostic);
                    continue;
                }
                let suggestion = suggestion(graph, project, token, dialect, &mut candidates);
                // `--exclude tag:deprecated` in every DAG is a guard: idle until a node gets
                // the tag. Only a near miss of an existing tag is a slip.
                if token.side == Side::Exclude && suggestion.is_none() && is_tag_guard(&token.text)
                {
                    continue;
                }
                let (message, label) = match token.side {
                    Side::Select => (
                        format!("selector `{}` matches no enabled node", token.text),
                        match dialect {
                            SelectorDialect::CosmosManifest => {
                                "no task is rendered for this, and Cosmos says nothing"
                            }
                            SelectorDialect::Dbt => {
                                "dbt only warns and runs nothing for this; the task still succeeds"
                            }
                        },
                    ),
                    Side::Exclude => (
                        format!("exclude selector `{}` matches no enabled node", token.text),
                        "this excludes nothing",
                    ),
                };
                let mut diagnostic =
                    report.diagnostic(message, Label::new(token.span.clone(), label));
                if let Some(help) = suggestion {
                    diagnostic = diagnostic.with_help(help);
                }
                report.emit(diagnostic);
            }
        }
    }
}

/// A hint for the first item of the token that matches nothing on its own.
fn suggestion<'g>(
    graph: &'g DbtGraph,
    project: usize,
    token: &Token,
    dialect: SelectorDialect,
    candidates: &mut Candidates<'g>,
) -> Option<String> {
    if dialect == SelectorDialect::CosmosManifest && token.text.contains(' ') {
        return Some(
            "Cosmos does not split `select` elements on spaces: give each selector its own list element"
                .to_owned(),
        );
    }
    let item = token
        .text
        .split(',')
        .find(|item| matches_nothing(graph, item))?;
    let criterion = Criterion::parse(item).ok()?;
    let value = criterion.value.as_str();
    if criterion.method == Method::Fqn
        && let Some(disabled) = graph.disabled.iter().find(|node| &*node.name == value)
    {
        return Some(format!(
            "`{}` is disabled (`enabled: false`), so dbt never selects it",
            disabled.name
        ));
    }
    let names = candidates.of(graph, project, criterion.method)?;
    let best = closest(value, names.iter().map(|name| &**name))?;
    let fixed = token.text.replacen(item, &item.replacen(value, best, 1), 1);
    Some(format!("did you mean `{fixed}`?"))
}

/// The names a selector method compares against, per project, sorted and without repeats:
/// gathered once per method, however many tokens miss.
#[derive(Default)]
struct Candidates<'g>(HashMap<(usize, Method), Option<Vec<Cow<'g, str>>>>);

impl<'g> Candidates<'g> {
    fn of(
        &mut self,
        graph: &'g DbtGraph,
        project: usize,
        method: Method,
    ) -> Option<&[Cow<'g, str>]> {
        self.0
            .entry((project, method))
            .or_insert_with(|| candidate_names(graph, method))
            .as_deref()
    }
}

fn candidate_names(graph: &DbtGraph, method: Method) -> Option<Vec<Cow<'_, str>>> {
    let mut names: Vec<Cow<'_, str>> = match method {
        Method::Tag => graph.all_tags().into_iter().map(Cow::Borrowed).collect(),
        Method::Fqn => graph
            .nodes()
            .filter(|(_, node)| node.resource_type != ResourceType::Source)
            .map(|(_, node)| Cow::Borrowed(&*node.name))
            .chain(graph.nodes().map(|(_, node)| Cow::Borrowed(&*node.package)))
            .collect(),
        Method::Path => graph
            .root_project_paths()
            .iter()
            .map(|path| Cow::Borrowed(&**path))
            .collect(),
        Method::Source => graph
            .nodes()
            .filter_map(|(_, node)| {
                let source = node.source_name.as_ref()?;
                Some(Cow::Owned(format!("{source}.{}", node.name)))
            })
            .collect(),
        Method::Exposure => graph
            .nodes()
            .filter(|(_, node)| node.resource_type == ResourceType::Exposure)
            .map(|(_, node)| Cow::Borrowed(&*node.name))
            .collect(),
        Method::Package => graph
            .nodes()
            .map(|(_, node)| Cow::Borrowed(&*node.package))
            .collect(),
        Method::Group => graph
            .groups
            .iter()
            .map(|group| Cow::Borrowed(&*group.name))
            .collect(),
        _ => return None,
    };
    // Every node names its package: each name is compared once.
    names.sort_unstable();
    names.dedup();
    Some(names)
}

/// Whether a selector is a tag alone (`tag:deprecated`): no graph operator, no intersection.
fn is_tag_guard(text: &str) -> bool {
    !text.contains(',')
        && Criterion::parse(text).is_ok_and(|criterion| {
            criterion.method == Method::Tag
                && !(criterion.parents || criterion.children || criterion.childrens_parents)
        })
}

fn matches_nothing(graph: &DbtGraph, item: &str) -> bool {
    let request = Request {
        select: vec![item],
        resource_types: crate::dbt::graph::ResourceType::ALL.to_vec(),
        include_empty: true,
        ..Request::default()
    };
    select::select(graph, &request).is_ok_and(|selection| !selection.unmatched.is_empty())
}
