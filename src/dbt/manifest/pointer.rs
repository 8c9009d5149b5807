//! The value at a key path of a JSON object, read without building the rest of the object.
//!
//! `config.<key>` selectors test one key of every node's `config`: building each whole config
//! as a `serde_json::Value` to look at one key cost more than reading the manifest.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// The value at `path` (object keys, outermost first) in the JSON text `json`; `None` when a
/// key is missing, a value on the way is not an object, or the text is not JSON. A key written
/// twice holds its last value, as in Python's `json.loads`.
pub fn value_at(json: &str, path: &[&str]) -> Option<Value> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    At { path }.deserialize(&mut deserializer).ok().flatten()
}

struct At<'p> {
    path: &'p [&'p str],
}

impl<'de> DeserializeSeed<'de> for At<'_> {
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        match self.path {
            [] => Value::deserialize(deserializer).map(Some),
            _ => deserializer.deserialize_any(self),
        }
    }
}

impl<'de> Visitor<'de> for At<'_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Some((first, rest)) = self.path.split_first() else {
            return Ok(None);
        };
        let mut found = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == *first {
                found = map.next_value_seed(At { path: rest })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::value_at;
    use serde_json::json;

    #[test]
    fn reads_one_key_path() {
        let config = r#"{"materialized": "table", "meta": {"owner": {"team": "finance"}, "n": 3}, "tags": ["a"]}"#;
        assert_eq!(value_at(config, &["materialized"]), Some(json!("table")));
        assert_eq!(
            value_at(config, &["meta", "owner", "team"]),
            Some(json!("finance"))
        );
        assert_eq!(
            value_at(config, &["meta", "owner"]),
            Some(json!({"team": "finance"}))
        );
        assert_eq!(value_at(config, &["tags"]), Some(json!(["a"])));
        assert_eq!(value_at(config, &["meta", "n", "deeper"]), None);
        assert_eq!(value_at(config, &["tags", "a"]), None);
        assert_eq!(value_at(config, &["missing"]), None);
        assert_eq!(value_at(config, &[]), serde_json::from_str(config).ok());
    }

    #[test]
    fn the_last_of_a_repeated_key_wins_and_bad_json_is_none() {
        assert_eq!(value_at(r#"{"a": 1, "a": 2}"#, &["a"]), Some(json!(2)));
        assert_eq!(
            value_at(r#"{"a": 1, "a": {"b": 2}}"#, &["a", "b"]),
            Some(json!(2))
        );
        assert_eq!(value_at(r#"{"a": "#, &["a"]), None);
        assert_eq!(value_at("null", &["a"]), None);
    }
}
