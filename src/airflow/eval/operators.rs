//! Binary operators (`+`, `%`, `/` on paths, `|` on dicts, `&`/`|` on datasets) and
//! comparisons.

use std::sync::Arc;

use tree_sitter::Node;

use super::Evaluator;
use super::dates::{self, Moment};
use super::paths::join_path;
use super::strings::format_percent;
use crate::airflow::grammar::{ARGUMENT, LEFT, OPERATOR, OPERATORS, RIGHT, Syntax};
use crate::airflow::value::{Call, Item, Text, Value};
use crate::airflow::walk::named_children;
use crate::source::Span;

impl<'t> Evaluator<'t> {
    /// `a and b`, `a or b`: Python returns one of the operands. A chain (`a or b or c`)
    /// nests to the left and is walked without recursion, as for [`Evaluator::binary`].
    pub(super) fn boolean(&self, node: Node) -> Value {
        let mut chain = Vec::new();
        let mut innermost = node;
        while innermost.kind_name() == "boolean_operator" {
            let (Some(left), Some(operator), Some(right)) = (
                innermost.field(&LEFT),
                innermost.field(&OPERATOR),
                innermost.field(&RIGHT),
            ) else {
                return Value::Unknown("a boolean operator".into());
            };
            chain.push((self.text(operator), right));
            innermost = left;
        }
        let mut value = self.eval_value(innermost);
        for (operator, right) in chain.into_iter().rev() {
            value = match (operator, value.truthy()) {
                ("and", Some(false)) | ("or", Some(true)) => value,
                ("and", Some(true)) | ("or", Some(false)) => self.eval_value(right),
                _ => Value::Unknown("a boolean operator".into()),
            };
        }
        value
    }

    /// `-n`, `+n` on known numbers.
    pub(super) fn unary(&self, node: Node) -> Value {
        let operand = node
            .field(&ARGUMENT)
            .map(|argument| self.eval_value(argument));
        let operator = node.field(&OPERATOR).map(|operator| self.text(operator));
        match (operator, operand) {
            (Some("-"), Some(Value::Int(n))) => n
                .checked_neg()
                .map_or(Value::Unknown("overflow".into()), Value::Int),
            (Some("-"), Some(Value::Float(x))) => Value::Float(-x),
            (Some("+"), Some(number @ (Value::Int(_) | Value::Float(_)))) => number,
            _ => Value::Unknown("a unary operator".into()),
        }
    }

    pub(super) fn not(&self, node: Node) -> Value {
        match node
            .field(&ARGUMENT)
            .and_then(|argument| self.eval_value(argument).truthy())
        {
            Some(flag) => Value::Bool(!flag),
            None => Value::Unknown("a `not`".into()),
        }
    }

    /// `a if cond else b`: known only when the condition is. A chain (`a if x else b if y
    /// else c`) nests in its `else` part and is followed in a loop.
    pub(super) fn conditional(&self, node: Node) -> Value {
        let mut node = node;
        loop {
            let parts = named_children(node);
            let [then, condition, otherwise] = parts.as_slice() else {
                return Value::Unknown("a conditional expression".into());
            };
            match self.eval_value(*condition).truthy() {
                Some(true) => return self.eval_value(*then),
                Some(false) if otherwise.kind_name() == "conditional_expression" => {
                    node = *otherwise
                }
                Some(false) => return self.eval_value(*otherwise),
                None => return Value::Unknown("a conditional expression".into()),
            }
        }
    }

    /// `a == b`, `a in b`, `a < b < c`, ... on known scalars, lists and dicts.
    pub(super) fn comparison(&self, node: Node) -> Value {
        // Most comparisons have two operands (`node["resource_type"] == "model"`): read
        // without collecting the children (a DAG file looping over a manifest compares once
        // per node).
        if node.named_child_count() == 2
            && let (Some(left), Some(right), Some(operator)) = (
                node.named_child(0),
                node.named_child(1),
                node.field(&OPERATORS),
            )
            && left.kind_name() != "comment"
            && right.kind_name() != "comment"
        {
            let operator = operator.kind_name();
            let (left, right) = (self.eval_value(left), self.eval_value(right));
            return match compare(operator, &left, &right) {
                Some(result) => Value::Bool(result),
                None => Value::Unknown(format!("a `{operator}` comparison")),
            };
        }
        let operands: Vec<Node> = named_children(node)
            .into_iter()
            .filter(|n| n.kind_name() != "comment")
            .collect();
        let mut cursor = node.walk();
        let operators: Vec<&str> = node
            .fields(&OPERATORS, &mut cursor)
            .map(|operator| operator.kind_name())
            .collect();
        if operators.len() + 1 != operands.len() {
            return Value::Unknown("a comparison".into());
        }
        let mut left = self.eval_value(operands[0]);
        for (operator, right) in operators.into_iter().zip(&operands[1..]) {
            let right = self.eval_value(*right);
            match compare(operator, &left, &right) {
                Some(true) => left = right,
                Some(false) => return Value::Bool(false),
                None => return Value::Unknown(format!("a `{operator}` comparison")),
            }
        }
        Value::Bool(true)
    }

    /// `a + b + c` nests to the left, one level per operator: the chain is walked down
    /// to its innermost left operand, then each operator applied outward, so a long chain
    /// costs no stack.
    pub(super) fn binary(&self, node: Node) -> Value {
        let mut chain = Vec::new();
        let mut innermost = node;
        while innermost.kind_name() == "binary_operator" {
            let (Some(left), Some(operator), Some(right)) = (
                innermost.field(&LEFT),
                innermost.field(&OPERATOR),
                innermost.field(&RIGHT),
            ) else {
                return Value::Unknown("an operator".into());
            };
            chain.push((innermost, self.text(operator), right));
            innermost = left;
        }
        let mut left = self.eval_value(innermost);
        let mut left_span = self.span(innermost);
        for (level, operator, right) in chain.into_iter().rev() {
            let right_span = self.span(right);
            let right = self.eval_value(right);
            left = self.apply_binary(level, operator, (left, left_span), (right, right_span));
            left_span = self.span(level);
        }
        left
    }

    /// One binary operator applied to evaluated operands (with their spans).
    pub(super) fn apply_binary(
        &self,
        node: Node,
        operator: &str,
        (left, left_span): (Value, Span),
        (right, right_span): (Value, Span),
    ) -> Value {
        match (operator, left, right) {
            // Dataset conditions: `a & b` needs both updated, `a | b` either.
            ("&" | "|", left @ Value::Call(_), right @ Value::Call(_)) => {
                let callee = if operator == "&" {
                    "DatasetAll"
                } else {
                    "DatasetAny"
                };
                Value::Call(Box::new(Call {
                    callee: callee.to_owned(),
                    args: vec![Item::new(left, left_span), Item::new(right, right_span)],
                    kwargs: Vec::new(),
                    unknown_splat: false,
                    span: self.span(node),
                }))
            }
            // Dates: `start + timedelta(days=1)`, `end - start`, `d + relativedelta(months=1)`.
            ("+" | "-", left @ Value::Call(_), right @ Value::Call(_)) => {
                dates::arithmetic(operator, &left, &right, &self.span(node))
                    .unwrap_or_else(|| Value::Unknown(format!("the result of `{operator}`")))
            }
            ("+", Value::Str(mut a), Value::Str(b)) => {
                a.push(b);
                Value::Str(a)
            }
            ("+", Value::List(mut a), Value::List(b)) => {
                Arc::make_mut(&mut a).extend(b.iter().cloned());
                Value::List(a)
            }
            ("+", Value::Int(a), Value::Int(b)) => a
                .checked_add(b)
                .map_or(Value::Unknown("overflow".into()), Value::Int),
            ("*", Value::Int(a), Value::Int(b)) => a
                .checked_mul(b)
                .map_or(Value::Unknown("overflow".into()), Value::Int),
            ("%", Value::Str(template), args) => {
                match template.known().and_then(|t| format_percent(&t, &args)) {
                    Some(text) => Value::Str(Text::literal(text, self.span(node), false)),
                    None => Value::Unknown("a %-formatted string".into()),
                }
            }
            // `Path / "part"`.
            ("/", Value::Str(a), Value::Str(b)) => match (a.known(), b.known()) {
                (Some(a), Some(b)) => {
                    Value::Str(Text::literal(join_path(&a, &b), self.span(node), false))
                }
                _ => Value::Unknown("a path built from unknown parts".into()),
            },
            // `Path(sys.executable).parent / "dbt"`: an unknown folder, a known file name.
            ("/", left, Value::Str(b)) if matches!(left, Value::Unknown(_)) && b.is_known() => {
                let mut path = Text::unknown(self.span(node));
                path.push(Text::literal("/", self.span(node), false));
                path.push(b);
                Value::Str(path)
            }
            ("|", Value::Dict(mut a), Value::Dict(b)) => {
                Arc::make_mut(&mut a).extend(b.iter().cloned());
                Value::Dict(a)
            }
            (operator, _, _) => Value::Unknown(format!("the result of `{operator}`")),
        }
    }
}

/// A comparison of two known values, as Python decides it.
fn compare(operator: &str, left: &Value, right: &Value) -> Option<bool> {
    match operator {
        "==" | "is" => equal(left, right),
        "!=" | "is not" => equal(left, right).map(|same| !same),
        "in" => contains(right, left),
        "not in" => contains(right, left).map(|found| !found),
        "<" | "<=" | ">" | ">=" => {
            let ordering = match (left, right) {
                (Value::Int(a), Value::Int(b)) => a.cmp(b),
                (Value::Str(a), Value::Str(b)) => a.known()?.cmp(&b.known()?),
                (Value::Call(_), Value::Call(_)) => Moment::of(left)?.compare(&Moment::of(right)?),
                _ => return None,
            };
            Some(match operator {
                "<" => ordering.is_lt(),
                "<=" => ordering.is_le(),
                ">" => ordering.is_gt(),
                _ => ordering.is_ge(),
            })
        }
        _ => None,
    }
}

/// Equality of known scalars; `None` when either side is not fully known.
fn equal(left: &Value, right: &Value) -> Option<bool> {
    Some(match (left, right) {
        (Value::Str(a), Value::Str(b)) => a.known()? == b.known()?,
        (Value::Int(a), Value::Int(b)) => a == b,
        (Value::Float(a), Value::Float(b)) => a == b,
        (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => *a as f64 == *b,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::None, Value::None) => true,
        (Value::Call(_), Value::Call(_)) => {
            Moment::of(left)?.compare(&Moment::of(right)?) == std::cmp::Ordering::Equal
        }
        (Value::List(a), Value::List(b)) => {
            if a.len() != b.len() {
                return Some(false);
            }
            for (x, y) in a.iter().zip(b.iter()) {
                if !equal(&x.value, &y.value)? {
                    return Some(false);
                }
            }
            true
        }
        (
            Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::None,
            Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::None,
        ) => false,
        _ => return None,
    })
}

/// `needle in haystack` for a known list, dict (its keys) or string.
pub(super) fn contains(haystack: &Value, needle: &Value) -> Option<bool> {
    match haystack {
        Value::Str(text) => Some(text.known()?.contains(&needle.as_str()?)),
        Value::List(items) => {
            let mut unknown = false;
            for item in items.iter() {
                match equal(&item.value, needle) {
                    Some(true) => return Some(true),
                    Some(false) => {}
                    None => unknown = true,
                }
            }
            (!unknown).then_some(false)
        }
        Value::Dict(pairs) => {
            let needle = needle.as_str()?;
            let mut unknown = false;
            for (key, _) in pairs.iter() {
                match key.value.as_text().and_then(Text::known) {
                    Some(key) if key == needle => return Some(true),
                    Some(_) => {}
                    None => unknown = true,
                }
            }
            (!unknown).then_some(false)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::airflow::eval::Evaluator;
    use crate::airflow::grammar::{RIGHT, Syntax};
    use crate::airflow::value::Value;
    use crate::source::SourceFile;

    /// The value of `expression`, as the right side of an assignment.
    fn value_of(expression: &str) -> Value {
        let code = format!("v = {expression}\n");
        let tree = crate::airflow::grammar::parse(&code);
        let assignment = tree.root_node().child(0).unwrap().child(0).unwrap();
        let evaluator = Evaluator::new(SourceFile::new("v.py", code.clone()), None);
        evaluator.eval_value(assignment.field(&RIGHT).unwrap())
    }

    #[test]
    fn comparisons_of_two_operands_and_of_chains() {
        for (expression, expected) in [
            ("1 < 2", Some(true)),
            ("'model' == 'model'", Some(true)),
            ("'a' in ['b', 'a']", Some(true)),
            ("'a' not in ['b', 'a']", Some(false)),
            ("None is not None", Some(false)),
            ("1 < 2 < 3", Some(true)),
            ("1 < 3 < 2", Some(false)),
            ("(1 <  # a comment between\n 2)", Some(true)),
            ("unknown == 1", None),
        ] {
            let found = match value_of(expression) {
                Value::Bool(flag) => Some(flag),
                _ => None,
            };
            assert_eq!(found, expected, "{expression}");
        }
    }
}
