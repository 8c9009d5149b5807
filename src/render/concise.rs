//! One line per finding: `path:line:column: CODE message`.

use super::{RenderOptions, summary_lines};
use crate::Report;

pub fn render(report: &Report, options: &RenderOptions) -> String {
    let mut out = String::new();
    for diagnostic in &report.diagnostics {
        let at = diagnostic.primary.span.start_line_col();
        out.push_str(&format!(
            "{}:{}:{}: {} {}\n",
            options.base.show(diagnostic.file().path()),
            at.line,
            at.column,
            diagnostic.rule.code,
            diagnostic.message
        ));
    }
    if !options.quiet {
        out.push_str(&summary_lines(report));
    }
    out
}
