//! monolint: lints a dbt project and the Airflow DAGs that run it as one data app.
//!
//! The pipeline, one module per stage: [`workspace`] discovers files, [`dbt`] loads the
//! manifest graph, [`airflow`] extracts DAGs statically, [`link`] resolves which nodes every
//! task runs, [`rules`] check the joined [`link::Monorepo`], and [`render`] formats findings.

pub mod airflow;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod dbt;
pub mod diagnostic;
pub mod error;
pub mod link;
pub mod map;
pub mod render;
pub mod repo_paths;
pub mod rules;
pub mod source;
pub mod workspace;
pub mod yaml;

use std::path::PathBuf;

use rayon::prelude::*;

use crate::config::{Config, RuleArgs, RuleSelection};
use crate::diagnostic::{Diagnostic, Severity};
use crate::error::{Error, Result};
use crate::link::Monorepo;
use crate::rules::Reporter;
use crate::workspace::Workspace;

/// What `monolint check` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The folder to check (the monorepo root).
    pub root: PathBuf,
    pub config: Option<PathBuf>,
    pub manifest: Option<PathBuf>,
    pub rules: RuleArgs,
}

/// The outcome of a check.
#[derive(Debug)]
pub struct Report {
    /// Findings, sorted by file, position and rule.
    pub diagnostics: Vec<Diagnostic>,
    /// Input problems that did not stop the check (a DAG file with a syntax error, a manifest
    /// newer than monolint knows). An `Error`-severity problem makes the exit code 2.
    pub problems: Vec<Error>,
    pub fail_on: Severity,
    pub summary: Summary,
    /// Findings left out because the baseline records them (`check --baseline`).
    pub baselined: usize,
}

/// Figures about the monorepo, printed under the findings.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Summary {
    pub dags: usize,
    pub dbt_tasks: usize,
    pub dbt_tasks_resolved: usize,
    pub models: usize,
    pub models_scheduled: usize,
}

impl Report {
    /// Whether any finding is at or above the failing severity.
    pub fn has_failures(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity >= self.fail_on)
    }

    pub fn has_input_errors(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }
}

/// Runs the whole pipeline on a folder.
pub fn check(options: &CheckOptions) -> Result<Report> {
    let loaded = config::load(&options.root, options.config.as_deref())?;
    let workspace =
        workspace::discover(&options.root, &loaded.config, options.manifest.as_deref())?;
    check_workspace(&workspace, &loaded.config, &options.rules)
}

/// Loads, links and checks the files of a workspace (discovered, or assembled by a test).
pub fn check_workspace(
    workspace: &Workspace,
    config: &Config,
    rule_args: &RuleArgs,
) -> Result<Report> {
    let selection = RuleSelection::resolve(config, rule_args)?;
    let (repo, problems) = link_workspace(workspace)?;
    let rules = config.rules.instantiate();
    let mut diagnostics: Vec<Diagnostic> = rules
        .par_iter()
        .filter_map(|rule| {
            let severity = selection.severity_of(rule.meta())?;
            let mut reporter = Reporter::new(rule.meta(), severity);
            rule.check(&repo, &mut reporter);
            Some(reporter.into_diagnostics())
        })
        .flatten()
        .collect();
    diagnostics.sort_by(Diagnostic::cmp_for_output);
    Ok(Report {
        summary: summarize(&repo),
        diagnostics,
        problems,
        fail_on: selection.fail_on,
        baselined: 0,
    })
}

/// Loads the dbt projects and DAG files of a workspace (in parallel) and links them.
/// Returns the monorepo and the input problems that did not stop loading.
pub fn link_workspace(workspace: &Workspace) -> Result<(Monorepo, Vec<Error>)> {
    let (projects, dag_files) = rayon::join(
        || {
            workspace
                .projects
                .par_iter()
                .map(|location| {
                    let display = workspace::relative_display(&workspace.root, &location.manifest);
                    dbt::project::DbtProject::load(location, &display)
                })
                .collect::<Vec<_>>()
        },
        || airflow::parse::parse_files(&workspace.dag_files),
    );
    let mut problems = Vec::new();
    let mut loaded_projects = Vec::new();
    for project in projects {
        let (project, warnings) = project?;
        problems.extend(warnings);
        loaded_projects.push(project);
    }
    let manifests = link::LoadedManifests::new(&loaded_projects, &workspace.path_map);
    let mut dag_files = dag_files.extract(Some(&manifests), &workspace.wrappers);
    let manifest_paths = manifests.inferred_paths();
    if let Some(version) = workspace.airflow_version {
        for file in &mut dag_files {
            file.airflow_version = Some(version);
        }
    }
    for file in &dag_files {
        problems.extend(file.problems.iter().cloned());
    }
    let mut repo = Monorepo::link(
        &workspace.root,
        loaded_projects,
        dag_files,
        &workspace.path_map,
    );
    repo.add_inferred_paths(manifest_paths);
    Ok((repo, problems))
}

fn summarize(repo: &Monorepo) -> Summary {
    let mut summary = Summary {
        dags: repo.dags().count(),
        ..Summary::default()
    };
    // A task counts as resolved when all of its dbt calls are.
    let mut tasks: std::collections::BTreeMap<link::TaskRef, bool> = Default::default();
    for run in &repo.runs {
        let resolved = !matches!(run.resolution, link::Resolution::Unresolved { .. });
        *tasks.entry(run.task).or_insert(true) &= resolved;
    }
    summary.dbt_tasks = tasks.len();
    summary.dbt_tasks_resolved = tasks.values().filter(|resolved| **resolved).count();
    for (index, _) in repo.projects.iter().enumerate() {
        for id in repo.schedulable_models(index) {
            summary.models += 1;
            if repo.runs_of(index, id).next().is_some() {
                summary.models_scheduled += 1;
            }
        }
    }
    summary
}
