//! Walks a DAG file's syntax tree once: binds module constants, finds DAGs (`with DAG`,
//! `dag = DAG(...)`, `@dag`, Cosmos `DbtDag`) and the tasks in them, and reads each task's dbt
//! calls through the invocation families.

use crate::airflow::grammar::{ALIAS, BODY, CONDITION, FUNCTION, LEFT, RIGHT, Syntax, VALUE};

mod decorators;
mod registry;
#[cfg(test)]
mod tests;

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use tree_sitter::{Node, Tree};

pub use self::decorators::Factory;
use super::eval::{Evaluator, MAX_LOOP_ITERATIONS, MAX_NESTING, iteration, range_len};
use super::factories::FactoryCall;
use super::model::{Dag, DagFile, Task};
use super::modules::{ModuleScope, Modules};
use super::schedule::AirflowVersion;
use super::value::{Call, Item, Value};
use super::walk::named_children;
use crate::error::Error;
use crate::source::{SourceFile, Span};

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
        factories: HashMap::default(),
        factory_calls: Vec::new(),
        registers: true,
        notes: Vec::new(),
        evaluated: None,
    };
    extractor.block(tree.root_node(), &Context::default());
    let mut problems: Vec<Error> = extractor
        .eval
        .too_deep()
        .map(|span| {
            Error::at(
                span,
                format!("code nested more than {MAX_NESTING} levels deep"),
                "monolint reads what lies deeper as unknown",
            )
            .with_help(
                "CPython itself refuses more than 200 nested brackets or 100 nested blocks; \
                 what the code builds there is reported as unknown, never guessed",
            )
            .into_warning()
        })
        .into_iter()
        .collect();
    problems.append(&mut extractor.notes);
    let airflow_version = extractor
        .eval
        .imports
        .any_from("airflow.sdk")
        .then_some(AirflowVersion::V3);
    DagFile {
        source,
        dags: extractor.dags,
        tasks: extractor.tasks,
        problems,
        airflow_version,
        unread_dbt: Vec::new(),
        factory_calls: extractor.factory_calls,
        import_time: Default::default(),
    }
}

/// How many tasks one file may create: more than any real DAG file does, few enough that a
/// loop over a huge computed range cannot swamp the check.
pub const MAX_TASKS_PER_FILE: usize = 10_000;

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
    /// Inside a loop read once instead of unrolled: loops in it are read once too, so each
    /// call site makes one task.
    once: bool,
}

/// Where a DAG, task or factory function is called: its arguments, evaluated where the call
/// is written, and the call's span.
pub(super) struct CallSite {
    arguments: Call,
    span: Span,
}

/// How a block of statements ends, for loops unrolled over known values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Next,
    Continue,
    Break,
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
    /// Warnings about the file: loops not unrolled.
    notes: Vec<Error>,
    /// The first call [`Extractor::discover`] evaluated without registering anything, and
    /// its value: the right side of an assignment is then not evaluated again (a DAG file's
    /// `json.load` of a large manifest, a helper function's body).
    evaluated: Option<(usize, Item)>,
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
        factories: HashMap::default(),
        factory_calls: Vec::new(),
        registers: false,
        notes: Vec::new(),
        evaluated: None,
    };
    extractor.block(tree.root_node(), &Context::default());
    let mut scope = extractor.eval.into_scope();
    scope.factories = extractor.factories;
    scope
}

fn last_segment(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

impl<'t> Extractor<'t> {
    /// The statements of a block; a block nested past the limit is left out.
    fn block(&mut self, node: Node<'t>, context: &Context) -> Flow {
        if !self.eval.descend(node) {
            return Flow::Next;
        }
        let flow = self.statements(node, context);
        self.eval.ascend();
        flow
    }

    fn statements(&mut self, node: Node<'t>, context: &Context) -> Flow {
        for statement in named_children(node) {
            let flow = self.statement(statement, context);
            if flow != Flow::Next {
                return flow;
            }
        }
        Flow::Next
    }

    fn statement(&mut self, node: Node<'t>, context: &Context) -> Flow {
        match node.kind_name() {
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
            "while_statement" => self.while_statement(node, context),
            "if_statement" | "try_statement" => self.every_branch(node, context),
            _ => {}
        }
        Flow::Next
    }

    /// Definitions in any branch may run: looks at every branch.
    fn every_branch(&mut self, node: Node<'t>, context: &Context) {
        for child in named_children(node) {
            if child.kind_name() == "block" {
                self.block(child, context);
            } else if child.kind_name().ends_with("_clause") {
                self.every_branch(child, context);
            }
        }
    }

    fn expression_statement(&mut self, node: Node<'t>, context: &Context) {
        match node.kind_name() {
            "assignment" => {
                let Some(right) = node.field(&RIGHT) else {
                    return;
                };
                let created = self.created();
                self.evaluated = None;
                let item = match self.discover(right, context) {
                    Some(registered) => registered,
                    // The whole right side was evaluated looking for what it creates, and
                    // created nothing: that is its value.
                    None => match self.evaluated.take() {
                        Some((id, item)) if id == right.id() && self.created() == created => item,
                        _ => self.eval.eval(right),
                    },
                };
                if let Some(left) = node.field(&LEFT) {
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

    /// How many DAGs, tasks and factory calls the file has created so far.
    fn created(&self) -> (usize, usize, usize) {
        (self.dags.len(), self.tasks.len(), self.factory_calls.len())
    }

    fn assign(&mut self, left: Node<'t>, item: Item) {
        self.eval.assign(left, item);
    }

    fn with_statement(&mut self, node: Node<'t>, context: &Context) {
        let mut inner = context.clone();
        let items = node
            .named_children(&mut node.walk())
            .find(|c| c.kind_name() == "with_clause")
            .map(named_children)
            .unwrap_or_default();
        for with_item in items {
            let Some(value) = with_item.field(&VALUE) else {
                continue;
            };
            let (expression, alias) = if value.kind_name() == "as_pattern" {
                let alias = value
                    .field(&ALIAS)
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
        if let Some(body) = node.field(&BODY) {
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
        if expression.kind_name() == "call"
            && let Some(function) = expression.field(&FUNCTION)
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

    /// A `for` loop: unrolled over known values, its body once per element, within the
    /// file's iteration budget and task limit; otherwise its body once with the loop variable
    /// unknown, so each task it creates is one task with its id pattern.
    fn for_statement(&mut self, node: Node<'t>, context: &Context) {
        let (Some(left), Some(right), Some(body)) =
            (node.field(&LEFT), node.field(&RIGHT), node.field(&BODY))
        else {
            return;
        };
        let iterable = self.eval.eval(right);
        let span = iterable.span.clone();
        // Read once, not unrolled, past a limit (a `range(...)` too long is unknown already).
        let mut limited = matches!(iterable.value, Value::Unknown(_))
            && right.kind_name() == "call"
            && range_len(&self.eval.call_arguments(right)).is_some_and(|count| {
                self.note_loop(
                    node,
                    format!("runs {count} times, more than monolint unrolls"),
                );
                true
            });
        if let Some(items) = iteration(iterable.value) {
            let count = items.len();
            if context.once {
                limited = true;
            } else if !self.eval.spend_iterations(count) {
                self.note_loop(
                    node,
                    format!("runs {count} times, more than monolint unrolls"),
                );
                limited = true;
            } else if self.unrolled(node, context, |extractor, inner| {
                let mut flow = Flow::Next;
                for item in items {
                    extractor.assign(left, item);
                    flow = extractor.block(body, inner);
                    if flow == Flow::Break || extractor.over_task_limit() {
                        break;
                    }
                }
                flow
            }) {
                return;
            } else {
                limited = true;
            }
        }
        let unknown = Item::new(Value::Unknown("a loop variable".into()), span);
        self.assign(left, unknown);
        // Under a loop past a limit, inner loops are read once too: one task per call site.
        let once = Context {
            once: context.once || limited,
            ..context.clone()
        };
        self.block(body, &once);
    }

    /// A `while` loop: unrolled while its condition is known to hold, within the same limits
    /// as a `for` loop; run once when the condition is unknown from the start.
    fn while_statement(&mut self, node: Node<'t>, context: &Context) {
        let (Some(condition), Some(body)) = (node.field(&CONDITION), node.field(&BODY)) else {
            return;
        };
        let mut known = true;
        let done = !context.once
            && self.unrolled(node, context, |extractor, inner| {
                let mut rounds = 0;
                loop {
                    match extractor.eval.eval(condition).value.truthy() {
                        Some(true)
                            if rounds < MAX_LOOP_ITERATIONS
                                && extractor.eval.spend_iterations(1) => {}
                        Some(false) => return Flow::Next,
                        Some(true) => return Flow::Break,
                        None => {
                            known = rounds > 0;
                            return Flow::Next;
                        }
                    }
                    rounds += 1;
                    if extractor.block(body, inner) == Flow::Break || extractor.over_task_limit() {
                        return Flow::Next;
                    }
                }
            });
        if !done || !known {
            // The condition was unknown from the start, or the loop too long: the body once.
            let once = Context {
                once: true,
                ..context.clone()
            };
            self.block(body, &once);
        }
    }

    /// Runs an unrolled loop; when it creates more tasks than a file may hold, or (a
    /// `while` loop) runs past the iteration limit, what it created is dropped and it is
    /// noted. Returns whether the unrolled loop stands.
    fn unrolled(
        &mut self,
        node: Node<'t>,
        context: &Context,
        run: impl FnOnce(&mut Self, &Context) -> Flow,
    ) -> bool {
        let inner = Context {
            in_known_loop: true,
            ..context.clone()
        };
        let (dags, tasks, notes) = (self.dags.len(), self.tasks.len(), self.notes.len());
        let flow = run(self, &inner);
        let why = if self.notes.len() > notes {
            // A loop inside it was not unrolled: neither is this one, so its tasks are
            // counted once each rather than once per outer element.
            self.notes.truncate(notes);
            "holds a loop monolint does not unroll".to_owned()
        } else if self.over_task_limit() {
            format!("creates more than {MAX_TASKS_PER_FILE} tasks in this file")
        } else if node.kind_name() == "while_statement" && flow == Flow::Break {
            format!("runs more than {MAX_LOOP_ITERATIONS} times")
        } else {
            return true;
        };
        self.dags.truncate(dags);
        self.tasks.truncate(tasks);
        self.note_loop(node, why);
        false
    }

    fn over_task_limit(&self) -> bool {
        self.tasks.len() > MAX_TASKS_PER_FILE
    }

    /// A note that a loop is not unrolled, at its first line.
    fn note_loop(&mut self, node: Node<'t>, why: String) {
        let text = self.eval.text(node);
        let header = text.find('\n').unwrap_or(text.len());
        let span = self.eval.span(node).subspan(0..header);
        self.notes.push(
            Error::at(
                span,
                format!("this loop {why}; it is not unrolled"),
                "read once, with its variables unknown",
            )
            .with_help(
                "each task it creates counts once, named by its id pattern; its dbt calls are \
                 resolved where they do not depend on the loop",
            )
            .into_warning(),
        );
    }
}
