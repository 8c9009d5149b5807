//! X003: a selection dbt rejects (the task fails at run time), or Cosmos rejects while
//! rendering from a manifest (the DAG file fails to import).

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::cli::SelectorDialect;
use crate::diagnostic::Label;
use crate::link::{Monorepo, Resolution};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// X003; it has no options (an empty `[rules.selector-invalid]` is allowed).
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct SelectorInvalid {}

declare_rule!(SelectorInvalid {
    code: "X003",
    name: "selector-invalid",
    group: Correctness,
    preset: Recommended,
    severity: Error,
});

impl Rule for SelectorInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for run in &repo.runs {
            let Resolution::Invalid { message, span } = &run.resolution else {
                continue;
            };
            let cosmos_renders = repo
                .call_of(run)
                .is_some_and(|call| call.dialect == SelectorDialect::CosmosManifest);
            let diagnostic = if cosmos_renders {
                report
                    .diagnostic(
                        format!("selection rejected by Cosmos: {message}"),
                        Label::new(
                            span.clone(),
                            "the DAG file fails to import: Cosmos renders it while Airflow parses it",
                        ),
                    )
                    .with_help(
                        "Cosmos' manifest renderer supports fewer methods than dbt (`monolint explain \
                         cosmos-selector-divergence`): use one it supports, or render with `LoadMode.DBT_LS`",
                    )
            } else {
                report
                    .diagnostic(
                        format!("dbt rejects this selection: {message}"),
                        Label::new(span.clone(), "the task fails here when it runs"),
                    )
                    .with_help("see https://docs.getdbt.com/reference/node-selection/syntax for the selector grammar")
            };
            report.emit(diagnostic);
        }
    }
}
