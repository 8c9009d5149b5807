//! Reads a dbt project from its files, without `dbt parse`: every package's SQL, Python, CSV
//! and properties YAML, read in parallel, assembled into the nodes `dbt parse` would write and
//! handed to the graph as the manifest it would be (only the fields monolint reads). Facts
//! only rendering can tell are recorded per node as unknown, never guessed.

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;
use serde_json::{Map, Value, json};

use super::config::{is_disabled, is_jinja, merge_into, project_levels};
use super::generic_tests::{TestTarget, read_test};
use super::macros::{DependencyMacros, MacroDef, macros_in};
use super::packages::{Package, files_under, installed_packages, join, read_package};
use super::sql::{CodeFacts, RefCall, read_jinja_value, read_python, read_sql, version_text};
use crate::dbt::jinja::vars_read;
use crate::error::{Error, Result};
use crate::input::Boundary;
use crate::yaml;

/// A project read from its files.
#[derive(Debug)]
pub struct ProjectRead {
    /// The manifest `dbt parse` would write, as far as monolint reads it.
    pub manifest: Vec<u8>,
    /// Nodes with a fact only rendering tells, and why (by unique id).
    pub unknown: BTreeMap<String, String>,
    /// Files that could not be read.
    pub problems: Vec<Error>,
    /// The packages read: the root project's name first, then the installed packages'.
    pub packages: Vec<String>,
}

/// Why a node whose `enabled` only rendering tells is unknown.
const ENABLED_BY_JINJA: &str = "its config `enabled` is computed by Jinja";

/// Config keys whose value changes the graph or what rules read.
const GRAPH_CONFIG_KEYS: [&str; 9] = [
    "enabled",
    "materialized",
    "tags",
    "meta",
    "group",
    "access",
    "unique_key",
    "incremental_strategy",
    "contract",
];

/// Reads the project in `dir` and the packages installed in it.
pub fn read_project(
    dir: &std::path::Path,
    display_dir: &str,
    boundary: &Boundary,
) -> Result<ProjectRead> {
    let root = read_package(dir, display_dir, true, boundary)?;
    let (installed, mut problems) = installed_packages(&root, boundary);
    let packages: Vec<Package> = std::iter::once(root).chain(installed).collect();
    let files: Vec<PackageFiles> = packages
        .par_iter()
        .map(|package| read_files(package, boundary))
        .collect();
    for package_files in &files {
        problems.extend(package_files.problems.iter().cloned());
    }
    let macros: Vec<MacroDef> = files
        .iter()
        .flat_map(|f| f.macros.iter().cloned())
        .collect();
    let dependency_macros = DependencyMacros::new(&macros);
    let dependency_vars = dependency_vars(&packages);
    let root = &packages[0];
    let mut assembly = Assembly::default();
    for (package, package_files) in packages.iter().zip(&files) {
        let context = Context {
            package,
            root,
            dependency_macros: &dependency_macros,
            dependency_vars: &dependency_vars,
        };
        assemble_package(&context, package_files, &mut assembly);
    }
    let mut unknown = BTreeMap::new();
    let manifest = assembly.finish(root, &macros, &mut unknown);
    Ok(ProjectRead {
        manifest,
        unknown,
        problems,
        packages: packages.iter().map(|p| p.name.clone()).collect(),
    })
}

/// The names of the vars of every `dbt_project.yml` (global or package-scoped) whose value
/// calls `ref()` or `source()`: a node reading one depends on what the value names.
fn dependency_vars(packages: &[Package]) -> HashSet<String> {
    fn collect(vars: &Map<String, Value>, found: &mut HashSet<String>, depth: usize) {
        for (name, value) in vars {
            match value {
                Value::Object(scoped) if depth == 0 => collect(scoped, found, 1),
                Value::String(text) if text.contains("ref(") || text.contains("source(") => {
                    found.insert(name.clone());
                }
                _ => {}
            }
        }
    }
    let mut found = HashSet::new();
    for package in packages {
        if let Some(Value::Object(vars)) = package.project.get("vars") {
            collect(vars, &mut found, 0);
        }
    }
    found
}

/// The kinds of files a package holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum FileKind {
    Model,
    Analysis,
    Snapshot,
    SingularTest,
    Seed,
}

/// A package's files, read.
struct PackageFiles {
    /// Code files: kind, path relative to the package, path relative to its resource folder,
    /// text (empty for seeds).
    code: Vec<(FileKind, String, String, String)>,
    /// Properties YAML files: path and document.
    properties: Vec<(String, Value)>,
    macros: Vec<MacroDef>,
    problems: Vec<Error>,
}

fn read_files(package: &Package, boundary: &Boundary) -> PackageFiles {
    let mut wanted: Vec<(FileKind, String, String)> = Vec::new();
    let mut yaml_files: Vec<String> = Vec::new();
    let mut macro_files: Vec<String> = Vec::new();
    let groups: [(Option<FileKind>, &Vec<String>, &[&str]); 6] = [
        (Some(FileKind::Model), &package.model_paths, &["sql", "py"]),
        (Some(FileKind::Analysis), &package.analysis_paths, &["sql"]),
        (Some(FileKind::Snapshot), &package.snapshot_paths, &["sql"]),
        (Some(FileKind::SingularTest), &package.test_paths, &["sql"]),
        (Some(FileKind::Seed), &package.seed_paths, &["csv"]),
        (None, &package.macro_paths, &["sql"]),
    ];
    for (kind, folders, extensions) in groups {
        for folder in folders.iter() {
            let prefix = crate::workspace::normalize_relative(folder);
            for file in files_under(package, std::slice::from_ref(folder), boundary) {
                let extension = file.rsplit_once('.').map_or("", |(_, e)| e);
                if matches!(extension, "yml" | "yaml") {
                    yaml_files.push(file);
                    continue;
                }
                if !extensions.contains(&extension) {
                    continue;
                }
                let relative = file
                    .strip_prefix(&prefix)
                    .map_or(file.as_str(), |rest| rest.trim_start_matches('/'))
                    .to_owned();
                match kind {
                    // Generic tests live in `tests/generic/`: macros, not singular tests.
                    Some(FileKind::SingularTest)
                        if relative.split('/').next() == Some("generic") =>
                    {
                        macro_files.push(file)
                    }
                    Some(kind) => wanted.push((kind, file, relative)),
                    None => macro_files.push(file),
                }
            }
        }
    }
    yaml_files.sort();
    yaml_files.dedup();
    let read = |file: &str| -> std::result::Result<String, Error> {
        boundary
            .read_text(&package.dir.join(file))
            .map_err(|error| {
                error
                    .to_error(&join(&package.display_dir, file))
                    .into_warning()
            })
    };
    let code: Vec<std::result::Result<(FileKind, String, String, String), Error>> = wanted
        .into_par_iter()
        .map(|(kind, file, relative)| {
            let text = if kind == FileKind::Seed {
                String::new()
            } else {
                read(&file)?
            };
            Ok((kind, file, relative, text))
        })
        .collect();
    let properties: Vec<std::result::Result<(String, Value), Error>> = yaml_files
        .into_par_iter()
        .map(|file| {
            let text = read(&file)?;
            let document = yaml::json_from_str(&text).map_err(|error| {
                Error::new(format!(
                    "{}: invalid YAML: {}",
                    join(&package.display_dir, &file),
                    error.message
                ))
                .into_warning()
            })?;
            Ok((file, document))
        })
        .collect();
    let macros: Vec<std::result::Result<Vec<MacroDef>, Error>> = macro_files
        .into_par_iter()
        .map(|file| Ok(macros_in(&read(&file)?, &package.name, &file)))
        .collect();
    let mut files = PackageFiles {
        code: Vec::new(),
        properties: Vec::new(),
        macros: Vec::new(),
        problems: Vec::new(),
    };
    for result in code {
        match result {
            Ok(entry) => files.code.push(entry),
            Err(error) => files.problems.push(error),
        }
    }
    for result in properties {
        match result {
            Ok(entry) => files.properties.push(entry),
            Err(error) => files.problems.push(error),
        }
    }
    for result in macros {
        match result {
            Ok(found) => files.macros.extend(found),
            Err(error) => files.problems.push(error),
        }
    }
    files
}

/// What assembling one package needs.
struct Context<'a> {
    package: &'a Package,
    root: &'a Package,
    dependency_macros: &'a DependencyMacros,
    /// Vars whose value calls `ref()` or `source()` (`'snowplow:events': "{{ ref('x') }}"`).
    dependency_vars: &'a HashSet<String>,
}

impl Context<'_> {
    /// A node's config: `dbt_project.yml` down its fqn, then `patch` (properties YAML), then
    /// `call` (SQL `config()`), then, for a package's node, the root project's
    /// `dbt_project.yml`. Returns the config and the keys dbt would render from Jinja.
    fn config(
        &self,
        resource_type: &str,
        fqn: &[String],
        patch: &[&Map<String, Value>],
        call: &Map<String, Value>,
    ) -> (Map<String, Value>, Vec<String>) {
        let mut config = Map::new();
        let mut jinja = Vec::new();
        let mut levels = project_levels(self.package.section(resource_type), fqn);
        levels.extend(patch.iter().map(|level| (*level).clone()));
        levels.push(call.clone());
        if !self.package.is_root {
            levels.extend(project_levels(self.root.section(resource_type), fqn));
        }
        for level in &levels {
            for (key, value) in level {
                if GRAPH_CONFIG_KEYS.contains(&key.as_str()) && is_jinja(value) {
                    jinja.push(key.clone());
                }
            }
            merge_into(&mut config, level);
        }
        (config, jinja)
    }

    fn fqn(&self, parts: impl IntoIterator<Item = String>) -> Vec<String> {
        std::iter::once(self.package.name.clone())
            .chain(parts)
            .collect()
    }
}

/// A node before its dependencies are resolved.
struct Draft {
    node: Map<String, Value>,
    refs: Vec<RefCall>,
    sources: Vec<(String, String)>,
    /// Unique ids known already (a source test's table).
    depends_on: Vec<String>,
    /// A generic test's model, seed or snapshot: the test takes its group.
    attached: Option<RefCall>,
    unknown: Option<String>,
    enabled: bool,
}

#[derive(Default)]
struct Assembly {
    drafts: Vec<Draft>,
    groups: Vec<Value>,
}

/// A model's, seed's, snapshot's or analysis's entry in properties YAML.
struct Patch<'a> {
    file: &'a str,
    entry: &'a Map<String, Value>,
    /// `config:` with the top-level keys dbt moves into it (`meta`, `docs`, `group`,
    /// `contract`, `access`; not `tags`, which dbt 1.11 leaves out).
    config: Map<String, Value>,
}

impl<'a> Patch<'a> {
    fn new(file: &'a str, entry: &'a Map<String, Value>) -> Self {
        let mut config = match entry.get("config") {
            Some(Value::Object(config)) => config.clone(),
            _ => Map::new(),
        };
        for key in ["meta", "docs", "group", "contract", "access"] {
            if let Some(value) = entry.get(key) {
                merge_into(
                    &mut config,
                    &Map::from_iter([(key.to_owned(), value.clone())]),
                );
            }
        }
        Patch {
            file,
            entry,
            config,
        }
    }

    fn text(&self, key: &str) -> Option<&str> {
        self.entry.get(key).and_then(Value::as_str)
    }
}

/// The folders of a file path after its first component (`models/staging/x.yml` →
/// `staging`), as dbt builds the fqn of what a properties file declares.
fn yaml_folders(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file.split('/').map(str::to_owned).collect();
    parts.pop();
    if !parts.is_empty() {
        parts.remove(0);
    }
    parts
}

/// The folders of a resource file relative to its resource folder, and its stem.
fn folders_and_stem(relative: &str) -> (Vec<String>, String) {
    let mut parts: Vec<String> = relative.split('/').map(str::to_owned).collect();
    let file = parts.pop().unwrap_or_default();
    let stem = file.rsplit_once('.').map_or(file.as_str(), |(s, _)| s);
    (parts, stem.to_owned())
}

fn list<'v>(document: &'v Value, key: &str) -> impl Iterator<Item = &'v Map<String, Value>> {
    document
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

fn list_in<'v>(
    map: &'v Map<String, Value>,
    key: &str,
) -> impl Iterator<Item = &'v Map<String, Value>> {
    map.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

fn text_list(value: Option<&Value>) -> Vec<Value> {
    match value {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::String(text)) => vec![Value::String(text.clone())],
        _ => Vec::new(),
    }
}

fn assemble_package(context: &Context<'_>, files: &PackageFiles, assembly: &mut Assembly) {
    let package = context.package;
    // Properties: patches by resource and name, in file order (the first one wins).
    let mut patches: HashMap<(&str, &str), Patch<'_>> = HashMap::new();
    for (file, document) in &files.properties {
        for (key, resource) in [
            ("models", "model"),
            ("seeds", "seed"),
            ("snapshots", "snapshot"),
            ("analyses", "analysis"),
        ] {
            for entry in list(document, key) {
                let Some(name) = entry.get("name").and_then(Value::as_str) else {
                    continue;
                };
                patches
                    .entry((resource, name))
                    .or_insert_with(|| Patch::new(file, entry));
            }
        }
    }
    // Versioned models: the file each version is defined in.
    let mut versions_by_file: HashMap<String, (&str, String, Option<&Map<String, Value>>)> =
        HashMap::new();
    let mut latest: HashMap<&str, String> = HashMap::new();
    let mut model_versions: HashMap<String, Vec<String>> = HashMap::new();
    for ((resource, name), patch) in &patches {
        if *resource != "model" {
            continue;
        }
        let Some(Value::Array(versions)) = patch.entry.get("versions") else {
            continue;
        };
        let labels: Vec<(String, Option<&Map<String, Value>>)> = versions
            .iter()
            .filter_map(Value::as_object)
            .filter_map(|v| Some((version_text(v.get("v")?)?, Some(v))))
            .collect();
        let latest_label = patch
            .entry
            .get("latest_version")
            .and_then(version_text)
            .or_else(|| max_version(labels.iter().map(|(label, _)| label.as_str())));
        let Some(latest_label) = latest_label else {
            continue;
        };
        latest.insert(name, latest_label.clone());
        model_versions.insert(
            (*name).to_owned(),
            labels.iter().map(|(label, _)| label.clone()).collect(),
        );
        for (label, version) in labels {
            let file = version
                .and_then(|v| v.get("defined_in"))
                .and_then(Value::as_str)
                .map_or_else(|| format!("{name}_v{label}"), str::to_owned);
            versions_by_file.insert(file, (name, label, version));
        }
        versions_by_file
            .entry((*name).to_owned())
            .or_insert((name, latest_label.clone(), None));
    }

    // `on-run-start` and `on-run-end` hooks: operations dbt lists among the nodes.
    for hook in ["on-run-start", "on-run-end"] {
        for (index, _) in text_list(package.project.get(hook)).iter().enumerate() {
            let name = format!("{}-{hook}-{index}", package.name);
            let mut node = Map::new();
            node.insert(
                "unique_id".into(),
                json!(format!("operation.{}.{name}", package.name)),
            );
            node.insert("resource_type".into(), json!("operation"));
            node.insert("name".into(), json!(name));
            node.insert("package_name".into(), json!(package.name));
            node.insert("original_file_path".into(), json!("./dbt_project.yml"));
            node.insert("fqn".into(), json!([package.name, "hooks", name]));
            node.insert("raw_code".into(), json!(""));
            let config = Map::from_iter([
                ("materialized".to_owned(), json!("view")),
                ("tags".to_owned(), json!([hook])),
            ]);
            finish_config(&mut node, config, "operation");
            assembly.drafts.push(Draft {
                node,
                refs: Vec::new(),
                sources: Vec::new(),
                depends_on: Vec::new(),
                attached: None,
                unknown: None,
                enabled: true,
            });
        }
    }

    for (kind, file, relative, text) in &files.code {
        match kind {
            FileKind::Model => {
                let (folders, stem) = folders_and_stem(relative);
                let facts = if file.ends_with(".py") {
                    read_python(text)
                } else {
                    read_sql(text)
                };
                let versioned = versions_by_file.get(&stem);
                let (name, version) = match versioned {
                    Some((name, label, _)) => ((*name).to_owned(), Some(label.clone())),
                    None => (stem.clone(), None),
                };
                let mut fqn = context.fqn(folders.clone());
                fqn.push(name.clone());
                if let Some(label) = &version {
                    fqn.push(format!("v{label}"));
                }
                let patch = patches.get(&("model", name.as_str()));
                let mut patch_levels: Vec<Map<String, Value>> =
                    patch.iter().map(|p| p.config.clone()).collect();
                if let Some((_, _, Some(version_entry))) = versioned {
                    patch_levels.push(Patch::new(file, version_entry).config);
                }
                let unique_id = match &version {
                    Some(label) => format!("model.{}.{name}.v{label}", package.name),
                    None => format!("model.{}.{name}", package.name),
                };
                let mut node = code_node(
                    context,
                    CodeNode {
                        unique_id,
                        resource_type: "model",
                        name: name.clone(),
                        fqn,
                        file,
                        code: text,
                        facts,
                        patch_levels,
                    },
                    patch,
                );
                if let Some(label) = &version {
                    node.node.insert("version".into(), json!(label));
                    node.node
                        .insert("latest_version".into(), json!(latest.get(name.as_str())));
                }
                if !node.node.contains_key("access") {
                    node.node.insert("access".into(), json!("protected"));
                }
                assembly.drafts.push(node);
            }
            FileKind::Analysis | FileKind::SingularTest => {
                let (folders, stem) = folders_and_stem(relative);
                let (resource_type, mut fqn) = if *kind == FileKind::Analysis {
                    ("analysis", context.fqn(["analysis".to_owned()]))
                } else {
                    ("test", context.fqn([]))
                };
                fqn.extend(folders);
                fqn.push(stem.clone());
                let patch = patches.get(&(resource_type, stem.as_str()));
                let patch_levels = patch.iter().map(|p| p.config.clone()).collect();
                let node = code_node(
                    context,
                    CodeNode {
                        unique_id: format!("{resource_type}.{}.{stem}", package.name),
                        resource_type,
                        name: stem.clone(),
                        fqn,
                        file,
                        code: text,
                        facts: read_sql(text),
                        patch_levels,
                    },
                    patch,
                );
                assembly.drafts.push(node);
            }
            FileKind::Snapshot => {
                let (folders, stem) = folders_and_stem(relative);
                for (name, body) in snapshot_blocks(text) {
                    let mut fqn = context.fqn(folders.clone());
                    fqn.push(stem.clone());
                    fqn.push(name.clone());
                    let patch = patches.get(&("snapshot", name.as_str()));
                    let patch_levels = patch.iter().map(|p| p.config.clone()).collect();
                    let node = code_node(
                        context,
                        CodeNode {
                            unique_id: format!("snapshot.{}.{name}", package.name),
                            resource_type: "snapshot",
                            name: name.clone(),
                            fqn,
                            file,
                            code: body,
                            facts: read_sql(body),
                            patch_levels,
                        },
                        patch,
                    );
                    assembly.drafts.push(node);
                }
            }
            FileKind::Seed => {
                let (folders, stem) = folders_and_stem(relative);
                let mut fqn = context.fqn(folders);
                fqn.push(stem.clone());
                let patch = patches.get(&("seed", stem.as_str()));
                let patch_levels = patch.iter().map(|p| p.config.clone()).collect();
                let node = code_node(
                    context,
                    CodeNode {
                        unique_id: format!("seed.{}.{stem}", package.name),
                        resource_type: "seed",
                        name: stem.clone(),
                        fqn,
                        file,
                        code: "",
                        facts: CodeFacts::default(),
                        patch_levels,
                    },
                    patch,
                );
                assembly.drafts.push(node);
            }
        }
    }

    // Snapshots declared in YAML (dbt 1.9): `relation:` names what they snapshot.
    for (file, document) in &files.properties {
        for entry in list(document, "snapshots") {
            let (Some(name), Some(relation)) = (
                entry.get("name").and_then(Value::as_str),
                entry.get("relation").and_then(Value::as_str),
            ) else {
                continue;
            };
            let mut fqn = context.fqn(yaml_folders(file));
            fqn.push(name.to_owned());
            let patch = Patch::new(file, entry);
            let facts = read_jinja_value(&format!("{{{{ {relation} }}}}"));
            let node = code_node(
                context,
                CodeNode {
                    unique_id: format!("snapshot.{}.{name}", package.name),
                    resource_type: "snapshot",
                    name: name.to_owned(),
                    fqn,
                    file,
                    code: "",
                    facts,
                    patch_levels: vec![patch.config.clone()],
                },
                Some(&patch),
            );
            assembly.drafts.push(node);
        }
    }

    // Generic tests of models, seeds, snapshots and analyses.
    for (file, document) in &files.properties {
        for (key, is_model) in [
            ("models", true),
            ("seeds", false),
            ("snapshots", false),
            ("analyses", false),
        ] {
            for entry in list(document, key) {
                let Some(name) = entry.get("name").and_then(Value::as_str) else {
                    continue;
                };
                let versions: Vec<(Option<String>, Option<&Map<String, Value>>)> =
                    match entry.get("versions") {
                        Some(Value::Array(versions)) if is_model => versions
                            .iter()
                            .filter_map(Value::as_object)
                            .map(|v| (v.get("v").and_then(version_text), Some(v)))
                            .collect(),
                        _ => vec![(None, None)],
                    };
                for (version, version_entry) in versions {
                    let target = TestTarget::Node {
                        name,
                        version: version.as_deref(),
                        is_model,
                    };
                    let target_ref = RefCall {
                        package: None,
                        name: name.to_owned(),
                        version: version.clone(),
                    };
                    let columns = node_columns(entry, version_entry);
                    let mut owners = vec![entry];
                    owners.extend(version_entry);
                    let declared = declared_tests(&owners, &columns, &[]);
                    for test in declared {
                        if let Some(draft) = generic_test_node(
                            context,
                            file,
                            test,
                            &target,
                            TestAttachment::Ref(target_ref.clone()),
                        ) {
                            assembly.drafts.push(draft);
                        }
                    }
                }
            }
        }
        // Sources, their tables and their tests.
        for source in list(document, "sources") {
            let Some(source_name) = source.get("name").and_then(Value::as_str) else {
                continue;
            };
            for table in list_in(source, "tables") {
                let Some(table_name) = table.get("name").and_then(Value::as_str) else {
                    continue;
                };
                let draft = source_node(context, file, source, source_name, table, table_name);
                let unique_id = draft.node["unique_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let source_enabled = draft.enabled;
                assembly.drafts.push(draft);
                let target = TestTarget::Source {
                    source: source_name,
                    table: table_name,
                };
                // A source test carries the tags of its source and table.
                let mut source_tags = text_list(source.get("tags"));
                source_tags.extend(text_list(table.get("tags")));
                let columns: Vec<&Map<String, Value>> = list_in(table, "columns").collect();
                let declared = declared_tests(&[table], &columns, &source_tags);
                for test in declared {
                    if let Some(mut draft) = generic_test_node(
                        context,
                        file,
                        test,
                        &target,
                        TestAttachment::Known(unique_id.clone()),
                    ) {
                        draft.enabled &= source_enabled;
                        assembly.drafts.push(draft);
                    }
                }
            }
        }
        for exposure in list(document, "exposures") {
            if let Some(draft) = exposure_node(context, file, exposure) {
                assembly.drafts.push(draft);
            }
        }
        for test in list(document, "unit_tests") {
            let model = test
                .get("model")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let versions = model_versions.get(model);
            assembly
                .drafts
                .extend(unit_test_nodes(context, file, test, versions));
        }
        for group in list(document, "groups") {
            let Some(name) = group.get("name").and_then(Value::as_str) else {
                continue;
            };
            assembly.groups.push(json!({
                "unique_id": format!("group.{}.{name}", package.name),
                "name": name,
                "package_name": package.name,
                "original_file_path": file,
                "owner": group.get("owner").cloned().unwrap_or(Value::Null),
            }));
        }
    }
}

/// The highest version label (numbers compared as numbers).
fn max_version<'v>(labels: impl Iterator<Item = &'v str>) -> Option<String> {
    labels
        .max_by(|a, b| match (a.parse::<f64>(), b.parse::<f64>()) {
            (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
            _ => a.cmp(b),
        })
        .map(str::to_owned)
}

/// `{% snapshot name %} ... {% endsnapshot %}` blocks: each name and body.
fn snapshot_blocks(code: &str) -> Vec<(String, &str)> {
    let mut found = Vec::new();
    let mut open: Option<(String, usize)> = None;
    for block in crate::dbt::jinja::jinja_blocks(code) {
        if !block.is_statement {
            continue;
        }
        let statement = code[block.inner.clone()]
            .trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace());
        let mut words = statement.split_whitespace();
        match (words.next(), words.next()) {
            (Some("snapshot"), Some(name)) => {
                open = Some((name.to_owned(), (block.inner.end + 2).min(code.len())))
            }
            (Some("endsnapshot"), _) => {
                if let Some((name, start)) = open.take() {
                    let end = block.inner.start.saturating_sub(2).max(start);
                    found.push((name, &code[start..end]));
                }
            }
            _ => {}
        }
    }
    found
}

/// A node defined by a code file (or a YAML snapshot).
struct CodeNode<'a> {
    unique_id: String,
    resource_type: &'static str,
    name: String,
    fqn: Vec<String>,
    file: &'a str,
    code: &'a str,
    facts: CodeFacts,
    patch_levels: Vec<Map<String, Value>>,
}

fn code_node(context: &Context<'_>, code: CodeNode<'_>, patch: Option<&Patch<'_>>) -> Draft {
    let package = context.package;
    let patch_refs: Vec<&Map<String, Value>> = code.patch_levels.iter().collect();
    let (config, mut jinja) = context.config(
        code.resource_type,
        &code.fqn,
        &patch_refs,
        &code.facts.config,
    );
    jinja.extend(
        code.facts
            .dynamic_config
            .iter()
            // `config(some_dict)`: no key can be read.
            .filter(|key| GRAPH_CONFIG_KEYS.contains(&key.as_str()) || *key == "config")
            .cloned(),
    );
    let mut unknown = code.facts.dependencies_unknown.clone();
    if unknown.is_none()
        && let Some((namespace, name)) = code.facts.macros.iter().find(|(namespace, name)| {
            context
                .dependency_macros
                .reaches(namespace.as_deref(), name)
        })
    {
        let called = match namespace {
            Some(namespace) => format!("{namespace}.{name}"),
            None => name.clone(),
        };
        unknown = Some(format!(
            "it calls the macro `{called}`, which calls `ref()` or `source()`"
        ));
    }
    if unknown.is_none()
        && !context.dependency_vars.is_empty()
        && let Some((var, _)) = vars_read(code.code)
            .into_iter()
            .find(|(name, _)| context.dependency_vars.contains(name))
    {
        unknown = Some(format!(
            "it reads the var `{var}`, whose value calls `ref()` or `source()`"
        ));
    }
    if jinja.iter().any(|key| key == "enabled") {
        // Whether the node exists at all comes first: its tests depend on it.
        unknown = Some(ENABLED_BY_JINJA.to_owned());
    } else if let Some(key) = jinja.first() {
        unknown.get_or_insert(format!("its config `{key}` is computed by Jinja"));
    }
    let mut node = Map::new();
    node.insert("unique_id".into(), json!(code.unique_id));
    node.insert("resource_type".into(), json!(code.resource_type));
    node.insert("name".into(), json!(code.name));
    node.insert("package_name".into(), json!(package.name));
    node.insert("original_file_path".into(), json!(code.file));
    node.insert("fqn".into(), json!(code.fqn));
    node.insert("raw_code".into(), json!(code.code));
    if let Some(patch) = patch {
        node.insert(
            "patch_path".into(),
            json!(format!("{}://{}", package.name, patch.file)),
        );
        if let Some(description) = patch.text("description") {
            node.insert("description".into(), json!(description));
        }
        node.insert(
            "columns".into(),
            columns_json(&node_columns(patch.entry, None)),
        );
        if let Some(access) = patch.text("access") {
            node.insert("access".into(), json!(access));
        }
    }
    let enabled = !is_disabled(&config);
    finish_config(&mut node, config, code.resource_type);
    Draft {
        node,
        refs: code.facts.refs,
        sources: code.facts.sources,
        depends_on: Vec::new(),
        attached: None,
        unknown,
        enabled,
    }
}

/// Sets the config, the default materialization, and the fields dbt copies from the config.
fn finish_config(
    node: &mut Map<String, Value>,
    mut config: Map<String, Value>,
    resource_type: &str,
) {
    let default_materialization = match resource_type {
        "model" | "analysis" => Some("view"),
        "seed" => Some("seed"),
        "snapshot" => Some("snapshot"),
        "test" => Some("test"),
        _ => None,
    };
    if let Some(materialized) = default_materialization {
        config
            .entry("materialized")
            .or_insert_with(|| json!(materialized));
    }
    sanitize(&mut config);
    // What dbt writes in every config, for `config.<key>` selectors.
    config.entry("enabled").or_insert(Value::Bool(true));
    if matches!(
        resource_type,
        "model" | "seed" | "snapshot" | "analysis" | "test" | "unit_test" | "operation"
    ) {
        let contract = config.entry("contract").or_insert_with(|| json!({}));
        if let Value::Object(contract) = contract {
            contract.entry("enforced").or_insert(Value::Bool(false));
            contract.entry("alias_types").or_insert(Value::Bool(true));
        }
    }
    let mut tags: Vec<Value> = Vec::new();
    for tag in config
        .get("tags")
        .map(super::config::listify)
        .unwrap_or_default()
    {
        if tag.is_string() && !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    config.insert("tags".into(), Value::Array(tags.clone()));
    if let Some(extra) = node.get("tags").and_then(Value::as_array) {
        for tag in extra {
            if !tags.contains(tag) {
                tags.push(tag.clone());
            }
        }
    }
    node.insert("tags".into(), Value::Array(tags));
    if let Some(access) = config.get("access").and_then(Value::as_str) {
        node.insert("access".into(), json!(access));
    }
    if let Some(group) = config.get("group").and_then(Value::as_str) {
        node.insert("group".into(), json!(group));
    }
    if let Some(Value::Object(contract)) = config.get("contract") {
        node.insert("contract".into(), Value::Object(contract.clone()));
    }
    if let Some(meta) = config.get("meta") {
        node.insert("meta".into(), meta.clone());
    }
    node.insert("config".into(), Value::Object(config));
}

/// Leaves out values of a type dbt would refuse (a Jinja string for `enabled`): they are
/// reported as unknown, and the graph reads only what dbt could hold.
fn sanitize(config: &mut Map<String, Value>) {
    if config.get("enabled").is_some_and(|v| !v.is_boolean()) {
        config.remove("enabled");
    }
    for key in ["materialized", "group", "access", "incremental_strategy"] {
        if config.get(key).is_some_and(|v| !v.is_string()) {
            config.remove(key);
        }
    }
    let is_key = |v: &Value| {
        v.is_string()
            || v.as_array()
                .is_some_and(|items| items.iter().all(Value::is_string))
    };
    if config.get("unique_key").is_some_and(|v| !is_key(v)) {
        config.remove("unique_key");
    }
    for key in ["meta", "contract"] {
        if config.get(key).is_some_and(|v| !v.is_object()) {
            config.remove(key);
        }
    }
}

/// The `columns:` of an entry, with a version's `include`/`exclude` and own columns applied.
fn node_columns<'v>(
    entry: &'v Map<String, Value>,
    version: Option<&'v Map<String, Value>>,
) -> Vec<&'v Map<String, Value>> {
    let base: Vec<&Map<String, Value>> = entry
        .get("columns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .collect();
    let Some(version) = version else {
        return base;
    };
    let own: Vec<&Map<String, Value>> = version
        .get("columns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .filter(|column| column.contains_key("name"))
        .collect();
    let rules = version
        .get("columns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .find(|column| column.contains_key("include") || column.contains_key("exclude"));
    let excluded = |name: &str| -> bool {
        let Some(rules) = rules else {
            return false;
        };
        let listed = |key: &str| {
            text_list(rules.get(key))
                .iter()
                .any(|v| v.as_str() == Some(name))
        };
        let included = match rules.get("include") {
            Some(Value::String(all)) if all == "all" || all == "*" => true,
            Some(_) => listed("include"),
            None => true,
        };
        !included || listed("exclude")
    };
    let mut columns: Vec<&Map<String, Value>> = base
        .into_iter()
        .filter(|column| {
            let name = column
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            !excluded(name) && !own.iter().any(|o| o.get("name") == column.get("name"))
        })
        .collect();
    columns.extend(own);
    columns
}

fn columns_json(columns: &[&Map<String, Value>]) -> Value {
    let mut map = Map::new();
    for column in columns {
        let Some(name) = column.get("name").and_then(Value::as_str) else {
            continue;
        };
        let mut entry = Map::new();
        entry.insert("name".into(), json!(name));
        entry.insert(
            "description".into(),
            column.get("description").cloned().unwrap_or(json!("")),
        );
        if let Some(constraints) = column.get("constraints") {
            entry.insert("constraints".into(), constraints.clone());
        }
        map.insert(name.to_owned(), Value::Object(entry));
    }
    Value::Object(map)
}

fn tests_of(entry: &Map<String, Value>) -> impl Iterator<Item = &Value> {
    entry
        .get("data_tests")
        .or_else(|| entry.get("tests"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// One entry of a `data_tests:` list, with the column it tests.
struct DeclaredTest<'v> {
    entry: &'v Value,
    /// The column, quoted when the column says `quote: true`.
    column: Option<String>,
    quoted: bool,
    /// The column's tags, and the source's and table's for a source test.
    tags: Vec<Value>,
}

/// The tests declared on `owners` (a model and its version, or a source table) and on their
/// `columns`; `tags` are added to each.
fn declared_tests<'v>(
    owners: &[&'v Map<String, Value>],
    columns: &[&'v Map<String, Value>],
    tags: &[Value],
) -> Vec<DeclaredTest<'v>> {
    let mut declared: Vec<DeclaredTest<'v>> = owners
        .iter()
        .flat_map(|owner| tests_of(owner))
        .map(|entry| DeclaredTest {
            entry,
            column: None,
            quoted: false,
            tags: tags.to_vec(),
        })
        .collect();
    for column in columns {
        let Some(name) = column.get("name").and_then(Value::as_str) else {
            continue;
        };
        let quoted = column.get("quote").and_then(Value::as_bool) == Some(true);
        let mut column_tags = tags.to_vec();
        column_tags.extend(text_list(column.get("tags")));
        if let Some(config) = column.get("config") {
            column_tags.extend(text_list(config.get("tags")));
        }
        for entry in tests_of(column) {
            declared.push(DeclaredTest {
                entry,
                // dbt quotes the column with the adapter's quote; `"` for most.
                column: Some(if quoted {
                    format!("\"{name}\"")
                } else {
                    name.to_owned()
                }),
                quoted,
                tags: column_tags.clone(),
            });
        }
    }
    declared
}

/// What a generic test is attached to.
enum TestAttachment {
    /// A model, seed, snapshot or analysis, resolved with the other refs.
    Ref(RefCall),
    /// A source table.
    Known(String),
}

fn generic_test_node(
    context: &Context<'_>,
    file: &str,
    declared: DeclaredTest<'_>,
    target: &TestTarget<'_>,
    attachment: TestAttachment,
) -> Option<Draft> {
    let package = context.package;
    let column = declared.column.as_deref();
    let test = read_test(
        declared.entry,
        target,
        column,
        package.reads_test_arguments(),
    )?;
    let mut fqn = context.fqn(yaml_folders(file));
    fqn.push(test.name.clone());
    let (config, jinja) = context.config("test", &fqn, &[&test.config], &Map::new());
    let mut refs = Vec::new();
    let mut sources = Vec::new();
    let mut depends_on = Vec::new();
    let mut unknown = jinja
        .first()
        .map(|key| format!("its config `{key}` is computed by Jinja"));
    if test.name_unknown {
        unknown.get_or_insert(
            "its name is made from a mapping argument's values, in an order not kept".into(),
        );
    }
    if declared.quoted {
        unknown.get_or_insert("its column is quoted as the adapter quotes (`quote: true`)".into());
    }
    let attached = match attachment {
        TestAttachment::Ref(call) => {
            refs.push(call.clone());
            Some(call)
        }
        TestAttachment::Known(id) => {
            depends_on.push(id);
            None
        }
    };
    for (key, value) in &test.kwargs {
        if key == "model" {
            continue;
        }
        for text in strings_in(value) {
            let facts = read_jinja_value(text);
            refs.extend(facts.refs);
            sources.extend(facts.sources);
            if let Some(reason) = facts.dependencies_unknown {
                unknown.get_or_insert(reason);
            }
        }
    }
    let mut node = Map::new();
    node.insert(
        "unique_id".into(),
        json!(format!("test.{}.{}.{}", package.name, test.name, test.hash)),
    );
    node.insert("resource_type".into(), json!("test"));
    node.insert("name".into(), json!(test.name));
    node.insert("package_name".into(), json!(package.name));
    node.insert("original_file_path".into(), json!(file));
    node.insert("fqn".into(), json!(fqn));
    node.insert("tags".into(), Value::Array(declared.tags));
    let macro_name = match &test.namespace {
        Some(namespace) => format!("{namespace}.test_{}", test.test_name),
        None => format!("test_{}", test.test_name),
    };
    node.insert(
        "raw_code".into(),
        json!(format!(
            "{{{{ {macro_name}(**_dbt_generic_test_kwargs) }}}}"
        )),
    );
    node.insert("description".into(), json!(test.description));
    node.insert(
        "test_metadata".into(),
        json!({"name": test.test_name, "namespace": test.namespace, "kwargs": test.kwargs}),
    );
    node.insert("column_name".into(), json!(column));
    let enabled = !is_disabled(&config);
    finish_config(&mut node, config, "test");
    if attached.is_none()
        && let Some(Value::Object(config)) = node.get_mut("config")
    {
        // dbt builds a source test's config without a contract.
        config.remove("contract");
    }
    Some(Draft {
        node,
        refs,
        sources,
        depends_on,
        attached,
        unknown,
        enabled,
    })
}

/// The strings of a value, nested ones included.
fn strings_in(value: &Value) -> Vec<&str> {
    match value {
        Value::String(text) => vec![text.as_str()],
        Value::Array(items) => items.iter().flat_map(strings_in).collect(),
        Value::Object(map) => map.values().flat_map(strings_in).collect(),
        _ => Vec::new(),
    }
}

fn source_node(
    context: &Context<'_>,
    file: &str,
    source: &Map<String, Value>,
    source_name: &str,
    table: &Map<String, Value>,
    table_name: &str,
) -> Draft {
    let package = context.package;
    let mut fqn = context.fqn(yaml_folders(file));
    fqn.push(source_name.to_owned());
    fqn.push(table_name.to_owned());
    let level = |entry: &Map<String, Value>| -> Map<String, Value> {
        let mut config = match entry.get("config") {
            Some(Value::Object(config)) => config.clone(),
            _ => Map::new(),
        };
        for key in ["meta", "tags"] {
            if let Some(value) = entry.get(key) {
                merge_into(
                    &mut config,
                    &Map::from_iter([(key.to_owned(), value.clone())]),
                );
            }
        }
        config
    };
    let source_level = level(source);
    let table_level = level(table);
    let (config, jinja) =
        context.config("source", &fqn, &[&source_level, &table_level], &Map::new());
    let mut node = Map::new();
    node.insert(
        "unique_id".into(),
        json!(format!(
            "source.{}.{source_name}.{table_name}",
            package.name
        )),
    );
    node.insert("resource_type".into(), json!("source"));
    node.insert("name".into(), json!(table_name));
    node.insert("package_name".into(), json!(package.name));
    node.insert("original_file_path".into(), json!(file));
    node.insert("fqn".into(), json!(fqn));
    node.insert("source_name".into(), json!(source_name));
    node.insert(
        "description".into(),
        table.get("description").cloned().unwrap_or(json!("")),
    );
    node.insert(
        "source_description".into(),
        source.get("description").cloned().unwrap_or(json!("")),
    );
    if let Some(meta) = source_level.get("meta") {
        node.insert("source_meta".into(), meta.clone());
    }
    let freshness = table
        .get("freshness")
        .or_else(|| table_level.get("freshness"))
        .or_else(|| source.get("freshness"))
        .or_else(|| source_level.get("freshness"))
        .or_else(|| config.get("freshness"))
        .cloned()
        .unwrap_or_else(|| json!({"warn_after": {"count": null}, "error_after": {"count": null}}));
    node.insert("freshness".into(), freshness);
    let table_columns: Vec<&Map<String, Value>> = table
        .get("columns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .collect();
    node.insert("columns".into(), columns_json(&table_columns));
    let enabled = !is_disabled(&config);
    let mut config = config;
    config.remove("materialized");
    finish_config(&mut node, config, "source");
    Draft {
        node,
        refs: Vec::new(),
        sources: Vec::new(),
        depends_on: Vec::new(),
        attached: None,
        unknown: jinja
            .first()
            .map(|key| format!("its config `{key}` is computed by Jinja")),
        enabled,
    }
}

fn exposure_node(
    context: &Context<'_>,
    file: &str,
    exposure: &Map<String, Value>,
) -> Option<Draft> {
    let package = context.package;
    let name = exposure.get("name").and_then(Value::as_str)?;
    let mut fqn = context.fqn(yaml_folders(file));
    fqn.push(name.to_owned());
    let mut level = match exposure.get("config") {
        Some(Value::Object(config)) => config.clone(),
        _ => Map::new(),
    };
    for key in ["meta", "tags"] {
        if let Some(value) = exposure.get(key) {
            merge_into(
                &mut level,
                &Map::from_iter([(key.to_owned(), value.clone())]),
            );
        }
    }
    let (config, jinja) = context.config("exposure", &fqn, &[&level], &Map::new());
    let mut refs = Vec::new();
    let mut sources = Vec::new();
    let mut unknown = jinja
        .first()
        .map(|key| format!("its config `{key}` is computed by Jinja"));
    for text in text_list(exposure.get("depends_on")) {
        let Some(text) = text.as_str() else {
            continue;
        };
        let facts = read_jinja_value(text);
        refs.extend(facts.refs);
        sources.extend(facts.sources);
        if let Some(reason) = facts.dependencies_unknown {
            unknown.get_or_insert(reason);
        }
        if text.contains("metric(") {
            unknown.get_or_insert("it depends on a metric, which monolint does not read".into());
        }
    }
    let mut node = Map::new();
    node.insert(
        "unique_id".into(),
        json!(format!("exposure.{}.{name}", package.name)),
    );
    node.insert("resource_type".into(), json!("exposure"));
    node.insert("name".into(), json!(name));
    node.insert("package_name".into(), json!(package.name));
    node.insert("original_file_path".into(), json!(file));
    node.insert("fqn".into(), json!(fqn));
    node.insert(
        "description".into(),
        exposure.get("description").cloned().unwrap_or(json!("")),
    );
    node.insert(
        "owner".into(),
        exposure.get("owner").cloned().unwrap_or(Value::Null),
    );
    let enabled = !is_disabled(&config);
    let mut config = config;
    config.remove("materialized");
    finish_config(&mut node, config, "exposure");
    Some(Draft {
        node,
        refs,
        sources,
        depends_on: Vec::new(),
        attached: None,
        unknown,
        enabled,
    })
}

/// A unit test; one per tested version for a versioned model (`model_versions`), as dbt
/// makes them (`<name>_v<version>`).
fn unit_test_nodes(
    context: &Context<'_>,
    file: &str,
    test: &Map<String, Value>,
    model_versions: Option<&Vec<String>>,
) -> Vec<Draft> {
    let package = context.package;
    let (Some(name), Some(model)) = (
        test.get("name").and_then(Value::as_str),
        test.get("model").and_then(Value::as_str),
    ) else {
        return Vec::new();
    };
    let mut fqn = context.fqn(yaml_folders(file));
    fqn.push(model.to_owned());
    fqn.push(name.to_owned());
    let level = match test.get("config") {
        Some(Value::Object(config)) => config.clone(),
        _ => Map::new(),
    };
    let (config, _) = context.config("unit_test", &fqn, &[&level], &Map::new());
    let enabled = !is_disabled(&config);
    let mut config = config;
    config.remove("materialized");
    let listed = |key: &str| -> Option<Vec<String>> {
        let values = test.get("versions")?.get(key)?;
        Some(
            text_list(Some(values))
                .iter()
                .filter_map(version_text)
                .collect(),
        )
    };
    let versions: Vec<Option<String>> = match model_versions {
        None => vec![None],
        Some(all) => {
            let (include, exclude) = (listed("include"), listed("exclude"));
            all.iter()
                .filter(|v| match (&exclude, &include) {
                    (Some(exclude), _) => !exclude.contains(v),
                    (None, Some(include)) => include.contains(v),
                    (None, None) => true,
                })
                .map(|v| Some(v.clone()))
                .collect()
        }
    };
    versions
        .into_iter()
        .map(|version| {
            let mut node = Map::new();
            let suffix = version.as_ref().map_or(String::new(), |v| format!("_v{v}"));
            node.insert(
                "unique_id".into(),
                json!(format!("unit_test.{}.{model}.{name}{suffix}", package.name)),
            );
            node.insert("resource_type".into(), json!("unit_test"));
            node.insert("name".into(), json!(name));
            node.insert("package_name".into(), json!(package.name));
            node.insert("original_file_path".into(), json!(file));
            node.insert("fqn".into(), json!(fqn));
            node.insert(
                "description".into(),
                test.get("description").cloned().unwrap_or(json!("")),
            );
            if let Some(version) = &version {
                node.insert("version".into(), json!(version));
            }
            finish_config(&mut node, config.clone(), "unit_test");
            // dbt keeps a unit test's tags in its config only.
            node.remove("tags");
            Draft {
                node,
                refs: vec![RefCall {
                    package: None,
                    name: model.to_owned(),
                    version,
                }],
                sources: Vec::new(),
                depends_on: Vec::new(),
                attached: None,
                unknown: None,
                enabled,
            }
        })
        .collect()
}

impl Assembly {
    /// Resolves every ref and source, and writes the manifest.
    fn finish(
        self,
        root: &Package,
        macros: &[MacroDef],
        unknown: &mut BTreeMap<String, String>,
    ) -> Vec<u8> {
        let Assembly { drafts, groups } = self;
        // Refable nodes by name: (package, version, latest version, unique id).
        type Refable = (String, Option<String>, Option<String>, String);
        let mut refable: HashMap<String, Vec<Refable>> = HashMap::new();
        let mut sources: HashMap<(String, String), Vec<(String, String)>> = HashMap::new();
        for draft in drafts.iter().filter(|d| d.enabled) {
            let field = |key: &str| draft.node.get(key).and_then(Value::as_str);
            let (Some(resource_type), Some(name), Some(package), Some(id)) = (
                field("resource_type"),
                field("name"),
                field("package_name"),
                field("unique_id"),
            ) else {
                continue;
            };
            match resource_type {
                "model" | "seed" | "snapshot" => {
                    refable.entry(name.to_owned()).or_default().push((
                        package.to_owned(),
                        field("version").map(str::to_owned),
                        field("latest_version").map(str::to_owned),
                        id.to_owned(),
                    ))
                }
                "source" => {
                    if let Some(source) = field("source_name") {
                        sources
                            .entry((source.to_owned(), name.to_owned()))
                            .or_default()
                            .push((package.to_owned(), id.to_owned()));
                    }
                }
                _ => {}
            }
        }
        let root_name = root.name.as_str();
        let search = |node_package: &str, wanted: Option<&str>| -> Vec<Option<String>> {
            match wanted {
                Some(package) => vec![Some(package.to_owned())],
                None if node_package == root_name => vec![Some(root_name.to_owned()), None],
                None => vec![
                    Some(root_name.to_owned()),
                    Some(node_package.to_owned()),
                    None,
                ],
            }
        };
        let resolve_ref = |call: &RefCall, node_package: &str| -> Option<String> {
            let candidates = refable.get(call.name.as_str())?;
            search(node_package, call.package.as_deref())
                .into_iter()
                .find_map(|package| {
                    candidates
                        .iter()
                        .filter(|(p, ..)| package.as_deref().is_none_or(|wanted| wanted == *p))
                        .find(|(_, version, latest, _)| match (&call.version, version) {
                            (Some(wanted), Some(version)) => wanted == version,
                            (Some(_), None) => false,
                            (None, Some(version)) => latest.as_ref() == Some(version),
                            (None, None) => true,
                        })
                        .map(|(.., id)| id.clone())
                })
        };
        let resolve_source = |(source, table): &(String, String), node_package: &str| {
            let candidates = sources.get(&(source.clone(), table.clone()))?;
            search(node_package, None).into_iter().find_map(|package| {
                candidates
                    .iter()
                    .find(|(p, _)| package.as_deref().is_none_or(|wanted| wanted == *p))
                    .map(|(_, id)| id.clone())
            })
        };
        let enabled_by_jinja: HashSet<String> = drafts
            .iter()
            .filter(|d| d.unknown.as_deref() == Some(ENABLED_BY_JINJA))
            .filter_map(|d| Some(d.node.get("unique_id")?.as_str()?.to_owned()))
            .collect();
        let group_of: HashMap<String, Value> = drafts
            .iter()
            .filter_map(|d| {
                let group = d.node.get("group")?.clone();
                Some((d.node.get("unique_id")?.as_str()?.to_owned(), group))
            })
            .collect();
        let resolved: Vec<(Draft, Vec<String>, bool, Option<String>)> = drafts
            .into_par_iter()
            .map(|mut draft| {
                let package = draft
                    .node
                    .get("package_name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let mut depends_on = std::mem::take(&mut draft.depends_on);
                let attached = draft
                    .attached
                    .as_ref()
                    .and_then(|call| resolve_ref(call, &package));
                let mut missing = false;
                for call in &draft.refs {
                    match resolve_ref(call, &package) {
                        Some(id) => depends_on.push(id),
                        None => missing = true,
                    }
                }
                for call in &draft.sources {
                    match resolve_source(call, &package) {
                        Some(id) => depends_on.push(id),
                        None => missing = true,
                    }
                }
                depends_on.sort();
                depends_on.dedup();
                (draft, depends_on, missing, attached)
            })
            .collect();
        let mut collections: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
        let mut disabled: Vec<(String, String)> = Vec::new();
        let entries: Vec<(bool, &str, String, String)> = resolved
            .into_par_iter()
            .map(|(mut draft, depends_on, missing, attached)| {
                let is_test =
                    draft.node.get("resource_type").and_then(Value::as_str) == Some("test");
                // A test of a disabled or missing node is disabled, as dbt does.
                let enabled = draft.enabled && !(is_test && missing);
                if let Some(group) = attached.as_ref().and_then(|id| group_of.get(id))
                    && !draft.node.contains_key("group")
                {
                    draft.node.insert("group".into(), group.clone());
                }
                draft
                    .node
                    .insert("depends_on".into(), json!({ "nodes": depends_on }));
                let id = draft
                    .node
                    .get("unique_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let collection = match draft.node.get("resource_type").and_then(Value::as_str) {
                    Some("source") => "sources",
                    Some("exposure") => "exposures",
                    Some("unit_test") => "unit_tests",
                    _ => "nodes",
                };
                let text = serde_json::to_string(&draft.node).unwrap_or_else(|_| "{}".into());
                let tests_unknown_node = attached
                    .iter()
                    .chain(is_test.then_some(&depends_on).into_iter().flatten())
                    .any(|id| enabled_by_jinja.contains(id));
                if tests_unknown_node {
                    draft
                        .unknown
                        .get_or_insert("it tests a node whose `enabled` is computed by Jinja".into());
                }
                let reason = draft.unknown.or_else(|| {
                    missing.then(|| {
                        "it refers to a node the files read do not define (a package not installed?)"
                            .to_owned()
                    })
                });
                (
                    enabled,
                    collection,
                    format!("{id}\u{0}{}", reason.unwrap_or_default()),
                    text,
                )
            })
            .collect();
        let mut emitted: HashSet<String> = HashSet::new();
        for (enabled, collection, id_and_reason, text) in entries {
            let (id, reason) = id_and_reason
                .split_once('\u{0}')
                .map_or((id_and_reason.as_str(), ""), |(id, reason)| (id, reason));
            if !reason.is_empty() {
                unknown.insert(id.to_owned(), reason.to_owned());
            }
            // Two enabled definitions of one name (adapter-specific models enabled by Jinja):
            // dbt keeps the one rendering enables; which one is unknown here.
            if enabled && !emitted.insert(id.to_owned()) {
                unknown.insert(
                    id.to_owned(),
                    "it is defined more than once, each enabled by Jinja".to_owned(),
                );
                disabled.push((id.to_owned(), text));
                continue;
            }
            if enabled {
                collections
                    .entry(collection)
                    .or_default()
                    .push((id.to_owned(), text));
            } else {
                disabled.push((id.to_owned(), text));
            }
        }
        let mut out = String::with_capacity(1 << 20);
        out.push('{');
        out.push_str(&format!(
            "\"metadata\": {{\"project_name\": {}}}",
            json!(root.name)
        ));
        for (collection, mut entries) in collections {
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            out.push_str(&format!(", {}: {{", json!(collection)));
            for (i, (id, text)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&json!(id).to_string());
                out.push_str(": ");
                out.push_str(text);
            }
            out.push('}');
        }
        disabled.sort_by(|a, b| a.0.cmp(&b.0));
        out.push_str(", \"disabled\": {");
        for (i, (id, text)) in disabled.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&format!("{}: [{text}]", json!(id)));
        }
        out.push('}');
        let groups: Map<String, Value> = groups
            .into_iter()
            .filter_map(|g| Some((g.get("unique_id")?.as_str()?.to_owned(), g)))
            .collect();
        out.push_str(&format!(", \"groups\": {}", Value::Object(groups)));
        let macros: Map<String, Value> = macros
            .iter()
            .map(|m| {
                (
                    format!("macro.{}.{}", m.package, m.name),
                    json!({"name": m.name, "package_name": m.package, "original_file_path": m.file, "macro_sql": m.sql}),
                )
            })
            .collect();
        out.push_str(&format!(", \"macros\": {}", Value::Object(macros)));
        out.push('}');
        out.into_bytes()
    }
}
