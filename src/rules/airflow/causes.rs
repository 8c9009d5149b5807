//! One finding per cause for the DAG rules. A DAG lacks something (an owner, retries,
//! alerting) or carries a mistake because of one place: its `default_args`, often a dict that
//! several DAGs share, or its own call, which a loop may run for several DAGs. Each place is
//! one finding, listing its DAGs. When every DAG of the repository lacks it, that is the
//! team's convention, and when the same mistake is copied into many places, the team's habit:
//! one finding says so, with a count.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Label};
use crate::rules::Reporter;
use crate::source::Span;

/// From this many DAGs, a repository where none has what a policy asks follows a convention
/// (teams alert through their deployment, or rely on a setting): one finding says so.
const CONVENTION: usize = 3;
/// Places listed in the convention finding, and DAG names listed in a label.
const LISTED: usize = 5;
/// From this many places, the same mistake is the team's habit (a template copied into each
/// DAG file): one finding lists the places.
pub const HABIT: usize = 3;

/// A DAG a rule reports, and the place that makes it so.
#[derive(Debug, Clone)]
pub struct DagCause {
    pub dag: String,
    /// Where the DAG is declared: its dag_id.
    pub dag_span: Span,
    /// The place to fix, and what is wrong there: "`default_args` has no `retries`".
    pub cause: Label,
}

impl DagCause {
    pub fn new(dag: &crate::airflow::Dag, cause: Label) -> Self {
        DagCause {
            dag: dag.id().to_owned(),
            dag_span: dag.span().clone(),
            cause,
        }
    }
}

/// How a policy's findings read: "DAG `x` {one}", "3 DAGs {many}", "none of the 12 DAGs
/// {none}".
pub struct Wording {
    pub one: &'static str,
    pub many: &'static str,
    pub none: &'static str,
    pub help: &'static str,
}

/// A place and the DAGs it affects, in first-seen order.
pub struct Place {
    pub cause: Label,
    pub dags: Vec<(String, Span)>,
}

/// Groups DAGs by the span of their cause, keeping the first-seen order.
pub fn by_place(causes: Vec<DagCause>) -> Vec<Place> {
    let mut places: Vec<Place> = Vec::new();
    let mut at: HashMap<SpanKey, usize> = HashMap::new();
    for item in causes {
        match at.get(&key(&item.cause.span)) {
            Some(&index) => places[index].dags.push((item.dag, item.dag_span)),
            None => {
                at.insert(key(&item.cause.span), places.len());
                places.push(Place {
                    cause: item.cause,
                    dags: vec![(item.dag, item.dag_span)],
                });
            }
        }
    }
    places
}

/// A span as a map key: its file and offsets.
type SpanKey = (String, u32, u32);

fn key(span: &Span) -> SpanKey {
    (span.file.path().to_owned(), span.start, span.end)
}

/// Reports DAGs lacking what a policy asks, out of `dags` DAGs it applies to: one finding per
/// place, or one for the whole repository when none of its DAGs (three or more) has it.
pub fn report_lacking(
    report: &mut Reporter,
    lacking: Vec<DagCause>,
    dags: usize,
    wording: &Wording,
) {
    let convention = lacking.len() >= CONVENTION && lacking.len() == dags;
    let places = by_place(lacking);
    if convention {
        if let Some(diagnostic) = repository_convention(report, places, dags, wording) {
            report.emit(diagnostic);
        }
        return;
    }
    for place in places {
        let message = match place.dags.as_slice() {
            [(id, _)] => format!("DAG `{id}` {}", wording.one),
            many => format!("{} DAGs {}", many.len(), wording.many),
        };
        let diagnostic = report.diagnostic(message, place.cause.clone());
        report.emit(dags_at(diagnostic, &place).with_help(wording.help));
    }
}

/// Adds labels naming the DAGs of a place (when there are several): one per distinct span,
/// so the DAGs a loop makes at one call are one label; a DAG declared at the cause itself is
/// named in the primary label.
pub fn dags_at(mut diagnostic: Diagnostic, place: &Place) -> Diagnostic {
    if place.dags.len() < 2 {
        return diagnostic;
    }
    let mut spans: Vec<(Span, Vec<&str>)> = Vec::new();
    for (id, span) in &place.dags {
        match spans.iter_mut().find(|(seen, _)| same_span(seen, span)) {
            Some((_, ids)) => ids.push(id),
            None => spans.push((span.clone(), vec![id])),
        }
    }
    for (span, ids) in spans {
        let names = match ids.as_slice() {
            [_] => format!("DAG {}", list(&ids)),
            _ => format!("DAGs {}", list(&ids)),
        };
        if same_span(&span, &diagnostic.primary.span) {
            diagnostic.primary.text = format!("{} ({names})", diagnostic.primary.text);
        } else {
            diagnostic = diagnostic.with_label(Label::new(span, names));
        }
    }
    diagnostic
}

/// One finding for the same mistake at many places: at the first, listing the next few
/// (each label saying what is there) and counting the rest.
pub fn repeated(report: &Reporter, message: String, mut places: Vec<Label>) -> Option<Diagnostic> {
    if places.is_empty() {
        return None;
    }
    let first = places.remove(0);
    let unlisted = places.len().saturating_sub(LISTED - 1);
    let mut diagnostic = report.diagnostic(message, first);
    for label in places.into_iter().take(LISTED - 1) {
        diagnostic = diagnostic.with_label(label);
    }
    if unlisted > 0 {
        diagnostic.primary.text =
            format!("{} (and {unlisted} more places)", diagnostic.primary.text);
    }
    Some(diagnostic)
}

/// [`repeated`] for places of DAGs: the first place's cause, then the others with their DAGs.
pub fn repeated_places(
    report: &Reporter,
    message: String,
    places: Vec<Place>,
) -> Option<Diagnostic> {
    let mut places = places.into_iter();
    let labels = places
        .next()
        .map(|first| first.cause)
        .into_iter()
        .chain(places.map(|place| again(&place)))
        .collect();
    repeated(report, message, labels)
}

/// A label for one more place of a repeated mistake, naming its DAGs.
fn again(place: &Place) -> Label {
    let ids: Vec<&str> = place.dags.iter().map(|(id, _)| id.as_str()).collect();
    Label::new(
        place.cause.span.clone(),
        format!("and here ({})", list(&ids)),
    )
}

/// `` `a`, `b`, `c` `` and, past [`LISTED`], how many more.
fn list(ids: &[&str]) -> String {
    let mut names: Vec<String> = ids
        .iter()
        .take(LISTED)
        .map(|id| format!("`{id}`"))
        .collect();
    if ids.len() > LISTED {
        names.push(format!("{} more", ids.len() - LISTED));
    }
    names.join(", ")
}

/// One finding for a repository where no DAG has what the policy asks: at the place most
/// DAGs share, with the other places as labels.
fn repository_convention(
    report: &Reporter,
    mut places: Vec<Place>,
    dags: usize,
    wording: &Wording,
) -> Option<Diagnostic> {
    places.sort_by_key(|place| std::cmp::Reverse(place.dags.len()));
    let describe = |place: &Place| {
        let text = match place.dags.as_slice() {
            [(id, _)] => format!("`{id}`: {}", place.cause.text),
            many => format!("{} ({} DAGs)", place.cause.text, many.len()),
        };
        Label::new(place.cause.span.clone(), text)
    };
    let mut places = places.iter();
    let first = places.next()?;
    let mut diagnostic = report
        .diagnostic(
            format!("none of the {dags} DAGs {}", wording.none),
            describe(first),
        )
        .with_help(wording.help);
    for place in places.take(LISTED - 1) {
        diagnostic = diagnostic.with_label(describe(place));
    }
    Some(diagnostic)
}

/// Whether two spans cover the same text of the same file.
pub fn same_span(a: &Span, b: &Span) -> bool {
    a.file.path() == b.file.path() && a.start == b.start && a.end == b.end
}
