//! The manifest's `macros`: each macro's name, package and where its SQL is in the text. Read
//! in a separate pass, only when a rule needs a macro's code (most runs never do).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

/// A macro as found in the manifest.
#[derive(Debug, Clone)]
pub struct MacroEntry {
    pub name: String,
    pub package: String,
    /// Byte range of `macro_sql` in the manifest text: a JSON string, still escaped.
    pub sql: Range<usize>,
}

#[derive(Deserialize)]
struct RawMacro<'a> {
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    package_name: Cow<'a, str>,
    #[serde(borrow, default)]
    macro_sql: Option<&'a RawValue>,
}

/// Every macro of the manifest held in `text`. A manifest that fails to read here was read
/// once already: an error only means no macros.
pub fn read(text: &[u8]) -> Vec<MacroEntry> {
    let mut found = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let _ = (&mut deserializer).deserialize_map(TopLevel {
        base: text.as_ptr() as usize,
        found: &mut found,
    });
    found
}

struct TopLevel<'f> {
    base: usize,
    found: &'f mut Vec<MacroEntry>,
}

impl<'de> Visitor<'de> for TopLevel<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a dbt manifest object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key != "macros" {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let macros: Option<std::collections::BTreeMap<Cow<'de, str>, RawMacro<'de>>> =
                map.next_value()?;
            for (_, entry) in macros.into_iter().flatten() {
                let Some(sql) = entry.macro_sql else {
                    continue;
                };
                let Some(start) = (sql.get().as_ptr() as usize).checked_sub(self.base) else {
                    continue;
                };
                self.found.push(MacroEntry {
                    name: entry.name.into_owned(),
                    package: entry.package_name.into_owned(),
                    sql: start..start + sql.get().len(),
                });
            }
        }
        Ok(())
    }
}

impl<'de> de::DeserializeSeed<'de> for TopLevel<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_each_macro_and_its_sql() {
        let text = br#"{"nodes": {}, "macros": {"macro.shop.window": {"name": "window", "package_name": "shop", "macro_sql": "{% macro window() %}x{% endmacro %}"}, "macro.dbt.run": {"name": "run", "package_name": "dbt"}}}"#;
        let macros = super::read(text);
        assert_eq!(macros.len(), 1);
        assert_eq!(macros[0].name, "window");
        assert_eq!(
            &text[macros[0].sql.clone()],
            br#""{% macro window() %}x{% endmacro %}""#
        );
    }
}
