//! Calls that create DAGs and tasks: recognized, registered in the file's lists, their
//! `default_args` inherited and their dbt calls read.

use tree_sitter::Node;

use super::{CallSite, Context, Extractor, last_segment};
use crate::airflow::eval::MAX_CALL_DEPTH;
use crate::airflow::eval::collect_returns;
use crate::airflow::eval::iteration;
use crate::airflow::factories::FactoryCall;
use crate::airflow::grammar::{
    ARGUMENTS, BODY, FUNCTION, LEFT, NAME, PARAMETERS, RIGHT, Syntax, VALUE, may_hold_calls,
};
use crate::airflow::invocations;
use crate::airflow::model::{Dag, DagKind, Task};
use crate::airflow::modules::Definition;
use crate::airflow::python_task;
use crate::airflow::value::{Call, Item, Value};
use crate::airflow::walk::{Walk, named_children, preorder};
use crate::source::Spanned;

impl<'t> Extractor<'t> {
    /// Finds DAG and task constructions in an expression, registers them, and returns the
    /// registered DAG or task when the expression itself is one.
    pub(super) fn discover(&mut self, node: Node<'t>, context: &Context) -> Option<Item> {
        let mut itself = None;
        preorder(node, |inner| {
            if inner != node && matches!(inner.kind_name(), "lambda" | "function_definition") {
                return Walk::Skip;
            }
            if is_comprehension(inner.kind_name())
                && !context.once
                && self.comprehension(inner, context)
            {
                return Walk::Skip;
            }
            match inner.kind_name() {
                "call" => {}
                "string" if !may_hold_calls(self.eval.text(inner)) => return Walk::Skip,
                _ => return Walk::Descend,
            }
            match self.call(inner, context) {
                // What a registered call's arguments create was registered with it.
                Some(registered) if inner == node => {
                    itself = Some(registered);
                    Walk::Stop
                }
                Some(_) => Walk::Skip,
                None => Walk::Descend,
            }
        });
        itself
    }

    /// `{dag_id: make_trigger(dag_id) for dag_id in ids}`: a comprehension over known values
    /// creates what its body creates once per binding, as the equivalent `for` loop would.
    /// False (read once, by the caller's walk) when an iterable or condition is unknown or
    /// the loop is over the file's budget.
    fn comprehension(&mut self, node: Node<'t>, context: &Context) -> bool {
        let Some(body) = node.field(&BODY) else {
            return false;
        };
        let clauses: Vec<Node<'t>> = named_children(node)
            .into_iter()
            .filter(|n| matches!(n.kind_name(), "for_in_clause" | "if_clause"))
            .collect();
        // Each binding's environment, worked out before anything is registered, so that an
        // unknown iterable leaves nothing half done.
        self.eval.push_scope();
        let mut bindings = Vec::new();
        let known = self.comprehension_bindings(&clauses, &mut Vec::new(), &mut bindings);
        self.eval.pop_scope();
        if !known || bindings.is_empty() {
            return known;
        }
        let inner = Context {
            in_known_loop: true,
            ..context.clone()
        };
        for binding in bindings {
            self.eval.push_scope();
            for (left, item) in binding {
                self.eval.assign(left, item);
            }
            self.discover(body, &inner);
            self.eval.pop_scope();
            if self.over_task_limit() {
                break;
            }
        }
        true
    }

    /// Every combination of values the `for` clauses bind that passes the `if` clauses.
    fn comprehension_bindings(
        &self,
        clauses: &[Node<'t>],
        bound: &mut Vec<(Node<'t>, Item)>,
        out: &mut Vec<Vec<(Node<'t>, Item)>>,
    ) -> bool {
        let Some((clause, rest)) = clauses.split_first() else {
            out.push(bound.clone());
            return true;
        };
        if clause.kind_name() == "for_in_clause" {
            let (Some(left), Some(right)) = (clause.field(&LEFT), clause.field(&RIGHT)) else {
                return false;
            };
            let Some(elements) = iteration(self.eval.eval(right).value)
                .filter(|elements| self.eval.spend_iterations(elements.len()))
            else {
                return false;
            };
            for element in elements {
                self.eval.assign(left, element.clone());
                bound.push((left, element));
                let complete = self.comprehension_bindings(rest, bound, out);
                bound.pop();
                if !complete {
                    return false;
                }
            }
            return true;
        }
        match clause
            .named_child(0)
            .and_then(|condition| self.eval.eval(condition).value.truthy())
        {
            Some(true) => self.comprehension_bindings(rest, bound, out),
            Some(false) => true,
            None => false,
        }
    }

    /// Registers a call that creates a DAG or a task.
    fn call(&mut self, node: Node<'t>, context: &Context) -> Option<Item> {
        if !self.registers {
            return None;
        }
        let function = node.field(&FUNCTION)?;
        let span = self.eval.span(node);
        if let Some(factory) = FactoryCall::read(&self.eval, node) {
            self.factory_calls.push(factory);
            return None;
        }
        if function.kind_name() == "identifier" {
            let name = self.eval.text(function).to_owned();
            if let Some(factory) = self.factories.get(&name).copied() {
                let site = self.call_site(node);
                return Some(self.instantiate(factory, site, context));
            }
            if let Some(definition) = self.eval.function(&name)
                && definition.kind_name() == "function_definition"
                && self.builds_airflow_objects(definition)
            {
                let site = self.call_site(node);
                return Some(self.run_factory_function(definition, site, context));
            }
        }
        if let Some(item) = self.call_module_factory(function, node, context) {
            return Some(item);
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
            self.note_evaluated(node, item);
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
            self.note_evaluated(node, item);
            return None;
        }
        let call = (**call).clone();
        let task = self.register_task(call, context);
        self.read_python_callable(task, node);
        Some(Item::new(Value::Task(task), span))
    }

    /// Keeps the first value `discover` evaluated without registering it (see
    /// `Extractor::evaluated`).
    fn note_evaluated(&mut self, node: Node<'t>, item: Item) {
        if self.evaluated.is_none() {
            self.evaluated = Some((node.id(), item));
        }
    }

    /// What a call's arguments are where it is written, and where it is.
    pub(super) fn call_site(&self, node: Node<'t>) -> CallSite {
        CallSite {
            arguments: self.eval.call_arguments(node),
            span: self.eval.span(node),
        }
    }

    /// A call of a `@task`/`@task_group`/`@dag` function, or of a function that builds DAGs or
    /// tasks, defined in an imported module of the DAG folders: its body runs with the
    /// module's names, and what it creates is registered in this file.
    fn call_module_factory(
        &mut self,
        function: Node<'t>,
        node: Node<'t>,
        context: &Context,
    ) -> Option<Item> {
        if !matches!(function.kind_name(), "identifier" | "attribute")
            || self.eval.call_depth() >= MAX_CALL_DEPTH
        {
            return None;
        }
        let modules = self.eval.modules()?;
        let path = self.eval.qualified_name(function);
        if let Some((factory, definition)) = modules.factory(&path) {
            let site = self.call_site(node);
            return Some(self.in_module(&definition, |extractor| {
                extractor.instantiate(factory, site, context)
            }));
        }
        let definition = modules.function(&path)?;
        if definition.node.kind_name() != "function_definition" {
            return None;
        }
        let site = self.call_site(node);
        self.in_module(&definition, |extractor| {
            extractor
                .builds_airflow_objects(definition.node)
                .then(|| extractor.run_factory_function(definition.node, site, context))
        })
    }

    /// Runs `run` with the evaluator and the decorated functions of the module `definition`
    /// lives in, registering into this file's DAGs and tasks.
    fn in_module<R>(&mut self, definition: &Definition<'t>, run: impl FnOnce(&mut Self) -> R) -> R {
        let foreign = self.eval.for_module(definition);
        let outer_eval = std::mem::replace(&mut self.eval, foreign);
        let outer_factories =
            std::mem::replace(&mut self.factories, definition.scope.factories.clone());
        let result = run(self);
        self.eval = outer_eval;
        self.factories = outer_factories;
        result
    }

    /// Whether a function's body creates DAGs, task groups or operators (a DAG factory).
    fn builds_airflow_objects(&self, definition: Node<'t>) -> bool {
        let Some(body) = definition.field(&BODY) else {
            return false;
        };
        let mut builds = false;
        preorder(body, |node| {
            if node.kind_name() == "call"
                && let Some(function) = node.field(&FUNCTION)
            {
                let qualified = self.eval.qualified_name(function);
                let name = last_segment(&qualified);
                if matches!(name, "DAG" | "DbtDag" | "DbtTaskGroup" | "TaskGroup")
                    || name.ends_with("Operator")
                    || name.ends_with("Sensor")
                {
                    builds = true;
                    return Walk::Stop;
                }
            }
            Walk::Descend
        });
        builds
    }

    /// A call of a function that builds DAGs or tasks: its body runs here, with its parameters
    /// bound, so what it creates is registered; the call's value is what it returns.
    fn run_factory_function(
        &mut self,
        definition: Node<'t>,
        site: CallSite,
        context: &Context,
    ) -> Item {
        let CallSite {
            arguments: call,
            span,
        } = site;
        let (Some(parameters), Some(body)) =
            (definition.field(&PARAMETERS), definition.field(&BODY))
        else {
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

    pub(super) fn register_task(&mut self, mut call: Call, context: &Context) -> usize {
        let dag = match call.kwarg("dag").map(|item| &item.value) {
            Some(Value::Dag(index)) => Some(*index),
            _ => context.dag,
        };
        self.inherit_default_args(&mut call, dag, context);
        let id_item = match call.name() {
            "DbtTaskGroup" => call.arg("group_id", 0),
            _ => call.kwarg("task_id").or_else(|| call.kwarg("group_id")),
        };
        let task_id = match (call.name(), id_item) {
            // Cosmos names a group `dbt_task_group` unless told otherwise.
            ("DbtTaskGroup", None) => Some("dbt_task_group".to_owned()),
            (_, item) => item.and_then(|item| item.value.as_str()),
        }
        .map(|id| format!("{}{id}", context.group_prefix));
        let id_pattern = match id_item.map(|item| &item.value) {
            Some(Value::Str(text)) if task_id.is_none() => {
                Some(format!("{}{}", context.group_prefix, text.pattern()))
            }
            _ => None,
        };
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
            id_pattern,
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

    pub(super) fn add_dbt_calls(&mut self, task: usize, extraction: invocations::Extraction) {
        let task = &mut self.tasks[task];
        task.dbt_calls.extend(extraction.calls);
        task.unresolved.extend(extraction.unresolved);
    }

    /// `PythonOperator(python_callable=fn)` and its kin: the dbt calls `fn` makes.
    fn read_python_callable(&mut self, task: usize, call_node: Node<'t>) {
        let Some(arguments) = call_node.field(&ARGUMENTS) else {
            return;
        };
        let callable = named_children(arguments).into_iter().find_map(|argument| {
            let name = argument.field(&NAME)?;
            (argument.kind_name() == "keyword_argument"
                && self.eval.text(name) == "python_callable")
                .then(|| argument.field(&VALUE))
                .flatten()
        });
        let Some(callable) = callable.filter(|c| self.eval.names_function(*c)) else {
            return;
        };
        // Airflow calls it with `op_args` and `op_kwargs`.
        let operator = &self.tasks[task].call;
        let arguments = Call {
            callee: self.eval.text(callable).to_owned(),
            args: operator
                .kwarg("op_args")
                .and_then(|args| args.value.as_list())
                .map(<[Item]>::to_vec)
                .unwrap_or_default(),
            kwargs: match operator.kwarg("op_kwargs").map(|kwargs| &kwargs.value) {
                Some(Value::Dict(pairs)) => pairs
                    .iter()
                    .filter_map(|(key, value)| Some((key.value.as_str()?, value.clone())))
                    .collect(),
                _ => Vec::new(),
            },
            unknown_splat: false,
            span: operator.span.clone(),
        };
        if let Some(extraction) = self.eval.with_function(callable, |evaluator, definition| {
            python_task::dbt_calls_in_function(evaluator, definition, Some(&arguments))
        }) {
            self.add_dbt_calls(task, extraction);
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

fn is_comprehension(kind: &str) -> bool {
    matches!(
        kind,
        "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression"
    )
}
