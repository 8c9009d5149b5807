//! What a Python task's own code runs: the body of a `@task` function or of a
//! `PythonOperator`'s `python_callable`, walked statement by statement with its assignments
//! followed and its loops over known values unrolled; every call in it is checked against
//! the ways Python code starts dbt (`invocations::python`).

use tree_sitter::Node;

use super::eval::{Evaluator, iteration};
use super::invocations::Extraction;
use super::invocations::python;
use super::value::{Call, Item, Value};
use super::walk::{Walk, named_children, preorder};
use crate::airflow::grammar::{ATTRIBUTE, BODY, FUNCTION, LEFT, OBJECT, PARAMETERS, RIGHT, Syntax};

/// The dbt calls a task's Python function makes when Airflow runs it. `arguments` are what
/// the DAG file passes where it calls a `@task` function; parameters it does not pass (the
/// run's context) are unknown.
pub fn dbt_calls_in_function<'t>(
    evaluator: &Evaluator<'t>,
    definition: Node<'t>,
    arguments: Option<&Call>,
) -> Extraction {
    let mut extraction = Extraction::default();
    Scanner {
        evaluator,
        out: &mut extraction,
        depth: 0,
    }
    .function(definition, arguments);
    extraction
}

/// How deep the scan follows helper functions that helper functions call.
const MAX_HELPER_DEPTH: u32 = 4;

struct Scanner<'e, 't> {
    evaluator: &'e Evaluator<'t>,
    out: &'e mut Extraction,
    /// Helper functions entered so far.
    depth: u32,
}

impl<'t> Scanner<'_, 't> {
    /// A function's body, its parameters bound to what the call passes, the rest unknown.
    fn function(&mut self, definition: Node<'t>, arguments: Option<&Call>) {
        let Some(body) = definition.field(&BODY) else {
            return;
        };
        let evaluator = self.evaluator;
        evaluator.push_scope();
        if let Some(parameters) = definition.field(&PARAMETERS) {
            evaluator.bind_unknown_parameters(parameters);
            if let Some(arguments) = arguments {
                evaluator.bind_call_arguments(parameters, arguments);
            }
        }
        self.block(body);
        evaluator.pop_scope();
    }

    /// A call of a function defined in the repository (`execute_dbt_cmd(dbt_cmd=...)`): the
    /// dbt calls its body makes with the call's arguments.
    fn helper(&mut self, node: Node<'t>) {
        let Some(function) = node.field(&FUNCTION) else {
            return;
        };
        if self.depth >= MAX_HELPER_DEPTH || !self.evaluator.names_function(function) {
            return;
        }
        let arguments = self.evaluator.call_arguments(node);
        let depth = self.depth + 1;
        let out = &mut *self.out;
        self.evaluator
            .with_function(function, |evaluator, definition| {
                if definition.kind_name() == "function_definition" {
                    Scanner {
                        evaluator,
                        out,
                        depth,
                    }
                    .function(definition, Some(&arguments));
                }
            });
    }

    fn block(&mut self, block: Node<'t>) {
        // A block nested past the limit is left out, as the extractor leaves it.
        if !self.evaluator.descend(block) {
            return;
        }
        self.statements(block);
        self.evaluator.ascend();
    }

    fn statements(&mut self, block: Node<'t>) {
        let statements = named_children(block);
        for statement in statements {
            self.statement(statement);
        }
    }

    fn statement(&mut self, statement: Node<'t>) {
        let evaluator = self.evaluator;
        match statement.kind_name() {
            "function_definition" | "class_definition" | "decorated_definition" => {}
            "expression_statement" => {
                let expressions = named_children(statement);
                for expression in expressions {
                    self.calls_in(expression);
                    if expression.kind_name() == "assignment"
                        && let (Some(left), Some(right)) =
                            (expression.field(&LEFT), expression.field(&RIGHT))
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
                    statement.field(&LEFT),
                    statement.field(&RIGHT),
                    statement.field(&BODY),
                ) else {
                    return;
                };
                self.calls_in(right);
                let iterable = evaluator.eval(right);
                match iteration(iterable.value)
                    .filter(|items| evaluator.spend_iterations(items.len()))
                {
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
                let children = named_children(statement);
                for child in children {
                    match child.kind_name() {
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
            if matches!(inner.kind_name(), "lambda" | "function_definition") {
                return Walk::Skip;
            }
            if inner.kind_name() == "call" {
                match python::extract(&self.python_call(inner)) {
                    Some(found) => {
                        self.out.calls.extend(found.calls);
                        self.out.unresolved.extend(found.unresolved);
                    }
                    None => self.helper(inner),
                }
            }
            Walk::Descend
        });
    }

    /// A call with its arguments evaluated; a method of an instance that starts dbt
    /// (`<dbt runner>.invoke(...)`, `<subprocess hook>.run_command(...)`) named as such.
    fn python_call(&self, node: Node<'t>) -> Call {
        let evaluator = self.evaluator;
        let mut call = evaluator.call_arguments(node);
        if let Some(function) = node.field(&FUNCTION)
            && let (Some(object), Some(attribute)) =
                (function.field(&OBJECT), function.field(&ATTRIBUTE))
            && let Some(callee) = python::method_callee(evaluator.text(attribute), || {
                match evaluator.eval(object).value {
                    Value::Call(instance) => Some(instance.callee),
                    _ => None,
                }
            })
        {
            call.callee = callee.to_owned();
        }
        call
    }
}
