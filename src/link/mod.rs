//! Joins the two halves: resolves every dbt call of every Airflow task to the nodes it runs,
//! producing the read-only [`Monorepo`] every rule sees.

mod coverage;
mod manifest;
mod projects;

pub use coverage::{ModelCoverage, ProjectCoverage, Unknown, refreshes_models, writes};
pub use manifest::{LoadedManifests, SpelledKeys, manifest_value};

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

use crate::airflow::value::UNKNOWN_MARK;
use crate::airflow::{Dag, DagFile, Task};
use crate::dbt::checksum::{self, Stale};
use crate::dbt::cli::DbtCall;
use crate::dbt::graph::{DbtGraph, Node, NodeId, ResourceType};
use crate::dbt::locate::{self, YamlEntries};
use crate::dbt::project::DbtProject;
use crate::dbt::resolve;
pub use crate::dbt::resolve::{Resolution, Token};
use crate::error::Error;
use crate::input::{Boundary, ReadError};
use crate::repo_paths::{Mapping, RepoPaths};
use crate::source::{SourceFile, Span};
use crate::workspace::PathMap;
use projects::{KnownProjects, which_project};

/// Identifies a task: its file and its index in that file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskRef {
    pub file: usize,
    pub task: usize,
}

/// One dbt call of one task, resolved against a dbt project.
#[derive(Debug)]
pub struct DbtRun {
    pub task: TaskRef,
    /// Index into the task's `dbt_calls`; `None` for a call that could not be read at all.
    pub call: Option<usize>,
    pub project: Option<usize>,
    pub resolution: Resolution,
    /// The deployment path of the call's project, mapped onto the repository by inference.
    pub inferred_path: Option<Mapping>,
}

/// The joined, read-only model of the monorepo.
#[derive(Debug)]
pub struct Monorepo {
    pub root: PathBuf,
    pub projects: Vec<DbtProject>,
    pub dag_files: Vec<DagFile>,
    pub runs: Vec<DbtRun>,
    /// For each project and node: the runs that execute it.
    runs_by_node: Vec<Vec<Vec<usize>>>,
    files: FileCache,
    /// For each project: its files that differ from the manifest, computed on first use.
    stale: Vec<OnceLock<Vec<Stale>>>,
    /// How the team assigns owners (the config's `ownership` and owner placeholders).
    pub ownership: Ownership,
    /// Deployment paths the DAG files name, mapped onto the repository by inference (no
    /// `[dbt] path-map` entry covers them), sorted.
    pub inferred_paths: Vec<Mapping>,
    /// The `[dbt] path-map` prefixes and the repository's files and folders.
    pub path_map: PathMap,
}

/// How the team assigns owners.
#[derive(Debug, Clone)]
pub struct Ownership {
    pub mode: crate::config::OwnershipMode,
    /// DAG owners that mean nobody (`[rules.dag-owner-missing] placeholders`).
    pub placeholders: Vec<String>,
}

impl Default for Ownership {
    fn default() -> Self {
        Ownership {
            mode: Default::default(),
            placeholders: crate::airflow::owner::DEFAULT_PLACEHOLDERS
                .iter()
                .map(|p| (*p).to_owned())
                .collect(),
        }
    }
}

impl Monorepo {
    /// Resolves every task's dbt calls.
    /// `skipped` are the folders (as shown) of dbt projects that could not be loaded: a call
    /// that names one stays unresolved rather than running in another project.
    pub fn link(
        root: &Path,
        projects: Vec<DbtProject>,
        skipped: &[String],
        dag_files: Vec<DagFile>,
        path_map: &PathMap,
        files: FileCache,
        stale: Vec<Option<Vec<Stale>>>,
    ) -> Monorepo {
        let known = KnownProjects {
            loaded: &projects,
            skipped,
        };
        let calls: Vec<(TaskRef, Option<usize>)> = dag_files
            .iter()
            .enumerate()
            .flat_map(|(file_index, file)| {
                file.tasks
                    .iter()
                    .enumerate()
                    .flat_map(move |(task_index, task)| {
                        let task_ref = TaskRef {
                            file: file_index,
                            task: task_index,
                        };
                        let calls =
                            (0..task.dbt_calls.len()).map(move |call| (task_ref, Some(call)));
                        let opaque = task.unresolved.iter().map(move |_| (task_ref, None));
                        calls.chain(opaque).collect::<Vec<_>>()
                    })
            })
            .collect();
        let mut unresolved_seen: HashMap<TaskRef, usize> = HashMap::new();
        let opaque_index: Vec<usize> = calls
            .iter()
            .map(|(task, call)| match call {
                Some(_) => 0,
                None => {
                    let seen = unresolved_seen.entry(*task).or_default();
                    *seen += 1;
                    *seen - 1
                }
            })
            .collect();
        let runs: Vec<DbtRun> = calls
            .par_iter()
            .zip(opaque_index.par_iter())
            .map(|(&(task_ref, call_index), &opaque)| {
                let task = &dag_files[task_ref.file].tasks[task_ref.task];
                match call_index {
                    Some(index) => {
                        resolve_call(&known, path_map, task_ref, index, &task.dbt_calls[index])
                    }
                    None => {
                        let why = &task.unresolved[opaque];
                        DbtRun {
                            task: task_ref,
                            call: None,
                            project: (projects.len() == 1).then_some(0),
                            resolution: Resolution::Unresolved {
                                reason: why.value.clone(),
                                span: why.span.clone(),
                            },
                            inferred_path: None,
                        }
                    }
                }
            })
            .collect();
        let mut runs_by_node: Vec<Vec<Vec<usize>>> = projects
            .iter()
            .map(|p| vec![Vec::new(); p.graph.len()])
            .collect();
        for (index, run) in runs.iter().enumerate() {
            if let (Some(project), Resolution::Selected { nodes, .. }) =
                (run.project, &run.resolution)
            {
                for node in nodes {
                    runs_by_node[project][node.index()].push(index);
                }
            }
        }
        let mut inferred_paths: Vec<Mapping> = runs
            .iter()
            .filter_map(|run| run.inferred_path.clone())
            .collect();
        inferred_paths.sort();
        inferred_paths.dedup();
        Monorepo {
            inferred_paths,
            path_map: path_map.clone(),
            root: root.to_path_buf(),
            // Comparisons done while loading are kept; the others run on first use.
            stale: stale
                .into_iter()
                .chain(std::iter::repeat_with(|| None))
                .take(projects.len())
                .map(|done| done.map_or_else(OnceLock::new, OnceLock::from))
                .collect(),
            projects,
            dag_files,
            runs,
            runs_by_node,
            files,
            ownership: Ownership::default(),
        }
    }

    /// Adds deployment paths inferred while DAG files were read (manifests they open).
    pub fn add_inferred_paths(&mut self, more: impl IntoIterator<Item = Mapping>) {
        self.inferred_paths.extend(more);
        self.inferred_paths.sort();
        self.inferred_paths.dedup();
    }

    pub fn task(&self, task: TaskRef) -> &Task {
        &self.dag_files[task.file].tasks[task.task]
    }

    pub fn dag_of(&self, task: TaskRef) -> Option<&Dag> {
        let index = self.task(task).dag?;
        self.dag_files[task.file].dags.get(index)
    }

    pub fn call_of(&self, run: &DbtRun) -> Option<&DbtCall> {
        run.call.map(|index| &self.task(run.task).dbt_calls[index])
    }

    /// Every DAG with its file index.
    pub fn dags(&self) -> impl Iterator<Item = (usize, &Dag)> {
        self.dag_files
            .iter()
            .enumerate()
            .flat_map(|(file, f)| f.dags.iter().map(move |dag| (file, dag)))
    }

    /// Indexes (into `runs`) of the runs that execute a node.
    pub fn run_ids_of(&self, project: usize, node: NodeId) -> &[usize] {
        &self.runs_by_node[project][node.index()]
    }

    /// The runs that execute a node.
    pub fn runs_of(&self, project: usize, node: NodeId) -> impl Iterator<Item = &DbtRun> {
        self.runs_by_node[project][node.index()]
            .iter()
            .map(|&index| &self.runs[index])
    }

    /// Models a DAG is expected to run: enabled models of the root project that build a
    /// relation (ephemeral models are compiled into their consumers and never run alone).
    pub fn schedulable_models(&self, project: usize) -> impl Iterator<Item = NodeId> + '_ {
        let graph = &self.projects[project].graph;
        graph
            .nodes()
            .filter(|(_, node)| {
                node.is_model() && !node.is_ephemeral() && graph.is_root_project(node)
            })
            .map(|(id, _)| id)
    }

    /// The project's files that differ from its manifest (read and hashed on first call, if
    /// not while the DAG files were read).
    pub fn stale_files(&self, project: usize) -> &[Stale] {
        self.stale[project].get_or_init(|| self.files.stale_files(&self.projects[project]))
    }

    /// Whether a path relative to the checked folder names an existing file or folder; `None`
    /// when it leads outside (through `..` or a symbolic link), where monolint does not look.
    pub fn repo_path_exists(&self, relative: &str) -> Option<bool> {
        self.files.boundary.exists(&self.root.join(relative)).ok()
    }

    /// Files the checked files name that monolint refused or failed to read (outside the
    /// checked folder, not a regular file, not text), one warning each, by path.
    pub fn refused_reads(&self) -> Vec<Error> {
        self.files.refused()
    }

    /// Runs whose selection is not known, for a project (or for any project when unknown).
    pub fn unresolved_runs(&self, project: usize) -> impl Iterator<Item = &DbtRun> {
        self.runs.iter().filter(move |run| {
            matches!(run.resolution, Resolution::Unresolved { .. })
                && run.project.is_none_or(|p| p == project)
        })
    }

    /// Where a run's selection is written: its first `--select` argument, else its dbt call,
    /// else the task.
    pub fn selection_span(&self, run: &DbtRun) -> Span {
        match self.call_of(run) {
            Some(call) => call
                .select
                .first()
                .map_or(&call.span, |arg| &arg.span)
                .clone(),
            None => self.task(run.task).span().clone(),
        }
    }

    /// How many tasks have a dbt call that could not be resolved.
    pub fn unresolved_task_count(&self) -> usize {
        let mut tasks: Vec<TaskRef> = self
            .runs
            .iter()
            .filter(|run| matches!(run.resolution, Resolution::Unresolved { .. }))
            .map(|run| run.task)
            .collect();
        tasks.sort();
        tasks.dedup();
        tasks.len()
    }

    /// A human name for a task: `dag_id.task_id`.
    pub fn task_name(&self, task: TaskRef) -> String {
        let dag = self.dag_of(task).map_or("<no dag>", |dag| dag.id());
        format!("{dag}.{}", self.task(task).id())
    }

    /// A file of a dbt project, read once and shared (an empty stand-in if it is missing).
    pub fn project_file(&self, project: usize, relative: &str) -> Arc<SourceFile> {
        let project = &self.projects[project];
        self.files
            .get(&project.dir.join(relative), &project.display(relative))
    }

    /// Where to point at a node: its `- name:` entry in the properties YAML when it has one,
    /// else the first code line of its SQL file. Never the manifest.
    pub fn node_span(&self, project: usize, id: NodeId) -> Span {
        let node = self.projects[project].graph.node(id);
        if let Some(span) = self.yaml_entry_span(project, node) {
            return span;
        }
        self.node_file_span(project, id)
    }

    /// A node's own file (SQL, CSV or the YAML that defines it), read once.
    pub fn node_file(&self, project: usize, id: NodeId) -> Arc<SourceFile> {
        let graph = &self.projects[project].graph;
        self.project_file(project, &node_path(graph, graph.node(id)))
    }

    /// The first code line of a node's own file (SQL, CSV or the YAML that defines it).
    pub fn node_file_span(&self, project: usize, id: NodeId) -> Span {
        let file = self.node_file(project, id);
        let range = locate::first_code_line(file.text());
        Span::new(file, range.start as u32..range.end as u32)
    }

    /// The first line of a node's own file containing `needle`.
    pub fn node_line_containing(&self, project: usize, id: NodeId, needle: &str) -> Option<Span> {
        self.node_line_containing_after(project, id, "", needle)
    }

    /// The line of a node's own file holding the first `needle` after the first `after`.
    pub fn node_line_containing_after(
        &self,
        project: usize,
        id: NodeId,
        after: &str,
        needle: &str,
    ) -> Option<Span> {
        let file = self.node_file(project, id);
        let range = locate::line_containing_after(file.text(), after, needle)?;
        Some(Span::new(file, range.start as u32..range.end as u32))
    }

    fn yaml_entry_span(&self, project: usize, node: &Node) -> Option<Span> {
        let graph = &self.projects[project].graph;
        let (yaml, after) = match node.resource_type {
            ResourceType::Source => (node.file.as_deref()?, node.source_name.as_deref()),
            ResourceType::Exposure
            | ResourceType::Metric
            | ResourceType::SemanticModel
            | ResourceType::SavedQuery
            | ResourceType::UnitTest => (node.file.as_deref()?, None),
            _ => (node.patch_file.as_deref()?, None),
        };
        let path = if graph.is_root_project(node) {
            yaml.to_owned()
        } else {
            format!("dbt_packages/{}/{yaml}", node.package)
        };
        let dbt = &self.projects[project];
        let (file, entries) = self
            .files
            .yaml_entries(&dbt.dir.join(&path), &dbt.display(&path));
        let from = match after {
            Some(parent) => entries.find(parent, 0)?.end,
            None => 0,
        };
        let range = entries.find(&node.name, from)?;
        Some(Span::new(file, range.start as u32..range.end as u32))
    }
}

/// A node's file relative to the project root (package nodes live in `dbt_packages/`).
fn node_path(graph: &DbtGraph, node: &Node) -> String {
    let file = node.file.as_deref().unwrap_or_default();
    if graph.is_root_project(node) {
        file.to_owned()
    } else {
        format!("dbt_packages/{}/{file}", node.package)
    }
}

/// The files the checked ones name, read once each (only those a diagnostic points into),
/// and those that could not be read.
#[derive(Debug)]
pub struct FileCache {
    boundary: Arc<Boundary>,
    /// The repository's files as the walk found them.
    repository: Arc<RepoPaths>,
    files: Mutex<HashMap<PathBuf, Arc<SourceFile>>>,
    /// The `- name:` entries of the properties files read so far.
    yaml_entries: Mutex<HashMap<PathBuf, Arc<YamlEntries>>>,
    /// By displayed path: the problem, for the report.
    refused: Mutex<BTreeMap<String, Error>>,
}

/// At most this many unreadable files are listed one by one; a manifest naming thousands of
/// files outside the repository says so in one more line.
const REFUSED_LISTED: usize = 20;

impl FileCache {
    pub fn new(boundary: Arc<Boundary>, repository: Arc<RepoPaths>) -> Self {
        FileCache {
            boundary,
            repository,
            files: Mutex::default(),
            yaml_entries: Mutex::default(),
            refused: Mutex::default(),
        }
    }

    /// The file, or an empty stand-in if it is missing or cannot be read (recorded).
    fn get(&self, path: &Path, display: &str) -> Arc<SourceFile> {
        let mut files = lock(&self.files);
        files
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                let text = self
                    .read_unnoted(path, display)
                    .and_then(crate::input::decode_text)
                    .unwrap_or_else(|error| {
                        self.note(display, &error);
                        String::new()
                    });
                SourceFile::new(display, text)
            })
            .clone()
    }

    /// A properties file and its `- name:` entries, found once.
    fn yaml_entries(&self, path: &Path, display: &str) -> (Arc<SourceFile>, Arc<YamlEntries>) {
        let file = self.get(path, display);
        let entries = lock(&self.yaml_entries)
            .entry(path.to_path_buf())
            .or_insert_with(|| Arc::new(YamlEntries::new(file.text())))
            .clone();
        (file, entries)
    }

    /// The project's files that differ from its manifest; none for a graph read from the
    /// files, which is as fresh as they are.
    pub fn stale_files(&self, dbt: &DbtProject) -> Vec<Stale> {
        if !dbt.source.is_manifest() {
            return Vec::new();
        }
        let read =
            |relative: &str| self.read_bytes(&dbt.dir.join(relative), &dbt.display(relative));
        let listed = |folder: &str| self.project_files_under(dbt, folder);
        checksum::stale_files(dbt, &read, &listed)
    }

    /// The files the walk found under a folder of a project, relative to the project (none for
    /// a folder outside it).
    fn project_files_under(&self, dbt: &DbtProject, folder: &str) -> Vec<String> {
        let folder = crate::workspace::normalize_relative(folder);
        if folder.split('/').any(|part| part == "..") {
            return Vec::new();
        }
        let under = dbt.display(&folder);
        let prefix_len = dbt.display("").len();
        self.repository
            .files_under(under.trim_end_matches('/'))
            .filter_map(|file| file.get(prefix_len..))
            .map(str::to_owned)
            .collect()
    }

    /// A file's bytes; a problem other than its absence is recorded.
    fn read_bytes(&self, path: &Path, display: &str) -> Result<Vec<u8>, ReadError> {
        self.read_unnoted(path, display)
            .inspect_err(|error| self.note(display, error))
    }

    /// A file's bytes. A file the walk found needs no boundary check (see
    /// [`RepoPaths::walked_plainly`]).
    fn read_unnoted(&self, path: &Path, display: &str) -> Result<Vec<u8>, ReadError> {
        if self.repository.walked_plainly(display) {
            crate::input::read_walked(path)
        } else {
            self.boundary.read_bytes(path)
        }
    }

    fn note(&self, display: &str, error: &ReadError) {
        if !error.is_not_found() {
            lock(&self.refused)
                .entry(display.to_owned())
                .or_insert_with(|| refusal(display, error));
        }
    }

    fn refused(&self) -> Vec<Error> {
        let refused = lock(&self.refused);
        let mut problems: Vec<Error> = refused.values().take(REFUSED_LISTED).cloned().collect();
        if refused.len() > REFUSED_LISTED {
            problems.push(
                Error::new(format!(
                    "{} more files named by the dbt project were not read",
                    refused.len() - REFUSED_LISTED
                ))
                .into_warning(),
            );
        }
        problems
    }
}

/// A file a rule wanted that could not be read: a warning naming it (findings about it point
/// at an empty stand-in).
fn refusal(display: &str, error: &ReadError) -> Error {
    error.to_error(display).into_warning()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn resolve_call(
    known: &KnownProjects,
    path_map: &PathMap,
    task: TaskRef,
    index: usize,
    call: &DbtCall,
) -> DbtRun {
    let run = |project, resolution| DbtRun {
        task,
        call: Some(index),
        project,
        resolution,
        inferred_path: None,
    };
    let dir = call.project_dir.as_ref().map(|dir| dir.value.as_str());
    let projects = known.loaded;
    let (project, inferred) = match which_project(*known, path_map, dir) {
        Ok(found) => (found.project, found.inferred),
        Err(reason) => {
            let span = call
                .project_dir
                .as_ref()
                .map_or(&call.span, |dir| &dir.span);
            return run(
                None,
                Resolution::Unresolved {
                    reason,
                    span: span.clone(),
                },
            );
        }
    };
    // Airflow renders templates before dbt splits an argument: judge each argument whole.
    let runtime_only =
        |text: &str| text.contains(UNKNOWN_MARK) || text.contains("{{") || text.contains("{%");
    let templated = call
        .select
        .iter()
        .chain(&call.exclude)
        .chain(&call.selector)
        .find(|arg| runtime_only(&arg.value));
    if let Some(arg) = templated
        && call.command.selects_nodes()
    {
        let reason = format!(
            "the selector `{}` is only known at run time",
            arg.value.replace(UNKNOWN_MARK, "…")
        );
        return DbtRun {
            inferred_path: inferred,
            ..run(
                Some(project),
                Resolution::Unresolved {
                    reason,
                    span: arg.span.clone(),
                },
            )
        };
    }
    DbtRun {
        inferred_path: inferred,
        ..run(
            Some(project),
            resolve::selection(&projects[project].graph, call),
        )
    }
}
