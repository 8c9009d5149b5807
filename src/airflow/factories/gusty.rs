//! gusty: a folder is a DAG (`create_dag(dag_dir, **dag_kwargs)`, or one per subfolder with
//! `create_dags(dags_dir, globals())`). Its `METADATA.yml` holds the DAG's arguments, each
//! task is a file (`.yml`/`.yaml` specs, `.sql` and `.py` files with YAML front matter) named
//! after its task id, each subfolder a task group (not prefixing ids unless told to), and a
//! `latest_only` task goes first unless `latest_only: false`.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::{
    Dialect, FactoryCall, Library, Loader, add_upstream, dag, dag_file, kwargs_of, merge_dicts,
    operator_task, parse_yaml, to_item,
};
use crate::airflow::model::{DagFile, DagKind, Task};
use crate::airflow::value::{Call, Item, Text, Value};
use crate::error::Error;
use crate::source::{SourceFile, Span, Spanned};

/// Task file extensions gusty reads by default (`.ipynb` notebooks are not read here).
const SPEC_EXTENSIONS: &[&str] = &[".yml", ".yaml", ".Rmd", ".py", ".sql"];

/// Keys gusty reads itself: never operator arguments.
const GUSTY_KEYS: &[&str] = &[
    "operator",
    "dependencies",
    "external_dependencies",
    "multi_task_spec",
    "python_callable_partials",
    "extra_callables",
    "task_id",
    "file_path",
];

/// `create_dag`/`create_dags` keywords that configure gusty, not the DAG.
const BUILDER_KEYS: &[&str] = &[
    "task_group_defaults",
    "wait_for_defaults",
    "wait_for_class",
    "latest_only",
    "parse_hooks",
    "dag_constructors",
    "extra_tags",
    "render_on_create",
    "leaf_tasks_from_dict",
    "caller_env",
    "concurrent",
    "concurrent_timeout",
    "max_concurrency",
    "current_dag_id",
    "dependencies",
    "external_dependencies",
    "root_tasks",
    "leaf_tasks",
    "ignore_subfolders",
    "suffix_group_id",
];

pub(super) fn build(
    loader: &Loader,
    factory: &FactoryCall,
) -> Result<Vec<DagFile>, Spanned<String>> {
    let call = &factory.call;
    let name = if factory.library == Library::GustyDags {
        "dags_dir"
    } else {
        "dag_dir"
    };
    let folder_item = call.arg(name, 0).ok_or_else(|| {
        Spanned::new(
            "the folder of the gusty DAG is not given".to_owned(),
            call.span.clone(),
        )
    })?;
    let folder = loader.repo_path(folder_item, "DAG folder")?;
    let dag_folders: Vec<String> = match factory.library {
        Library::GustyDags => loader
            .list(&folder)
            .into_iter()
            .filter(|(name, is_dir)| *is_dir && !name.ends_with("__"))
            .map(|(name, _)| join(&folder, &name))
            .collect(),
        _ => vec![folder],
    };
    Ok(dag_folders
        .iter()
        .map(|dag_folder| build_dag(loader, call, dag_folder))
        .collect())
}

fn join(folder: &str, name: &str) -> String {
    if folder.is_empty() {
        name.to_owned()
    } else {
        format!("{folder}/{name}")
    }
}

/// A folder of the DAG: the DAG itself or a task group.
struct Level {
    name: String,
    folder: String,
    parent: Option<usize>,
    metadata: Vec<(String, Item)>,
    /// The group's full id and whether it prefixes its tasks' ids (None for the DAG).
    group: Option<(String, bool)>,
    tasks: Vec<usize>,
}

struct Builder {
    tasks: Vec<Task>,
    /// (downstream, upstream) task indexes.
    edges: BTreeSet<(usize, usize)>,
    problems: Vec<Error>,
}

fn build_dag(loader: &Loader, call: &Call, folder: &str) -> DagFile {
    let dag_id = folder.rsplit('/').next().unwrap_or(folder).to_owned();
    if !loader.disk_path(folder).is_dir() {
        let warning = Error::at(
            call.span.clone(),
            format!("gusty's DAG folder `{folder}` does not exist"),
            "this call fails",
        )
        .with_help("Airflow shows an import error for this file and none of its DAGs exist")
        .into_warning();
        return dag_file(loader.file.clone(), Vec::new(), Vec::new(), vec![warning]);
    }
    let mut builder = Builder {
        tasks: Vec::new(),
        edges: BTreeSet::new(),
        problems: Vec::new(),
    };
    let given: Vec<(String, Item)> = call.kwargs.clone();
    let kwarg = |name: &str| {
        given
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let group_defaults = kwarg("task_group_defaults")
        .map(|d| kwargs_of(&d))
        .unwrap_or_default();

    // The levels: the DAG folder, then its subfolders (not `_`/`.` ones, nor those holding a
    // `.gustyignore`), each with its metadata over the defaults.
    let mut levels: Vec<Level> = Vec::new();
    let mut metadata_file: Option<Arc<SourceFile>> = None;
    let mut pending = vec![(folder.to_owned(), None::<usize>)];
    while let Some((dir, parent)) = pending.pop() {
        let entries = loader.list(&dir);
        let name = dir.rsplit('/').next().unwrap_or(&dir).to_owned();
        let mut metadata: Vec<(String, Item)> = match parent {
            None => given.clone(),
            Some(_) => group_defaults.clone(),
        };
        if entries.iter().any(|(n, d)| n == "METADATA.yml" && !d) {
            let path = join(&dir, "METADATA.yml");
            if let Some((file, spec)) = read_spec(loader, &path, &mut builder.problems) {
                for (key, value) in kwargs_of(&spec) {
                    let value = match (
                        key.as_str(),
                        parent,
                        metadata.iter().find(|(k, _)| *k == key),
                    ) {
                        ("default_args", None, Some((_, defaults))) => {
                            merge_shallow(&value, defaults)
                        }
                        _ => value,
                    };
                    metadata.retain(|(k, _)| *k != key);
                    metadata.push((key, value));
                }
                if parent.is_none() {
                    metadata_file = Some(file);
                }
            }
        }
        let index = levels.len();
        let group = parent.map(|p| {
            let prefixes = metadata
                .iter()
                .rev()
                .find(|(k, _)| k == "prefix_group_id")
                .and_then(|(_, v)| v.value.truthy())
                .unwrap_or(false);
            let id = match &levels[p].group {
                Some((parent_id, true)) => format!("{parent_id}.{name}"),
                _ => name.clone(),
            };
            (id, prefixes)
        });
        levels.push(Level {
            name,
            folder: dir.clone(),
            parent,
            metadata,
            group,
            tasks: Vec::new(),
        });
        let ignore_subfolders = parent.is_none()
            && levels[index]
                .metadata
                .iter()
                .any(|(k, v)| k == "ignore_subfolders" && v.value.truthy() == Some(true));
        if ignore_subfolders {
            continue;
        }
        for (child, is_dir) in entries.iter().rev() {
            let child_dir = join(&dir, child);
            if *is_dir
                && !child.starts_with(['_', '.'])
                && !loader.disk_path(&child_dir).join(".gustyignore").exists()
            {
                pending.push((child_dir, Some(index)));
            }
        }
    }

    let top = levels[0].metadata.clone();
    let meta = |key: &str| {
        top.iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let source = metadata_file.clone().unwrap_or_else(|| loader.file.clone());
    let dag_span = match &metadata_file {
        Some(file) => file.first_line_span(),
        None => call.span.clone(),
    };
    let mut dag_kwargs: Vec<(String, Item)> = top
        .iter()
        .filter(|(key, _)| !BUILDER_KEYS.contains(&key.as_str()))
        .cloned()
        .collect();
    if let Some(extra) = kwarg("extra_tags").and_then(|e| e.value.as_list().map(<[Item]>::to_vec)) {
        let mut tags = meta("tags")
            .and_then(|t| t.value.as_list().map(<[Item]>::to_vec))
            .unwrap_or_default();
        for tag in extra {
            if !tags.iter().any(|t| t.value.as_str() == tag.value.as_str()) {
                tags.push(tag);
            }
        }
        dag_kwargs.retain(|(k, _)| k != "tags");
        dag_kwargs.push((
            "tags".to_owned(),
            Item::new(Value::list(tags), dag_span.clone()),
        ));
    }
    let dag_call = Call {
        callee: "airflow.models.dag.DAG".to_owned(),
        args: Vec::new(),
        kwargs: dag_kwargs,
        unknown_splat: call.unknown_splat,
        span: dag_span.clone(),
    };
    let the_dag = dag(
        DagKind::Gusty,
        Spanned::new(Some(dag_id), dag_span),
        dag_call,
    );
    let dag_default_args = the_dag.default_args().cloned();

    // Task groups' default_args reach their tasks (innermost first).
    let group_args: Vec<Vec<Item>> = (0..levels.len())
        .map(|level| {
            let mut chain = Vec::new();
            let mut current = Some(level);
            while let Some(index) = current {
                if levels[index].parent.is_some()
                    && let Some((_, args)) = levels[index]
                        .metadata
                        .iter()
                        .rev()
                        .find(|(k, _)| k == "default_args")
                {
                    chain.push(args.clone());
                }
                current = levels[index].parent;
            }
            chain
        })
        .collect();
    // Tasks, level by level; a spec's id is its file name, prefixed in prefixing groups.
    let mut specs: Vec<(usize, String, Item)> = Vec::new();
    for (index, level) in levels.iter_mut().enumerate() {
        for (name, is_dir) in loader.list(&level.folder) {
            if is_dir
                || name == "METADATA.yml"
                || name.starts_with(['_', '.'])
                || !SPEC_EXTENSIONS.iter().any(|ext| name.ends_with(ext))
            {
                continue;
            }
            let path = join(&level.folder, &name);
            let Some((_, spec)) = read_spec(loader, &path, &mut builder.problems) else {
                continue;
            };
            let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
            let base_id = stem.trim().to_lowercase();
            for (spec_id, spec) in multi_task(&base_id, spec) {
                let spec_id = match &level.group {
                    Some((_, true)) => format!("{}_{spec_id}", level.name),
                    _ => spec_id,
                };
                let task_id = match &level.group {
                    Some((group_id, true)) => format!("{group_id}.{spec_id}"),
                    _ => spec_id.clone(),
                };
                let mut kwargs = vec![(
                    "task_id".to_owned(),
                    Item::new(
                        Value::Str(Text::literal(task_id.clone(), spec.span.clone(), false)),
                        spec.span.clone(),
                    ),
                )];
                kwargs.extend(
                    kwargs_of(&spec)
                        .into_iter()
                        .filter(|(k, _)| !GUSTY_KEYS.contains(&k.as_str())),
                );
                let callee = spec
                    .value
                    .get("operator")
                    .and_then(|o| o.value.as_str())
                    .unwrap_or_default();
                let task_call = Call {
                    callee,
                    args: Vec::new(),
                    kwargs,
                    unknown_splat: false,
                    span: spec.span.clone(),
                };
                level.tasks.push(builder.tasks.len());
                builder.tasks.push(operator_task(
                    task_id,
                    task_call,
                    0,
                    dag_default_args.as_ref(),
                    group_args[index].clone(),
                ));
                specs.push((index, spec_id, spec));
            }
        }
    }
    // The sensors' arguments: gusty's defaults, `create_dag`'s, then `METADATA.yml`'s.
    let mut wait_for_defaults = kwarg("wait_for_defaults")
        .map(|d| kwargs_of(&d))
        .unwrap_or_default();
    for (key, value) in meta("wait_for_defaults")
        .map(|d| kwargs_of(&d))
        .unwrap_or_default()
    {
        wait_for_defaults.retain(|(k, _)| *k != key);
        wait_for_defaults.push((key, value));
    }
    let sensors = Sensors {
        defaults: wait_for_defaults,
        dag_default_args: dag_default_args.clone(),
    };
    builder.dependencies(&levels, &specs, &sensors);
    let names = |key: &str| -> Vec<String> {
        meta(key)
            .and_then(|v| v.value.as_list().map(<[Item]>::to_vec))
            .unwrap_or_default()
            .iter()
            .filter_map(|item| item.value.as_str())
            .collect()
    };
    builder.leaf_tasks(&levels, &specs, &names("leaf_tasks"), &names("root_tasks"));
    let latest_only = meta("latest_only")
        .and_then(|l| l.value.truthy())
        .unwrap_or(true);
    let root = RootDependencies {
        root_tasks: names("root_tasks"),
        external: meta("external_dependencies"),
        latest_only,
    };
    builder.root_dependencies(&levels, &specs, &root, &sensors, &source);
    for (down, up) in builder.edges.clone() {
        let up_id = builder.tasks[up].id().to_owned();
        add_upstream(&mut builder.tasks, down, &up_id);
    }
    dag_file(source, vec![the_dag], builder.tasks, builder.problems)
}

/// `default_args` of `METADATA.yml` over those given to `create_dag`.
fn merge_shallow(over: &Item, under: &Item) -> Item {
    let mut pairs = kwargs_of(under);
    for (key, value) in kwargs_of(over) {
        pairs.retain(|(k, _)| *k != key);
        pairs.push((key, value));
    }
    Item::new(
        Value::Dict(
            pairs
                .into_iter()
                .map(|(key, value)| {
                    (
                        Item::new(
                            Value::Str(Text::literal(key, value.span.clone(), false)),
                            value.span.clone(),
                        ),
                        value,
                    )
                })
                .collect::<Vec<_>>()
                .into(),
        ),
        over.span.clone(),
    )
}

/// `multi_task_spec: {task_id: overrides}`: one task per entry, else the spec itself.
fn multi_task(base_id: &str, spec: Item) -> Vec<(String, Item)> {
    let Some(multi) = spec.value.get("multi_task_spec").cloned() else {
        return vec![(base_id.to_owned(), spec)];
    };
    let entries = kwargs_of(&multi);
    if entries.is_empty() {
        return vec![(base_id.to_owned(), spec)];
    }
    entries
        .into_iter()
        .map(|(task_id, overrides)| (task_id, merge_dicts(&overrides, &spec)))
        .collect()
}

/// A task file's spec (its YAML, or the YAML front matter of a `.sql`/`.py`/`.Rmd` file),
/// with spans in the file. `None` (and a warning) when it cannot be read.
fn read_spec(
    loader: &Loader,
    path: &str,
    problems: &mut Vec<Error>,
) -> Option<(Arc<SourceFile>, Item)> {
    let file = match loader.read(path) {
        Ok(file) => file,
        Err(error) => {
            problems.push(error.into_warning());
            return None;
        }
    };
    let yaml_text = spec_text(path, file.text());
    match parse_yaml(&file, &yaml_text) {
        Ok(Some(node)) => Some((file.clone(), to_item(&node, &file, Dialect::Gusty))),
        Ok(None) if path.ends_with(".py") => {
            // No front matter: a PythonOperator running the file.
            let span = file.first_line_span();
            let spec = Item::new(
                Value::Dict(
                    vec![(
                        Item::new(
                            Value::Str(Text::literal("operator", span.clone(), false)),
                            span.clone(),
                        ),
                        Item::new(
                            Value::Str(Text::literal(
                                "airflow.operators.python.PythonOperator",
                                span.clone(),
                                false,
                            )),
                            span.clone(),
                        ),
                    )]
                    .into(),
                ),
                span,
            );
            Some((file, spec))
        }
        Ok(None) => None,
        Err(error) => {
            problems.push(error);
            None
        }
    }
}

/// The YAML part of a task file, at the same byte offsets as in the file (everything else
/// blanked out), so spans point into the file itself.
fn spec_text(path: &str, text: &str) -> String {
    let blank = |part: &str| -> String {
        part.chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect()
    };
    if path.ends_with(".py") {
        // jupytext's header cell: `# ---` ... `# ---`, each line commented.
        let mut out = String::with_capacity(text.len());
        let mut inside = false;
        let mut done = false;
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim_end();
            if !done && trimmed == "# ---" {
                out.push_str(&blank(line));
                if inside {
                    done = true;
                }
                inside = !inside;
                continue;
            }
            if inside && !done {
                if let Some(rest) = line.strip_prefix("# ") {
                    out.push_str("  ");
                    out.push_str(rest);
                } else if let Some(rest) = line.strip_prefix('#') {
                    out.push(' ');
                    out.push_str(rest);
                } else {
                    out.push_str(&blank(line));
                }
            } else {
                out.push_str(&blank(line));
            }
        }
        return out;
    }
    // Front matter: `---` ... `---` at the top (always for `.sql`, optional otherwise).
    let mut lines = text.split_inclusive('\n');
    if lines.next().map(str::trim_end) == Some("---") {
        let mut out = blank(&text[..4.min(text.len())]);
        let mut offset = text.find('\n').map_or(text.len(), |i| i + 1);
        out.truncate(offset);
        while out.len() < offset {
            out.push(' ');
        }
        for line in lines {
            if line.trim_end() == "---" {
                out.push_str(&blank(&text[offset..]));
                return out;
            }
            out.push_str(line);
            offset += line.len();
        }
        return out;
    }
    if path.ends_with(".sql") {
        return blank(text);
    }
    text.to_owned()
}

impl Builder {
    /// The tasks of a level and of the levels under it.
    fn members(levels: &[Level], level: usize) -> Vec<usize> {
        let mut out = levels[level].tasks.clone();
        for (index, child) in levels.iter().enumerate() {
            if child.parent == Some(level) {
                out.extend(Self::members(levels, index));
            }
        }
        out
    }

    fn connect(&mut self, downstream: &[usize], upstream: &[usize]) {
        for &down in downstream {
            for &up in upstream {
                self.edges.insert((down, up));
            }
        }
    }

    /// The first (`last == false`) or last tasks of a group, by the edges inside it.
    fn ends(&self, members: &[usize], last: bool) -> Vec<usize> {
        members
            .iter()
            .copied()
            .filter(|task| {
                !self.edges.iter().any(|&(down, up)| {
                    let (this, other) = if last { (up, down) } else { (down, up) };
                    this == *task && members.contains(&other)
                })
            })
            .collect()
    }

    /// `dependencies` of task specs (on tasks anywhere in the DAG, or on task groups directly
    /// under the task's level) and of subfolders' `METADATA.yml` (on tasks or groups beside
    /// them); `external_dependencies` become `wait_for_` sensors.
    fn dependencies(
        &mut self,
        levels: &[Level],
        specs: &[(usize, String, Item)],
        sensors: &Sensors,
    ) {
        let find_task = |id: &str| specs.iter().position(|(_, spec_id, _)| spec_id == id);
        let names = |item: Option<&Item>| -> Vec<String> {
            item.and_then(|d| d.value.as_list().map(<[Item]>::to_vec))
                .unwrap_or_default()
                .iter()
                .filter_map(|d| d.value.as_str())
                .collect()
        };
        // gusty sets dependencies one at a time, levels' first, then tasks' level by level: a
        // group's first and last tasks are those at that moment.
        for (index, level) in levels.iter().enumerate() {
            let Some(parent) = level.parent else {
                continue;
            };
            let dependencies = level
                .metadata
                .iter()
                .rev()
                .find(|(k, _)| k == "dependencies")
                .map(|(_, v)| v.clone());
            for dependency in names(dependencies.as_ref()) {
                let upstream = if let Some(&task) = levels[parent]
                    .tasks
                    .iter()
                    .find(|&&t| specs[t].1 == dependency)
                {
                    vec![task]
                } else if let Some(sibling) = levels.iter().position(|l| {
                    l.parent == Some(parent) && l.name == dependency && l.folder != level.folder
                }) {
                    self.ends(&Self::members(levels, sibling), true)
                } else {
                    continue;
                };
                let downstream = self.ends(&Self::members(levels, index), false);
                self.connect(&downstream, &upstream);
            }
        }
        for (level_index, _) in levels.iter().enumerate() {
            for (task, (level, _, spec)) in specs.iter().enumerate() {
                if *level != level_index {
                    continue;
                }
                let mut wanted = names(spec.value.get("dependencies"));
                if let Some((_, true)) = &levels[*level].group {
                    let prefixed: Vec<String> = wanted
                        .iter()
                        .map(|d| format!("{}_{d}", levels[*level].name))
                        .collect();
                    wanted.extend(prefixed);
                }
                for dependency in wanted {
                    if let Some(upstream) = find_task(&dependency) {
                        self.connect(&[task], &[upstream]);
                    } else if let Some(child) = levels
                        .iter()
                        .position(|l| l.parent == Some(*level) && l.name == dependency)
                    {
                        let leaves = self.ends(&Self::members(levels, child), true);
                        self.connect(&[task], &leaves);
                    }
                }
            }
        }
        // External dependencies: one sensor per DAG (and task) waited for.
        for (task, (_, _, spec)) in specs.iter().enumerate() {
            let Some(external) = spec.value.get("external_dependencies") else {
                continue;
            };
            for (dag_id, task_id, span) in external_pairs(external) {
                let sensor = self.wait_for(&dag_id, &task_id, &span, sensors);
                self.edges.insert((task, sensor));
            }
        }
        // Then groups' own `external_dependencies`: their first tasks wait.
        for (index, level) in levels.iter().enumerate() {
            if level.parent.is_none() {
                continue;
            }
            let Some((_, external)) = level
                .metadata
                .iter()
                .rev()
                .find(|(k, _)| k == "external_dependencies")
            else {
                continue;
            };
            for (dag_id, task_id, span) in external_pairs(external) {
                let sensor = self.wait_for(&dag_id, &task_id, &span, sensors);
                let roots = self.ends(&Self::members(levels, index), false);
                self.connect(&roots, &[sensor]);
            }
        }
    }

    /// Whether a task or group (its members) waits for something outside it.
    fn has_upstream(&self, members: &[usize]) -> bool {
        self.edges
            .iter()
            .any(|&(down, up)| members.contains(&down) && !members.contains(&up))
    }

    /// Whether something outside a task or group waits for it.
    fn has_downstream(&self, members: &[usize]) -> bool {
        self.edges
            .iter()
            .any(|&(down, up)| members.contains(&up) && !members.contains(&down))
    }

    /// The DAG folder's own tasks and its subfolders' groups, by name.
    fn top_objects(levels: &[Level], specs: &[(usize, String, Item)]) -> Vec<(String, Vec<usize>)> {
        let mut objects: Vec<(String, Vec<usize>)> = levels[0]
            .tasks
            .iter()
            .map(|&task| (specs[task].1.clone(), vec![task]))
            .collect();
        for (index, level) in levels.iter().enumerate() {
            if level.parent == Some(0) {
                objects.push((level.name.clone(), Self::members(levels, index)));
            }
        }
        objects
    }

    /// `leaf_tasks` (of the DAG's `METADATA.yml`): they wait for every task and group that
    /// nothing waits for.
    fn leaf_tasks(
        &mut self,
        levels: &[Level],
        specs: &[(usize, String, Item)],
        leaves: &[String],
        roots: &[String],
    ) {
        if leaves.is_empty() {
            return;
        }
        let leaf_tasks: Vec<usize> = levels[0]
            .tasks
            .iter()
            .copied()
            .filter(|&task| leaves.contains(&specs[task].1))
            .collect();
        for (name, members) in Self::top_objects(levels, specs) {
            if leaves.contains(&name) || roots.contains(&name) || self.has_downstream(&members) {
                continue;
            }
            let last = self.ends(&members, true);
            self.connect(&leaf_tasks, &last);
        }
    }

    /// What goes first in the DAG: `root_tasks`, the DAG's own `external_dependencies`
    /// sensors, then gusty's `latest_only` task, each upstream of every task and group that
    /// has no upstream yet.
    fn root_dependencies(
        &mut self,
        levels: &[Level],
        specs: &[(usize, String, Item)],
        root: &RootDependencies,
        sensors: &Sensors,
        source: &Arc<SourceFile>,
    ) {
        let mut objects = Self::top_objects(levels, specs);
        for (index, task) in self.tasks.iter().enumerate() {
            if task.call.name() == "ExternalTaskSensor" {
                objects.push((task.id().to_owned(), vec![index]));
            }
        }
        let root_tasks: Vec<usize> = levels[0]
            .tasks
            .iter()
            .copied()
            .filter(|&task| root.root_tasks.contains(&specs[task].1))
            .collect();
        if !root_tasks.is_empty() {
            for (name, members) in &objects {
                let waits_only_for_sensors = self.edges.iter().all(|&(down, up)| {
                    !members.contains(&down)
                        || members.contains(&up)
                        || self.tasks[up].id().starts_with("wait_for_")
                });
                if root.root_tasks.contains(name) || !waits_only_for_sensors {
                    continue;
                }
                let first = self.ends(members, false);
                self.connect(&first, &root_tasks);
            }
        }
        if let Some(external) = &root.external {
            let mut new_sensors = Vec::new();
            for (dag_id, task_id, span) in external_pairs(external) {
                new_sensors.push(self.wait_for(&dag_id, &task_id, &span, sensors));
            }
            for (_, members) in &objects {
                if self.has_upstream(members) {
                    continue;
                }
                let first = self.ends(members, false);
                let others: Vec<usize> = new_sensors
                    .iter()
                    .copied()
                    .filter(|sensor| !members.contains(sensor))
                    .collect();
                self.connect(&first, &others);
            }
            for sensor in new_sensors {
                if !objects.iter().any(|(_, members)| members == &vec![sensor]) {
                    objects.push((self.tasks[sensor].id().to_owned(), vec![sensor]));
                }
            }
        }
        if root.latest_only {
            let latest = self.latest_only(sensors.dag_default_args.as_ref(), source);
            for (_, members) in &objects {
                if self.has_upstream(members) {
                    continue;
                }
                let first = self.ends(members, false);
                self.connect(&first, &[latest]);
            }
        }
    }

    /// The `wait_for_...` sensor of gusty's external dependencies (made once per pair).
    fn wait_for(&mut self, dag_id: &str, task_id: &str, span: &Span, sensors: &Sensors) -> usize {
        let name = if task_id == "all" {
            format!("wait_for_DAG_{dag_id}")
        } else {
            format!("wait_for_{dag_id}_{task_id}")
        };
        if let Some(existing) = self
            .tasks
            .iter()
            .position(|t| t.task_id.as_deref() == Some(&name))
        {
            return existing;
        }
        let text = |value: &str| {
            Item::new(
                Value::Str(Text::literal(value, span.clone(), false)),
                span.clone(),
            )
        };
        let mut kwargs = vec![
            ("task_id".to_owned(), text(&name)),
            ("external_dag_id".to_owned(), text(dag_id)),
        ];
        kwargs.push((
            "external_task_id".to_owned(),
            if task_id == "all" {
                Item::new(Value::None, span.clone())
            } else {
                text(task_id)
            },
        ));
        kwargs.push((
            "retries".to_owned(),
            Item::new(Value::Int(60), span.clone()),
        ));
        for (key, value) in &sensors.defaults {
            kwargs.retain(|(k, _)| k != key);
            kwargs.push((key.clone(), value.clone()));
        }
        let call = Call {
            callee: "airflow.sensors.external_task.ExternalTaskSensor".to_owned(),
            args: Vec::new(),
            kwargs,
            unknown_splat: false,
            span: span.clone(),
        };
        self.tasks.push(operator_task(
            name,
            call,
            0,
            sensors.dag_default_args.as_ref(),
            Vec::new(),
        ));
        self.tasks.len() - 1
    }

    /// gusty's `latest_only` task.
    fn latest_only(&mut self, dag_default_args: Option<&Item>, source: &Arc<SourceFile>) -> usize {
        let span = source.first_line_span();
        let call = Call {
            callee: "airflow.operators.latest_only.LatestOnlyOperator".to_owned(),
            args: Vec::new(),
            kwargs: vec![(
                "task_id".to_owned(),
                Item::new(
                    Value::Str(Text::literal("latest_only", span.clone(), false)),
                    span.clone(),
                ),
            )],
            unknown_splat: false,
            span,
        };
        self.tasks.push(operator_task(
            "latest_only".to_owned(),
            call,
            0,
            dag_default_args,
            Vec::new(),
        ));
        self.tasks.len() - 1
    }
}

/// The arguments of gusty's `wait_for_...` sensors.
struct Sensors {
    /// `wait_for_defaults` of `create_dag` and of the DAG's `METADATA.yml`.
    defaults: Vec<(String, Item)>,
    dag_default_args: Option<Item>,
}

/// The DAG's `root_tasks`, `external_dependencies` and `latest_only`.
struct RootDependencies {
    root_tasks: Vec<String>,
    external: Option<Item>,
    latest_only: bool,
}

/// `external_dependencies`: a list of `{dag_id: task_id}` (or a dict `dag_id: {tasks: [...]}`).
fn external_pairs(item: &Item) -> Vec<(String, String, Span)> {
    let mut pairs = Vec::new();
    match &item.value {
        Value::List(entries) => {
            for entry in entries.iter() {
                for (dag_id, task) in kwargs_of(entry) {
                    if let Some(task_id) = task.value.as_str() {
                        pairs.push((dag_id, task_id, entry.span.clone()));
                    }
                }
            }
        }
        Value::Dict(_) => {
            for (dag_id, details) in kwargs_of(item) {
                for task in details
                    .value
                    .get("tasks")
                    .and_then(|t| t.value.as_list().map(<[Item]>::to_vec))
                    .unwrap_or_default()
                {
                    if let Some(task_id) = task.value.as_str() {
                        pairs.push((dag_id.clone(), task_id, task.span.clone()));
                    }
                }
            }
        }
        _ => {}
    }
    pairs
}
