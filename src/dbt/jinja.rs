//! Just enough of dbt's Jinja to read a model's SQL: the `{% if is_incremental() %}` blocks
//! and the `var(...)` calls inside them. Not a template engine.

use std::ops::Range;

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
        let start = at + code.get(at..)?.find("{%")?;
        let end = start + code[start..].find("%}")? + 2;
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

/// The names read with `var('name')` (or `var("name", default)`) in `code`, with the byte
/// range of each call's name.
pub fn vars_read(code: &str) -> Vec<(String, Range<usize>)> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = code[at..].find("var") {
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
    fn ignores_other_words() {
        assert!(vars_read("select covar(x), my_var('a'), t.var('b')").is_empty());
        assert!(incremental_blocks("{% if target.name == 'prod' %}x{% endif %}").is_empty());
    }
}
