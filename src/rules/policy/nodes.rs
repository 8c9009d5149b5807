//! Node policies: the root project's nodes a dbt selector picks must have the `meta`, the
//! materialization, the name, the tags and the description the policy requires.

use regex::Regex;

use super::Policy;
use super::allowed::{Allowed, not_one_of};
use crate::dbt::graph::{DbtGraph, Node, ResourceType};
use crate::dbt::select;
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::Reporter;

/// What a node policy checks.
#[derive(Debug)]
pub struct NodePolicy {
    pub select: String,
    pub resource_types: Vec<ResourceType>,
    pub meta: Vec<(String, Allowed)>,
    pub materialized: Option<Vec<String>>,
    pub name: Option<Regex>,
    pub tags: Vec<String>,
    pub description: bool,
}

impl NodePolicy {
    pub fn requires_anything(&self) -> bool {
        !self.meta.is_empty()
            || self.materialized.is_some()
            || self.name.is_some()
            || !self.tags.is_empty()
            || self.description
    }

    pub fn check(&self, policy: &Policy, repo: &Monorepo, report: &mut Reporter) {
        let selectors = [self.select.clone()];
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            let selected = select::nodes_matching(graph, &selectors, &self.resource_types);
            for index in selected.ones() {
                let id = crate::dbt::graph::NodeId(index as u32);
                let node = graph.node(id);
                // Packages are another team's code: the policy is this project's.
                if !graph.is_root_project(node) {
                    continue;
                }
                let unmet = self.unmet(graph, node);
                if unmet.is_empty() {
                    continue;
                }
                let mut diagnostic = report
                    .diagnostic(
                        policy.message_for(&node.name),
                        Label::new(repo.node_span(project, id), unmet.join("; ")),
                    )
                    .about(project, id);
                if let Some(help) = &policy.help {
                    diagnostic = diagnostic.with_help(help.clone());
                }
                report.emit(diagnostic);
            }
        }
    }

    /// Every requirement the node does not meet, in the order of `require`'s keys.
    fn unmet(&self, graph: &DbtGraph, node: &Node) -> Vec<String> {
        let mut unmet = Vec::new();
        if !self.meta.is_empty() {
            let meta = graph.meta(node);
            for (key, allowed) in &self.meta {
                match meta.get(key) {
                    None | Some(serde_json::Value::Null) => {
                        unmet.push(format!("`meta.{key}` is not set"));
                    }
                    Some(value) if !allowed.admits_json(value) => {
                        let shown = match value {
                            serde_json::Value::String(text) => text.clone(),
                            other => other.to_string(),
                        };
                        unmet.push(format!("`meta.{key}` is `{shown}`, {}", allowed.refusal()));
                    }
                    Some(_) => {}
                }
            }
        }
        if let Some(materializations) = &self.materialized {
            let actual = node.materialized.as_deref().unwrap_or_default();
            if !materializations.iter().any(|m| m == actual) {
                unmet.push(format!(
                    "materialized as `{actual}`, {}",
                    not_one_of(materializations.iter().cloned())
                ));
            }
        }
        if let Some(pattern) = &self.name
            && !pattern.is_match(&node.name)
        {
            unmet.push(format!("name does not match `{}`", pattern.as_str()));
        }
        let missing_tags: Vec<String> = self
            .tags
            .iter()
            .filter(|tag| !node.tags.iter().any(|t| &**t == tag.as_str()))
            .map(|tag| format!("`{tag}`"))
            .collect();
        if !missing_tags.is_empty() {
            let noun = if missing_tags.len() == 1 {
                "tag"
            } else {
                "tags"
            };
            unmet.push(format!("no {noun} {}", missing_tags.join(", ")));
        }
        if self.description && graph.description(node).trim().is_empty() {
            unmet.push("no description".to_owned());
        }
        unmet
    }
}
