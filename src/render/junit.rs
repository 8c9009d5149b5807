//! JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines, ...).
//!
//! One `<testsuite>` per file with findings, named after the file; one `<testcase>` per finding
//! in it, failed with the message. A run without findings is one suite with one passing case,
//! so the report is never empty.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write;

use super::{PathBase, summary_lines};
use crate::Report;
use crate::diagnostic::Diagnostic;

pub fn render(report: &Report, base: &PathBase) -> String {
    let mut by_file: BTreeMap<Cow<str>, Vec<&Diagnostic>> = BTreeMap::new();
    for diagnostic in &report.diagnostics {
        by_file
            .entry(base.show(diagnostic.file().path()))
            .or_default()
            .push(diagnostic);
    }
    let total = report.diagnostics.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"monolint\" tests=\"{}\" failures=\"{total}\" errors=\"0\">",
        total.max(1)
    );
    if by_file.is_empty() {
        out.push_str(
            "  <testsuite name=\"monolint\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\">\n",
        );
        let _ = writeln!(
            out,
            "    <testcase name=\"no problems found\" classname=\"monolint\">\n      <system-out>{}</system-out>\n    </testcase>",
            escape_text(summary_lines(report).trim_end())
        );
        out.push_str("  </testsuite>\n");
    }
    for (path, diagnostics) in &by_file {
        let path = escape(path);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{path}\" tests=\"{n}\" failures=\"{n}\" errors=\"0\" skipped=\"0\">",
            n = diagnostics.len()
        );
        for diagnostic in diagnostics {
            testcase(&mut out, &path, diagnostic, base);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn testcase(out: &mut String, path: &str, diagnostic: &Diagnostic, base: &PathBase) {
    let start = diagnostic.primary.span.start_line_col();
    let rule = format!("{} {}", diagnostic.rule.code, diagnostic.rule.name);
    let _ = writeln!(
        out,
        "    <testcase name=\"{} at {}:{}\" classname=\"{path}\" file=\"{path}\" line=\"{}\">",
        escape(&rule),
        start.line,
        start.column,
        start.line
    );
    let mut body = format!(
        "{}:{}:{}: {} {}\n{}: {}",
        base.show(diagnostic.file().path()),
        start.line,
        start.column,
        diagnostic.severity,
        rule,
        diagnostic.message,
        diagnostic.primary.text
    );
    for label in &diagnostic.labels {
        let at = label.span.start_line_col();
        let _ = write!(
            body,
            "\n{}:{}:{}: {}",
            base.show(label.span.file.path()),
            at.line,
            at.column,
            label.text
        );
    }
    if let Some(help) = &diagnostic.help {
        let _ = write!(body, "\nhelp: {help}");
    }
    let _ = write!(body, "\nsee {}", diagnostic.rule.url());
    let _ = writeln!(
        out,
        "      <failure message=\"{}\" type=\"{}\">{}</failure>",
        escape(&diagnostic.message),
        escape(&rule),
        escape_text(&body)
    );
    out.push_str("    </testcase>\n");
}

/// Escapes text for an XML attribute value. Characters XML 1.0 forbids (most control
/// characters) become U+FFFD; line breaks and tabs become character references, which
/// attribute value normalization would otherwise turn into spaces.
fn escape(text: &str) -> String {
    escape_with(text, true)
}

/// Escapes text for element content: as [`escape`], but line breaks and tabs stay as they are.
fn escape_text(text: &str) -> String {
    escape_with(text, false)
}

fn escape_with(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' if !attribute => out.push(c),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escape, escape_text};

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            escape("a<b>&\"c\"'d'\n\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;&#10;\u{fffd}"
        );
        assert_eq!(escape_text("a\n\tb\r<"), "a\n\tb&#13;&lt;");
    }
}
