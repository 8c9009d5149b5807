//! Walking tree-sitter syntax trees without recursion, so how deeply a file nests never
//! decides how much stack a walk takes.

use tree_sitter::{Node, TreeCursor};

/// What a pre-order walk does after visiting a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// Visit the node's named children next.
    Descend,
    /// Leave the node's children out.
    Skip,
    /// End the walk.
    Stop,
}

/// Visits `root` and its named descendants in source order (a node before its children),
/// as `visit` directs.
pub fn preorder<'t>(root: Node<'t>, visit: impl FnMut(Node<'t>) -> Walk) {
    walk(root, Children::Named, visit);
}

/// Visits `root` and every descendant, anonymous tokens (`(`, `:`) included, in source
/// order, as `visit` directs.
pub fn preorder_all<'t>(root: Node<'t>, visit: impl FnMut(Node<'t>) -> Walk) {
    walk(root, Children::All, visit);
}

/// Which of a node's children a walk goes to.
#[derive(Clone, Copy)]
enum Children {
    Named,
    All,
}

/// The pre-order walk: the nodes still to visit wait on a stack, so nesting costs heap, not
/// call stack.
fn walk<'t>(root: Node<'t>, children: Children, mut visit: impl FnMut(Node<'t>) -> Walk) {
    let mut stack = vec![root];
    let mut cursor = None;
    while let Some(node) = stack.pop() {
        match visit(node) {
            Walk::Stop => return,
            Walk::Skip => {}
            Walk::Descend => push_children(node, children, &mut stack, &mut cursor),
        }
    }
}

/// Up to this many children, a node's children are read by index: tree-sitter finds child
/// `i` by stepping from the first, which for a few children costs less than moving a
/// `TreeCursor` (each cursor step re-reads the parent and climbs through hidden nodes). A
/// wider node (a module's statements, a long argument list) takes the cursor, where
/// indexing would cost the square of its width.
const FEW_CHILDREN: usize = 16;

/// Pushes `node`'s children (named ones, or all) on `stack` so that they pop in source
/// order. A wide node takes `cursor`, made on first use and kept for the next (a new cursor
/// per node would be an allocation each).
fn push_children<'t>(
    node: Node<'t>,
    children: Children,
    stack: &mut Vec<Node<'t>>,
    cursor: &mut Option<TreeCursor<'t>>,
) {
    let count = match children {
        Children::Named => node.named_child_count(),
        Children::All => node.child_count(),
    };
    if count <= FEW_CHILDREN {
        stack.extend((0..count).rev().filter_map(|index| match children {
            Children::Named => node.named_child(index),
            Children::All => node.child(index),
        }));
        return;
    }
    let cursor = cursor.get_or_insert_with(|| node.walk());
    let start = stack.len();
    match children {
        Children::Named => stack.extend(node.named_children(cursor)),
        Children::All => stack.extend(node.children(cursor)),
    }
    stack[start..].reverse();
}

/// Pushes `node`'s named children on `stack` so that they pop in source order (see
/// `push_children` for `cursor`).
pub fn push_named_children<'t>(
    node: Node<'t>,
    stack: &mut Vec<Node<'t>>,
    cursor: &mut Option<TreeCursor<'t>>,
) {
    push_children(node, Children::Named, stack, cursor);
}

/// A node's children, anonymous tokens included, in order.
pub fn children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut children = Vec::new();
    push_children(node, Children::All, &mut children, &mut None);
    children.reverse();
    children
}

/// A node's named children, in order.
pub fn named_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut children = Vec::new();
    push_named_children(node, &mut children, &mut None);
    children.reverse();
    children
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::airflow::grammar::{FUNCTION, Syntax};

    use crate::airflow::grammar::parse;

    #[test]
    fn visits_in_source_order_and_skips_and_stops() {
        let code = "f(a, g(b), lambda: h(c))\nstop(d)\nlast(e)\n";
        let tree = parse(code);
        let mut calls = Vec::new();
        preorder(tree.root_node(), |node| match node.kind_name() {
            "lambda" => Walk::Skip,
            "call" => {
                let name = node.field(&FUNCTION).unwrap();
                let name = name.utf8_text(code.as_bytes()).unwrap();
                calls.push(name.to_owned());
                if name == "stop" {
                    Walk::Stop
                } else {
                    Walk::Descend
                }
            }
            _ => Walk::Descend,
        });
        assert_eq!(calls, ["f", "g", "stop"]);
    }

    /// Every node below `root` in source order, as tree-sitter's cursor reaches them.
    fn cursor_order(root: Node) -> Vec<Node> {
        let mut nodes = Vec::new();
        let mut cursor = root.walk();
        'walk: loop {
            nodes.push(cursor.node());
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    break 'walk;
                }
            }
        }
        nodes
    }

    /// What tells nodes apart: identity, kind (aliases included), place and namedness.
    fn described(nodes: &[Node]) -> Vec<(usize, u16, std::ops::Range<usize>, bool)> {
        nodes
            .iter()
            .map(|node| {
                (
                    node.id(),
                    node.kind_id(),
                    node.byte_range(),
                    node.is_named(),
                )
            })
            .collect()
    }

    #[test]
    fn children_by_index_and_by_cursor_agree() {
        // Narrow nodes and wide ones (the module, the long call), aliased tokens (`not in`,
        // `is not`), comments and line continuations among the children.
        let arguments: Vec<String> = (0..40).map(|i| format!("a{i}={i}")).collect();
        let code = format!(
            "import os  # note\nx = f({})\nif a not in b and c is not d:\n    y = [1, 2, \\\n        3]\nclass C(B):\n    def m(self, *a, **k) -> int:\n        return {{k: v for k, v in z if v}}\n@task(x=f\"{{a!r:>{{w}}}}\\n\")\ndef g(): pass\n",
            arguments.join(", ")
        );
        let tree = parse(&code);
        let all = cursor_order(tree.root_node());
        let mut visited = Vec::new();
        preorder_all(tree.root_node(), |node| {
            visited.push(node);
            Walk::Descend
        });
        assert_eq!(described(&visited), described(&all));
        assert!(all.iter().any(|node| node.child_count() > FEW_CHILDREN));
        let named: Vec<Node> = all
            .iter()
            .copied()
            .filter(|node| {
                // Named nodes whose ancestors are all named: what a named walk reaches.
                let mut ancestor = Some(*node);
                while let Some(current) = ancestor {
                    if !current.is_named() {
                        return false;
                    }
                    ancestor = current.parent();
                }
                true
            })
            .collect();
        let mut visited = Vec::new();
        preorder(tree.root_node(), |node| {
            visited.push(node);
            Walk::Descend
        });
        assert_eq!(described(&visited), described(&named));
        for node in all {
            let mut cursor = node.walk();
            let every: Vec<Node> = node.children(&mut cursor).collect();
            assert_eq!(described(&children(node)), described(&every));
            let expected: Vec<Node> = node.named_children(&mut cursor).collect();
            assert_eq!(described(&named_children(node)), described(&expected));
            let mut stack = Vec::new();
            push_named_children(node, &mut stack, &mut None);
            stack.reverse();
            assert_eq!(described(&stack), described(&expected));
        }
    }

    #[test]
    fn deep_trees_take_no_stack() {
        let depth = 50_000;
        let code = format!("x = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
        let tree = parse(&code);
        let mut lists = 0;
        // A small stack: the walk must not recurse.
        std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || {
                preorder(tree.root_node(), |node| {
                    lists += usize::from(node.kind_name() == "list");
                    Walk::Descend
                });
                lists
            })
            .unwrap()
            .join()
            .map(|lists| assert_eq!(lists, depth))
            .unwrap();
    }
}
