//! How far evaluation goes: the syntax tree is followed only so deep, so a generated or
//! hostile file (a thousand nested calls, a 30,000-term `+` chain) ends in values that are
//! unknown and one warning, never in a stack overflow.

use std::cell::{Cell, RefCell};

use tree_sitter::Node;

use super::Evaluator;
use crate::airflow::value::{Item, Value};
use crate::source::Span;

/// How deeply the syntax tree may nest (expressions in expressions, blocks in blocks, counted
/// together) before what lies deeper is unknown. CPython itself refuses more than 200 nested
/// brackets and 100 nested blocks, so real DAG files stay well within it; the stack of a
/// worker thread (2 MiB) holds it with room to spare, also in a debug build.
pub const MAX_NESTING: u32 = 200;

/// Why a value is unknown when the code holding it nests deeper than [`MAX_NESTING`].
pub const TOO_DEEP: &str = "code nested too deeply to follow";

/// How deeply a value bound to a name may nest (lists in lists, dicts in dicts). A value is
/// built from names bound earlier and at most [`MAX_NESTING`] levels of code, so with this
/// bound no value in flight nests deeper than their sum, which copying and dropping a value
/// (both recursive) handle on a worker thread's stack. Statements that wrap a name's value
/// again and again (`x = [x]` in a loop) end in an unknown value instead.
const MAX_VALUE_DEPTH: usize = 400;

/// What one file's evaluation has used up, shared with the evaluators of the modules whose
/// functions it calls.
#[derive(Debug, Default)]
pub(super) struct Bounds {
    nesting: Cell<u32>,
    /// The first place where the nesting went past the limit.
    too_deep: RefCell<Option<Span>>,
    /// Loop iterations unrolled so far, over the whole file.
    iterations: Cell<usize>,
}

/// How many times one loop (or comprehension) is unrolled at most: more than any real DAG
/// file's loop over dates or dbt nodes. A longer loop is not unrolled at all.
pub const MAX_LOOP_ITERATIONS: usize = 10_000;

/// How many loop iterations one file may unroll in all, so nested loops cannot multiply into
/// a hang.
pub const MAX_FILE_ITERATIONS: usize = 100_000;

impl Evaluator<'_> {
    /// Enters one level of the syntax tree at `node`; false (and the place remembered) when
    /// that would go past [`MAX_NESTING`]. Every `true` is followed by [`Evaluator::ascend`].
    pub fn descend(&self, node: Node) -> bool {
        let depth = self.bounds.nesting.get();
        if depth >= MAX_NESTING {
            // Its first token: the code below it may fill the line for thousands of bytes,
            // which the warning's code frame would underline whole.
            let first = node.child(0).unwrap_or(node);
            self.bounds
                .too_deep
                .borrow_mut()
                .get_or_insert_with(|| self.span(first));
            return false;
        }
        self.bounds.nesting.set(depth + 1);
        true
    }

    pub fn ascend(&self) {
        let depth = self.bounds.nesting.get();
        self.bounds.nesting.set(depth.saturating_sub(1));
    }

    /// `item`, or an unknown value in its place (and the place remembered) when it nests
    /// deeper than a bound value may.
    pub(super) fn bounded(&self, item: Item) -> Item {
        if !nests_deeper_than(&item.value, MAX_VALUE_DEPTH) {
            return item;
        }
        self.bounds
            .too_deep
            .borrow_mut()
            .get_or_insert_with(|| item.span.clone());
        Item::new(Value::Unknown(TOO_DEEP.into()), item.span)
    }

    /// Takes `count` iterations of one loop from the file's budget; false (and nothing taken)
    /// when the loop is longer than [`MAX_LOOP_ITERATIONS`] or the budget is spent.
    pub fn spend_iterations(&self, count: usize) -> bool {
        let spent = self.bounds.iterations.get();
        if count > MAX_LOOP_ITERATIONS || spent + count > MAX_FILE_ITERATIONS {
            return false;
        }
        self.bounds.iterations.set(spent + count);
        true
    }

    /// Where the file's code first nested deeper than monolint follows, if it did.
    pub fn too_deep(&self) -> Option<Span> {
        self.bounds.too_deep.borrow().clone()
    }
}

/// How many parts of a value the depth check looks at: a value wider than that (a whole dbt
/// manifest) is taken as shallow, so binding it stays cheap.
const DEPTH_CHECK_BUDGET: usize = 20_000;

/// Whether a value nests deeper than `limit` levels, found without recursion.
fn nests_deeper_than(value: &Value, limit: usize) -> bool {
    let mut pending = vec![(value, 0)];
    let mut visited = 0;
    while let Some((value, depth)) = pending.pop() {
        visited += 1;
        if visited > DEPTH_CHECK_BUDGET {
            return false;
        }
        if depth > limit {
            return true;
        }
        match value {
            Value::List(items) => pending.extend(items.iter().map(|item| (&item.value, depth + 1))),
            Value::Dict(pairs) => pending.extend(
                pairs
                    .iter()
                    .flat_map(|(key, value)| [(&key.value, depth + 1), (&value.value, depth + 1)]),
            ),
            Value::Instance(instance) => pending.extend(
                instance
                    .attributes
                    .iter()
                    .map(|(_, item)| (&item.value, depth + 1)),
            ),
            Value::Call(call) => pending.extend(
                call.args
                    .iter()
                    .chain(call.kwargs.iter().map(|(_, item)| item))
                    .map(|item| (&item.value, depth + 1)),
            ),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn value_depth_is_measured_without_recursion() {
        let span = Span::new(SourceFile::new("d.py", "x".to_owned()), 0..1);
        let mut value = Value::Int(1);
        for _ in 0..100_000 {
            value = Value::list(vec![Item::new(value, span.clone())]);
        }
        assert!(nests_deeper_than(&value, MAX_VALUE_DEPTH));
        let mut shallow = Value::Int(1);
        for _ in 0..MAX_VALUE_DEPTH {
            shallow = Value::list(vec![Item::new(shallow, span.clone())]);
        }
        assert!(!nests_deeper_than(&shallow, MAX_VALUE_DEPTH));
        // Dropping the deep value recursively would overflow: take it apart level by level.
        while let Value::List(items) = value {
            let mut items = std::sync::Arc::unwrap_or_clone(items);
            value = items.pop().map_or(Value::None, |item| item.value);
        }
    }
}
