//! DBT006: a model whose primary key is not tested: duplicated or missing keys go unnoticed.

use std::collections::{BTreeSet, HashMap};

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::graph::{DbtGraph, NodeId, ResourceType};
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::rules::convention::{Counted, Tally};
use crate::rules::dbt::nodes::root_nodes;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// DBT006 with its options, `[rules.model-tests-missing]` in the config.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ModelTestsMissing {
    /// Tests that check a column's values are unique (with a not-null test or constraint on
    /// the same column, they test a primary key). A namespace (`dbt_utils.`) is ignored.
    pub unique_tests: Vec<String>,
    /// Tests that check a column has no nulls.
    pub not_null_tests: Vec<String>,
    /// Tests that alone check a model's key (several columns, or unique and not null at
    /// once).
    pub key_tests: Vec<String>,
}

impl Default for ModelTestsMissing {
    fn default() -> Self {
        let names = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect();
        ModelTestsMissing {
            unique_tests: names(&["unique"]),
            not_null_tests: names(&["not_null"]),
            key_tests: names(&[
                "unique_combination_of_columns",
                "expect_compound_columns_to_be_unique",
                "primary_key",
            ]),
        }
    }
}

declare_rule!(ModelTestsMissing {
    code: "DBT006",
    name: "model-tests-missing",
    group: Testing,
    preset: Strict,
    severity: Warning,
});

/// What the tests of one model check.
#[derive(Debug, Default)]
struct KeyTests {
    unique: BTreeSet<String>,
    not_null: BTreeSet<String>,
    key: bool,
    tests: usize,
}

impl Rule for ModelTestsMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            let tests = self.tests_by_model(graph);
            let mut tally = Tally::default();
            // Ephemeral models are inlined into their consumers: their keys are tested there.
            for (id, node) in
                root_nodes(graph, ResourceType::Model).filter(|(_, n)| !n.is_ephemeral())
            {
                let found = tests.get(&id);
                let not_null_constrained: BTreeSet<String> = graph
                    .columns(node)
                    .into_iter()
                    .filter(|column| {
                        column
                            .constraints
                            .iter()
                            .any(|c| c == "not_null" || c == "primary_key")
                    })
                    .map(|column| column.name.to_ascii_lowercase())
                    .collect();
                let tested = found.is_some_and(|found| {
                    found.key
                        || found.unique.iter().any(|column| {
                            found.not_null.contains(column) || not_null_constrained.contains(column)
                        })
                });
                tally.check(id, &node.name, node.file.as_deref(), tested);
            }
            let counted = Counted {
                noun: "models",
                verb: "has a tested primary key",
                lack: "have no tested primary key",
                project_label: "no model has a column tested `unique` and `not_null`, nor a key test".to_owned(),
                help: "add `unique` and `not_null` tests to each model's key column, starting with the marts others read".to_owned(),
                scope: None,
            };
            tally.report(repo, project, report, &counted, |report, id| {
                let label = match tests.get(&id) {
                    None => "no tests at all".to_owned(),
                    Some(found) => match found.unique.iter().next() {
                        Some(column) => format!("`{column}` is tested `unique` but not `not_null`"),
                        None => format!(
                            "{} {}, but no column is tested `unique` and `not_null`",
                            found.tests,
                            if found.tests == 1 { "test" } else { "tests" }
                        ),
                    },
                };
                report
                    .diagnostic(
                        format!("model `{}` has no primary key test", graph.node(id).name),
                        Label::new(repo.node_span(project, id), label),
                    )
                    .with_help("test its key column with `data_tests: [unique, not_null]`, or a key of several columns with `dbt_utils.unique_combination_of_columns`")
                    .about(project, id)
            });
        }
    }
}

impl ModelTestsMissing {
    /// What the tests attached to each model check. A generic test on one model is attached
    /// to it; tests between models (`relationships`) test no key.
    fn tests_by_model(&self, graph: &DbtGraph) -> HashMap<NodeId, KeyTests> {
        let named = |names: &[String], test: &str| {
            names
                .iter()
                .any(|name| name.rsplit('.').next().unwrap_or(name) == test)
        };
        let mut by_model: HashMap<NodeId, KeyTests> = HashMap::new();
        for &id in graph.of_type(ResourceType::Test) {
            let [model] = graph.parents(id) else {
                continue;
            };
            if !graph.node(*model).is_model() {
                continue;
            }
            let test = graph.node(id);
            let found = by_model.entry(*model).or_default();
            found.tests += 1;
            let Some(name) = test.test_name.as_deref() else {
                continue;
            };
            let column = graph
                .test_column(test)
                .map(|column| column.to_ascii_lowercase());
            if named(&self.key_tests, name) {
                found.key = true;
            }
            if let Some(column) = column {
                if named(&self.unique_tests, name) {
                    found.unique.insert(column.clone());
                }
                if named(&self.not_null_tests, name) {
                    found.not_null.insert(column);
                }
            }
        }
        by_model
    }
}
