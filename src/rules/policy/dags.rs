//! DAG policies: the DAGs a policy picks (by dag_id glob, by tag) must be given the arguments
//! it requires, read as Airflow reads them. What is not statically known is never reported.

use globset::GlobSet;

use super::Policy;
use super::allowed::{Allowed, Verdict};
use crate::airflow::Dag;
use crate::airflow::precedence::{Setting, dag_argument, dag_default_argument};
use crate::airflow::value::Value;
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::Reporter;
use crate::rules::airflow::dag_arg_in_default_args::is_dag_only;

/// What a DAG policy checks.
#[derive(Debug)]
pub struct DagPolicy {
    /// dag_id globs; `None`: every DAG (then `dag_tags` chooses).
    pub dags: Option<GlobSet>,
    pub dag_tags: Vec<String>,
    pub args: Vec<(String, Allowed)>,
}

impl DagPolicy {
    pub fn check(&self, policy: &Policy, repo: &Monorepo, report: &mut Reporter) {
        for file in &repo.dag_files {
            for dag in &file.dags {
                // A DAG that may or may not be meant is left alone.
                if self.targets(dag) != Some(true) {
                    continue;
                }
                let mut unmet = Vec::new();
                let mut labels = Vec::new();
                for (key, allowed) in &self.args {
                    let item = match argument(dag, key) {
                        Setting::Unknown => continue,
                        Setting::Unset => {
                            unmet.push(format!("`{key}` is not set"));
                            continue;
                        }
                        Setting::Set(item) => item,
                    };
                    if allowed.admits_python(&item.value) != Verdict::Refused {
                        continue;
                    }
                    if let Value::None = item.value {
                        unmet.push(format!("`{key}` is None"));
                    } else {
                        unmet.push(format!(
                            "`{key}` is `{}`, {}",
                            item.value.describe(),
                            allowed.refusal()
                        ));
                        labels.push(Label::new(item.span.clone(), allowed.refusal()));
                    }
                }
                if unmet.is_empty() {
                    continue;
                }
                let mut diagnostic = report.diagnostic(
                    policy.message_for(dag.id()),
                    Label::new(dag.span().clone(), unmet.join("; ")),
                );
                for label in labels {
                    diagnostic = diagnostic.with_label(label);
                }
                if let Some(help) = &policy.help {
                    diagnostic = diagnostic.with_help(help.clone());
                }
                report.emit(diagnostic);
            }
        }
    }

    /// Whether the policy is about the DAG; `None` when its dag_id or tags are not known.
    fn targets(&self, dag: &Dag) -> Option<bool> {
        let by_id = match &self.dags {
            None => Some(true),
            Some(globs) => dag.dag_id.value.as_deref().map(|id| globs.is_match(id)),
        };
        let by_tag = match self.dag_tags.is_empty() {
            true => Some(true),
            false => self.tagged(dag),
        };
        match (by_id, by_tag) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        }
    }

    /// Whether the DAG has one of the policy's tags; `None` when its tags are not known.
    fn tagged(&self, dag: &Dag) -> Option<bool> {
        let item = match dag_argument(dag, "tags") {
            Setting::Unset => return Some(false),
            Setting::Unknown => return None,
            Setting::Set(item) => item,
        };
        let items = item.value.as_list()?;
        let mut unknown = false;
        for tag in items {
            match tag.value.as_str() {
                Some(tag) if self.dag_tags.contains(&tag) => return Some(true),
                Some(_) => {}
                None => unknown = true,
            }
        }
        (!unknown).then_some(false)
    }
}

/// An argument as the DAG gets it: its own keyword, else, for an argument tasks take, its
/// `default_args` entry (Airflow never reads a DAG-only argument from there).
fn argument<'a>(dag: &'a Dag, key: &str) -> Setting<'a> {
    match dag_argument(dag, key) {
        Setting::Unset if !is_dag_only(key) => dag_default_argument(dag, key),
        setting => setting,
    }
}
