//! The one finding type every rule produces and every renderer formats.

mod merge;

pub use merge::merge_same_line;

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::dbt::graph::NodeId;
use crate::rules::RuleMeta;
use crate::source::{SourceFile, Span};

/// How serious a finding is: `info` < `warning` < `error`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A span with a short note saying what is there and why it matters.
#[derive(Debug, Clone)]
pub struct Label {
    pub span: Span,
    pub text: String,
}

impl Label {
    pub fn new(span: Span, text: impl Into<String>) -> Self {
        Label {
            span,
            text: text.into(),
        }
    }
}

/// A finding: what is wrong (`message`), where (`primary`), what else is involved (`labels`,
/// possibly in other files) and what to do (`help`). Plain data; renderers only format it.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    /// The dbt nodes the finding is about: suppressions written on a node (its SQL file, its
    /// `meta`) apply to findings about it wherever they point.
    pub subjects: Vec<NodeRef>,
    /// How many findings of the same cause were merged into this one.
    pub merged: usize,
}

/// A node of one of the monorepo's dbt projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeRef {
    pub project: usize,
    pub node: NodeId,
}

impl Diagnostic {
    pub fn new(
        rule: &'static RuleMeta,
        severity: Severity,
        message: impl Into<String>,
        primary: Label,
    ) -> Self {
        Diagnostic {
            rule,
            severity,
            message: message.into(),
            primary,
            labels: Vec::new(),
            help: None,
            subjects: Vec::new(),
            merged: 0,
        }
    }

    /// Adds a dbt node the finding is about.
    pub fn about(mut self, project: usize, node: NodeId) -> Self {
        let node = NodeRef { project, node };
        if !self.subjects.contains(&node) {
            self.subjects.push(node);
        }
        self
    }

    /// [`Diagnostic::about`] for many nodes at once, in their order: a finding standing for
    /// a whole folder or project is about each of its members' nodes, tens of thousands on a
    /// large project, where one `about` each (a scan of those already there) grew with the
    /// square of their number.
    pub fn about_all(mut self, subjects: impl IntoIterator<Item = NodeRef>) -> Self {
        let mut seen: rustc_hash::FxHashSet<NodeRef> = self.subjects.iter().copied().collect();
        for subject in subjects {
            if seen.insert(subject) {
                self.subjects.push(subject);
            }
        }
        self
    }

    pub fn with_label(mut self, label: Label) -> Self {
        self.labels.push(label);
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn file(&self) -> &SourceFile {
        &self.primary.span.file
    }

    /// The labels in other files than the primary one: miette shows them as related notes.
    pub fn labels_elsewhere(&self) -> impl Iterator<Item = &Label> {
        self.labels
            .iter()
            .filter(|label| !std::ptr::eq(&*label.span.file, self.file()))
    }

    /// Total order used before rendering: file, position, rule code, message.
    pub fn cmp_for_output(&self, other: &Self) -> std::cmp::Ordering {
        self.primary
            .span
            .sort_key()
            .cmp(&other.primary.span.sort_key())
            .then_with(|| self.rule.code.cmp(other.rule.code))
            .then_with(|| self.message.cmp(&other.message))
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!("{} {}", self.rule.code, self.rule.name)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.file())
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let same_file = |label: &&Label| std::ptr::eq(&*label.span.file, self.file());
        let primary = std::iter::once(&self.primary).map(|label| {
            miette::LabeledSpan::new_primary_with_span(
                Some(label.text.clone()),
                label.span.source_span(),
            )
        });
        let secondary = self.labels.iter().filter(same_file).map(|label| {
            miette::LabeledSpan::new_with_span(Some(label.text.clone()), label.span.source_span())
        });
        Some(Box::new(primary.chain(secondary)))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        let mut elsewhere = self
            .labels_elsewhere()
            .map(|label| label as &dyn miette::Diagnostic)
            .peekable();
        elsewhere.peek()?;
        Some(Box::new(elsewhere))
    }
}

// A label in another file than the primary one is shown by miette as a related note, so a
// label can render itself as a small diagnostic of its own.
impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&Label::see(self.span.file.path()))
    }
}

impl Label {
    /// The heading of a label shown as a related note: the file it is in.
    pub fn see(path: &str) -> String {
        format!("see {path}")
    }
}

impl std::error::Error for Label {}

impl miette::Diagnostic for Label {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&*self.span.file)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_primary_with_span(
                Some(self.text.clone()),
                self.span.source_span(),
            ),
        )))
    }
}
