//! Calls of plain functions defined in the repository: parameters bound, body evaluated up
//! to the `return` that yields a known value.

use std::sync::Arc;

use tree_sitter::Node;

use super::collections::iteration;
use super::{Evaluator, MAX_CALL_DEPTH, MAX_LOOP_ITERATIONS, TOO_DEEP};
use crate::airflow::grammar::{
    ALIAS, ALTERNATIVE, BODY, CONDITION, CONSEQUENCE, FUNCTION, LEFT, NAME, OBJECT, PARAMETERS,
    RIGHT, Syntax, VALUE,
};
use crate::airflow::value::{Call, Item, Text, Value};
use crate::airflow::walk::{Walk, named_children, preorder};

impl<'t> Evaluator<'t> {
    /// Evaluates a call of a function defined in the file: binds its parameters and evaluates
    /// what it returns (the first `return` whose value is known, after its simple assignments).
    pub(super) fn call_function(&self, definition: Node<'t>, call: Call) -> Value {
        if self.depth.get() >= MAX_CALL_DEPTH {
            return Value::Unknown("a deeply nested helper call".into());
        }
        if definition.kind_name() == "class_definition" {
            return self.instantiate_class(definition, call);
        }
        let (Some(parameters), Some(body)) =
            (definition.field(&PARAMETERS), definition.field(&BODY))
        else {
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

    /// Binds the parameters of a task's function as Airflow calls it: those named like a key
    /// of the run's context (`ds`, `ti`, `params`, ...) and those without a default are
    /// unknown; the others take their default.
    pub fn bind_unknown_parameters(&self, parameters: Node<'t>) {
        for parameter in named_children(parameters) {
            let (name, default) = match parameter.kind_name() {
                "identifier" => (Some(parameter), None),
                "default_parameter" | "typed_default_parameter" => {
                    (parameter.field(&NAME), parameter.field(&VALUE))
                }
                _ => (parameter.named_child(0), None),
            };
            let Some(name) = name.filter(|n| n.kind_name() == "identifier") else {
                continue;
            };
            let text = self.text(name).to_owned();
            let item = match default {
                Some(default) if !AIRFLOW_CONTEXT_KEYS.contains(&text.as_str()) => {
                    self.eval(default)
                }
                _ => Item::new(
                    Value::Unknown(format!("the argument `{text}`")),
                    self.span(parameter),
                ),
            };
            self.bind(&text, item);
        }
    }

    /// Binds the parameters a call passes (by position or keyword) to its values, leaving the
    /// others as they are: a task function whose other parameters Airflow fills at run time.
    pub fn bind_call_arguments(&self, parameters: Node<'t>, call: &Call) {
        let mut positional = call.args.iter();
        for parameter in named_children(parameters) {
            let name = match parameter.kind_name() {
                "identifier" => Some(parameter),
                "default_parameter" | "typed_default_parameter" => parameter.field(&NAME),
                "typed_parameter" => parameter.named_child(0),
                // `*args`, `**kwargs`, `/` and `*` end what a call fills by position.
                _ => break,
            };
            let Some(name) = name.filter(|n| n.kind_name() == "identifier") else {
                continue;
            };
            let name = self.text(name).to_owned();
            if let Some(value) = call.kwarg(&name).or_else(|| positional.next()) {
                self.bind(&name, value.clone());
            }
        }
    }

    pub fn bind_parameters(&self, parameters: Node<'t>, call: &Call) {
        let mut positional = call.args.iter();
        for parameter in named_children(parameters) {
            let (name, default) = match parameter.kind_name() {
                "identifier" => (self.text(parameter).to_owned(), None),
                "default_parameter" | "typed_default_parameter" => {
                    let name = parameter.field(&NAME).map(|n| self.text(n).to_owned());
                    (name.unwrap_or_default(), parameter.field(&VALUE))
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
                    self.bind(&name, Item::new(Value::list(rest), self.span(parameter)));
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
                    self.bind(
                        &name,
                        Item::new(Value::Dict(Arc::new(pairs)), self.span(parameter)),
                    );
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

    /// A function's body, statement by statement (assignments, `if` on known conditions,
    /// `with`, `for` over known values, `try`), up to the first `return` of a known value:
    /// that value, else the last unknown one returned, else `None`.
    pub(super) fn evaluate_body(&self, body: Node<'t>) -> Option<Value> {
        let mut unknown = None;
        match self.run_block(body, &mut unknown) {
            Exit::Return(value) => Some(value),
            _ => unknown,
        }
    }

    fn run_block(&self, block: Node<'t>, unknown: &mut Option<Value>) -> Exit {
        if !self.descend(block) {
            *unknown = Some(Value::Unknown(TOO_DEEP.into()));
            return Exit::Next;
        }
        let mut exit = Exit::Next;
        for statement in named_children(block) {
            exit = self.run_statement(statement, unknown);
            if !matches!(exit, Exit::Next) {
                break;
            }
        }
        self.ascend();
        exit
    }

    fn run_statement(&self, statement: Node<'t>, unknown: &mut Option<Value>) -> Exit {
        match statement.kind_name() {
            "expression_statement" => {
                let Some(expression) = statement.named_child(0) else {
                    return Exit::Next;
                };
                if expression.kind_name() == "assignment"
                    && let (Some(left), Some(right)) =
                        (expression.field(&LEFT), expression.field(&RIGHT))
                {
                    let item = self.eval(right);
                    self.assign(left, item);
                } else if self.is_super_init(expression) {
                    let mut arguments = self.call_arguments(expression);
                    // `Base.__init__(self, ...)` passes `self` explicitly; `super()` does not.
                    let through_super = expression
                        .field(&FUNCTION)
                        .and_then(|f| f.field(&OBJECT))
                        .is_some_and(|object| object.kind_name() == "call");
                    if !through_super && !arguments.args.is_empty() {
                        arguments.args.remove(0);
                    }
                    self.super_init.replace(Some(arguments));
                } else if !self.execute_effect(expression) {
                    // A call for its effect on an instance (`self.load()`) is not followed.
                }
            }
            "delete_statement" => self.delete(statement),
            "return_statement" => {
                let value = statement
                    .named_child(0)
                    .map_or(Value::None, |v| self.eval_value(v));
                match value {
                    Value::Unknown(_) => *unknown = Some(value),
                    known => return Exit::Return(known),
                }
            }
            "break_statement" => return Exit::Break,
            "continue_statement" => return Exit::Continue,
            "if_statement" => match self.taken_branch(statement) {
                Some(Some(branch)) => return self.run_block(branch, unknown),
                Some(None) => {}
                None => {
                    // A condition monolint cannot decide: take the first known return.
                    let mut returns = Vec::new();
                    collect_returns(statement, &mut returns);
                    for node in returns {
                        let value = self.eval_value(node);
                        if !matches!(value, Value::Unknown(_)) {
                            return Exit::Return(value);
                        }
                    }
                    // Whether the loop around goes on is unknown too.
                    if breaks_out(statement) {
                        self.undecided_break.set(true);
                    }
                }
            },
            "with_statement" => {
                // `with open(path) as f:` binds `f` to the file; the block runs once.
                let items = named_children(statement)
                    .into_iter()
                    .find(|c| c.kind_name() == "with_clause")
                    .map(named_children)
                    .unwrap_or_default();
                for item in items {
                    let Some(value) = item.field(&VALUE) else {
                        continue;
                    };
                    if value.kind_name() == "as_pattern"
                        && let (Some(expression), Some(alias)) =
                            (value.named_child(0), value.field(&ALIAS))
                    {
                        let target = alias.named_child(0).unwrap_or(alias);
                        let item = self.eval(expression);
                        self.assign(target, item);
                    }
                }
                if let Some(body) = statement.field(&BODY) {
                    return self.run_block(body, unknown);
                }
            }
            "try_statement" => {
                // The code that runs when nothing fails: the `try` block, then `else`.
                for child in named_children(statement) {
                    let block = match child.kind_name() {
                        "block" => Some(child),
                        "else_clause" => child.field(&BODY),
                        _ => None,
                    };
                    if let Some(block) = block {
                        let exit = self.run_block(block, unknown);
                        if !matches!(exit, Exit::Next) {
                            return exit;
                        }
                    }
                }
            }
            "for_statement" => return self.run_for(statement, unknown),
            "while_statement" => return self.run_while(statement, unknown),
            _ => {}
        }
        Exit::Next
    }

    /// A `while` loop in a function: its body runs while the condition is known to hold,
    /// within the loop and file iteration limits (past them, what it builds stays as far as
    /// it got and the function's result is unknown).
    fn run_while(&self, statement: Node<'t>, unknown: &mut Option<Value>) -> Exit {
        let (Some(condition), Some(body)) = (statement.field(&CONDITION), statement.field(&BODY))
        else {
            return Exit::Next;
        };
        let outer = self.undecided_break.replace(false);
        let exit = self.unroll_while(condition, body, unknown);
        self.undecided_break.set(outer);
        exit
    }

    /// The iterations of a `while` loop, until its condition is false, it breaks or returns,
    /// or it may have ended where monolint cannot tell (`if response_is_empty: break`).
    fn unroll_while(
        &self,
        condition: Node<'t>,
        body: Node<'t>,
        unknown: &mut Option<Value>,
    ) -> Exit {
        for _ in 0..MAX_LOOP_ITERATIONS {
            match self.eval_value(condition).truthy() {
                Some(true) if self.spend_iterations(1) => {}
                Some(false) => return Exit::Next,
                _ => break,
            }
            match self.run_block(body, unknown) {
                Exit::Break => return Exit::Next,
                Exit::Return(value) => return Exit::Return(value),
                Exit::Next | Exit::Continue => {}
            }
            if self.undecided_break.get() {
                break;
            }
        }
        *unknown = Some(Value::Unknown("a `while` loop monolint cannot run".into()));
        Exit::Return(Value::Unknown("a `while` loop monolint cannot run".into()))
    }

    /// A `for` loop in a function: unrolled over a known iterable, within the file's
    /// iteration budget; over an unknown one, its variables are unknown and the body runs once
    /// (so what it appends is unknown too).
    fn run_for(&self, statement: Node<'t>, unknown: &mut Option<Value>) -> Exit {
        // A `break` this loop's body may take is this loop's, not an enclosing `while`'s.
        let outer = self.undecided_break.get();
        let exit = self.unroll_for(statement, unknown);
        self.undecided_break.set(outer);
        exit
    }

    fn unroll_for(&self, statement: Node<'t>, unknown: &mut Option<Value>) -> Exit {
        let (Some(left), Some(right), Some(body)) = (
            statement.field(&LEFT),
            statement.field(&RIGHT),
            statement.field(&BODY),
        ) else {
            return Exit::Next;
        };
        let iterable = self.eval(right);
        let span = iterable.span.clone();
        let items = iteration(iterable.value).filter(|items| self.spend_iterations(items.len()));
        let Some(items) = items else {
            let why = Value::Unknown("a loop variable".into());
            self.assign(left, Item::new(why, span));
            return match self.run_block(body, unknown) {
                Exit::Return(value) => Exit::Return(value),
                _ => Exit::Next,
            };
        };
        for item in items {
            self.assign(left, item);
            match self.run_block(body, unknown) {
                Exit::Break => break,
                Exit::Return(value) => return Exit::Return(value),
                Exit::Next | Exit::Continue => {}
            }
        }
        Exit::Next
    }

    /// The block an `if`/`elif`/`else` statement runs, when its conditions are known:
    /// `Some(None)` when no branch runs, `None` when a condition is unknown.
    pub fn taken_branch(&self, statement: Node<'t>) -> Option<Option<Node<'t>>> {
        let condition = statement.field(&CONDITION)?;
        if self.eval_value(condition).truthy()? {
            return Some(statement.field(&CONSEQUENCE));
        }
        let mut cursor = statement.walk();
        for clause in statement.fields(&ALTERNATIVE, &mut cursor) {
            match clause.kind_name() {
                "elif_clause" => {
                    let condition = clause.field(&CONDITION)?;
                    if self.eval_value(condition).truthy()? {
                        return Some(clause.field(&CONSEQUENCE));
                    }
                }
                "else_clause" => return Some(clause.field(&BODY)),
                _ => return None,
            }
        }
        Some(None)
    }
}

/// Whether `node` holds a `break` of the loop around it (not of a loop or function inside).
fn breaks_out(node: Node) -> bool {
    let mut found = false;
    preorder(node, |child| match child.kind_name() {
        _ if child == node => Walk::Descend,
        "break_statement" => {
            found = true;
            Walk::Stop
        }
        "for_statement"
        | "while_statement"
        | "function_definition"
        | "class_definition"
        | "lambda" => Walk::Skip,
        _ => Walk::Descend,
    });
    found
}

/// `return` expressions under `node`, not entering nested functions.
pub fn collect_returns<'t>(node: Node<'t>, out: &mut Vec<Node<'t>>) {
    preorder(node, |child| match child.kind_name() {
        _ if child == node => Walk::Descend,
        "return_statement" => {
            out.extend(child.named_child(0));
            Walk::Skip
        }
        "function_definition" | "class_definition" | "lambda" => Walk::Skip,
        _ => Walk::Descend,
    });
}

/// How a block of a function's body ends.
enum Exit {
    Next,
    Break,
    Continue,
    Return(Value),
}

/// Keys of the context Airflow passes to a task's function by parameter name.
const AIRFLOW_CONTEXT_KEYS: &[&str] = &[
    "conf",
    "dag",
    "dag_run",
    "data_interval_end",
    "data_interval_start",
    "ds",
    "ds_nodash",
    "execution_date",
    "inlets",
    "logical_date",
    "macros",
    "next_ds",
    "next_ds_nodash",
    "next_execution_date",
    "outlets",
    "params",
    "prev_data_interval_end_success",
    "prev_data_interval_start_success",
    "prev_ds",
    "prev_ds_nodash",
    "prev_execution_date",
    "prev_start_date_success",
    "run_id",
    "task",
    "task_instance",
    "task_instance_key_str",
    "test_mode",
    "ti",
    "tomorrow_ds",
    "triggering_dataset_events",
    "triggering_asset_events",
    "ts",
    "ts_nodash",
    "ts_nodash_with_tz",
    "var",
    "conn",
    "yesterday_ds",
    "yesterday_ds_nodash",
];
