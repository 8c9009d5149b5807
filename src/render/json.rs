//! A JSON document of the findings. Its shape is documented in docs/output-formats.md and
//! versioned by `version`; positions are 1-based lines and columns (Unicode scalar values).

use std::borrow::Cow;

use serde::Serialize;

use super::PathBase;

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
    file: Cow<'a, str>,
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
    file: Cow<'a, str>,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
}

fn location<'a>(label: &'a Label, base: &PathBase) -> Location<'a> {
    let start = label.span.start_line_col();
    let end = label.span.end_line_col();
    Location {
        file: base.show(label.span.file.path()),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        message: &label.text,
    }
}

fn diagnostic<'a>(d: &'a Diagnostic, base: &PathBase) -> JsonDiagnostic<'a> {
    let at = location(&d.primary, base);
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
        related: d.labels.iter().map(|label| location(label, base)).collect(),
    }
}

pub fn render(report: &Report, base: &PathBase) -> String {
    let document = Document {
        version: VERSION,
        diagnostics: report
            .diagnostics
            .iter()
            .map(|d| diagnostic(d, base))
            .collect(),
        summary: &report.summary,
    };
    let mut out = serde_json::to_string_pretty(&document).unwrap_or_else(|_| "{}".to_owned());
    out.push('\n');
    out
}
