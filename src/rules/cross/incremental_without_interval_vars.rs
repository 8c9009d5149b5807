//! X004: an incremental model whose filter does not follow the Airflow run's data interval,
//! so runs and backfills are not idempotent.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::cli::{DbtCall, WrittenAs};
use crate::dbt::graph::{DbtGraph, NodeId};
use crate::dbt::incremental;
use crate::dbt::jinja::uses_template_variable;
use crate::diagnostic::Label;
use crate::link::{Monorepo, refreshes_models};
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// X004 with its options, `[rules.incremental-without-interval-vars]` in the config.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct IncrementalWithoutIntervalVars {
    /// The Airflow template variables that carry the run's data interval.
    pub interval_templates: Vec<String>,
}

impl Default for IncrementalWithoutIntervalVars {
    fn default() -> Self {
        // Airflow 2's and 3's template variables derived from the run's interval or logical
        // date (the removed Airflow 2 ones included: `interval-vars-removed-macro` is about
        // their removal, not this rule).
        let templates = [
            "data_interval_start",
            "data_interval_end",
            "logical_date",
            "ds",
            "ds_nodash",
            "ts",
            "ts_nodash",
            "ts_nodash_with_tz",
            "execution_date",
            "next_execution_date",
            "prev_execution_date",
            "next_ds",
            "next_ds_nodash",
            "prev_ds",
            "prev_ds_nodash",
            "tomorrow_ds",
            "tomorrow_ds_nodash",
            "yesterday_ds",
            "yesterday_ds_nodash",
            "prev_data_interval_start_success",
            "prev_data_interval_end_success",
            "prev_start_date_success",
            "dag_run",
        ];
        IncrementalWithoutIntervalVars {
            interval_templates: templates.map(str::to_owned).to_vec(),
        }
    }
}

declare_rule!(IncrementalWithoutIntervalVars {
    code: "X004",
    name: "incremental-without-interval-vars",
    group: Correctness,
    preset: Recommended,
    severity: Warning,
});

/// An incremental model run by a task that does not pass the vars its filter reads.
struct Unfed {
    model: NodeId,
    missing: Vec<String>,
    /// Where the model's SQL filters (see `IncrementalFilter::anchor`).
    anchor: String,
}

impl Rule for IncrementalWithoutIntervalVars {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            let project_vars = incremental::project_var_defaults(&dbt.vars);
            // Per run (by index in `repo.runs`): the incremental models it leaves unfed.
            let mut unfed: BTreeMap<usize, Vec<Unfed>> = BTreeMap::new();
            for id in repo.schedulable_models(project) {
                let node = graph.node(id);
                // Microbatch models get their window from `--event-time-start/end` instead.
                if !node.is_incremental()
                    || node.incremental_strategy.as_deref() == Some("microbatch")
                {
                    continue;
                }
                let runs = repo.run_ids_of(project, id);
                if runs.is_empty() {
                    continue;
                }
                // Only a filter bounded by a window of vars follows the run's interval; a
                // high-water mark (`max(updated_at)` from `{{ this }}`) or a look-back is
                // dbt's usual pattern, not a missing var.
                let filter = incremental::filter(graph, node, &project_vars);
                if filter.window_vars.is_empty() {
                    continue;
                }
                let keeps_incremental_on_full_refresh = full_refresh_disabled(graph, id);
                for &run in runs {
                    let Some(call) = repo.call_of(&repo.runs[run]) else {
                        continue;
                    };
                    // A full refresh rebuilds the table: `is_incremental()` is false.
                    if !refreshes_models(&call.command)
                        || (call.full_refresh && !keeps_incremental_on_full_refresh)
                        || call
                            .vars
                            .as_ref()
                            .is_some_and(|vars| vars.problem.is_some())
                    {
                        continue;
                    }
                    let missing: Vec<String> = filter
                        .window_vars
                        .iter()
                        .filter(|name| !self.fed_from_interval(call, name))
                        .cloned()
                        .collect();
                    if !missing.is_empty() {
                        unfed.entry(run).or_default().push(Unfed {
                            model: id,
                            missing,
                            anchor: filter.anchor.clone(),
                        });
                    }
                }
            }
            for (run, models) in unfed {
                self.report_run(repo, project, run, &models, report);
            }
        }
    }
}

impl IncrementalWithoutIntervalVars {
    /// Whether the call passes `name` with a value templated from the data interval.
    fn fed_from_interval(&self, call: &DbtCall, name: &str) -> bool {
        let Some(entry) = call.vars.as_ref().and_then(|vars| vars.get(name)) else {
            return false;
        };
        uses_template_variable(&entry.value, |word| {
            self.interval_templates.iter().any(|t| t == word)
        })
    }

    fn report_run(
        &self,
        repo: &Monorepo,
        project: usize,
        run: usize,
        models: &[Unfed],
        report: &mut Reporter,
    ) {
        let run = &repo.runs[run];
        let Some(call) = repo.call_of(run) else {
            return;
        };
        let graph = &repo.projects[project].graph;
        let names: Vec<String> = models
            .iter()
            .map(|m| format!("`{}`", graph.node(m.model).name))
            .collect();
        let message = match names.as_slice() {
            [one] => format!(
                "task `{}` runs incremental model {one} without the run's data interval",
                repo.task_name(run.task)
            ),
            many => format!(
                "task `{}` runs {} incremental models ({}) without the run's data interval",
                repo.task_name(run.task),
                many.len(),
                many.join(", ")
            ),
        };
        let mut missing: Vec<&str> = Vec::new();
        for name in models.iter().flat_map(|m| m.missing.iter()) {
            if !missing.contains(&name.as_str()) {
                missing.push(name);
            }
        }
        let listed = missing
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let (span, label) = match &call.vars {
            Some(vars) => (
                vars.span.clone(),
                format!("these vars do not set {listed} from the data interval"),
            ),
            None => (
                call.vars_site.clone(),
                format!("no vars are passed here, so {listed} fall back to their defaults"),
            ),
        };
        let mut diagnostic = report.diagnostic(message, Label::new(span, label));
        for model in models {
            diagnostic = diagnostic.about(project, model.model);
            let node = graph.node(model.model);
            let span = repo
                .node_line_containing(project, model.model, &model.anchor)
                .unwrap_or_else(|| repo.node_file_span(project, model.model));
            diagnostic = diagnostic.with_label(Label::new(
                span,
                format!(
                    "`{}` filters on {}",
                    node.name,
                    model
                        .missing
                        .iter()
                        .map(|v| format!("var('{v}')"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
            ));
        }
        let pairs = missing
            .iter()
            .map(|name| format!("\"{name}\": \"{{{{ {} | ds }}}}\"", guess_template(name)))
            .collect::<Vec<_>>()
            .join(", ");
        let help = match call.written_as {
            WrittenAs::CosmosRender => {
                format!("pass them in `operator_args={{\"vars\": {{{pairs}}}}}`")
            }
            WrittenAs::CommandLine => format!("pass them with `--vars '{{{pairs}}}'`"),
        };
        report.emit(diagnostic.with_help(help));
    }
}

/// Whether the model sets `full_refresh: false`, so `--full-refresh` still runs it
/// incrementally.
fn full_refresh_disabled(graph: &DbtGraph, id: NodeId) -> bool {
    graph
        .config_value(id, &["full_refresh"])
        .and_then(|value| value.as_bool())
        == Some(false)
}

/// The template a var named like `end_date` most likely wants.
fn guess_template(name: &str) -> &'static str {
    if name.to_ascii_lowercase().contains("end") {
        "data_interval_end"
    } else {
        "data_interval_start"
    }
}
