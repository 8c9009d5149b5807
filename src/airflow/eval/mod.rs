//! A small static evaluator for the Python that DAG files are written in: literals, names,
//! f-strings, `+`, dicts with `**` splats, `dict(...)`, imports. Never executes anything;
//! what it cannot know is `Value::Unknown` with the reason.

use crate::airflow::grammar::{NAME, Syntax};

mod assign;
mod bounds;
mod calls;
mod classes;
mod collections;
mod dates;
mod fold;
mod functions;
mod imports;
mod methods;
mod names;
mod operators;
mod paths;
mod strings;

use rustc_hash::FxHashMap as HashMap;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use tree_sitter::Node;

use bounds::Bounds;
pub use bounds::{MAX_FILE_ITERATIONS, MAX_LOOP_ITERATIONS, MAX_NESTING, TOO_DEEP};
pub use collections::iteration;
pub use fold::range_len;
pub use functions::collect_returns;
pub use imports::Imports;

use super::modules::{Definition, ModuleScope, Modules};
use super::value::{Call, Item, Value};
use crate::source::{SourceFile, Span};

/// Evaluates expressions of one file against its imports and the names bound so far.
pub struct Evaluator<'t> {
    pub source: Arc<SourceFile>,
    pub imports: Imports,
    /// Innermost scope last; the module scope first.
    scopes: RefCell<Vec<HashMap<String, Item>>>,
    /// Plain functions defined in the file, evaluated when called (`def dbt_cmd(...)`).
    functions: HashMap<String, Node<'t>>,
    /// For code of an imported module: the module's top-level names and functions, read
    /// below `scopes` and `functions`. Shared by every call into the module, where a copy
    /// per call cost more than the calls.
    module_scope: Option<Arc<ModuleScope<'t>>>,
    /// Nested function evaluations, bounded against recursion.
    depth: Cell<u32>,
    /// Modules of the DAG folders this file may import from.
    modules: Option<&'t Modules<'t>>,
    /// The `super().__init__(...)` call of the operator subclass being instantiated.
    super_init: RefCell<Option<Call>>,
    /// How deep evaluation is, shared with the evaluators of imported modules it calls into.
    bounds: Rc<Bounds>,
    /// The dotted name of the module whose code this evaluator runs, for an imported module
    /// (`include.dbt`); `None` for the DAG file itself.
    module: Option<String>,
    /// Whether the loop being unrolled met an `if` it cannot decide that may `break` out.
    undecided_break: Cell<bool>,
}

/// How deep helper functions may call helper functions.
pub const MAX_CALL_DEPTH: u32 = 8;

impl<'t> Evaluator<'t> {
    pub fn new(source: Arc<SourceFile>, modules: Option<&'t Modules<'t>>) -> Self {
        Evaluator {
            source,
            imports: Imports::default(),
            scopes: RefCell::new(vec![HashMap::default()]),
            functions: HashMap::default(),
            module_scope: None,
            depth: Cell::new(0),
            modules,
            super_init: RefCell::new(None),
            bounds: Rc::default(),
            module: None,
            undecided_break: Cell::new(false),
        }
    }

    /// An evaluator inside an imported module, for running code defined there.
    pub fn for_module(&self, definition: &Definition<'t>) -> Self {
        let scope = &definition.scope;
        Evaluator {
            source: definition.source.clone(),
            imports: scope.imports.clone(),
            scopes: RefCell::new(vec![HashMap::default()]),
            functions: HashMap::default(),
            module_scope: Some(scope.clone()),
            depth: Cell::new(self.depth.get() + 1),
            modules: self.modules,
            super_init: RefCell::new(None),
            bounds: self.bounds.clone(),
            module: Some(definition.module.clone()),
            undecided_break: Cell::new(false),
        }
    }

    /// What the module defines at its top level, once its statements have been evaluated
    /// (its decorated factories are the extractor's to add).
    pub fn into_scope(self) -> ModuleScope<'t> {
        ModuleScope {
            bindings: self
                .scopes
                .into_inner()
                .into_iter()
                .next()
                .unwrap_or_default(),
            functions: self.functions,
            factories: HashMap::default(),
            imports: self.imports,
        }
    }

    /// The modules of the DAG folders this file may import from.
    pub fn modules(&self) -> Option<&'t Modules<'t>> {
        self.modules
    }

    /// How many function calls deep evaluation is.
    pub fn call_depth(&self) -> u32 {
        self.depth.get()
    }

    /// The operators from outside the DAG folders declared to run dbt.
    pub fn wrappers(&self) -> &'t [super::invocations::wrapper::Wrapper] {
        self.modules
            .map_or(&[], |modules| modules.wrappers.operators.as_slice())
    }

    /// Whether a task decorator's function returns a dbt command line (`@task.datacoves_dbt`,
    /// or one the config declares).
    pub fn returns_dbt_command(&self, decorator: &str) -> bool {
        match self.modules {
            Some(modules) => modules.wrappers.returns_dbt_command(decorator),
            None => {
                super::invocations::wrapper::DbtWrappers::default().returns_dbt_command(decorator)
            }
        }
    }

    /// A name defined in an imported module of the DAG folders.
    fn module_value(&self, path: &str) -> Option<Value> {
        self.modules?.value(path).map(|item| item.value)
    }

    /// Records a plain function or class definition, so calls to it can be evaluated.
    pub fn define_function(&mut self, definition: Node<'t>) {
        if let Some(name) = definition.field(&NAME) {
            let name = self.text(name).to_owned();
            self.functions.insert(name, definition);
        }
    }

    pub fn span(&self, node: Node) -> Span {
        Span::new(
            self.source.clone(),
            node.start_byte() as u32..node.end_byte() as u32,
        )
    }

    pub fn text(&self, node: Node) -> &str {
        node.utf8_text(self.source.text().as_bytes())
            .unwrap_or_default()
    }

    pub fn bind(&self, name: &str, item: Item) {
        let item = self.bounded(item);
        if let Some(scope) = self.scopes.borrow_mut().last_mut() {
            scope.insert(name.to_owned(), item);
        }
    }

    pub fn lookup(&self, name: &str) -> Option<Item> {
        self.with_binding(name, Item::clone)
    }

    /// Reads what `name` is bound to (the innermost binding), without copying it.
    pub fn with_binding<R>(&self, name: &str, read: impl FnOnce(&Item) -> R) -> Option<R> {
        let scopes = self.scopes.borrow();
        match scopes.iter().rev().find_map(|scope| scope.get(name)) {
            Some(item) => Some(read(item)),
            None => self.module_scope.as_ref()?.bindings.get(name).map(read),
        }
    }

    /// A plain function defined in the code this evaluator runs (the file, or the module).
    fn local_function(&self, name: &str) -> Option<Node<'t>> {
        self.functions
            .get(name)
            .copied()
            .or_else(|| self.module_scope.as_ref()?.functions.get(name).copied())
    }

    pub fn push_scope(&self) {
        self.scopes.borrow_mut().push(HashMap::default());
    }

    pub fn pop_scope(&self) {
        let mut scopes = self.scopes.borrow_mut();
        if scopes.len() > 1 {
            scopes.pop();
        }
    }

    pub fn eval(&self, node: Node) -> Item {
        let value = self.eval_value(node);
        Item::new(value, self.span(node))
    }

    /// The value of an expression; unknown past [`MAX_NESTING`].
    fn eval_value(&self, node: Node) -> Value {
        if !self.descend(node) {
            return Value::Unknown(TOO_DEEP.into());
        }
        let value = self.dispatch(node);
        self.ascend();
        value
    }

    fn dispatch(&self, node: Node) -> Value {
        match node.kind_name() {
            "string" => self.string(node),
            "concatenated_string" => self.concatenated_string(node),
            "integer" => self.integer(node),
            "float" => self.float(node),
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "none" => Value::None,
            "parenthesized_expression" => node
                .named_child(0)
                .map_or(Value::None, |inner| self.eval_value(inner)),
            "list" | "tuple" | "set" => self.sequence(node),
            "dictionary" => self.dictionary(node),
            "identifier" => self.identifier(node),
            "attribute" | "subscript" => self.borrowed_chain(node).unwrap_or_else(|| {
                if node.kind_name() == "attribute" {
                    self.attribute(node)
                } else {
                    self.subscript(node)
                }
            }),
            "binary_operator" => self.binary(node),
            "call" => self.call(node),
            "comparison_operator" => self.comparison(node),
            "boolean_operator" => self.boolean(node),
            "unary_operator" => self.unary(node),
            "not_operator" => self.not(node),
            "list_comprehension"
            | "generator_expression"
            | "set_comprehension"
            | "dictionary_comprehension" => self.comprehension(node),
            "pair" => self.pair(node),
            "conditional_expression" => self.conditional(node),
            kind => Value::Unknown(format!("a Python `{kind}`")),
        }
    }

    fn integer(&self, node: Node) -> Value {
        let digits = self.text(node).replace('_', "");
        let parsed = if let Some(hex) = digits.strip_prefix("0x").or(digits.strip_prefix("0X")) {
            i64::from_str_radix(hex, 16).ok()
        } else {
            digits.parse().ok()
        };
        parsed.map_or_else(|| Value::Unknown("integer out of range".into()), Value::Int)
    }

    fn float(&self, node: Node) -> Value {
        self.text(node)
            .replace('_', "")
            .parse()
            .map_or_else(|_| Value::Unknown("unreadable float".into()), Value::Float)
    }
}
