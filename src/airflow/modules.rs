//! Python modules of the DAG folders that DAG files import (`from common import DBT_DIR`,
//! `import include.dbt`): their top-level names evaluated once, before DAG files are read,
//! so a constant, dict or helper function defined in a shared module is known where it is used.

use std::collections::HashSet;

use rustc_hash::FxHashMap as HashMap;
use std::sync::{Arc, RwLock};

use tree_sitter::{Node, Tree};

use super::dbt_manifest::ManifestSource;
use super::eval::Imports;
use super::extract::Factory;
use super::invocations::wrapper::DbtWrappers;
use super::value::Item;
use crate::airflow::grammar::{MODULE_NAME, NAME, Syntax};
use crate::source::SourceFile;

/// A parsed module file of the DAG folders.
pub struct ModuleFile {
    /// Dotted name (`common`, `include.dbt`), relative to the folder on `sys.path`.
    pub name: String,
    pub source: Arc<SourceFile>,
    pub tree: Tree,
}

/// What a module defines at its top level.
#[derive(Default)]
pub struct ModuleScope<'t> {
    pub bindings: HashMap<String, Item>,
    pub functions: HashMap<String, Node<'t>>,
    /// Functions decorated with `@dag`, `@task...` or `@task_group`.
    pub factories: HashMap<String, Factory<'t>>,
    pub imports: Imports,
}

/// A module's file and what it defines.
type Evaluated<'t> = (Arc<SourceFile>, Arc<ModuleScope<'t>>);

/// A function or class of a module, with what its code needs to be evaluated.
pub struct Definition<'t> {
    pub node: Node<'t>,
    pub source: Arc<SourceFile>,
    pub scope: Arc<ModuleScope<'t>>,
    /// The module's dotted name (`include.dbt`).
    pub module: String,
}

/// The evaluated modules, by dotted name. Filled once, then read from many threads.
pub struct Modules<'t> {
    scopes: RwLock<HashMap<String, Evaluated<'t>>>,
    /// The dbt manifests that files reading `manifest.json` get.
    pub manifests: Option<&'t dyn ManifestSource>,
    /// The operators and decorators from outside the DAG folders that run dbt.
    pub wrappers: &'t DbtWrappers,
}

impl<'t> Modules<'t> {
    pub fn new(manifests: Option<&'t dyn ManifestSource>, wrappers: &'t DbtWrappers) -> Self {
        Modules {
            scopes: RwLock::default(),
            manifests,
            wrappers,
        }
    }

    /// Evaluates every module that some file imports (and what those import), one at a time:
    /// import cycles end in unknown names, never in a hang.
    pub fn evaluate(&'t self, files: &'t [ModuleFile]) {
        let by_name: HashMap<&str, &'t ModuleFile> =
            files.iter().map(|f| (f.name.as_str(), f)).collect();
        let mut wanted: Vec<&str> = Vec::new();
        for file in files {
            for imported in imported_modules(file) {
                if let Some((name, _)) = by_name.get_key_value(imported.as_str())
                    && !wanted.contains(name)
                {
                    wanted.push(name);
                }
            }
        }
        wanted.sort_unstable();
        let mut in_progress = HashSet::new();
        for name in wanted {
            self.ensure(name, &by_name, &mut in_progress);
        }
    }

    /// Evaluates module `name` after the modules it imports, depth first, with an explicit
    /// stack: a chain of imports may be as long as the DAG folders hold files.
    fn ensure(
        &'t self,
        name: &str,
        by_name: &HashMap<&str, &'t ModuleFile>,
        in_progress: &mut HashSet<String>,
    ) {
        // Each entry: a module being evaluated, and the imports it still has to wait for.
        let mut stack: Vec<(String, Vec<String>)> = Vec::new();
        stack.extend(self.begin(name, by_name, in_progress));
        while let Some((_, waiting)) = stack.last_mut() {
            if let Some(imported) = waiting.pop() {
                let next = self.begin(&imported, by_name, in_progress);
                stack.extend(next);
                continue;
            }
            let Some((name, _)) = stack.pop() else {
                break;
            };
            let Some(file) = by_name.get(name.as_str()).copied() else {
                continue;
            };
            let scope = super::extract::module_scope(file.source.clone(), &file.tree, self);
            if let Ok(mut scopes) = self.scopes.write() {
                scopes.insert(name.clone(), (file.source.clone(), Arc::new(scope)));
            }
            in_progress.remove(&name);
        }
    }

    /// A module to evaluate, with the imports to evaluate before it (last first); `None`
    /// when it is evaluated, being evaluated (an import cycle) or not in the DAG folders.
    fn begin(
        &self,
        name: &str,
        by_name: &HashMap<&str, &'t ModuleFile>,
        in_progress: &mut HashSet<String>,
    ) -> Option<(String, Vec<String>)> {
        let known = self
            .scopes
            .read()
            .map(|scopes| scopes.contains_key(name))
            .unwrap_or(true);
        if known || !in_progress.insert(name.to_owned()) {
            return None;
        }
        let file = by_name.get(name).copied()?;
        let mut imports: Vec<String> = imported_modules(file)
            .into_iter()
            .filter(|imported| by_name.contains_key(imported.as_str()))
            .collect();
        imports.reverse();
        Some((name.to_owned(), imports))
    }

    /// The module a dotted path starts with, and the rest of the path: `common.DBT_DIR` →
    /// (`common`'s file and scope, `DBT_DIR`).
    fn split<'p>(&self, path: &'p str) -> Option<(Evaluated<'t>, &'p str)> {
        let scopes = self.scopes.read().ok()?;
        let mut at = path.len();
        loop {
            let module = &path[..at];
            if let Some(found) = scopes.get(module) {
                return Some((found.clone(), path.get(at + 1..).unwrap_or("")));
            }
            at = module.rfind('.')?;
        }
    }

    /// The value a dotted path names in an evaluated module (`common.DBT_DIR`).
    pub fn value(&self, path: &str) -> Option<Item> {
        let ((_, scope), rest) = self.split(path)?;
        if rest.is_empty() || rest.contains('.') {
            return None;
        }
        scope.bindings.get(rest).cloned()
    }

    /// A decorated function (`@task`, `@task_group`, `@dag`) a dotted path names in an
    /// evaluated module, with the module it lives in.
    pub fn factory(&self, path: &str) -> Option<(Factory<'t>, Definition<'t>)> {
        let ((source, scope), rest) = self.split(path)?;
        let factory = *scope.factories.get(rest)?;
        let module = path[..path.len() - rest.len()]
            .trim_end_matches('.')
            .to_owned();
        let definition = Definition {
            node: factory.definition(),
            source,
            scope,
            module,
        };
        Some((factory, definition))
    }

    /// A function or class a dotted path names in an evaluated module, with the module it
    /// lives in.
    pub fn function(&self, path: &str) -> Option<Definition<'t>> {
        let ((source, scope), rest) = self.split(path)?;
        let node = *scope.functions.get(rest)?;
        let module = path[..path.len() - rest.len()]
            .trim_end_matches('.')
            .to_owned();
        Some(Definition {
            node,
            source,
            scope,
            module,
        })
    }
}

/// Dotted names a module imports (`import a.b`, `from a.b import c` → `a.b`, `a.b.c`).
pub(super) fn imported_modules(file: &ModuleFile) -> Vec<String> {
    let root = file.tree.root_node();
    let text = |n: Node| {
        n.utf8_text(file.source.text().as_bytes())
            .unwrap_or_default()
            .to_owned()
    };
    let mut names = Vec::new();
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        match statement.kind_name() {
            "import_statement" => {
                let mut inner = statement.walk();
                for name in statement.fields(&NAME, &mut inner) {
                    let path = match name.kind_name() {
                        "aliased_import" => name.field(&NAME).map(text),
                        _ => Some(text(name)),
                    };
                    names.extend(path);
                }
            }
            "import_from_statement" => {
                if let Some(module) = statement.field(&MODULE_NAME) {
                    let module = text(module);
                    let mut inner = statement.walk();
                    for name in statement.fields(&NAME, &mut inner) {
                        let imported = match name.kind_name() {
                            "aliased_import" => name.field(&NAME).map(text),
                            _ => Some(text(name)),
                        };
                        names.extend(imported.map(|n| format!("{module}.{n}")));
                    }
                    names.push(module);
                }
            }
            _ => {}
        }
    }
    names
}
