//! Suppression: the findings a team chose not to see, and the suppressions that no longer
//! suppress anything.
//!
//! - `# monolint: ignore[CODE]` in a DAG file covers its line (alone on a line: the next
//!   line); `# monolint: ignore-file[CODE]` the whole file.
//! - `-- monolint: ignore[CODE]` or `{# monolint: ignore[CODE] #}` in a model's SQL, and
//!   `meta: {monolint: {ignore: [CODE], reason: "..."}}` on a node (YAML, `config()` or
//!   `+meta` in `dbt_project.yml`), cover the findings about that node wherever they point.
//! - `[per-file-ignores]` in the config: glob → rules, for the file a finding points at.

pub mod directive;

use std::collections::BTreeMap;
use std::sync::Arc;

use globset::{Glob, GlobMatcher};
use serde_json::Value;

use crate::diagnostic::{Diagnostic, Label, NodeRef};
use crate::error::{Error, Result};
use crate::link::Monorepo;
use crate::rules::{Catalog, RuleMeta};
use crate::source::{SourceFile, Span};
use directive::{CommentStyle, Directive, Reach, directives};

/// `[per-file-ignores]`, compiled.
#[derive(Debug, Default)]
pub struct PerFileIgnores {
    entries: Vec<(GlobMatcher, Vec<&'static RuleMeta>)>,
}

impl PerFileIgnores {
    /// Compiles the config table; a bad glob or an unknown rule is a config error.
    pub fn new(table: &BTreeMap<String, Vec<String>>, catalog: Catalog) -> Result<Self> {
        let mut entries = Vec::new();
        for (pattern, names) in table {
            let glob = Glob::new(pattern).map_err(|error| {
                Error::new(format!(
                    "invalid glob `{pattern}` in `[per-file-ignores]`: {error}"
                ))
            })?;
            let mut rules = Vec::new();
            for name in names {
                let matched = catalog.matching(name).ok_or_else(|| {
                    Error::new(format!(
                        "unknown rule `{name}` in `[per-file-ignores]` for `{pattern}`"
                    ))
                    .with_help("`monolint rules` lists every rule")
                })?;
                rules.extend(matched);
            }
            entries.push((glob.compile_matcher(), rules));
        }
        Ok(PerFileIgnores { entries })
    }

    fn covers(&self, path: &str, rule: &RuleMeta) -> bool {
        self.entries
            .iter()
            .any(|(glob, rules)| glob.is_match(path) && rules.iter().any(|r| r.code == rule.code))
    }
}

/// What applying the suppressions left.
#[derive(Debug)]
pub struct Outcome {
    pub kept: Vec<Diagnostic>,
    pub suppressed: usize,
    /// `unused-suppression` findings (when that rule is enabled).
    pub unused: Vec<Diagnostic>,
}

/// Every suppression written in the checked files, found while the rules run.
pub struct Directives(Vec<Written>);

impl Directives {
    /// Every directive of the DAG files and of the dbt nodes.
    pub fn collect(repo: &Monorepo) -> Directives {
        let mut written = Vec::new();
        for file in &repo.dag_files {
            for directive in directives(file.source.text(), CommentStyle::Hash) {
                written.push(Written {
                    directive,
                    place: Place::File(file.source.clone()),
                    used: false,
                });
            }
        }
        for (project, dbt) in repo.projects.iter().enumerate() {
            let graph = &dbt.graph;
            for (id, node) in graph.nodes() {
                if !graph.is_root_project(node) || !graph.mentions(node, "monolint") {
                    continue;
                }
                let at = NodeRef { project, node: id };
                let code = graph.code(node).unwrap_or_default();
                for directive in directives(&code, CommentStyle::Sql) {
                    written.push(Written {
                        directive,
                        place: Place::Sql(at),
                        used: false,
                    });
                }
                if let Some(rules) = meta_ignores(&graph.meta(node)) {
                    written.push(Written {
                        directive: Directive {
                            rules,
                            reach: Reach::File,
                            range: 0..0,
                        },
                        place: Place::Meta(at),
                        used: false,
                    });
                }
            }
        }
        Directives(written)
    }
}

/// A directive and where it was written.
struct Written {
    directive: Directive,
    place: Place,
    used: bool,
}

enum Place {
    /// A comment in a DAG source file.
    File(Arc<SourceFile>),
    /// A comment in a node's SQL.
    Sql(NodeRef),
    /// `meta.monolint.ignore` of a node.
    Meta(NodeRef),
}

/// Removes suppressed findings; reports unused suppressions when `unused_rule` is enabled
/// (with its severity). `enabled` are the rules that ran: a suppression naming a rule that did
/// not run is not "unused".
pub fn apply(
    repo: &Monorepo,
    directives: Directives,
    per_file: &PerFileIgnores,
    catalog: Catalog,
    enabled: &[&'static RuleMeta],
    unused_rule: Option<(&'static RuleMeta, crate::diagnostic::Severity)>,
    diagnostics: Vec<Diagnostic>,
) -> Outcome {
    let Directives(mut written) = directives;
    let mut kept = Vec::with_capacity(diagnostics.len());
    let mut suppressed = 0;
    for diagnostic in diagnostics {
        let by_config = per_file.covers(diagnostic.file().path(), diagnostic.rule);
        let by_directive = mark_covering(&mut written, &diagnostic);
        if by_config || by_directive {
            suppressed += 1;
        } else {
            kept.push(diagnostic);
        }
    }
    let unused = match unused_rule {
        Some((meta, severity)) => written
            .iter()
            .filter(|w| !w.used)
            .filter_map(|w| unused_finding(repo, w, catalog, enabled, meta, severity))
            .collect(),
        None => Vec::new(),
    };
    Outcome {
        kept,
        suppressed,
        unused,
    }
}

/// `meta.monolint.ignore`: a list of rules or one rule.
fn meta_ignores(meta: &serde_json::Map<String, Value>) -> Option<Vec<String>> {
    let ignore = meta.get("monolint")?.get("ignore")?;
    Some(match ignore {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => return None,
    })
}

fn names(directive: &Directive, rule: &RuleMeta) -> bool {
    directive.rules.is_empty() || directive.rules.iter().any(|name| rule.is_named(name))
}

/// Whether a directive covers the finding; marks every covering directive used.
fn mark_covering(written: &mut [Written], diagnostic: &Diagnostic) -> bool {
    let line = diagnostic.primary.span.start_line_col().line;
    let mut covered = false;
    for w in written.iter_mut() {
        if !names(&w.directive, diagnostic.rule) {
            continue;
        }
        let covers = match &w.place {
            Place::File(file) => {
                file.path() == diagnostic.file().path()
                    && match w.directive.reach {
                        Reach::File => true,
                        Reach::Line(at) => at == line,
                    }
            }
            // A finding about several nodes is suppressed when each of them suppresses it.
            Place::Sql(node) | Place::Meta(node) => {
                diagnostic.subjects.len() == 1 && diagnostic.subjects[0] == *node
            }
        };
        if covers {
            w.used = true;
            covered = true;
        }
    }
    covered || covered_by_every_subject(written, diagnostic)
}

fn covered_by_every_subject(written: &mut [Written], diagnostic: &Diagnostic) -> bool {
    if diagnostic.subjects.len() < 2 {
        return false;
    }
    let covering = |w: &Written, subject: &NodeRef| {
        names(&w.directive, diagnostic.rule)
            && matches!(&w.place, Place::Sql(node) | Place::Meta(node) if node == subject)
    };
    let all = diagnostic
        .subjects
        .iter()
        .all(|subject| written.iter().any(|w| covering(w, subject)));
    if all {
        for w in written.iter_mut() {
            if diagnostic.subjects.iter().any(|s| covering(w, s)) {
                w.used = true;
            }
        }
    }
    all
}

/// The finding for a directive that suppressed nothing, or `None` when it names only rules
/// that did not run.
fn unused_finding(
    repo: &Monorepo,
    written: &Written,
    catalog: Catalog,
    enabled: &[&'static RuleMeta],
    meta: &'static RuleMeta,
    severity: crate::diagnostic::Severity,
) -> Option<Diagnostic> {
    let directive = &written.directive;
    let unknown: Vec<&str> = directive
        .rules
        .iter()
        .filter(|name| catalog.find(name).is_none())
        .map(String::as_str)
        .collect();
    let ran: Vec<&str> = directive
        .rules
        .iter()
        .filter_map(|name| catalog.find(name))
        .filter(|rule| enabled.iter().any(|e| e.code == rule.code))
        .map(|rule| rule.code)
        .collect();
    let (message, label, help) = if !unknown.is_empty() {
        (
            format!("suppression names no rule: {}", quoted(&unknown)),
            "no rule has this code or name",
            "write the rule's code or name (`monolint rules` lists them)",
        )
    } else if directive.rules.is_empty() {
        (
            "suppression of every rule suppresses nothing".to_owned(),
            "no finding is reported here",
            REMOVE_IT,
        )
    } else if !ran.is_empty() {
        (
            format!("suppression of {} suppresses nothing", quoted(&ran)),
            "no such finding is reported here",
            REMOVE_IT,
        )
    } else {
        return None;
    };
    let span = place_span(repo, written);
    Some(Diagnostic::new(meta, severity, message, Label::new(span, label)).with_help(help))
}

const REMOVE_IT: &str = "remove it: the finding it was written for is gone";

fn place_span(repo: &Monorepo, written: &Written) -> Span {
    let range = &written.directive.range;
    match &written.place {
        Place::File(file) => Span::new(file.clone(), range.start as u32..range.end as u32),
        Place::Sql(node) => {
            let file = repo.node_file(node.project, node.node);
            // The manifest's copy of the SQL may differ from the file: find it in the file.
            let code = repo.projects[node.project]
                .graph
                .code(repo.projects[node.project].graph.node(node.node))
                .unwrap_or_default();
            let text = code.get(range.clone()).unwrap_or_default();
            match file.text().find(text).filter(|_| !text.is_empty()) {
                Some(start) => Span::new(file.clone(), start as u32..(start + text.len()) as u32),
                None => repo.node_file_span(node.project, node.node),
            }
        }
        Place::Meta(node) => repo.node_span(node.project, node.node),
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
