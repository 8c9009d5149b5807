//! Custom policies: checks a team declares as `[[policy]]` tables in the config, on dbt nodes
//! (`nodes.rs`) or on DAGs (`dags.rs`), reported like rule findings under the policy's id.

mod allowed;
pub mod config;
mod dags;
mod nodes;

pub use config::{Policies, PolicyConfig, RequireConfig};

use crate::diagnostic::Severity;
use crate::link::Monorepo;
use crate::rules::{Group, Preset, Reporter, Rule, RuleMeta};

/// Every policy answers to this name besides its id (`ACME001 policy` in the output).
pub const NAME: &str = "policy";

/// A compiled policy: its metadata, message and what it checks.
#[derive(Debug)]
pub struct Policy {
    meta: &'static RuleMeta,
    message: String,
    help: Option<String>,
    target: Target,
}

#[derive(Debug)]
enum Target {
    Nodes(nodes::NodePolicy),
    Dags(dags::DagPolicy),
}

impl Policy {
    fn new(
        id: String,
        message: String,
        help: Option<String>,
        severity: Severity,
        target: Target,
    ) -> Self {
        let doc = match &help {
            Some(help) => format!("{message}\n\n{help}\n\nA `[[policy]]` of the config."),
            None => format!("{message}\n\nA `[[policy]]` of the config."),
        };
        // Findings refer to their rule's metadata for the whole run, as they do to a built-in
        // rule's static one. A config is read once per run, so each policy's metadata is made
        // once and kept.
        let meta = Box::leak(Box::new(RuleMeta {
            code: Box::leak(id.into_boxed_str()),
            name: NAME,
            group: Group::Policy,
            // Policies run whenever they are declared, whatever the preset.
            preset: Preset::Recommended,
            severity,
            doc: Box::leak(doc.into_boxed_str()),
        }));
        Policy {
            meta,
            message,
            help,
            target,
        }
    }

    /// The finding's message for the node or DAG called `name`.
    fn message_for(&self, name: &str) -> String {
        self.message.replace("{name}", name)
    }
}

impl Rule for Policy {
    fn meta(&self) -> &'static RuleMeta {
        self.meta
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        match &self.target {
            Target::Nodes(nodes) => nodes.check(self, repo, report),
            Target::Dags(dags) => dags.check(self, repo, report),
        }
    }
}
