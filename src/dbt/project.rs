//! A dbt project of the monorepo: its folder, `dbt_project.yml` and manifest graph.

use std::path::PathBuf;

use serde::Deserialize;

use super::graph::{DbtGraph, YamlSelector};
use super::render;
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
    /// `vars:` of `dbt_project.yml`, as written (`{}` when absent or not a mapping).
    pub vars: serde_json::Map<String, serde_json::Value>,
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

/// `selectors.yml`.
#[derive(Deserialize)]
struct SelectorsFile {
    #[serde(default)]
    selectors: Vec<SelectorEntry>,
}

#[derive(Deserialize)]
struct SelectorEntry {
    name: String,
    definition: serde_json::Value,
    #[serde(default)]
    default: Option<serde_json::Value>,
}

/// The project's YAML selectors as dbt reads them when it runs: from `selectors.yml`, which
/// wins over the manifest's copy. That copy is what the last `dbt parse` rendered, with the
/// environment and `--vars` of that parse (a CI job's, say) and maybe an older file; dbt
/// renders `selectors.yml` again for every invocation, with the invocation's own environment
/// and `--vars`. `None` when the project has no `selectors.yml`. A `default:` written as Jinja
/// (`"{{ target.name == 'prod' }}"`) keeps the value dbt rendered into the manifest.
pub fn read_selectors_file(
    project_dir: &std::path::Path,
    display: &str,
    from_manifest: &[YamlSelector],
) -> Result<Option<Vec<YamlSelector>>> {
    let path = project_dir.join("selectors.yml");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(Error::io(&path, &error)),
    };
    let file = SourceFile::new(display, text);
    let parsed: SelectorsFile = yaml::from_str(file.text()).map_err(|error| {
        let offset = error.offset.unwrap_or(0) as u32;
        Error::at(
            Span::new(file.clone(), offset..offset),
            format!("invalid selectors.yml: {}", error.message),
            "here",
        )
        .with_help("dbt cannot parse the project with this file either")
    })?;
    let mut selectors: Vec<YamlSelector> = Vec::new();
    let environment = render::RenderContext::environment();
    for entry in parsed.selectors {
        let is_default = match &entry.default {
            Some(serde_json::Value::Bool(flag)) => *flag,
            Some(serde_json::Value::String(_)) => from_manifest
                .iter()
                .any(|known| known.name == entry.name && known.is_default),
            _ => false,
        };
        // Earlier selectors are inlined as written (`method: selector`); a definition that
        // then holds Jinja is rendered where monolint runs, and again with each call's
        // `--vars`.
        let written = inline_references(entry.definition.clone(), &selectors, true)
            .map_err(|missing| unknown_reference(display, &entry.name, &missing))?;
        let template = render::has_jinja(&written).then_some(written);
        let definition = match &template {
            Some(template) => {
                render::render_value(template, &environment).unwrap_or_else(|_| template.clone())
            }
            None => inline_references(entry.definition, &selectors, false)
                .map_err(|missing| unknown_reference(display, &entry.name, &missing))?,
        };
        selectors.push(YamlSelector {
            name: entry.name,
            is_default,
            definition,
            template,
        });
    }
    Ok(Some(selectors))
}

fn unknown_reference(display: &str, name: &str, missing: &str) -> Error {
    Error::new(format!(
        "{display}: selector `{name}` uses selector `{missing}`, which is not defined above it"
    ))
    .with_help("dbt resolves `method: selector` against the selectors defined earlier in the file")
}

/// dbt's parse-time `{method: selector, value: NAME}`: the earlier selector's definition (or,
/// in a template, its template) in its place. `Err(NAME)` when no earlier selector has that
/// name.
fn inline_references(
    definition: serde_json::Value,
    earlier: &[YamlSelector],
    in_template: bool,
) -> std::result::Result<serde_json::Value, String> {
    use serde_json::Value;
    match definition {
        Value::Object(map) if map.get("method").and_then(Value::as_str) == Some("selector") => {
            let name = map.get("value").and_then(Value::as_str).unwrap_or_default();
            earlier
                .iter()
                .find(|selector| selector.name == name)
                .map(|selector| match (&selector.template, in_template) {
                    (Some(template), true) => template.clone(),
                    _ => selector.definition.clone(),
                })
                .ok_or_else(|| name.to_owned())
        }
        Value::Object(map) => map
            .into_iter()
            .map(|(key, value)| Ok((key, inline_references(value, earlier, in_template)?)))
            .collect::<std::result::Result<serde_json::Map<_, _>, _>>()
            .map(Value::Object),
        Value::Array(items) => items
            .into_iter()
            .map(|item| inline_references(item, earlier, in_template))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other),
    }
}

#[derive(Deserialize)]
struct ProjectFile {
    name: String,
    #[serde(flatten)]
    paths: ResourcePaths,
    #[serde(default)]
    vars: Option<yaml::Value>,
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
        let (mut graph, warning) = DbtGraph::load(bytes, std::path::Path::new(manifest_display))?;
        let selectors_display = join_display(&location.display_dir, "selectors.yml");
        if let Some(selectors) =
            read_selectors_file(&location.dir, &selectors_display, &graph.selectors)?
        {
            graph.selectors = selectors;
        }
        let project = DbtProject {
            dir: location.dir.clone(),
            display_dir: location.display_dir.clone(),
            name: parsed.name,
            manifest_path: location.manifest.clone(),
            graph,
            paths: parsed.paths,
            vars: parsed
                .vars
                .and_then(|vars| serde_json::to_value(vars).ok())
                .and_then(|vars| match vars {
                    serde_json::Value::Object(map) => Some(map),
                    _ => None,
                })
                .unwrap_or_default(),
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
