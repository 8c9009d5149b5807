//! Errors in monolint's inputs (config, manifest, DAG files) and usage: exit code 2.

use std::fmt;

use crate::diagnostic::{Label, Severity};
use crate::source::Span;

/// An input or usage error: a message naming the file (and line, when known), an optional
/// snippet of the user's file and a hint on what to do.
#[derive(Debug, Clone)]
pub struct Error {
    /// `Error` stops the run (or fails it with exit code 2); `Warning` is shown and the run
    /// goes on, e.g. for a manifest newer than monolint knows.
    pub severity: Severity,
    pub message: String,
    pub label: Option<Label>,
    pub help: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            severity: Severity::Error,
            message: message.into(),
            label: None,
            help: None,
        }
    }

    /// An error at a span of a user file; the message is prefixed with `path:line:column`.
    pub fn at(span: Span, message: impl Into<String>, label: impl Into<String>) -> Self {
        let position = span.start_line_col();
        Error {
            severity: Severity::Error,
            message: format!(
                "{}:{}:{}: {}",
                span.file.path(),
                position.line,
                position.column,
                message.into()
            ),
            label: Some(Label::new(span, label)),
            help: None,
        }
    }

    pub fn into_warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl miette::Diagnostic for Error {
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
        self.label
            .as_ref()
            .map(|label| &*label.span.file as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let label = self.label.as_ref()?;
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_primary_with_span(
                Some(label.text.clone()),
                label.span.source_span(),
            ),
        )))
    }
}
