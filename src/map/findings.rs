//! The findings of the cross-layer rules (codes `X…`) on the map: each with the tasks whose dbt
//! calls it points at and the models it is about, so the picture can mark them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::link::{Monorepo, Resolution};
use crate::source::Span;

use super::{ModelEntry, TaskRefEntry};

/// A finding `monolint check` reports (same config, same suppressions) about what DAGs run.
#[derive(Debug, Serialize)]
pub struct FindingEntry {
    pub code: &'static str,
    pub name: &'static str,
    /// `error`, `warning` or `info`.
    pub severity: &'static str,
    pub message: String,
    /// Where it points: a selector in a DAG file, a model's YAML entry...
    pub file: String,
    pub line: usize,
    /// The tasks whose dbt calls, selections or operators it points at, sorted.
    pub tasks: Vec<TaskRefEntry>,
    /// The models of the map it is about, sorted.
    pub models: Vec<ModelKey>,
}

/// A model of the map (`models[]`), by project and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ModelKey {
    pub project: String,
    pub name: String,
}

/// Whether a rule's findings belong on the map: the cross-layer rules, which are about what
/// the DAGs run.
fn on_the_map(diagnostic: &Diagnostic) -> bool {
    diagnostic.rule.code.starts_with('X')
}

/// The map's findings, in the check's order (by file and position).
pub fn findings(
    repo: &Monorepo,
    diagnostics: &[Diagnostic],
    models: &[ModelEntry],
) -> Vec<FindingEntry> {
    let places = task_places(repo);
    // The places by file: a finding is matched with the places in its own files only (each
    // finding against every task's places grew with their product on large inputs).
    let mut places_in: HashMap<&str, Vec<(&TaskRefEntry, &Span)>> = HashMap::new();
    for (task, within) in &places {
        for outer in within {
            places_in
                .entry(outer.file.path())
                .or_default()
                .push((task, outer));
        }
    }
    let mapped: BTreeSet<(&str, &str)> = models
        .iter()
        .map(|model| (model.project.as_str(), model.name.as_str()))
        .collect();
    diagnostics
        .iter()
        .filter(|diagnostic| on_the_map(diagnostic))
        .map(|diagnostic| {
            let spans: Vec<&Span> = std::iter::once(&diagnostic.primary.span)
                .chain(diagnostic.labels.iter().map(|label| &label.span))
                .collect();
            let tasks: BTreeSet<TaskRefEntry> = spans
                .iter()
                .flat_map(|span| {
                    (places_in.get(span.file.path()).into_iter().flatten())
                        .filter(|(_, outer)| inside(span, outer))
                        .map(|(task, _)| (*task).clone())
                })
                .collect();
            let models: BTreeSet<ModelKey> = diagnostic
                .subjects
                .iter()
                .filter_map(|subject| {
                    let project = repo.projects.get(subject.project)?;
                    let name = &*project.graph.node(subject.node).name;
                    mapped
                        .contains(&(project.name.as_str(), name))
                        .then(|| ModelKey {
                            project: project.name.clone(),
                            name: name.to_owned(),
                        })
                })
                .collect();
            let span = &diagnostic.primary.span;
            FindingEntry {
                code: diagnostic.rule.code,
                name: diagnostic.rule.name,
                severity: diagnostic.severity.as_str(),
                message: diagnostic.message.clone(),
                file: span.file.path().to_owned(),
                line: span.start_line_col().line,
                tasks: tasks.into_iter().collect(),
                models: models.into_iter().collect(),
            }
        })
        .collect()
}

/// For each task of a DAG that runs dbt: where its dbt calls are written. A selection may be
/// written far from the task (a helper function's constant), so its arguments count, not
/// only the operator call.
fn task_places(repo: &Monorepo) -> BTreeMap<TaskRefEntry, Vec<&Span>> {
    let mut places: BTreeMap<TaskRefEntry, Vec<&Span>> = BTreeMap::new();
    for run in &repo.runs {
        let Some(dag) = repo.dag_of(run.task) else {
            continue;
        };
        let task = repo.task(run.task);
        let key = TaskRefEntry {
            dag_id: dag.id().to_owned(),
            task_id: task.id().to_owned(),
        };
        let mut spans = vec![task.span()];
        if let Some(call) = repo.call_of(run) {
            spans.push(&call.span);
            spans.extend(call.select.iter().map(|arg| &arg.span));
            spans.extend(call.exclude.iter().map(|arg| &arg.span));
            spans.extend(call.selector.iter().map(|arg| &arg.span));
        }
        if let Resolution::Selected { tokens, .. } = &run.resolution {
            spans.extend(tokens.iter().map(|token| &token.span));
        }
        places.entry(key).or_default().extend(spans);
    }
    places
}

/// Whether `span` lies within `outer`, in the same file.
fn inside(span: &Span, outer: &Span) -> bool {
    span.file.path() == outer.file.path() && outer.start <= span.start && span.end <= outer.end
}
