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
pub fn preorder<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>) -> Walk) {
    preorder_all(root, |node| {
        if node.is_named() {
            visit(node)
        } else {
            Walk::Skip
        }
    });
}

/// Visits `root` and every descendant, anonymous tokens (`(`, `:`) included, in source
/// order, as `visit` directs. One cursor moves through the tree: nothing is allocated per
/// node.
pub fn preorder_all<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>) -> Walk) {
    let mut cursor: TreeCursor<'t> = root.walk();
    loop {
        let descend = match visit(cursor.node()) {
            Walk::Stop => return,
            Walk::Descend => true,
            Walk::Skip => false,
        };
        if descend && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// Pushes `node`'s named children on `stack` so that they pop in source order, moving the
/// caller's `cursor` (a new cursor per node would be an allocation each).
pub fn push_named_children<'t>(
    node: Node<'t>,
    stack: &mut Vec<Node<'t>>,
    cursor: &mut TreeCursor<'t>,
) {
    let start = stack.len();
    stack.extend(node.named_children(cursor));
    stack[start..].reverse();
}

/// A node's named children, in order.
pub fn named_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
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
