//! SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
//!
//! One run; `tool.driver.rules` lists the rules that have results, in code order; results point
//! at paths relative to the current directory (the repository root in CI, where code scanning
//! resolves them) under the `%SRCROOT%` base, and `partialFingerprints`
//! carries a position-independent fingerprint (see `fingerprint.rs`).

use serde::Serialize;

use super::PathBase;
use super::fingerprint::{Fingerprint, fingerprints};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::rules::{ALL, RuleMeta};
use crate::{Report, Summary};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    results: Vec<SarifResult<'a>>,
    /// Our columns count Unicode scalar values.
    column_kind: &'static str,
    properties: RunProperties<'a>,
}

#[derive(Serialize)]
struct RunProperties<'a> {
    summary: &'a Summary,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    help_uri: String,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

fn text(text: impl Into<String>) -> Text {
    Text { text: text.into() }
}

#[derive(Serialize)]
struct Help {
    text: &'static str,
    markdown: &'static str,
}

#[derive(Serialize)]
struct Configuration {
    enabled: bool,
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: [&'static str; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location<'a>>,
    partial_fingerprints: PartialFingerprints,
}

/// monolint's fingerprint, under a key whose version is bumped if the recipe changes.
#[derive(Serialize)]
struct PartialFingerprints {
    #[serde(rename = "monolint/v1")]
    monolint: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation<'a>,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation,
    region: Region<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region<'a> {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    snippet: Snippet<'a>,
}

#[derive(Serialize)]
struct Snippet<'a> {
    text: &'a str,
}

pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule(meta: &'static RuleMeta) -> Rule {
    Rule {
        id: meta.code,
        name: meta.name,
        short_description: text(meta.summary()),
        help_uri: meta.url(),
        help: Help {
            text: meta.doc,
            markdown: meta.doc,
        },
        default_configuration: Configuration {
            enabled: crate::rules::Preset::default().holds(meta.preset),
            level: level(meta.severity),
        },
        properties: RuleProperties {
            tags: [meta.group.as_str()],
        },
    }
}

/// A relative path as a URI reference: `/`-separated, with characters outside RFC 3986's
/// unreserved set and `/` percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn location<'a>(label: &'a Label, id: Option<usize>, base: &PathBase) -> Location<'a> {
    let start = label.span.start_line_col();
    let end = label.span.end_line_col();
    Location {
        id,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: uri(&base.show(label.span.file.path())),
                uri_base_id: SRCROOT,
            },
            region: Region {
                start_line: start.line,
                start_column: start.column,
                end_line: end.line,
                end_column: end.column,
                snippet: Snippet {
                    text: label.span.text(),
                },
            },
        },
        message: text(label.text.clone()),
    }
}

fn result<'a>(
    diagnostic: &'a Diagnostic,
    fingerprint: Fingerprint,
    rules: &[&'static RuleMeta],
    base: &PathBase,
) -> SarifResult<'a> {
    let rule_index = rules
        .iter()
        .position(|meta| meta.code == diagnostic.rule.code)
        .unwrap_or_default();
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    SarifResult {
        rule_id: diagnostic.rule.code,
        rule_index,
        level: level(diagnostic.severity),
        message: text(message),
        locations: [location(&diagnostic.primary, None, base)],
        related_locations: diagnostic
            .labels
            .iter()
            .enumerate()
            .map(|(index, label)| location(label, Some(index + 1), base))
            .collect(),
        partial_fingerprints: PartialFingerprints {
            monolint: fingerprint.to_sarif(),
        },
    }
}

pub fn render(report: &Report, base: &PathBase) -> String {
    // The rules with findings: built-in rules in registry order, then policies by id.
    let mut rules: Vec<&'static RuleMeta> = report.diagnostics.iter().map(|d| d.rule).collect();
    rules.sort_by_key(|meta| {
        let position = ALL.iter().position(|known| known.code == meta.code);
        (position.unwrap_or(ALL.len()), meta.code)
    });
    rules.dedup_by(|a, b| a.code == b.code);
    let results = report
        .diagnostics
        .iter()
        .zip(fingerprints(&report.diagnostics))
        .map(|(diagnostic, fingerprint)| result(diagnostic, fingerprint, &rules, base))
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "monolint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules: rules.iter().copied().map(rule).collect(),
                },
            },
            results,
            column_kind: "unicodeCodePoints",
            properties: RunProperties {
                summary: &report.summary,
            },
        }],
    };
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".to_owned());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("dags/a b/ü.py"), "dags/a%20b/%C3%BC.py");
        assert_eq!(uri("models/x-y_z.sql"), "models/x-y_z.sql");
    }
}
