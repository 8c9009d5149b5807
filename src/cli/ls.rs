//! `monolint ls [PATH]`: dbt's `ls` from the manifest alone, with dbt's selection semantics
//! and output: an instant `dbt ls` without dbt installed. The dbt project is found as `check`
//! finds it, unless `--project-dir` names it.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{ArgAction, Args, ValueEnum};
use serde_json::{Map, Value};

use super::{EXIT_CLEAN, EXIT_ERROR, emit, print_problem};
use crate::dbt::cli::parse_argv;
use crate::dbt::graph::{DbtGraph, Node, ResourceType};
use crate::dbt::project::read_selectors_file;
use crate::dbt::resolve::{self, Resolution};
use crate::error::Error;
use crate::input::{self, Boundary};
use crate::render::Format;
use crate::source::{SourceFile, Span, Spanned};
use crate::workspace;

#[derive(Debug, Args)]
pub struct LsArgs {
    /// The monorepo folder to find the dbt project in, as `check` does (ignored with
    /// `--project-dir`).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Nodes to list (dbt's `--select`/`-s`); repeatable, space-separated.
    #[arg(short = 's', long = "select", num_args = 1.., action = ArgAction::Append)]
    pub select: Vec<String>,
    /// As dbt's `ls -m`: wins over `--select` and lists models only.
    #[arg(short = 'm', long = "models", visible_alias = "model", num_args = 1.., action = ArgAction::Append)]
    pub models: Vec<String>,
    /// Nodes to leave out (dbt's `--exclude`); repeatable, space-separated.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    pub exclude: Vec<String>,
    /// A YAML selector (from the manifest's `selectors`).
    #[arg(long)]
    pub selector: Option<String>,
    /// Only nodes of these types (`model`, `test`, `source`, ...).
    #[arg(long = "resource-type", visible_alias = "resource-types", num_args = 1.., action = ArgAction::Append)]
    pub resource_type: Vec<String>,
    /// Leave out nodes of these types.
    #[arg(
        long = "exclude-resource-type",
        visible_alias = "exclude-resource-types",
        num_args = 1..,
        action = ArgAction::Append
    )]
    pub exclude_resource_type: Vec<String>,
    /// `eager`, `cautious`, `buildable` or `empty`.
    #[arg(long)]
    pub indirect_selection: Option<String>,
    /// dbt vars (YAML), which `var()` in `selectors.yml` reads.
    #[arg(long)]
    pub vars: Option<String>,
    /// What to print per node (dbt's `--output`).
    #[arg(long, value_enum, default_value_t = LsOutput::Selector)]
    pub output: LsOutput,
    /// Keys of `--output json` (default: name, resource_type, package_name,
    /// original_file_path, unique_id, tags, depends_on, config).
    #[arg(long = "output-keys", num_args = 1.., action = ArgAction::Append)]
    pub output_keys: Vec<String>,
    /// The dbt project folder (default: the one found in PATH).
    #[arg(long, value_name = "DIR")]
    pub project_dir: Option<PathBuf>,
    /// The manifest (default: `<project-dir>/target/manifest.json`).
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Write the list to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Read the project from its files, not its manifest (also what happens when the
    /// manifest is missing).
    #[arg(long, conflicts_with = "manifest")]
    pub no_manifest: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LsOutput {
    Name,
    Path,
    Selector,
    Json,
}

/// What `ls` prints: node lines, dbt's warnings, or an error.
#[derive(Debug, Default)]
pub struct LsResult {
    pub lines: Vec<String>,
    /// Criteria dbt would warn "does not match any enabled nodes" about.
    pub unmatched: Vec<String>,
    pub error: Option<Error>,
}

pub fn run(args: &LsArgs) -> u8 {
    let result = execute(args);
    let mut stderr = std::io::stderr().lock();
    for criterion in &result.unmatched {
        let _ = writeln!(
            stderr,
            "warning: The selection criterion '{criterion}' does not match any enabled nodes"
        );
    }
    if let Some(error) = &result.error {
        drop(stderr);
        print_problem(error, Format::Human, super::ColorChoice::Auto);
        return EXIT_ERROR;
    }
    if result.lines.is_empty() {
        let _ = writeln!(stderr, "warning: No nodes selected!");
    }
    drop(stderr);
    let mut text = result.lines.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    if let Err(error) = emit(&text, args.output_file.as_deref()) {
        print_problem(&error, Format::Human, super::ColorChoice::Auto);
        return EXIT_ERROR;
    }
    EXIT_CLEAN
}

/// The dbt project to list and the manifest to read.
struct Target {
    project_dir: PathBuf,
    manifest: PathBuf,
    /// What may be read: the project folder, or the checked folder when discovery found it.
    boundary: Boundary,
    /// The manifest was named on the command line: read wherever it is.
    manifest_given: bool,
}

/// The project `--project-dir` names, else the one discovery finds in PATH (as `check` finds
/// it, config included).
fn target(args: &LsArgs) -> Result<Target, Error> {
    if let Some(project_dir) = &args.project_dir {
        return Ok(Target {
            manifest: args
                .manifest
                .clone()
                .unwrap_or_else(|| project_dir.join("target").join("manifest.json")),
            boundary: Boundary::new(project_dir),
            project_dir: project_dir.clone(),
            manifest_given: args.manifest.is_some(),
        });
    }
    let loaded = crate::config::load(&args.path, None)?;
    let workspace = workspace::discover(&args.path, &loaded.config, args.manifest.as_deref())?;
    match workspace.projects.as_slice() {
        [project] => Ok(Target {
            project_dir: project.dir.clone(),
            manifest: project.manifest.clone(),
            boundary: workspace.boundary(),
            manifest_given: project.manifest_given,
        }),
        projects => Err(Error::new(format!(
            "{}: {} dbt projects found ({})",
            args.path.display(),
            projects.len(),
            projects
                .iter()
                .map(|project| project.shown_dir())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_help("name the one to list with --project-dir")),
    }
}

/// Reads the manifest (or, without one, the project's files) and the project's
/// `selectors.yml`.
fn load_graph(target: &Target, no_manifest: bool) -> Result<DbtGraph, Error> {
    let from_files = no_manifest
        || (!target.manifest_given && std::fs::symlink_metadata(&target.manifest).is_err());
    let mut graph = if from_files {
        // A `local:` package beside the project is read when it is inside the folder monolint
        // runs in.
        let mut files = std::env::current_dir()
            .map(|dir| Boundary::new(&dir))
            .unwrap_or_else(|_| Boundary::new(&target.project_dir));
        files.include(&target.project_dir);
        crate::dbt::project::reader::read_project(&target.project_dir, "", &files)?.graph
    } else {
        let bytes = if target.manifest_given {
            input::read_manifest(&target.manifest)
        } else {
            target
                .boundary
                .check(&target.manifest)
                .and_then(|path| input::read_manifest(&path))
        };
        let manifest: &Path = &target.manifest;
        bytes
            .map_err(|error| error.to_error(&manifest.to_string_lossy()))
            .and_then(|bytes| DbtGraph::load(bytes, manifest))?
            .0
    };
    // Like dbt, `--selector` reads the project's selectors.yml as it is now.
    let display = target.project_dir.join("selectors.yml");
    let display = display.to_string_lossy();
    if let Some(selectors) = read_selectors_file(
        &target.project_dir,
        &display,
        &graph.selectors,
        &target.boundary,
    )? {
        graph.selectors = selectors;
    }
    Ok(graph)
}

/// Loads the manifest and lists the selected nodes, sorted by unique_id as dbt does.
pub fn execute(args: &LsArgs) -> LsResult {
    // A project folder given is the user's choice; a manifest in it stays in it, one given with
    // `--manifest` is read wherever it is.
    let graph = target(args).and_then(|target| load_graph(&target, args.no_manifest));
    let graph = match graph {
        Ok(graph) => graph,
        Err(error) => {
            return LsResult {
                error: Some(error),
                ..LsResult::default()
            };
        }
    };
    // dbt's ls: `-m` neither combines with `-s` nor with `--resource-type`.
    if !args.models.is_empty() && (!args.select.is_empty() || !args.resource_type.is_empty()) {
        let other = if args.select.is_empty() {
            "resource_type"
        } else {
            "select"
        };
        return LsResult {
            error: Some(Error::new(format!(
                "\"models\" and \"{other}\" are mutually exclusive arguments"
            ))),
            ..LsResult::default()
        };
    }
    let call = match command_line(args) {
        Some(call) => call,
        None => {
            return LsResult {
                error: Some(Error::new("could not read the selection arguments")),
                ..LsResult::default()
            };
        }
    };
    match resolve::selection(&graph, &call) {
        Resolution::Selected { nodes, tokens, .. } => {
            let mut nodes: Vec<&Node> = nodes.iter().map(|&id| graph.node(id)).collect();
            nodes.sort_by(|a, b| a.unique_id.cmp(&b.unique_id));
            LsResult {
                lines: nodes.iter().map(|node| line(&graph, node, args)).collect(),
                unmatched: tokens
                    .iter()
                    .filter(|t| !t.matched)
                    .map(|t| t.text.clone())
                    .collect(),
                error: None,
            }
        }
        Resolution::Invalid { message, .. }
        | Resolution::Unresolved {
            reason: message, ..
        } => LsResult {
            error: Some(Error::new(message)),
            ..LsResult::default()
        },
        Resolution::NoSelection => LsResult::default(),
    }
}

/// The arguments as the dbt command line `dbt ls ...`, read by the same code that reads dbt
/// calls in DAG files.
fn command_line(args: &LsArgs) -> Option<crate::dbt::cli::DbtCall> {
    let mut words: Vec<String> = vec!["dbt".into(), "ls".into()];
    let mut flag = |name: &str, values: &[String]| {
        if !values.is_empty() {
            words.push(name.to_owned());
            words.extend(values.iter().cloned());
        }
    };
    if args.models.is_empty() {
        flag("--select", &args.select);
    } else {
        flag("--models", &args.models);
    }
    flag("--exclude", &args.exclude);
    flag("--resource-type", &args.resource_type);
    flag("--exclude-resource-type", &args.exclude_resource_type);
    flag("--selector", args.selector.as_slice());
    flag("--indirect-selection", args.indirect_selection.as_slice());
    flag("--vars", args.vars.as_slice());
    // Spans into the command line itself, so errors could point at the argument.
    let text = words.join(" ");
    let file = SourceFile::new("<command line>", text);
    let mut offset = 0u32;
    let spanned: Vec<Spanned<String>> = words
        .into_iter()
        .map(|word| {
            let end = offset + word.len() as u32;
            let span = Span::new(file.clone(), offset..end);
            offset = end + 1;
            Spanned::new(word, span)
        })
        .collect();
    parse_argv(&spanned)
}

/// One output line for a node.
fn line(graph: &DbtGraph, node: &Node, args: &LsArgs) -> String {
    match args.output {
        LsOutput::Selector => selector_line(node),
        LsOutput::Name => search_name(node),
        LsOutput::Path => node.file.as_deref().unwrap_or_default().to_owned(),
        LsOutput::Json => json_line(graph, node, &args.output_keys),
    }
}

/// dbt's `--output selector`: the selector that names the node.
fn selector_line(node: &Node) -> String {
    let prefixed = |kind: &str, parts: &[&str]| format!("{kind}:{}", parts.join("."));
    match node.resource_type {
        ResourceType::Source => prefixed(
            "source",
            &[
                &node.package,
                node.source_name.as_deref().unwrap_or_default(),
                &node.name,
            ],
        ),
        ResourceType::Exposure => prefixed("exposure", &[&node.package, &node.name]),
        ResourceType::Metric => prefixed("metric", &[&node.package, &node.name]),
        ResourceType::SavedQuery => prefixed("saved_query", &[&node.package, &node.name]),
        ResourceType::SemanticModel => prefixed("semantic_model", &[&node.package, &node.name]),
        ResourceType::UnitTest => {
            // A unit test of a versioned model exists once per version: `name_vN`.
            let versioned = match &node.version {
                Some(version) => format!("{}_v{version}", node.name),
                None => node.name.to_string(),
            };
            prefixed("unit_test", &[&node.package, &versioned])
        }
        _ => node.fqn.join("."),
    }
}

/// dbt's `search_name`: `source_name.table` for sources, `name.vN` for versioned models.
fn search_name(node: &Node) -> String {
    match (&node.source_name, &node.version) {
        (Some(source), _) if node.resource_type == ResourceType::Source => {
            format!("{source}.{}", node.name)
        }
        (_, Some(version)) if node.resource_type == ResourceType::Model => {
            format!("{}.v{version}", node.name)
        }
        _ => node.name.to_string(),
    }
}

fn json_line(graph: &DbtGraph, node: &Node, keys: &[String]) -> String {
    const DEFAULT_KEYS: [&str; 8] = [
        "name",
        "resource_type",
        "package_name",
        "original_file_path",
        "unique_id",
        "tags",
        "depends_on",
        "config",
    ];
    let keys: Vec<&str> = if keys.is_empty() {
        DEFAULT_KEYS.to_vec()
    } else {
        keys.iter().map(String::as_str).collect()
    };
    let mut object = Map::new();
    for key in keys {
        let value = match key {
            "name" => Value::from(node.name.as_ref()),
            "resource_type" => Value::from(node.resource_type.as_str()),
            "package_name" => Value::from(node.package.as_ref()),
            "original_file_path" => node.file.as_deref().map_or(Value::Null, Value::from),
            "unique_id" => Value::from(node.unique_id.as_ref()),
            "source_name" => node.source_name.as_deref().map_or(Value::Null, Value::from),
            "tags" => Value::from(node.tags.iter().map(|t| t.to_string()).collect::<Vec<_>>()),
            "depends_on" => {
                let parents: Vec<String> = graph
                    .index_of(node)
                    .map(|id| {
                        graph
                            .parents(id)
                            .iter()
                            .map(|p| graph.node(*p).unique_id.to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                serde_json::json!({ "nodes": parents })
            }
            "config" => graph
                .index_of(node)
                .and_then(|id| graph.config_json(id))
                .and_then(|text| serde_json::from_str(text).ok())
                .unwrap_or(Value::Null),
            _ => continue,
        };
        object.insert(key.to_owned(), value);
    }
    Value::Object(object).to_string()
}
