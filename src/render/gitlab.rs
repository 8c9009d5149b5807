//! GitLab Code Quality: a JSON array of Code Climate issues, for `artifacts:reports:codequality`.

use std::borrow::Cow;

use serde::Serialize;

use super::PathBase;
use super::fingerprint::fingerprints;
use crate::Report;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::Group;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'static str,
    description: String,
    content: Content,
    categories: [&'static str; 1],
    severity: &'static str,
    fingerprint: String,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Content {
    body: String,
}

#[derive(Serialize)]
struct Location<'a> {
    path: Cow<'a, str>,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

/// GitLab's scale is info, minor, major, critical, blocker.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Info => "info",
    }
}

/// Code Climate's category for a rule group.
fn category(group: Group) -> &'static str {
    match group {
        Group::Correctness | Group::Operations | Group::Testing => "Bug Risk",
        Group::Ownership | Group::Documentation => "Clarity",
        Group::Structure => "Complexity",
        Group::Governance => "Compatibility",
        Group::Policy => "Style",
    }
}

fn issue<'a>(diagnostic: &'a Diagnostic, fingerprint: String, base: &PathBase) -> Issue<'a> {
    let mut body = format!(
        "**{} {}**: {}",
        diagnostic.rule.code, diagnostic.rule.name, diagnostic.primary.text
    );
    if let Some(help) = &diagnostic.help {
        body.push_str(&format!("\n\nhelp: {help}"));
    }
    body.push_str(&format!("\n\nSee {}", diagnostic.rule.url()));
    Issue {
        kind: "issue",
        check_name: diagnostic.rule.code,
        description: format!("{}: {}", diagnostic.rule.code, diagnostic.message),
        content: Content { body },
        categories: [category(diagnostic.rule.group)],
        severity: severity(diagnostic.severity),
        fingerprint,
        location: Location {
            path: base.show(diagnostic.file().path()),
            lines: Lines {
                begin: diagnostic.primary.span.start_line_col().line,
                end: diagnostic.primary.span.end_line_col().line,
            },
        },
    }
}

pub fn render(report: &Report, base: &PathBase) -> String {
    let issues: Vec<Issue> = report
        .diagnostics
        .iter()
        .zip(fingerprints(&report.diagnostics))
        .map(|(diagnostic, fingerprint)| issue(diagnostic, fingerprint.to_hex(), base))
        .collect();
    let mut out = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".to_owned());
    out.push('\n');
    out
}
