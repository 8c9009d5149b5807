//! What CPython rejects in a file tree-sitter reads: syntax errors (placed at the token that
//! breaks the parse), Python 2 syntax that tree-sitter's grammar still accepts, and the
//! indentation CPython's tokenizer refuses (`TabError`, `IndentationError`). Airflow cannot
//! import such a file, so none of its DAGs exist.
//!
//! Every walk here is iterative: a file nested thousands of levels deep costs no stack.

use std::cmp::Ordering;
use std::ops::Range;

use tree_sitter::{Node, Tree};

use super::walk::{Walk, preorder_all};
use crate::airflow::grammar::Syntax;

/// Why CPython would not import a file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxProblem {
    /// Byte range of the offending token (at least one byte when the file has one).
    pub range: Range<usize>,
    pub message: String,
    pub label: String,
    pub help: &'static str,
}

const FIX_SYNTAX: &str =
    "Airflow cannot import this file either, so none of its DAGs exist; fix the syntax";
const PYTHON_3: &str = "Airflow runs Python 3, which rejects this: the file fails to import and none of its DAGs exist";
const FIX_INDENT: &str = "Airflow cannot import this file either, so none of its DAGs exist; indent with spaces only (or tabs only), as the enclosing block does";

/// The first problem CPython would report, if any.
pub fn find_problem(tree: &Tree, text: &str) -> Option<SyntaxProblem> {
    let root = tree.root_node();
    if root.has_error() {
        return Some(syntax_error(root, text));
    }
    let mut scan = Scan::new(text);
    scan.walk(root);
    scan.problem
}

/// The first ERROR or MISSING node in reading order, and the token within it that breaks the
/// parse: after the complete statements tree-sitter kept at its start.
fn syntax_error(root: Node, text: &str) -> SyntaxProblem {
    let mut found = None;
    preorder_all(root, |node| {
        if node.is_error() || node.is_missing() {
            found = Some(node);
            Walk::Stop
        } else if node.has_error() {
            Walk::Descend
        } else {
            Walk::Skip
        }
    });
    let Some(node) = found else {
        return SyntaxProblem {
            range: 0..text.len().min(1),
            message: "invalid Python syntax".to_owned(),
            label: "Python cannot parse this".to_owned(),
            help: FIX_SYNTAX,
        };
    };
    if node.is_missing() {
        let at = node.start_byte();
        return SyntaxProblem {
            range: at..next_char_end(text, at),
            message: "invalid Python syntax".to_owned(),
            label: format!("Python expects `{}` here", node.kind_name()),
            help: FIX_SYNTAX,
        };
    }
    let mut cursor = node.walk();
    let culprit = node
        .children(&mut cursor)
        .find(|child| !(child.is_named() && child.child_count() > 0 && !child.has_error()))
        .unwrap_or(node);
    // From there to the end of what tree-sitter could not fit.
    let start = culprit.start_byte();
    let end = node.end_byte().max(next_char_end(text, start));
    SyntaxProblem {
        range: start..end,
        message: "invalid Python syntax".to_owned(),
        label: "Python cannot parse this".to_owned(),
        help: FIX_SYNTAX,
    }
}

/// The end of the character at `at` (an empty range at the end of the text).
fn next_char_end(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(at, |c| at + c.len_utf8())
}

/// One walk over a parsed file: Python 2 constructs by node, indentation by logical line.
struct Scan<'a> {
    text: &'a str,
    problem: Option<SyntaxProblem>,
    /// CPython's indentation stack: (column with tabs to multiples of 8, column with tabs as 1).
    indents: Vec<(usize, usize)>,
    /// Open brackets: inside them, new lines continue the logical line.
    depth: usize,
    /// Row where the previous token ended, and whether that token was `:` or a `\` newline.
    previous: Option<(usize, &'static str)>,
}

impl<'a> Scan<'a> {
    fn new(text: &'a str) -> Self {
        Scan {
            text,
            problem: None,
            indents: vec![(0, 0)],
            depth: 0,
            previous: None,
        }
    }

    fn walk(&mut self, root: Node) {
        preorder_all(root, |node| {
            if let Some(problem) = python2(node, self.text) {
                self.problem = Some(problem);
                return Walk::Stop;
            }
            // A string (f-strings and their nested quotes included) is one token.
            let is_token = node.child_count() == 0 || node.kind_name() == "string";
            if is_token && node.end_byte() > node.start_byte() {
                self.token(node);
                if self.problem.is_some() {
                    return Walk::Stop;
                }
            }
            if is_token { Walk::Skip } else { Walk::Descend }
        });
    }

    fn token(&mut self, node: Node) {
        let kind = node.kind_name();
        if kind == "comment" {
            return;
        }
        let row = node.start_position().row;
        let starts_line = match self.previous {
            None => true,
            Some((end_row, previous)) => {
                end_row < row && self.depth == 0 && previous != "line_continuation"
            }
        };
        if starts_line {
            let after_colon = self.previous.is_some_and(|(_, previous)| previous == ":");
            self.logical_line(
                node.start_byte() - node.start_position().column,
                node,
                after_colon,
            );
        }
        match kind {
            "(" | "[" | "{" => self.depth += 1,
            ")" | "]" | "}" => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        let kind = match kind {
            ":" => ":",
            "line_continuation" => "line_continuation",
            _ => "",
        };
        self.previous = Some((node.end_position().row, kind));
    }

    /// CPython's tokenizer at the start of a logical line (`tok_get`'s indentation block).
    fn logical_line(&mut self, line_start: usize, first: Node, after_colon: bool) {
        let (mut column, mut alt_column) = (0, 0);
        for byte in self.text.as_bytes()[line_start..first.start_byte()].iter() {
            match byte {
                b' ' => {
                    column += 1;
                    alt_column += 1;
                }
                b'\t' => {
                    column = (column / 8 + 1) * 8;
                    alt_column += 1;
                }
                0x0c => (column, alt_column) = (0, 0),
                _ => {}
            }
        }
        let at = line_start..first.start_byte().max(line_start + 1);
        let (top, alt_top) = self.indents.last().copied().unwrap_or((0, 0));
        // The tokenizer's errors come first, then the parser's.
        let tokenizer = match column.cmp(&top) {
            Ordering::Equal => (alt_column != alt_top).then(tab_error),
            Ordering::Greater if alt_column <= alt_top => Some(tab_error()),
            Ordering::Greater => {
                self.indents.push((column, alt_column));
                None
            }
            Ordering::Less => {
                while self.indents.len() > 1
                    && self.indents.last().is_some_and(|(c, _)| column < *c)
                {
                    self.indents.pop();
                }
                let (top, alt_top) = self.indents.last().copied().unwrap_or((0, 0));
                if column != top {
                    Some(indentation(
                        "unindent does not match any outer indentation level",
                        "no enclosing block is indented this way",
                    ))
                } else {
                    (alt_column != alt_top).then(tab_error)
                }
            }
        };
        let parser = match (column.cmp(&top), after_colon) {
            (Ordering::Greater, false) => Some(indentation(
                "unexpected indent",
                "this line is indented more than the block it is in",
            )),
            (Ordering::Equal | Ordering::Less, true) => Some(indentation(
                "expected an indented block",
                "this line should be indented",
            )),
            _ => None,
        };
        let problem = tokenizer.or(parser);
        self.problem = problem.map(|(message, label, help)| SyntaxProblem {
            range: at,
            message,
            label,
            help,
        });
    }
}

fn indentation(message: &str, label: &str) -> (String, String, &'static str) {
    (
        format!("IndentationError: {message}"),
        label.to_owned(),
        FIX_INDENT,
    )
}

fn tab_error() -> (String, String, &'static str) {
    (
        "TabError: inconsistent use of tabs and spaces in indentation".to_owned(),
        "this indentation mixes tabs and spaces differently from the block it belongs to"
            .to_owned(),
        FIX_INDENT,
    )
}

/// A Python 2 construct at `node`: tree-sitter's grammar accepts them, CPython 3 does not.
fn python2(node: Node, text: &str) -> Option<SyntaxProblem> {
    let node_text = || text.get(node.byte_range()).unwrap_or_default();
    // A string's prefix and quote.
    let opening = || {
        node.child(0)
            .and_then(|start| text.get(start.byte_range()))
            .unwrap_or_default()
    };
    let what = match node.kind_name() {
        "print_statement" => "the `print` statement (Python 3: `print(...)`)",
        "exec_statement" => "the `exec` statement (Python 3: `exec(...)`)",
        "<>" => "the `<>` operator (Python 3: `!=`)",
        "except_clause" if has_child(node, ",") => {
            "`except X, name` (Python 3: `except X as name`)"
        }
        "raise_statement" if has_child(node, "expression_list") => {
            "`raise E, value` (Python 3: `raise E(value)`)"
        }
        "string" if opening().starts_with('`') => "backticks (Python 3: `repr(...)`)",
        "string" if is_ur_prefix(opening()) => "the `ur` string prefix",
        "integer" if node_text().ends_with(['l', 'L']) => {
            "a long integer literal (Python 3: no `L` suffix)"
        }
        "integer" if is_old_octal(node_text()) => "an octal literal (Python 3: `0o...`)",
        _ => return None,
    };
    let range = match node.kind_name() {
        // The keyword or operator that gives it away.
        "print_statement" | "exec_statement" | "except_clause" | "raise_statement" => {
            node.start_byte()
                ..node
                    .child(0)
                    .map_or(node.end_byte(), |first| first.end_byte())
        }
        _ => node.byte_range(),
    };
    Some(SyntaxProblem {
        range,
        message: format!("Python 2 syntax: {what}"),
        label: "Python 3 cannot parse this".to_owned(),
        help: PYTHON_3,
    })
}

fn has_child(node: Node, kind: &str) -> bool {
    let mut cursor = node.walk();
    node.children(&mut cursor)
        .any(|child| child.kind_name() == kind)
}

/// `ur"..."` / `UR'...'`: Python 2's raw unicode prefix.
fn is_ur_prefix(start: &str) -> bool {
    let prefix: String = start
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    prefix.contains('u') && prefix.contains('r')
}

/// `0777`: a leading zero before other digits (`00` and `0_0` are still valid Python 3).
fn is_old_octal(literal: &str) -> bool {
    let digits: String = literal.chars().filter(|c| *c != '_').collect();
    digits.len() > 1
        && digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit())
        && digits.bytes().any(|b| b != b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(source: &str) -> Option<SyntaxProblem> {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        let tree = parser.parse(source, None).unwrap();
        find_problem(&tree, source)
    }

    /// The message and the 1-based line and column of the problem.
    fn at(source: &str) -> Option<(String, usize, usize)> {
        let problem = problem(source)?;
        let before = &source[..problem.range.start];
        let line = before.matches('\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        Some((problem.message, line, column))
    }

    #[test]
    fn valid_python_3_passes() {
        for source in [
            "import os\n\nx = 1\n",
            "def f():\n\tif x:\n\t\treturn 1\n\treturn 2\n",
            "def f():\n    if x:  # note\n        # only a comment\n        return 1\n\n    return 2\n",
            "x = [\n  1,\n      2,\n]\nif a and \\\n        b:\n    pass\n",
            "s = '''\n  text:\n'''\nclass A: pass\nprint(x), y\nprint (\"x\")\nprint\nexec(code)\n",
            "y = f'{a[\"k\"]:>{width}}'\nz = 00 + 0_0 + 0o777 + 0x1F\nw = rb'x' + Rb'y' + u'z'\n",
            "if x:\n    pass\nelif y:\n    pass\nelse:\n    pass\ntry:\n    pass\nexcept (A, B) as e:\n    raise E(1) from e\n",
            "match x:\n    case 1:\n        pass\n",
            "@dag(schedule=None)\ndef f():\n    pass\n",
            "",
            "\n\n# only comments\n",
        ] {
            assert_eq!(problem(source), None, "{source}");
        }
    }

    #[test]
    fn syntax_errors_point_at_their_line() {
        let (message, line, column) = at("from airflow import DAG\nx = 1\nprint(x))\n").unwrap();
        assert_eq!(
            (message.as_str(), line, column),
            ("invalid Python syntax", 3, 9)
        );
        let (_, line, _) = at(
            "import os\n\nwith DAG('a') as dag:\n    t = Op(\n        a=1\n        b=2,\n    )\n",
        )
        .unwrap();
        assert_eq!(line, 6);
        let (_, line, _) = at("import os\nx = 1\n\ndef f(\n").unwrap();
        assert_eq!(line, 4);
    }

    #[test]
    fn python_2_syntax_is_named() {
        for (source, what, line) in [
            ("import os\nprint \"x\"\n", "`print` statement", 2),
            ("print >>f, 'x'\n", "`print` statement", 1),
            ("exec \"x = 1\"\n", "`exec` statement", 1),
            ("x = `1`\n", "backticks", 1),
            ("if 1 <> 2:\n    pass\n", "`<>`", 1),
            (
                "try:\n    pass\nexcept ValueError, e:\n    pass\n",
                "`except X, name`",
                3,
            ),
            ("raise E, 'message'\n", "`raise E, value`", 1),
            ("x = 0777\n", "octal", 1),
            ("x = 10L\n", "long", 1),
            ("x = ur'a'\n", "`ur`", 1),
        ] {
            let (message, found_line, _) = at(source).unwrap_or_default();
            assert!(
                message.starts_with("Python 2 syntax: ") && message.contains(what),
                "{source}: {message}"
            );
            assert_eq!(found_line, line, "{source}");
        }
    }

    #[test]
    fn indentation_cpython_refuses() {
        for (source, message, line) in [
            (
                "def f():\n\tif x:\n        return 1\n\treturn 2\n",
                "TabError: inconsistent use of tabs and spaces in indentation",
                3,
            ),
            (
                "if x:\n        a = 1\n\tb = 2\n",
                "TabError: inconsistent use of tabs and spaces in indentation",
                3,
            ),
            (
                "import os\n  x = 1\n",
                "IndentationError: unexpected indent",
                2,
            ),
            (
                "if True:\npass\n",
                "IndentationError: expected an indented block",
                2,
            ),
            (
                "if x:\n        a = 1\n    b = 2\n",
                "IndentationError: unindent does not match any outer indentation level",
                3,
            ),
        ] {
            assert_eq!(at(source), Some((message.to_owned(), line, 1)), "{source}");
        }
    }

    #[test]
    fn deep_nesting_costs_no_stack() {
        let depth = 200_000;
        let source = format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth));
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || problem(&source))
            .unwrap();
        assert_eq!(handle.join().unwrap(), None);
        let broken = format!("x = {}1\n", "[".repeat(depth));
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || problem(&broken).map(|p| p.message))
            .unwrap();
        assert_eq!(
            handle.join().unwrap().as_deref(),
            Some("invalid Python syntax")
        );
    }
}
