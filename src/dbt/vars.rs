//! dbt vars passed to a call: `--vars '{...}'` (YAML or JSON) or a Python dict.

use crate::source::Span;
use crate::yaml;

/// The vars one dbt call receives.
#[derive(Debug, Clone)]
pub struct Vars {
    /// Where the vars are written (the `--vars` argument or the dict).
    pub span: Span,
    pub entries: Vec<VarEntry>,
    /// Why the vars could not be read, if they could not.
    pub problem: Option<String>,
}

/// One var: its name and its value as text (Jinja templates kept as written).
#[derive(Debug, Clone)]
pub struct VarEntry {
    pub key: String,
    pub value: String,
    pub span: Span,
}

impl Vars {
    pub fn new(span: Span, entries: Vec<VarEntry>) -> Self {
        Vars {
            span,
            entries,
            problem: None,
        }
    }

    /// Reads a `--vars` argument. Jinja (`{{ data_interval_start | ds }}`) is masked before
    /// parsing, since `{` and `|` would otherwise be read as YAML.
    pub fn from_cli_text(text: &str, span: Span) -> Self {
        let (masked, templates) = mask_jinja(text);
        let parsed: Result<yaml::Value, _> = yaml::from_str(&masked);
        let mapping = match parsed {
            Ok(yaml::Value::Mapping(mapping)) => mapping,
            Ok(yaml::Value::Null) => Default::default(),
            Ok(_) => {
                return Vars {
                    span,
                    entries: Vec::new(),
                    problem: Some("`--vars` is not a mapping of names to values".to_owned()),
                };
            }
            Err(error) => {
                return Vars {
                    span,
                    entries: Vec::new(),
                    problem: Some(format!("`--vars` is not valid YAML: {}", error.message)),
                };
            }
        };
        let entries = mapping
            .iter()
            .map(|(key, value)| VarEntry {
                key: unmask(&yaml::to_compact_string(key), &templates),
                value: unmask(&yaml::to_compact_string(value), &templates),
                span: span.clone(),
            })
            .collect();
        Vars::new(span, entries)
    }

    pub fn get(&self, key: &str) -> Option<&VarEntry> {
        self.entries.iter().find(|entry| entry.key == key)
    }
}

const MASK_PREFIX: &str = "__monolint_jinja_";

/// Replaces every `{{ ... }}` with a placeholder; returns the text and the templates.
fn mask_jinja(text: &str) -> (String, Vec<String>) {
    let mut masked = String::with_capacity(text.len());
    let mut templates = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        let end = start + len + 2;
        masked.push_str(&rest[..start]);
        masked.push_str(&format!("{MASK_PREFIX}{}__", templates.len()));
        templates.push(rest[start..end].to_owned());
        rest = &rest[end..];
    }
    masked.push_str(rest);
    (masked, templates)
}

fn unmask(text: &str, templates: &[String]) -> String {
    let mut out = text.to_owned();
    for (i, template) in templates.iter().enumerate().rev() {
        out = out.replace(&format!("{MASK_PREFIX}{i}__"), template);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn span() -> Span {
        SourceFile::new("t.py", "x").first_line_span()
    }

    #[test]
    fn reads_json_and_yaml_with_jinja() {
        let vars = Vars::from_cli_text(
            r#"{"start_date": "{{ data_interval_start | ds }}", "end_date": "{{ data_interval_end | ds }}", "n": 3}"#,
            span(),
        );
        assert!(vars.problem.is_none());
        assert_eq!(
            vars.get("start_date").unwrap().value,
            "{{ data_interval_start | ds }}"
        );
        assert_eq!(vars.get("n").unwrap().value, "3");

        let vars = Vars::from_cli_text("{run_date: {{ ds }}, full: true}", span());
        assert_eq!(vars.get("run_date").unwrap().value, "{{ ds }}");
        assert_eq!(vars.get("full").unwrap().value, "true");

        let vars = Vars::from_cli_text("start: '{{ ds }}'", span());
        assert_eq!(vars.get("start").unwrap().value, "{{ ds }}");
    }

    #[test]
    fn reports_unreadable_vars() {
        assert!(Vars::from_cli_text("[1, 2]", span()).problem.is_some());
        assert!(Vars::from_cli_text("{a: [", span()).problem.is_some());
    }
}
