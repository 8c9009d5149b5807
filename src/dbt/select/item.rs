//! One selector item (`@2+tag:daily+1`): the graph operators, the method and the value.

use std::fmt;

use super::SelectorError;

/// A selection method: what a selector item's value is compared against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Fqn,
    Tag,
    Path,
    File,
    Config,
    ResourceType,
    Source,
    Exposure,
    Metric,
    SemanticModel,
    SavedQuery,
    UnitTest,
    Group,
    Access,
    Version,
    TestName,
    TestType,
    Package,
    /// Needs `--state` artifacts: never resolvable from one manifest.
    State,
    /// Needs `run_results.json`: never resolvable from one manifest.
    Result,
    /// Needs `sources.json`: never resolvable from one manifest.
    SourceStatus,
}

impl Method {
    const ALL: [(&'static str, Method); 21] = [
        ("fqn", Method::Fqn),
        ("tag", Method::Tag),
        ("path", Method::Path),
        ("file", Method::File),
        ("config", Method::Config),
        ("resource_type", Method::ResourceType),
        ("source", Method::Source),
        ("exposure", Method::Exposure),
        ("metric", Method::Metric),
        ("semantic_model", Method::SemanticModel),
        ("saved_query", Method::SavedQuery),
        ("unit_test", Method::UnitTest),
        ("group", Method::Group),
        ("access", Method::Access),
        ("version", Method::Version),
        ("test_name", Method::TestName),
        ("test_type", Method::TestType),
        ("package", Method::Package),
        ("state", Method::State),
        ("result", Method::Result),
        ("source_status", Method::SourceStatus),
    ];

    pub fn parse(name: &str) -> Option<Method> {
        Self::ALL
            .iter()
            .find(|(text, _)| *text == name)
            .map(|(_, method)| *method)
    }

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, method)| *method == self)
            .map_or("fqn", |(text, _)| text)
    }

    /// Methods that compare against a second artifact (state, run results, source freshness).
    pub fn needs_other_artifacts(self) -> bool {
        matches!(self, Method::State | Method::Result | Method::SourceStatus)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// dbt's indirect test selection mode (`--indirect-selection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IndirectSelection {
    #[default]
    Eager,
    Cautious,
    Buildable,
    Empty,
}

impl IndirectSelection {
    pub fn parse(text: &str) -> Option<IndirectSelection> {
        match text.to_ascii_lowercase().as_str() {
            "eager" => Some(IndirectSelection::Eager),
            "cautious" => Some(IndirectSelection::Cautious),
            "buildable" => Some(IndirectSelection::Buildable),
            "empty" => Some(IndirectSelection::Empty),
            _ => None,
        }
    }
}

/// A parsed selector item.
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    pub method: Method,
    /// Dotted arguments after the method (`config.meta.owner` → `["meta", "owner"]`).
    pub method_args: Vec<String>,
    pub value: String,
    /// The value as written in YAML, when it is not a string (`config.*` compares types).
    pub typed_value: Option<serde_json::Value>,
    pub childrens_parents: bool,
    pub parents: bool,
    pub parents_depth: Option<usize>,
    pub children: bool,
    pub children_depth: Option<usize>,
    /// A YAML leaf's own `indirect_selection`, overriding the command's mode.
    pub indirect: Option<IndirectSelection>,
}

impl Criterion {
    /// A plain method/value criterion without graph operators.
    pub fn new(method: Method, method_args: Vec<String>, value: String) -> Self {
        Criterion {
            method,
            method_args,
            value,
            typed_value: None,
            childrens_parents: false,
            parents: false,
            parents_depth: None,
            children: false,
            children_depth: None,
            indirect: None,
        }
    }

    /// Whether the item names this very node, rather than a group it belongs to: its name
    /// (`fct_orders`, `+fct_orders`, `fqn:marts.fct_orders`) or its file (`path:models/
    /// marts/fct_orders.sql`, or a file-name pattern such as `path:models/marts/fct_*`).
    /// A task that names a model means to build it.
    pub fn names(&self, name: &str, file: Option<&str>) -> bool {
        match self.method {
            Method::Fqn => self.value.rsplit('.').next() == Some(name),
            Method::Path | Method::File => {
                let wanted = self.value.trim_end_matches('/');
                let Some(last) = wanted.rsplit('/').next() else {
                    return false;
                };
                // A file name (with its extension, or a pattern over file names), not a folder.
                let names_a_file = last.contains('.') || last.contains('*');
                let Some(file_name) = file.and_then(|f| f.rsplit('/').next()) else {
                    return false;
                };
                names_a_file
                    && globset::Glob::new(last)
                        .map(|glob| glob.compile_matcher())
                        .is_ok_and(|glob| {
                            glob.is_match(file_name)
                                || file_name
                                    .rsplit_once('.')
                                    .is_some_and(|(stem, _)| glob.is_match(stem))
                        })
            }
            _ => false,
        }
    }

    /// Parses one item exactly as dbt's `SelectionCriteria.from_single_spec` does.
    pub fn parse(item: &str) -> Result<Criterion, SelectorError> {
        let mut rest = item;
        let childrens_parents = rest.starts_with('@');
        if childrens_parents {
            rest = &rest[1..];
        }
        // `(\d*)\+` at the start: the parents operator with an optional depth.
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let (parents, parents_depth) = if rest[digits..].starts_with('+') {
            let depth = rest[..digits].parse().ok();
            rest = &rest[digits + 1..];
            (true, depth)
        } else {
            (false, None)
        };
        // `([\w.]+):`: a method, only if everything before the first colon is word chars or dots.
        let mut method_text = None;
        if let Some(colon) = rest.find(':') {
            let head = &rest[..colon];
            if !head.is_empty()
                && head
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
            {
                method_text = Some(head);
                rest = &rest[colon + 1..];
            }
        }
        // `(\+(\d*))?\Z` after a lazy value: the last `+` followed only by digits.
        let (value, children, children_depth) = match rest.rfind('+') {
            Some(plus) if rest[plus + 1..].chars().all(|c| c.is_ascii_digit()) => {
                (&rest[..plus], true, rest[plus + 1..].parse().ok())
            }
            _ => (rest, false, None),
        };
        if childrens_parents && children {
            return Err(SelectorError::invalid(format!(
                "Invalid node spec {item} - \"@\" prefix and \"+\" suffix are incompatible"
            )));
        }
        let (method, method_args) = match method_text {
            Some(text) => {
                let mut parts = text.split('.');
                let name = parts.next().unwrap_or_default();
                let method = Method::parse(name).ok_or_else(|| {
                    SelectorError::invalid(format!("'{name}' is not a valid method name"))
                })?;
                (method, parts.map(str::to_owned).collect())
            }
            None => (default_method(value), Vec::new()),
        };
        Ok(Criterion {
            method,
            method_args,
            value: value.to_owned(),
            typed_value: None,
            childrens_parents,
            parents,
            parents_depth,
            children,
            children_depth,
            indirect: None,
        })
    }
}

/// The method of an item written without one: a path if it contains `/`, a file if it names a
/// `.sql`/`.py`/`.csv` file, otherwise an fqn (dbt on POSIX workers).
fn default_method(value: &str) -> Method {
    let lower = value.to_lowercase();
    if value.contains('/') {
        Method::Path
    } else if [".sql", ".py", ".csv"]
        .iter()
        .any(|ext| lower.ends_with(ext))
    {
        Method::File
    } else {
        Method::Fqn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(item: &str) -> Criterion {
        Criterion::parse(item).unwrap()
    }

    #[test]
    fn operators_and_methods() {
        let c = parse("@2+tag:daily");
        assert!(c.childrens_parents && c.parents);
        assert_eq!(
            (c.method, c.value.as_str(), c.parents_depth),
            (Method::Tag, "daily", Some(2))
        );

        let c = parse("orders+3");
        assert_eq!((c.method, c.value.as_str()), (Method::Fqn, "orders"));
        assert_eq!((c.children, c.children_depth), (true, Some(3)));

        let c = parse("a+1+");
        assert_eq!(
            (c.value.as_str(), c.children, c.children_depth),
            ("a+1", true, None)
        );

        let c = parse("a+b");
        assert_eq!((c.value.as_str(), c.children), ("a+b", false));

        let c = parse("config.meta.owner:alice");
        assert_eq!(c.method, Method::Config);
        assert_eq!(c.method_args, ["meta", "owner"]);

        let c = parse("tag.whatever:daily");
        assert_eq!((c.method, c.value.as_str()), (Method::Tag, "daily"));
    }

    #[test]
    fn default_methods() {
        assert_eq!(parse("models/marts").method, Method::Path);
        assert_eq!(parse("a/b:c").method, Method::Path);
        assert_eq!(parse("a/b:c").value, "a/b:c");
        assert_eq!(parse("orders.SQL").method, Method::File);
        assert_eq!(parse("marts.orders").method, Method::Fqn);
        assert_eq!(parse("2023_orders").value, "2023_orders");
    }

    #[test]
    fn errors_use_dbt_wording() {
        let error = Criterion::parse("foo:bar").unwrap_err();
        assert_eq!(error.message, "'foo' is not a valid method name");
        let error = Criterion::parse("TAG:x").unwrap_err();
        assert_eq!(error.message, "'TAG' is not a valid method name");
        let error = Criterion::parse("@x+").unwrap_err();
        assert!(error.message.contains("incompatible"));
    }
}

#[cfg(test)]
mod names_tests {
    use super::Criterion;

    fn names(item: &str, name: &str, file: &str) -> bool {
        Criterion::parse(item).is_ok_and(|c| c.names(name, Some(file)))
    }

    #[test]
    fn an_item_names_a_node_by_its_name_or_file() {
        let file = "models/gold/base/fato_venda.sql";
        assert!(names("fato_venda", "fato_venda", file));
        assert!(names("+fato_venda+", "fato_venda", file));
        assert!(names("fqn:acme.gold.fato_venda", "fato_venda", file));
        assert!(names(
            "path:models/gold/base/fato_venda.sql",
            "fato_venda",
            file
        ));
        assert!(names("path:models/gold/base/fato_*", "fato_venda", file));
        assert!(names("models/gold/base/fato_venda.sql", "fato_venda", file));
        // Groups the node belongs to do not name it.
        assert!(!names("path:models/gold/base", "fato_venda", file));
        assert!(!names("path:models/gold/base/", "fato_venda", file));
        assert!(!names("tag:daily", "fato_venda", file));
        assert!(!names("fqn:acme.gold", "fato_venda", file));
        assert!(!names("source:crm+", "fato_venda", file));
        assert!(!names("path:models/gold/base/dim_*", "fato_venda", file));
    }
}
