//! DAG001: a DAG without an owner (or with Airflow's placeholder owner `airflow`).

use schemars::JsonSchema;
use serde::Deserialize;

use crate::airflow::owner::{DEFAULT_PLACEHOLDERS, DagOwner, dag_owner};
use crate::diagnostic::{Diagnostic, Label};
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
            placeholders: DEFAULT_PLACEHOLDERS
                .iter()
                .map(|p| (*p).to_owned())
                .collect(),
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

/// From this many DAGs, a repository where none has an owner follows a convention (teams
/// alert through callbacks, or own the repository): one finding says so.
const CONVENTION: usize = 3;
/// DAGs listed as related locations in the convention finding.
const LISTED: usize = 5;

impl DagOwnerMissing {
    /// One finding for a repository where no DAG has an owner: at the place most DAGs share
    /// (a common `default_args`), with the other places as labels.
    fn convention(&self, report: &Reporter, unowned: Vec<(String, Label)>) -> Option<Diagnostic> {
        let dags = unowned.len();
        // Places in first-seen order, with the DAGs at each.
        let mut places: Vec<(Label, Vec<String>)> = Vec::new();
        for (id, label) in unowned {
            let same = |(seen, _): &&mut (Label, Vec<String>)| {
                seen.span.file.path() == label.span.file.path()
                    && seen.span.start == label.span.start
                    && seen.span.end == label.span.end
            };
            match places.iter_mut().find(same) {
                Some((_, ids)) => ids.push(id),
                None => places.push((label, vec![id])),
            }
        }
        places.sort_by_key(|(_, ids)| std::cmp::Reverse(ids.len()));
        let describe = |label: Label, ids: &[String]| match ids {
            [one] => Label::new(label.span, format!("`{one}`: {}", label.text)),
            many => Label::new(label.span, format!("{} ({} DAGs)", label.text, many.len())),
        };
        let mut places = places.into_iter();
        let (first, first_ids) = places.next()?;
        let mut diagnostic = report
            .diagnostic(format!("none of the {dags} DAGs has an owner"), describe(first, &first_ids))
            .with_help("set `default_args={\"owner\": \"<team>\", ...}` in each DAG (or in the module they share) so failures reach a team");
        for (label, ids) in places.take(LISTED - 1) {
            diagnostic = diagnostic.with_label(describe(label, &ids));
        }
        Some(diagnostic)
    }
}

impl Rule for DagOwnerMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        let mut unowned: Vec<(String, Label)> = Vec::new();
        let mut dags = 0;
        for file in &repo.dag_files {
            for (index, dag) in file.dags.iter().enumerate() {
                dags += 1;
                if let DagOwner::Missing(label) = dag_owner(file, index, &self.placeholders) {
                    unowned.push((dag.id().to_owned(), label));
                }
            }
        }
        if unowned.len() >= CONVENTION && unowned.len() == dags {
            if let Some(diagnostic) = self.convention(report, unowned) {
                report.emit(diagnostic);
            }
            return;
        }
        for (id, label) in unowned {
            let diagnostic = report
                .diagnostic(format!("DAG `{id}` has no owner"), label)
                .with_help(
                    "set `default_args={\"owner\": \"<team>\", ...}` so its failures reach someone",
                );
            report.emit(diagnostic);
        }
    }
}
