//! DBT001: a model nobody owns: when it breaks, there is no one to page.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DBT001 with its options, `[rules.model-owner-missing]` in the config.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ModelOwnerMissing {
    /// The `meta` keys that name a model's owner, in order of preference.
    pub meta_keys: Vec<String>,
}

impl Default for ModelOwnerMissing {
    fn default() -> Self {
        ModelOwnerMissing {
            meta_keys: vec!["owner".to_owned()],
        }
    }
}

declare_rule!(ModelOwnerMissing {
    code: "DBT001",
    name: "model-owner-missing",
    group: Ownership,
    preset: Strict,
    severity: Warning,
});

impl Rule for ModelOwnerMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        let keys = self
            .meta_keys
            .iter()
            .map(|k| format!("`meta.{k}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            for (id, node) in graph.nodes() {
                if !node.is_model()
                    || !graph.is_root_project(node)
                    || graph.owner(node, &self.meta_keys).is_some()
                {
                    continue;
                }
                let diagnostic = report
                    .diagnostic(
                        format!("model `{}` has no owner", node.name),
                        Label::new(repo.node_span(project, id), format!("no {keys}, and no group with an owner")),
                    )
                    .with_help(format!(
                        "add `config: {{meta: {{{}: <team>}}}}` to its YAML entry, `+meta: {{{}: <team>}}` to its folder in dbt_project.yml, or put it in a group that has an owner",
                        self.meta_keys.first().map_or("owner", String::as_str),
                        self.meta_keys.first().map_or("owner", String::as_str),
                    ))
                    .about(project, id);
                report.emit(diagnostic);
            }
        }
    }
}
