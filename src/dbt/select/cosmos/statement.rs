//! One `select`/`exclude` element as Cosmos reads it: `validate_filters` and `SelectorConfig`
//! (split on `,` only, one list per method) with `GraphSelector` for items with operators.

use super::{CosmosErrorKind, CosmosSelectError};
use crate::dbt::select::Side;

/// Prefixes `validate_filters` lets through (besides any element containing `+`).
const ACCEPTED_PREFIXES: [&str; 8] = [
    "path:",
    "tag:",
    "fqn:",
    "resource_type:",
    "exclude_resource_type:",
    "source:",
    "exposure:",
    "package:",
];

/// The `config.<key>` keys Cosmos reads (`SUPPORTED_CONFIG`); `meta` also covers `meta.<path>`.
const CONFIG_KEYS: [&str; 4] = ["materialized", "schema", "tags", "meta"];

/// `validate_filters`: an element with a `:` must start with a method Cosmos knows, unless it
/// holds a `+` anywhere. Only the start is checked: `tag:a,file:b` passes.
pub fn validate(element: &str, side: Side) -> Result<(), CosmosSelectError> {
    let config_ok = CONFIG_KEYS.iter().any(|key| {
        element
            .strip_prefix("config.")
            .is_some_and(|rest| rest.starts_with(key))
    });
    if ACCEPTED_PREFIXES.iter().any(|p| element.starts_with(p))
        || element.contains('+')
        || config_ok
        || !element.contains(':')
    {
        return Ok(());
    }
    let side = match side {
        Side::Select => "select",
        Side::Exclude => "exclude",
    };
    Err(CosmosSelectError::new(
        CosmosErrorKind::UnsupportedMethod,
        format!("Invalid {side} filter: {element}"),
    ))
}

/// How far a graph operator walks: `Some(0)` not at all, `None` without limit.
pub type Depth = Option<usize>;

/// An item with graph operators, or one Cosmos can only look up by node name
/// (`GraphSelector`).
#[derive(Debug, Clone)]
pub struct GraphItem {
    /// The item without its operators; `path:` is prepended when it holds a `/`.
    pub name: String,
    pub parents: Depth,
    pub children: Depth,
    /// `@`: every descendant, then every ancestor of those and of the roots.
    pub at: bool,
}

impl GraphItem {
    /// `GraphSelector.parse`. `None` for an item the operator regex does not match (a `+` in
    /// the value, a lone `+`, ...), which Cosmos silently drops.
    pub fn parse(item: &str) -> Option<GraphItem> {
        let (precursors, name, descendants) = operators(item)?;
        let name = if name.contains('/') && !name.starts_with("path:") {
            format!("path:{name}")
        } else {
            name.to_owned()
        };
        let at = precursors == Some("@");
        let depth = |digits: &str| -> Depth {
            // Python's int() has no upper bound: a huge depth walks the whole graph.
            Some(digits.parse::<usize>().unwrap_or(usize::MAX))
        };
        let parents = match precursors {
            Some("@") | Some("+") => None,
            Some(text) => depth(text.trim_end_matches('+')),
            None => Some(0),
        };
        let children = match descendants {
            _ if at => None,
            Some("+") => None,
            Some(text) => depth(text.trim_start_matches('+')),
            None => Some(0),
        };
        Some(GraphItem {
            name,
            parents,
            children,
            at,
        })
    }
}

/// Cosmos' `^(@|[0-9]*\+)?([^\+]+)(\+[0-9]*)?$`: precursors, node name, descendants.
fn operators(item: &str) -> Option<(Option<&str>, &str, Option<&str>)> {
    // The rest after the optional prefix: a name without `+`, then an optional `+` and digits.
    let rest = |text: &str| -> Option<(usize, Option<usize>)> {
        let name_end = text.find('+').unwrap_or(text.len());
        if name_end == 0 {
            return None;
        }
        let tail = &text[name_end..];
        match tail.strip_prefix('+') {
            None => Some((name_end, None)),
            Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => {
                Some((name_end, Some(name_end)))
            }
            Some(_) => None,
        }
    };
    let split = |prefix_len: usize| {
        let text = &item[prefix_len..];
        rest(text).map(|(name_end, plus)| {
            let precursors = (prefix_len > 0).then(|| &item[..prefix_len]);
            let name = &text[..name_end];
            let descendants = plus.map(|at| &text[at..]);
            (precursors, name, descendants)
        })
    };
    // The regex tries the prefix first and backtracks to no prefix.
    let digits = item.len() - item.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let prefix_len = if item.starts_with('@') {
        Some(1)
    } else if item[digits..].starts_with('+') {
        Some(digits + 1)
    } else {
        None
    };
    prefix_len.and_then(split).or_else(|| split(0))
}

/// What one element selects on, per method, as Cosmos' `SelectorConfig` stores it. Items of the
/// same method are OR-ed (any path, any fqn, ...) except tags (all of them) and graph items
/// (every one's nodes); different methods are AND-ed.
#[derive(Debug, Default)]
pub struct Statement {
    /// The element as written, for messages.
    pub element: String,
    /// `path:` values with trailing `*` stripped, still relative to the project folder.
    pub paths: Vec<String>,
    pub tags: Vec<String>,
    pub fqns: Vec<String>,
    /// `config.<key>:<value>`, a dict: a later value of the same key replaces the earlier one.
    pub config: Vec<(String, String)>,
    pub graph: Vec<GraphItem>,
    pub sources: Vec<String>,
    pub exposures: Vec<String>,
    pub packages: Vec<String>,
    /// Bare names (no `: / + @ .`): a package, a node name or any folder of the file path.
    pub bare: Vec<String>,
    pub resource_types: Vec<String>,
    pub exclude_resource_types: Vec<String>,
}

impl Statement {
    /// `SelectorConfig.load_from_statement`.
    pub fn parse(element: &str) -> Result<Statement, CosmosSelectError> {
        let mut statement = Statement {
            element: element.to_owned(),
            ..Statement::default()
        };
        for item in element.split(',') {
            let Some((precursors, _, descendants)) = operators(item) else {
                // The regex's empty alternative matched: Cosmos ignores the item.
                continue;
            };
            if precursors.is_some() || descendants.is_some() {
                statement.graph.extend(GraphItem::parse(item));
            } else {
                statement.plain(item, element)?;
            }
        }
        Ok(statement)
    }

    /// Whether nothing was read: Cosmos then selects every node (`SelectorConfig.is_empty`).
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
            && self.tags.is_empty()
            && self.fqns.is_empty()
            && self.config.is_empty()
            && self.graph.is_empty()
            && self.sources.is_empty()
            && self.exposures.is_empty()
            && self.packages.is_empty()
            && self.bare.is_empty()
            && self.resource_types.is_empty()
            && self.exclude_resource_types.is_empty()
    }

    /// `_handle_no_precursors_or_descendants`: an item without graph operators.
    fn plain(&mut self, item: &str, element: &str) -> Result<(), CosmosSelectError> {
        let trimmed = |prefix: &str| item[prefix.len()..].trim().to_owned();
        if let Some(value) = item.strip_prefix("path:") {
            self.paths.push(value.trim_end_matches('*').to_owned());
        } else if let Some(value) = item.strip_prefix("tag:") {
            self.tags.push(value.to_owned());
        } else if let Some(rest) = item.strip_prefix("config.") {
            let (key, value) = config_pair(rest, element)?;
            if CONFIG_KEYS[..3].contains(&key) || key.starts_with("meta") {
                match self.config.iter_mut().find(|(k, _)| k == key) {
                    Some(entry) => entry.1 = value.to_owned(),
                    None => self.config.push((key.to_owned(), value.to_owned())),
                }
            }
            // Any other key is dropped without a word.
        } else if item.starts_with("source:") {
            self.sources.push(trimmed("source:"));
        } else if item.starts_with("exposure:") {
            self.exposures.push(trimmed("exposure:"));
        } else if item.starts_with("package:") {
            let package = trimmed("package:");
            if package.is_empty() {
                return Err(CosmosSelectError::new(
                    CosmosErrorKind::EmptyPackage,
                    format!("package: selector requires a non-empty package name (in `{element}`)"),
                ));
            }
            self.packages.push(package);
        } else if item.starts_with("resource_type:") {
            self.resource_types.push(trimmed("resource_type:"));
        } else if item.starts_with("exclude_resource_type:") {
            self.exclude_resource_types
                .push(trimmed("exclude_resource_type:"));
        } else if item.starts_with("fqn:") {
            self.fqns.push(trimmed("fqn:"));
        } else if item.contains('/') {
            self.paths.push(item.trim_end_matches('*').to_owned());
        } else if !item.contains([':', '/', '+', '@', '.']) {
            let name = item.trim();
            if !name.is_empty() {
                self.bare.push(name.to_owned());
            }
        } else {
            // A dotted name, or an unknown method that passed validation (`tag:a,file:b`):
            // Cosmos looks it up as a node name.
            self.graph.extend(GraphItem::parse(item));
        }
        Ok(())
    }
}

/// `key, value = text.split(":")`: exactly one `:`, or Python raises `ValueError`.
pub fn config_pair<'a>(
    text: &'a str,
    element: &str,
) -> Result<(&'a str, &'a str), CosmosSelectError> {
    let mut parts = text.split(':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(key), Some(value), None) => Ok((key, value)),
        _ => Err(CosmosSelectError::new(
            CosmosErrorKind::Malformed,
            format!(
                "Cosmos cannot read `{element}`: a `config.` item needs exactly one `:` (Cosmos raises ValueError)"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_regex() {
        assert_eq!(operators("orders"), Some((None, "orders", None)));
        assert_eq!(
            operators("2+tag:x+3"),
            Some((Some("2+"), "tag:x", Some("+3")))
        );
        assert_eq!(operators("@a+"), Some((Some("@"), "a", Some("+"))));
        // A `+` inside the value: the regex fails and Cosmos drops the item.
        assert_eq!(operators("tag:a+tag:b"), None);
        assert_eq!(operators("+"), None);
        // `@` alone: no prefix fits, so `@` is the name.
        assert_eq!(operators("@"), Some((None, "@", None)));
    }

    #[test]
    fn depths() {
        let item = GraphItem::parse("3+models/marts+").unwrap();
        assert_eq!(item.name, "path:models/marts");
        assert_eq!((item.parents, item.children), (Some(3), None));
        let item = GraphItem::parse("@orders").unwrap();
        assert!(item.at);
        assert_eq!((item.parents, item.children), (None, None));
    }

    #[test]
    fn validation_checks_only_the_start() {
        assert!(validate("tag:a,file:b", Side::Select).is_ok());
        assert!(validate("+file:b", Side::Select).is_ok());
        assert!(validate("config.metadata:x", Side::Select).is_ok());
        let error = validate("@tag:daily", Side::Exclude).unwrap_err();
        assert_eq!(error.message, "Invalid exclude filter: @tag:daily");
    }

    #[test]
    fn one_list_per_method() {
        let statement = Statement::parse("tag:a tag:b,orders,config.alias:x").unwrap();
        assert_eq!(statement.tags, ["a tag:b"]);
        assert_eq!(statement.bare, ["orders"]);
        assert!(statement.config.is_empty());
        assert!(Statement::parse("tag:a+tag:b").unwrap().is_empty());
        let error = Statement::parse("config.meta.a:b:c").unwrap_err();
        assert_eq!(error.kind, CosmosErrorKind::Malformed);
    }
}
