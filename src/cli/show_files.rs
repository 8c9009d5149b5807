//! `monolint check --show-files`: what discovery found and read, without checking anything,
//! to see why a project, a manifest or a DAG file was (or was not) picked up.

use std::collections::BTreeMap;

use crate::airflow::model::DagKind;
use crate::dbt::graph::ResourceType;
use crate::error::Result;
use crate::{CheckOptions, link_workspace, workspace};

/// The text `--show-files` prints.
pub fn run(options: &CheckOptions) -> Result<String> {
    let (loaded, workspace) = options.discover()?;
    let (repo, problems) = link_workspace(&workspace, false)?;
    let mut out = String::new();
    out.push_str(&format!(
        "config: {}\n",
        loaded
            .file
            .as_ref()
            .map_or("none (defaults)".to_owned(), |file| file.path().to_owned())
    ));
    out.push_str(&format!("dbt projects: {}\n", repo.projects.len()));
    for project in &repo.projects {
        let graph = &project.graph;
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, node) in graph.nodes() {
            if graph.is_root_project(node)
                && matches!(
                    node.resource_type,
                    ResourceType::Model | ResourceType::Test | ResourceType::Source
                )
            {
                *counts.entry(node.resource_type.as_str()).or_default() += 1;
            }
        }
        let counts = counts
            .iter()
            .map(|(kind, n)| format!("{n} {kind}s"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&format!(
            "  {}  `{}`  manifest {}  ({counts})\n",
            if project.display_dir.is_empty() {
                "."
            } else {
                &project.display_dir
            },
            project.name,
            workspace::relative_display(&workspace.root, &project.manifest_path),
        ));
    }
    let in_folders = workspace
        .dag_files
        .iter()
        .filter(|f| f.in_dag_folder())
        .count();
    out.push_str(&format!(
        "Python files read: {} ({} in DAG folders; {} elsewhere, DAG files if they mention \"airflow\" and \"dag\")\n",
        workspace.dag_files.len(),
        in_folders,
        workspace.dag_files.len() - in_folders
    ));
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, dag) in repo.dags() {
        let kind = match dag.kind {
            DagKind::Constructor => "DAG(...)",
            DagKind::Decorator => "@dag",
            DagKind::CosmosDbtDag => "Cosmos DbtDag",
            DagKind::Gusty => "gusty YAML",
            DagKind::DagFactory => "dag-factory YAML",
        };
        *by_kind.entry(kind).or_default() += 1;
    }
    out.push_str(&format!(
        "DAGs: {} ({})\n",
        repo.dags().count(),
        by_kind
            .iter()
            .map(|(kind, n)| format!("{n} {kind}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let version = workspace
        .airflow_version
        .map(|v| format!("{v:?} ([airflow] version)"))
        .or_else(|| {
            workspace
                .airflow_pinned
                .map(|v| format!("{v:?} (pinned by the repository)"))
        })
        .unwrap_or_else(|| "not pinned (per file: airflow.sdk imports mean 3)".to_owned());
    out.push_str(&format!("Airflow version: {version}\n"));
    let mappings = workspace.path_map.entries();
    if mappings.is_empty() {
        out.push_str("path map: none configured\n");
    } else {
        out.push_str("path map:\n");
        for (runtime, folder) in mappings {
            out.push_str(&format!("  {runtime} -> {folder}\n"));
        }
    }
    if !repo.inferred_paths.is_empty() {
        out.push_str("deployment paths read as repository paths (inferred):\n");
        for mapping in &repo.inferred_paths {
            out.push_str(&format!("  {} -> {}\n", mapping.path, mapping.repo_path));
        }
    }
    let unread: usize = repo.dag_files.iter().map(|f| f.unread_dbt.len()).sum();
    let unresolved = repo.unresolved_task_count();
    out.push_str(&format!(
        "dbt tasks monolint could not resolve: {unresolved}; calls that look like dbt tasks but could not be read: {unread}\n"
    ));
    for problem in problems {
        out.push_str(&format!("{}: {}\n", problem.severity, problem.message));
    }
    Ok(out)
}
