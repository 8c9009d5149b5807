//! Settings: `monolint.toml` or `[tool.monolint]` in `pyproject.toml`, and the rule selection
//! they produce together with the command line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use crate::diagnostic::Severity;
use crate::error::{Error, Result};
use crate::input::{self, Boundary};
use crate::rules::policy::{Policies, PolicyConfig};
use crate::rules::{self, Preset, RuleMeta, RuleOptions};
use crate::source::{SourceFile, Span};

// The doc comments of the settings structs and their fields are also the descriptions editors
// show for each key: they end up in the JSON Schema (`json_schema`).

/// Everything `monolint.toml` can say. Every key is optional; see `docs/configuration.md`.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "monolint.toml")]
pub struct Config {
    /// The set of rules to start from: `recommended` (findings real repositories want fixed),
    /// `strict` (adds the policies teams choose: owners, docs, operations) or `all`.
    /// `--preset` overrides it.
    #[schemars(extend("default" = "recommended"))]
    pub preset: Option<Preset>,
    /// Rules to run instead of the preset's: codes (`X001`), code prefixes (`X`, `DBT`, `DAG`),
    /// names, groups or presets. `--select` replaces it.
    #[schemars(with = "Vec<String>")]
    pub select: Option<Vec<Spanned<String>>>,
    /// Rules to run in addition to the preset's (or `select`'s), chosen as in `select`.
    /// `--extend-select` adds to it.
    #[schemars(with = "Vec<String>")]
    pub extend_select: Vec<Spanned<String>>,
    /// Rules not to run, chosen as in `select`. `--ignore` adds to it.
    #[schemars(with = "Vec<String>")]
    pub ignore: Vec<Spanned<String>>,
    /// Who owns a model: `dag` (the default), the owner of a DAG that runs it, as most teams
    /// work, unless the model declares its own; `model`, only an owner the model declares
    /// (`meta.owner` or its group's).
    #[schemars(extend("default" = "dag"))]
    pub ownership: Option<OwnershipMode>,
    /// Lowest severity that makes `check` exit 1. `--fail-on` overrides it.
    #[schemars(extend("default" = "warning"))]
    pub fail_on: Option<Severity>,
    /// `[dbt]`: where the dbt projects and their manifest are, and where they are deployed.
    pub dbt: DbtConfig,
    /// `[airflow]`: where the DAG files are, the operators and decorators that run dbt, the
    /// Airflow version.
    pub airflow: AirflowConfig,
    /// Severity per rule, by code or name, instead of the rule's default.
    #[schemars(schema_with = "severity_table_schema")]
    pub severity: BTreeMap<Spanned<String>, Severity>,
    /// Options per rule, `[rules.<name>]`.
    pub rules: RuleOptions,
    /// Rules not reported in some files: a glob, relative to the checked folder, of the files
    /// findings point at → rule selectors, e.g. `"dags/legacy/**" = ["X002"]`.
    pub per_file_ignores: BTreeMap<String, Vec<String>>,
    /// The team's own checks, `[[policy]]`: dbt nodes a selector picks, or DAGs, and what each
    /// must have. They run whenever they are declared; their findings carry the policy's id.
    pub policy: Vec<PolicyConfig>,
    /// The `[[policy]]` tables, compiled when the config is read.
    #[serde(skip)]
    #[schemars(skip)]
    pub policies: Policies,
}

/// Who owns a model (see `Config::ownership`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OwnershipMode {
    /// The owner of a DAG that runs the model, unless the model declares its own.
    #[default]
    Dag,
    /// Only the owner the model declares.
    Model,
}

/// The `[dbt]` table.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct DbtConfig {
    /// dbt project folders, relative to the checked folder (default: every folder holding a
    /// `dbt_project.yml`).
    pub projects: Vec<String>,
    /// The manifest to read, relative to the checked folder, when there is one project
    /// (default: `<project>/target/manifest.json`). `--manifest` overrides it.
    pub manifest: Option<String>,
    /// Where folders of this repository are deployed: runtime path prefix (as DAGs write it)
    /// → folder relative to the checked folder, e.g. `"/usr/local/airflow/dags/dbt" = "dbt"`.
    /// The longest matching prefix wins.
    pub path_map: BTreeMap<String, String>,
}

/// The `[airflow]` table.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct AirflowConfig {
    /// DAG folders, relative to the checked folder; when set, only these are read (default:
    /// folders named `dags` and any Python file that mentions both "airflow" and "dag", as
    /// Airflow's safe mode does).
    pub dag_folders: Vec<String>,
    /// Operators and task helpers that run dbt and are defined outside the DAG folders (an
    /// installed package, the team's own or a vendor's), with the argument carrying the dbt
    /// arguments.
    #[schemars(extend("default" = []))]
    pub dbt_operators: Vec<crate::airflow::invocations::wrapper::Wrapper>,
    /// Task decorators from installed packages whose function returns a dbt command line, as
    /// `@task.bash` returns a shell command: `task.acme_dbt` (dotted as used after `@`), or a
    /// plain name. `task.datacoves_dbt` needs no entry.
    pub dbt_decorators: Vec<String>,
    /// The Airflow major version the DAGs run on (2 or 3). Without it, the version the
    /// repository pins (requirements, constraints, `pyproject.toml`, Docker images) is used,
    /// else Airflow 3 when a DAG file imports from `airflow.sdk`.
    pub version: Option<crate::airflow::schedule::AirflowVersion>,
    /// How `.airflowignore` lines are read, as Airflow's `[core] dag_ignore_file_syntax`:
    /// `"regexp"` or `"glob"` (default: Airflow's own, `regexp` on Airflow 2 and `glob` on
    /// Airflow 3).
    pub ignore_file_syntax: Option<crate::airflow::ignore::IgnoreSyntax>,
}

/// The JSON Schema of `monolint.toml`, for editors that validate and complete TOML with one.
/// Committed as `docs/monolint.schema.json`; a test keeps the file current.
///
/// Draft 7, with nothing next to a `$ref` (taplo, behind VS Code's Even Better TOML, ignores
/// such siblings, descriptions included).
pub fn json_schema() -> Schema {
    let mut settings = SchemaSettings::draft07();
    // First, so that draft 7's own transforms (no siblings next to `$ref`) see its output.
    settings
        .transforms
        .insert(0, Box::new(RecursiveTransform(for_toml)));
    settings.into_generator().into_root_schema_for::<Config>()
}

/// TOML has no null: an `Option` field is an optional key, not a nullable one, and a `None`
/// default is no default. Descriptions come from doc comments wrapped at 100 columns: each
/// paragraph is unwrapped into one line.
fn for_toml(schema: &mut Schema) {
    if let Some(Value::Array(types)) = schema.get_mut("type") {
        types.retain(|kind| kind != "null");
        if let [kind] = types.as_slice() {
            let kind = kind.clone();
            schema.insert("type".to_owned(), kind);
        }
    }
    if let Some(Value::Array(values)) = schema.get_mut("enum") {
        values.retain(|value| !value.is_null());
    }
    if let Some(Value::Array(any_of)) = schema.get_mut("anyOf") {
        any_of.retain(|option| option.get("type").is_none_or(|kind| kind != "null"));
    }
    if let Some(Value::Array(any_of)) = schema.get("anyOf")
        && let [only] = any_of.as_slice()
        && let Some(only) = only.as_object().cloned()
    {
        schema.remove("anyOf");
        for (key, value) in only {
            schema.insert(key, value);
        }
    }
    if schema.get("default").is_some_and(Value::is_null) {
        schema.remove("default");
    }
    if let Some(Value::String(description)) = schema.get_mut("description") {
        *description = description
            .split("\n\n")
            .map(|paragraph| paragraph.split('\n').collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n\n");
    }
}

/// `[severity]`: each rule's code and name as a key (so editors complete them), with its
/// default severity. Other spellings stay allowed here, as monolint matches rules ignoring
/// case; `load` reports a key that names no rule.
fn severity_table_schema(generator: &mut SchemaGenerator) -> Schema {
    let severity = generator.subschema_for::<Severity>();
    let mut properties = serde_json::Map::new();
    for meta in rules::ALL {
        let description = format!(
            "{} {} ({} by default): {}",
            meta.code,
            meta.name,
            meta.severity,
            meta.summary()
        );
        for key in [meta.code, meta.name] {
            let mut schema = severity.clone();
            schema.insert("description".to_owned(), description.clone().into());
            properties.insert(key.to_owned(), schema.to_value());
        }
    }
    json_schema!({
        "type": "object",
        "properties": properties,
        "additionalProperties": severity,
    })
}

/// A loaded config and the file it came from (for error spans).
#[derive(Debug, Default, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    pub file: Option<Arc<SourceFile>>,
}

#[derive(Deserialize)]
struct PyProject {
    tool: Option<PyProjectTool>,
}

#[derive(Deserialize)]
struct PyProjectTool {
    monolint: Option<Config>,
}

/// Reads the config: `explicit` if given, else `monolint.toml`, else `pyproject.toml`'s
/// `[tool.monolint]`, in `root`. No file means defaults.
pub fn load(root: &Path, explicit: Option<&Path>) -> Result<LoadedConfig> {
    let candidates: Vec<PathBuf> = match explicit {
        Some(path) => vec![path.to_path_buf()],
        None => vec![root.join("monolint.toml"), root.join("pyproject.toml")],
    };
    let boundary = Boundary::new(root);
    for path in candidates {
        // Anything by that name counts (a FIFO or a link out of the folder is refused when read).
        if explicit.is_none() && std::fs::symlink_metadata(&path).is_err() {
            continue;
        }
        let display = display_path(root, &path);
        // A config given on the command line is read wherever it is.
        let text = match explicit {
            Some(_) => input::read_text(&path),
            None => boundary.read_text(&path),
        }
        .map_err(|error| error.to_error(&display))?;
        let file = SourceFile::new(display, text);
        let is_pyproject = path
            .file_name()
            .is_some_and(|name| name == "pyproject.toml");
        let config = match parse(&file, is_pyproject)? {
            Some(config) => config,
            None if explicit.is_some() => Config::default(),
            None => continue,
        };
        return Ok(LoadedConfig {
            config,
            file: Some(file),
        });
    }
    Ok(LoadedConfig::default())
}

/// A config file's settings, checked: `monolint.toml`, or `pyproject.toml`'s
/// `[tool.monolint]` (`None` when it has no such table).
pub fn parse(file: &Arc<SourceFile>, is_pyproject: bool) -> Result<Option<Config>> {
    let mut config: Config = if is_pyproject {
        let parsed: PyProject = toml::from_str(file.text()).map_err(|e| toml_error(file, &e))?;
        match parsed.tool.and_then(|tool| tool.monolint) {
            Some(config) => config,
            None => return Ok(None),
        }
    } else {
        toml::from_str(file.text()).map_err(|e| toml_error(file, &e))?
    };
    config.policies = Policies::compile(&config.policy, file)?;
    validate(&config, file)?;
    Ok(Some(config))
}

fn display_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn toml_error(file: &Arc<SourceFile>, error: &toml::de::Error) -> Error {
    let message = error.message().trim().to_owned();
    match error.span() {
        Some(range) => Error::at(
            Span::new(file.clone(), range.start as u32..range.end as u32),
            format!("invalid config: {message}"),
            "here",
        ),
        None => Error::new(format!("{}: invalid config: {message}", file.path())),
    }
    .with_help("see docs/configuration.md for every key")
}

/// Checks what serde cannot: rule selectors and severity keys name existing rules (or
/// policies).
fn validate(config: &Config, file: &Arc<SourceFile>) -> Result<()> {
    let catalog = config.policies.catalog();
    let selectors = config
        .select
        .iter()
        .flatten()
        .chain(&config.extend_select)
        .chain(&config.ignore);
    for selector in selectors {
        if catalog.matching(selector.get_ref()).is_none() {
            return Err(unknown_rule(
                file,
                selector,
                "no rule, code prefix or group is named so",
            ));
        }
    }
    for key in config.severity.keys() {
        if catalog.find(key.get_ref()).is_none() {
            return Err(unknown_rule(file, key, "no rule has this code or name"));
        }
    }
    Ok(())
}

fn unknown_rule(file: &Arc<SourceFile>, key: &Spanned<String>, label: &str) -> Error {
    let range = key.span();
    Error::at(
        Span::new(file.clone(), range.start as u32..range.end as u32),
        format!("unknown rule `{}`", key.get_ref()),
        label,
    )
    .with_help("`monolint rules` lists every rule")
}

/// Which rules run, at which severity, and what fails the check.
#[derive(Debug, Clone)]
pub struct RuleSelection {
    pub enabled: Vec<(&'static RuleMeta, Severity)>,
    pub fail_on: Severity,
}

/// Command-line choices that override the config.
#[derive(Debug, Default, Clone)]
pub struct RuleArgs {
    pub preset: Option<Preset>,
    pub select: Vec<String>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    pub fail_on: Option<Severity>,
}

impl RuleSelection {
    /// The preset's rules, unless `select` (the command line's, else the config's) replaces
    /// them; then `extend-select` adds and `ignore` removes (both from config and command line).
    /// The config's policies run unless the command line's `--select` leaves them out.
    pub fn resolve(config: &Config, args: &RuleArgs) -> Result<RuleSelection> {
        let catalog = config.policies.catalog();
        let mut chosen: Vec<&'static RuleMeta> = Vec::new();
        if args.select.is_empty() {
            chosen.extend(config.policies.metas());
        }
        let preset = args.preset.or(config.preset).unwrap_or_default();
        let select: Vec<String> = if !args.select.is_empty() {
            args.select.clone()
        } else if let Some(select) = &config.select {
            select.iter().map(|s| s.get_ref().clone()).collect()
        } else {
            vec![preset.as_str().to_owned()]
        };
        let extend = config
            .extend_select
            .iter()
            .map(|s| s.get_ref().clone())
            .chain(args.extend_select.iter().cloned());
        for selector in select.iter().cloned().chain(extend) {
            let matched = catalog
                .matching(&selector)
                .ok_or_else(|| unknown_cli_rule(&selector))?;
            chosen.extend(matched);
        }
        let ignore: Vec<String> = config
            .ignore
            .iter()
            .map(|s| s.get_ref().clone())
            .chain(args.ignore.iter().cloned())
            .collect();
        for selector in &ignore {
            let matched = catalog
                .matching(selector)
                .ok_or_else(|| unknown_cli_rule(selector))?;
            chosen.retain(|meta| !matched.iter().any(|m| m.code == meta.code));
        }
        let mut enabled: Vec<(&'static RuleMeta, Severity)> = catalog
            .rules()
            .filter(|meta| chosen.iter().any(|c| c.code == meta.code))
            .map(|meta| {
                let severity = config
                    .severity
                    .iter()
                    .find(|(key, _)| {
                        catalog
                            .find(key.get_ref())
                            .is_some_and(|m| m.code == meta.code)
                    })
                    .map_or(meta.severity, |(_, severity)| *severity);
                (meta, severity)
            })
            .collect();
        enabled.dedup_by(|a, b| a.0.code == b.0.code);
        Ok(RuleSelection {
            enabled,
            fail_on: args.fail_on.or(config.fail_on).unwrap_or(Severity::Warning),
        })
    }

    pub fn severity_of(&self, meta: &RuleMeta) -> Option<Severity> {
        self.enabled
            .iter()
            .find(|(m, _)| m.code == meta.code)
            .map(|(_, severity)| *severity)
    }
}

fn unknown_cli_rule(selector: &str) -> Error {
    Error::new(format!("unknown rule `{selector}`")).with_help("`monolint rules` lists every rule")
}
