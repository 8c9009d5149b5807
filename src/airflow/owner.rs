//! Who owns a DAG: `default_args["owner"]`, or every task's own `owner`. Airflow shows its
//! placeholder owner `airflow` when none is set, so placeholders are no owner.

use super::model::{Dag, DagFile};
use super::value::Value;
use crate::diagnostic::Label;

/// Owner values that mean nobody, by default: Airflow's own placeholder.
pub const DEFAULT_PLACEHOLDERS: &[&str] = &["airflow"];

/// A DAG's owner, as far as it can be read.
#[derive(Debug, Clone)]
pub enum DagOwner {
    Owned(String),
    /// No owner, or a placeholder: where and why.
    Missing(Label),
    /// `default_args` built at run time: nothing can be said.
    Unknown,
}

/// The owner of the DAG at `index` in `file`.
pub fn dag_owner(file: &DagFile, index: usize, placeholders: &[String]) -> DagOwner {
    let dag = &file.dags[index];
    let is_real = |owner: &str| {
        let owner = owner.trim();
        !owner.is_empty() && !placeholders.iter().any(|p| p == owner)
    };
    let missing = match declared_owner(dag, &is_real) {
        Ok(owner) => return owner,
        Err(label) => label,
    };
    // Airflow lists a DAG's owners from its tasks: tasks may set their own.
    let mut tasks = file
        .tasks
        .iter()
        .filter(|t| t.dag == Some(index))
        .peekable();
    let every_task_owned = tasks.peek().is_some()
        && tasks.all(|task| {
            task.call
                .kwarg("owner")
                .and_then(|owner| owner.value.as_str())
                .is_some_and(|owner| is_real(&owner))
        });
    if every_task_owned {
        let owner = file
            .tasks
            .iter()
            .find(|t| t.dag == Some(index))
            .and_then(|t| t.call.kwarg("owner"))
            .and_then(|owner| owner.value.as_str())
            .unwrap_or_default();
        return DagOwner::Owned(owner);
    }
    DagOwner::Missing(missing)
}

/// The owner `default_args` declares; `Err` with where it is missing.
fn declared_owner(dag: &Dag, is_real: &dyn Fn(&str) -> bool) -> Result<DagOwner, Label> {
    match dag.default_arg("owner") {
        Err(_) => Ok(DagOwner::Unknown),
        Ok(None) => Err(match dag.default_args() {
            Some(args) => Label::new(args.span.clone(), "`default_args` has no `owner`"),
            None => Label::new(dag.span().clone(), "no `default_args` with an `owner`"),
        }),
        Ok(Some(owner)) => match &owner.value {
            Value::Str(text) => match text.known() {
                Some(name) if is_real(&name) => Ok(DagOwner::Owned(name.trim().to_owned())),
                Some(name) => Err(Label::new(
                    owner.span.clone(),
                    format!("`{name}` is a placeholder, not a team"),
                )),
                None => Ok(DagOwner::Unknown),
            },
            _ => Ok(DagOwner::Unknown),
        },
    }
}
