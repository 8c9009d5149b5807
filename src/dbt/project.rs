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
}

#[derive(Deserialize)]
struct ProjectFile {
    name: String,
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
