//! What a DAG file defines, as extracted statically: DAGs, tasks and the dbt calls they make.

use std::sync::Arc;

use super::import_time::ImportTime;
use super::schedule::AirflowVersion;
use super::value::{Call, Item, Value};
use crate::dbt::cli::DbtCall;
use crate::error::Error;
use crate::source::{SourceFile, Span, Spanned};

/// One Python file of the DAG folders.
#[derive(Debug)]
pub struct DagFile {
    pub source: Arc<SourceFile>,
    pub dags: Vec<Dag>,
    pub tasks: Vec<Task>,
    /// Why the file, or part of it, could not be read (a syntax error).
    pub problems: Vec<Error>,
    /// The Airflow version the file is written for, when known: Airflow 3 when it imports
    /// from `airflow.sdk`, or what `[airflow] version` says.
    pub airflow_version: Option<AirflowVersion>,
    /// Calls that look like they make dbt-running tasks, but that extraction could not read.
    pub unread_dbt: Vec<Spanned<String>>,
    /// Calls of libraries that build DAGs from YAML files (gusty, dag-factory), expanded
    /// into DAG files of their own once the files are read.
    pub factory_calls: Vec<super::factories::FactoryCall>,
    /// What the file does while Airflow imports it, besides defining DAGs and tasks.
    pub import_time: ImportTime,
}

/// How a DAG is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DagKind {
    /// `DAG(...)`, in a `with` block or assigned.
    Constructor,
    /// A function decorated with `@dag(...)` and called.
    Decorator,
    /// Cosmos' `DbtDag(...)`: a DAG that is also a rendering of dbt nodes.
    CosmosDbtDag,
    /// A folder of YAML task files built by gusty.
    Gusty,
    /// A YAML entry built by dag-factory.
    DagFactory,
}

impl DagKind {
    /// Whether the DAG was declared in YAML, where every task dependency is known.
    pub fn from_yaml(self) -> bool {
        matches!(self, DagKind::Gusty | DagKind::DagFactory)
    }
}

#[derive(Debug)]
pub struct Dag {
    pub kind: DagKind,
    /// The dag_id, with the span of the literal (or function name) that sets it.
    pub dag_id: Spanned<Option<String>>,
    /// The DAG's constructor call or decorator: its arguments.
    pub call: Call,
}

impl Dag {
    pub fn id(&self) -> &str {
        self.dag_id.value.as_deref().unwrap_or("<unknown dag_id>")
    }

    pub fn kwarg(&self, name: &str) -> Option<&Item> {
        self.call.kwarg(name)
    }

    /// The `default_args` dict, if given (possibly unknown).
    pub fn default_args(&self) -> Option<&Item> {
        self.kwarg("default_args")
    }

    /// A key of `default_args`. `Err(span)` when `default_args` exists but cannot be read.
    pub fn default_arg(&self, key: &str) -> Result<Option<&Item>, Span> {
        match self.default_args() {
            None => Ok(None),
            Some(item) => match &item.value {
                Value::Dict(_) => Ok(item.value.get(key)),
                _ => Err(item.span.clone()),
            },
        }
    }

    /// Where to point when the DAG as a whole is meant: its dag_id.
    pub fn span(&self) -> &Span {
        &self.dag_id.span
    }
}

#[derive(Debug)]
pub struct Task {
    pub task_id: Option<String>,
    /// When the id is known only in part (a loop monolint does not unroll): the id with the
    /// code of its unknown parts in braces (`backfill-{year}-{month}`).
    pub id_pattern: Option<String>,
    /// The operator call (or decorated function call) creating the task.
    pub call: Call,
    /// Index of the task's DAG in the same file.
    pub dag: Option<usize>,
    /// `default_args` of enclosing task groups, innermost first.
    pub group_default_args: Vec<Item>,
    /// The dbt calls the task makes, in order.
    pub dbt_calls: Vec<DbtCall>,
    /// Why (part of) the task's dbt call cannot be known statically.
    pub unresolved: Vec<Spanned<String>>,
    /// The ids of the tasks it waits for in its DAG, sorted (known for YAML DAGs).
    pub upstream: Vec<String>,
}

impl Task {
    pub fn id(&self) -> &str {
        match (&self.task_id, &self.id_pattern) {
            (Some(id), _) | (None, Some(id)) => id,
            // A DbtDag is not a task: it renders the DAG's tasks, which have their own ids.
            (None, None) if self.call.name() == "DbtDag" => "<DbtDag tasks>",
            (None, None) => "<unknown task_id>",
        }
    }

    pub fn span(&self) -> &Span {
        &self.call.span
    }

    pub fn runs_dbt(&self) -> bool {
        !self.dbt_calls.is_empty() || !self.unresolved.is_empty()
    }
}
