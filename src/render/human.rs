//! Code frames with labels and help, through miette's graphical handler.

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, MietteError, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};

use super::{PathBase, RenderOptions, summary_lines};
use crate::Report;
use crate::diagnostic::{Diagnostic, Label};

fn handler(options: &RenderOptions) -> GraphicalReportHandler {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_links(false)
}

pub fn render(report: &Report, options: &RenderOptions) -> String {
    let mut out = String::new();
    for diagnostic in &report.diagnostics {
        if options.base.is_empty() {
            out.push_str(&draw(diagnostic, options));
        } else {
            out.push_str(&draw(&Rebased::finding(diagnostic, &options.base), options));
        }
    }
    if !options.quiet {
        out.push_str(&summary_lines(report));
    }
    out
}

/// An input problem (or any diagnostic without related notes).
pub fn render_miette(diagnostic: &dyn miette::Diagnostic, options: &RenderOptions) -> String {
    if options.base.is_empty() {
        draw(diagnostic, options)
    } else {
        draw(&Rebased::new(diagnostic, &options.base, None), options)
    }
}

fn draw(diagnostic: &dyn miette::Diagnostic, options: &RenderOptions) -> String {
    let mut out = String::new();
    if handler(options)
        .render_report(&mut out, diagnostic)
        .is_err()
    {
        out = format!("{diagnostic}\n");
    }
    out
}

/// A diagnostic shown with its files named from the current directory: the code frames'
/// headers and the related notes' "see" lines. Everything else is the diagnostic's own.
struct Rebased<'a> {
    inner: &'a dyn miette::Diagnostic,
    source: Option<RebasedSource<'a>>,
    /// The heading, when it names a file.
    heading: Option<String>,
    related: Vec<Rebased<'a>>,
}

impl<'a> Rebased<'a> {
    fn new(inner: &'a dyn miette::Diagnostic, base: &'a PathBase, heading: Option<String>) -> Self {
        Rebased {
            inner,
            source: inner
                .source_code()
                .map(|inner| RebasedSource { inner, base }),
            heading,
            related: Vec::new(),
        }
    }

    /// A finding, with its labels in other files as related notes.
    fn finding(diagnostic: &'a Diagnostic, base: &'a PathBase) -> Self {
        let mut rebased = Rebased::new(diagnostic, base, None);
        rebased.related = diagnostic
            .labels_elsewhere()
            .map(|label| {
                let heading = Label::see(&base.show(label.span.file.path()));
                Rebased::new(label, base, Some(heading))
            })
            .collect();
        rebased
    }
}

impl fmt::Display for Rebased<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.heading {
            Some(heading) => f.write_str(heading),
            None => fmt::Display::fmt(self.inner, f),
        }
    }
}

impl fmt::Debug for Rebased<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.inner, f)
    }
}

impl std::error::Error for Rebased<'_> {}

impl miette::Diagnostic for Rebased<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.help()
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.url()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|source| source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.inner.labels()
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related
                .iter()
                .map(|related| related as &dyn miette::Diagnostic),
        ))
    }
}

/// A file's text, named from the current directory.
struct RebasedSource<'a> {
    inner: &'a dyn SourceCode,
    base: &'a PathBase,
}

impl SourceCode for RebasedSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let contents = self
            .inner
            .read_span(span, context_lines_before, context_lines_after)?;
        let Some(name) = contents.name() else {
            return Ok(contents);
        };
        let mut rebased = MietteSpanContents::new_named(
            self.base.show(name).into_owned(),
            contents.data(),
            *contents.span(),
            contents.line(),
            contents.column(),
            contents.line_count(),
        );
        if let Some(language) = contents.language() {
            rebased = rebased.with_language(language);
        }
        Ok(Box::new(rebased))
    }
}
