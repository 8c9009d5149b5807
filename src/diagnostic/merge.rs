//! One finding per cause: findings of one rule that point at the same line are one finding.
//!
//! A literal or `default_args` shared by several tasks or DAGs, or a YAML entry shared by the
//! versions of a model, is one cause: reported once at that place, with the other tasks,
//! DAGs or models as related locations.

use std::collections::BTreeMap;

use super::{Diagnostic, Label};

/// Merges the diagnostics of one rule that start on the same line of the same file, keeping
/// the first (in output order) and adding the others' places as labels. Input and output are
/// sorted with [`Diagnostic::cmp_for_output`].
pub fn merge_same_line(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut merged: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len());
    // (rule code, file, line) → index in `merged`.
    let mut at: BTreeMap<(&'static str, String, usize), usize> = BTreeMap::new();
    for diagnostic in diagnostics {
        let key = (
            diagnostic.rule.code,
            diagnostic.file().path().to_owned(),
            diagnostic.primary.span.start_line_col().line,
        );
        match at.get(&key) {
            Some(&index) => absorb(&mut merged[index], diagnostic),
            None => {
                at.insert(key, merged.len());
                merged.push(diagnostic);
            }
        }
    }
    merged
}

/// Adds `other`'s places to `kept`: its primary span (when it is another span) and its labels,
/// each once.
fn absorb(kept: &mut Diagnostic, other: Diagnostic) {
    let Diagnostic {
        primary,
        labels,
        message,
        subjects,
        help,
        ..
    } = other;
    for subject in subjects {
        if !kept.subjects.contains(&subject) {
            kept.subjects.push(subject);
        }
    }
    let primary = if message == kept.message {
        // The same finding again (a literal shared by loop-made tasks), or the same message
        // with its own note: keep the note.
        (!(same_span(&primary, &kept.primary) && primary.text == kept.primary.text))
            .then_some(primary)
    } else {
        // The other finding says something else about another span of this line: keep what
        // it says, and its advice when that differs.
        let text = match help.filter(|help| Some(help) != kept.help.as_ref()) {
            Some(help) => format!("{message}; {help}"),
            None => message,
        };
        Some(Label::new(primary.span, text))
    };
    for label in primary.into_iter().chain(labels) {
        let known = (same_span(&label, &kept.primary) && label.text == kept.primary.text)
            || kept
                .labels
                .iter()
                .any(|seen| same_span(seen, &label) && seen.text == label.text);
        if !known {
            kept.labels.push(label);
        }
    }
    kept.merged += 1;
}

fn same_span(a: &Label, b: &Label) -> bool {
    a.span.file.path() == b.span.file.path()
        && a.span.start == b.span.start
        && a.span.end == b.span.end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::rules::ALL;
    use crate::source::{SourceFile, Span};

    fn finding(
        file: &std::sync::Arc<SourceFile>,
        range: std::ops::Range<u32>,
        message: &str,
    ) -> Diagnostic {
        Diagnostic::new(
            ALL[0],
            Severity::Warning,
            message,
            Label::new(Span::new(file.clone(), range), "here"),
        )
    }

    #[test]
    fn same_line_findings_of_a_rule_become_one() {
        let file = SourceFile::new("dags/a.py", "x = 'tag:a tag:b'\ny = 1\n");
        let merged = merge_same_line(vec![
            finding(&file, 5..10, "selector `tag:a` matches nothing"),
            finding(&file, 5..10, "selector `tag:a` matches nothing"),
            finding(&file, 11..16, "selector `tag:b` matches nothing"),
            finding(&file, 18..23, "another line"),
        ]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].merged, 2);
        assert_eq!(merged[0].labels.len(), 1);
        assert_eq!(merged[0].labels[0].text, "selector `tag:b` matches nothing");
        assert_eq!(merged[1].message, "another line");
    }
}
