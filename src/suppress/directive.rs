//! Suppression comments: `# monolint: ignore[X002]` (Python, DAG YAML), `-- monolint:
//! ignore[X004]` and `{# monolint: ignore[X004] #}` (SQL), and their `ignore-file` forms.

use std::ops::Range;

/// What a directive covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// `ignore`: the line the comment ends (or, alone on its line, the next code line).
    Line(usize),
    /// `ignore-file`: the whole file (in a SQL file, every directive covers the model).
    File,
}

/// One `monolint: ignore...` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The rule codes or names it lists; empty for a bare `ignore` (every rule).
    pub rules: Vec<String>,
    pub reach: Reach,
    /// Byte range of the `monolint: ...` text in the file, for the unused-suppression report.
    pub range: Range<usize>,
}

/// How comments are written in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentStyle {
    /// `#` comments: Python and YAML.
    Hash,
    /// `--` and `{# ... #}` comments: dbt SQL.
    Sql,
}

const MARK: &str = "monolint:";

/// Every directive in `text`. Only comments are read: a `monolint:` inside a string literal
/// on a line without a comment marker before it is not a directive.
pub fn directives(text: &str, style: CommentStyle) -> Vec<Directive> {
    if memchr::memmem::find(text.as_bytes(), MARK.as_bytes()).is_none() {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut offset = 0;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (index, line) in lines.iter().enumerate() {
        let line_start = offset;
        offset += line.len();
        let Some(comment) = comment_start(line, style) else {
            continue;
        };
        let body = &line[comment..];
        let Some(at) = body.find(MARK) else {
            continue;
        };
        // Only whitespace between the comment marker and `monolint:`.
        let marker_end = match style {
            CommentStyle::Hash => 1,
            CommentStyle::Sql => 2,
        };
        if !body[marker_end.min(at)..at].trim().is_empty() {
            continue;
        }
        let Some((file_wide, rules, len)) = parse(&body[at + MARK.len()..]) else {
            continue;
        };
        let alone = line[..comment].trim().is_empty();
        let reach = if file_wide || style == CommentStyle::Sql {
            Reach::File
        } else if alone {
            Reach::Line(next_code_line(&lines, index, style))
        } else {
            Reach::Line(index + 1)
        };
        let start = line_start + comment + at;
        found.push(Directive {
            rules,
            reach,
            range: start..start + MARK.len() + len,
        });
    }
    found
}

/// Where the comment starts on a line: the first `#` (or `--`, `{#`) outside a string.
fn comment_start(line: &str, style: CommentStyle) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        match quote {
            Some(_) if byte == b'\\' => i += 1,
            Some(q) if byte == q => quote = None,
            Some(_) => {}
            None => match (style, byte) {
                (_, b'\'' | b'"') => quote = Some(byte),
                (CommentStyle::Hash, b'#') => return Some(i),
                (CommentStyle::Sql, b'-') if bytes.get(i + 1) == Some(&b'-') => return Some(i),
                (CommentStyle::Sql, b'{') if bytes.get(i + 1) == Some(&b'#') => return Some(i),
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// Reads ` ignore[A, B]`, ` ignore`, ` ignore-file[A]` after `monolint:`. Returns whether it
/// is file-wide, the rules listed and the length read.
fn parse(rest: &str) -> Option<(bool, Vec<String>, usize)> {
    let trimmed = rest.trim_start();
    let skipped = rest.len() - trimmed.len();
    let (file_wide, after) = if let Some(after) = trimmed.strip_prefix("ignore-file") {
        (true, after)
    } else {
        (false, trimmed.strip_prefix("ignore")?)
    };
    let keyword_len = trimmed.len() - after.len();
    if let Some(list) = after.strip_prefix('[') {
        let close = list.find(']')?;
        let rules = list[..close]
            .split([',', ' '])
            .map(str::trim)
            .filter(|rule| !rule.is_empty())
            .map(str::to_owned)
            .collect();
        return Some((file_wide, rules, skipped + keyword_len + close + 2));
    }
    // A bare `ignore` ends at a word boundary (not `ignored`).
    if after.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '-') {
        return None;
    }
    Some((file_wide, Vec::new(), skipped + keyword_len))
}

/// The 1-based line of the first line after `index` that is neither blank nor a comment.
fn next_code_line(lines: &[&str], index: usize, style: CommentStyle) -> usize {
    lines
        .iter()
        .enumerate()
        .skip(index + 1)
        .find(|(_, line)| {
            let trimmed = line.trim();
            !trimmed.is_empty()
                && comment_start(line, style) != Some(line.len() - line.trim_start().len())
        })
        .map_or(index + 2, |(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_comment_covers_its_line() {
        let text = "a = 1\nb = 'tag:x'  # monolint: ignore[X002, selector-invalid] typo kept\n";
        let found = directives(text, CommentStyle::Hash);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rules, ["X002", "selector-invalid"]);
        assert_eq!(found[0].reach, Reach::Line(2));
        assert_eq!(
            &text[found[0].range.clone()],
            "monolint: ignore[X002, selector-invalid]"
        );
    }

    #[test]
    fn comment_alone_covers_the_next_code_line() {
        let text = "# monolint: ignore[X002]\n# why: legacy\n\nb = 1\n";
        let found = directives(text, CommentStyle::Hash);
        assert_eq!(found[0].reach, Reach::Line(4));
    }

    #[test]
    fn file_wide_and_bare_forms() {
        let text = "# monolint: ignore-file[DAG001]\nx = 1  # monolint: ignore\ny = 2  # monolint: ignored\n";
        let found = directives(text, CommentStyle::Hash);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].reach, Reach::File);
        assert_eq!(found[1].rules, Vec::<String>::new());
        assert_eq!(found[1].reach, Reach::Line(2));
    }

    #[test]
    fn strings_are_not_comments() {
        let text = "cmd = 'dbt run # monolint: ignore[X002]'\n";
        assert!(directives(text, CommentStyle::Hash).is_empty());
    }

    #[test]
    fn sql_comments_cover_the_model() {
        let text = "{{ config(materialized='incremental') }}\n-- monolint: ignore[X004]\n{# monolint: ignore[X001] #}\nselect 1\n";
        let found = directives(text, CommentStyle::Sql);
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|d| d.reach == Reach::File));
        assert_eq!(found[1].rules, ["X001"]);
    }
}
