//! X004: an incremental model whose filter does not follow the Airflow run's data interval,
//! so runs and backfills are not idempotent.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dbt::cli::{DbtCall, WrittenAs};
use crate::dbt::graph::NodeId;
use crate::dbt::jinja::{incremental_blocks, uses_template_variable, vars_read};
use crate::diagnostic::Label;
use crate::link::Monorepo;
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
            "prev_data_interval_start_success",
            "prev_data_interval_end_success",
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
}

impl Rule for IncrementalWithoutIntervalVars {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
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
                let code = graph.code(node).unwrap_or_default();
                let blocks = incremental_blocks(&code);
                let mut filter_vars: Vec<String> = Vec::new();
                for block in &blocks {
                    for (name, _) in vars_read(&code[block.clone()]) {
                        if !filter_vars.contains(&name) {
                            filter_vars.push(name);
                        }
                    }
                }
                if filter_vars.is_empty() {
                    let (span, label) = match repo.node_line_containing(
                        project,
                        id,
                        "is_incremental",
                    ) {
                        Some(span) => (
                            span,
                            "this filter reads no dbt var, so it cannot follow the run's data interval",
                        ),
                        None => (
                            repo.node_file_span(project, id),
                            "no `is_incremental()` filter: every run inserts the whole query again",
                        ),
                    };
                    let diagnostic = report
                        .diagnostic(
                            format!("incremental model `{}` does not filter on the run's data interval", node.name),
                            Label::new(span, label),
                        )
                        .with_help(
                            "filter on `var('start_date')` and `var('end_date')` inside `{% if is_incremental() %}`, and pass them from the DAG as `{{ data_interval_start }}` and `{{ data_interval_end }}`",
                        )
                        .about(project, id);
                    report.emit(diagnostic);
                    continue;
                }
                for &run in runs {
                    let Some(call) = repo.call_of(&repo.runs[run]) else {
                        continue;
                    };
                    let missing: Vec<String> = filter_vars
                        .iter()
                        .filter(|name| !self.fed_from_interval(call, name))
                        .cloned()
                        .collect();
                    if !missing.is_empty() {
                        unfed
                            .entry(run)
                            .or_default()
                            .push(Unfed { model: id, missing });
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
                .node_line_containing(project, model.model, "is_incremental")
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

/// The template a var named like `end_date` most likely wants.
fn guess_template(name: &str) -> &'static str {
    if name.to_ascii_lowercase().contains("end") {
        "data_interval_end"
    } else {
        "data_interval_start"
    }
}
