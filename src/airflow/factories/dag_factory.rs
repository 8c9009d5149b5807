//! astronomer's dag-factory: every YAML file `load_yaml_dags` finds (or the one
//! `DagFactory(path).generate_dags(globals())` names) declares DAGs, each key but `default`
//! and `task_groups` a dag_id, merged over the file's `default:` block and the folder's
//! `defaults.yml`. Tasks are a dict by task id or (dag-factory 1) a list with `task_id`;
//! `operator` is the operator's import path and the other keys its arguments.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{
    Dialect, FactoryCall, Library, Loader, add_upstream, dag, dag_file, kwargs_of, merge_dicts,
    parse_yaml, to_item,
};
use crate::airflow::ignore::AirflowIgnore;
use crate::airflow::model::{DagFile, DagKind, Task};
use crate::airflow::value::{Call, Item, Text, Value};
use crate::error::Error;
use crate::source::{SourceFile, Spanned};
use crate::yaml::{self, NodeValue};

/// Keys of a task that dag-factory reads itself instead of passing them to the operator.
const TASK_SYSTEM_KEYS: &[&str] = &[
    "operator",
    "decorator",
    "dependencies",
    "task_group_name",
    "parent_group_name",
    "task_id",
];

/// The DAG files the call builds: one per YAML file.
pub(super) fn build(
    loader: &Loader,
    factory: &FactoryCall,
) -> Result<Vec<DagFile>, Spanned<String>> {
    let call = &factory.call;
    let missing = |what: &str| Spanned::new(format!("the {what} is not given"), call.span.clone());
    // dag-factory before 1: pinned so, or using what only it has (`DagFactory`,
    // `default_args_config_path`).
    let before_1 = loader.context.dag_factory_major == Some(0)
        || factory.library == Library::DagFactoryGenerate
        || call.kwarg("default_args_config_path").is_some()
        || call.kwarg("default_args_config_dict").is_some();
    // dag-factory's default folder is Airflow's DAG folder: known when the loader sits in one.
    let dag_folder = || {
        loader.dag_folder.clone().ok_or_else(|| {
            Spanned::new(
                "the DAGs come from Airflow's DAG folder, and this file is in none that monolint \
                 knows; set `[airflow] dag-folders`"
                    .to_owned(),
                call.span.clone(),
            )
        })
    };
    let config_files = match factory.library {
        Library::DagFactoryGenerate => {
            let path = call
                .arg("config_filepath", 0)
                .ok_or_else(|| missing("config file"))?;
            vec![loader.repo_path(path, "config file")?]
        }
        _ if call.kwarg("config_filepath").is_some() => {
            let path = call
                .kwarg("config_filepath")
                .ok_or_else(|| missing("config file"))?;
            vec![loader.repo_path(path, "config file")?]
        }
        _ if call.kwarg("config_dict").is_some() => {
            return Err(Spanned::new(
                "the DAGs come from a dict built in Python (`config_dict`)".to_owned(),
                call.span.clone(),
            ));
        }
        _ => {
            let folder = match call.arg("dags_folder", 1) {
                Some(item) => loader.repo_path(item, "DAG folder")?,
                None => dag_folder()?,
            };
            let suffixes = suffixes(call.kwarg("suffix").or_else(|| call.args.get(3)))?;
            let mut found = Vec::new();
            collect_files(loader, &folder, &suffixes, &mut found);
            if !before_1 {
                let ignore = AirflowIgnore::load(
                    &loader.disk_path(&folder),
                    loader.context.ignore_syntax,
                    loader.context.boundary,
                );
                found.retain(|shown| !ignore.ignores(&loader.disk_path(shown)));
            }
            found
        }
    };
    let defaults_dir = match call
        .kwarg("defaults_config_path")
        .or_else(|| call.kwarg("default_args_config_path"))
    {
        Some(item) => loader.repo_path(item, "defaults folder")?,
        // Outside a known DAG folder, the loader's own folder: where a DAG folder's loader sits.
        None => dag_folder().unwrap_or_else(|_| {
            let shown = loader.file.path();
            shown
                .rsplit_once('/')
                .map_or(String::new(), |(dir, _)| dir.to_owned())
        }),
    };
    let defaults_dict = call
        .kwarg("defaults_config_dict")
        .or_else(|| call.kwarg("default_args_config_dict"))
        .cloned();
    let mut built = Vec::new();
    for path in config_files {
        let file = match loader.read(&path) {
            Ok(file) => file,
            Err(error) => {
                built.push(dag_file(
                    loader.file.clone(),
                    Vec::new(),
                    Vec::new(),
                    vec![error.into_warning()],
                ));
                continue;
            }
        };
        let defaults = match &defaults_dict {
            Some(dict) => Defaults::from_item(dict),
            None => Defaults::from_files(loader, &path, &defaults_dir, before_1),
        };
        built.push(build_file(file, &defaults));
    }
    Ok(built)
}

/// `suffix=[".yml", ...]`: which files `load_yaml_dags` reads (default `.yaml` and `.yml`).
fn suffixes(item: Option<&Item>) -> Result<Vec<String>, Spanned<String>> {
    let Some(item) = item else {
        return Ok(vec![".yaml".into(), ".yml".into()]);
    };
    let items = match &item.value {
        Value::List(items) => items.iter().collect(),
        Value::Str(_) => vec![item],
        _ => Vec::new(),
    };
    items
        .into_iter()
        .map(|suffix| {
            suffix.value.as_str().ok_or_else(|| {
                Spanned::new(
                    format!("the file suffix is {}", suffix.value.describe()),
                    suffix.span.clone(),
                )
            })
        })
        .collect::<Result<_, _>>()
        .and_then(|found: Vec<String>| {
            if found.is_empty() {
                Err(Spanned::new(
                    format!("the file suffixes are {}", item.value.describe()),
                    item.span.clone(),
                ))
            } else {
                Ok(found)
            }
        })
}

/// Every file under `folder` (recursively, sorted) whose name ends with a suffix.
fn collect_files(loader: &Loader, folder: &str, suffixes: &[String], out: &mut Vec<String>) {
    for (name, is_dir) in loader.list(folder) {
        let shown = join(folder, &name);
        if is_dir {
            collect_files(loader, &shown, suffixes, out);
        } else if suffixes
            .iter()
            .any(|suffix| name.ends_with(suffix.as_str()))
        {
            out.push(shown);
        }
    }
}

fn join(folder: &str, name: &str) -> String {
    if folder.is_empty() {
        name.to_owned()
    } else {
        format!("{folder}/{name}")
    }
}

/// The defaults every DAG of a file starts from: `default_args` and DAG arguments.
#[derive(Default)]
struct Defaults {
    default_args: Vec<(String, Item)>,
    dag_args: Vec<(String, Item)>,
}

impl Defaults {
    /// `defaults_config_dict`: a config whose `default_args` apply to every DAG.
    fn from_item(item: &Item) -> Defaults {
        Defaults {
            default_args: item
                .value
                .get("default_args")
                .map(kwargs_of)
                .unwrap_or_default(),
            dag_args: Vec::new(),
        }
    }

    /// `defaults.yml` (or `.yaml`) files: before dag-factory 1, the one in the defaults
    /// folder (its `default_args` only); from 1 on, those in every folder from the YAML
    /// file's up to the defaults folder, the nearest winning.
    fn from_files(
        loader: &Loader,
        yaml_path: &str,
        defaults_dir: &str,
        before_1: bool,
    ) -> Defaults {
        let mut folders: Vec<String> = Vec::new();
        if before_1 {
            folders.push(defaults_dir.to_owned());
        } else {
            let mut folder = parent(yaml_path);
            loop {
                folders.push(folder.clone());
                if folder == defaults_dir || folder.is_empty() {
                    break;
                }
                folder = parent(&folder);
            }
            if !folders.iter().any(|f| f == defaults_dir) {
                folders = vec![parent(yaml_path), defaults_dir.to_owned()];
            }
        }
        let mut defaults = Defaults::default();
        // Farthest first, so nearer files override.
        for folder in folders.iter().rev() {
            let Some(file) = ["defaults.yml", "defaults.yaml"]
                .iter()
                .find_map(|name| loader.read(&join(folder, name)).ok())
            else {
                continue;
            };
            let Ok(Some(root)) = yaml::parse_spanned(file.text()) else {
                continue;
            };
            for (key, value) in root.entries() {
                let Some(key) = key.as_str() else {
                    continue;
                };
                let item = to_item(value, &file, Dialect::DagFactory);
                if key == "default_args" {
                    for (name, value) in kwargs_of(&item) {
                        set(&mut defaults.default_args, name, value);
                    }
                } else if !before_1 {
                    set(&mut defaults.dag_args, key.to_owned(), item);
                }
            }
        }
        defaults
    }
}

fn parent(path: &str) -> String {
    path.rsplit_once('/')
        .map_or(String::new(), |(dir, _)| dir.to_owned())
}

fn set(pairs: &mut Vec<(String, Item)>, key: String, value: Item) {
    pairs.retain(|(k, _)| *k != key);
    pairs.push((key, value));
}

fn dict(pairs: &[(String, Item)], span: &crate::source::Span) -> Item {
    Item::new(
        Value::Dict(
            pairs
                .iter()
                .map(|(key, value)| {
                    (
                        Item::new(
                            Value::Str(Text::literal(key.clone(), value.span.clone(), false)),
                            value.span.clone(),
                        ),
                        value.clone(),
                    )
                })
                .collect::<Vec<_>>()
                .into(),
        ),
        span.clone(),
    )
}

/// The DAGs one YAML file declares. A file dag-factory cannot build gives no DAG at all (it
/// logs the exception and moves on), with a warning here.
fn build_file(file: Arc<SourceFile>, defaults: &Defaults) -> DagFile {
    let root = match parse_yaml(&file, file.text()) {
        Ok(Some(root)) => root,
        Ok(None) => return dag_file(file, Vec::new(), Vec::new(), Vec::new()),
        Err(error) => return dag_file(file, Vec::new(), Vec::new(), vec![error]),
    };
    let NodeValue::Map(entries) = &root.value else {
        let warning = Error::at(
            file.first_line_span(),
            "dag-factory cannot read this file: it is not a mapping of dag_id to DAG",
            "here",
        )
        .into_warning();
        return dag_file(file, Vec::new(), Vec::new(), vec![warning]);
    };
    let default_block = root
        .get("default")
        .map(|node| to_item(node, &file, Dialect::DagFactory))
        .unwrap_or_else(|| Item::new(Value::Dict(Default::default()), file.first_line_span()));
    // The file's `default.default_args` over the defaults files'.
    let mut default_args = defaults.default_args.clone();
    if let Some(own) = default_block.value.get("default_args") {
        for (name, value) in kwargs_of(own) {
            set(&mut default_args, name, value);
        }
    }
    let mut default_config = kwargs_of(&default_block);
    set(
        &mut default_config,
        "default_args".to_owned(),
        dict(&default_args, &default_block.span),
    );
    let default_config = dict(&default_config, &default_block.span);

    let mut builder = FileBuilder {
        dags: Vec::new(),
        tasks: Vec::new(),
        problems: Vec::new(),
    };
    for (key, config) in entries {
        let name = match &key.value {
            NodeValue::Str(name, _) => name.clone(),
            NodeValue::Int(n) => n.to_string(),
            _ => continue,
        };
        if name == "default" || name == "task_groups" {
            continue;
        }
        let config = to_item(config, &file, Dialect::DagFactory);
        if !matches!(config.value, Value::Dict(_)) {
            let span =
                crate::source::Span::new(file.clone(), key.span.start as u32..key.span.end as u32);
            let warning = Error::at(
                span,
                format!(
                    "dag-factory cannot build this file's DAGs: `{name}` is not a mapping of DAG \
                     arguments"
                ),
                "read as a dag_id",
            )
            .with_help(
                "dag-factory logs the error and the file declares no DAG; leave the file out \
                 with `suffix=[...]` or `.airflowignore` if it holds no DAG",
            )
            .into_warning();
            return dag_file(file, Vec::new(), Vec::new(), vec![warning]);
        }
        let mut own = kwargs_of(&config);
        for (arg, value) in &defaults.dag_args {
            if !own.iter().any(|(k, _)| k == arg) {
                own.insert(0, (arg.clone(), value.clone()));
            }
        }
        let params = merge_dicts(&dict(&own, &config.span), &default_config);
        let key_span =
            crate::source::Span::new(file.clone(), key.span.start as u32..key.span.end as u32);
        builder.dag(name, key_span, &params);
    }
    dag_file(file, builder.dags, builder.tasks, builder.problems)
}

struct FileBuilder {
    dags: Vec<crate::airflow::model::Dag>,
    tasks: Vec<Task>,
    problems: Vec<Error>,
}

/// A task group: its full id and whether it prefixes its tasks' ids.
struct Group {
    id: String,
    prefixes: bool,
    default_args: Vec<Item>,
}

impl FileBuilder {
    fn dag(&mut self, dag_id: String, key_span: crate::source::Span, params: &Item) {
        let timezone = params.value.get("timezone").cloned();
        let mut kwargs: Vec<(String, Item)> = kwargs_of(params)
            .into_iter()
            .filter(|(key, _)| key != "tasks" && key != "task_groups")
            .map(|(key, value)| match key.as_str() {
                "schedule" | "schedule_interval" => (key, none_string_is_none(value)),
                "start_date" | "end_date" => (key, datetime(value, timezone.as_ref())),
                "default_args" => (key, dates_in(value)),
                _ => (key, value),
            })
            .collect();
        // dag-factory tags every DAG it builds.
        let mut tags = kwargs
            .iter()
            .find(|(k, _)| k == "tags")
            .map(|(_, tags)| tags.clone())
            .unwrap_or_else(|| Item::new(Value::list(Vec::new()), key_span.clone()));
        if let Value::List(items) = &mut tags.value
            && !items
                .iter()
                .any(|t| t.value.as_str().as_deref() == Some("dagfactory"))
        {
            Arc::make_mut(items).push(Item::new(
                Value::Str(Text::literal("dagfactory", key_span.clone(), false)),
                key_span.clone(),
            ));
        }
        set(&mut kwargs, "tags".to_owned(), tags);
        let dag_index = self.dags.len();
        self.dags.push(dag(
            DagKind::DagFactory,
            Spanned::new(Some(dag_id), key_span.clone()),
            Call {
                callee: "airflow.models.dag.DAG".to_owned(),
                args: Vec::new(),
                kwargs,
                unknown_splat: false,
                span: key_span.clone(),
            },
        ));
        let dag_default_args = self.dags[dag_index].default_args().cloned();
        let groups = self.groups(params.value.get("task_groups"));
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        let mut configs: Vec<(String, Item)> = Vec::new();
        for (name, config) in entries_by_name(params.value.get("tasks"), "task_id") {
            let group = config
                .value
                .get("task_group_name")
                .and_then(|g| g.value.as_str())
                .and_then(|g| groups.get(&g));
            let task_id = match group {
                Some(group) if group.prefixes => format!("{}.{name}", group.id),
                _ => name.clone(),
            };
            let kwargs: Vec<(String, Item)> = kwargs_of(&config)
                .into_iter()
                .filter(|(key, _)| !TASK_SYSTEM_KEYS.contains(&key.as_str()))
                .collect();
            let callee = config
                .value
                .get("operator")
                .or_else(|| config.value.get("decorator"))
                .and_then(|o| o.value.as_str())
                .unwrap_or_default();
            let mut call_kwargs = vec![(
                "task_id".to_owned(),
                Item::new(
                    Value::Str(Text::literal(task_id.clone(), config.span.clone(), false)),
                    config.span.clone(),
                ),
            )];
            call_kwargs.extend(kwargs);
            let call = Call {
                callee,
                args: Vec::new(),
                kwargs: call_kwargs,
                unknown_splat: false,
                span: config.span.clone(),
            };
            let group_args = group.map(|g| g.default_args.clone()).unwrap_or_default();
            names.insert(name.clone(), self.tasks.len());
            self.tasks.push(super::operator_task(
                task_id,
                call,
                dag_index,
                dag_default_args.as_ref(),
                group_args,
            ));
            configs.push((name, config));
        }
        self.dependencies(&configs, &names, &groups, params.value.get("task_groups"));
    }

    /// `task_groups:` by name (a dict, or a list with `group_name`), with full ids.
    fn groups(&self, node: Option<&Item>) -> BTreeMap<String, Group> {
        let configs: BTreeMap<String, Item> =
            entries_by_name(node, "group_name").into_iter().collect();
        let mut groups = BTreeMap::new();
        for name in configs.keys() {
            let mut chain = vec![name.clone()];
            let mut current = name.clone();
            while let Some(parent) = configs
                .get(&current)
                .and_then(|c| c.value.get("parent_group_name"))
                .and_then(|p| p.value.as_str())
            {
                if chain.contains(&parent) {
                    break;
                }
                chain.push(parent.clone());
                current = parent;
            }
            // Outermost first: each group's id is prefixed by its parent's when that prefixes.
            let mut id = String::new();
            let mut parent_prefixes = false;
            let mut default_args = Vec::new();
            for group in chain.iter().rev() {
                let config = configs.get(group);
                id = if parent_prefixes && !id.is_empty() {
                    format!("{id}.{group}")
                } else {
                    group.clone()
                };
                parent_prefixes = config
                    .and_then(|c| c.value.get("prefix_group_id"))
                    .and_then(|p| p.value.truthy())
                    .unwrap_or(true);
                if let Some(args) = config.and_then(|c| c.value.get("default_args")) {
                    default_args.insert(0, args.clone());
                }
            }
            groups.insert(
                name.clone(),
                Group {
                    id,
                    prefixes: parent_prefixes,
                    default_args,
                },
            );
        }
        groups
    }

    /// `dependencies:` of tasks and groups: task on task, task on a group (its last tasks),
    /// group on anything (its first tasks wait).
    fn dependencies(
        &mut self,
        tasks: &[(String, Item)],
        names: &BTreeMap<String, usize>,
        groups: &BTreeMap<String, Group>,
        group_node: Option<&Item>,
    ) {
        let members = |group: &str| -> Vec<usize> {
            tasks
                .iter()
                .filter(|(_, config)| {
                    let mut current = config
                        .value
                        .get("task_group_name")
                        .and_then(|g| g.value.as_str());
                    while let Some(name) = current {
                        if name == group {
                            return true;
                        }
                        current = group_node
                            .and_then(|n| {
                                entries_by_name(Some(n), "group_name")
                                    .into_iter()
                                    .find(|(g, _)| *g == name)
                            })
                            .and_then(|(_, c)| {
                                c.value
                                    .get("parent_group_name")
                                    .and_then(|p| p.value.as_str())
                            });
                    }
                    false
                })
                .filter_map(|(name, _)| names.get(name).copied())
                .collect()
        };
        let depends = |config: &Item| -> Vec<String> {
            config
                .value
                .get("dependencies")
                .and_then(|d| d.value.as_list().map(<[Item]>::to_vec))
                .unwrap_or_default()
                .iter()
                .filter_map(|d| d.value.as_str())
                .collect()
        };
        // (downstream, upstream), set one at a time in the file's order, tasks then groups, as
        // dag-factory does: a group's first and last tasks are those at that moment.
        let mut edges: Vec<(usize, usize)> = Vec::new();
        let ends = |group: &str, edges: &[(usize, usize)], last: bool| -> Vec<usize> {
            let inside = members(group);
            inside
                .iter()
                .copied()
                .filter(|task| {
                    !edges.iter().any(|&(down, up)| {
                        let (this, other) = if last { (up, down) } else { (down, up) };
                        this == *task && inside.contains(&other)
                    })
                })
                .collect()
        };
        let upstream_of = |dependency: &str, edges: &[(usize, usize)]| -> Vec<usize> {
            match names.get(dependency) {
                Some(&task) => vec![task],
                None if groups.contains_key(dependency) => ends(dependency, edges, true),
                None => Vec::new(),
            }
        };
        for (name, config) in tasks {
            let Some(&task) = names.get(name) else {
                continue;
            };
            for dependency in depends(config) {
                for up in upstream_of(&dependency, &edges) {
                    edges.push((task, up));
                }
            }
        }
        for (group, config) in entries_by_name(group_node, "group_name") {
            for dependency in depends(&config) {
                let upstream = upstream_of(&dependency, &edges);
                for root in ends(&group, &edges, false) {
                    for &up in &upstream {
                        edges.push((root, up));
                    }
                }
            }
        }
        for (down, up) in edges {
            let up_id = self.tasks[up].id().to_owned();
            add_upstream(&mut self.tasks, down, &up_id);
        }
    }
}

/// `tasks:`/`task_groups:` as (name, config): a dict by name, or a list whose entries carry
/// their name under `name_key`.
fn entries_by_name(node: Option<&Item>, name_key: &str) -> Vec<(String, Item)> {
    match node.map(|n| &n.value) {
        Some(Value::Dict(pairs)) => pairs
            .iter()
            .filter_map(|(key, value)| Some((key.value.as_str()?, value.clone())))
            .collect(),
        Some(Value::List(items)) => items
            .iter()
            .filter_map(|item| Some((item.value.get(name_key)?.value.as_str()?, item.clone())))
            .collect(),
        _ => Vec::new(),
    }
}

/// dag-factory turns a `start_date`/`end_date` written as text into a datetime in the given
/// `timezone` (UTC by default).
fn datetime(item: Item, timezone: Option<&Item>) -> Item {
    if !matches!(item.value, Value::Str(_)) {
        return item;
    }
    let zone = timezone.cloned().unwrap_or_else(|| {
        Item::new(
            Value::Str(Text::literal("UTC", item.span.clone(), false)),
            item.span.clone(),
        )
    });
    let span = item.span.clone();
    Item::new(
        Value::Call(Box::new(Call {
            callee: "pendulum.parse".to_owned(),
            args: vec![item],
            kwargs: vec![("tz".to_owned(), zone)],
            unknown_splat: false,
            span: span.clone(),
        })),
        span,
    )
}

/// The dates of `default_args`, in their own `timezone`, and the callbacks dag-factory
/// imports from `<callback>_name` + `<callback>_file`.
fn dates_in(default_args: Item) -> Item {
    let Value::Dict(pairs) = &default_args.value else {
        return default_args;
    };
    let timezone = default_args.value.get("timezone").cloned();
    let mut pairs: Vec<(Item, Item)> = pairs
        .iter()
        .map(|(key, value)| match key.value.as_str().as_deref() {
            Some("start_date" | "end_date") => {
                (key.clone(), datetime(value.clone(), timezone.as_ref()))
            }
            _ => (key.clone(), value.clone()),
        })
        .collect();
    with_file_callbacks(&mut pairs);
    Item::new(Value::Dict(pairs.into()), default_args.span)
}

/// `on_failure_callback_name: notify` + `on_failure_callback_file: /path/cb.py`: dag-factory
/// imports the function and passes it as `on_failure_callback`.
fn with_file_callbacks(pairs: &mut Vec<(Item, Item)>) {
    let value_of = |pairs: &[(Item, Item)], key: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k.value.as_str().as_deref() == Some(key))
            .map(|(_, v)| v.clone())
    };
    for callback in [
        "on_execute_callback",
        "on_success_callback",
        "on_failure_callback",
        "on_retry_callback",
        "on_skipped_callback",
        "sla_miss_callback",
    ] {
        let (Some(name), Some(file)) = (
            value_of(pairs, &format!("{callback}_name")),
            value_of(pairs, &format!("{callback}_file")),
        ) else {
            continue;
        };
        let path = match (name.value.as_str(), file.value.as_str()) {
            (Some(name), Some(file)) => Value::Path(format!("{file}:{name}")),
            _ => Value::Unknown(format!("the `{callback}` dag-factory imports")),
        };
        let key = Item::new(
            Value::Str(Text::literal(callback, name.span.clone(), false)),
            name.span.clone(),
        );
        pairs.push((key, Item::new(path, name.span)));
    }
}

/// `schedule: "None"`: dag-factory passes `None`.
fn none_string_is_none(item: Item) -> Item {
    match item.value.as_str().as_deref() {
        Some("None" | "none") => Item::new(Value::None, item.span),
        _ => item,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_declares_dags_over_its_default_block() {
        let text = "default:\n  default_args:\n    owner: sales\n    on_failure_callback_name: alert\n    on_failure_callback_file: /opt/airflow/dags/alerts.py\n  schedule: None\ndaily:\n  default_args:\n    retries: 3\n  tasks:\n    - task_id: run\n      operator: airflow.operators.bash.BashOperator\n      bash_command: dbt run -s tag:a\n    - task_id: check\n      operator: airflow.operators.empty.EmptyOperator\n      dependencies: [run]\n";
        let file = SourceFile::new("dags/daily.yml", text);
        let built = build_file(file, &Defaults::default());
        let dag = &built.dags[0];
        assert_eq!(dag.id(), "daily");
        assert!(matches!(dag.kwarg("schedule").unwrap().value, Value::None));
        let owner = dag.default_arg("owner").unwrap().unwrap();
        assert_eq!(owner.value.as_str().as_deref(), Some("sales"));
        assert_eq!(owner.span.text(), "sales");
        assert!(dag.default_arg("on_failure_callback").unwrap().is_some());
        let run = &built.tasks[0];
        assert_eq!(run.dbt_calls[0].select[0].value, "tag:a");
        assert_eq!(run.dbt_calls[0].select[0].span.text(), "tag:a");
        assert_eq!(run.call.kwarg("retries").unwrap().value.describe(), "3");
        assert_eq!(built.tasks[1].upstream, ["run"]);
    }
}
