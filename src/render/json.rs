//! A JSON document of the findings. Its shape is documented in docs/output-formats.md and
//! versioned by `version`; positions are 1-based lines and columns (Unicode scalar values).

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Label};
use crate::{Report, Summary};

/// Bumped on any incompatible change of the document's shape.
const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: &'a Summary,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    label: &'a str,
    help: Option<&'a str>,
    url: String,
    related: Vec<Location<'a>>,
}

#[derive(Serialize)]
struct Location<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
}

fn location(label: &Label) -> Location<'_> {
    let start = label.span.start_line_col();
    let end = label.span.end_line_col();
    Location {
        file: label.span.file.path(),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        message: &label.text,
    }
}

fn diagnostic(d: &Diagnostic) -> JsonDiagnostic<'_> {
    let at = location(&d.primary);
    JsonDiagnostic {
        code: d.rule.code,
        name: d.rule.name,
        severity: d.severity.as_str(),
        message: &d.message,
        file: at.file,
        line: at.line,
        column: at.column,
        end_line: at.end_line,
        end_column: at.end_column,
        label: &d.primary.text,
        help: d.help.as_deref(),
        url: d.rule.url(),
        related: d.labels.iter().map(location).collect(),
    }
}

pub fn render(report: &Report) -> String {
    let document = Document {
        version: VERSION,
        diagnostics: report.diagnostics.iter().map(diagnostic).collect(),
        summary: &report.summary,
    };
    let mut out = serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_owned());
    out.push('\n');
    out
}
