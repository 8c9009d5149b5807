//! monolint: lints a dbt project and the Airflow DAGs that run it as one data app.
//!
//! The pipeline, one module per stage: [`workspace`] discovers files, [`dbt`] loads the
//! manifest graph, [`airflow`] extracts DAGs statically, [`link`] resolves which nodes every
//! task runs, [`rules`] check the joined [`link::Monorepo`], and [`render`] formats findings.

// No unsafe code but mapping a manifest (`input::mapped`) and the allocator (`allocator`),
// each saying why it is sound. Input never makes monolint panic: a value derived from input is
// handled, not unwrapped (tests may unwrap: see clippy.toml).
#![deny(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod airflow;
pub mod allocator;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod dbt;
pub mod diagnostic;
pub mod error;
pub mod input;
pub mod link;
pub mod map;
pub mod render;
pub mod repo_paths;
pub mod rules;
pub mod source;
pub mod suppress;
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
    /// Read the dbt projects from their files, not their manifests (`--no-manifest`).
    pub no_manifest: bool,
    pub rules: RuleArgs,
}

impl CheckOptions {
    /// The config and the files to check (the projects read from their files with
    /// `--no-manifest`).
    pub fn discover(&self) -> Result<(config::LoadedConfig, Workspace)> {
        let loaded = config::load(&self.root, self.config.as_deref())?;
        let mut workspace =
            workspace::discover(&self.root, &loaded.config, self.manifest.as_deref())?;
        if self.no_manifest {
            workspace.read_project_files();
        }
        Ok((loaded, workspace))
    }
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
    /// Findings left out by suppression comments, `meta.monolint.ignore` or
    /// `[per-file-ignores]`.
    pub suppressed: usize,
}

/// Figures about the monorepo, printed under the findings.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Summary {
    pub dags: usize,
    pub dbt_tasks: usize,
    pub dbt_tasks_resolved: usize,
    pub models: usize,
    /// Models a DAG task refreshes (`run`, `build`), manual-only DAGs included.
    pub models_scheduled: usize,
    /// Of those, models only DAGs without a schedule refresh.
    pub models_manual_only: usize,
    /// Models no resolved task refreshes, in projects whose coverage is unknown.
    pub models_unknown: usize,
    /// Why coverage is unknown, once per project where it is.
    pub unknown_coverage: Vec<UnknownCoverage>,
    /// The projects read from their files rather than a manifest.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub read_from_files: Vec<ReadFromFiles>,
}

/// A dbt project whose graph was read from its files (no manifest), and what of it only dbt's
/// rendering could tell.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReadFromFiles {
    /// The project's folder, relative to the checked folder (`.` for the folder itself).
    pub project: String,
    pub nodes: usize,
    /// Nodes whose dependencies, config or existence only rendering tells.
    pub unknown: usize,
    /// One of them, and why.
    pub example: Option<String>,
}

/// A project whose models' coverage monolint cannot tell, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UnknownCoverage {
    /// The project's folder, relative to the checked folder (`.` for the folder itself).
    pub project: String,
    /// Its models no resolved task refreshes.
    pub models: usize,
    /// Tasks (and calls that look like they make dbt tasks) that may refresh them but could
    /// not be read (0: no task refreshes any model of the project).
    pub unresolved_tasks: usize,
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
    let (loaded, workspace) = options.discover()?;
    check_workspace(&workspace, &loaded.config, &options.rules)
}

/// Loads, links and checks the files of a workspace (discovered, or assembled by a test).
pub fn check_workspace(
    workspace: &Workspace,
    config: &Config,
    rule_args: &RuleArgs,
) -> Result<Report> {
    // A bad rule selection fails before the (slower) loading.
    let selection = RuleSelection::resolve(config, rule_args)?;
    let (mut repo, problems) = link_workspace(workspace, checks_staleness(&selection))?;
    let report = check_linked(&mut repo, problems, config, rule_args);
    free_on_worker(repo);
    report
}

/// Whether the selected rules compare the project files with the manifest, which linking
/// then does while the DAG files are read.
pub fn checks_staleness(selection: &RuleSelection) -> bool {
    selection
        .severity_of(&rules::cross::stale_manifest::StaleManifest::META)
        .is_some()
}

/// Applies the rules to a linked monorepo; `problems` are the input problems met loading it.
/// The map reuses the linked monorepo to show the findings on its picture.
pub fn check_linked(
    repo: &mut Monorepo,
    mut problems: Vec<Error>,
    config: &Config,
    rule_args: &RuleArgs,
) -> Result<Report> {
    let selection = RuleSelection::resolve(config, rule_args)?;
    let catalog = config.policies.catalog();
    let per_file = suppress::PerFileIgnores::new(&config.per_file_ignores, catalog)?;
    repo.ownership = link::Ownership {
        mode: config.ownership.unwrap_or_default(),
        placeholders: config
            .rules
            .dag_owner_missing
            .clone()
            .unwrap_or_default()
            .placeholders,
    };
    let repo: &Monorepo = repo;
    let built_in = config.rules.instantiate();
    let rules: Vec<&dyn rules::Rule> = built_in
        .iter()
        .map(AsRef::as_ref)
        .chain(
            config
                .policies
                .iter()
                .map(|policy| &**policy as &dyn rules::Rule),
        )
        .collect();
    // The suppressions written in the files are looked for (a scan of every node's code)
    // while the rules run.
    let (mut diagnostics, directives): (Vec<Diagnostic>, _) = rayon::join(
        || {
            rules
                .par_iter()
                .filter_map(|rule| {
                    let severity = selection.severity_of(rule.meta())?;
                    let mut reporter = Reporter::new(rule.meta(), severity);
                    rule.check(repo, &mut reporter);
                    Some(reporter.into_diagnostics())
                })
                .flatten()
                .collect()
        },
        || suppress::Directives::collect(repo),
    );
    diagnostics.sort_by(Diagnostic::cmp_for_output);
    let diagnostics = diagnostic::merge_same_line(diagnostics);
    let enabled: Vec<&'static rules::RuleMeta> =
        selection.enabled.iter().map(|(m, _)| *m).collect();
    let unused_rule = &rules::monolint::unused_suppression::UnusedSuppression::META;
    let outcome = suppress::apply(
        repo,
        directives,
        &per_file,
        catalog,
        &enabled,
        selection
            .severity_of(unused_rule)
            .map(|severity| (unused_rule, severity)),
        diagnostics,
    );
    let mut diagnostics = outcome.kept;
    if !outcome.unused.is_empty() {
        diagnostics.extend(outcome.unused);
        diagnostics.sort_by(Diagnostic::cmp_for_output);
    }
    problems.extend(repo.refused_reads());
    Ok(Report {
        summary: summarize(repo),
        diagnostics,
        problems,
        fail_on: selection.fail_on,
        baselined: 0,
        suppressed: outcome.suppressed,
    })
}

/// Loads the dbt projects and DAG files of a workspace (in parallel) and links them; with
/// `stale_check`, each project's files are compared with its manifest meanwhile (what the
/// `stale-manifest` rule reads). Returns the monorepo and the input problems that did not
/// stop loading.
pub fn link_workspace(workspace: &Workspace, stale_check: bool) -> Result<(Monorepo, Vec<Error>)> {
    let boundary = std::sync::Arc::new(workspace.boundary());
    let files = link::FileCache::new(boundary.clone(), workspace.path_map.repository.clone());
    // The DAG files are read while the projects load: only a file that opens the dbt
    // manifest itself waits for them (see `EarlyExtraction::finish`).
    let selects = !workspace.dag_files.is_empty();
    let (projects, (dag_files, airflow_version, ignore_syntax)) = rayon::join(
        || {
            workspace
                .projects
                .par_iter()
                .map(|location| {
                    let display = workspace::relative_display(&workspace.root, &location.manifest);
                    let loaded = dbt::project::DbtProject::load(location, &display, &boundary);
                    let stale = loaded.as_ref().ok().and_then(|(project, _)| {
                        prepare_project(project, &files, stale_check, selects)
                    });
                    (loaded, stale)
                })
                .collect::<Vec<_>>()
        },
        || read_dag_files(workspace, &boundary),
    );
    let mut problems = workspace.problems.clone();
    let mut loaded_projects = Vec::new();
    let mut skipped = Vec::new();
    let mut first_failure = None;
    let mut stale_files = Vec::new();
    for (location, (project, stale)) in workspace.projects.iter().zip(projects) {
        match project {
            Ok((project, warnings)) => {
                problems.extend(warnings);
                loaded_projects.push(project);
                stale_files.push(stale);
            }
            // A project the user named is the input they asked for: without it, no check.
            Err(error) if location.named => return Err(error),
            Err(error) => {
                problems.push(skipped_project_warning(error.clone(), location));
                skipped.push(location.display_dir.clone());
                first_failure.get_or_insert(error);
            }
        }
    }
    if loaded_projects.is_empty()
        && let Some(error) = first_failure
    {
        // Nothing could be checked: the run fails on the first project's own error.
        return Err(error);
    }
    let spelled = link::SpelledKeys::find(dag_files.texts());
    let manifests =
        link::LoadedManifests::new(&loaded_projects, &skipped, &workspace.path_map, spelled);
    let mut dag_files = dag_files.finish(Some(&manifests), &workspace.wrappers);
    let manifest_paths = manifests.inferred_paths();
    let dag_folder_of = |shown: &str| {
        workspace
            .dag_files
            .iter()
            .find(|file| file.display == shown)
            .and_then(airflow::parse::FileToRead::dag_folder)
    };
    let factory_context = airflow::factories::Context {
        root: &workspace.root,
        path_map: &workspace.path_map,
        dag_folder_of: &dag_folder_of,
        ignore_syntax,
        dag_factory_major: workspace.dag_factory_major,
        boundary: &boundary,
    };
    let built = airflow::factories::expand(&mut dag_files, &factory_context);
    dag_files.extend(built);
    if let Some(version) = airflow_version {
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
        &skipped,
        dag_files,
        &workspace.path_map,
        files,
        stale_files,
    );
    repo.add_inferred_paths(manifest_paths);
    Ok((repo, problems))
}

/// What linking and the rules read of a loaded project, done while the DAG files are read:
/// the selection index (when DAG files may select from it) and, with `stale_check`, the
/// project's files that differ from its manifest.
fn prepare_project(
    project: &dbt::project::DbtProject,
    files: &link::FileCache,
    stale_check: bool,
    selects: bool,
) -> Option<Vec<dbt::checksum::Stale>> {
    let (stale, ()) = rayon::join(
        || stale_check.then(|| files.stale_files(project)),
        || {
            if selects {
                project.graph.index();
            }
        },
    );
    stale
}

/// Drops `value` on a worker: freeing syntax trees and node tables takes milliseconds that
/// the rest of the run need not wait for (at exit the system takes the memory back anyway).
pub(crate) fn free_on_worker<T: Send + 'static>(value: T) {
    rayon::spawn(move || drop(value));
}

/// Parses the DAG folders' files and extracts their DAGs and tasks, as far as that goes
/// without the dbt projects; with the Airflow version and `.airflowignore` syntax found.
fn read_dag_files(
    workspace: &Workspace,
    boundary: &input::Boundary,
) -> (
    airflow::parse::EarlyExtraction,
    Option<airflow::schedule::AirflowVersion>,
    airflow::ignore::IgnoreSyntax,
) {
    let mut dag_files = airflow::parse::parse_files(&workspace.dag_files);
    // One Airflow version for the whole repository: the config's, the pinned one, or 3 when
    // any DAG file imports from `airflow.sdk`.
    let airflow_version = workspace
        .airflow_version
        .or(workspace.airflow_pinned)
        .or_else(|| {
            dag_files
                .imports_airflow_sdk()
                .then_some(airflow::schedule::AirflowVersion::V3)
        });
    let ignore_syntax = workspace
        .ignore_syntax
        .unwrap_or(airflow::ignore::IgnoreSyntax::default_for(airflow_version));
    let ignores = airflow_ignores(workspace, ignore_syntax, boundary);
    let ignored: std::collections::HashSet<&str> = workspace
        .dag_files
        .iter()
        .filter(|file| ignores.iter().any(|ignore| ignore.ignores(&file.path)))
        .map(|file| file.display.as_str())
        .collect();
    dag_files.skip_dag_files(|shown| ignored.contains(shown));
    (
        dag_files.extract_early(&workspace.wrappers),
        airflow_version,
        ignore_syntax,
    )
}

/// The `.airflowignore` files of each DAG folder.
fn airflow_ignores(
    workspace: &Workspace,
    syntax: airflow::ignore::IgnoreSyntax,
    boundary: &input::Boundary,
) -> Vec<airflow::ignore::AirflowIgnore> {
    let mut folders: Vec<String> = workspace
        .dag_files
        .iter()
        .filter_map(airflow::parse::FileToRead::dag_folder)
        .collect();
    folders.sort();
    folders.dedup();
    folders
        .iter()
        .map(|folder| {
            airflow::ignore::AirflowIgnore::load(&workspace.root.join(folder), syntax, boundary)
        })
        .collect()
}

/// A discovered dbt project that cannot be loaded (a malformed `dbt_project.yml`, a test
/// fixture, a project never built): the check goes on with the other projects.
fn skipped_project_warning(error: Error, location: &workspace::ProjectLocation) -> Error {
    let shown = location.shown_dir();
    let help = match &error.help {
        Some(help) => format!("{help}; monolint checks the other projects without it"),
        None => "monolint checks the other projects without it; name the projects to check \
            with `[dbt] projects`"
            .to_owned(),
    };
    let mut warning = error.into_warning().with_help(help);
    warning.message = format!("skipped the dbt project `{shown}`: {}", warning.message);
    warning
}

/// A project folder as the summary shows it (`.` for the checked folder).
fn shown_dir(display_dir: &str) -> String {
    match display_dir {
        "" => ".".to_owned(),
        dir => dir.to_owned(),
    }
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
    for (index, project) in repo.projects.iter().enumerate() {
        if let dbt::project::GraphSource::ProjectFiles { unknown } = &project.source {
            summary.read_from_files.push(ReadFromFiles {
                project: shown_dir(&project.display_dir),
                nodes: project.graph.len(),
                unknown: unknown.len(),
                example: unknown
                    .iter()
                    .next()
                    .map(|(id, why)| format!("`{id}`: {why}")),
            });
        }
        let coverage = repo.coverage(index);
        let mut unknown = 0;
        for (_, state) in coverage.models() {
            summary.models += 1;
            match state {
                link::ModelCoverage::Scheduled => summary.models_scheduled += 1,
                link::ModelCoverage::ManualOnly => {
                    summary.models_scheduled += 1;
                    summary.models_manual_only += 1;
                }
                link::ModelCoverage::Unknown => unknown += 1,
                link::ModelCoverage::Unscheduled => {}
            }
        }
        summary.models_unknown += unknown;
        if let Some(why) = coverage.unknown.filter(|_| unknown > 0) {
            let unresolved_tasks = match why {
                link::Unknown::Unresolved { runs, unread_calls } => {
                    runs.iter()
                        .map(|&run| repo.runs[run].task)
                        .collect::<std::collections::BTreeSet<_>>()
                        .len()
                        + unread_calls
                }
                link::Unknown::NoRefreshingTask => 0,
            };
            summary.unknown_coverage.push(UnknownCoverage {
                project: shown_dir(&project.display_dir),
                models: unknown,
                unresolved_tasks,
            });
        }
    }
    summary
}
