//! GitHub Actions workflow commands (`::error file=...::message`): pull-request annotations.

use super::PathBase;
use crate::Report;
use crate::diagnostic::Severity;

pub fn render(report: &Report, base: &PathBase) -> String {
    let mut out = String::new();
    for diagnostic in &report.diagnostics {
        let start = diagnostic.primary.span.start_line_col();
        let end = diagnostic.primary.span.end_line_col();
        let level = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = format!("{} ({})", diagnostic.message, diagnostic.primary.text);
        if let Some(help) = &diagnostic.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        out.push_str(&format!(
            "::{level} title={},file={},line={},col={},endLine={},endColumn={}::{}\n",
            escape_property(&format!(
                "{} {}",
                diagnostic.rule.code, diagnostic.rule.name
            )),
            escape_property(&base.show(diagnostic.file().path())),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_data(&message)
        ));
    }
    out
}

/// Escapes a workflow command's message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}
