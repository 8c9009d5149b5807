//! Where a model sits in the project's layers (staging, intermediate, marts), read from the
//! folder globs and name prefixes the rules' options give.

use std::borrow::Cow;

use globset::{Glob, GlobMatcher};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};

use crate::dbt::graph::Node;

/// A glob over a node's file path relative to its project (`models/staging/**`), checked when
/// the config is read so a typo is an error at its line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PathGlob(String);

impl JsonSchema for PathGlob {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "PathGlob".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        String::json_schema(generator)
    }
}

impl TryFrom<String> for PathGlob {
    type Error = String;

    fn try_from(pattern: String) -> Result<Self, Self::Error> {
        Glob::new(&pattern).map_err(|error| format!("invalid glob `{pattern}`: {error}"))?;
        Ok(PathGlob(pattern))
    }
}

impl From<PathGlob> for String {
    fn from(glob: PathGlob) -> String {
        glob.0
    }
}

impl From<&str> for PathGlob {
    /// For defaults written in the code (valid by construction; an invalid one matches nothing).
    fn from(pattern: &str) -> Self {
        PathGlob(pattern.to_owned())
    }
}

impl PathGlob {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The compiled matcher (`None` only for a pattern that bypassed the config check).
    pub fn matcher(&self) -> Option<GlobMatcher> {
        Glob::new(&self.0).ok().map(|glob| glob.compile_matcher())
    }

    /// The last folder name the pattern spells out (`marts` in `**/marts/**`), to find the
    /// folder's entry in `dbt_project.yml`.
    pub fn folder(&self) -> Option<&str> {
        self.0
            .split('/')
            .rev()
            .find(|part| !part.is_empty() && !part.contains(['*', '?', '[', '{']))
    }
}

/// Compiled globs, each with what the rule attaches to it.
pub struct Globs<'a, T> {
    entries: Vec<(&'a PathGlob, GlobMatcher, T)>,
}

impl<'a, T> Globs<'a, T> {
    pub fn new(entries: impl IntoIterator<Item = (&'a PathGlob, T)>) -> Self {
        Globs {
            entries: entries
                .into_iter()
                .filter_map(|(glob, value)| Some((glob, glob.matcher()?, value)))
                .collect(),
        }
    }

    /// The entry whose glob matches the node's file: the longest pattern when several do (the
    /// most specific folder), the first in order when they are as long.
    pub fn find(&self, node: &Node) -> Option<(&'a PathGlob, &T)> {
        let file = node.file.as_deref()?;
        self.entries
            .iter()
            .filter(|(_, matcher, _)| matcher.is_match(file))
            .max_by(|a, b| {
                a.0.as_str()
                    .len()
                    .cmp(&b.0.as_str().len())
                    .then(b.0.cmp(a.0))
            })
            .map(|(glob, _, value)| (*glob, value))
    }

    /// Whether any glob matches the node's file.
    pub fn matches(&self, node: &Node) -> bool {
        self.find(node).is_some()
    }
}

/// Whether a name starts with one of the prefixes.
pub fn has_prefix(name: &str, prefixes: &[String]) -> bool {
    prefixes
        .iter()
        .any(|prefix| name.starts_with(prefix.as_str()))
}

/// Prefixes as prose: "`fct_` or `dim_`".
pub fn prefixes_text(prefixes: &[String]) -> String {
    let quoted: Vec<String> = prefixes.iter().map(|p| format!("`{p}`")).collect();
    match quoted.as_slice() {
        [] => "a prefix".to_owned(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}
