//! The macros a template can call, found as dbt finds them while it parses: an unqualified
//! name in the node's own package, then the root project, whichever macro calls it;
//! `package.name` in that package; `adapter.dispatch(name, namespace)` by the project's
//! `dispatch:` search order, when the implementation does not depend on the adapter.

use std::sync::{Arc, OnceLock};

use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::{Map, Value as Json};

use super::template::{MacroBody, Node, parse_template};
use crate::dbt::project::macros::{DependencyMacros, MacroDef};

/// Every macro of the project and its packages, parsed when first called.
pub struct MacroScope<'a> {
    macros: &'a [MacroDef],
    parsed: Vec<OnceLock<Option<Arc<MacroBody>>>>,
    by_name: FxHashMap<(&'a str, &'a str), usize>,
    /// Whether each macro may call `ref()`, `source()` or `config()`, itself or through others.
    has_effects: Vec<bool>,
    dependency_macros: &'a DependencyMacros,
    packages: FxHashSet<&'a str>,
    root: &'a str,
    /// `dispatch:` of the root project: the packages searched for each macro namespace.
    dispatch: FxHashMap<String, Vec<String>>,
}

/// The macro `adapter.dispatch()` picks.
pub enum Dispatched {
    Macro(usize),
    /// No macro of the project or its packages: one of dbt's own.
    None,
    /// It depends on the adapter.
    ByAdapter,
}

impl<'a> MacroScope<'a> {
    pub fn new(
        macros: &'a [MacroDef],
        dependency_macros: &'a DependencyMacros,
        root: &'a str,
        root_project: &Map<String, Json>,
    ) -> Self {
        let mut by_name = FxHashMap::default();
        for (index, def) in macros.iter().enumerate() {
            by_name
                .entry((def.package.as_str(), def.name.as_str()))
                .or_insert(index);
        }
        let has_effects = macros
            .iter()
            .map(|def| dependency_macros.reaches_config(Some(&def.package), &def.name))
            .collect();
        let dispatch = root_project
            .get("dispatch")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|entry| {
                let namespace = entry.get("macro_namespace")?.as_str()?;
                let order = entry.get("search_order")?.as_array()?;
                let order = order
                    .iter()
                    .map(|p| p.as_str().map(str::to_owned))
                    .collect::<Option<_>>()?;
                Some((namespace.to_owned(), order))
            })
            .collect();
        MacroScope {
            macros,
            parsed: macros.iter().map(|_| OnceLock::new()).collect(),
            by_name,
            has_effects,
            dependency_macros,
            packages: macros
                .iter()
                .map(|def| def.package.as_str())
                .chain([root])
                .collect(),
            root,
            dispatch,
        }
    }

    pub fn is_package(&self, name: &str) -> bool {
        self.packages.contains(name)
    }

    /// Whether a macro may record dependencies or config.
    pub fn has_effects(&self, index: usize) -> bool {
        self.has_effects[index]
    }

    /// Whether a call written `namespace.name(...)` or `name(...)` may reach a macro that
    /// records dependencies or config, in any package.
    pub fn may_have_effects(&self, namespace: Option<&str>, name: &str) -> bool {
        self.dependency_macros.reaches_config(namespace, name)
    }

    /// Whether a call may reach a macro that calls `ref()` or `source()`.
    pub fn may_add_dependencies(&self, namespace: Option<&str>, name: &str) -> bool {
        self.dependency_macros.reaches(namespace, name)
    }

    /// The macro's body, parsed once; `None` when it cannot be parsed.
    pub fn body(&self, index: usize) -> Option<&MacroBody> {
        self.parsed[index]
            .get_or_init(|| {
                let mut nodes = parse_template(&self.macros[index].sql).ok()?;
                match nodes.pop() {
                    Some(Node::Macro(body)) if nodes.is_empty() => Some(body),
                    _ => None,
                }
            })
            .as_deref()
    }

    /// An unqualified name called from a node of `package`, in the macro `within` (or in the
    /// node's own code): the macro itself (dbt compiles each macro alone, so that is the one
    /// name its template defines), then the node's package, then the root project, as dbt's
    /// macro namespace searches for the node.
    pub fn resolve(&self, name: &str, package: &str, within: Option<usize>) -> Option<usize> {
        if let Some(index) = within
            && self.macros[index].name == name
        {
            return Some(index);
        }
        [package, self.root]
            .iter()
            .find_map(|p| self.by_name.get(&(*p, name)).copied())
    }

    /// `package.name`.
    pub fn qualified(&self, package: &str, name: &str) -> Option<usize> {
        self.by_name.get(&(package, name)).copied()
    }

    /// `adapter.dispatch(name, namespace)`: the implementation when it does not depend on the
    /// adapter (the first package of the search order defining `*__name` defines only
    /// `default__name`).
    pub fn dispatch(&self, name: &str, namespace: &str) -> Dispatched {
        let order = self
            .dispatch
            .get(namespace)
            .cloned()
            .unwrap_or_else(|| vec![namespace.to_owned()]);
        let suffix = format!("__{name}");
        for package in &order {
            let candidates: Vec<(usize, &MacroDef)> = self
                .macros
                .iter()
                .enumerate()
                .filter(|(_, def)| def.package == *package && def.name.ends_with(&suffix))
                .collect();
            match candidates.as_slice() {
                [] => continue,
                [(index, def)] if def.name == format!("default{suffix}") => {
                    return Dispatched::Macro(*index);
                }
                _ => return Dispatched::ByAdapter,
            }
        }
        Dispatched::None
    }

    /// Whether any implementation `adapter.dispatch(name, ...)` may pick records dependencies
    /// or config.
    pub fn dispatch_may_have_effects(&self, name: &str) -> bool {
        let suffix = format!("__{name}");
        self.macros
            .iter()
            .enumerate()
            .any(|(index, def)| def.name.ends_with(&suffix) && self.has_effects[index])
    }
}
