//! astronomer-cosmos `DbtTaskGroup` and `DbtDag`: one task per dbt node of the rendered
//! selection (`RenderConfig`), with vars from `operator_args` or `ProjectConfig`.

use super::{Extraction, Family, items_of};
use crate::airflow::value::{Call, Item, Value};
use crate::dbt::cli::{DbtCall, NamedPath, PathKind, SelectorDialect, WrittenAs};
use crate::dbt::command::DbtCommand;
use crate::dbt::select::cosmos::render::{
    RenderOptions, SeedRendering, SourceRendering, TestBehavior,
};
use crate::dbt::vars::{VarEntry, Vars};
use crate::source::{Span, Spanned};

pub const COSMOS_RENDERED: Family = Family {
    name: "Cosmos DbtTaskGroup/DbtDag",
    recognizes: |call| matches!(call.name(), "DbtTaskGroup" | "DbtDag"),
    extract,
};

fn extract(call: &Call) -> Extraction {
    let mut extraction = Extraction::default();
    // Cosmos runs `dbt run` + `dbt test` (or `dbt build`) per rendered node, plus seeds and
    // snapshots: what runs is what `dbt build` would run on the selection.
    let mut dbt = DbtCall::new(DbtCommand::Build, first_line(&call.span));
    dbt.written_as = WrittenAs::CosmosRender;
    if let Some(args) = call.kwarg("operator_args") {
        dbt.vars_site = args.span.clone();
    }
    let project_config = config_call(call, "project_config", &mut extraction);
    let render_config = config_call(call, "render_config", &mut extraction);

    if let Some(render) = render_config {
        dbt.dialect = render_dialect(call, render, project_config);
        for (name, target) in [("select", &mut dbt.select), ("exclude", &mut dbt.exclude)] {
            let Some(item) = render.kwarg(name) else {
                continue;
            };
            for element in items_of(item) {
                match element.value.as_str() {
                    // `exclude=[""]`: Cosmos passes no exclusion (and `dbt ls --exclude ""`
                    // excludes nothing), a common way of writing "none".
                    Some(text) if name == "exclude" && text.trim().is_empty() => {}
                    Some(text) => target.push(Spanned::new(text, element.span.clone())),
                    None => extraction.unresolved.push(Spanned::new(
                        format!(
                            "`RenderConfig({name}=...)` holds {}",
                            element.value.describe()
                        ),
                        element.span.clone(),
                    )),
                }
            }
        }
        if let Some(item) = render.kwarg("selector") {
            match item.value.as_str() {
                Some(text) => dbt.selector = Some(Spanned::new(text, item.span.clone())),
                None => extraction.unresolved.push(Spanned::new(
                    format!("`RenderConfig(selector=...)` is {}", item.value.describe()),
                    item.span.clone(),
                )),
            }
        }
    }
    let execution_config = call
        .kwarg("execution_config")
        .and_then(|e| e.value.as_call());
    dbt.project_dir = project_dir(project_config, render_config, execution_config);
    dbt.paths = named_paths(project_config, render_config, execution_config);
    if runs_on_worker(execution_config) {
        dbt.paths.extend(profiles_file(call));
    }
    dbt.cosmos = Some(render_options(call, project_config, render_config));
    // `operator_args["vars"]` wins over `ProjectConfig(dbt_vars=...)`.
    let operator_vars = call
        .kwarg("operator_args")
        .and_then(|args| args.value.get("vars"));
    let project_vars = project_config.and_then(|project| project.kwarg("dbt_vars"));
    if let Some(vars) = operator_vars.or(project_vars) {
        dbt.vars = Some(vars_from_dict(vars));
    }
    if let Some(full_refresh) = call
        .kwarg("operator_args")
        .and_then(|args| args.value.get("full_refresh"))
    {
        dbt.full_refresh = full_refresh.value.truthy() == Some(true);
    }
    extraction.calls.push(dbt);
    extraction
}

/// Who reads `RenderConfig`'s selection (`DbtGraph.load`): dbt itself (`dbt ls`) for
/// `LoadMode.DBT_LS`/`DBT_LS_FILE`, and for `AUTOMATIC` (the default) when no manifest is
/// configured but a profile and a project path are (assuming dbt is installed on the worker);
/// Cosmos' own selector otherwise: from the manifest, or after its own parser (`CUSTOM`).
fn render_dialect(call: &Call, render: &Call, project: Option<&Call>) -> SelectorDialect {
    let mode = render
        .kwarg("load_method")
        .and_then(|item| match &item.value {
            Value::Path(path) => path.rsplit('.').next().map(str::to_owned),
            other => other.as_str(),
        })
        .unwrap_or_else(|| "AUTOMATIC".to_owned());
    let dbt_ls = match mode.as_str() {
        "DBT_LS" | "DBT_LS_FILE" | "dbt_ls" | "dbt_ls_file" => true,
        "AUTOMATIC" | "automatic" => {
            let has_manifest = project.is_some_and(|p| p.kwarg("manifest_path").is_some());
            let has_project_path = project.is_some_and(|p| p.arg("dbt_project_path", 0).is_some())
                || render.kwarg("dbt_project_path").is_some();
            !has_manifest && has_project_path && call.kwarg("profile_config").is_some()
        }
        _ => false,
    };
    if dbt_ls {
        SelectorDialect::Dbt
    } else {
        SelectorDialect::CosmosManifest
    }
}

/// The first line of a (multi-line) call: `DbtTaskGroup(`.
fn first_line(span: &Span) -> Span {
    let end = span.text().find('\n').unwrap_or(span.text().len());
    span.subspan(0..end)
}

/// A `*Config(...)` keyword argument, when it is a call monolint can read.
fn config_call<'a>(call: &'a Call, name: &str, extraction: &mut Extraction) -> Option<&'a Call> {
    let item = call.kwarg(name)?;
    match &item.value {
        Value::Call(config) => Some(config),
        other => {
            extraction.unresolved.push(Spanned::new(
                format!("`{name}` is {}", other.describe()),
                item.span.clone(),
            ));
            None
        }
    }
}

/// Vars given as a Python dict; values keep their text (Jinja templates included).
pub fn vars_from_dict(item: &Item) -> Vars {
    let Value::Dict(pairs) = &item.value else {
        return Vars {
            span: item.span.clone(),
            entries: Vec::new(),
            problem: Some(format!("the vars are {}", item.value.describe())),
        };
    };
    let entries = pairs
        .iter()
        .filter_map(|(key, value)| {
            Some(VarEntry {
                key: key.value.as_str()?,
                value: value.value.describe(),
                span: value.span.clone(),
            })
        })
        .collect();
    Vars::new(item.span.clone(), entries)
}

/// The project a rendering reads: `ProjectConfig(dbt_project_path)`, else the path
/// `RenderConfig` or `ExecutionConfig` gives, else the folder holding
/// `ProjectConfig(manifest_path)` (`<project>/target/manifest.json`), else
/// `ProjectConfig(project_name)`.
fn project_dir(
    project: Option<&Call>,
    render: Option<&Call>,
    execution: Option<&Call>,
) -> Option<Spanned<String>> {
    let known = |item: &Item| {
        item.value
            .as_str()
            .map(|text| Spanned::new(text, item.span.clone()))
    };
    let paths = [
        project.and_then(|p| p.arg("dbt_project_path", 0)),
        render.and_then(|r| r.kwarg("dbt_project_path")),
        execution.and_then(|e| e.kwarg("dbt_project_path")),
    ];
    if let Some(path) = paths.into_iter().flatten().find_map(known) {
        return Some(path);
    }
    let manifest_folder = project
        .and_then(|p| p.kwarg("manifest_path"))
        .and_then(known)
        .filter(|path| !path.value.contains("://"))
        .and_then(|path| {
            let folder = path.value.strip_suffix("/manifest.json")?;
            let project = folder.strip_suffix("/target").unwrap_or(folder);
            Some(Spanned::new(project.to_owned(), path.span))
        });
    manifest_folder.or_else(|| {
        project
            .and_then(|p| p.kwarg("project_name"))
            .and_then(known)
    })
}

/// The paths the configs name, fully known and local (not `s3://...`).
fn named_paths(
    project: Option<&Call>,
    render: Option<&Call>,
    execution: Option<&Call>,
) -> Vec<NamedPath> {
    let arguments = [
        (
            project.and_then(|p| p.arg("dbt_project_path", 0)),
            "ProjectConfig(dbt_project_path=...)",
            PathKind::Project,
        ),
        (
            project.and_then(|p| p.kwarg("manifest_path")),
            "ProjectConfig(manifest_path=...)",
            PathKind::Manifest,
        ),
        (
            render.and_then(|r| r.kwarg("dbt_project_path")),
            "RenderConfig(dbt_project_path=...)",
            PathKind::Project,
        ),
        (
            execution
                .filter(|_| runs_on_worker(execution))
                .and_then(|e| e.kwarg("dbt_project_path")),
            "ExecutionConfig(dbt_project_path=...)",
            PathKind::Project,
        ),
    ];
    arguments
        .into_iter()
        .filter_map(|(item, argument, kind)| {
            Some(NamedPath::new(argument, kind, local_path(item?)?))
        })
        .collect()
}

/// Whether dbt runs on the Airflow worker (`ExecutionMode.LOCAL`, the default, and the modes
/// that run it there too), so that paths name the worker's files; in a container
/// (`KUBERNETES`, `DOCKER`, ...) they are the image's.
fn runs_on_worker(execution: Option<&Call>) -> bool {
    let Some(mode) = execution.and_then(|e| e.kwarg("execution_mode")) else {
        return true;
    };
    let name = match &mode.value {
        Value::Path(path) => path.rsplit('.').next().map(str::to_ascii_uppercase),
        other => other.as_str().map(|text| text.to_ascii_uppercase()),
    };
    matches!(
        name.as_deref(),
        Some("LOCAL" | "VIRTUALENV" | "WATCHER" | "AIRFLOW_ASYNC")
    )
}

/// `profile_config=ProfileConfig(profiles_yml_filepath=...)` of a rendering or an operator.
pub fn profiles_file(call: &Call) -> Option<NamedPath> {
    let path = call
        .kwarg("profile_config")?
        .value
        .as_call()?
        .kwarg("profiles_yml_filepath")?;
    Some(NamedPath::new(
        "ProfileConfig(profiles_yml_filepath=...)",
        PathKind::ProfilesFile,
        local_path(path)?,
    ))
}

/// A path argument's text, when known and on the local file system.
fn local_path(item: &Item) -> Option<Spanned<String>> {
    let text = item.value.as_str().filter(|text| !text.contains("://"))?;
    Some(Spanned::new(text, item.span.clone()))
}

/// How the rendering turns nodes into tasks, from `RenderConfig`; an argument monolint cannot
/// read leaves the task ids unknown.
fn render_options(call: &Call, project: Option<&Call>, render: Option<&Call>) -> RenderOptions {
    let mut options = RenderOptions {
        project_name: cosmos_project_name(project, render),
        ..RenderOptions::default()
    };
    let Some(render) = render else {
        if call.kwarg("render_config").is_some() {
            options.opaque = Some("`render_config` is not known statically".into());
        }
        return options;
    };
    let mut opaque = Vec::new();
    let mut choice = |key: &str| -> Option<String> {
        let item = render.kwarg(key)?;
        let text = match &item.value {
            Value::Path(path) => path.rsplit('.').next().map(str::to_ascii_uppercase),
            other => other.as_str().map(|text| text.to_ascii_uppercase()),
        };
        if text.is_none() {
            opaque.push(format!(
                "`RenderConfig({key}=...)` is {}",
                item.value.describe()
            ));
        }
        text
    };
    if let Some(behavior) = choice("test_behavior") {
        options.test_behavior = match behavior.as_str() {
            "AFTER_ALL" => TestBehavior::AfterAll,
            "BUILD" => TestBehavior::Build,
            "NONE" => TestBehavior::None,
            _ => TestBehavior::AfterEach,
        };
    }
    if let Some(behavior) = choice("source_rendering_behavior") {
        options.source_rendering = match behavior.as_str() {
            "ALL" => SourceRendering::All,
            "WITH_TESTS_OR_FRESHNESS" => SourceRendering::WithTestsOrFreshness,
            _ => SourceRendering::None,
        };
    }
    if let Some(behavior) = choice("seed_rendering_behavior") {
        options.seed_rendering = match behavior.as_str() {
            "RENDER_ONLY" => SeedRendering::RenderOnly,
            "NONE" => SeedRendering::None,
            _ => SeedRendering::Always,
        };
    }
    let mut flag = |key: &str, default: bool| -> bool {
        match render.kwarg(key).map(|item| (item, item.value.truthy())) {
            None => default,
            Some((_, Some(flag))) => flag,
            Some((item, None)) => {
                opaque.push(format!(
                    "`RenderConfig({key}=...)` is {}",
                    item.value.describe()
                ));
                default
            }
        }
    };
    options.group_by_folder = flag("group_nodes_by_folder", false);
    options.ephemeral_as_empty = flag("ephemeral_models_as_empty_operator", true);
    options.detach_multi_parent_tests = flag("should_detach_multiple_parents_tests", false);
    options.owner_inheritance = flag("enable_owner_inheritance", true);
    for key in ["normalize_task_id", "node_converters"] {
        if render
            .kwarg(key)
            .is_some_and(|item| !matches!(item.value, Value::None))
        {
            opaque.push(format!("`RenderConfig({key}=...)` names the tasks"));
        }
    }
    options.opaque = opaque.into_iter().next();
    options
}

/// Cosmos' name for the project: `RenderConfig`'s project folder, else
/// `ProjectConfig(project_name)`, else its project folder's name.
fn cosmos_project_name(project: Option<&Call>, render: Option<&Call>) -> Option<String> {
    let folder_name = |path: String| {
        path.trim_end_matches('/')
            .rsplit('/')
            .next()
            .map(str::to_owned)
            .filter(|name| !name.is_empty())
    };
    render
        .and_then(|r| r.kwarg("dbt_project_path"))
        .and_then(|path| path.value.as_str())
        .and_then(folder_name)
        .or_else(|| {
            project
                .and_then(|p| p.kwarg("project_name"))
                .and_then(|name| name.value.as_str())
        })
        .or_else(|| {
            project
                .and_then(|p| p.arg("dbt_project_path", 0))
                .and_then(|path| path.value.as_str())
                .and_then(folder_name)
        })
}
