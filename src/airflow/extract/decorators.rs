//! Decorated functions: `@dag`, `@task`, `@task.bash` and `@task_group` create a DAG, a task
//! or a group where they are called.

use tree_sitter::Node;

use super::{CallSite, Context, Extractor, last_segment};
use crate::airflow::eval::collect_returns;
use crate::airflow::grammar::{BODY, DEFINITION, FUNCTION, LEFT, NAME, PARAMETERS, RIGHT, Syntax};
use crate::airflow::invocations::wrapper::dbt_command_line;
use crate::airflow::invocations::{self, calls_in_command};
use crate::airflow::model::{Dag, DagKind};
use crate::airflow::python_task;
use crate::airflow::value::{Call, Item, Text, Value};
use crate::airflow::walk::named_children;
use crate::source::Spanned;

/// A function decorated with `@dag` or `@task...`: it creates a DAG or task when called.
#[derive(Clone, Copy)]
pub struct Factory<'t> {
    kind: FactoryKind,
    decorator: Node<'t>,
    definition: Node<'t>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FactoryKind {
    Dag,
    /// `@task.bash`: the function returns the command line.
    BashTask,
    /// `@task.datacoves_dbt` and decorators declared in `[airflow] dbt-decorators`: the
    /// function returns a dbt command line (its leading `dbt` optional).
    DbtCommandTask,
    /// `@task` and other task decorators: a task that runs Python.
    Task,
    /// `@task_group`: the tasks created in the body belong to a group.
    TaskGroup,
}

impl<'t> Factory<'t> {
    /// The decorated function.
    pub fn definition(&self) -> Node<'t> {
        self.definition
    }
}

impl<'t> Extractor<'t> {
    pub(super) fn decorated_definition(&mut self, node: Node<'t>) {
        let Some(definition) = node.field(&DEFINITION) else {
            return;
        };
        if definition.kind_name() != "function_definition" {
            // `@dataclass class ...`: a class like any other.
            self.eval.define_function(definition);
            return;
        }
        let Some(name) = definition.field(&NAME) else {
            return;
        };
        for decorator in named_children(node)
            .into_iter()
            .filter(|c| c.kind_name() == "decorator")
        {
            let Some(expression) = decorator.named_child(0) else {
                continue;
            };
            let target = if expression.kind_name() == "call" {
                expression.field(&FUNCTION).unwrap_or(expression)
            } else {
                expression
            };
            let qualified = self.eval.qualified_name(target);
            let kind = match qualified.as_str() {
                path if last_segment(path) == "dag" => FactoryKind::Dag,
                path if last_segment(path) == "task_group" => FactoryKind::TaskGroup,
                path if path.ends_with("task.bash") || path.ends_with("task.datacoves_bash") => {
                    FactoryKind::BashTask
                }
                path if self.eval.returns_dbt_command(path) => FactoryKind::DbtCommandTask,
                path if last_segment(path) == "task" || path.contains("task.") => FactoryKind::Task,
                _ => continue,
            };
            let factory = Factory {
                kind,
                decorator: expression,
                definition,
            };
            let name = self.eval.text(name).to_owned();
            self.factories.insert(name, factory);
            return;
        }
        // Other decorators (`@lru_cache`, `@functools.wraps(...)`) leave a function that is
        // called like a plain one.
        self.eval.define_function(definition);
    }

    /// A call of a decorated function: a DAG (`@dag`) or a task (`@task...`).
    pub(super) fn instantiate(
        &mut self,
        factory: Factory<'t>,
        site: CallSite,
        context: &Context,
    ) -> Item {
        let CallSite { arguments, span } = site;
        let decorator = match self.eval.eval(factory.decorator).value {
            Value::Call(call) => *call,
            _ => Call {
                callee: self.eval.text(factory.decorator).to_owned(),
                args: Vec::new(),
                kwargs: Vec::new(),
                unknown_splat: false,
                span: self.eval.span(factory.decorator),
            },
        };
        let name_node = factory.definition.field(&NAME);
        let function_name = name_node.map(|n| self.eval.text(n).to_owned());
        let name_span = name_node.map_or_else(|| span.clone(), |n| self.eval.span(n));
        match factory.kind {
            FactoryKind::Dag => {
                // `@dag("id")`: the dag_id is the decorator's first argument in Airflow 2 and 3.
                let dag_id = match decorator.arg("dag_id", 0) {
                    Some(id) => Spanned::new(id.value.as_str(), id.span.clone()),
                    None => Spanned::new(function_name, name_span),
                };
                let index = self.dags.len();
                self.dags.push(Dag {
                    kind: DagKind::Decorator,
                    dag_id,
                    call: decorator,
                });
                let body_context = Context {
                    dag: Some(index),
                    ..Context::default()
                };
                self.run_body(factory.definition, &arguments, &body_context);
                Item::new(Value::Dag(index), span)
            }
            FactoryKind::TaskGroup => {
                let group_id = decorator
                    .arg("group_id", 0)
                    .and_then(|id| id.value.as_str())
                    .or(function_name);
                let mut body_context = context.clone();
                if let Some(group_id) = group_id {
                    body_context.group_prefix = format!("{}{group_id}.", context.group_prefix);
                }
                if let Some(args) = decorator.kwarg("default_args") {
                    body_context.group_default_args.insert(0, args.clone());
                }
                self.run_body(factory.definition, &arguments, &body_context);
                Item::new(Value::Unknown("a task group".into()), span)
            }
            FactoryKind::BashTask | FactoryKind::DbtCommandTask | FactoryKind::Task => {
                let mut call = decorator;
                call.span = span.clone();
                if call.kwarg("task_id").is_none()
                    && let Some(name) = function_name
                {
                    let id = Item::new(
                        Value::Str(Text::literal(name, name_span.clone(), true)),
                        name_span,
                    );
                    call.kwargs.push(("task_id".to_owned(), id));
                }
                let index = self.register_task(call, context);
                if factory.kind != FactoryKind::Task {
                    let dbt_only = factory.kind == FactoryKind::DbtCommandTask;
                    self.read_bash_returns(index, factory.definition, &arguments, dbt_only);
                } else {
                    let extraction = python_task::dbt_calls_in_function(
                        &self.eval,
                        factory.definition,
                        Some(&arguments),
                    );
                    self.add_dbt_calls(index, extraction);
                }
                Item::new(Value::Task(index), span)
            }
        }
    }

    /// The body of a `@dag` or `@task_group` function, its parameters bound to the call's
    /// arguments (else their defaults).
    fn run_body(&mut self, definition: Node<'t>, arguments: &Call, context: &Context) {
        self.eval.push_scope();
        if let Some(parameters) = definition.field(&PARAMETERS) {
            self.eval.bind_parameters(parameters, arguments);
        }
        if let Some(body) = definition.field(&BODY) {
            self.block(body, context);
        }
        self.eval.pop_scope();
    }

    /// `@task.bash`: the command line is what the function returns. `dbt_only`: a decorator
    /// whose command line is a dbt one, with or without its leading `dbt`.
    fn read_bash_returns(
        &mut self,
        task: usize,
        definition: Node<'t>,
        arguments: &Call,
        dbt_only: bool,
    ) {
        let Some(body) = definition.field(&BODY) else {
            return;
        };
        let mut returns = Vec::new();
        collect_returns(body, &mut returns);
        self.eval.push_scope();
        if let Some(parameters) = definition.field(&PARAMETERS) {
            self.eval.bind_unknown_parameters(parameters);
            self.eval.bind_call_arguments(parameters, arguments);
        }
        let mut extraction = invocations::Extraction::default();
        for statement in named_children(body) {
            if statement.kind_name() == "expression_statement" {
                for expression in named_children(statement) {
                    if expression.kind_name() == "assignment"
                        && let (Some(left), Some(right)) =
                            (expression.field(&LEFT), expression.field(&RIGHT))
                    {
                        let item = self.eval.eval(right);
                        self.assign(left, item);
                    }
                }
            }
        }
        for value in returns {
            let item = self.eval.eval(value);
            match &item.value {
                Value::Str(text) => {
                    let found = if dbt_only {
                        dbt_command_line(text, &item.span)
                    } else {
                        calls_in_command(text)
                    };
                    extraction.calls.extend(found.calls);
                    extraction.unresolved.extend(found.unresolved);
                }
                other if dbt_only || item.span.text().to_ascii_lowercase().contains("dbt") => {
                    extraction.unresolved.push(Spanned::new(
                        format!("the returned command is {}", other.describe()),
                        item.span.clone(),
                    ));
                }
                _ => {}
            }
        }
        self.eval.pop_scope();
        self.add_dbt_calls(task, extraction);
    }
}
