//! What a policy allows for one `meta` key or DAG argument: any value (`"*"`), or one of a list.

use serde_json::Value;

use crate::airflow::value::Value as PyValue;

/// `"*"` or a list of allowed values.
#[derive(Debug, Clone, PartialEq)]
pub enum Allowed {
    /// Any value, as long as there is one.
    Present,
    OneOf(Vec<Scalar>),
}

/// A value a config can list: TOML's strings, integers, floats and booleans.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

/// Whether a value is allowed, as far as it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Refused,
    /// Not statically known: no finding, ever.
    Unknown,
}

impl Allowed {
    /// Reads a config value; `None` when it is neither `"*"` nor a list of scalars.
    pub fn from_config(value: &Value) -> Option<Allowed> {
        match value {
            Value::String(star) if star == "*" => Some(Allowed::Present),
            Value::Array(items) => items
                .iter()
                .map(Scalar::from_json)
                .collect::<Option<Vec<_>>>()
                .map(Allowed::OneOf),
            _ => None,
        }
    }

    /// A value of a node's `meta`; a list is allowed when each of its items is.
    pub fn admits_json(&self, value: &Value) -> bool {
        match (self, value) {
            (_, Value::Null) => false,
            (Allowed::Present, _) => true,
            (Allowed::OneOf(_), Value::Array(items)) => {
                !items.is_empty() && items.iter().all(|item| self.admits_json(item))
            }
            (Allowed::OneOf(values), _) => {
                Scalar::from_json(value).is_some_and(|scalar| values.contains(&scalar))
            }
        }
    }

    /// A value the DAG code gives; `None` counts as not set, a list is allowed when
    /// each of its items is, and anything not statically known is `Unknown`.
    pub fn admits_python(&self, value: &PyValue) -> Verdict {
        if let PyValue::None = value {
            return Verdict::Refused;
        }
        // Given, whatever its value at run time: set.
        let Allowed::OneOf(values) = self else {
            return Verdict::Allowed;
        };
        if let PyValue::Unknown(_) = value {
            return Verdict::Unknown;
        }
        if let PyValue::List(items) = value {
            let verdicts: Vec<Verdict> = items
                .iter()
                .map(|item| self.admits_python(&item.value))
                .collect();
            return if verdicts.contains(&Verdict::Refused) || items.is_empty() {
                Verdict::Refused
            } else if verdicts.contains(&Verdict::Unknown) {
                Verdict::Unknown
            } else {
                Verdict::Allowed
            };
        }
        match Scalar::from_python(value) {
            Some(scalar) if values.contains(&scalar) => Verdict::Allowed,
            Some(_) => Verdict::Refused,
            None => Verdict::Unknown,
        }
    }

    /// "not `a`" or "not one of `a`, `b`", for labels.
    pub fn refusal(&self) -> String {
        match self {
            Allowed::Present => String::new(),
            Allowed::OneOf(values) => not_one_of(values.iter().map(Scalar::to_string)),
        }
    }
}

/// "not `a`" or "not one of `a`, `b`".
pub fn not_one_of(values: impl Iterator<Item = String>) -> String {
    let quoted: Vec<String> = values.map(|v| format!("`{v}`")).collect();
    match quoted.as_slice() {
        [one] => format!("not {one}"),
        _ => format!("not one of {}", quoted.join(", ")),
    }
}

impl Scalar {
    fn from_json(value: &Value) -> Option<Scalar> {
        match value {
            Value::String(text) => Some(Scalar::Str(text.clone())),
            Value::Bool(flag) => Some(Scalar::Bool(*flag)),
            Value::Number(number) => match number.as_i64() {
                Some(int) => Some(Scalar::Int(int)),
                None => number.as_f64().map(Scalar::Float),
            },
            _ => None,
        }
    }

    fn from_python(value: &PyValue) -> Option<Scalar> {
        match value {
            PyValue::Str(text) => text.known().map(Scalar::Str),
            PyValue::Int(int) => Some(Scalar::Int(*int)),
            PyValue::Float(float) => Some(Scalar::Float(*float)),
            PyValue::Bool(flag) => Some(Scalar::Bool(*flag)),
            _ => None,
        }
    }
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Str(text) => f.write_str(text),
            Scalar::Int(int) => write!(f, "{int}"),
            Scalar::Float(float) => write!(f, "{float}"),
            Scalar::Bool(flag) => write!(f, "{flag}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_values_are_compared_by_type() {
        let owners = Allowed::from_config(&serde_json::json!(["finance", 1])).unwrap();
        assert!(owners.admits_json(&serde_json::json!("finance")));
        assert!(owners.admits_json(&serde_json::json!(1)));
        assert!(!owners.admits_json(&serde_json::json!("1")));
        assert!(!owners.admits_json(&serde_json::json!(null)));
        assert!(owners.admits_json(&serde_json::json!(["finance"])));
        assert!(!owners.admits_json(&serde_json::json!(["finance", "ops"])));
        assert!(Allowed::Present.admits_json(&serde_json::json!("")));
        assert_eq!(Allowed::from_config(&serde_json::json!("any")), None);
        assert_eq!(Allowed::from_config(&serde_json::json!([{"a": 1}])), None);
    }

    #[test]
    fn unknown_python_values_are_never_refused() {
        let retries = Allowed::from_config(&serde_json::json!([2, 3])).unwrap();
        assert_eq!(retries.admits_python(&PyValue::Int(3)), Verdict::Allowed);
        assert_eq!(retries.admits_python(&PyValue::Int(0)), Verdict::Refused);
        assert_eq!(retries.admits_python(&PyValue::None), Verdict::Refused);
        assert_eq!(
            retries.admits_python(&PyValue::Unknown("a call".into())),
            Verdict::Unknown
        );
        assert_eq!(
            retries.admits_python(&PyValue::Path("settings.RETRIES".into())),
            Verdict::Unknown
        );
        assert_eq!(
            Allowed::Present.admits_python(&PyValue::Path("alerts.page".into())),
            Verdict::Allowed
        );
    }
}
