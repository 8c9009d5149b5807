//! Code frames with labels and help, through miette's graphical handler.

use miette::{GraphicalReportHandler, GraphicalTheme};

use super::{RenderOptions, summary_lines};
use crate::Report;

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
        out.push_str(&render_miette(diagnostic, options));
    }
    if !options.quiet {
        out.push_str(&summary_lines(report));
    }
    out
}

pub fn render_miette(diagnostic: &dyn miette::Diagnostic, options: &RenderOptions) -> String {
    let mut out = String::new();
    if handler(options)
        .render_report(&mut out, diagnostic)
        .is_err()
    {
        out = format!("{diagnostic}\n");
    }
    out
}
