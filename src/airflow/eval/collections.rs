//! Lists, tuples, sets, dicts, subscripts and comprehensions.

use std::sync::Arc;

use tree_sitter::Node;

use super::Evaluator;
use crate::airflow::grammar::{BODY, KEY, LEFT, RIGHT, SUBSCRIPT, Syntax, VALUE};
use crate::airflow::value::{Item, Value};
use crate::airflow::walk::{children, named_children};

impl<'t> Evaluator<'t> {
    pub(super) fn sequence(&self, node: Node) -> Value {
        let mut items = Vec::new();
        for child in named_children(node) {
            if child.kind_name() == "list_splat" {
                let inner = child.named_child(0).map(|n| self.eval(n));
                match inner {
                    Some(Item {
                        value: Value::List(more),
                        ..
                    }) => items.extend(Arc::unwrap_or_clone(more)),
                    _ => items.push(Item::new(
                        Value::Unknown("a `*` splat".into()),
                        self.span(child),
                    )),
                }
            } else if child.kind_name() == "comment" {
                continue;
            } else if matches!(
                child.kind_name(),
                "list_comprehension" | "generator_expression"
            ) {
                return Value::Unknown("a comprehension".into());
            } else {
                items.push(self.eval(child));
            }
        }
        Value::list(items)
    }

    pub(super) fn dictionary(&self, node: Node) -> Value {
        let mut pairs: Vec<(Item, Item)> = Vec::new();
        for child in named_children(node) {
            match child.kind_name() {
                "pair" => {
                    let (Some(key), Some(value)) = (child.field(&KEY), child.field(&VALUE)) else {
                        continue;
                    };
                    pairs.push((self.eval(key), self.eval(value)));
                }
                "dictionary_splat" => {
                    let inner = child.named_child(0).map(|n| self.eval(n));
                    match inner {
                        Some(Item {
                            value: Value::Dict(more),
                            ..
                        }) => pairs.extend(more.iter().cloned()),
                        _ => return Value::Unknown("a `**` splat of an unknown dict".into()),
                    }
                }
                "dictionary_comprehension" => return self.comprehension(child),
                _ => {}
            }
        }
        Value::Dict(pairs.into())
    }

    /// `a[k]`, and chains `a[i][j]` walked without recursion: the innermost object first,
    /// then each key in order, as Python evaluates them.
    pub(super) fn subscript(&self, node: Node) -> Value {
        let mut levels = Vec::new();
        let mut object = node;
        while object.kind_name() == "subscript" {
            let (Some(inner), Some(key)) = (object.field(&VALUE), object.field(&SUBSCRIPT)) else {
                return Value::Unknown("a subscript".into());
            };
            levels.push((object, key));
            object = inner;
        }
        let mut value = self.eval_value(object);
        for (step, (level, key)) in levels.into_iter().rev().enumerate() {
            let found = if key.kind_name() == "slice" {
                self.slice(&value, key)
            } else {
                index(&value, &self.eval_value(key))
            };
            value = match found {
                Some(found) => found,
                // Outer levels of a chain keep the reason an inner one gave.
                None if step > 0 && matches!(value, Value::Unknown(_)) => value,
                None => Value::Unknown(format!("the subscript `{}`", self.text(level))),
            };
        }
        value
    }

    /// `items[start:stop:step]` of a known list, with Python's defaults, negative indices and
    /// clamping.
    fn slice(&self, object: &Value, slice: Node) -> Option<Value> {
        let Value::List(items) = object else {
            return None;
        };
        // Up to three bounds, each after the colons before it; absent ones are `None`.
        let mut bounds: [Option<i64>; 3] = [None; 3];
        let mut position = 0;
        for child in children(slice) {
            if child.kind_name() == ":" {
                position += 1;
            } else if child.is_named() && child.kind_name() != "comment" {
                match (self.eval_value(child), bounds.get_mut(position)) {
                    (Value::Int(bound), Some(slot)) => *slot = Some(bound),
                    (Value::None, Some(_)) => {}
                    _ => return None,
                }
            }
        }
        let [start, stop, step] = bounds;
        let picked = slice_indices(items.len(), start, stop, step.unwrap_or(1))?;
        Some(Value::list(
            picked.into_iter().map(|i| items[i].clone()).collect(),
        ))
    }

    /// `[expr for x in xs if cond]` (and generator and set forms) over known iterables.
    pub(super) fn comprehension(&self, node: Node) -> Value {
        let Some(body) = node.field(&BODY) else {
            return Value::Unknown("a comprehension".into());
        };
        let clauses: Vec<Node> = named_children(node)
            .into_iter()
            .filter(|n| matches!(n.kind_name(), "for_in_clause" | "if_clause"))
            .collect();
        let mut items = Vec::new();
        self.push_scope();
        let complete = self.comprehension_clauses(body, &clauses, &mut items);
        self.pop_scope();
        if !complete {
            return Value::Unknown("a comprehension over unknown values".into());
        }
        if node.kind_name() != "dictionary_comprehension" {
            return Value::list(items);
        }
        // `{k: v for ...}`: each body is a `[key, value]` pair.
        let pairs: Option<Vec<(Item, Item)>> = items
            .into_iter()
            .map(|item| match item.value {
                Value::List(pair) if pair.len() == 2 => {
                    let mut pair = Arc::unwrap_or_clone(pair);
                    let value = pair.pop()?;
                    Some((pair.pop()?, value))
                }
                _ => None,
            })
            .collect();
        pairs.map_or_else(
            || Value::Unknown("a dict comprehension".into()),
            |pairs| Value::Dict(pairs.into()),
        )
    }

    /// `key: value` in a dict comprehension, as a `[key, value]` pair.
    pub(super) fn pair(&self, node: Node) -> Value {
        match (node.field(&KEY), node.field(&VALUE)) {
            (Some(key), Some(value)) => Value::list(vec![self.eval(key), self.eval(value)]),
            _ => Value::Unknown("a dict entry".into()),
        }
    }

    /// Runs the clauses from the first one on, collecting `body` for every binding that passes;
    /// false when an iterable or condition is unknown.
    fn comprehension_clauses(&self, body: Node, clauses: &[Node], out: &mut Vec<Item>) -> bool {
        let Some(clause) = clauses.first() else {
            out.push(self.eval(body));
            return true;
        };
        // One level per clause: `[x for a in A for b in B ...]`.
        if !self.descend(*clause) {
            return false;
        }
        let complete = self.comprehension_clause(body, clauses, out);
        self.ascend();
        complete
    }

    fn comprehension_clause(&self, body: Node, clauses: &[Node], out: &mut Vec<Item>) -> bool {
        let Some((clause, rest)) = clauses.split_first() else {
            out.push(self.eval(body));
            return true;
        };
        match clause.kind_name() {
            "for_in_clause" => {
                let (Some(left), Some(right)) = (clause.field(&LEFT), clause.field(&RIGHT)) else {
                    return false;
                };
                let Some(elements) = iteration(self.eval_value(right))
                    .filter(|elements| self.spend_iterations(elements.len()))
                else {
                    return false;
                };
                elements.into_iter().all(|element| {
                    self.assign(left, element);
                    self.comprehension_clauses(body, rest, out)
                })
            }
            _ => match clause
                .named_child(0)
                .and_then(|condition| self.eval_value(condition).truthy())
            {
                Some(true) => self.comprehension_clauses(body, rest, out),
                Some(false) => true,
                None => false,
            },
        }
    }
}

/// A list of known strings or of known numbers, sorted as Python sorts it.
pub(super) fn sorted_scalars(items: &[Item]) -> Option<Vec<Item>> {
    let mut keyed: Vec<(Result<i64, String>, &Item)> = items
        .iter()
        .map(|item| match &item.value {
            Value::Int(n) => Some((Ok(*n), item)),
            Value::Str(text) => Some((Err(text.known()?), item)),
            _ => None,
        })
        .collect::<Option<_>>()?;
    // Python refuses to compare strings with numbers.
    if keyed.iter().any(|k| k.0.is_ok()) && keyed.iter().any(|k| k.0.is_err()) {
        return None;
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    Some(keyed.into_iter().map(|(_, item)| item.clone()).collect())
}

/// The elements a `for` loop over a known value visits: a list's items, a dict's keys.
pub fn iteration(value: Value) -> Option<Vec<Item>> {
    match value {
        Value::List(items) => Some(Arc::unwrap_or_clone(items)),
        Value::Dict(pairs) => Some(pairs.iter().map(|(key, _)| key.clone()).collect()),
        _ => None,
    }
}

/// `object[key]` on a known dict or list; `None` when the pair is not one monolint reads.
/// The indices `[start:stop:step]` picks from a sequence of `len` items, as Python's
/// `slice.indices` gives them; `None` for a zero step.
fn slice_indices(
    len: usize,
    start: Option<i64>,
    stop: Option<i64>,
    step: i64,
) -> Option<Vec<usize>> {
    let len = i64::try_from(len).ok()?;
    // Python: a negative bound counts from the end, then clamps to the sequence.
    let (low, high) = if step > 0 { (0, len) } else { (-1, len - 1) };
    let clamp = |bound: i64| {
        let bound = if bound < 0 { bound + len } else { bound };
        bound.clamp(low, high)
    };
    let (mut at, end) = match step {
        0 => return None,
        _ if step > 0 => (start.map_or(0, clamp), stop.map_or(len, clamp)),
        _ => (start.map_or(len - 1, clamp), stop.map_or(-1, clamp)),
    };
    let mut picked = Vec::new();
    while (step > 0 && at < end) || (step < 0 && at > end) {
        picked.push(usize::try_from(at).ok()?);
        at += step;
    }
    Some(picked)
}

fn index(object: &Value, key: &Value) -> Option<Value> {
    Some(match (object, key) {
        (Value::Dict(_), Value::Str(text)) => text
            .known()
            .and_then(|k| object.get(&k).map(|item| item.value.clone()))
            .unwrap_or_else(|| Value::Unknown("a missing dict key".into())),
        (Value::List(items), Value::Int(index)) => {
            let index = if *index < 0 {
                items.len() as i64 + index
            } else {
                *index
            };
            usize::try_from(index)
                .ok()
                .and_then(|i| items.get(i))
                .map_or_else(
                    || Value::Unknown("an index out of range".into()),
                    |item| item.value.clone(),
                )
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::slice_indices;

    #[test]
    fn slices_pick_what_python_picks() {
        // Each case checked against CPython's `list(range(5))[...]`.
        type Case = (Option<i64>, Option<i64>, i64, &'static [usize]);
        let cases: [Case; 8] = [
            (None, Some(2), 1, &[0, 1]),
            (Some(2), Some(4), 1, &[2, 3]),
            (Some(8), Some(9), 1, &[]),
            (Some(-2), None, 1, &[3, 4]),
            (None, None, 2, &[0, 2, 4]),
            (None, None, -1, &[4, 3, 2, 1, 0]),
            (Some(3), Some(0), -2, &[3, 1]),
            (Some(-10), Some(10), 1, &[0, 1, 2, 3, 4]),
        ];
        for (start, stop, step, expected) in cases {
            assert_eq!(
                slice_indices(5, start, stop, step).as_deref(),
                Some(expected),
                "[{start:?}:{stop:?}:{step}]"
            );
        }
        assert_eq!(slice_indices(5, None, None, 0), None);
    }
}
