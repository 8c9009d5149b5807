//! A dbt project of the monorepo: its folder, `dbt_project.yml` and graph, read from the
//! manifest `dbt parse` wrote or, without one, from the project's files.

mod config;
mod generic_tests;
mod jinja;
mod literal;
mod macros;
mod packages;
pub mod reader;
mod sql;

use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;

use super::graph::{DbtGraph, YamlSelector};
use super::locate;
use super::render;
use crate::error::{Error, Result};
use crate::input::{self, Boundary};
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
    /// Where the graph comes from.
    pub source: GraphSource,
}

/// Where a project's graph was read from.
#[derive(Debug, Clone, PartialEq)]
pub enum GraphSource {
    /// The manifest `dbt parse` wrote.
    Manifest,
    /// The project's files, read statically; the nodes whose dependencies or config only
    /// rendering can tell, and why (by unique id).
    ProjectFiles {
        unknown: std::collections::BTreeMap<String, String>,
    },
}

impl GraphSource {
    pub fn is_manifest(&self) -> bool {
        matches!(self, GraphSource::Manifest)
    }
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

impl ResourcePaths {
    /// Drops the folders that lead out of the checked folder (`model-paths: ["../../.."]`),
    /// returning a warning for each: monolint would otherwise walk them.
    fn keep_inside(
        &mut self,
        project_dir: &std::path::Path,
        file: &Arc<SourceFile>,
        boundary: &Boundary,
    ) -> Vec<Error> {
        let mut warnings = Vec::new();
        for (key, folders) in [
            ("model-paths", &mut self.model_paths),
            ("seed-paths", &mut self.seed_paths),
            ("snapshot-paths", &mut self.snapshot_paths),
            ("analysis-paths", &mut self.analysis_paths),
            ("test-paths", &mut self.test_paths),
        ] {
            folders.retain(|folder| match boundary.check(&project_dir.join(folder)) {
                Ok(_) => true,
                Err(error) => {
                    let message = format!("`{key}` entry `{folder}` is refused: {error}");
                    let warning = match locate::line_containing(file.text(), folder) {
                        Some(range) => Error::at(
                            Span::new(file.clone(), range.start as u32..range.end as u32),
                            message,
                            "monolint does not read this folder",
                        ),
                        None => Error::new(format!("{}: {message}", file.path())),
                    };
                    warnings.push(
                        warning
                            .into_warning()
                            .with_help("monolint reads only the files inside the checked folder"),
                    );
                    false
                }
            });
        }
        warnings
    }
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
    boundary: &Boundary,
) -> Result<Option<Vec<YamlSelector>>> {
    let path = project_dir.join("selectors.yml");
    let text = match boundary.read_text(&path) {
        Ok(text) => text,
        Err(error) if error.is_not_found() => return Ok(None),
        Err(error) => return Err(error.to_error(display)),
    };
    parse_selectors_file(&SourceFile::new(display, text), from_manifest).map(Some)
}

/// The selectors of a `selectors.yml` held in `file`, earlier selectors inlined where later
/// ones use them (see [`read_selectors_file`]).
pub fn parse_selectors_file(
    file: &Arc<SourceFile>,
    from_manifest: &[YamlSelector],
) -> Result<Vec<YamlSelector>> {
    let display = file.path();
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
    let mut budget = MAX_SELECTOR_VALUES;
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
        let inline = |definition, in_template, budget: &mut usize| {
            inline_references(definition, &selectors, in_template, 0, budget)
                .map_err(|error| inline_error(display, &entry.name, error))
        };
        let written = inline(entry.definition.clone(), true, &mut budget)?;
        let template = render::has_jinja(&written).then_some(written);
        let definition = match &template {
            Some(template) => {
                render::render_value(template, &environment).unwrap_or_else(|_| template.clone())
            }
            None => inline(entry.definition, false, &mut budget)?,
        };
        selectors.push(YamlSelector {
            name: entry.name,
            is_default,
            definition,
            template,
        });
    }
    Ok(selectors)
}

/// How deep a selector definition may nest once the selectors it uses are inlined.
const MAX_SELECTOR_DEPTH: usize = 256;
/// How many values the definitions of one `selectors.yml` may hold once inlined: a chain of
/// selectors each using the one before twice doubles at every step.
const MAX_SELECTOR_VALUES: usize = 1_000_000;

enum InlineError {
    /// No earlier selector has this name.
    Undefined(String),
    TooLarge,
}

fn inline_error(display: &str, name: &str, error: InlineError) -> Error {
    match error {
        InlineError::Undefined(missing) => Error::new(format!(
            "{display}: selector `{name}` uses selector `{missing}`, which is not defined above it"
        ))
        .with_help(
            "dbt resolves `method: selector` against the selectors defined earlier in the file",
        ),
        InlineError::TooLarge => Error::new(format!(
            "{display}: selector `{name}` is too large once the selectors it uses are inlined (over {MAX_SELECTOR_DEPTH} levels deep, or over {MAX_SELECTOR_VALUES} values in the file)"
        ))
        .with_help("dbt would inline it the same way; use each selector fewer times"),
    }
}

/// dbt's parse-time `{method: selector, value: NAME}`: the earlier selector's definition (or,
/// in a template, its template) in its place, at `depth` levels down; each inlined value is
/// paid from `budget`.
fn inline_references(
    definition: serde_json::Value,
    earlier: &[YamlSelector],
    in_template: bool,
    depth: usize,
    budget: &mut usize,
) -> std::result::Result<serde_json::Value, InlineError> {
    use serde_json::Value;
    *budget = budget.checked_sub(1).ok_or(InlineError::TooLarge)?;
    if depth > MAX_SELECTOR_DEPTH {
        return Err(InlineError::TooLarge);
    }
    match definition {
        Value::Object(map) if map.get("method").and_then(Value::as_str) == Some("selector") => {
            let name = map.get("value").and_then(Value::as_str).unwrap_or_default();
            let selector = earlier
                .iter()
                .find(|selector| selector.name == name)
                .ok_or_else(|| InlineError::Undefined(name.to_owned()))?;
            let inlined = match (&selector.template, in_template) {
                (Some(template), true) => template,
                _ => &selector.definition,
            };
            let (levels, values) = measure(inlined);
            if depth + levels > MAX_SELECTOR_DEPTH {
                return Err(InlineError::TooLarge);
            }
            *budget = budget.checked_sub(values).ok_or(InlineError::TooLarge)?;
            Ok(inlined.clone())
        }
        Value::Object(map) => map
            .into_iter()
            .map(|(key, value)| {
                Ok((
                    key,
                    inline_references(value, earlier, in_template, depth + 1, budget)?,
                ))
            })
            .collect::<std::result::Result<serde_json::Map<_, _>, _>>()
            .map(Value::Object),
        Value::Array(items) => items
            .into_iter()
            .map(|item| inline_references(item, earlier, in_template, depth + 1, budget))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other),
    }
}

/// The nesting depth and the number of values of a JSON value, without recursion.
fn measure(value: &serde_json::Value) -> (usize, usize) {
    let mut stack = vec![(value, 1)];
    let (mut depth, mut values) = (0, 0);
    while let Some((value, level)) = stack.pop() {
        depth = depth.max(level);
        values += 1;
        match value {
            serde_json::Value::Array(items) => stack.extend(items.iter().map(|v| (v, level + 1))),
            serde_json::Value::Object(map) => stack.extend(map.values().map(|v| (v, level + 1))),
            _ => {}
        }
    }
    (depth, values)
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
        boundary: &Boundary,
    ) -> Result<(DbtProject, Vec<Error>)> {
        let project_display = join_display(&location.display_dir, "dbt_project.yml");
        let text = boundary
            .read_text(&location.dir.join("dbt_project.yml"))
            .map_err(|error| error.to_error(&project_display))?;
        let file = SourceFile::new(project_display, text);
        let parsed: ProjectFile = yaml::from_str(file.text()).map_err(|error| {
            let offset = error.offset.unwrap_or(0) as u32;
            Error::at(
                Span::new(file.clone(), offset..offset),
                format!("invalid dbt_project.yml: {}", error.message),
                "here",
            )
        })?;
        // A manifest named on the command line is read wherever it is.
        let manifest = if location.manifest_given {
            Ok(location.manifest.clone())
        } else {
            boundary.check(&location.manifest)
        };
        let read_files = location.no_manifest
            || (!location.manifest_given
                && manifest
                    .as_ref()
                    .is_ok_and(|path| std::fs::symlink_metadata(path).is_err()));
        let (mut graph, warning, source) = if read_files {
            let read = reader::read_project(&location.dir, &location.display_dir, boundary)?;
            (
                read.graph,
                read.problems,
                GraphSource::ProjectFiles {
                    unknown: read.unknown,
                },
            )
        } else {
            let bytes = manifest
                .and_then(|path| input::read_manifest(&path))
                .map_err(|error| {
                    let message =
                        format!("{manifest_display}: cannot read the dbt manifest: {error}");
                    Error::new(message).with_help(format!(
                        "build it with `{}` (or pass --manifest)",
                        parse_command(location)
                    ))
                })?;
            let (graph, warning) = DbtGraph::load(bytes, std::path::Path::new(manifest_display))?;
            (graph, warning.into_iter().collect(), GraphSource::Manifest)
        };
        let mut warnings: Vec<Error> = warning;
        let selectors_display = join_display(&location.display_dir, "selectors.yml");
        if let Some(selectors) = read_selectors_file(
            &location.dir,
            &selectors_display,
            &graph.selectors,
            boundary,
        )? {
            graph.selectors = selectors;
        }
        let mut paths = parsed.paths;
        warnings.extend(paths.keep_inside(&location.dir, &file, boundary));
        let project = DbtProject {
            dir: location.dir.clone(),
            display_dir: location.display_dir.clone(),
            name: parsed.name,
            manifest_path: location.manifest.clone(),
            graph,
            paths,
            vars: parsed
                .vars
                .and_then(|vars| serde_json::to_value(vars).ok())
                .and_then(|vars| match vars {
                    serde_json::Value::Object(map) => Some(map),
                    _ => None,
                })
                .unwrap_or_default(),
            source,
        };
        Ok((project, warnings))
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

/// The `dbt parse` command that writes a project's manifest, run from the checked folder.
/// dbt looks for `profiles.yml` in the current directory and `~/.dbt/`, not in the project
/// folder: one kept there needs `--profiles-dir`.
pub fn parse_command(location: &ProjectLocation) -> String {
    let folder = location.shown_dir();
    if folder != "." && location.dir.join("profiles.yml").is_file() {
        format!("dbt parse --project-dir {folder} --profiles-dir {folder}")
    } else {
        format!("dbt parse --project-dir {folder}")
    }
}
