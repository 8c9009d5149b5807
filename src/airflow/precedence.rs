//! Where a task's argument comes from, as Airflow resolves it: the argument given to the task
//! (for Cosmos renderings, `operator_args`), else the `default_args` of its enclosing task
//! groups (innermost first), else its DAG's `default_args`, else the operator's default.

use super::model::{Dag, DagFile, Task};
use super::value::{Item, Value};
use crate::source::Span;

/// What the precedence chain says about one argument.
#[derive(Debug, Clone, Copy)]
pub enum Setting<'a> {
    /// Given, at this level; its value may still be `None`, `False` or unknown.
    Set(&'a Item),
    /// Given nowhere: the operator's (or the deployment's) default applies.
    Unset,
    /// Some level cannot be read (a `**splat` or a `default_args` built at run time): the
    /// argument may be hidden there.
    Unknown,
}

impl<'a> Setting<'a> {
    pub fn item(self) -> Option<&'a Item> {
        match self {
            Setting::Set(item) => Some(item),
            Setting::Unset | Setting::Unknown => None,
        }
    }
}

/// Whether a call is a Cosmos rendering (`DbtDag`, `DbtTaskGroup`) rather than one operator:
/// its own keywords configure the DAG or group, and `operator_args` reach every operator it
/// renders.
fn is_cosmos_rendering(task: &Task) -> bool {
    matches!(task.call.name(), "DbtDag" | "DbtTaskGroup")
}

/// The argument `key` of `task` in `file`, through the whole precedence chain.
pub fn task_argument<'a>(file: &'a DagFile, task: &'a Task, key: &str) -> Setting<'a> {
    let own = if is_cosmos_rendering(task) {
        match task.call.kwarg("operator_args") {
            None => Setting::Unset,
            Some(args) => dict_entry(args, key),
        }
    } else {
        match task.call.kwarg(key) {
            Some(item) => Setting::Set(item),
            None if task.call.unknown_splat => Setting::Unknown,
            None => Setting::Unset,
        }
    };
    let groups = task
        .group_default_args
        .iter()
        .map(|args| dict_entry(args, key));
    let dag = task
        .dag
        .and_then(|index| file.dags.get(index))
        .map(|dag| dag_default_argument(dag, key));
    std::iter::once(own)
        .chain(groups)
        .chain(dag)
        .find(|setting| !matches!(setting, Setting::Unset))
        .unwrap_or(Setting::Unset)
}

/// The DAG's own keyword `key` (`catchup=`, `on_failure_callback=`).
pub fn dag_argument<'a>(dag: &'a Dag, key: &str) -> Setting<'a> {
    match dag.kwarg(key) {
        Some(item) => Setting::Set(item),
        None if dag.call.unknown_splat => Setting::Unknown,
        None => Setting::Unset,
    }
}

/// The key `key` of the DAG's `default_args`.
pub fn dag_default_argument<'a>(dag: &'a Dag, key: &str) -> Setting<'a> {
    match dag.default_args() {
        Some(args) => dict_entry(args, key),
        None if dag.call.unknown_splat => Setting::Unknown,
        None => Setting::Unset,
    }
}

/// Where to point when an argument is missing from a DAG's `default_args`: where the dict is
/// written (a dict shared by several DAGs is then one place), or the DAG itself when it has
/// none.
pub fn default_args_span(dag: &Dag) -> Span {
    match dag.default_args() {
        Some(args) => written_at(args),
        None => dag.span().clone(),
    }
}

/// Where a dict is written: from its first key to its last value when they are in one file
/// (a module constant, or a dict shared from another module), else where it is used (a
/// merge of dicts from several places, a value built at run time).
pub fn written_at(item: &Item) -> Span {
    let Value::Dict(pairs) = &item.value else {
        return item.span.clone();
    };
    let spans = pairs
        .iter()
        .flat_map(|(key, value)| [&key.span, &value.span]);
    let mut covering: Option<Span> = None;
    for span in spans {
        covering = match covering {
            None => Some(span.clone()),
            Some(so_far) if so_far.file.path() == span.file.path() => Some(Span::new(
                so_far.file.clone(),
                so_far.start.min(span.start)..so_far.end.max(span.end),
            )),
            Some(_) => return item.span.clone(),
        };
    }
    covering.unwrap_or_else(|| item.span.clone())
}

/// Operators that do nothing that can fail, so retries and alerting do not concern them.
const CANNOT_FAIL: &[&str] = &["EmptyOperator", "DummyOperator"];

/// The tasks of the DAG at `index` in `file` that can fail.
pub fn tasks_that_can_fail(file: &DagFile, index: usize) -> impl Iterator<Item = &Task> {
    file.tasks
        .iter()
        .filter(move |task| task.dag == Some(index) && !CANNOT_FAIL.contains(&task.call.name()))
}

/// A key of a dict value; `Unknown` when the value is not a dict monolint can read, or has a
/// key it cannot read, which may be this one.
fn dict_entry<'a>(dict: &'a Item, key: &str) -> Setting<'a> {
    let Value::Dict(pairs) = &dict.value else {
        return Setting::Unknown;
    };
    match dict.value.get(key) {
        Some(item) => Setting::Set(item),
        None if pairs.iter().any(|(k, _)| k.value.as_str().is_none()) => Setting::Unknown,
        None => Setting::Unset,
    }
}
