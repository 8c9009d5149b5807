//! X006: the manifest was built before the last change to the dbt project, so monolint (and a
//! Cosmos DAG rendering from it) sees another project than the one in the repository.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::checksum::Stale;
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// X006; it has no options (an empty `[rules.stale-manifest]` is allowed).
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct StaleManifest {}

declare_rule!(StaleManifest {
    code: "X006",
    name: "stale-manifest",
    group: Correctness,
    preset: Recommended,
    severity: Warning,
});

const HELP: &str =
    "rebuild the manifest (`dbt parse`) and commit it, or build it in CI before running monolint";

impl Rule for StaleManifest {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            for stale in repo.stale_files(project) {
                let (message, label) = match stale {
                    Stale::Changed(id) => {
                        let file = graph.node(*id).file.as_deref().unwrap_or_default();
                        (
                            format!(
                                "`{}` changed since the manifest was built",
                                dbt.display(file)
                            ),
                            Label::new(
                                repo.node_file_span(project, *id),
                                "the manifest holds an older version of this file",
                            ),
                        )
                    }
                    Stale::Missing(id) => {
                        let node = graph.node(*id);
                        let file = node.file.as_deref().unwrap_or_default();
                        (
                            format!(
                                "the manifest lists `{}`, which no longer exists",
                                dbt.display(file)
                            ),
                            Label::new(
                                repo.node_span(project, *id),
                                format!("`{}` is still in the manifest", node.name),
                            ),
                        )
                    }
                    Stale::New(file) => {
                        let source = repo.project_file(project, file);
                        (
                            format!("`{}` is not in the manifest", dbt.display(file)),
                            Label::new(
                                source.first_line_span(),
                                "added after the manifest was built",
                            ),
                        )
                    }
                };
                report.emit(report.diagnostic(message, label).with_help(HELP));
            }
        }
    }
}
