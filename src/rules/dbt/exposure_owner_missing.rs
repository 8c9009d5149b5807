//! DBT008: an exposure (dashboard, application) whose owner is empty or a placeholder.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::graph::ResourceType;
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::convention::{Counted, Tally};
use crate::rules::dbt::nodes::root_nodes;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DBT008 with its options, `[rules.exposure-owner-missing]` in the config.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ExposureOwnerMissing {
    /// Owner names and e-mails that mean nobody (compared without case).
    pub placeholders: Vec<String>,
}

impl Default for ExposureOwnerMissing {
    fn default() -> Self {
        ExposureOwnerMissing {
            placeholders: ["tbd", "todo", "unknown", "none", "n/a"]
                .map(str::to_owned)
                .to_vec(),
        }
    }
}

declare_rule!(ExposureOwnerMissing {
    code: "DBT008",
    name: "exposure-owner-missing",
    group: Ownership,
    preset: Strict,
    severity: Warning,
});

impl Rule for ExposureOwnerMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            let mut tally = Tally::default();
            for (id, node) in root_nodes(graph, ResourceType::Exposure) {
                tally.check(
                    id,
                    &node.name,
                    node.file.as_deref(),
                    self.is_owner(node.exposure_owner.as_deref()),
                );
            }
            let counted = Counted {
                noun: "exposures",
                verb: "has an owner",
                lack: "have no owner",
                project_label: "every exposure's owner is empty or a placeholder".to_owned(),
                help: "name the team that owns each dashboard or application in `owner: {name: ..., email: ...}`".to_owned(),
                scope: None,
            };
            tally.report(repo, project, report, &counted, |report, id| {
                let node = graph.node(id);
                let label = match node.exposure_owner.as_deref().map(str::trim) {
                    Some(owner) if !owner.is_empty() => format!("`{owner}` is a placeholder"),
                    _ => "`owner` has neither a name nor an e-mail".to_owned(),
                };
                report
                    .diagnostic(
                        format!("exposure `{}` has no owner", node.name),
                        Label::new(repo.node_span(project, id), label),
                    )
                    .with_help("name the team that answers for it in `owner: {name: ..., email: ...}`: they are who to tell when a model it reads changes or breaks")
                    .about(project, id)
            });
        }
    }
}

impl ExposureOwnerMissing {
    /// Whether a declared owner names someone: not empty, and no name or e-mail of it a
    /// placeholder.
    fn is_owner(&self, owner: Option<&str>) -> bool {
        let Some(owner) = owner.map(str::trim).filter(|owner| !owner.is_empty()) else {
            return false;
        };
        !owner.split(", ").any(|part| {
            self.placeholders
                .iter()
                .any(|placeholder| placeholder.eq_ignore_ascii_case(part.trim()))
        })
    }
}
