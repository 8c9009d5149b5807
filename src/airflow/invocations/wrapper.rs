//! Operators, task helpers and task decorators that run dbt and are defined outside the DAG
//! folders (an installed package: the team's own, a vendor's), declared in the config so
//! monolint knows where their dbt arguments are:
//!
//! ```toml
//! [[airflow.dbt-operators]]
//! name = "acme_airflow.dbt.dbt_task"   # or just "dbt_task"
//! argument = "dbt_args"                # "run -s tag:x", or ["run", "-s", "tag:x"]
//! position = 1                         # when it is passed positionally
//!
//! [airflow]
//! dbt-decorators = ["task.acme_dbt"]   # the function returns "dbt build -s tag:x"
//! ```
//!
//! Those defined in the DAG folders need no declaration: monolint reads their code.

use schemars::JsonSchema;
use serde::Deserialize;

use super::argv::{calls_in_words, words};
use super::{Extraction, calls_in_command, items_of};
use crate::airflow::value::{Call, Text, Value};
use crate::dbt::cli::is_dbt_executable;
use crate::source::Spanned;

/// The operators and decorators from outside the DAG folders that run dbt.
#[derive(Debug, Clone, Default)]
pub struct DbtWrappers {
    /// `[[airflow.dbt-operators]]`.
    pub operators: Vec<Wrapper>,
    /// `[airflow] dbt-decorators`.
    pub decorators: Vec<String>,
}

/// Vendor decorators known without a declaration: their function returns a dbt command line.
const KNOWN_DBT_DECORATORS: &[&str] = &["task.datacoves_dbt"];

impl DbtWrappers {
    pub fn from_config(config: &crate::config::AirflowConfig) -> Self {
        DbtWrappers {
            operators: config.dbt_operators.clone(),
            decorators: config.dbt_decorators.clone(),
        }
    }

    /// Whether a decorator (its dotted path as written or resolved through the imports) makes
    /// a task whose function returns a dbt command line.
    pub fn returns_dbt_command(&self, decorator: &str) -> bool {
        let declared = self.decorators.iter().map(String::as_str);
        KNOWN_DBT_DECORATORS
            .iter()
            .copied()
            .chain(declared)
            .any(|name| {
                decorator == name
                    || decorator
                        .strip_suffix(name)
                        .is_some_and(|rest| rest.ends_with('.'))
            })
    }
}

/// One `[[airflow.dbt-operators]]` entry: an operator or helper that runs dbt.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Wrapper {
    /// The callee: its dotted import path (`acme_airflow.dbt.dbt_task`), or a plain name that
    /// matches any callee of that name (`DbtRunOperator`).
    pub name: String,
    /// The keyword argument holding the dbt arguments: a command line or a list of words,
    /// with or without the leading `dbt`.
    pub argument: String,
    /// The dbt arguments' position when they are passed positionally (0 is the first).
    #[serde(default)]
    pub position: Option<usize>,
    /// The keyword argument holding the dbt project folder, when the wrapper takes one.
    #[serde(default)]
    pub project_dir_argument: Option<String>,
    /// The task id's position when it is passed positionally (otherwise `task_id=`).
    #[serde(default)]
    pub task_id_position: Option<usize>,
}

impl Wrapper {
    /// Whether a call (its callee resolved through the imports) is one of this wrapper.
    pub fn matches(&self, callee: &str) -> bool {
        if self.name.contains('.') {
            callee == self.name
        } else {
            callee.rsplit('.').next() == Some(self.name.as_str())
        }
    }

    /// The dbt calls one call of the wrapper makes.
    pub fn extract(&self, call: &Call) -> Extraction {
        let Some(arguments) = self.position.map_or_else(
            || call.kwarg(&self.argument),
            |p| call.arg(&self.argument, p),
        ) else {
            return Extraction {
                calls: Vec::new(),
                unresolved: vec![Spanned::new(
                    format!("`{}` is called without `{}`", self.name, self.argument),
                    call.span.clone(),
                )],
            };
        };
        let mut extraction = match &arguments.value {
            Value::Str(text) => dbt_command_line(text, &arguments.span),
            Value::List(_) => calls_in_words(&words(&items_of(arguments)), true),
            other => Extraction {
                calls: Vec::new(),
                unresolved: vec![Spanned::new(
                    format!(
                        "`{}` of `{}` is {}",
                        self.argument,
                        self.name,
                        other.describe()
                    ),
                    arguments.span.clone(),
                )],
            },
        };
        if let Some(dir) = self
            .project_dir_argument
            .as_deref()
            .and_then(|name| call.kwarg(name))
            && let Value::Str(text) = &dir.value
        {
            for dbt_call in &mut extraction.calls {
                if dbt_call.project_dir.is_none() {
                    dbt_call.project_dir = Some(Spanned::new(text.render(), dir.span.clone()));
                }
            }
        }
        extraction
    }
}

/// The dbt calls of a dbt command line given with or without its leading `dbt`
/// (`"build -s tag:x"`, `"dbt build -s tag:x"`).
pub fn dbt_command_line(text: &Text, span: &crate::source::Span) -> Extraction {
    let rendered = text.render();
    if rendered
        .split_whitespace()
        .next()
        .is_some_and(is_dbt_executable)
    {
        return calls_in_command(text);
    }
    let mut command = Text::literal("dbt ", span.clone(), false);
    command.push(text.clone());
    calls_in_command(&command)
}
