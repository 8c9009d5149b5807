//! DBT009: a model whose name does not say its layer (`stg_` in staging, `fct_`/`dim_` in
//! marts).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::graph::{NodeId, ResourceType};
use crate::dbt::locate;
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::convention::{Counted, Tally};
use crate::rules::dbt::layers::{Globs, PathGlob, has_prefix, prefixes_text};
use crate::rules::dbt::nodes::{project_span, root_nodes};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};
use crate::source::Span;

/// DBT009 with its options, `[rules.model-naming-convention]` in the config.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ModelNamingConvention {
    /// Folder globs (over the model's file, relative to the project) and the name prefixes
    /// allowed there. A model under several globs follows the longest (the most specific).
    pub prefixes: BTreeMap<PathGlob, Vec<String>>,
}

impl Default for ModelNamingConvention {
    fn default() -> Self {
        let layer = |glob: &str, prefixes: &[&str]| {
            (
                PathGlob::from(glob),
                prefixes.iter().map(|p| (*p).to_owned()).collect(),
            )
        };
        ModelNamingConvention {
            prefixes: BTreeMap::from([
                layer("**/staging/**", &["stg_", "base_"]),
                layer("**/intermediate/**", &["int_"]),
                layer("**/marts/**", &["fct_", "dim_"]),
            ]),
        }
    }
}

declare_rule!(ModelNamingConvention {
    code: "DBT009",
    name: "model-naming-convention",
    group: Structure,
    preset: Strict,
    severity: Warning,
});

impl Rule for ModelNamingConvention {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        let globs = Globs::new(self.prefixes.iter());
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            // One tally per folder glob: a folder none of whose models follows the convention
            // follows another one, reported once.
            let mut by_glob: BTreeMap<&PathGlob, (&Vec<String>, Tally<NodeId>)> = BTreeMap::new();
            for (id, node) in root_nodes(graph, ResourceType::Model) {
                let Some((glob, prefixes)) = globs.find(node) else {
                    continue;
                };
                let (_, tally) = by_glob
                    .entry(glob)
                    .or_insert_with(|| (prefixes, Tally::default()));
                tally.check(
                    id,
                    &node.name,
                    node.file.as_deref(),
                    has_prefix(&node.name, prefixes),
                );
            }
            for (glob, (prefixes, tally)) in by_glob {
                let wanted = prefixes_text(prefixes);
                let lack = format!("do not start with {wanted}");
                let counted = Counted {
                    noun: "models",
                    verb: &format!("starts with {wanted}"),
                    lack: &lack,
                    project_label: "this folder's models follow another naming convention"
                        .to_owned(),
                    help: format!(
                        "rename them, or set the prefixes this folder uses in `[rules.model-naming-convention.prefixes]` (`\"{}\" = [...]`)",
                        glob.as_str()
                    ),
                    scope: Some((
                        format!("`{}`", glob.as_str()),
                        folder_span(repo, project, glob)
                            .unwrap_or_else(|| project_span(repo, project)),
                    )),
                };
                tally.report(repo, project, report, &counted, |report, id| {
                    let node = graph.node(id);
                    report
                        .diagnostic(
                            format!("model `{}` does not start with {wanted}", node.name),
                            Label::new(
                                repo.node_span(project, id),
                                format!("models under `{}` start with {wanted}", glob.as_str()),
                            ),
                        )
                        .with_help("rename the model (and its refs) so its name says its layer, or move it to the folder of its layer")
                        .about(project, id)
                });
            }
        }
    }
}

/// The folder's entry under `models:` in `dbt_project.yml` (`marts:`), when it has one.
fn folder_span(repo: &Monorepo, project: usize, glob: &PathGlob) -> Option<Span> {
    let file = repo.project_file(project, "dbt_project.yml");
    let range = locate::line_containing(file.text(), &format!("{}:", glob.folder()?))?;
    Some(Span::new(file, range.start as u32..range.end as u32))
}
