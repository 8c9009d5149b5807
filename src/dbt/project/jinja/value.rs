//! The values of the evaluator. `Unknown` is what only a real run can tell (`target`, `var()`,
//! a query's result, a macro's rendered text): every operation on it is unknown too. Lists and
//! dicts are shared, as Python's are, and a container something unknown may have changed is
//! `tainted`: reading it is unknown.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use serde_json::Value as Json;

use super::template::MacroBody;

/// How deep lists, tuples and dicts may nest in one value.
pub const MAX_DEPTH: usize = 48;

/// A list's or dict's items; `None` once something unknown may have changed them.
pub type Shared<T> = Rc<RefCell<Option<T>>>;

#[derive(Debug, Clone)]
pub enum Value {
    Unknown,
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    List(Shared<Vec<Value>>),
    Tuple(Rc<[Value]>),
    /// A dict (or a `namespace()`, or a loop's `loop`), in insertion order.
    Dict(Shared<Vec<(Value, Value)>>),
    /// What `ref()`, `source()` and `this` give while dbt parses: a relation whose names
    /// depend on the target.
    Relation,
    Callable(Rc<Callable>),
}

/// Something that can be called.
#[derive(Debug)]
pub enum Callable {
    /// A macro of the project or a package, by its index in the scope.
    Macro(usize),
    /// A macro defined in the template being evaluated.
    Local(Arc<MacroBody>),
    /// A `{% call %}` block's body, with the variables and the macro where it was written.
    Caller(Arc<MacroBody>, Captured, Option<usize>),
    /// A package's namespace: `dbt_utils` in `dbt_utils.star(...)`.
    Package(String),
    /// One of dbt's or Jinja's functions.
    Builtin(&'static str),
    /// A method of a value: `items.append`.
    Method(Value, String),
}

/// The variables of one scope, each named by the template that binds it; so few that a scan
/// beats hashing.
pub type Frame<'a> = Vec<(&'a str, Value)>;

/// The variables a `{% call %}` body sees, kept with the body beyond the block that wrote it.
pub type Captured = Vec<Vec<(Rc<str>, Value)>>;

impl Value {
    pub fn str(text: &str) -> Value {
        Value::Str(Rc::from(text))
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(Some(items))))
    }

    pub fn dict(pairs: Vec<(Value, Value)>) -> Value {
        Value::Dict(Rc::new(RefCell::new(Some(pairs))))
    }

    pub fn builtin(name: &'static str) -> Value {
        Value::Callable(Rc::new(Callable::Builtin(name)))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(text) => Some(text),
            _ => None,
        }
    }

    /// Python's truth value; `None` when unknown.
    pub fn truth(&self) -> Option<bool> {
        Some(match self {
            Value::Unknown => return None,
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(items) => !items.borrow().as_ref()?.is_empty(),
            Value::Tuple(items) => !items.is_empty(),
            Value::Dict(pairs) => !pairs.borrow().as_ref()?.is_empty(),
            Value::Relation | Value::Callable(_) => true,
        })
    }

    /// The items a `for` loop visits (a dict's keys, a string's characters); `None` when
    /// unknown or not iterable.
    pub fn items(&self) -> Option<Vec<Value>> {
        match self {
            Value::List(items) => items.borrow().clone(),
            Value::Tuple(items) => Some(items.to_vec()),
            Value::Dict(pairs) => Some(
                pairs
                    .borrow()
                    .as_ref()?
                    .iter()
                    .map(|(k, _)| k.clone())
                    .collect(),
            ),
            Value::Str(text) => Some(text.chars().map(|c| Value::str(&c.to_string())).collect()),
            _ => None,
        }
    }

    /// How many items [`Value::items`] has, without copying them.
    pub fn length(&self) -> Option<usize> {
        match self {
            Value::List(items) => Some(items.borrow().as_ref()?.len()),
            Value::Tuple(items) => Some(items.len()),
            Value::Dict(pairs) => Some(pairs.borrow().as_ref()?.len()),
            Value::Str(text) => Some(text.chars().count()),
            _ => None,
        }
    }

    /// Python's `self == text`; `None` when unknown.
    pub fn equals_text(&self, text: &str) -> Option<bool> {
        match self {
            Value::Unknown | Value::Relation | Value::Callable(_) => None,
            Value::Str(own) => Some(&**own == text),
            _ => Some(false),
        }
    }

    /// Python's `==`; `None` when unknown.
    pub fn equals(&self, other: &Value) -> Option<bool> {
        self.equals_within(other, MAX_DEPTH)
    }

    fn equals_within(&self, other: &Value, depth: usize) -> Option<bool> {
        let depth = depth.checked_sub(1)?;
        Some(match (self, other) {
            (Value::Unknown, _) | (_, Value::Unknown) => return None,
            (Value::Relation, _) | (_, Value::Relation) => return None,
            (Value::Callable(_), _) | (_, Value::Callable(_)) => return None,
            (Value::None, Value::None) => true,
            (_, Value::Str(text)) => return self.equals_text(text),
            (Value::Str(text), _) => return other.equals_text(text),
            (Value::List(_) | Value::Tuple(_), Value::List(_) | Value::Tuple(_)) => {
                if matches!(self, Value::List(_)) != matches!(other, Value::List(_)) {
                    return Some(false);
                }
                let (a, b) = (self.items()?, other.items()?);
                if a.len() != b.len() {
                    return Some(false);
                }
                for (x, y) in a.iter().zip(&b) {
                    if !x.equals_within(y, depth)? {
                        return Some(false);
                    }
                }
                true
            }
            (Value::Dict(_), Value::Dict(_)) => return None,
            _ => match (self.number(), other.number()) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
        })
    }

    /// Whether this is a list, a tuple or a dict: what may hold a list or dict to taint.
    pub fn is_container(&self) -> bool {
        matches!(self, Value::List(_) | Value::Tuple(_) | Value::Dict(_))
    }

    /// A number (booleans are numbers in Python).
    pub fn number(&self) -> Option<f64> {
        match self {
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The value as JSON, when every part of it is known.
    pub fn to_json(&self) -> Option<Json> {
        self.to_json_within(MAX_DEPTH)
    }

    fn to_json_within(&self, depth: usize) -> Option<Json> {
        let depth = depth.checked_sub(1)?;
        Some(match self {
            Value::None => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            Value::Float(f) => Json::from(*f),
            Value::Str(s) => Json::String(s.to_string()),
            Value::List(_) | Value::Tuple(_) => Json::Array(
                self.items()?
                    .iter()
                    .map(Value::to_json)
                    .collect::<Option<_>>()?,
            ),
            Value::Dict(pairs) => {
                let pairs = pairs.borrow();
                let mut map = serde_json::Map::new();
                for (key, value) in pairs.as_ref()? {
                    map.insert(key.as_str()?.to_owned(), value.to_json_within(depth)?);
                }
                Json::Object(map)
            }
            Value::Unknown | Value::Relation | Value::Callable(_) => return None,
        })
    }

    /// Whether lists, tuples and dicts nest in this value deeper than [`MAX_DEPTH`] (or form a
    /// cycle): such a value is not built, so that nothing recurses through it too deep. Also
    /// how many values it looked at.
    pub fn too_deep(&self) -> (bool, usize) {
        if !self.is_container() {
            return (false, 1);
        }
        let mut stack = vec![(self.clone(), 0usize)];
        let mut visited = 0usize;
        while let Some((value, level)) = stack.pop() {
            visited += 1;
            if level > MAX_DEPTH || visited > 100_000 {
                return (true, visited);
            }
            match &value {
                Value::List(_) | Value::Tuple(_) => stack.extend(
                    value
                        .items()
                        .into_iter()
                        .flatten()
                        .map(|item| (item, level + 1)),
                ),
                Value::Dict(pairs) => {
                    let pairs = pairs.borrow();
                    stack.extend(
                        pairs
                            .iter()
                            .flatten()
                            .flat_map(|(k, v)| [(k.clone(), level + 1), (v.clone(), level + 1)]),
                    );
                }
                _ => {}
            }
        }
        (false, visited)
    }

    /// Marks every list and dict reachable from this value as changed by something unknown.
    pub fn taint(&self) {
        if !self.is_container() {
            return;
        }
        let mut stack = vec![self.clone()];
        let mut visited = 0usize;
        while let Some(value) = stack.pop() {
            visited += 1;
            if visited > 100_000 {
                return;
            }
            match value {
                Value::List(items) => {
                    if let Some(items) = items.borrow_mut().take() {
                        stack.extend(items);
                    }
                }
                Value::Dict(pairs) => {
                    if let Some(pairs) = pairs.borrow_mut().take() {
                        stack.extend(pairs.into_iter().flat_map(|(k, v)| [k, v]));
                    }
                }
                Value::Tuple(items) => stack.extend(items.iter().cloned()),
                _ => {}
            }
        }
    }
}

/// Python's `str()` of a known scalar.
pub fn text_of(value: &Value) -> Option<Cow<'_, str>> {
    Some(match value {
        Value::Str(s) => Cow::Borrowed(s),
        Value::Int(i) => Cow::Owned(i.to_string()),
        Value::Bool(true) => Cow::Borrowed("True"),
        Value::Bool(false) => Cow::Borrowed("False"),
        Value::None => Cow::Borrowed("None"),
        Value::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 => {
            Cow::Owned(format!("{f:.1}"))
        }
        _ => return None,
    })
}
