//! YAML selector definitions (`selectors.yml`, as normalised in the manifest) as specs.

use serde_json::Value;

use super::eval::Combine;
use super::item::{Criterion, IndirectSelection, Method};
use super::{SelectorError, Spec};

/// dbt's `parse_from_definition`. YAML groups combine eagerly, whatever the command's mode;
/// a leaf uses its own `indirect_selection` or the command's.
pub fn spec_from_definition(
    definition: &Value,
    mode: IndirectSelection,
) -> Result<Spec, SelectorError> {
    match definition {
        Value::String(item) => Criterion::parse(item).map(Spec::Leaf),
        Value::Object(map) => {
            for (key, combine) in [
                ("union", Combine::Union),
                ("intersection", Combine::Intersection),
            ] {
                if let Some(members) = map.get(key) {
                    if map.len() != 1 {
                        return Err(SelectorError::invalid(format!(
                            "Only a single 'union' or 'intersection' key is allowed in a root level selector definition; found {}",
                            map.keys().cloned().collect::<Vec<_>>().join(",")
                        )));
                    }
                    return group(members, combine, mode);
                }
            }
            leaf_from_dict(map, mode)
        }
        other => Err(SelectorError::invalid(format!(
            "Expected either 1 key or else \"method\" and \"value\" keys, but got {other}"
        ))),
    }
}

fn group(
    members: &Value,
    combine: Combine,
    mode: IndirectSelection,
) -> Result<Spec, SelectorError> {
    let Value::Array(items) = members else {
        return Err(SelectorError::invalid(format!(
            "Invalid value type for set operation: expected a list, got {members}"
        )));
    };
    let mut included = Vec::new();
    let mut excluded = None;
    for item in items {
        match item.as_object().and_then(|map| map.get("exclude")) {
            Some(exclude) => {
                if excluded.is_some() {
                    return Err(SelectorError::invalid(
                        "You cannot provide multiple exclude arguments to the same selector set operator",
                    ));
                }
                excluded = Some(exclusions(exclude, mode)?);
            }
            None => included.push(spec_from_definition(item, mode)?),
        }
    }
    let spec = Spec::Group {
        combine,
        members: included,
        mode: IndirectSelection::Eager,
    };
    Ok(match excluded {
        Some(excluded) => difference(spec, excluded),
        None => spec,
    })
}

fn exclusions(exclude: &Value, mode: IndirectSelection) -> Result<Spec, SelectorError> {
    let members = match exclude {
        Value::Array(items) => items
            .iter()
            .map(|item| spec_from_definition(item, mode))
            .collect::<Result<Vec<_>, _>>()?,
        other => vec![spec_from_definition(other, mode)?],
    };
    Ok(Spec::Group {
        combine: Combine::Union,
        members,
        mode: IndirectSelection::Eager,
    })
}

fn difference(included: Spec, excluded: Spec) -> Spec {
    Spec::Group {
        combine: Combine::Difference,
        members: vec![included, excluded],
        mode: IndirectSelection::Eager,
    }
}

/// `{method: tag, value: x, parents: true, ...}` or the one-key shorthand `{tag: x}`.
fn leaf_from_dict(
    map: &serde_json::Map<String, Value>,
    mode: IndirectSelection,
) -> Result<Spec, SelectorError> {
    let has_method = map.contains_key("method") && map.contains_key("value");
    let excluded = map.get("exclude");
    let (method_text, value) = if has_method {
        (
            map.get("method")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            &map["value"],
        )
    } else {
        let mut keys = map.iter().filter(|(key, _)| key.as_str() != "exclude");
        match (keys.next(), keys.next()) {
            (Some((method, value)), None) => (method.as_str(), value),
            _ => {
                return Err(SelectorError::invalid(format!(
                    "Expected either 1 key or else \"method\" and \"value\" keys, but got {}",
                    Value::Object(map.clone())
                )));
            }
        }
    };
    let mut parts = method_text.split('.');
    let name = parts.next().unwrap_or_default();
    let method = Method::parse(name)
        .ok_or_else(|| SelectorError::invalid(format!("'{name}' is not a valid method name")))?;
    let mut criterion = Criterion::new(method, parts.map(str::to_owned).collect(), String::new());
    match value {
        Value::String(text) => criterion.value = text.clone(),
        other => {
            criterion.value = other.to_string();
            criterion.typed_value = Some(other.clone());
        }
    }
    if has_method {
        criterion.parents = flag(map, "parents");
        criterion.children = flag(map, "children");
        criterion.childrens_parents = flag(map, "childrens_parents");
        criterion.parents_depth = depth(map, "parents_depth")?;
        criterion.children_depth = depth(map, "children_depth")?;
        if criterion.childrens_parents && criterion.children {
            return Err(SelectorError::invalid(
                "Invalid node spec - \"@\" prefix and \"+\" suffix are incompatible",
            ));
        }
        if let Some(text) = map.get("indirect_selection").and_then(Value::as_str) {
            criterion.indirect = Some(IndirectSelection::parse(text).ok_or_else(|| {
                SelectorError::invalid(format!("invalid indirect_selection \"{text}\""))
            })?);
        }
    }
    let leaf = Spec::Leaf(criterion);
    Ok(match excluded {
        Some(exclude) => difference(leaf, exclusions(exclude, mode)?),
        None => leaf,
    })
}

fn flag(map: &serde_json::Map<String, Value>, key: &str) -> bool {
    map.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// A depth is an int or a digit string; empty or null means unlimited.
fn depth(map: &serde_json::Map<String, Value>, key: &str) -> Result<Option<usize>, SelectorError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_u64().map(|n| n as usize)),
        Some(Value::String(text)) if text.is_empty() => Ok(None),
        Some(Value::String(text)) => text.parse().map(Some).map_err(|_| {
            SelectorError::invalid(format!("invalid literal for int() with base 10: '{text}'"))
        }),
        Some(other) => Err(SelectorError::invalid(format!("invalid {key}: {other}"))),
    }
}
