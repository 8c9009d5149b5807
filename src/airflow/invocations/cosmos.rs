//! astronomer-cosmos `DbtTaskGroup` and `DbtDag`: one task per dbt node of the rendered
//! selection (`RenderConfig`), with vars from `operator_args` or `ProjectConfig`.

use super::{Extraction, Family, items_of};
use crate::airflow::value::{Call, Item, Value};
use crate::dbt::cli::{DbtCall, SelectorDialect, WrittenAs};
use crate::dbt::command::DbtCommand;
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
    if let Some(project) = project_config
        && let Some(path) = project.arg("dbt_project_path", 0)
        && let Some(text) = path.value.as_str()
    {
        dbt.project_dir = Some(Spanned::new(text, path.span.clone()));
    }
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
