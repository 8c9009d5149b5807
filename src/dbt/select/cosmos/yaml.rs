//! A manifest YAML selector as Cosmos' `YamlSelectors` translates it: into one list of select
//! elements and one of exclude elements, errors collected along the way.
//!
//! The translation is lossy, and that is what Cosmos renders: an intersection of a union is
//! flattened (`A ∩ B ∩ C` for `A ∩ (B ∪ C)`), an `exclude` inside a union member or inside an
//! exclusion is dropped, a member holding `exclude` contributes only its exclusions,
//! `fqn: "*"` becomes "no element" (so everything, when it stands alone), and `default` and
//! `indirect_selection` are ignored.

use serde_json::{Map, Value};

use super::{CosmosErrorKind, CosmosSelectError};
use crate::dbt::graph::DbtGraph;

/// Methods a YAML leaf may use and the element prefix each becomes (`package` is not one).
const METHODS: [(&str, &str); 6] = [
    ("tag", "tag:"),
    ("path", "path:"),
    ("source", "source:"),
    ("exposure", "exposure:"),
    ("resource_type", "resource_type:"),
    ("exclude_resource_type", "exclude_resource_type:"),
];

/// Select and exclude elements, and the errors met producing them.
#[derive(Debug, Default)]
struct Parts {
    include: Vec<String>,
    exclude: Vec<String>,
    errors: Vec<String>,
}

/// The select and exclude elements Cosmos renders for `RenderConfig(selector=name)`.
pub fn translate(
    graph: &DbtGraph,
    name: &str,
) -> Result<(Vec<String>, Vec<String>), CosmosSelectError> {
    if graph.selectors.is_empty() {
        return Err(CosmosSelectError::new(
            CosmosErrorKind::UnknownSelector,
            format!(
                "Selector `{name}`: the manifest has no selectors (Cosmos: \"Selectors not found in manifest file\")"
            ),
        ));
    }
    // Cosmos translates every selector of the manifest first; a string definition naming a set
    // operation or `method` crashes that loop, whichever selector was asked for.
    for selector in &graph.selectors {
        if let Value::String(text) = &selector.definition
            && ["union", "intersection", "method"]
                .iter()
                .any(|word| text.contains(word))
        {
            return Err(CosmosSelectError::new(
                CosmosErrorKind::Malformed,
                format!(
                    "Cosmos cannot translate the YAML selector `{}`: its definition is the string \"{text}\" (Cosmos raises TypeError)",
                    selector.name
                ),
            ));
        }
    }
    let Some(selector) = graph.selectors.iter().find(|s| s.name == name) else {
        return Err(CosmosSelectError::new(
            CosmosErrorKind::UnknownSelector,
            format!("Selector `{name}` not found in parsed YAML selectors"),
        ));
    };
    let mut translator = Translator {
        graph,
        stack: vec![name],
        depth: 0,
        budget: MAX_OBJECTS,
    };
    let parts = translator.definition(&selector.definition, true);
    if translator.budget == 0 || translator.depth > MAX_DEPTH {
        return Err(CosmosSelectError::new(
            CosmosErrorKind::Malformed,
            format!(
                "Selector `{name}` is too large to translate once the selectors it uses are inlined (over {MAX_DEPTH} levels deep or {MAX_OBJECTS} definitions)"
            ),
        ));
    }
    if !parts.errors.is_empty() {
        return Err(CosmosSelectError::new(
            CosmosErrorKind::SelectorDefinition,
            format!(
                "Error(s) parsing selector '{name}':\n  - {}",
                parts.errors.join("\n  - ")
            ),
        ));
    }
    Ok((parts.include, parts.exclude))
}

/// How deep a translation may go, references followed: deeper, Python would hit its
/// recursion limit, and monolint would run out of stack.
const MAX_DEPTH: usize = 256;
/// How many definitions a translation may visit: a chain of selectors each using the one
/// before twice doubles at every step.
const MAX_OBJECTS: usize = 100_000;

struct Translator<'g> {
    graph: &'g DbtGraph,
    /// Selectors being translated, to stop a reference cycle.
    stack: Vec<&'g str>,
    /// Definitions entered and not left; past [`MAX_DEPTH`] it stays there and nothing more is
    /// translated.
    depth: usize,
    /// Definitions still allowed; at 0 nothing more is translated.
    budget: usize,
}

impl<'g> Translator<'g> {
    /// `_parse_from_definition`.
    fn definition(&mut self, definition: &'g Value, root: bool) -> Parts {
        match definition {
            Value::Object(map) => self.object(map, root),
            other => error(format!(
                "Expected to find union, intersection, or method definition, instead found {}: {}",
                python_type(other),
                python_str(other)
            )),
        }
    }

    fn object(&mut self, map: &'g Map<String, Value>, root: bool) -> Parts {
        if self.budget == 0 || self.depth > MAX_DEPTH {
            return Parts::default();
        }
        self.budget -= 1;
        self.depth += 1;
        let parts = self.object_within_limits(map, root);
        if self.depth <= MAX_DEPTH {
            self.depth -= 1;
        }
        parts
    }

    fn object_within_limits(&mut self, map: &'g Map<String, Value>, root: bool) -> Parts {
        let set_operation = map.contains_key("union") || map.contains_key("intersection");
        if root && set_operation && map.len() > 1 {
            let keys: Vec<&str> = map.keys().map(String::as_str).collect();
            return error(format!(
                "Only a single 'union' or 'intersection' key is allowed in a root level selector definition; found {}.",
                keys.join(",")
            ));
        }
        if map.contains_key("union") {
            self.members(map, "union")
        } else if map.contains_key("intersection") {
            let mut parts = self.members(map, "intersection");
            if !parts.include.is_empty() {
                parts.include = vec![parts.include.join(",")];
            }
            parts
        } else if map.contains_key("method") {
            self.method(map)
        } else {
            error(format!(
                "Expected to find union, intersection, or method definition, instead found <class 'dict'>: {}",
                python_str(&Value::Object(map.clone()))
            ))
        }
    }

    /// `_parse_union_definition` / `_parse_intersection_definition` before joining: members are
    /// unioned; one member holding `exclude` gives the group's exclusions.
    fn members(&mut self, map: &'g Map<String, Value>, key: &str) -> Parts {
        let (definitions, mut errors) = list_of_dicts(map, key);
        let mut parts = Parts::default();
        for definition in definitions {
            if definition.contains_key("exclude") {
                if !parts.exclude.is_empty() {
                    errors.push(format!(
                        "You cannot provide multiple exclude arguments to the same selector set operator: {}",
                        python_str(&Value::Object(definition.clone()))
                    ));
                    continue;
                }
                let (exclude, more) = self.exclusions(definition);
                parts.exclude.extend(exclude);
                errors.extend(more);
            } else {
                // The member's own excludes are dropped.
                let member = self.object(definition, false);
                parts.include.extend(member.include);
                errors.extend(member.errors);
            }
        }
        parts.errors = errors;
        parts
    }

    /// `_parse_exclusions`: the include part of each exclusion (their own excludes are dropped).
    fn exclusions(&mut self, map: &'g Map<String, Value>) -> (Vec<String>, Vec<String>) {
        let (definitions, mut errors) = list_of_dicts(map, "exclude");
        let mut exclude = Vec::new();
        for definition in definitions {
            let parts = self.object(definition, false);
            exclude.extend(parts.include);
            errors.extend(parts.errors);
        }
        (exclude, errors)
    }

    /// `_parse_method_definition`: a leaf, or a reference to another selector.
    fn method(&mut self, map: &'g Map<String, Value>) -> Parts {
        if map.get("method").and_then(Value::as_str) == Some("selector") {
            return self.reference(map.get("value"));
        }
        if !(map.contains_key("method") && map.contains_key("value")) {
            let keys: Vec<String> = map.keys().map(|k| format!("'{k}'")).collect();
            return error(format!(
                "Expected 'method' and 'value' keys, but got [{}]",
                keys.join(", ")
            ));
        }
        let mut parts = Parts::default();
        if map.contains_key("exclude") {
            let (exclude, errors) = self.exclusions(map);
            parts.exclude = exclude;
            parts.errors = errors;
        }
        let (selector, errors) = leaf(map);
        parts.errors.extend(errors);
        parts.include.extend(selector.filter(|s| !s.is_empty()));
        parts
    }

    /// `{method: selector, value: NAME}`: the other selector's elements. Cosmos resolves only
    /// selectors defined earlier in the manifest; the graph keeps selectors by name, so any other
    /// selector is accepted here (a cycle is an error).
    fn reference(&mut self, value: Option<&'g Value>) -> Parts {
        let name = value.and_then(Value::as_str).unwrap_or_default();
        let target = self
            .graph
            .selectors
            .iter()
            .find(|s| s.name == name && !self.stack.contains(&s.name.as_str()));
        let Some(target) = target else {
            return error(format!(
                "Existing selector definition for {} not found.",
                value.map_or("None".to_owned(), python_str)
            ));
        };
        self.stack.push(&target.name);
        let mut parts = self.definition(&target.definition, true);
        self.stack.pop();
        // Cosmos caches a selector's elements, not its errors.
        parts.errors.clear();
        parts
    }
}

fn error(message: String) -> Parts {
    Parts {
        errors: vec![message],
        ..Parts::default()
    }
}

/// `_get_list_dicts`: the dicts of a list; anything else is an error.
fn list_of_dicts<'g>(
    map: &'g Map<String, Value>,
    key: &str,
) -> (Vec<&'g Map<String, Value>>, Vec<String>) {
    let Some(Value::Array(items)) = map.get(key) else {
        return (
            Vec::new(),
            vec![format!("Invalid value for key '{key}'. Expected a list.")],
        );
    };
    let mut dicts = Vec::new();
    let mut errors = Vec::new();
    for item in items {
        match item {
            Value::Object(dict) => dicts.push(dict),
            other => errors.push(format!(
                "Invalid value type {} in key \"{key}\", expected dict (value: {}).",
                python_type(other),
                python_str(other)
            )),
        }
    }
    (dicts, errors)
}

/// `_parse_selector`: one `{method, value, parents, ...}` leaf as an element with operators.
fn leaf(map: &Map<String, Value>) -> (Option<String>, Vec<String>) {
    let flag = |key: &str| map.get(key).is_some_and(truthy);
    let zero = Value::from(0);
    let parents_depth = map.get("parents_depth").unwrap_or(&zero);
    let children_depth = map.get("children_depth").unwrap_or(&zero);
    let mut errors = Vec::new();
    for (key, depth) in [
        ("parents_depth", parents_depth),
        ("children_depth", children_depth),
    ] {
        // Python's isinstance(x, int): integers and booleans. The manifest keeps depths
        // written as strings ("2") as strings, which fail here.
        if !(depth.is_i64() || depth.is_u64() || depth.is_boolean()) {
            errors.push(format!(
                "{key} must be an integer, got {}: {}",
                python_type(depth),
                python_str(depth)
            ));
        }
    }
    if !errors.is_empty() {
        return (None, errors);
    }
    let method = map.get("method").map_or("None".to_owned(), python_str);
    let value = map.get("value").map_or("None".to_owned(), python_str);
    let selector = if method == "fqn" {
        if value == "*" {
            String::new()
        } else {
            format!("fqn:{value}")
        }
    } else if let Some((_, prefix)) = METHODS.iter().find(|(name, _)| *name == method) {
        format!("{prefix}{value}")
    } else if ["materialized", "schema", "tags", "meta"]
        .iter()
        .any(|key| method.starts_with(&format!("config.{key}")))
    {
        format!("{method}:{value}")
    } else {
        return (
            None,
            vec![format!("Unsupported selector method: '{method}'")],
        );
    };
    if selector.is_empty() {
        return (Some(selector), errors);
    }
    let childrens_parents = flag("childrens_parents");
    if childrens_parents && (truthy(parents_depth) || truthy(children_depth)) {
        errors.push(
            "childrens_parents cannot be combined with parents_depth or children_depth.".into(),
        );
        return (Some(selector), errors);
    }
    if childrens_parents {
        return (Some(format!("@{selector}")), errors);
    }
    let mut selector = selector;
    if flag("parents") {
        let prefix = if positive(parents_depth) {
            format!("{}+", python_str(parents_depth))
        } else {
            "+".to_owned()
        };
        selector = format!("{prefix}{selector}");
    }
    if flag("children") {
        let suffix = if positive(children_depth) {
            format!("+{}", python_str(children_depth))
        } else {
            "+".to_owned()
        };
        selector = format!("{selector}{suffix}");
    }
    (Some(selector), errors)
}

/// Python truthiness of a JSON value.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(flag) => *flag,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

fn positive(value: &Value) -> bool {
    match value {
        Value::Bool(flag) => *flag,
        other => other.as_f64().is_some_and(|n| n > 0.0),
    }
}

/// `type(value)` as Python prints it.
fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "<class 'NoneType'>",
        Value::Bool(_) => "<class 'bool'>",
        Value::Number(n) if n.is_f64() => "<class 'float'>",
        Value::Number(_) => "<class 'int'>",
        Value::String(_) => "<class 'str'>",
        Value::Array(_) => "<class 'list'>",
        Value::Object(_) => "<class 'dict'>",
    }
}

/// `str(value)` as Python's f-strings write it (what Cosmos puts into element strings).
fn python_str(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => python_repr(other),
    }
}

fn python_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(text) => format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(python_repr).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("'{k}': {}", python_repr(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn leaf_of(value: Value) -> (Option<String>, Vec<String>) {
        leaf(value.as_object().unwrap())
    }

    #[test]
    fn leaves_become_elements() {
        let (selector, errors) = leaf_of(
            json!({"method": "tag", "value": "x", "parents": true, "children": true, "children_depth": 2}),
        );
        assert_eq!((selector.as_deref(), errors.len()), (Some("+tag:x+2"), 0));
        let (selector, _) = leaf_of(json!({"method": "config.meta.priority", "value": 1}));
        assert_eq!(selector.as_deref(), Some("config.meta.priority:1"));
        let (selector, _) = leaf_of(json!({"method": "fqn", "value": "*", "parents": true}));
        assert_eq!(selector.as_deref(), Some(""));
        let (_, errors) = leaf_of(json!({"method": "tag", "value": "x", "parents_depth": "2"}));
        assert_eq!(
            errors,
            ["parents_depth must be an integer, got <class 'str'>: 2"]
        );
        let (_, errors) = leaf_of(json!({"method": "package", "value": "x"}));
        assert_eq!(errors, ["Unsupported selector method: 'package'"]);
    }
}
