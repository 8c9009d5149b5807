//! A dbt project of the monorepo: its folder, `dbt_project.yml` and manifest graph.

use std::path::PathBuf;

use serde::Deserialize;

use super::graph::DbtGraph;
use crate::error::{Error, Result};
use crate::source::{SourceFile, Span};
use crate::workspace::ProjectLocation;
use crate::yaml;

#[derive(Debug)]
pub struct DbtProject {
    pub dir: PathBuf,
    /// The project folder relative to the checked folder (`""` when it is the same).
    pub display_dir: String,
    pub name: String,
    pub manifest_path: PathBuf,
    pub graph: DbtGraph,
    pub paths: ResourcePaths,
}

/// Where the project keeps each kind of resource (`model-paths`, ... in `dbt_project.yml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ResourcePaths {
    #[serde(default = "default_model_paths")]
    pub model_paths: Vec<String>,
    #[serde(default = "default_seed_paths")]
    pub seed_paths: Vec<String>,
    #[serde(default = "default_snapshot_paths")]
    pub snapshot_paths: Vec<String>,
    #[serde(default = "default_analysis_paths")]
    pub analysis_paths: Vec<String>,
    #[serde(default = "default_test_paths")]
    pub test_paths: Vec<String>,
}

fn default_model_paths() -> Vec<String> {
    vec!["models".into()]
}
fn default_seed_paths() -> Vec<String> {
    vec!["seeds".into()]
}
fn default_snapshot_paths() -> Vec<String> {
    vec!["snapshots".into()]
}
fn default_analysis_paths() -> Vec<String> {
    vec!["analyses".into()]
}
fn default_test_paths() -> Vec<String> {
    vec!["tests".into()]
}

#[derive(Deserialize)]
struct ProjectFile {
    name: String,
    #[serde(flatten)]
    paths: ResourcePaths,
}

impl DbtProject {
    /// Reads `dbt_project.yml` and the manifest. Returns warnings alongside the project.
    pub fn load(
        location: &ProjectLocation,
        manifest_display: &str,
    ) -> Result<(DbtProject, Vec<Error>)> {
        let project_file = location.dir.join("dbt_project.yml");
        let text =
            std::fs::read_to_string(&project_file).map_err(|e| Error::io(&project_file, &e))?;
        let file = SourceFile::new(join_display(&location.display_dir, "dbt_project.yml"), text);
        let parsed: ProjectFile = yaml::from_str(file.text()).map_err(|error| {
            let offset = error.offset.unwrap_or(0) as u32;
            Error::at(
                Span::new(file.clone(), offset..offset),
                format!("invalid dbt_project.yml: {}", error.message),
                "here",
            )
        })?;
        let bytes = std::fs::read(&location.manifest).map_err(|error| {
            let message = format!("{manifest_display}: cannot read the dbt manifest: {error}");
            Error::new(message).with_help(format!(
                "build it with `dbt parse --project-dir {}` (or pass --manifest)",
                if location.display_dir.is_empty() {
                    "."
                } else {
                    &location.display_dir
                }
            ))
        })?;
        let (graph, warning) = DbtGraph::load(bytes, std::path::Path::new(manifest_display))?;
        let project = DbtProject {
            dir: location.dir.clone(),
            display_dir: location.display_dir.clone(),
            name: parsed.name,
            manifest_path: location.manifest.clone(),
            graph,
            paths: parsed.paths,
        };
        Ok((project, warning.into_iter().collect()))
    }

    /// A project-relative path as shown to users.
    pub fn display(&self, relative: &str) -> String {
        join_display(&self.display_dir, relative)
    }
}

fn join_display(dir: &str, relative: &str) -> String {
    if dir.is_empty() {
        relative.to_owned()
    } else {
        format!("{dir}/{relative}")
    }
}
