//! What Jinja and Python do to known values: operators, comparisons, subscripts, filters,
//! tests and the methods of strings, lists and dicts. Whatever is not known here (an unusual
//! filter, a method on an unknown value) is `Unknown`, never a guess.

use std::rc::Rc;

use super::expr::{BinOp, CmpOp};
use super::value::{Shared, Value, text_of};

/// The longest list or string an operation may build.
const MAX_LENGTH: usize = 100_000;

pub fn binary(op: BinOp, left: &Value, right: &Value) -> Value {
    use Value::{Float, Int, Str};
    match (op, left, right) {
        (BinOp::Concat, _, _) => match (text_of(left), text_of(right)) {
            (Some(a), Some(b)) if a.len() + b.len() <= MAX_LENGTH => Value::str(&[a, b].concat()),
            _ => Value::Unknown,
        },
        (BinOp::Add, Str(a), Str(b)) if a.len() + b.len() <= MAX_LENGTH => {
            Value::str(&[&**a, &**b].concat())
        }
        (BinOp::Add, Value::List(_), Value::List(_))
        | (BinOp::Add, Value::Tuple(_), Value::Tuple(_)) => match (left.items(), right.items()) {
            (Some(mut a), Some(b)) if a.len() + b.len() <= MAX_LENGTH => {
                a.extend(b);
                if matches!(left, Value::List(_)) {
                    Value::list(a)
                } else {
                    Value::Tuple(Rc::from(a))
                }
            }
            _ => Value::Unknown,
        },
        (BinOp::Mul, Str(text), Int(n)) | (BinOp::Mul, Int(n), Str(text)) => {
            let n = usize::try_from(*n).unwrap_or(0);
            if text.len().saturating_mul(n) > MAX_LENGTH {
                return Value::Unknown;
            }
            Value::str(&text.repeat(n))
        }
        (_, Int(a), Int(b)) => match op {
            BinOp::Add => a.checked_add(*b).map_or(Value::Unknown, Int),
            BinOp::Sub => a.checked_sub(*b).map_or(Value::Unknown, Int),
            BinOp::Mul => a.checked_mul(*b).map_or(Value::Unknown, Int),
            BinOp::Div if *b != 0 => Float(*a as f64 / *b as f64),
            // Python's floor division and modulo round towards negative infinity.
            BinOp::FloorDiv | BinOp::Mod if *b != 0 => {
                let (Some(q), Some(r)) = (a.checked_div(*b), a.checked_rem(*b)) else {
                    return Value::Unknown;
                };
                let differs = r != 0 && ((r < 0) != (*b < 0));
                match (op, differs) {
                    (BinOp::FloorDiv, true) => Int(q - 1),
                    (BinOp::FloorDiv, false) => Int(q),
                    (_, true) => Int(r + b),
                    _ => Int(r),
                }
            }
            BinOp::Pow if (0..64).contains(b) => {
                a.checked_pow(*b as u32).map_or(Value::Unknown, Int)
            }
            _ => Value::Unknown,
        },
        _ => match (left.number(), right.number(), left, right) {
            // Mixed int and float arithmetic: only when one side is a float.
            (Some(a), Some(b), Float(_), _) | (Some(a), Some(b), _, Float(_)) => match op {
                BinOp::Add => Float(a + b),
                BinOp::Sub => Float(a - b),
                BinOp::Mul => Float(a * b),
                BinOp::Div if b != 0.0 => Float(a / b),
                _ => Value::Unknown,
            },
            _ => Value::Unknown,
        },
    }
}

/// One comparison; `None` when unknown.
pub fn compare(op: CmpOp, left: &Value, right: &Value) -> Option<bool> {
    match op {
        CmpOp::Eq => left.equals(right),
        CmpOp::Ne => left.equals(right).map(|equal| !equal),
        CmpOp::In => contains(right, left),
        CmpOp::NotIn => contains(right, left).map(|found| !found),
        _ => {
            let ordering = match (left, right) {
                (Value::Str(a), Value::Str(b)) => a.cmp(b),
                _ => left.number()?.partial_cmp(&right.number()?)?,
            };
            Some(match op {
                CmpOp::Lt => ordering.is_lt(),
                CmpOp::Le => ordering.is_le(),
                CmpOp::Gt => ordering.is_gt(),
                _ => ordering.is_ge(),
            })
        }
    }
}

/// Python's `needle in haystack`.
fn contains(haystack: &Value, needle: &Value) -> Option<bool> {
    if let (Value::Str(text), Value::Str(part)) = (haystack, needle) {
        return Some(text.contains(&**part));
    }
    if matches!(haystack, Value::Str(_)) {
        return None;
    }
    let mut unknown = false;
    for item in haystack.items()? {
        match item.equals(needle) {
            Some(true) => return Some(true),
            Some(false) => {}
            None => unknown = true,
        }
    }
    (!unknown).then_some(false)
}

/// `value[index]`: an unknown or missing item is `Unknown` (Jinja's undefined).
pub fn item(value: &Value, index: &Value) -> Value {
    let at = |items: &[Value], i: i64| {
        let at = if i < 0 { items.len() as i64 + i } else { i };
        usize::try_from(at)
            .ok()
            .and_then(|at| items.get(at).cloned())
            .unwrap_or(Value::Unknown)
    };
    match (value, index) {
        (Value::Dict(pairs), _) => dict_item(pairs, |key| key.equals(index)),
        (Value::List(items), Value::Int(i)) => items
            .borrow()
            .as_ref()
            .map_or(Value::Unknown, |items| at(items, *i)),
        (Value::Tuple(items), Value::Int(i)) => at(items, *i),
        (Value::Str(_), Value::Int(i)) => {
            value.items().map_or(Value::Unknown, |items| at(&items, *i))
        }
        _ => Value::Unknown,
    }
}

/// The value of a dict's first key `matches` holds for: `Unknown` when there is none, or
/// when a key before it cannot be compared.
pub fn dict_item(
    pairs: &Shared<Vec<(Value, Value)>>,
    matches: impl Fn(&Value) -> Option<bool>,
) -> Value {
    let pairs = pairs.borrow();
    let Some(pairs) = pairs.as_ref() else {
        return Value::Unknown;
    };
    for (key, item) in pairs {
        match matches(key) {
            Some(true) => return item.clone(),
            Some(false) => {}
            None => return Value::Unknown,
        }
    }
    Value::Unknown
}

/// `value[start:stop:step]`.
pub fn slice(value: &Value, bounds: [Option<Value>; 3]) -> Value {
    let Some(items) = value.items() else {
        return Value::Unknown;
    };
    let bound = |b: &Option<Value>| match b {
        None | Some(Value::None) => Some(None),
        Some(Value::Int(i)) => Some(Some(*i)),
        _ => None,
    };
    let (Some(start), Some(stop), Some(step)) =
        (bound(&bounds[0]), bound(&bounds[1]), bound(&bounds[2]))
    else {
        return Value::Unknown;
    };
    let step = step.unwrap_or(1);
    if step != 1 && step != -1 {
        return Value::Unknown;
    }
    let len = items.len() as i64;
    let clamp = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
    let picked: Vec<Value> = if step == 1 {
        let (from, to) = (clamp(start.unwrap_or(0)), clamp(stop.unwrap_or(len)));
        items[from as usize..to.max(from) as usize].to_vec()
    } else if start.is_none() && stop.is_none() {
        items.into_iter().rev().collect()
    } else {
        return Value::Unknown;
    };
    match value {
        Value::Str(_) => Value::str(&picked.iter().filter_map(Value::as_str).collect::<String>()),
        Value::Tuple(_) => Value::Tuple(Rc::from(picked)),
        _ => Value::list(picked),
    }
}

/// A filter: `value | name(args)`.
pub fn filter(name: &str, value: &Value, args: &[Value]) -> Value {
    let text = value.as_str();
    match (name, args) {
        ("length" | "count", []) => value
            .length()
            .map_or(Value::Unknown, |length| Value::Int(length as i64)),
        ("lower", []) => text.map_or(Value::Unknown, |t| Value::str(&t.to_lowercase())),
        ("upper", []) => text.map_or(Value::Unknown, |t| Value::str(&t.to_uppercase())),
        ("trim", []) => text.map_or(Value::Unknown, |t| Value::str(t.trim())),
        ("string", []) => text_of(value).map_or(Value::Unknown, |t| Value::str(&t)),
        ("list", []) => value.items().map_or(Value::Unknown, Value::list),
        ("first", []) => value
            .items()
            .and_then(|i| i.first().cloned())
            .unwrap_or(Value::Unknown),
        ("last", []) => value
            .items()
            .and_then(|i| i.last().cloned())
            .unwrap_or(Value::Unknown),
        ("reverse", []) => slice(value, [None, None, Some(Value::Int(-1))]),
        ("join", [] | [Value::Str(_)]) => {
            let separator = args.first().and_then(Value::as_str).unwrap_or("");
            let Some(items) = value.items() else {
                return Value::Unknown;
            };
            let parts: Option<Vec<_>> = items.iter().map(text_of).collect();
            parts.map_or(Value::Unknown, |parts| Value::str(&parts.join(separator)))
        }
        ("replace", [Value::Str(old), Value::Str(new)]) => {
            text.map_or(Value::Unknown, |t| Value::str(&t.replace(&**old, new)))
        }
        ("int", []) => match value {
            Value::Int(_) => value.clone(),
            Value::Bool(b) => Value::Int(i64::from(*b)),
            Value::Str(s) => s.trim().parse().map_or(Value::Unknown, Value::Int),
            _ => Value::Unknown,
        },
        // An undefined value takes the default; what is unknown here may be undefined.
        ("default" | "d", _) if !matches!(value, Value::Unknown) => value.clone(),
        _ => Value::Unknown,
    }
}

/// A test: `value is name(args)`; `None` when unknown.
pub fn test(name: &str, value: &Value, args: &[Value]) -> Option<bool> {
    if matches!(value, Value::Unknown) {
        return None;
    }
    Some(match (name, args) {
        ("defined", []) => true,
        ("undefined", []) => false,
        ("none", []) => matches!(value, Value::None),
        ("string", []) => matches!(value, Value::Str(_)),
        ("number", []) => matches!(value, Value::Int(_) | Value::Float(_)),
        ("integer", []) => matches!(value, Value::Int(_)),
        ("float", []) => matches!(value, Value::Float(_)),
        ("boolean", []) => matches!(value, Value::Bool(_)),
        ("true", []) => matches!(value, Value::Bool(true)),
        ("false", []) => matches!(value, Value::Bool(false)),
        ("mapping", []) => matches!(value, Value::Dict(_)),
        ("sequence", []) => matches!(
            value,
            Value::List(_) | Value::Tuple(_) | Value::Str(_) | Value::Dict(_)
        ),
        ("iterable", []) => matches!(
            value,
            Value::List(_) | Value::Tuple(_) | Value::Str(_) | Value::Dict(_)
        ),
        ("eq" | "equalto" | "sameas", [other]) => value.equals(other)?,
        ("ne", [other]) => !value.equals(other)?,
        ("in", [other]) => compare(CmpOp::In, value, other)?,
        ("lower", []) => value.as_str()?.chars().all(|c| !c.is_uppercase()),
        ("upper", []) => value.as_str()?.chars().all(|c| !c.is_lowercase()),
        _ => return None,
    })
}

/// Whether a method changes its value (`append`, `update`, ...).
pub fn is_mutating(method: &str) -> bool {
    matches!(
        method,
        "append"
            | "extend"
            | "insert"
            | "pop"
            | "remove"
            | "clear"
            | "update"
            | "setdefault"
            | "sort"
            | "reverse"
            | "popitem"
    )
}

/// A method call on a known value; `Unknown` for anything else, and then a method that might
/// change the value taints it.
pub fn method(receiver: &Value, name: &str, args: &[Value]) -> Value {
    let result = known_method(receiver, name, args);
    if result.is_none() && is_mutating(name) {
        receiver.taint();
    }
    result.unwrap_or(Value::Unknown)
}

fn known_method(receiver: &Value, name: &str, args: &[Value]) -> Option<Value> {
    match receiver {
        Value::Str(text) => string_method(text, name, args),
        Value::List(items) => {
            let mut items = items.borrow_mut();
            let list = items.as_mut()?;
            match (name, args) {
                ("append", [item]) if list.len() < MAX_LENGTH => {
                    list.push(item.clone());
                    Some(Value::None)
                }
                ("extend", [more]) => {
                    let more = more.items()?;
                    if list.len() + more.len() > MAX_LENGTH {
                        return None;
                    }
                    list.extend(more);
                    Some(Value::None)
                }
                ("index" | "count", [needle]) => {
                    let mut found = Vec::new();
                    for (at, item) in list.iter().enumerate() {
                        if item.equals(needle)? {
                            found.push(at);
                        }
                    }
                    if name == "count" {
                        Some(Value::Int(found.len() as i64))
                    } else {
                        found.first().map(|at| Value::Int(*at as i64))
                    }
                }
                _ => None,
            }
        }
        Value::Dict(pairs) => {
            let mut pairs = pairs.borrow_mut();
            let dict = pairs.as_mut()?;
            match (name, args) {
                ("items", []) => Some(Value::list(
                    dict.iter()
                        .map(|(k, v)| Value::Tuple(Rc::from(vec![k.clone(), v.clone()])))
                        .collect(),
                )),
                ("keys", []) => Some(Value::list(dict.iter().map(|(k, _)| k.clone()).collect())),
                ("values", []) => Some(Value::list(dict.iter().map(|(_, v)| v.clone()).collect())),
                ("get", [key] | [key, _]) => {
                    for (k, v) in dict.iter() {
                        if k.equals(key)? {
                            return Some(v.clone());
                        }
                    }
                    Some(args.get(1).cloned().unwrap_or(Value::None))
                }
                ("update", [other]) => {
                    let Value::Dict(other) = other else {
                        return None;
                    };
                    let other = other.try_borrow().ok()?.clone()?;
                    for (key, value) in other {
                        insert(dict, key, value)?;
                    }
                    Some(Value::None)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// Sets `key` in a dict's pairs; `None` when the key cannot be compared.
pub fn insert(dict: &mut Vec<(Value, Value)>, key: Value, value: Value) -> Option<()> {
    for pair in dict.iter_mut() {
        if pair.0.equals(&key)? {
            pair.1 = value;
            return Some(());
        }
    }
    (dict.len() < MAX_LENGTH).then(|| dict.push((key, value)))
}

fn string_method(text: &str, name: &str, args: &[Value]) -> Option<Value> {
    let arg = |i: usize| args.get(i).and_then(Value::as_str);
    Some(match (name, args.len()) {
        ("lower", 0) => Value::str(&text.to_lowercase()),
        ("upper", 0) => Value::str(&text.to_uppercase()),
        ("strip", 0) => Value::str(text.trim()),
        ("lstrip", 0) => Value::str(text.trim_start()),
        ("rstrip", 0) => Value::str(text.trim_end()),
        ("strip", 1) => {
            Value::str(text.trim_matches(|c| arg(0).is_some_and(|set| set.contains(c))))
        }
        ("startswith" | "endswith", 1) => {
            let prefixes: Vec<String> = match &args[0] {
                Value::Str(s) => vec![s.to_string()],
                Value::Tuple(_) => args[0]
                    .items()?
                    .iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<_>>()?,
                _ => return None,
            };
            Value::Bool(prefixes.iter().any(|p| {
                if name == "startswith" {
                    text.starts_with(p.as_str())
                } else {
                    text.ends_with(p.as_str())
                }
            }))
        }
        ("replace", 2) => {
            let replaced = text.replace(arg(0)?, arg(1)?);
            if replaced.len() > MAX_LENGTH {
                return None;
            }
            Value::str(&replaced)
        }
        ("split", 0) => Value::list(text.split_whitespace().map(Value::str).collect()),
        ("split", 1) if !arg(0)?.is_empty() => {
            Value::list(text.split(arg(0)?).map(Value::str).collect())
        }
        ("join", 1) => {
            let parts: Vec<String> = args[0]
                .items()?
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<_>>()?;
            Value::str(&parts.join(text))
        }
        _ => return None,
    })
}
