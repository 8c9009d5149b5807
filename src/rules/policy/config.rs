//! `[[policy]]` tables as written in the config, and their compilation into [`Policy`]s: every
//! mistake is a config error naming the policy and the key, pointing at the value.

use std::collections::BTreeMap;
use std::sync::Arc;

use globset::{Glob, GlobSetBuilder};
use regex::Regex;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde_json::Value;
use toml::Spanned;

use super::allowed::Allowed;
use super::dags::DagPolicy;
use super::nodes::NodePolicy;
use super::{Policy, Target};
use crate::dbt::graph::ResourceType;
use crate::dbt::select;
use crate::diagnostic::Severity;
use crate::error::{Error, Result};
use crate::rules;
use crate::source::{SourceFile, Span};

/// A `[[policy]]` table: a check the team declares, on dbt nodes or on DAGs.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PolicyConfig {
    /// The policy's code, as findings, `--select`, `ignore` and suppressions name it:
    /// uppercase letters then digits (`ACME001`), not starting like a built-in rule's code.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// The finding's message; `{name}` stands for the node's or DAG's name.
    pub message: String,
    /// What to do, shown under the finding.
    #[serde(default)]
    pub help: Option<String>,
    /// The findings' severity.
    #[serde(default)]
    #[schemars(extend("default" = "warning"))]
    pub severity: Option<Severity>,
    /// The dbt nodes the policy checks, as a dbt selector (`path:models/marts/finance`,
    /// `tag:finance,config.materialized:table`), in the root project.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub select: Option<Spanned<String>>,
    /// The resource types `select` keeps (`model`, `seed`, `snapshot`, ...).
    #[serde(default)]
    #[schemars(with = "Vec<String>", extend("default" = ["model"]))]
    pub resource_types: Option<Vec<Spanned<String>>>,
    /// The DAGs the policy checks, by dag_id glob (`finance_*`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub dags: Vec<Spanned<String>>,
    /// Only DAGs with any of these tags (with `dags`, DAGs matching both).
    #[serde(default)]
    pub dag_tags: Vec<String>,
    /// `[policy.require]`: what every checked node or DAG must have.
    #[schemars(with = "RequireConfig")]
    pub require: Spanned<RequireConfig>,
}

/// `[policy.require]`: the requirements; a finding lists every one that is not met.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct RequireConfig {
    /// Nodes: `meta` keys → the values allowed, or `"*"` for any value
    /// (`{ owner = ["finance"] }`).
    #[schemars(schema_with = "allowed_table_schema")]
    pub meta: BTreeMap<String, Spanned<Value>>,
    /// Nodes: the materializations allowed (`["table", "incremental"]`).
    pub materialized: Option<Vec<String>>,
    /// Nodes: a regular expression the node's name must match (`^(fct|dim)_`).
    #[schemars(with = "Option<String>")]
    pub name: Option<Spanned<String>>,
    /// Nodes: tags every node must have.
    pub tags: Vec<String>,
    /// Nodes: whether a description is required.
    pub description: bool,
    /// DAGs: arguments → the values allowed, or `"*"` for set. Read as Airflow does: the
    /// DAG's own argument, else its `default_args` (for arguments tasks take).
    #[schemars(schema_with = "allowed_table_schema")]
    pub args: BTreeMap<String, Spanned<Value>>,
}

/// A table of key → `"*"` or a list of allowed values.
fn allowed_table_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "additionalProperties": {
            "anyOf": [
                {"const": "*"},
                {"type": "array", "items": {"type": ["string", "integer", "number", "boolean"]}}
            ]
        }
    })
}

/// The policies of a config, compiled, in the order written.
#[derive(Debug, Clone, Default)]
pub struct Policies {
    list: Vec<Arc<Policy>>,
    metas: Vec<&'static rules::RuleMeta>,
}

impl Policies {
    /// Compiles the `[[policy]]` tables of `file`; the first mistake is the error.
    pub fn compile(configs: &[PolicyConfig], file: &Arc<SourceFile>) -> Result<Policies> {
        let mut policies = Policies::default();
        for config in configs {
            let at = |range: std::ops::Range<usize>| {
                Span::new(file.clone(), range.start as u32..range.end as u32)
            };
            let policy = compile(config).map_err(|mistake| {
                Error::at(
                    at(mistake.range),
                    format!(
                        "invalid config: policy `{}`: {}",
                        config.id.get_ref(),
                        mistake.message
                    ),
                    mistake.label,
                )
                .with_help("see `[[policy]]` in docs/configuration.md")
            })?;
            if policies.metas.iter().any(|m| m.code == policy.meta.code) {
                return Err(Error::at(
                    at(config.id.span()),
                    format!(
                        "invalid config: policy `{}` is declared twice",
                        config.id.get_ref()
                    ),
                    "a second policy with this id",
                )
                .with_help("give each policy its own id"));
            }
            policies.metas.push(policy.meta);
            policies.list.push(Arc::new(policy));
        }
        Ok(policies)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Policy>> {
        self.list.iter()
    }

    /// The policies' metadata, for rule selection.
    pub fn metas(&self) -> &[&'static rules::RuleMeta] {
        &self.metas
    }

    /// The built-in rules and these policies.
    pub fn catalog(&self) -> rules::Catalog<'_> {
        rules::Catalog::new(&self.metas)
    }
}

/// What is wrong in a policy, and where.
struct Mistake {
    range: std::ops::Range<usize>,
    message: String,
    label: &'static str,
}

impl Mistake {
    fn at(range: std::ops::Range<usize>, message: impl Into<String>, label: &'static str) -> Self {
        Mistake {
            range,
            message: message.into(),
            label,
        }
    }
}

fn compile(config: &PolicyConfig) -> std::result::Result<Policy, Mistake> {
    let id = check_id(&config.id)?;
    let require = config.require.get_ref();
    let require_at = config.require.span();
    let wants_nodes = config.select.is_some();
    let wants_dags = !config.dags.is_empty() || !config.dag_tags.is_empty();
    let target = match (wants_nodes, wants_dags) {
        (true, true) => {
            return Err(Mistake::at(
                config.id.span(),
                "a policy checks either dbt nodes (`select`) or DAGs (`dags`, `dag-tags`), not both",
                "this policy",
            ));
        }
        (false, false) => {
            return Err(Mistake::at(
                config.id.span(),
                "no `select` (dbt nodes) or `dags`/`dag-tags` (DAGs) says what the policy checks",
                "this policy",
            ));
        }
        (true, false) => Target::Nodes(node_policy(config, require, require_at)?),
        (false, true) => Target::Dags(dag_policy(config, require, require_at)?),
    };
    let severity = config.severity.unwrap_or(Severity::Warning);
    Ok(Policy::new(
        id,
        config.message.clone(),
        config.help.clone(),
        severity,
        target,
    ))
}

/// Uppercase letters then digits, not starting like the built-in codes (`X`, `DBT`, `DAG`).
fn check_id(id: &Spanned<String>) -> std::result::Result<String, Mistake> {
    let text = id.get_ref();
    let letters = text.trim_end_matches(|c: char| c.is_ascii_digit());
    let well_formed = !letters.is_empty()
        && letters.len() < text.len()
        && letters.chars().all(|c| c.is_ascii_uppercase());
    if !well_formed {
        return Err(Mistake::at(
            id.span(),
            "`id` must be uppercase letters then digits, such as `ACME001`",
            "not such an id",
        ));
    }
    if let Some(builtin) = rules::ALL
        .iter()
        .find(|meta| meta.code.trim_end_matches(|c: char| c.is_ascii_digit()) == letters)
    {
        let message = if builtin.code == text {
            format!("`id` is the code of the built-in rule `{}`", builtin.name)
        } else {
            format!("`id` starts with `{letters}`, the prefix of built-in rule codes")
        };
        return Err(Mistake::at(
            id.span(),
            message,
            "choose a prefix of your own",
        ));
    }
    Ok(text.clone())
}

fn node_policy(
    config: &PolicyConfig,
    require: &RequireConfig,
    require_at: std::ops::Range<usize>,
) -> std::result::Result<NodePolicy, Mistake> {
    let Some(selector) = &config.select else {
        return Err(Mistake::at(config.id.span(), "no `select`", "this policy"));
    };
    if let Err(error) = select::check_syntax(selector.get_ref()) {
        return Err(Mistake::at(
            selector.span(),
            format!("`select` is not a dbt selector monolint can resolve: {error}"),
            "this selector",
        ));
    }
    let resource_types = match &config.resource_types {
        None => vec![ResourceType::Model],
        Some(types) => types
            .iter()
            .map(|text| {
                ResourceType::parse(text.get_ref()).ok_or_else(|| {
                    Mistake::at(
                        text.span(),
                        format!(
                            "`resource-types`: `{}` is no dbt resource type",
                            text.get_ref()
                        ),
                        "not a resource type",
                    )
                })
            })
            .collect::<std::result::Result<_, _>>()?,
    };
    if !require.args.is_empty() {
        return Err(Mistake::at(
            require_at,
            "`require.args` is for DAG policies; a `select` policy checks dbt nodes",
            "in this table",
        ));
    }
    let name = match &require.name {
        None => None,
        Some(pattern) => Some(Regex::new(pattern.get_ref()).map_err(|error| {
            Mistake::at(
                pattern.span(),
                format!("`require.name` is not a valid regular expression: {error}"),
                "this expression",
            )
        })?),
    };
    if let Some(materialized) = &require.materialized
        && materialized.is_empty()
    {
        return Err(Mistake::at(
            require_at,
            "`require.materialized` allows no materialization",
            "in this table",
        ));
    }
    let meta = allowed_table(&require.meta, "require.meta")?;
    let policy = NodePolicy {
        select: selector.get_ref().clone(),
        resource_types,
        meta,
        materialized: require.materialized.clone(),
        name,
        tags: require.tags.clone(),
        description: require.description,
    };
    if !policy.requires_anything() {
        return Err(Mistake::at(
            require_at,
            "`require` requires nothing of the nodes (`meta`, `materialized`, `name`, `tags` or `description`)",
            "this table",
        ));
    }
    Ok(policy)
}

fn dag_policy(
    config: &PolicyConfig,
    require: &RequireConfig,
    require_at: std::ops::Range<usize>,
) -> std::result::Result<DagPolicy, Mistake> {
    if let Some(types) = &config.resource_types {
        let at = types.first().map_or(config.id.span(), Spanned::span);
        return Err(Mistake::at(
            at,
            "`resource-types` is for node policies; a `dags` policy checks DAGs",
            "here",
        ));
    }
    let node_keys = [
        ("meta", !require.meta.is_empty()),
        ("materialized", require.materialized.is_some()),
        ("name", require.name.is_some()),
        ("tags", !require.tags.is_empty()),
        ("description", require.description),
    ];
    if let Some((key, _)) = node_keys.iter().find(|(_, given)| *given) {
        return Err(Mistake::at(
            require_at,
            format!(
                "`require.{key}` is for node policies; a `dags` policy checks DAG arguments (`require.args`)"
            ),
            "in this table",
        ));
    }
    let mut globs = GlobSetBuilder::new();
    for pattern in &config.dags {
        let glob = Glob::new(pattern.get_ref()).map_err(|error| {
            Mistake::at(
                pattern.span(),
                format!(
                    "`dags`: `{}` is not a valid glob: {error}",
                    pattern.get_ref()
                ),
                "this glob",
            )
        })?;
        globs.add(glob);
    }
    let dags = match config.dags.is_empty() {
        true => None,
        false => Some(globs.build().map_err(|error| {
            Mistake::at(config.id.span(), format!("`dags`: {error}"), "this policy")
        })?),
    };
    let args = allowed_table(&require.args, "require.args")?;
    if args.is_empty() {
        return Err(Mistake::at(
            require_at,
            "`require.args` is empty: the policy requires nothing of the DAGs",
            "this table",
        ));
    }
    Ok(DagPolicy {
        dags,
        dag_tags: config.dag_tags.clone(),
        args,
    })
}

/// `key → "*" | [values]`, checked.
fn allowed_table(
    table: &BTreeMap<String, Spanned<Value>>,
    name: &str,
) -> std::result::Result<Vec<(String, Allowed)>, Mistake> {
    table
        .iter()
        .map(|(key, value)| match Allowed::from_config(value.get_ref()) {
            Some(allowed) => Ok((key.clone(), allowed)),
            None => Err(Mistake::at(
                value.span(),
                format!("`{name}.{key}` must be a list of allowed values (strings, numbers, booleans) or \"*\""),
                "not such a value",
            )),
        })
        .collect()
}
