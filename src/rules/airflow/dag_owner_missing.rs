//! DAG001: a DAG without an owner (or with Airflow's placeholder owner `airflow`).

use schemars::JsonSchema;
use serde::Deserialize;

use super::causes::{DagCause, Wording, report_lacking};
use crate::airflow::owner::{DEFAULT_PLACEHOLDERS, DagOwner, dag_owner};
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

const WORDING: Wording = Wording {
    one: "has no owner",
    many: "have no owner",
    none: "has an owner",
    help: "set `default_args={\"owner\": \"<team>\", ...}` (in each DAG, or in the dict they share) so failures reach a team",
};

impl Rule for DagOwnerMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        let mut unowned = Vec::new();
        let mut dags = 0;
        for file in &repo.dag_files {
            for (index, dag) in file.dags.iter().enumerate() {
                dags += 1;
                if let DagOwner::Missing(label) = dag_owner(file, index, &self.placeholders) {
                    unowned.push(DagCause::new(dag, label));
                }
            }
        }
        report_lacking(report, unowned, dags, &WORDING);
    }
}
