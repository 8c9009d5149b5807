//! dbt's rendering of the Jinja in `selectors.yml`, which dbt renders before it reads the
//! selectors, with the context of its project files: `env_var(name, default)` from the
//! environment and `var(name, default)` from the call's `--vars` only (project vars are not
//! in that context). Anything else stays unknown: the selector is not statically known.

use serde_json::Value;

use super::vars::Vars;

/// What rendering sees: the call's `--vars` and the environment.
pub struct RenderContext<'a> {
    pub cli_vars: Option<&'a Vars>,
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

impl RenderContext<'_> {
    /// The process environment, and no `--vars`.
    pub fn environment() -> RenderContext<'static> {
        RenderContext {
            cli_vars: None,
            env: &|name| std::env::var(name).ok(),
        }
    }
}

/// Whether any string of `value` holds Jinja.
pub fn has_jinja(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains("{{") || text.contains("{%"),
        Value::Array(items) => items.iter().any(has_jinja),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains("{{") || has_jinja(v)),
        _ => false,
    }
}

/// Renders every string of `value`. `Err` says why a string cannot be known statically.
pub fn render_value(value: &Value, context: &RenderContext) -> Result<Value, String> {
    Ok(match value {
        Value::String(text) => Value::String(render(text, context)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| render_value(item, context))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| Ok((render(key, context)?, render_value(value, context)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

/// Renders `{{ ... }}` expressions of one string.
pub fn render(text: &str, context: &RenderContext) -> Result<String, String> {
    if text.contains("{%") || text.contains("{#") {
        return Err(format!("`{text}` holds a Jinja statement"));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(length) = rest[start..].find("}}") else {
            return Err(format!("`{text}` holds an unclosed `{{{{`"));
        };
        let expression = rest[start + 2..start + length].trim();
        out.push_str(&expression_value(expression, context)?);
        rest = &rest[start + length + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `env_var('X', 'default')`, `var('x', 'default')` or a string literal.
fn expression_value(expression: &str, context: &RenderContext) -> Result<String, String> {
    if let Some(literal) = string_literal(expression) {
        return Ok(literal);
    }
    let unknown = || format!("the Jinja expression `{{{{ {expression} }}}}`");
    let (function, arguments) = expression
        .strip_suffix(')')
        .and_then(|call| call.split_once('('))
        .ok_or_else(unknown)?;
    let arguments: Vec<String> = split_arguments(arguments)
        .into_iter()
        .map(|argument| string_literal(argument.trim()).ok_or_else(unknown))
        .collect::<Result<_, _>>()?;
    let (name, default) = match arguments.as_slice() {
        [name] => (name.as_str(), None),
        [name, default] => (name.as_str(), Some(default.clone())),
        _ => return Err(unknown()),
    };
    match function.trim() {
        "env_var" => (context.env)(name).or(default).ok_or_else(|| {
            format!("`env_var('{name}')` has no default and is not set where monolint runs")
        }),
        "var" => context
            .cli_vars
            .and_then(|vars| vars.get(name))
            .map(|entry| entry.value.clone())
            .or(default)
            .ok_or_else(|| {
                format!("`var('{name}')` has no default and the call's `--vars` do not set it")
            }),
        _ => Err(unknown()),
    }
}

/// `'text'` or `"text"`, without escapes.
fn string_literal(text: &str) -> Option<String> {
    let quote = text.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let inner = text.strip_prefix(quote)?.strip_suffix(quote)?;
    (!inner.contains(quote) && !inner.contains('\\')).then(|| inner.to_owned())
}

/// Splits call arguments on commas outside quotes.
fn split_arguments(arguments: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (at, c) in arguments.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, ',') => {
                parts.push(&arguments[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&arguments[start..]);
    parts.retain(|part| !part.trim().is_empty());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dbt::vars::Vars;
    use crate::source::{SourceFile, Span};

    #[test]
    fn env_var_and_var_as_dbt_renders_selectors() {
        let env = |name: &str| (name == "DBT_SCHEMA").then(|| "analytics".to_owned());
        let file = SourceFile::new("dags/d.py", "x");
        let vars = Vars::from_cli_text("{layer: marts}", Span::new(file, 0..1));
        let context = RenderContext {
            cli_vars: Some(&vars),
            env: &env,
        };
        let render = |text| render(text, &context);
        assert_eq!(
            render("config.schema:{{ env_var('DBT_SCHEMA') }}").unwrap(),
            "config.schema:analytics"
        );
        assert_eq!(
            render("tag:{{ env_var(\"DBT_TAG\", \"daily\") }}").unwrap(),
            "tag:daily"
        );
        assert_eq!(
            render("path:models/{{ var('layer') }}").unwrap(),
            "path:models/marts"
        );
        assert_eq!(render("tag:{{ var('other', 'x') }}").unwrap(), "tag:x");
        assert!(render("{{ env_var('DBT_DATABASE') }}").is_err());
        assert!(render("{{ var('missing') }}").is_err());
        assert!(render("{{ target.name }}").is_err());
        assert!(render("{% if x %}a{% endif %}").is_err());
        assert_eq!(render("tag:plain").unwrap(), "tag:plain");
    }
}
