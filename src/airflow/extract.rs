//! Walks a DAG file's syntax tree once: binds module constants, finds DAGs (`with DAG`,
//! `dag = DAG(...)`, `@dag`, Cosmos `DbtDag`) and the tasks in them, and reads each task's dbt
//! calls through the invocation families.

use std::collections::HashMap;
use std::sync::Arc;

use tree_sitter::{Node, Tree};

use super::eval::{Evaluator, collect_returns, iteration};
use super::factories::FactoryCall;
use super::invocations::{self, calls_in_command};
use super::model::{Dag, DagFile, DagKind, Task};
use super::modules::{ModuleScope, Modules};
use super::python_task;
use super::schedule::AirflowVersion;
use super::value::{Call, Item, Text, Value};
use crate::source::{SourceFile, Spanned};

/// Extracts DAGs and tasks from a parsed file, with the imported modules' names known.
pub fn extract_file<'t>(
    source: Arc<SourceFile>,
    tree: &'t Tree,
    modules: Option<&'t Modules<'t>>,
) -> DagFile {
    let mut extractor = Extractor {
        eval: Evaluator::new(source.clone(), modules),
        dags: Vec::new(),
        tasks: Vec::new(),
        factories: HashMap::new(),
        factory_calls: Vec::new(),
        registers: true,
    };
    extractor.block(tree.root_node(), &Context::default());
    let airflow_version = extractor
        .eval
        .imports
        .any_from("airflow.sdk")
        .then_some(AirflowVersion::V3);
    DagFile {
        source,
        dags: extractor.dags,
        tasks: extractor.tasks,
        problems: Vec::new(),
        airflow_version,
        unread_dbt: Vec::new(),
        factory_calls: extractor.factory_calls,
    }
}

/// Where a statement sits: inside which DAG and task groups.
#[derive(Debug, Clone, Default)]
struct Context {
    dag: Option<usize>,
    group_default_args: Vec<Item>,
    /// `outer.inner.` for tasks in (prefixing) task groups: Airflow's task ids carry it.
    group_prefix: String,
    /// Inside a loop over known values (a literal list, the dbt manifest's nodes): conditions
    /// that are known decide which branch runs. Elsewhere every branch is looked at, since a
    /// condition on the deployment (`if ENV == "prod"`) differs between deployments.
    in_known_loop: bool,
}

/// How a block of statements ends, for loops unrolled over known values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Next,
    Continue,
    Break,
}

/// A function decorated with `@dag` or `@task...`: it creates a DAG or task when called.
#[derive(Clone, Copy)]
struct Factory<'t> {
    kind: FactoryKind,
    decorator: Node<'t>,
    definition: Node<'t>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FactoryKind {
    Dag,
    /// `@task.bash`: the function returns the command line.
    BashTask,
    /// `@task` and other task decorators: a task that runs Python.
    Task,
    /// `@task_group`: the tasks created in the body belong to a group.
    TaskGroup,
}

struct Extractor<'t> {
    eval: Evaluator<'t>,
    dags: Vec<Dag>,
    tasks: Vec<Task>,
    factories: HashMap<String, Factory<'t>>,
    /// Calls of gusty and dag-factory, which build DAGs from YAML files.
    factory_calls: Vec<FactoryCall>,
    /// False when only a module's names are wanted: DAGs and tasks are not created.
    registers: bool,
}

/// The names an imported module defines at its top level (its DAGs and tasks are not created).
/// Modules it imports were evaluated before it.
pub fn module_scope<'t>(
    source: Arc<SourceFile>,
    tree: &'t Tree,
    modules: &'t Modules<'t>,
) -> ModuleScope<'t> {
    let mut extractor = Extractor {
        eval: Evaluator::new(source, Some(modules)),
        dags: Vec::new(),
        tasks: Vec::new(),
        factories: HashMap::new(),
        factory_calls: Vec::new(),
        registers: false,
    };
    extractor.block(tree.root_node(), &Context::default());
    extractor.eval.into_scope()
}

fn last_segment(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

fn named_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

impl<'t> Extractor<'t> {
    fn block(&mut self, node: Node<'t>, context: &Context) -> Flow {
        for statement in named_children(node) {
            let flow = self.statement(statement, context);
            if flow != Flow::Next {
                return flow;
            }
        }
        Flow::Next
    }

    fn statement(&mut self, node: Node<'t>, context: &Context) -> Flow {
        match node.kind() {
            "continue_statement" => return Flow::Continue,
            "delete_statement" => self.eval.delete(node),
            "break_statement" => return Flow::Break,
            "if_statement" if context.in_known_loop => {
                if let Some(branch) = self.eval.taken_branch(node) {
                    return branch.map_or(Flow::Next, |block| self.block(block, context));
                }
                self.every_branch(node, context);
            }
            "import_statement" | "import_from_statement" => {
                let source = self.eval.source.clone();
                self.eval.imports.record(node, source.text());
            }
            "expression_statement" => {
                for expression in named_children(node) {
                    self.expression_statement(expression, context);
                }
            }
            "with_statement" => self.with_statement(node, context),
            "decorated_definition" => self.decorated_definition(node),
            "function_definition" | "class_definition" => self.eval.define_function(node),
            "for_statement" => self.for_statement(node, context),
            "if_statement" | "try_statement" => self.every_branch(node, context),
            _ => {}
        }
        Flow::Next
    }

    /// Definitions in any branch may run: looks at every branch.
    fn every_branch(&mut self, node: Node<'t>, context: &Context) {
        for child in named_children(node) {
            if child.kind() == "block" {
                self.block(child, context);
            } else if child.kind().ends_with("_clause") {
                self.every_branch(child, context);
            }
        }
    }

    fn expression_statement(&mut self, node: Node<'t>, context: &Context) {
        match node.kind() {
            "assignment" => {
                let Some(right) = node.child_by_field_name("right") else {
                    return;
                };
                let item = match self.discover(right, context) {
                    Some(registered) => registered,
                    None => self.eval.eval(right),
                };
                if let Some(left) = node.child_by_field_name("left") {
                    self.assign(left, item);
                }
            }
            "augmented_assignment" => {
                self.eval.execute_effect(node);
            }
            _ => {
                if self.eval.execute_effect(node) {
                    return;
                }
                self.discover(node, context);
            }
        }
    }

    fn assign(&mut self, left: Node<'t>, item: Item) {
        self.eval.assign(left, item);
    }

    /// Finds DAG and task constructions in an expression, registers them, and returns the
    /// registered DAG or task when the expression itself is one.
    fn discover(&mut self, node: Node<'t>, context: &Context) -> Option<Item> {
        if node.kind() == "call"
            && let Some(registered) = self.call(node, context)
        {
            return Some(registered);
        }
        for child in named_children(node) {
            if matches!(child.kind(), "lambda" | "function_definition") {
                continue;
            }
            self.discover(child, context);
        }
        None
    }

    /// Registers a call that creates a DAG or a task.
    fn call(&mut self, node: Node<'t>, context: &Context) -> Option<Item> {
        if !self.registers {
            return None;
        }
        let function = node.child_by_field_name("function")?;
        let span = self.eval.span(node);
        if let Some(factory) = FactoryCall::read(&self.eval, node) {
            self.factory_calls.push(factory);
            return None;
        }
        if function.kind() == "identifier" {
            let name = self.eval.text(function).to_owned();
            if let Some(factory) = self.factories.get(&name).copied() {
                return Some(self.instantiate(factory, node, context));
            }
            if let Some(definition) = self.eval.function(&name)
                && definition.kind() == "function_definition"
                && self.builds_airflow_objects(definition)
            {
                return Some(self.run_factory_function(definition, node, context));
            }
        }
        let qualified = self.eval.qualified_name(function);
        match last_segment(&qualified) {
            "DAG" => {
                return Some(Item::new(
                    Value::Dag(self.register_dag(node, DagKind::Constructor)),
                    span,
                ));
            }
            "DbtDag" => {
                return Some(Item::new(
                    Value::Dag(self.register_dag(node, DagKind::CosmosDbtDag)),
                    span,
                ));
            }
            _ => {}
        }
        let item = self.eval.eval(node);
        let Value::Call(call) = &item.value else {
            return None;
        };
        let wrapper = self
            .eval
            .wrappers()
            .iter()
            .find(|wrapper| wrapper.matches(&call.callee));
        if let Some(wrapper) = wrapper {
            let mut call = (**call).clone();
            if call.kwarg("task_id").is_none()
                && let Some(id) = wrapper.task_id_position.and_then(|p| call.args.get(p))
            {
                let id = id.clone();
                call.kwargs.push(("task_id".to_owned(), id));
            }
            let extraction = wrapper.extract(&call);
            let task = self.register_task(call, context);
            self.add_dbt_calls(task, extraction);
            return Some(Item::new(Value::Task(task), span));
        }
        let is_task = invocations::FAMILIES.iter().any(|f| (f.recognizes)(call))
            || call.kwarg("task_id").is_some()
            || call.name().ends_with("Operator")
            || call.name().ends_with("Sensor");
        if !is_task {
            return None;
        }
        let call = (**call).clone();
        let task = self.register_task(call, context);
        self.read_python_callable(task, node);
        Some(Item::new(Value::Task(task), span))
    }

    /// Whether a function's body creates DAGs, task groups or operators (a DAG factory).
    fn builds_airflow_objects(&self, definition: Node<'t>) -> bool {
        fn walk(extractor: &Extractor, node: Node) -> bool {
            if node.kind() == "call"
                && let Some(function) = node.child_by_field_name("function")
            {
                let qualified = extractor.eval.qualified_name(function);
                let name = last_segment(&qualified);
                if matches!(name, "DAG" | "DbtDag" | "DbtTaskGroup" | "TaskGroup")
                    || name.ends_with("Operator")
                    || name.ends_with("Sensor")
                {
                    return true;
                }
            }
            let mut cursor = node.walk();
            let children: Vec<Node> = node.named_children(&mut cursor).collect();
            children.into_iter().any(|child| walk(extractor, child))
        }
        definition
            .child_by_field_name("body")
            .is_some_and(|body| walk(self, body))
    }

    /// A call of a function that builds DAGs or tasks: its body runs here, with its parameters
    /// bound, so what it creates is registered; the call's value is what it returns.
    fn run_factory_function(
        &mut self,
        definition: Node<'t>,
        call_node: Node<'t>,
        context: &Context,
    ) -> Item {
        let span = self.eval.span(call_node);
        let call = self.eval.call_arguments(call_node);
        let (Some(parameters), Some(body)) = (
            definition.child_by_field_name("parameters"),
            definition.child_by_field_name("body"),
        ) else {
            return Item::new(Value::Unknown("a function".into()), span);
        };
        self.eval.push_scope();
        self.eval.bind_parameters(parameters, &call);
        self.block(body, context);
        let mut returns = Vec::new();
        collect_returns(body, &mut returns);
        // `return BashOperator(...)`: the returned operator is created too.
        let value = match returns.first() {
            Some(&node) => match self.discover(node, context) {
                Some(registered) => registered.value,
                None => self.eval.eval(node).value,
            },
            None => Value::None,
        };
        self.eval.pop_scope();
        Item::new(value, span)
    }

    fn register_dag(&mut self, node: Node<'t>, kind: DagKind) -> usize {
        let item = self.eval.eval(node);
        let call = match item.value {
            Value::Call(call) => *call,
            _ => empty_call(&item),
        };
        let dag_id = match call.arg("dag_id", 0) {
            Some(id) => Spanned::new(id.value.as_str(), id.span.clone()),
            None => Spanned::new(None, call.span.clone()),
        };
        let index = self.dags.len();
        let cosmos = (kind == DagKind::CosmosDbtDag).then(|| call.clone());
        self.dags.push(Dag { kind, dag_id, call });
        if let Some(call) = cosmos {
            // A DbtDag renders the dbt selection into its own tasks.
            let context = Context {
                dag: Some(index),
                ..Context::default()
            };
            self.register_task(call, &context);
        }
        index
    }

    fn register_task(&mut self, mut call: Call, context: &Context) -> usize {
        let dag = match call.kwarg("dag").map(|item| &item.value) {
            Some(Value::Dag(index)) => Some(*index),
            _ => context.dag,
        };
        self.inherit_default_args(&mut call, dag, context);
        let task_id = call
            .kwarg("task_id")
            .or_else(|| call.kwarg("group_id"))
            .and_then(|item| item.value.as_str())
            .map(|id| format!("{}{id}", context.group_prefix));
        let extraction = invocations::extract(&call).unwrap_or_default();
        let mut group_default_args = context.group_default_args.clone();
        if let Some(own) = call
            .kwarg("default_args")
            .filter(|_| call.name() == "DbtTaskGroup")
        {
            group_default_args.insert(0, own.clone());
        }
        self.tasks.push(Task {
            task_id,
            call,
            dag,
            group_default_args,
            dbt_calls: extraction.calls,
            unresolved: extraction.unresolved,
            upstream: Vec::new(),
        });
        self.tasks.len() - 1
    }

    /// Airflow passes `default_args` (of enclosing task groups, then of the DAG) to every
    /// operator as keyword arguments it was not given: `owner`, `retries`, but also
    /// operator-specific ones such as airflow-dbt's `dir` and `target`.
    fn inherit_default_args(&self, call: &mut Call, dag: Option<usize>, context: &Context) {
        let dag_args = dag
            .and_then(|index| self.dags.get(index))
            .and_then(|dag| dag.default_args());
        call.inherit_default_args(context.group_default_args.iter().chain(dag_args));
    }

    fn with_statement(&mut self, node: Node<'t>, context: &Context) {
        let mut inner = context.clone();
        let items = node
            .named_children(&mut node.walk())
            .find(|c| c.kind() == "with_clause")
            .map(named_children)
            .unwrap_or_default();
        for with_item in items {
            let Some(value) = with_item.child_by_field_name("value") else {
                continue;
            };
            let (expression, alias) = if value.kind() == "as_pattern" {
                let alias = value
                    .child_by_field_name("alias")
                    .and_then(|a| a.named_child(0).or(Some(a)));
                (value.named_child(0), alias)
            } else {
                (Some(value), None)
            };
            let Some(expression) = expression else {
                continue;
            };
            let item = self.context_manager(expression, context, &mut inner);
            if let Some(alias) = alias {
                self.assign(alias, item);
            }
        }
        if let Some(body) = node.child_by_field_name("body") {
            self.block(body, &inner);
        }
    }

    /// The value a `with` item binds, updating the context of the block it opens.
    fn context_manager(
        &mut self,
        expression: Node<'t>,
        outer: &Context,
        inner: &mut Context,
    ) -> Item {
        if expression.kind() == "call"
            && let Some(function) = expression.child_by_field_name("function")
        {
            let qualified = self.eval.qualified_name(function);
            if last_segment(&qualified) == "TaskGroup" {
                let item = self.eval.eval(expression);
                if let Some(group) = item.value.as_call() {
                    if let Some(args) = group.kwarg("default_args") {
                        inner.group_default_args.insert(0, args.clone());
                    }
                    let prefixes = group
                        .kwarg("prefix_group_id")
                        .is_none_or(|flag| flag.value.truthy() != Some(false));
                    // Airflow: a group with `prefix_group_id=False` gives its tasks bare ids.
                    inner.group_prefix =
                        match group.arg("group_id", 0).and_then(|id| id.value.as_str()) {
                            Some(id) if prefixes => format!("{}{id}.", outer.group_prefix),
                            _ => String::new(),
                        };
                }
                return item;
            }
        }
        let item = match self.discover(expression, outer) {
            Some(item) => item,
            // `with dag:` on a DAG bound earlier.
            None => self.eval.eval(expression),
        };
        if let Value::Dag(index) = item.value {
            inner.dag = Some(index);
        }
        item
    }

    fn decorated_definition(&mut self, node: Node<'t>) {
        let Some(definition) = node.child_by_field_name("definition") else {
            return;
        };
        if definition.kind() != "function_definition" {
            return;
        }
        let Some(name) = definition.child_by_field_name("name") else {
            return;
        };
        for decorator in named_children(node)
            .into_iter()
            .filter(|c| c.kind() == "decorator")
        {
            let Some(expression) = decorator.named_child(0) else {
                continue;
            };
            let target = if expression.kind() == "call" {
                expression
                    .child_by_field_name("function")
                    .unwrap_or(expression)
            } else {
                expression
            };
            let qualified = self.eval.qualified_name(target);
            let kind = match qualified.as_str() {
                path if last_segment(path) == "dag" => FactoryKind::Dag,
                path if last_segment(path) == "task_group" => FactoryKind::TaskGroup,
                path if path.ends_with("task.bash") => FactoryKind::BashTask,
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
    }

    /// A call of a decorated function: a DAG (`@dag`) or a task (`@task...`).
    fn instantiate(
        &mut self,
        factory: Factory<'t>,
        call_node: Node<'t>,
        context: &Context,
    ) -> Item {
        let span = self.eval.span(call_node);
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
        let name_node = factory.definition.child_by_field_name("name");
        let function_name = name_node.map(|n| self.eval.text(n).to_owned());
        let name_span = name_node.map_or_else(|| span.clone(), |n| self.eval.span(n));
        match factory.kind {
            FactoryKind::Dag => {
                let dag_id = match decorator.kwarg("dag_id") {
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
                self.eval.push_scope();
                if let Some(body) = factory.definition.child_by_field_name("body") {
                    self.block(body, &body_context);
                }
                self.eval.pop_scope();
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
                self.eval.push_scope();
                if let Some(body) = factory.definition.child_by_field_name("body") {
                    self.block(body, &body_context);
                }
                self.eval.pop_scope();
                Item::new(Value::Unknown("a task group".into()), span)
            }
            FactoryKind::BashTask | FactoryKind::Task => {
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
                if factory.kind == FactoryKind::BashTask {
                    self.read_bash_returns(index, factory.definition);
                } else {
                    let extraction =
                        python_task::dbt_calls_in_function(&self.eval, factory.definition);
                    self.add_dbt_calls(index, extraction);
                }
                Item::new(Value::Task(index), span)
            }
        }
    }

    /// `@task.bash`: the command line is what the function returns.
    fn read_bash_returns(&mut self, task: usize, definition: Node<'t>) {
        let Some(body) = definition.child_by_field_name("body") else {
            return;
        };
        let mut returns = Vec::new();
        collect_returns(body, &mut returns);
        self.eval.push_scope();
        let mut extraction = invocations::Extraction::default();
        for statement in named_children(body) {
            if statement.kind() == "expression_statement" {
                for expression in named_children(statement) {
                    if expression.kind() == "assignment"
                        && let (Some(left), Some(right)) = (
                            expression.child_by_field_name("left"),
                            expression.child_by_field_name("right"),
                        )
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
                    let found = calls_in_command(text);
                    extraction.calls.extend(found.calls);
                    extraction.unresolved.extend(found.unresolved);
                }
                other if item.span.text().to_ascii_lowercase().contains("dbt") => {
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

    fn add_dbt_calls(&mut self, task: usize, extraction: invocations::Extraction) {
        let task = &mut self.tasks[task];
        task.dbt_calls.extend(extraction.calls);
        task.unresolved.extend(extraction.unresolved);
    }

    /// `PythonOperator(python_callable=fn)` and its kin: the dbt calls `fn` makes.
    fn read_python_callable(&mut self, task: usize, call_node: Node<'t>) {
        let Some(arguments) = call_node.child_by_field_name("arguments") else {
            return;
        };
        let callable = named_children(arguments).into_iter().find_map(|argument| {
            let name = argument.child_by_field_name("name")?;
            (argument.kind() == "keyword_argument" && self.eval.text(name) == "python_callable")
                .then(|| argument.child_by_field_name("value"))
                .flatten()
        });
        let Some(callable) = callable.filter(|c| self.eval.names_function(*c)) else {
            return;
        };
        if let Some(extraction) = self
            .eval
            .with_function(callable, python_task::dbt_calls_in_function)
        {
            self.add_dbt_calls(task, extraction);
        }
    }

    fn for_statement(&mut self, node: Node<'t>, context: &Context) {
        let (Some(left), Some(right), Some(body)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
            node.child_by_field_name("body"),
        ) else {
            return;
        };
        let iterable = self.eval.eval(right);
        match iteration(iterable.value) {
            Some(items) => {
                // A loop over known values runs its body once per element.
                let inner = Context {
                    in_known_loop: true,
                    ..context.clone()
                };
                for item in items {
                    self.assign(left, item);
                    if self.block(body, &inner) == Flow::Break {
                        break;
                    }
                }
            }
            None => {
                let unknown = Item::new(Value::Unknown("a loop variable".into()), iterable.span);
                self.assign(left, unknown);
                self.block(body, context);
            }
        }
    }
}

fn empty_call(item: &Item) -> Call {
    Call {
        callee: String::new(),
        args: Vec::new(),
        kwargs: Vec::new(),
        unknown_splat: true,
        span: item.span.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::airflow::invocations::wrapper::Wrapper;

    /// The dbt command lines (rendered select tokens) each task of `code` runs.
    fn selections(code: &str) -> Vec<(String, Vec<String>)> {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        let source = SourceFile::new("dags/t.py", code.to_owned());
        let tree = parser.parse(source.text(), None).unwrap();
        let file = extract_file(source, &tree, None);
        file.tasks
            .iter()
            .map(|task| {
                let selects = task
                    .dbt_calls
                    .iter()
                    .flat_map(|call| {
                        call.select
                            .iter()
                            .map(|s| format!("{} {}", call.command, s.value))
                    })
                    .collect();
                (task.id().to_owned(), selects)
            })
            .collect()
    }

    #[test]
    fn string_building() {
        let code = r#"
from airflow import DAG
from airflow.operators.bash import BashOperator
TEMPLATE = "dbt {command} --select {select}"
PCT = "dbt test --select %s --target %s"
with DAG("d") as dag:
    BashOperator(task_id="fmt", bash_command=TEMPLATE.format(command="run", select="tag:a"))
    BashOperator(task_id="pct", bash_command=PCT % ("tag:b", "prod"))
    BashOperator(task_id="join", bash_command=" ".join(["dbt", "build", "-s", "tag:c"]))
"#;
        assert_eq!(
            selections(code),
            [
                ("fmt".to_owned(), vec!["run tag:a".to_owned()]),
                ("pct".to_owned(), vec!["test tag:b".to_owned()]),
                ("join".to_owned(), vec!["build tag:c".to_owned()]),
            ]
        );
    }

    #[test]
    fn helper_functions_and_wrappers() {
        let code = r#"
from airflow import DAG
from airflow.operators.bash import BashOperator

def dbt_cmd(command, select, target="prod"):
    flags = f"--target {target}"
    return f"dbt {command} --select {select} {flags}"

def dbt_task(task_id, dbt_args):
    return BashOperator(task_id=task_id, bash_command="dbt " + " ".join(dbt_args))

with DAG("d") as dag:
    BashOperator(task_id="helper", bash_command=dbt_cmd("run", "tag:x"))
    dbt_task("wrapped", ["build", "--select", "tag:y"])
"#;
        assert_eq!(
            selections(code),
            [
                ("helper".to_owned(), vec!["run tag:x".to_owned()]),
                ("wrapped".to_owned(), vec!["build tag:y".to_owned()]),
            ]
        );
    }

    #[test]
    fn loops_over_dict_items() {
        let code = r#"
from airflow import DAG
from airflow.operators.bash import BashOperator
SELECTIONS = {"a": "run -s tag:a", "b": "test -s tag:b"}
with DAG("d") as dag:
    for name, args in SELECTIONS.items():
        BashOperator(task_id=name, bash_command=f"dbt {args}")
"#;
        assert_eq!(
            selections(code),
            [
                ("a".to_owned(), vec!["run tag:a".to_owned()]),
                ("b".to_owned(), vec!["test tag:b".to_owned()])
            ]
        );
    }

    #[test]
    fn operator_subclasses_build_their_base_operator() {
        let code = r#"
from airflow import DAG
from airflow.operators.bash import BashOperator

class DbtOperator(BashOperator):
    def __init__(self, *, select=None, full_refresh=False, **kwargs):
        parts = ["dbt", "build"]
        if select:
            parts += ["--select", select]
        if full_refresh:
            parts.append("--full-refresh")
        super().__init__(bash_command=" ".join(parts), **kwargs)

class Plain(BashOperator):
    template_fields = ("bash_command",)

with DAG("d") as dag:
    DbtOperator(task_id="narrow", select="tag:x")
    DbtOperator(task_id="everything")
    Plain(task_id="plain", bash_command="dbt run -s tag:y")
"#;
        assert_eq!(
            selections(code),
            [
                ("narrow".to_owned(), vec!["build tag:x".to_owned()]),
                ("everything".to_owned(), vec![]),
                ("plain".to_owned(), vec!["run tag:y".to_owned()]),
            ]
        );
    }

    #[test]
    fn known_loops_follow_their_conditions() {
        let code = r#"
from airflow import DAG
from airflow.operators.bash import BashOperator
MODELS = ["model.p.a", "seed.p.b", "model.p.c", "model.p.stop", "model.p.d"]
with DAG("d") as dag:
    for unique_id in MODELS:
        kind, _, name = unique_id.split(".")
        if kind != "model":
            continue
        if name == "stop":
            break
        BashOperator(task_id=name, bash_command=f"dbt run -s {name}")
    finance = sorted(m.split(".")[-1] for m in MODELS if m.startswith("model.") and "c" in m)
    BashOperator(task_id="finance", bash_command="dbt test -s " + " ".join(finance))
"#;
        assert_eq!(
            selections(code),
            [
                ("a".to_owned(), vec!["run a".to_owned()]),
                ("c".to_owned(), vec!["run c".to_owned()]),
                ("finance".to_owned(), vec!["test c".to_owned()]),
            ]
        );
    }

    #[test]
    fn python_tasks_that_start_dbt() {
        let code = r#"
import subprocess, sys
from pathlib import Path
from airflow import DAG
from airflow.decorators import task
from airflow.operators.python import PythonOperator

def staging():
    from dbt.cli.main import dbtRunner
    dbtRunner().invoke(["build", "--select", "tag:staging"], full_refresh=True)

def not_dbt():
    print("hello")

with DAG("d") as dag:
    PythonOperator(task_id="runner", python_callable=staging)
    PythonOperator(task_id="plain", python_callable=not_dbt)

    @task
    def loop(ds=None):
        runner = dbtRunner()
        for layer in ["a", "b"]:
            runner.invoke(["run", "-s", f"tag:{layer}"], target="prod")

    @task
    def shell():
        dbt = str(Path(sys.executable).parent / "dbt")
        subprocess.run([dbt, "test", "-s", "tag:c"], cwd="/opt/dbt", check=True)
        subprocess.run("dbt seed -s raw", shell=True)
        subprocess.run(["echo", "dbt run -s tag:x"])

    loop()
    shell()
"#;
        assert_eq!(
            selections(code),
            [
                ("runner".to_owned(), vec!["build tag:staging".to_owned()]),
                ("plain".to_owned(), vec![]),
                (
                    "loop".to_owned(),
                    vec!["run tag:a".to_owned(), "run tag:b".to_owned()]
                ),
                (
                    "shell".to_owned(),
                    vec!["test tag:c".to_owned(), "seed raw".to_owned()]
                ),
            ]
        );
    }

    #[test]
    fn declared_wrappers_name_their_tasks_and_arguments() {
        let code = r#"
from acme.dbt import dbt_task
from airflow import DAG
with DAG("d") as dag:
    dbt_task("daily", "build -s tag:a", project="/opt/dbt")
    dbt_task("hourly", dbt_args=["dbt", "run", "-s", "tag:b"])
"#;
        let wrappers = [Wrapper {
            name: "acme.dbt.dbt_task".into(),
            argument: "dbt_args".into(),
            position: Some(1),
            project_dir_argument: Some("project".into()),
            task_id_position: Some(0),
        }];
        let modules = Modules::new(None, &wrappers);
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        let source = SourceFile::new("dags/t.py", code.to_owned());
        let tree = parser.parse(source.text(), None).unwrap();
        let file = extract_file(source, &tree, Some(&modules));
        let tasks: Vec<(&str, String, Option<String>)> = file
            .tasks
            .iter()
            .map(|task| {
                let call = &task.dbt_calls[0];
                (
                    task.id(),
                    call.select.iter().map(|s| s.value.clone()).collect(),
                    call.project_dir.as_ref().map(|dir| dir.value.clone()),
                )
            })
            .collect();
        assert_eq!(
            tasks,
            [
                ("daily", "tag:a".to_owned(), Some("/opt/dbt".to_owned())),
                ("hourly", "tag:b".to_owned(), None),
            ]
        );
    }

    #[test]
    fn helpers_update_dicts() {
        let code = r#"
from airflow import DAG
from airflow.operators.bash import BashOperator
BASE = {"owner": "x", "retries": 2}
def args_for(team, **overrides):
    """doc"""
    args = dict(BASE, owner=team)
    args.update(overrides)
    return args
with DAG("d", default_args=args_for("t", retries=4)) as dag:
    BashOperator(task_id="a", bash_command="dbt run")
"#;
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        let source = SourceFile::new("dags/t.py", code.to_owned());
        let tree = parser.parse(source.text(), None).unwrap();
        let file = extract_file(source, &tree, None);
        let arg = |key| {
            file.dags[0]
                .default_arg(key)
                .unwrap()
                .unwrap()
                .value
                .describe()
        };
        assert_eq!(
            (arg("owner"), arg("retries")),
            ("t".to_owned(), "4".to_owned())
        );
    }
}
