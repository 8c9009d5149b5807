//! Finds where a dbt resource is written in the user's files: its `- name:` entry in a
//! properties YAML, or a line of its SQL file. The manifest has no line numbers.

use std::collections::HashMap;
use std::ops::Range;

/// Every `- name: <name>` entry of a properties YAML, by name, in file order. Built once per
/// file, so that pointing at each of thousands of entries does not rescan the file each time.
#[derive(Debug, Default)]
pub struct YamlEntries {
    /// For each name: the start of each entry's line, and the byte range of the name.
    by_name: HashMap<String, Vec<(usize, Range<usize>)>>,
}

impl YamlEntries {
    pub fn new(text: &str) -> Self {
        let mut by_name: HashMap<String, Vec<(usize, Range<usize>)>> = HashMap::new();
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let trimmed = line.trim_start();
            let Some(rest) = trimmed.strip_prefix('-') else {
                continue;
            };
            let rest = rest.trim_start();
            let Some(value) = rest.strip_prefix("name:") else {
                continue;
            };
            let value = value.trim();
            let value = value.split(" #").next().unwrap_or(value).trim();
            let unquoted = value.trim_matches(|c| c == '"' || c == '\'');
            let at = start + line.find(unquoted).unwrap_or(0);
            by_name
                .entry(unquoted.to_owned())
                .or_default()
                .push((start, at..at + unquoted.len()));
        }
        YamlEntries { by_name }
    }

    /// The byte range of the `name` value in the first `- name: <name>` entry whose line starts
    /// at or after `from`. For a source table, find the source's entry first and pass its end
    /// as `from`.
    pub fn find(&self, name: &str, from: usize) -> Option<Range<usize>> {
        self.by_name
            .get(name)?
            .iter()
            .find(|(line_start, _)| *line_start >= from)
            .map(|(_, range)| range.clone())
    }
}

/// The byte range of the first line containing `needle` (trimmed), if any.
pub fn line_containing(text: &str, needle: &str) -> Option<Range<usize>> {
    line_containing_after(text, "", needle)
}

/// The line holding the first `needle` after the first `after` (anywhere when `after` is not
/// in the text).
pub fn line_containing_after(text: &str, after: &str, needle: &str) -> Option<Range<usize>> {
    let from = text.find(after).unwrap_or(0);
    let at = match text[from..].find(needle) {
        Some(offset) => from + offset,
        None => text.find(needle)?,
    };
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line = &text[line_start..line_end];
    let lead = line.len() - line.trim_start().len();
    Some(line_start + lead..line_start + line.trim_end().len())
}

/// The first line with code (the fallback anchor for a SQL file).
pub fn first_code_line(text: &str) -> Range<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if !trimmed.is_empty() {
            let lead = line.len() - line.trim_start().len();
            return offset + lead..offset + lead + trimmed.len();
        }
        offset += line.len();
    }
    0..0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_entries() {
        let yaml = "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: orders\nmodels:\n  - name: 'orders'  # the model\n";
        let entries = YamlEntries::new(yaml);
        let source = entries.find("raw", 0).unwrap();
        assert_eq!(&yaml[source.clone()], "raw");
        let table = entries.find("orders", source.end).unwrap();
        assert_eq!(&yaml[table.start - 8..table.end], "- name: orders");
        let model = entries.find("orders", table.end).unwrap();
        assert!(yaml[..model.start].ends_with("- name: '"));
        assert!(entries.find("missing", 0).is_none());
        assert!(entries.find("orders", model.end).is_none());
    }

    #[test]
    fn finds_lines() {
        let sql = "\n\n  select 1\n{% if is_incremental() %}\nwhere x\n";
        assert_eq!(&sql[first_code_line(sql)], "select 1");
        assert_eq!(
            &sql[line_containing(sql, "is_incremental").unwrap()],
            "{% if is_incremental() %}"
        );
    }
}
