//! One finding per cause: findings of one rule that point at the same line are one finding.
//!
//! A literal or `default_args` shared by several tasks or DAGs, or a YAML entry shared by the
//! versions of a model, is one cause: reported once at that place, with the other tasks,
//! DAGs or models as related locations.

use std::collections::{BTreeMap, HashSet};

use super::{Diagnostic, Label, NodeRef};

/// At most this many related places are kept on a merged finding: a generated command line
/// of thousands of tokens on one line would otherwise draw one row per token, each as wide
/// as the line. The help says how many more there are.
const MAX_LABELS: usize = 100;

/// Merges the diagnostics of one rule that start on the same line of the same file, keeping
/// the first (in output order) and adding the others' places as labels. Input and output are
/// sorted with [`Diagnostic::cmp_for_output`].
pub fn merge_same_line(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut merged: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len());
    let mut seen: Vec<Seen> = Vec::with_capacity(diagnostics.len());
    // (rule code, file, line) → index in `merged`.
    let mut at: BTreeMap<(&'static str, String, usize), usize> = BTreeMap::new();
    for diagnostic in diagnostics {
        let key = (
            diagnostic.rule.code,
            diagnostic.file().path().to_owned(),
            diagnostic.primary.span.start_line_col().line,
        );
        match at.get(&key) {
            Some(&index) => absorb(&mut merged[index], &mut seen[index], diagnostic),
            None => {
                at.insert(key, merged.len());
                seen.push(Seen::of(&diagnostic));
                merged.push(diagnostic);
            }
        }
    }
    for (diagnostic, seen) in merged.iter_mut().zip(seen) {
        if seen.omitted > 0 {
            let more = format!("{} more places on this line are not shown", seen.omitted);
            diagnostic.help = Some(match diagnostic.help.take() {
                Some(help) => format!("{help}; {more}"),
                None => more,
            });
        }
    }
    merged
}

/// What a kept finding already holds, looked up by hash: merging stays linear in the number
/// of findings.
struct Seen {
    labels: HashSet<(String, u32, u32, String)>,
    subjects: HashSet<NodeRef>,
    /// Places not kept, past [`MAX_LABELS`].
    omitted: usize,
}

impl Seen {
    fn of(diagnostic: &Diagnostic) -> Seen {
        Seen {
            labels: diagnostic.labels.iter().map(label_key).collect(),
            subjects: diagnostic.subjects.iter().copied().collect(),
            omitted: 0,
        }
    }
}

fn label_key(label: &Label) -> (String, u32, u32, String) {
    (
        label.span.file.path().to_owned(),
        label.span.start,
        label.span.end,
        label.text.clone(),
    )
}

/// Adds `other`'s places to `kept`: its primary span (when it is another span) and its labels,
/// each once.
fn absorb(kept: &mut Diagnostic, seen: &mut Seen, other: Diagnostic) {
    let Diagnostic {
        primary,
        labels,
        message,
        subjects,
        help,
        ..
    } = other;
    for subject in subjects {
        if seen.subjects.insert(subject) {
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
        if (same_span(&label, &kept.primary) && label.text == kept.primary.text)
            || !seen.labels.insert(label_key(&label))
        {
            continue;
        }
        if kept.labels.len() < MAX_LABELS {
            kept.labels.push(label);
        } else {
            seen.omitted += 1;
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
    fn about_all_keeps_the_first_of_each_node_in_order() {
        use crate::dbt::graph::NodeId;
        let file = SourceFile::new("dags/a.py", "x = 1\n");
        let node = |project, node| NodeRef {
            project,
            node: NodeId(node),
        };
        let nodes = [
            node(0, 3),
            node(1, 3),
            node(0, 1),
            node(0, 3),
            node(0, 2),
            node(1, 3),
        ];
        let one_by_one = nodes
            .iter()
            .fold(finding(&file, 0..1, "m"), |d, n| d.about(n.project, n.node));
        let at_once = finding(&file, 0..1, "m")
            .about(0, NodeId(2))
            .about_all(nodes);
        assert_eq!(
            one_by_one.subjects,
            [node(0, 3), node(1, 3), node(0, 1), node(0, 2)]
        );
        assert_eq!(
            at_once.subjects,
            [node(0, 2), node(0, 3), node(1, 3), node(0, 1)]
        );
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

    #[test]
    fn many_findings_on_one_line_keep_a_bounded_number_of_places() {
        let text = format!("x = '{}'\n", "tag:a ".repeat(50_000));
        let file = SourceFile::new("dags/a.py", text);
        let findings: Vec<Diagnostic> = (0..50_000u32)
            .map(|n| finding(&file, 5 + 6 * n..10 + 6 * n, "matches nothing"))
            .collect();
        let merged = merge_same_line(findings);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].merged, 49_999);
        assert_eq!(merged[0].labels.len(), MAX_LABELS);
        assert_eq!(
            merged[0].help.as_deref(),
            Some("49899 more places on this line are not shown")
        );
    }
}
