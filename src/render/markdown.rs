//! A Markdown report: the summary and coverage lines, findings counted by rule, then a table of
//! findings. Made for GitHub's job summary (`$GITHUB_STEP_SUMMARY`) and merge-request comments.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{PathBase, summary_lines};
use crate::Report;
use crate::diagnostic::Severity;
use crate::rules::RuleMeta;

/// Findings listed one by one at most; the rest are counted. Keeps a job summary well under
/// GitHub's size limit on large repositories.
const MAX_ROWS: usize = 500;

pub fn render(report: &Report, base: &PathBase) -> String {
    let mut out = String::from("## monolint\n\n");
    let summary = summary_lines(report);
    let mut lines = summary.lines();
    if let Some(first) = lines.next() {
        let _ = writeln!(out, "**{}**", escape(first));
    }
    for line in lines {
        let _ = writeln!(out, "\n{}", escape(line));
    }
    if report.diagnostics.is_empty() {
        return out;
    }

    // Rules in code order; a rule's findings share one severity, so the first one's is shown.
    let mut by_rule: BTreeMap<&str, (&RuleMeta, Severity, usize)> = BTreeMap::new();
    for diagnostic in &report.diagnostics {
        by_rule
            .entry(diagnostic.rule.code)
            .or_insert((diagnostic.rule, diagnostic.severity, 0))
            .2 += 1;
    }
    out.push_str("\n| Rule | Severity | Findings |\n| --- | --- | ---: |\n");
    for (meta, severity, count) in by_rule.values() {
        let _ = writeln!(
            out,
            "| [{} {}]({}) | {} | {} |",
            meta.code,
            meta.name,
            meta.url(),
            severity,
            count
        );
    }

    out.push_str("\n### Findings\n\n| Location | Rule | Message |\n| --- | --- | --- |\n");
    for diagnostic in report.diagnostics.iter().take(MAX_ROWS) {
        let at = diagnostic.primary.span.start_line_col();
        let mut message = escape(&diagnostic.message);
        if let Some(help) = &diagnostic.help {
            let _ = write!(message, "<br>help: {}", escape(help));
        }
        let location = format!(
            "`{}:{}:{}`",
            base.show(diagnostic.file().path()),
            at.line,
            at.column
        );
        let _ = writeln!(
            out,
            "| {} | {} {} | {} |",
            escape(&location),
            diagnostic.severity,
            diagnostic.rule.code,
            message
        );
    }
    if report.diagnostics.len() > MAX_ROWS {
        let _ = writeln!(
            out,
            "\n{} more findings are not listed; run `monolint check` to see them all.",
            report.diagnostics.len() - MAX_ROWS
        );
    }
    out
}

/// Makes text safe inside a table cell: one line, no cell separators, no raw HTML. Text between
/// backticks stays a code span, where Markdown shows `<`, `>` and `&` as they are.
fn escape(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let balanced = text.matches('`').count().is_multiple_of(2);
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        match c {
            '`' if balanced => {
                in_code = !in_code;
                out.push(c);
            }
            '`' => out.push_str("\\`"),
            '|' => out.push_str("\\|"),
            '\n' if in_code => out.push(' '),
            '\n' => out.push_str("<br>"),
            '&' if !in_code => out.push_str("&amp;"),
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn cells_stay_on_one_line() {
        assert_eq!(escape("a|b\n<c>"), "a\\|b<br>&lt;c&gt;");
    }

    #[test]
    fn code_spans_are_kept() {
        assert_eq!(
            escape("set `{\"owner\": \"<team>\"}` & `a|b`"),
            "set `{\"owner\": \"<team>\"}` &amp; `a\\|b`"
        );
        assert_eq!(escape("odd ` tick <"), "odd \\` tick &lt;");
    }
}
