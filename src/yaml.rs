//! All YAML reading goes through here (`serde_yaml` is deprecated upstream; a swap touches
//! only this file).

use serde::de::DeserializeOwned;

pub use serde_yaml::Value;

/// A YAML syntax or shape error with its 1-based position, when known.
#[derive(Debug, Clone)]
pub struct YamlError {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Byte offset of the error in the text, when known.
    pub offset: Option<usize>,
}

pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_yaml::from_str(text).map_err(|error| {
        let location = error.location();
        let message = error.to_string();
        // serde_yaml appends " at line L column C"; callers print the location themselves.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(head, _)| head)
            .to_owned();
        YamlError {
            message,
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
            offset: location.as_ref().map(|l| l.index()),
        }
    })
}

/// A scalar or collection written back as compact text (`1`, `true`, `[a, b]`).
pub fn to_compact_string(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "null".to_owned(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}
