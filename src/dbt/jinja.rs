//! Just enough of dbt's Jinja to read a model's SQL: the `{% if is_incremental() %}` blocks,
//! the `var(...)` calls (with their defaults) and the macros called. Not a template engine.

use std::borrow::Cow;
use std::ops::Range;

/// Whether a config value is Jinja dbt renders (`"{{ target.name == 'prod' }}"`), in a
/// string or in one nested in it.
pub fn is_jinja(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::String(text) => text.contains("{{") || text.contains("{%"),
        Value::Array(items) => items.iter().any(is_jinja),
        Value::Object(map) => map.values().any(is_jinja),
        _ => false,
    }
}

/// Where `needle` first occurs in `haystack`: `str::find` with a string needle is several
/// times slower, and every model's SQL is searched many times.
fn find(haystack: &str, needle: &str) -> Option<usize> {
    memchr::memmem::find(haystack.as_bytes(), needle.as_bytes())
}

/// Whether some `{{ ... }}` expression in `value` (a var's value as an Airflow template)
/// uses a word for which `is_variable` holds: `{{ data_interval_start | ds }}` uses
/// `data_interval_start`.
pub fn uses_template_variable(value: &str, is_variable: impl Fn(&str) -> bool) -> bool {
    value
        .split("{{")
        .skip(1)
        .filter_map(|part| part.split_once("}}").map(|(inside, _)| inside))
        .any(|expression| {
            expression
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(&is_variable)
        })
}

/// A `{% ... %}` tag: its byte range and its inner statement text.
struct Tag<'a> {
    range: Range<usize>,
    statement: &'a str,
}

fn tags(code: &str) -> impl Iterator<Item = Tag<'_>> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = at + find(code.get(at..)?, "{%")?;
        let end = start + find(&code[start..], "%}")? + 2;
        at = end;
        let inner = code[start + 2..end - 2]
            .trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace());
        Some(Tag {
            range: start..end,
            statement: inner,
        })
    })
}

/// The byte ranges of the bodies of `{% if is_incremental() %}` blocks (up to the matching
/// `{% else %}`, `{% elif %}` or `{% endif %}`).
pub fn incremental_blocks(code: &str) -> Vec<Range<usize>> {
    let mut blocks = Vec::new();
    let mut depth = 0usize;
    let mut open: Option<(usize, usize)> = None; // (body start, depth of its `if`)
    for tag in tags(code) {
        let keyword = tag.statement.split_whitespace().next().unwrap_or_default();
        match keyword {
            "if" => {
                depth += 1;
                let condition: String = tag.statement[2..]
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                if open.is_none() && condition.starts_with("is_incremental()") {
                    open = Some((tag.range.end, depth));
                }
            }
            "elif" | "else" => {
                if let Some((start, level)) = open
                    && level == depth
                {
                    blocks.push(start..tag.range.start);
                    open = None;
                }
            }
            "endif" => {
                if let Some((start, level)) = open
                    && level == depth
                {
                    blocks.push(start..tag.range.start);
                    open = None;
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    blocks
}

/// `code` with its Jinja comments (`{# ... #}`) blanked out, byte offsets kept (borrowed when
/// it has none, as most models).
pub fn strip_comments(code: &str) -> Cow<'_, str> {
    if find(code, "{#").is_none() {
        return Cow::Borrowed(code);
    }
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(start) = find(rest, "{#") {
        out.push_str(&rest[..start]);
        let Some(len) = find(&rest[start..], "#}") else {
            out.extend(
                rest[start..]
                    .chars()
                    .map(|c| if c == '\n' { c } else { ' ' }),
            );
            return Cow::Owned(out);
        };
        let comment = &rest[start..start + len + 2];
        out.extend(comment.chars().map(|c| if c == '\n' { c } else { ' ' }));
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// A `var(...)` call: the name, its default as written, and the range of the name.
#[derive(Debug, Clone, PartialEq)]
pub struct VarCall {
    pub name: String,
    pub default: Option<VarDefault>,
    pub range: Range<usize>,
}

/// The default of a `var(name, default)` call (or a `vars:` entry of `dbt_project.yml`).
#[derive(Debug, Clone, PartialEq)]
pub enum VarDefault {
    /// A string literal, unquoted.
    Text(String),
    /// A number, a boolean or `none`.
    Scalar(String),
    /// Anything else: computed when the model renders.
    Expression(String),
}

/// Every `var(...)` call in `code`, with its default when it has one.
pub fn var_calls(code: &str) -> Vec<VarCall> {
    vars_read(code)
        .into_iter()
        .map(|(name, range)| {
            let after_name = range.end + 1;
            let default = code.get(after_name..).and_then(default_argument);
            VarCall {
                name,
                default,
                range,
            }
        })
        .collect()
}

/// Reads `, default)` after a var's quoted name.
fn default_argument(rest: &str) -> Option<VarDefault> {
    let rest = rest.trim_start().strip_prefix(',')?.trim_start();
    if let Some(quote) = rest.chars().next().filter(|c| *c == '\'' || *c == '"') {
        let inner = &rest[1..];
        let end = inner.find(quote)?;
        return Some(VarDefault::Text(inner[..end].to_owned()));
    }
    // Up to the call's closing parenthesis, at depth 0.
    let mut depth = 0usize;
    let mut end = rest.len();
    for (index, c) in rest.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' if depth == 0 => {
                end = index;
                break;
            }
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    let written = rest[..end].trim();
    let scalar = written.parse::<f64>().is_ok()
        || matches!(
            written.to_ascii_lowercase().as_str(),
            "true" | "false" | "none"
        );
    Some(if scalar {
        VarDefault::Scalar(written.to_owned())
    } else {
        VarDefault::Expression(written.to_owned())
    })
}

/// Words that are not macros when called in Jinja: dbt's context and Jinja's own.
const NOT_MACROS: &[&str] = &[
    "ref",
    "source",
    "var",
    "env_var",
    "config",
    "is_incremental",
    "return",
    "log",
    "print",
    "range",
    "dict",
    "list",
    "set",
    "zip",
    "exceptions",
    "adapter",
    "run_query",
    "statement",
    "load_result",
    "fromjson",
    "tojson",
    "fromyaml",
    "toyaml",
    "caller",
    "super",
    "loop",
    "modules",
    "this",
    "target",
    "graph",
    "builtins",
    "do",
    "namespace",
    "lower",
    "upper",
    "format",
    "replace",
    "strftime",
    "timedelta",
    "now",
    "utcnow",
    "date",
    "datetime",
    "join",
    "split",
    "strip",
    "items",
    "keys",
    "values",
    "get",
    "append",
    "extend",
    "update",
    "render",
    "api",
    "local_md5",
    "zip_strict",
    "set_strict",
    "select",
    "filter",
    "map",
    "selectattr",
];

/// Jinja's own words, which a parenthesis may follow (`{% if (a or b) %}`).
const JINJA_KEYWORDS: &[&str] = &[
    "if", "elif", "else", "for", "in", "not", "and", "or", "is", "set", "macro", "call", "with",
    "import", "from", "as", "return", "do",
];

/// The macros `code` calls inside `{{ }}` and `{% %}`: `(namespace, name)` for
/// `name(...)` and `pkg.name(...)`, each once, in order.
pub fn macro_calls(code: &str) -> Vec<(Option<String>, String)> {
    macro_calls_in(jinja_expressions(code))
}

/// The macros called in the insides of `{{ }}` and `{% %}` blocks (see [`macro_calls`]).
pub fn macro_calls_in<'c>(
    expressions: impl Iterator<Item = &'c str>,
) -> Vec<(Option<String>, String)> {
    let mut found: Vec<(Option<String>, String)> = Vec::new();
    for expression in expressions {
        let bytes = expression.as_bytes();
        let mut index = 0;
        while index < bytes.len() {
            let c = bytes[index];
            if !(c.is_ascii_alphabetic() || c == b'_') || (index > 0 && is_word(bytes[index - 1])) {
                index += 1;
                continue;
            }
            let start = index;
            while index < bytes.len() && (is_word(bytes[index]) || bytes[index] == b'.') {
                index += 1;
            }
            let path = &expression[start..index];
            // Jinja allows space before the parenthesis (`macro_name (...)`).
            let mut paren = index;
            while bytes.get(paren).is_some_and(|b| b.is_ascii_whitespace()) {
                paren += 1;
            }
            let keyword = paren > index && JINJA_KEYWORDS.contains(&path);
            if bytes.get(paren) != Some(&b'(') || path.ends_with('.') || keyword {
                continue;
            }
            let (namespace, name) = match path.rsplit_once('.') {
                // Methods of values (`x.strftime(...)`) and of dbt objects (`adapter.x`)
                // are not macros; `pkg.macro(...)` is, when `pkg` is a single word.
                Some((namespace, name)) if !namespace.contains('.') => (Some(namespace), name),
                Some(_) => continue,
                None => (None, path),
            };
            let builtin = NOT_MACROS.contains(&name)
                || namespace.is_some_and(|n| NOT_MACROS.contains(&n) || n == "dbt");
            let call = (namespace.map(str::to_owned), name.to_owned());
            if !builtin && !found.contains(&call) {
                found.push(call);
            }
        }
    }
    found
}

fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// The inside of every `{{ ... }}` and `{% ... %}`.
fn jinja_expressions(code: &str) -> impl Iterator<Item = &str> {
    jinja_blocks(code).map(|block| &code[block.inner])
}

/// A `{{ ... }}` expression or a `{% ... %}` statement of a template.
#[derive(Debug, Clone, PartialEq)]
pub struct JinjaBlock {
    pub is_statement: bool,
    /// The byte range of its inside, delimiters left out.
    pub inner: Range<usize>,
}

/// Every `{{ ... }}` and `{% ... %}` of `code`, in order.
pub fn jinja_blocks(code: &str) -> impl Iterator<Item = JinjaBlock> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let rest = code.get(at..)?.as_bytes();
        let (open, close) =
            memchr::memchr_iter(b'{', rest).find_map(|i| match rest.get(i + 1) {
                Some(b'{') => Some((i, "}}")),
                Some(b'%') => Some((i, "%}")),
                _ => None,
            })?;
        let start = at + open + 2;
        let end = start + block_end(&code[start..], close)?;
        at = end + 2;
        Some(JinjaBlock {
            is_statement: close == "%}",
            inner: start..end,
        })
    })
}

/// Where a block's closing delimiter is in `rest`: the first one outside strings and brackets,
/// as Jinja's lexer balances them (`{{ config(meta={'a': {'b': 1}}) }}`); else, when the
/// brackets never balance, the first one.
fn block_end(rest: &str, close: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    let close_first = close.as_bytes().first().copied();
    let mut depth = 0usize;
    let mut i = 0;
    // From one byte that matters to the next: most of a block is names and spaces.
    while let Some(offset) =
        (bytes.get(i..)).and_then(|tail| tail.iter().position(|&b| STOPS[usize::from(b)]))
    {
        i += offset;
        let b = bytes[i];
        match b {
            b'\'' | b'"' => match string_end(bytes, i + 1, b) {
                Some(end) => i = end,
                // A string never closed: the brackets never balance.
                None => break,
            },
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth > 0 => depth -= 1,
            _ if depth == 0
                && Some(b) == close_first
                && bytes[i..].starts_with(close.as_bytes()) =>
            {
                return Some(i);
            }
            _ => {}
        }
        i += 1;
    }
    find(rest, close)
}

/// The bytes [`block_end`] looks at: quotes, brackets, and the first byte of `%}`.
const STOPS: [bool; 256] = {
    let mut stops = [false; 256];
    let special = b"'\"([{)]}%";
    let mut i = 0;
    while i < special.len() {
        stops[special[i] as usize] = true;
        i += 1;
    }
    stops
};

/// Where the string literal whose text starts at `from` ends: its closing `quote`, a
/// backslash escaping the byte after it.
fn string_end(bytes: &[u8], mut from: usize, quote: u8) -> Option<usize> {
    loop {
        let offset = memchr::memchr2(quote, b'\\', bytes.get(from..)?)?;
        if bytes[from + offset] == quote {
            return Some(from + offset);
        }
        from += offset + 2;
    }
}

/// The names read with `var('name')` (or `var("name", default)`) in `code`, with the byte
/// range of each call's name.
pub fn vars_read(code: &str) -> Vec<(String, Range<usize>)> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = find(&code[at..], "var") {
        let start = at + offset;
        at = start + 3;
        let preceded_by_word = code[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.');
        if preceded_by_word {
            continue;
        }
        let rest = code[at..].trim_start();
        let Some(rest) = rest.strip_prefix('(') else {
            continue;
        };
        let rest_trimmed = rest.trim_start();
        let Some(quote) = rest_trimmed
            .chars()
            .next()
            .filter(|c| *c == '\'' || *c == '"')
        else {
            continue;
        };
        let name_start = code.len() - rest_trimmed.len() + 1;
        let Some(len) = code[name_start..].find(quote) else {
            continue;
        };
        found.push((
            code[name_start..name_start + len].to_owned(),
            name_start..name_start + len,
        ));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `block_end` as Jinja's lexer reads a block, one byte at a time.
    fn block_end_bytewise(rest: &str, close: &str) -> Option<usize> {
        let bytes = rest.as_bytes();
        let (mut depth, mut quote, mut i) = (0usize, None, 0);
        while i < bytes.len() {
            let b = bytes[i];
            match quote {
                Some(_) if b == b'\\' => i += 1,
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None => match b {
                    b'\'' | b'"' => quote = Some(b),
                    b'(' | b'[' | b'{' => depth += 1,
                    b')' | b']' | b'}' if depth > 0 => depth -= 1,
                    _ if depth == 0 && bytes[i..].starts_with(close.as_bytes()) => return Some(i),
                    _ => {}
                },
            }
            i += 1;
        }
        find(rest, close)
    }

    #[test]
    fn block_ends_where_the_bytewise_lexer_ends_it() {
        let cases = [
            " config(meta={'a': {'b': 1}}) }} rest }}",
            " 'a}}b' }}",
            " \"x\\\"}}\" }} tail",
            " ref('it\\'s') }}",
            " set x = [1, 2 %} y %}",
            " (unbalanced }} more }}",
            " 'never closed }}",
            " 'escape at the end\\",
            "",
            " } }}",
        ];
        for case in cases {
            for close in ["}}", "%}"] {
                assert_eq!(
                    block_end(case, close),
                    block_end_bytewise(case, close),
                    "{case:?} {close}"
                );
            }
        }
        // Every string of a few of the bytes that matter, and one that does not.
        let alphabet = [b'\'', b'"', b'\\', b'(', b')', b'{', b'}', b'%', b'x'];
        let mut text = Vec::new();
        for mut n in 0..alphabet.len().pow(6) {
            text.clear();
            for _ in 0..6 {
                text.push(alphabet[n % alphabet.len()]);
                n /= alphabet.len();
            }
            let text = std::str::from_utf8(&text).unwrap();
            for close in ["}}", "%}"] {
                assert_eq!(
                    block_end(text, close),
                    block_end_bytewise(text, close),
                    "{text:?} {close}"
                );
            }
        }
    }

    #[test]
    fn finds_incremental_blocks_and_vars() {
        let sql = r#"select * from x
{%- if is_incremental() %}
  {% if var('full', false) %}{% endif %}
  where ts >= '{{ var("start_date") }}' and ts < '{{var('end_date', '2024-01-02')}}'
{% else %}
  where ts >= '{{ var("backfill_from") }}'
{% endif %}"#;
        let blocks = incremental_blocks(sql);
        assert_eq!(blocks.len(), 1);
        let names: Vec<String> = vars_read(&sql[blocks[0].clone()])
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["full", "start_date", "end_date"]);
        let all: Vec<String> = vars_read(sql).into_iter().map(|(n, _)| n).collect();
        assert!(all.contains(&"backfill_from".to_owned()));
    }

    #[test]
    fn reads_var_defaults_and_macro_calls() {
        let sql = r#"{{ config(materialized='incremental') }}
where d between {{ ranged_min_date(default_lookback=var("LOOKBACK_DAYS"), start=var('START', '2020-01-01')) }}
  and {{ shop.max_date(var('days', 3)) }} and x = '{{ var("col", none) }}' and {{ var('m', run_started_at.strftime('%m')) }}
{% if is_incremental() %}{{ dbt_utils.star(ref('a')) }}{{ adapter.quote('x') }}{% endif %}"#;
        let calls = var_calls(sql);
        let defaults: Vec<(&str, Option<&VarDefault>)> = calls
            .iter()
            .map(|c| (c.name.as_str(), c.default.as_ref()))
            .collect();
        assert_eq!(
            defaults,
            [
                ("LOOKBACK_DAYS", None),
                ("START", Some(&VarDefault::Text("2020-01-01".into()))),
                ("days", Some(&VarDefault::Scalar("3".into()))),
                ("col", Some(&VarDefault::Scalar("none".into()))),
                (
                    "m",
                    Some(&VarDefault::Expression(
                        "run_started_at.strftime('%m')".into()
                    ))
                ),
            ]
        );
        assert_eq!(
            macro_calls(sql),
            [
                (None, "ranged_min_date".to_owned()),
                (Some("shop".to_owned()), "max_date".to_owned()),
                (Some("dbt_utils".to_owned()), "star".to_owned()),
            ]
        );
    }

    #[test]
    fn blocks_end_where_jinja_ends_them() {
        let code = "{{ config(meta={'a': {'b': 'x}}'}}) }} select {{ ref('a') }}";
        let blocks: Vec<&str> = jinja_blocks(code).map(|b| &code[b.inner]).collect();
        assert_eq!(blocks, [" config(meta={'a': {'b': 'x}}'}}) ", " ref('a') "]);
        let unbalanced = "{{ x ( }} and {{ y }}";
        let blocks: Vec<&str> = jinja_blocks(unbalanced)
            .map(|b| &unbalanced[b.inner])
            .collect();
        assert_eq!(blocks, [" x ( ", " y "]);
    }

    #[test]
    fn ignores_other_words() {
        assert!(vars_read("select covar(x), my_var('a'), t.var('b')").is_empty());
        assert_eq!(
            macro_calls("{{ spaced_call ('a') }}{% if (x) and not (y) %}{% endif %}"),
            [(None, "spaced_call".to_owned())]
        );
        assert!(incremental_blocks("{% if target.name == 'prod' %}x{% endif %}").is_empty());
    }
}
