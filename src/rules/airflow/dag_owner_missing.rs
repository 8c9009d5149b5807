//! DAG001: a DAG without an owner (or with Airflow's placeholder owner `airflow`).

use schemars::JsonSchema;
use serde::Deserialize;

use crate::airflow::Dag;
use crate::airflow::value::Value;
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DAG001 with its options, `[rules.dag-owner-missing]` in the config.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct DagOwnerMissing {
    /// Owner values that mean nobody owns the DAG (Airflow's default owner is `airflow`).
    pub placeholders: Vec<String>,
}

impl Default for DagOwnerMissing {
    fn default() -> Self {
        DagOwnerMissing {
            placeholders: vec!["airflow".to_owned()],
        }
    }
}

declare_rule!(DagOwnerMissing {
    code: "DAG001",
    name: "dag-owner-missing",
    group: Ownership,
    preset: Strict,
    severity: Warning,
});

impl Rule for DagOwnerMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for dag_file in &repo.dag_files {
            for (index, dag) in dag_file.dags.iter().enumerate() {
                let Some(label) = self.problem(dag) else {
                    continue;
                };
                // Airflow lists a DAG's owners from its tasks: tasks may set their own.
                let tasks: Vec<_> = dag_file
                    .tasks
                    .iter()
                    .filter(|t| t.dag == Some(index))
                    .collect();
                let every_task_owned = !tasks.is_empty()
                    && tasks.iter().all(|task| {
                        task.call
                            .kwarg("owner")
                            .and_then(|owner| owner.value.as_str())
                            .is_some_and(|owner| self.is_real(&owner))
                    });
                if every_task_owned {
                    continue;
                }
                let diagnostic = report
                    .diagnostic(format!("DAG `{}` has no owner", dag.id()), label)
                    .with_help("set `default_args={\"owner\": \"<team>\", ...}` so its failures reach someone");
                report.emit(diagnostic);
            }
        }
    }
}

impl DagOwnerMissing {
    fn is_real(&self, owner: &str) -> bool {
        !owner.trim().is_empty() && !self.placeholders.iter().any(|p| p == owner.trim())
    }

    /// Where and why the DAG has no owner, or `None` when it has one (or it cannot be known).
    fn problem(&self, dag: &Dag) -> Option<Label> {
        match dag.default_arg("owner") {
            // `default_args` built at run time: nothing can be said.
            Err(_) => None,
            Ok(None) => Some(match dag.default_args() {
                Some(args) => Label::new(args.span.clone(), "`default_args` has no `owner`"),
                None => Label::new(dag.span().clone(), "no `default_args` with an `owner`"),
            }),
            Ok(Some(owner)) => match &owner.value {
                Value::Str(text) => match text.known() {
                    Some(name) if self.is_real(&name) => None,
                    Some(name) => Some(Label::new(
                        owner.span.clone(),
                        format!("`{name}` is a placeholder, not a team"),
                    )),
                    None => None,
                },
                _ => None,
            },
        }
    }
}
