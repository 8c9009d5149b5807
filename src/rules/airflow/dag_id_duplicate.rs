//! DAG008: two DAGs of one DAG folder with the same dag_id. A DagBag keeps the first and
//! rejects the other with an import error (`AirflowDagDuplicatedIdException`); the scheduler,
//! which parses files one by one, shows whichever file it parsed last.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::causes::same_span;
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};
use crate::source::Span;

/// DAG008, `[rules.dag-id-duplicate]` in the config: no options.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct DagIdDuplicate {}

declare_rule!(DagIdDuplicate {
    code: "DAG008",
    name: "dag-id-duplicate",
    group: Correctness,
    preset: Recommended,
    severity: Error,
});

/// Where one DAG is defined.
struct Definition {
    /// Where its dag_id is written.
    span: Span,
    /// How many DAGs that place makes (a loop with a constant dag_id makes several).
    count: usize,
}

impl Rule for DagIdDuplicate {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        // (DAG folder, dag_id) → the places defining it, in file order.
        let mut ids: BTreeMap<(String, &str), Vec<Definition>> = BTreeMap::new();
        for file in &repo.dag_files {
            let Some(folder) = dag_folder(file.source.path()) else {
                continue;
            };
            for dag in &file.dags {
                let Some(id) = dag.dag_id.value.as_deref() else {
                    continue;
                };
                let places = ids.entry((folder.clone(), id)).or_default();
                match places.iter_mut().find(|p| same_span(&p.span, dag.span())) {
                    Some(place) => place.count += 1,
                    None => places.push(Definition {
                        span: dag.span().clone(),
                        count: 1,
                    }),
                }
            }
        }
        for ((_, id), places) in ids {
            let files = {
                let mut paths: Vec<&str> = places.iter().map(|p| p.span.file.path()).collect();
                paths.dedup();
                paths.len()
            };
            // Two definitions in one file may sit in exclusive branches (`if ENV == ...`):
            // only other files, or one place run several times, surely define it twice.
            let repeated = places.iter().any(|p| p.count > 1);
            if files < 2 && !repeated {
                continue;
            }
            let total: usize = places.iter().map(|p| p.count).sum();
            let mut places = places.into_iter();
            let Some(first) = places.next() else {
                continue;
            };
            let first_text = match first.count {
                1 => "defined here".to_owned(),
                n => format!("a loop defines it {n} times here"),
            };
            let mut diagnostic = report
                .diagnostic(
                    format!("dag_id `{id}` is defined {total} times"),
                    Label::new(first.span, first_text),
                )
                .with_help("give each DAG its own dag_id; Airflow keeps only one DAG per dag_id, and reports the other file's as an import error");
            for place in places {
                let text = match place.count {
                    1 => "and again here".to_owned(),
                    n => format!("and {n} times here, in a loop"),
                };
                diagnostic = diagnostic.with_label(Label::new(place.span, text));
            }
            report.emit(diagnostic);
        }
    }
}

/// The DAG folder a file is parsed in: the outermost folder named `dags` above it, as
/// monolint finds DAG folders. Files of different folders belong to different deployments;
/// files outside any are tests, examples and scripts that build DAGs Airflow never loads
/// together, so their dag_ids are not compared.
fn dag_folder(path: &str) -> Option<String> {
    let folders: Vec<&str> = path.split('/').collect();
    let parent = &folders[..folders.len().saturating_sub(1)];
    let at = parent.iter().position(|folder| *folder == "dags")?;
    Some(parent[..=at].join("/"))
}

#[cfg(test)]
mod tests {
    use super::dag_folder;

    #[test]
    fn files_compare_within_their_outermost_dags_folder() {
        assert_eq!(dag_folder("dags/orders.py").as_deref(), Some("dags"));
        assert_eq!(
            dag_folder("airflow/dags/v2/nested/dags/orders.py").as_deref(),
            Some("airflow/dags")
        );
        assert_eq!(dag_folder("tests/test_cache.py"), None);
        assert_eq!(dag_folder("orders.py"), None);
    }
}
