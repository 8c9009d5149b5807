//! What a Python task's own code runs: the body of a `@task` function or of a
//! `PythonOperator`'s `python_callable`, walked statement by statement with its assignments
//! followed and its loops over known values unrolled; every call in it is checked against
//! the ways Python code starts dbt (`invocations::python`).

use tree_sitter::Node;

use super::eval::{Evaluator, iteration};
use super::invocations::Extraction;
use super::invocations::python::{self, DBT_RUNNER_INVOKE, is_dbt_runner};
use super::syntax::{Walk, preorder};
use super::value::{Item, Value};

/// The dbt calls a task's Python function makes when Airflow runs it.
pub fn dbt_calls_in_function<'t>(evaluator: &Evaluator<'t>, definition: Node<'t>) -> Extraction {
    let mut extraction = Extraction::default();
    let Some(body) = definition.child_by_field_name("body") else {
        return extraction;
    };
    evaluator.push_scope();
    if let Some(parameters) = definition.child_by_field_name("parameters") {
        evaluator.bind_unknown_parameters(parameters);
    }
    Scanner {
        evaluator,
        out: &mut extraction,
    }
    .block(body);
    evaluator.pop_scope();
    extraction
}

struct Scanner<'e, 't> {
    evaluator: &'e Evaluator<'t>,
    out: &'e mut Extraction,
}

impl<'t> Scanner<'_, 't> {
    fn block(&mut self, block: Node<'t>) {
        // A block nested past the limit is left out, as the extractor leaves it.
        if !self.evaluator.descend(block) {
            return;
        }
        self.statements(block);
        self.evaluator.ascend();
    }

    fn statements(&mut self, block: Node<'t>) {
        let mut cursor = block.walk();
        let statements: Vec<Node<'t>> = block.named_children(&mut cursor).collect();
        for statement in statements {
            self.statement(statement);
        }
    }

    fn statement(&mut self, statement: Node<'t>) {
        let evaluator = self.evaluator;
        match statement.kind() {
            "function_definition" | "class_definition" | "decorated_definition" => {}
            "expression_statement" => {
                let mut cursor = statement.walk();
                let expressions: Vec<Node<'t>> = statement.named_children(&mut cursor).collect();
                for expression in expressions {
                    self.calls_in(expression);
                    if expression.kind() == "assignment"
                        && let (Some(left), Some(right)) = (
                            expression.child_by_field_name("left"),
                            expression.child_by_field_name("right"),
                        )
                    {
                        let item = evaluator.eval(right);
                        evaluator.assign(left, item);
                    } else {
                        evaluator.execute_effect(expression);
                    }
                }
            }
            "for_statement" => {
                let (Some(left), Some(right), Some(body)) = (
                    statement.child_by_field_name("left"),
                    statement.child_by_field_name("right"),
                    statement.child_by_field_name("body"),
                ) else {
                    return;
                };
                self.calls_in(right);
                let iterable = evaluator.eval(right);
                match iteration(iterable.value) {
                    Some(items) => {
                        for item in items {
                            evaluator.assign(left, item);
                            self.block(body);
                        }
                    }
                    None => {
                        let unknown = Value::Unknown("a loop variable".into());
                        evaluator.assign(left, Item::new(unknown, iterable.span));
                        self.block(body);
                    }
                }
            }
            _ => {
                // `if`, `with`, `try`, `while`, `return`...: their expressions, then their blocks.
                let mut cursor = statement.walk();
                let children: Vec<Node<'t>> = statement.named_children(&mut cursor).collect();
                for child in children {
                    match child.kind() {
                        "block" => self.block(child),
                        kind if kind.ends_with("_clause") && kind != "with_clause" => {
                            self.statement(child)
                        }
                        _ => self.calls_in(child),
                    }
                }
            }
        }
    }

    /// Every call under `node` (not inside nested functions) that starts dbt.
    fn calls_in(&mut self, node: Node<'t>) {
        preorder(node, |inner| {
            if matches!(inner.kind(), "lambda" | "function_definition") {
                return Walk::Skip;
            }
            if inner.kind() == "call"
                && let Some(found) = python::extract(&self.python_call(inner))
            {
                self.out.calls.extend(found.calls);
                self.out.unresolved.extend(found.unresolved);
            }
            Walk::Descend
        });
    }

    /// A call with its arguments evaluated; `<dbt runner>.invoke(...)` named as such.
    fn python_call(&self, node: Node<'t>) -> super::value::Call {
        let evaluator = self.evaluator;
        let mut call = evaluator.call_arguments(node);
        if let Some(function) = node.child_by_field_name("function")
            && let (Some(object), Some(attribute)) = (
                function.child_by_field_name("object"),
                function.child_by_field_name("attribute"),
            )
            && evaluator.text(attribute) == "invoke"
        {
            let creates_runner = match evaluator.eval(object).value {
                Value::Call(runner) => is_dbt_runner(&runner.callee),
                _ => false,
            };
            if creates_runner {
                call.callee = DBT_RUNNER_INVOKE.to_owned();
            }
        }
        call
    }
}
