//! Calls of plain functions defined in the repository: parameters bound, body evaluated up
//! to the `return` that yields a known value.

use tree_sitter::Node;

use super::{Evaluator, MAX_CALL_DEPTH, TOO_DEEP};
use crate::airflow::syntax::{Walk, preorder};
use crate::airflow::value::{Call, Item, Text, Value};

impl<'t> Evaluator<'t> {
    /// Evaluates a call of a function defined in the file: binds its parameters and evaluates
    /// what it returns (the first `return` whose value is known, after its simple assignments).
    pub(super) fn call_function(&self, definition: Node<'t>, call: Call) -> Value {
        if self.depth.get() >= MAX_CALL_DEPTH {
            return Value::Unknown("a deeply nested helper call".into());
        }
        if definition.kind() == "class_definition" {
            return self.instantiate_class(definition, call);
        }
        let (Some(parameters), Some(body)) = (
            definition.child_by_field_name("parameters"),
            definition.child_by_field_name("body"),
        ) else {
            return Value::Unknown("a function".into());
        };
        self.depth.set(self.depth.get() + 1);
        self.push_scope();
        self.bind_parameters(parameters, &call);
        let result = self.evaluate_body(body);
        self.pop_scope();
        self.depth.set(self.depth.get() - 1);
        let mut value =
            result.unwrap_or_else(|| Value::Unknown("what a helper function returns".into()));
        // A helper that builds an operator: the task is created where the helper is called.
        if let Value::Call(inner) = &mut value {
            inner.span = call.span.clone();
        }
        value
    }

    /// Binds every parameter to an unknown value: a task's function called by Airflow with
    /// the run's context.
    pub fn bind_unknown_parameters(&self, parameters: Node<'t>) {
        let mut cursor = parameters.walk();
        for parameter in parameters.named_children(&mut cursor) {
            let name = match parameter.kind() {
                "identifier" => Some(parameter),
                "default_parameter" | "typed_default_parameter" => {
                    parameter.child_by_field_name("name")
                }
                _ => parameter.named_child(0),
            };
            if let Some(name) = name.filter(|n| n.kind() == "identifier") {
                let text = self.text(name).to_owned();
                let unknown = Value::Unknown(format!("the argument `{text}`"));
                self.bind(&text, Item::new(unknown, self.span(parameter)));
            }
        }
    }

    pub fn bind_parameters(&self, parameters: Node<'t>, call: &Call) {
        let mut positional = call.args.iter();
        let mut cursor = parameters.walk();
        for parameter in parameters.named_children(&mut cursor) {
            let (name, default) = match parameter.kind() {
                "identifier" => (self.text(parameter).to_owned(), None),
                "default_parameter" | "typed_default_parameter" => {
                    let name = parameter
                        .child_by_field_name("name")
                        .map(|n| self.text(n).to_owned());
                    (
                        name.unwrap_or_default(),
                        parameter.child_by_field_name("value"),
                    )
                }
                "typed_parameter" => (
                    parameter
                        .named_child(0)
                        .map(|n| self.text(n).to_owned())
                        .unwrap_or_default(),
                    None,
                ),
                "list_splat_pattern" => {
                    // `*args`: the remaining positional arguments.
                    let name = parameter
                        .named_child(0)
                        .map(|n| self.text(n).to_owned())
                        .unwrap_or_default();
                    let rest: Vec<Item> = positional.by_ref().cloned().collect();
                    self.bind(&name, Item::new(Value::List(rest), self.span(parameter)));
                    continue;
                }
                "dictionary_splat_pattern" => {
                    let name = parameter
                        .named_child(0)
                        .map(|n| self.text(n).to_owned())
                        .unwrap_or_default();
                    let pairs = call
                        .kwargs
                        .iter()
                        .map(|(k, v)| {
                            (
                                Item::new(
                                    Value::Str(Text::literal(k.clone(), v.span.clone(), false)),
                                    v.span.clone(),
                                ),
                                v.clone(),
                            )
                        })
                        .collect();
                    self.bind(&name, Item::new(Value::Dict(pairs), self.span(parameter)));
                    continue;
                }
                _ => continue,
            };
            if name.is_empty() {
                continue;
            }
            let value = call
                .kwarg(&name)
                .cloned()
                .or_else(|| positional.next().cloned())
                .or_else(|| default.map(|d| self.eval(d)))
                .unwrap_or_else(|| {
                    Item::new(
                        Value::Unknown(format!("the argument `{name}`")),
                        self.span(parameter),
                    )
                });
            self.bind(&name, value);
        }
    }

    /// Simple assignments in order, then the first `return` that yields a known value.
    pub(super) fn evaluate_body(&self, body: Node<'t>) -> Option<Value> {
        if !self.descend(body) {
            return Some(Value::Unknown(TOO_DEEP.into()));
        }
        let result = self.evaluate_statements(body);
        self.ascend();
        result
    }

    fn evaluate_statements(&self, body: Node<'t>) -> Option<Value> {
        let mut cursor = body.walk();
        let statements: Vec<Node<'t>> = body.named_children(&mut cursor).collect();
        let mut unknown = None;
        for statement in statements {
            match statement.kind() {
                "expression_statement" => {
                    let Some(expression) = statement.named_child(0) else {
                        continue;
                    };
                    if expression.kind() == "assignment"
                        && let (Some(left), Some(right)) = (
                            expression.child_by_field_name("left"),
                            expression.child_by_field_name("right"),
                        )
                    {
                        let item = self.eval(right);
                        self.assign(left, item);
                    } else if self.is_super_init(expression) {
                        let mut arguments = self.call_arguments(expression);
                        // `Base.__init__(self, ...)` passes `self` explicitly; `super()` does not.
                        let through_super = expression
                            .child_by_field_name("function")
                            .and_then(|f| f.child_by_field_name("object"))
                            .is_some_and(|object| object.kind() == "call");
                        if !through_super && !arguments.args.is_empty() {
                            arguments.args.remove(0);
                        }
                        self.super_init.replace(Some(arguments));
                    } else {
                        self.execute_effect(expression);
                    }
                }
                "delete_statement" => self.delete(statement),
                "return_statement" => {
                    let value = statement
                        .named_child(0)
                        .map_or(Value::None, |v| self.eval_value(v));
                    match value {
                        Value::Unknown(_) => unknown = Some(value),
                        known => return Some(known),
                    }
                }
                "if_statement" => match self.taken_branch(statement) {
                    Some(Some(branch)) => match self.evaluate_body(branch) {
                        Some(Value::Unknown(reason)) => unknown = Some(Value::Unknown(reason)),
                        Some(known) => return Some(known),
                        None => {}
                    },
                    Some(None) => {}
                    None => {
                        // A condition monolint cannot decide: take the first known return.
                        let mut returns = Vec::new();
                        collect_returns(statement, &mut returns);
                        for node in returns {
                            let value = self.eval_value(node);
                            if !matches!(value, Value::Unknown(_)) {
                                return Some(value);
                            }
                        }
                    }
                },
                _ => {}
            }
        }
        unknown
    }

    /// The block an `if`/`elif`/`else` statement runs, when its conditions are known:
    /// `Some(None)` when no branch runs, `None` when a condition is unknown.
    pub fn taken_branch(&self, statement: Node<'t>) -> Option<Option<Node<'t>>> {
        let condition = statement.child_by_field_name("condition")?;
        if self.eval_value(condition).truthy()? {
            return Some(statement.child_by_field_name("consequence"));
        }
        let mut cursor = statement.walk();
        for clause in statement.children_by_field_name("alternative", &mut cursor) {
            match clause.kind() {
                "elif_clause" => {
                    let condition = clause.child_by_field_name("condition")?;
                    if self.eval_value(condition).truthy()? {
                        return Some(clause.child_by_field_name("consequence"));
                    }
                }
                "else_clause" => return Some(clause.child_by_field_name("body")),
                _ => return None,
            }
        }
        Some(None)
    }
}

/// `return` expressions under `node`, not entering nested functions.
pub fn collect_returns<'t>(node: Node<'t>, out: &mut Vec<Node<'t>>) {
    preorder(node, |child| match child.kind() {
        _ if child == node => Walk::Descend,
        "return_statement" => {
            out.extend(child.named_child(0));
            Walk::Skip
        }
        "function_definition" | "class_definition" | "lambda" => Walk::Skip,
        _ => Walk::Descend,
    });
}
