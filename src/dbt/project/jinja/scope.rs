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
    /// Each name's macros: the first of each package that defines it, with the package.
    by_name: FxHashMap<&'a str, Vec<(&'a str, usize)>>,
    /// Whether each macro may call `ref()`, `source()` or `config()`, itself or through others.
    has_effects: Vec<bool>,
    dependency_macros: &'a DependencyMacros,
    packages: FxHashSet<&'a str>,
    root: &'a str,
    /// `dispatch:` of the root project: the packages searched for each macro namespace.
    dispatch: FxHashMap<String, Vec<String>>,
    /// The macros named `*__suffix`, by package and suffix (each `__` of a name starts one),
    /// in the order they are defined: what `adapter.dispatch(suffix)` may pick.
    implementations: FxHashMap<(&'a str, &'a str), Vec<usize>>,
    /// The suffixes of `implementations` some macro that may have effects has.
    suffixes_with_effects: FxHashSet<&'a str>,
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
        let mut by_name: FxHashMap<&str, Vec<(&str, usize)>> = FxHashMap::default();
        for (index, def) in macros.iter().enumerate() {
            let defined = by_name.entry(def.name.as_str()).or_default();
            if defined.iter().all(|(package, _)| *package != def.package) {
                defined.push((def.package.as_str(), index));
            }
        }
        let has_effects: Vec<bool> = macros
            .iter()
            .map(|def| dependency_macros.reaches_config(Some(&def.package), &def.name))
            .collect();
        let mut implementations: FxHashMap<_, Vec<usize>> = FxHashMap::default();
        let mut suffixes_with_effects = FxHashSet::default();
        for (index, def) in macros.iter().enumerate() {
            let name = def.name.as_bytes();
            // Every `__`, overlapping ones included: `a___b` ends with `__b` and `__` + `_b`.
            for at in (0..name.len().saturating_sub(1)).filter(|&at| &name[at..at + 2] == b"__") {
                let suffix = &def.name[at + 2..];
                implementations
                    .entry((def.package.as_str(), suffix))
                    .or_default()
                    .push(index);
                if has_effects[index] {
                    suffixes_with_effects.insert(suffix);
                }
            }
        }
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
            implementations,
            suffixes_with_effects,
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
    /// records dependencies or config, in any package: whether some macro so named may.
    pub fn may_have_effects(&self, namespace: Option<&str>, name: &str) -> bool {
        self.by_name.get(name).is_some_and(|defined| {
            defined.iter().any(|(package, index)| {
                namespace.is_none_or(|namespace| namespace == *package) && self.has_effects[*index]
            })
        })
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
        let defined = self.by_name.get(name)?;
        [package, self.root]
            .iter()
            .find_map(|p| defined_in(defined, p))
    }

    /// `package.name`.
    pub fn qualified(&self, package: &str, name: &str) -> Option<usize> {
        defined_in(self.by_name.get(name)?, package)
    }

    /// `adapter.dispatch(name, namespace)`: the implementation when it does not depend on the
    /// adapter (the first package of the search order defining `*__name` defines only
    /// `default__name`).
    pub fn dispatch(&self, name: &str, namespace: &str) -> Dispatched {
        let order: Vec<&str> = match self.dispatch.get(namespace) {
            Some(order) => order.iter().map(String::as_str).collect(),
            None => vec![namespace],
        };
        for package in order {
            let Some(candidates) = self.implementations.get(&(package, name)) else {
                continue;
            };
            return match candidates.as_slice() {
                [index] if self.macros[*index].name.strip_prefix("default__") == Some(name) => {
                    Dispatched::Macro(*index)
                }
                _ => Dispatched::ByAdapter,
            };
        }
        Dispatched::None
    }

    /// Whether any implementation `adapter.dispatch(name, ...)` may pick records dependencies
    /// or config.
    pub fn dispatch_may_have_effects(&self, name: &str) -> bool {
        self.suffixes_with_effects.contains(name)
    }
}

/// Which of a name's macros `package` defines.
fn defined_in(defined: &[(&str, usize)], package: &str) -> Option<usize> {
    defined
        .iter()
        .find_map(|(defining, index)| (*defining == package).then_some(*index))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::dbt::project::macros::macros_in;

    #[test]
    fn finds_macros_as_dbt_does() {
        let mut macros = macros_in(
            "{% macro a() %}{% endmacro %}{% macro shop__b() %}{% endmacro %}",
            "shop",
        );
        macros.extend(macros_in(
            "{% macro a() %}{% endmacro %}{% macro c() %}{% endmacro %}\
             {% macro default__b() %}{% endmacro %}{% macro default__d() %}{% endmacro %}\
             {% macro x___d() %}{{ ref('x') }}{% endmacro %}{% macro default__e() %}{% endmacro %}",
            "utils",
        ));
        let dependency_macros = DependencyMacros::new(&macros);
        let root =
            json!({"dispatch": [{"macro_namespace": "utils", "search_order": ["shop", "utils"]}]});
        let Json::Object(root) = root else {
            unreachable!()
        };
        let scope = MacroScope::new(&macros, &dependency_macros, "shop", &root);
        let named = |index: Option<usize>| {
            index.map(|index| format!("{}.{}", macros[index].package, macros[index].name))
        };
        assert_eq!(
            named(scope.resolve("a", "utils", None)).as_deref(),
            Some("utils.a")
        );
        assert_eq!(
            named(scope.resolve("a", "other", None)).as_deref(),
            Some("shop.a")
        );
        assert_eq!(scope.resolve("c", "shop", None), None);
        assert_eq!(
            named(scope.qualified("utils", "c")).as_deref(),
            Some("utils.c")
        );
        let dispatched = |name: &str| match scope.dispatch(name, "utils") {
            Dispatched::Macro(index) => macros[index].name.clone(),
            Dispatched::ByAdapter => "by adapter".into(),
            Dispatched::None => "none".into(),
        };
        assert_eq!(
            dispatched("b"),
            "by adapter",
            "the root project's shop__b comes first"
        );
        assert_eq!(
            dispatched("d"),
            "by adapter",
            "x___d is an implementation of d"
        );
        assert_eq!(dispatched("e"), "default__e");
        assert_eq!(dispatched("f"), "none");
        assert!(scope.dispatch_may_have_effects("d"));
        assert!(scope.dispatch_may_have_effects("_d"));
        assert!(!scope.dispatch_may_have_effects("e"));
    }
}
