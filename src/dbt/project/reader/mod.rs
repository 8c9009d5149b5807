//! Reads a dbt project from its files, without `dbt parse`: every package's SQL, Python, CSV
//! and properties YAML, read in parallel, assembled into the nodes `dbt parse` would write and
//! handed to the graph as the manifest reader hands over a manifest's (only the fields
//! monolint reads). Facts only rendering can tell are recorded per node as unknown, never
//! guessed.

mod files;
mod graph;
mod nodes;
mod properties;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use rayon::prelude::*;
use serde_json::{Map, Value, json};

use super::config::{
    is_disabled, is_jinja, merge_entries, merge_into, project_entries, project_levels,
};
use super::generic_tests::{TestTarget, read_test};
use super::jinja::MacroScope;
use super::macros::{DependencyMacros, MacroDef, macros_in};
use super::packages::{Package, files_under, installed_packages, join, read_package};
use super::sql::{CodeFacts, RefCall, read_jinja_value, read_python, read_sql, version_text};
use crate::dbt::jinja::vars_read;
use crate::error::{Error, Result};
use crate::input::Boundary;
use crate::yaml;
use files::{CodeFile, FileKind, PackageFiles, read_files};
use graph::WrittenConfig;
use nodes::{
    CodeNode, NodeFields, code_node, completed_config, finish_config, node_columns, node_identity,
    snapshot_blocks,
};
use properties::{
    TestAttachment, declared_tests, exposure_node, generic_test_node, source_node, unit_test_nodes,
};

/// A project read from its files.
#[derive(Debug)]
pub struct ProjectRead {
    /// The graph of the manifest `dbt parse` would write.
    pub graph: crate::dbt::graph::DbtGraph,
    /// Nodes with a fact only rendering tells, and why (by unique id).
    pub unknown: BTreeMap<String, String>,
    /// Files that could not be read.
    pub problems: Vec<Error>,
    /// The packages read: the root project's name first, then the installed packages'.
    pub packages: Vec<String>,
}

/// An entry of properties YAML (a model, a source table, a version, ...).
type Entry = Map<String, Value>;

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
    let mut files: Vec<PackageFiles> = packages
        .par_iter()
        .map(|package| read_files(package, boundary))
        .collect();
    let mut macros: Vec<MacroDef> = Vec::new();
    for package_files in &mut files {
        problems.append(&mut package_files.problems);
        macros.append(&mut package_files.macros);
    }
    let dependency_macros = DependencyMacros::new(&macros);
    let dependency_vars = dependency_vars(&packages);
    let root = &packages[0];
    let macro_scope = MacroScope::new(&macros, &dependency_macros, &root.name, &root.project);
    // The code files' texts: the nodes borrow them until they are written into the graph.
    let code: Vec<Vec<CodeFile>> = (files.iter_mut())
        .map(|package_files| std::mem::take(&mut package_files.code))
        .collect();
    let mut assembly = Assembly::default();
    for ((package, package_files), code) in packages.iter().zip(&files).zip(&code) {
        let context = Context {
            package,
            root,
            dependency_macros: &dependency_macros,
            dependency_vars: &dependency_vars,
            macro_scope: &macro_scope,
            project_configs: Mutex::default(),
            test_configs: Mutex::default(),
        };
        assemble_package(&context, package_files, code, &mut assembly);
    }
    // The nodes own what they took from the properties files, and borrow the code.
    crate::free_on_worker(files);
    assembly.apply_foreign_patches(&root.name);
    let mut unknown = BTreeMap::new();
    let graph = assembly
        .finish(root, &macros, &mut unknown)
        .map_err(|error| {
            Error::new(format!(
                "{}: a node read from the project's files does not fit the graph: {error}",
                join(display_dir, "dbt_project.yml")
            ))
        })?;
    crate::free_on_worker(code);
    Ok(ProjectRead {
        graph,
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
    let mut found = HashSet::default();
    for package in packages {
        if let Some(Value::Object(vars)) = package.project.get("vars") {
            collect(vars, &mut found, 0);
        }
    }
    found
}

/// What assembling one package needs.
struct Context<'a> {
    pub(super) package: &'a Package,
    pub(super) root: &'a Package,
    pub(super) dependency_macros: &'a DependencyMacros,
    /// Vars whose value calls `ref()` or `source()` (`'snowplow:events': "{{ ref('x') }}"`).
    pub(super) dependency_vars: &'a HashSet<String>,
    /// The macros, for rendering what reading SQL statically cannot tell.
    pub(super) macro_scope: &'a MacroScope<'a>,
    /// The package's `dbt_project.yml` config merged down to a level, by the level's address
    /// (see [`Context::project_config`]).
    project_configs: Mutex<HashMap<usize, Arc<MergedConfig>>>,
    /// The config of generic tests that set none of their own, by what it is made of (see
    /// [`Context::test_config`]).
    test_configs: Mutex<HashMap<(usize, usize), Arc<TestConfig>>>,
}

/// A generic test's config: most tests set none of their own, so every such test of a
/// folder has the same, made once.
struct TestConfig {
    /// Completed as dbt completes it ([`completed_config`]): dbt copies fields from it onto
    /// the node.
    config: Map<String, Value>,
    /// As the graph keeps it.
    written: WrittenConfig,
    /// The keys dbt would render from Jinja.
    jinja: Vec<String>,
    enabled: bool,
}

/// The value `cache` holds for `key`, made by `make` the first time. Both cores may make
/// the same value at once; either is kept, as they are equal.
fn memoized<K: std::hash::Hash + Eq, V>(
    cache: &Mutex<HashMap<K, Arc<V>>>,
    key: K,
    make: impl FnOnce() -> V,
) -> Arc<V> {
    let cached = (cache.lock().ok()).and_then(|values| values.get(&key).cloned());
    if let Some(value) = cached {
        return value;
    }
    let value = Arc::new(make());
    if let Ok(mut values) = cache.lock() {
        values.insert(key, value.clone());
    }
    value
}

/// A config merged from levels, and the keys dbt would render from Jinja.
type MergedConfig = (Map<String, Value>, Vec<String>);

/// Merges one level of config entries into `merged`.
fn merge_level<'v>(
    (config, jinja): &mut MergedConfig,
    entries: impl Iterator<Item = (&'v str, &'v Value)>,
) {
    let entries: Vec<(&str, &Value)> = entries.collect();
    for (key, value) in &entries {
        if GRAPH_CONFIG_KEYS.contains(key) && is_jinja(value) {
            jinja.push((*key).to_owned());
        }
    }
    merge_entries(config, entries.into_iter());
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
    ) -> MergedConfig {
        let mut merged =
            self.project_config(&project_levels(self.package.section(resource_type), fqn));
        for level in patch.iter().copied().chain([call]) {
            merge_level(
                &mut merged,
                level.iter().map(|(key, value)| (key.as_str(), value)),
            );
        }
        if !self.package.is_root {
            for level in project_levels(self.root.section(resource_type), fqn) {
                merge_level(&mut merged, project_entries(level));
            }
        }
        merged
    }

    /// The package's `dbt_project.yml` config down `levels`, merged once for every node
    /// below the deepest level (all the nodes of a folder, mostly). A level's address tells
    /// the levels above it: the project's config is not changed while nodes are read.
    fn project_config(&self, levels: &[&Map<String, Value>]) -> MergedConfig {
        let Some(deepest) = levels.last() else {
            return MergedConfig::default();
        };
        let key = std::ptr::from_ref(*deepest) as usize;
        let merged = memoized(&self.project_configs, key, || {
            let mut merged = MergedConfig::default();
            for level in levels {
                merge_level(&mut merged, project_entries(level));
            }
            merged
        });
        (*merged).clone()
    }

    /// A generic test's config, from `dbt_project.yml` down `fqn` and the test's `own`.
    /// Made once for all the tests with no config of their own that sit below the same
    /// levels of `dbt_project.yml` (the deepest level's address, and the root project's for
    /// a package's test, tells them): tests that set one mostly set their own (`where`,
    /// `severity` with a threshold), and keying them by it costs what it saves.
    fn test_config(&self, fqn: &[String], own: &Map<String, Value>) -> Arc<TestConfig> {
        let make = || {
            let (config, jinja) = self.config("test", fqn, &[own], &Map::new());
            let enabled = !is_disabled(&config);
            let config = completed_config(config, "test");
            TestConfig {
                written: WrittenConfig::new(config.clone()),
                config,
                jinja,
                enabled,
            }
        };
        if !own.is_empty() {
            return Arc::new(make());
        }
        let deepest = |package: &Package| {
            project_levels(package.section("test"), fqn)
                .last()
                .map_or(0, |level| std::ptr::from_ref(*level) as usize)
        };
        let root_levels = match self.package.is_root {
            true => 0,
            false => deepest(self.root),
        };
        memoized(
            &self.test_configs,
            (deepest(self.package), root_levels),
            make,
        )
    }

    fn fqn(&self, parts: impl IntoIterator<Item = String>) -> Vec<String> {
        std::iter::once(self.package.name.clone())
            .chain(parts)
            .collect()
    }
}

/// A node before its dependencies are resolved.
struct Draft<'f> {
    pub(super) node: Box<NodeFields<'f>>,
    pub(super) refs: Vec<RefCall>,
    pub(super) sources: Vec<(String, String)>,
    /// Unique ids known already (a source test's table).
    pub(super) depends_on: Vec<String>,
    /// A generic test's model, seed or snapshot: the test takes its group.
    pub(super) attached: Option<RefCall>,
    pub(super) unknown: Option<String>,
    /// Config keys set by code the reader does not run (`config` for any key): what dbt's
    /// default for them would be is not known.
    pub(super) computed_config: Vec<String>,
    pub(super) enabled: bool,
}

#[derive(Default)]
struct Assembly<'f> {
    pub(super) drafts: Vec<Draft<'f>>,
    pub(super) groups: Vec<Value>,
    /// Patches of a package that name no enabled node of their own package: dbt applies them
    /// to an enabled node of that name in another package.
    pub(super) foreign_patches: Vec<ForeignPatch>,
}

/// A properties entry looking for its node in another package.
struct ForeignPatch {
    resource_type: &'static str,
    name: String,
    /// `package://file`.
    patch_path: String,
    description: Option<Value>,
    /// JSON text (see [`nodes::columns_json`]).
    columns: String,
    /// The entry sets config, which would be merged into the node's: then the node is unknown.
    has_config: bool,
    /// Its own package's node of that name is enabled by Jinja: whether dbt applies the patch
    /// elsewhere is unknown.
    uncertain: bool,
}

impl Assembly<'_> {
    /// Applies each foreign patch to the enabled, unpatched node of its name in another
    /// package (the root project's first).
    fn apply_foreign_patches(&mut self, root: &str) {
        // Most projects have none: the index of every draft by name is not built for them.
        if self.foreign_patches.is_empty() {
            return;
        }
        let mut patches = std::mem::take(&mut self.foreign_patches);
        // In file order, as dbt reads them (the first patch of a node wins).
        patches.sort_by(|a, b| (&a.patch_path, &a.name).cmp(&(&b.patch_path, &b.name)));
        // The enabled drafts a patch may reach, by resource type and name, in draft order.
        let mut by_name: HashMap<(&'static str, String), Vec<usize>> = HashMap::default();
        for (index, draft) in self.drafts.iter().enumerate() {
            if draft.enabled && draft.node.version.is_none() {
                by_name
                    .entry((draft.node.resource_type, draft.node.name.clone()))
                    .or_default()
                    .push(index);
            }
        }
        for patch in patches {
            let candidates = by_name
                .get(&(patch.resource_type, patch.name.clone()))
                .map_or(&[][..], Vec::as_slice);
            let reachable = |index: &&usize| {
                let node = &self.drafts[**index].node;
                node.patch_path.is_none()
                    && !patch
                        .patch_path
                        .starts_with(&format!("{}://", node.package_name))
            };
            // The root project's node first, else the first of another package.
            let chosen = candidates
                .iter()
                .filter(reachable)
                .find(|index| self.drafts[**index].node.package_name == root)
                .or_else(|| candidates.iter().find(reachable))
                .copied();
            let Some(draft) = chosen.map(|index| &mut self.drafts[index]) else {
                continue;
            };
            if patch.uncertain {
                draft.unknown.get_or_insert(
                    "another package's properties may patch it, as dbt renders that package".into(),
                );
                continue;
            }
            draft.node.patch_path = Some(patch.patch_path);
            if let Some(description) = patch.description {
                draft.node.description = Some(description);
            }
            draft.node.columns = Some(patch.columns);
            if patch.has_config {
                draft.unknown.get_or_insert(
                    "another package's properties patch it with config, merged when dbt renders"
                        .into(),
                );
            }
        }
    }
}

/// A model's, seed's, snapshot's or analysis's entry in properties YAML.
struct Patch<'a> {
    pub(super) file: &'a str,
    pub(super) entry: &'a Map<String, Value>,
    /// `config:` with the top-level keys dbt moves into it (`meta`, `docs`, `group`,
    /// `contract`, `access`; not `tags`, which dbt 1.11 leaves out).
    pub(super) config: Map<String, Value>,
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

fn assemble_package<'f>(
    context: &Context<'_>,
    files: &PackageFiles,
    code: &'f [CodeFile],
    assembly: &mut Assembly<'f>,
) {
    let package = context.package;
    // Properties: patches by resource and name, in file order (the first one wins).
    let mut patches: HashMap<(&str, &str), Patch<'_>> = HashMap::default();
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
    let mut versions_by_file: HashMap<String, (&str, String, Option<&Entry>)> = HashMap::default();
    let mut latest: HashMap<&str, String> = HashMap::default();
    let mut model_versions: HashMap<String, Vec<String>> = HashMap::default();
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
        for (index, hook_sql) in text_list(package.project.get(hook)).iter().enumerate() {
            let name = format!("{}-{hook}-{index}", package.name);
            let mut node = node_identity(
                format!("operation.{}.{name}", package.name),
                "operation",
                &name,
                &package.name,
                "./dbt_project.yml",
                vec![package.name.clone(), "hooks".to_owned(), name.clone()],
            );
            node.raw_code = Some(Cow::Owned(match hook_sql {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            }));
            // The hook's name is the node's tag, not its config's.
            node.tags = Some(vec![json!(hook)]);
            let config = Map::from_iter([("materialized".to_owned(), json!("view"))]);
            finish_config(&mut node, config, "operation");
            assembly.drafts.push(Draft {
                node,
                refs: Vec::new(),
                sources: Vec::new(),
                depends_on: Vec::new(),
                attached: None,
                unknown: None,
                computed_config: Vec::new(),
                enabled: true,
            });
        }
    }

    // Each file's nodes are built in parallel: most of the project's work.
    let code_drafts: Vec<Vec<Draft<'f>>> = code
        .par_iter()
        .map(|(kind, file, relative, text)| {
            let mut drafts = Vec::new();
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
                            code: Cow::Borrowed(text),
                            facts,
                            patch_levels,
                        },
                        patch,
                    );
                    if let Some(label) = &version {
                        node.node.version = Some(label.clone());
                        node.node.latest_version = latest.get(name.as_str()).cloned();
                    }
                    node.node
                        .access
                        .get_or_insert_with(|| "protected".to_owned());
                    drafts.push(node);
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
                            code: Cow::Borrowed(text),
                            facts: read_sql(text),
                            patch_levels,
                        },
                        patch,
                    );
                    drafts.push(node);
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
                                code: Cow::Borrowed(body),
                                facts: read_sql(body),
                                patch_levels,
                            },
                            patch,
                        );
                        drafts.push(node);
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
                            code: Cow::Borrowed(""),
                            facts: CodeFacts::default(),
                            patch_levels,
                        },
                        patch,
                    );
                    drafts.push(node);
                }
            }
            drafts
        })
        .collect();
    let code_drafts: Vec<Draft<'f>> = code_drafts.into_iter().flatten().collect();
    // Patches that name no enabled node of this package look in the others.
    fn key<'d>(draft: &'d Draft<'_>) -> Option<(&'d str, &'d str)> {
        Some((draft.node.resource_type, draft.node.name.as_str()))
    }
    let enabled: HashSet<(&str, &str)> = code_drafts
        .iter()
        .filter(|draft| draft.enabled && draft.unknown.as_deref() != Some(ENABLED_BY_JINJA))
        .filter_map(key)
        .collect();
    let enabled_by_jinja: HashSet<(&str, &str)> = code_drafts
        .iter()
        .filter(|draft| draft.unknown.as_deref() == Some(ENABLED_BY_JINJA))
        .filter_map(key)
        .collect();
    for ((resource_type, name), patch) in &patches {
        if enabled.contains(&(*resource_type, *name)) || patch.entry.contains_key("versions") {
            continue;
        }
        let uncertain = enabled_by_jinja.contains(&(*resource_type, *name));
        let resource_type = match *resource_type {
            "model" => "model",
            "seed" => "seed",
            "snapshot" => "snapshot",
            _ => continue,
        };
        assembly.foreign_patches.push(ForeignPatch {
            resource_type,
            name: (*name).to_owned(),
            patch_path: format!("{}://{}", package.name, patch.file),
            description: patch.entry.get("description").cloned(),
            columns: nodes::columns_json(&node_columns(patch.entry, None)),
            has_config: !patch.config.is_empty(),
            uncertain,
        });
    }
    assembly.drafts.extend(code_drafts);

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
            // dbt writes a YAML snapshot's code as a select from its relation.
            let code = format!("select * from {{{{ {relation} }}}}");
            let facts = read_jinja_value(&code);
            let node = code_node(
                context,
                CodeNode {
                    unique_id: format!("snapshot.{}.{name}", package.name),
                    resource_type: "snapshot",
                    name: name.to_owned(),
                    fqn,
                    file,
                    code: Cow::Owned(code),
                    facts,
                    patch_levels: vec![patch.config.clone()],
                },
                Some(&patch),
            );
            assembly.drafts.push(node);
        }
    }

    // Generic tests of models, seeds, snapshots and analyses.
    let declared: Vec<(Vec<Draft<'f>>, Vec<Value>)> = files
        .properties
        .par_iter()
        .map(|(file, document)| {
            let mut drafts = Vec::new();
            let mut groups = Vec::new();
            let folder_fqn = context.fqn(yaml_folders(file));
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
                    let versions: Vec<(Option<String>, Option<&Entry>)> =
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
                                &folder_fqn,
                                test,
                                &target,
                                TestAttachment::Ref(target_ref.clone()),
                            ) {
                                drafts.push(draft);
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
                    let unique_id = draft.node.unique_id.clone();
                    let source_enabled = draft.enabled;
                    drafts.push(draft);
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
                            &folder_fqn,
                            test,
                            &target,
                            TestAttachment::Known(unique_id.clone()),
                        ) {
                            draft.enabled &= source_enabled;
                            drafts.push(draft);
                        }
                    }
                }
            }
            for exposure in list(document, "exposures") {
                if let Some(draft) = exposure_node(context, file, exposure) {
                    drafts.push(draft);
                }
            }
            for test in list(document, "unit_tests") {
                let model = test
                    .get("model")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let versions = model_versions.get(model);
                drafts.extend(unit_test_nodes(context, file, test, versions));
            }
            for group in list(document, "groups") {
                let Some(name) = group.get("name").and_then(Value::as_str) else {
                    continue;
                };
                groups.push(json!({
                    "unique_id": format!("group.{}.{name}", package.name),
                    "name": name,
                    "package_name": package.name,
                    "original_file_path": file,
                    "owner": group.get("owner").cloned().unwrap_or(Value::Null),
                }));
            }
            (drafts, groups)
        })
        .collect();
    for (drafts, groups) in declared {
        assembly.drafts.extend(drafts);
        assembly.groups.extend(groups);
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
