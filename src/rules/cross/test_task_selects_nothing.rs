//! X012: a `dbt test` task whose selection holds no test: dbt prints "No nodes selected!", the
//! task succeeds, and nothing was tested.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::command::DbtCommand;
use crate::diagnostic::Label;
use crate::link::{Monorepo, Resolution};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// X012; it has no options.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct TestTaskSelectsNothing {}

declare_rule!(TestTaskSelectsNothing {
    code: "X012",
    name: "test-task-selects-nothing",
    group: Correctness,
    preset: Recommended,
    severity: Warning,
});

impl Rule for TestTaskSelectsNothing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for run in &repo.runs {
            let Resolution::Selected { nodes, tokens, .. } = &run.resolution else {
                continue;
            };
            let Some(call) = repo.call_of(run) else {
                continue;
            };
            // A selector that matches nothing at all is `selector-matches-nothing`'s finding.
            if call.command != DbtCommand::Test
                || !nodes.is_empty()
                || tokens.iter().any(|token| !token.matched)
            {
                continue;
            }
            let selection = call
                .select
                .iter()
                .map(|arg| arg.value.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let what = if selection.is_empty() {
                "the project has no tests".to_owned()
            } else {
                format!("`{selection}` selects nodes, but none of them has a test")
            };
            let diagnostic = report
                .diagnostic(
                    format!("task `{}` runs `dbt test` on a selection without tests", repo.task_name(run.task)),
                    Label::new(
                        repo.selection_span(run),
                        format!("{what}: dbt prints \"No nodes selected!\" and the task succeeds"),
                    ),
                )
                .with_help(
                    "add tests to the selected models or sources (for sources, in their `sources:` YAML), or select the models whose tests you meant to run",
                );
            report.emit(diagnostic);
        }
    }
}
