//! DAGs that a library builds at import time from YAML files: gusty (`create_dag`,
//! `create_dags`) and dag-factory (`load_yaml_dags`, `DagFactory(...).generate_dags`). The
//! Python extractor records each call of one in its DAG file ([`FactoryCall`]); [`expand`]
//! then reads the files the call points at and builds the same `Dag`/`Task` model as for
//! Python DAGs, with spans in the YAML files, so every rule reads them unchanged.

use crate::airflow::grammar::{ATTRIBUTE, FUNCTION, OBJECT, Syntax};

mod dag_factory;
mod gusty;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tree_sitter::Node as SyntaxNode;

use super::eval::Evaluator;
use super::invocations;
use super::model::{Dag, DagFile, DagKind, Task};
use super::value::{Call, Item, Text, Value};
use crate::error::Error;
use crate::input::Boundary;
use crate::source::{SourceFile, Span, Spanned};
use crate::workspace::PathMap;
use crate::yaml::{self, NodeValue};

/// A call, in a DAG file, of a library function that builds DAGs from YAML files.
#[derive(Debug, Clone)]
pub struct FactoryCall {
    pub library: Library,
    /// The call with its evaluated arguments (for a method, the receiver's arguments are
    /// merged in: `DagFactory(path).generate_dags(globals())`).
    pub call: Call,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Library {
    /// `gusty.create_dag(dag_dir, **dag_kwargs)`: one DAG from a folder.
    GustyDag,
    /// `gusty.create_dags(dags_dir, globals(), **dag_kwargs)`: one DAG per subfolder.
    GustyDags,
    /// `dagfactory.load_yaml_dags(globals_dict=..., dags_folder=..., suffix=[...])`.
    DagFactoryLoad,
    /// `dagfactory.DagFactory(config_filepath).generate_dags(globals())` (dag-factory < 1).
    DagFactoryGenerate,
}

impl FactoryCall {
    /// Recognizes a factory call (`node` is a `call` node of a DAG file).
    pub fn read(eval: &Evaluator, node: SyntaxNode) -> Option<FactoryCall> {
        let function = node.field(&FUNCTION)?;
        let callee = eval.qualified_name(function);
        let library = match callee.as_str() {
            "gusty.create_dag" => Library::GustyDag,
            "gusty.create_dags" | "gusty.multi.create_dags" => Library::GustyDags,
            "dagfactory.load_yaml_dags" | "dagfactory.dagfactory.load_yaml_dags" => {
                Library::DagFactoryLoad
            }
            _ => return Self::method(eval, node, function),
        };
        Some(FactoryCall {
            library,
            call: eval.call_arguments(node),
        })
    }

    /// `factory.generate_dags(globals())` on a `DagFactory(...)`; `clean_dags` only removes
    /// DAGs that a file no longer declares, so it builds nothing.
    fn method(eval: &Evaluator, node: SyntaxNode, function: SyntaxNode) -> Option<FactoryCall> {
        if function.kind_name() != "attribute" {
            return None;
        }
        let method = eval.text(function.field(&ATTRIBUTE)?);
        if method != "generate_dags" {
            return None;
        }
        let receiver = eval.eval(function.field(&OBJECT)?);
        let Value::Call(factory) = receiver.value else {
            return None;
        };
        if factory.name() != "DagFactory" || !factory.callee.starts_with("dagfactory") {
            return None;
        }
        let mut call = *factory;
        call.span = eval.span(node);
        Some(FactoryCall {
            library: Library::DagFactoryGenerate,
            call,
        })
    }
}

/// What the factories need to know about the repository.
pub struct Context<'a> {
    /// The checked folder, on disk.
    pub root: &'a Path,
    pub path_map: &'a PathMap,
    /// The DAG folder (as shown) of each DAG file, by the file's shown path.
    pub dag_folder_of: &'a dyn Fn(&str) -> Option<String>,
    /// How `.airflowignore` files are read: dag-factory 1 honours those of the folder it
    /// loads YAML files from.
    pub ignore_syntax: crate::airflow::ignore::IgnoreSyntax,
    /// The major version of dag-factory the repository pins, when it pins one.
    pub dag_factory_major: Option<u32>,
    /// What the YAML files and folders the DAG files name may be: inside the checked folder.
    pub boundary: &'a Boundary,
}

/// Builds the DAGs of every factory call of `files`; returns them as extra DAG files (one per
/// YAML file of dag-factory, one per DAG folder of gusty).
pub fn expand(files: &mut [DagFile], context: &Context) -> Vec<DagFile> {
    let mut built = Vec::new();
    for file in files.iter_mut() {
        let calls = std::mem::take(&mut file.factory_calls);
        for factory in calls {
            let loader = Loader {
                context,
                file: file.source.clone(),
                dag_folder: (context.dag_folder_of)(file.source.path()),
            };
            let result = match factory.library {
                Library::GustyDag | Library::GustyDags => gusty::build(&loader, &factory),
                Library::DagFactoryLoad | Library::DagFactoryGenerate => {
                    dag_factory::build(&loader, &factory)
                }
            };
            match result {
                Ok(dag_files) => built.extend(dag_files),
                Err(reason) => file.tasks.push(unresolved_factory(&factory, reason)),
            }
        }
        for dag_file in &mut built {
            dag_file.airflow_version = dag_file.airflow_version.or(file.airflow_version);
        }
    }
    built
}

/// A factory call whose files cannot be known: its DAGs may run any dbt, so coverage is
/// reported unknown (`dbt-task-unresolved`) rather than "not scheduled".
fn unresolved_factory(factory: &FactoryCall, reason: Spanned<String>) -> Task {
    Task {
        // Named after the call, for messages: it stands for every task the call builds.
        task_id: Some(format!("{}(...)", factory.call.name())),
        id_pattern: None,
        call: factory.call.clone(),
        dag: None,
        group_default_args: Vec::new(),
        dbt_calls: Vec::new(),
        unresolved: vec![reason],
        upstream: Vec::new(),
    }
}

/// The DAG file calling a factory, and where it sits.
struct Loader<'a> {
    context: &'a Context<'a>,
    file: Arc<SourceFile>,
    /// Airflow's DAG folder (as shown), the default folder of dag-factory.
    dag_folder: Option<String>,
}

impl Loader<'_> {
    /// The repository folder or file (as shown, `/`-separated) an argument names. Paths built
    /// from `__file__` are already relative to the checked folder; deployment paths go
    /// through `[dbt] path-map`.
    fn repo_path(&self, item: &Item, what: &str) -> Result<String, Spanned<String>> {
        let unknown = |reason: String| Spanned::new(reason, item.span.clone());
        let Some(path) = item.value.as_str() else {
            return Err(unknown(format!(
                "the {what} of the DAGs built here is known only when Airflow imports the file \
                 (it is {})",
                item.value.describe()
            )));
        };
        if path.starts_with('/') {
            return self.context.path_map.apply(&path).ok_or_else(|| {
                unknown(format!(
                    "the {what} `{path}` is a deployment path; map it to the repository with \
                     `[dbt] path-map`"
                ))
            });
        }
        Ok(crate::workspace::normalize_relative(&path))
    }

    fn disk_path(&self, shown: &str) -> PathBuf {
        self.context.root.join(shown)
    }

    /// The sorted entries of a repository folder: (name, is a folder).
    fn list(&self, shown: &str) -> Vec<(String, bool)> {
        // A folder outside the checked folder is not listed (reading its files would be
        // refused anyway).
        let Ok(folder) = self.context.boundary.check(&self.disk_path(shown)) else {
            return Vec::new();
        };
        let mut entries: Vec<(String, bool)> = std::fs::read_dir(folder)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let kind = entry.file_type().ok()?;
                let name = entry.file_name().into_string().ok()?;
                (kind.is_dir() || kind.is_file()).then_some((name, kind.is_dir()))
            })
            .collect();
        entries.sort();
        entries
    }

    /// A repository file as a source file, or why it cannot be read.
    fn read(&self, shown: &str) -> Result<Arc<SourceFile>, Error> {
        let text = self
            .context
            .boundary
            .read_text(&self.disk_path(shown))
            .map_err(|error| error.to_error(shown))?;
        Ok(SourceFile::new(shown, text))
    }
}

/// Reads a YAML file: its root node, or the warning that it cannot be parsed.
fn parse_yaml(file: &Arc<SourceFile>, text: &str) -> Result<Option<yaml::Node>, Error> {
    yaml::parse_spanned(text).map_err(|error| {
        let at = error.offset.unwrap_or(0) as u32;
        Error::at(
            Span::new(file.clone(), at..at),
            format!("invalid YAML: {}", error.message),
            "here",
        )
        .into_warning()
    })
}

/// How a library turns YAML into Python values.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    /// dag-factory: `{__type__: module.Class, __args__: [...], ...}` builds an object,
    /// `__join__`/`!join` joins strings.
    DagFactory,
    /// gusty: `!timedelta {minutes: 5}`, `!days_ago 1`, `!datetime [...]`.
    Gusty,
}

/// A YAML node as the value the library hands to Airflow, with its span in the file.
fn to_item(node: &yaml::Node, file: &Arc<SourceFile>, dialect: Dialect) -> Item {
    let span = Span::new(file.clone(), node.span.start as u32..node.span.end as u32);
    let value = match &node.value {
        NodeValue::Null => Value::None,
        NodeValue::Bool(flag) => Value::Bool(*flag),
        NodeValue::Int(n) => Value::Int(*n),
        NodeValue::Float(x) => Value::Float(*x),
        NodeValue::Str(text, _) => {
            // Byte for byte the file's text when written plain (or quoted without escapes).
            let inner = span.text().trim_matches(|c| c == '"' || c == '\'');
            let exact = inner == text;
            let text_span = if exact && span.text().len() > text.len() {
                span.subspan(1..1 + text.len())
            } else {
                span.clone()
            };
            Value::Str(Text::literal(text.clone(), text_span, exact))
        }
        NodeValue::Seq(items) => Value::list(
            items
                .iter()
                .map(|item| to_item(item, file, dialect))
                .collect(),
        ),
        NodeValue::Map(pairs) => {
            return Item::new(mapping(node, pairs, file, dialect, &span), span);
        }
    };
    let value = match (&node.tag, dialect) {
        (Some(tag), _) => tagged(tag, value, &span, dialect),
        _ => value,
    };
    Item::new(value, span)
}

fn mapping(
    node: &yaml::Node,
    pairs: &[(yaml::Node, yaml::Node)],
    file: &Arc<SourceFile>,
    dialect: Dialect,
    span: &Span,
) -> Value {
    let convert = |node: &yaml::Node| to_item(node, file, dialect);
    if dialect == Dialect::DagFactory {
        if let Some(type_path) = node.get("__type__").and_then(|t| t.as_str()) {
            if type_path == "builtins.list" {
                return Value::list(node.get("items").map(convert).map_or_else(
                    Vec::new,
                    |items| match items.value {
                        Value::List(items) => Arc::unwrap_or_clone(items),
                        _ => Vec::new(),
                    },
                ));
            }
            let args = match node.get("__args__").map(convert).map(|a| a.value) {
                Some(Value::List(items)) => Arc::unwrap_or_clone(items),
                _ => Vec::new(),
            };
            let kwargs = pairs
                .iter()
                .filter_map(|(key, value)| {
                    let key = key.as_str()?;
                    (key != "__type__" && key != "__args__")
                        .then(|| (key.to_owned(), convert(value)))
                })
                .collect();
            return Value::Call(Box::new(Call {
                callee: type_path.to_owned(),
                args,
                kwargs,
                unknown_splat: false,
                span: span.clone(),
            }));
        }
        if let Some(parts) = node.get("__join__") {
            return joined(&convert(parts), span);
        }
        for (key, joiner) in [("__and__", " & "), ("__or__", " | ")] {
            if let Some(parts) = node.get(key) {
                return condition(&convert(parts), joiner, span);
            }
        }
    }
    Value::Dict(
        pairs
            .iter()
            .map(|(key, value)| (convert(key), convert(value)))
            .collect::<Vec<_>>()
            .into(),
    )
}

/// A tagged node: the constructors the libraries register.
fn tagged(tag: &str, value: Value, span: &Span, dialect: Dialect) -> Value {
    let item = Item::new(value, span.clone());
    match (tag, dialect) {
        ("!join", Dialect::DagFactory) => joined(&item, span),
        ("!and", Dialect::DagFactory) => condition(&item, " & ", span),
        ("!or", Dialect::DagFactory) => condition(&item, " | ", span),
        ("!timedelta" | "!datetime" | "!days_ago", Dialect::Gusty) => {
            let callee = match tag {
                "!days_ago" => "gusty.utils.days_ago",
                "!timedelta" => "datetime.timedelta",
                _ => "datetime.datetime",
            };
            let (args, kwargs) = match item.value {
                Value::Dict(pairs) => (
                    Vec::new(),
                    pairs
                        .iter()
                        .filter_map(|(k, v)| Some((k.value.as_str()?, v.clone())))
                        .collect(),
                ),
                Value::List(items) => (Arc::unwrap_or_clone(items), Vec::new()),
                other => (vec![Item::new(other, span.clone())], Vec::new()),
            };
            Value::Call(Box::new(Call {
                callee: callee.to_owned(),
                args,
                kwargs,
                unknown_splat: false,
                span: span.clone(),
            }))
        }
        _ => Value::Unknown(format!("what the YAML tag `{tag}` constructs")),
    }
}

/// `!join [a, b]` / `__join__: [a, b]`: the parts' text, concatenated.
fn joined(parts: &Item, span: &Span) -> Value {
    let Value::List(items) = &parts.value else {
        return Value::Unknown("a join of unknown parts".into());
    };
    let mut text = Text::default();
    for item in items.iter() {
        match &item.value {
            Value::Str(part) => text.push(part.clone()),
            Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::None => {
                text.push(Text::literal(
                    item.value.describe(),
                    item.span.clone(),
                    false,
                ));
            }
            _ => text.push(Text::unknown(span.clone())),
        }
    }
    Value::Str(text)
}

/// `!and`/`!or` (dataset conditions, as text): `(a) & (b)`.
fn condition(parts: &Item, joiner: &str, span: &Span) -> Value {
    let Value::List(items) = &parts.value else {
        return Value::Unknown("a condition of unknown parts".into());
    };
    let rendered: Vec<String> = items
        .iter()
        .map(|item| format!("({})", item.value.describe()))
        .collect();
    Value::Str(Text::literal(rendered.join(joiner), span.clone(), false))
}

/// A YAML mapping's string-keyed entries as keyword arguments.
fn kwargs_of(item: &Item) -> Vec<(String, Item)> {
    match &item.value {
        Value::Dict(pairs) => pairs
            .iter()
            .filter_map(|(key, value)| Some((key.value.as_str()?, value.clone())))
            .collect(),
        _ => Vec::new(),
    }
}

/// dag-factory's `merge_configs` and gusty's default_args merge: `over` wins, dicts merge.
fn merge_dicts(over: &Item, under: &Item) -> Item {
    let (Value::Dict(over_pairs), Value::Dict(under_pairs)) = (&over.value, &under.value) else {
        return over.clone();
    };
    let mut merged = Vec::clone(over_pairs);
    for (key, value) in under_pairs.iter() {
        let Some(name) = key.value.as_str() else {
            continue;
        };
        match merged
            .iter_mut()
            .find(|(k, _)| k.value.as_str().as_deref() == Some(name.as_str()))
        {
            Some((_, existing)) => *existing = merge_dicts(existing, value),
            None => merged.push((key.clone(), value.clone())),
        }
    }
    Item::new(Value::Dict(merged.into()), over.span.clone())
}

/// An operator task of a YAML DAG: the dbt calls it makes, read as for a Python task.
fn operator_task(
    task_id: String,
    mut call: Call,
    dag: usize,
    dag_default_args: Option<&Item>,
    group_default_args: Vec<Item>,
) -> Task {
    call.inherit_default_args(group_default_args.iter().chain(dag_default_args));
    let extraction = invocations::extract(&call).unwrap_or_default();
    Task {
        task_id: Some(task_id),
        id_pattern: None,
        call,
        dag: Some(dag),
        group_default_args,
        dbt_calls: extraction.calls,
        unresolved: extraction.unresolved,
        upstream: Vec::new(),
    }
}

/// A DAG built by a factory.
fn dag(kind: DagKind, dag_id: Spanned<Option<String>>, call: Call) -> Dag {
    Dag { kind, dag_id, call }
}

/// The DAG file for what a factory built from `source`.
fn dag_file(
    source: Arc<SourceFile>,
    dags: Vec<Dag>,
    tasks: Vec<Task>,
    problems: Vec<Error>,
) -> DagFile {
    DagFile {
        source,
        dags,
        tasks,
        problems,
        airflow_version: None,
        unread_dbt: Vec::new(),
        factory_calls: Vec::new(),
        // YAML runs no code of its own at import time.
        import_time: Default::default(),
    }
}

/// Adds `upstream` as an upstream task of `task` once.
fn add_upstream(tasks: &mut [Task], task: usize, upstream: &str) {
    let list = &mut tasks[task].upstream;
    if !list.iter().any(|u| u == upstream) {
        list.push(upstream.to_owned());
        list.sort();
    }
}
