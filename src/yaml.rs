//! All YAML reading goes through here (`serde_yaml` is deprecated upstream; a swap touches
//! only this file), with limits that keep a hostile document from taking the run down:
//! a size cap, a nesting cap checked before the parser runs (libyaml slows down quadratically
//! with flow nesting), and a cap on the values a document expands to through its aliases
//! (an "anchor bomb" expands exponentially).

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess};

pub use serde_yaml::Value;

/// The largest YAML document read: `dbt_project.yml` and `selectors.yml` are kilobytes; the
/// parser holds every event of a document in memory, about 250 bytes per byte of YAML.
pub const MAX_BYTES: usize = 1 << 20;
/// The deepest nesting read (as `serde_yaml`, whose own limit this is).
pub const MAX_DEPTH: usize = 128;
/// The most values a document may hold once its aliases are expanded.
pub const MAX_VALUES: usize = 1_000_000;

/// A YAML syntax or shape error with its 1-based position, when known.
#[derive(Debug, Clone)]
pub struct YamlError {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Byte offset of the error in the text, when known.
    pub offset: Option<usize>,
}

impl YamlError {
    fn at_offset(message: String, text: &str, offset: usize) -> Self {
        let before = &text[..offset.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
            .chars()
            .count()
            + 1;
        YamlError {
            message,
            line: Some(line),
            column: Some(column),
            offset: Some(offset),
        }
    }
}

pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    if text.len() > MAX_BYTES {
        return Err(YamlError {
            message: format!(
                "the document is {} KiB; monolint reads YAML documents up to {} KiB",
                text.len() >> 10,
                MAX_BYTES >> 10
            ),
            line: None,
            column: None,
            offset: None,
        });
    }
    if let Some(offset) = too_deep_flow(text) {
        return Err(YamlError::at_offset(
            format!("nested more than {MAX_DEPTH} levels deep"),
            text,
            offset,
        ));
    }
    // A first pass counts the values, aliases expanded, and stops early on a bomb; the
    // second builds `T` (with positions in its errors).
    let budget = Cell::new(MAX_VALUES);
    Counter { budget: &budget }
        .deserialize(serde_yaml::Deserializer::from_str(text))
        .map_err(yaml_error)?;
    serde_yaml::from_str(text).map_err(yaml_error)
}

fn yaml_error(error: serde_yaml::Error) -> YamlError {
    let location = error.location();
    let message = error.to_string();
    // serde_yaml appends " at line L column C"; callers print the location themselves.
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(head, _)| head);
    let message = match message {
        "recursion limit exceeded" => format!("nested more than {MAX_DEPTH} levels deep"),
        "repetition limit exceeded" => {
            "its aliases expand to too many values (an alias bomb?)".to_owned()
        }
        other => other.to_owned(),
    };
    YamlError {
        message,
        line: location.as_ref().map(|l| l.line()),
        column: location.as_ref().map(|l| l.column()),
        offset: location.as_ref().map(|l| l.index()),
    }
}

/// Counts every value of a document (aliases expanded), failing past the budget.
struct Counter<'b> {
    budget: &'b Cell<usize>,
}

impl Counter<'_> {
    fn spend<E: de::Error>(&self) -> Result<(), E> {
        match self.budget.get().checked_sub(1) {
            Some(left) => {
                self.budget.set(left);
                Ok(())
            }
            None => Err(E::custom(format!(
                "its aliases expand to more than {MAX_VALUES} values (an alias bomb?)"
            ))),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Counter<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> de::Visitor<'de> for Counter<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.spend()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.spend()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.spend()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.spend()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.spend()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.spend()
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.spend()
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.spend()?;
        self.deserialize(deserializer)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.spend()?;
        self.deserialize(deserializer)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.spend()?;
        while seq
            .next_element_seed(Counter {
                budget: self.budget,
            })?
            .is_some()
        {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.spend()?;
        while map
            .next_key_seed(Counter {
                budget: self.budget,
            })?
            .is_some()
        {
            map.next_value_seed(Counter {
                budget: self.budget,
            })?;
        }
        Ok(())
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        // A tagged value (`!tag value`): count the value.
        use de::VariantAccess;
        self.spend()?;
        let ((), variant) = data.variant_seed(Counter {
            budget: self.budget,
        })?;
        variant.newtype_variant_seed(Counter {
            budget: self.budget,
        })
    }
}

/// The offset of the first `[` or `{` that opens a flow collection more than [`MAX_DEPTH`]
/// levels deep, found without parsing: quoted scalars, comments and block scalars (`|`, `>`)
/// are skipped, and outside a flow collection a bracket opens one only where a value starts.
fn too_deep_flow(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut at = 0;
    // Indentation of the line that introduced a block scalar: deeper lines are its text.
    let mut block_scalar: Option<usize> = None;
    // Whether a value may start here (line start, after `:`/`-`/`?` and a space, in a flow).
    let mut value_may_start = true;
    let mut line_indent = 0;
    let mut at_line_start = true;
    while at < bytes.len() {
        let byte = bytes[at];
        if at_line_start {
            let indent = bytes[at..].iter().take_while(|&&b| b == b' ').count();
            let blank = matches!(bytes.get(at + indent), None | Some(b'\n' | b'\r'));
            match block_scalar {
                Some(parent) if blank || indent > parent => {
                    at = skip_line(bytes, at) + 1;
                    continue;
                }
                _ => block_scalar = None,
            }
            line_indent = indent;
            at_line_start = false;
            at += indent;
            continue;
        }
        match byte {
            b'\n' => {
                at_line_start = true;
                if depth == 0 {
                    value_may_start = true;
                }
            }
            b'#' if at == 0 || matches!(bytes[at - 1], b' ' | b'\t' | b'\n' | b'\r') => {
                at = skip_line(bytes, at);
                continue;
            }
            b'\'' | b'"' if value_may_start || depth > 0 => {
                at = skip_quoted(bytes, at);
                value_may_start = false;
                continue;
            }
            b'[' | b'{' if value_may_start || depth > 0 => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(at);
                }
                value_may_start = true;
            }
            b']' | b'}' if depth > 0 => {
                depth -= 1;
                value_may_start = false;
            }
            b',' if depth > 0 => value_may_start = true,
            // An anchor or a tag before a value: the value may still start after it.
            b'&' | b'!' if value_may_start || depth > 0 => {
                at += bytes[at..]
                    .iter()
                    .take_while(|b| {
                        !matches!(
                            b,
                            b' ' | b'\t' | b'\n' | b'\r' | b'[' | b']' | b'{' | b'}' | b','
                        )
                    })
                    .count();
                continue;
            }
            b':' | b'-' | b'?' if next_is_space(bytes, at) => value_may_start = true,
            b'|' | b'>' if value_may_start && depth == 0 => {
                block_scalar = Some(line_indent);
                at = skip_line(bytes, at);
                continue;
            }
            b' ' | b'\t' | b'\r' => {}
            _ => value_may_start = false,
        }
        at += 1;
    }
    None
}

fn next_is_space(bytes: &[u8], at: usize) -> bool {
    matches!(bytes.get(at + 1), None | Some(b' ' | b'\t' | b'\n' | b'\r'))
}

/// The offset of the line break ending the line at `at` (or the end).
fn skip_line(bytes: &[u8], at: usize) -> usize {
    memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i)
}

/// The offset after the quoted scalar starting at `at` (`''` and `\"` escapes).
fn skip_quoted(bytes: &[u8], at: usize) -> usize {
    let quote = bytes[at];
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b if b == quote => {
                if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else {
                    return i + 1;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str) -> String {
        from_str::<Value>(text).map_or_else(|e| e.message, |_| "ok".to_owned())
    }

    #[test]
    fn reads_ordinary_yaml() {
        let text = "name: shop\nmodels:\n  shop:\n    +tags: [a, '[b', \"{c\"]  # [[[\n    x: a[1\ndesc: |\n  [[[[ {{{\n  select [\nv: &v {a: 1}\nw: *v\n";
        assert_eq!(message(text), "ok");
        assert_eq!(too_deep_flow(text), None);
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!("a: {}1{}\n", "{b: ".repeat(100_000), "}".repeat(100_000));
        let started = std::time::Instant::now();
        let error = from_str::<Value>(&deep).unwrap_err();
        assert!(started.elapsed().as_secs() < 5);
        assert_eq!(error.message, "nested more than 128 levels deep");
        assert_eq!((error.line, error.column), (Some(1), Some(4 + 4 * 128)));
        let anchored = format!("a: {}1\n", "&x !t [".repeat(1000));
        assert!(too_deep_flow(&anchored).is_some());
        let block = (0..200)
            .map(|i| format!("{}- \n", " ".repeat(i)))
            .collect::<String>();
        assert_eq!(message(&block), "nested more than 128 levels deep");
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..9 {
            bomb.push_str(&format!(
                "l{level}: &l{level} [{}]\n",
                vec![
                    if level == 1 {
                        "*a".to_owned()
                    } else {
                        format!("*l{}", level - 1)
                    };
                    10
                ]
                .join(", ")
            ));
        }
        let started = std::time::Instant::now();
        let text = message(&bomb);
        assert!(started.elapsed().as_secs() < 10);
        assert!(text.contains("alias"), "{text}");
    }

    #[test]
    fn large_documents_are_refused() {
        let large = "a: 1\n".repeat(MAX_BYTES / 5 + 1);
        assert!(message(&large).contains("up to 1024 KiB"));
    }
}
