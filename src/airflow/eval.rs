//! A small static evaluator for the Python that DAG files are written in: literals, names,
//! f-strings, `+`, dicts with `**` splats, `dict(...)`, imports. Never executes anything;
//! what it cannot know is `Value::Unknown` with the reason.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;

use tree_sitter::Node;

use super::modules::{ModuleScope, Modules};
use super::value::{Call, Item, Text, Value};
use crate::source::{SourceFile, Span};

/// Names bound by imports: local name → dotted path (`D` → `airflow.DAG`).
#[derive(Debug, Default, Clone)]
pub struct Imports {
    names: HashMap<String, String>,
}

impl Imports {
    /// Records the names an `import` or `from ... import` statement binds.
    pub fn record(&mut self, node: Node, source: &str) {
        let text = |n: Node| {
            n.utf8_text(source.as_bytes())
                .unwrap_or_default()
                .to_owned()
        };
        match node.kind() {
            "import_statement" => {
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    match name.kind() {
                        "aliased_import" => {
                            let (Some(path), Some(alias)) = (
                                name.child_by_field_name("name"),
                                name.child_by_field_name("alias"),
                            ) else {
                                continue;
                            };
                            self.names.insert(text(alias), text(path));
                        }
                        _ => {
                            // `import a.b.c` binds `a`.
                            let path = text(name);
                            let first = path.split('.').next().unwrap_or_default().to_owned();
                            self.names.insert(first.clone(), first);
                        }
                    }
                }
            }
            "import_from_statement" => {
                let Some(module) = node.child_by_field_name("module_name") else {
                    return;
                };
                let module = text(module);
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    let (path, alias) = match name.kind() {
                        "aliased_import" => {
                            let (Some(path), Some(alias)) = (
                                name.child_by_field_name("name"),
                                name.child_by_field_name("alias"),
                            ) else {
                                continue;
                            };
                            (text(path), text(alias))
                        }
                        _ => (text(name), text(name)),
                    };
                    self.names.insert(alias, format!("{module}.{path}"));
                }
            }
            _ => {}
        }
    }

    pub fn resolve(&self, name: &str) -> Option<&str> {
        self.names.get(name).map(String::as_str)
    }

    /// Whether some name is imported from `module` or a module under it.
    pub fn any_from(&self, module: &str) -> bool {
        self.names.values().any(|path| {
            path.strip_prefix(module)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        })
    }
}

/// Evaluates expressions of one file against its imports and the names bound so far.
pub struct Evaluator<'t> {
    pub source: Arc<SourceFile>,
    pub imports: Imports,
    /// Innermost scope last; the module scope first.
    scopes: RefCell<Vec<HashMap<String, Item>>>,
    /// Plain functions defined in the file, evaluated when called (`def dbt_cmd(...)`).
    functions: HashMap<String, Node<'t>>,
    /// Nested function evaluations, bounded against recursion.
    depth: Cell<u32>,
    /// Modules of the DAG folders this file may import from.
    modules: Option<&'t Modules<'t>>,
    /// The `super().__init__(...)` call of the operator subclass being instantiated.
    super_init: RefCell<Option<Call>>,
}

/// How deep helper functions may call helper functions.
const MAX_CALL_DEPTH: u32 = 8;

impl<'t> Evaluator<'t> {
    pub fn new(source: Arc<SourceFile>, modules: Option<&'t Modules<'t>>) -> Self {
        Evaluator {
            source,
            imports: Imports::default(),
            scopes: RefCell::new(vec![HashMap::new()]),
            functions: HashMap::new(),
            depth: Cell::new(0),
            modules,
            super_init: RefCell::new(None),
        }
    }

    /// An evaluator inside an imported module, for calling a function defined there.
    fn for_module(
        source: Arc<SourceFile>,
        scope: &ModuleScope<'t>,
        modules: Option<&'t Modules<'t>>,
    ) -> Self {
        Evaluator {
            source,
            imports: scope.imports.clone(),
            scopes: RefCell::new(vec![scope.bindings.clone()]),
            functions: scope.functions.clone(),
            depth: Cell::new(0),
            modules,
            super_init: RefCell::new(None),
        }
    }

    /// What the module defines at its top level, once its statements have been evaluated.
    pub fn into_scope(self) -> ModuleScope<'t> {
        ModuleScope {
            bindings: self
                .scopes
                .into_inner()
                .into_iter()
                .next()
                .unwrap_or_default(),
            functions: self.functions,
            imports: self.imports,
        }
    }

    /// What `json.load(file)` returns for a file monolint knows: the dbt manifest of a
    /// loaded project. Other JSON files stay unknown (monolint reads only the repository's
    /// dbt and Airflow sources).
    fn load_json_file(&self, file: &Value, span: &Span) -> Option<Value> {
        if !is_open(file) {
            return None;
        }
        let path = file.as_call()?.arg("file", 0)?.value.as_str()?;
        if !super::dbt_manifest::is_manifest_path(&path) {
            return Some(Value::Unknown(format!("the contents of `{path}`")));
        }
        let manifest = self
            .modules
            .and_then(|modules| modules.manifests)
            .and_then(|manifests| manifests.manifest(&path, span));
        Some(manifest.unwrap_or_else(|| {
            Value::Unknown(format!(
                "the dbt manifest at `{path}`, which matches no loaded dbt project"
            ))
        }))
    }

    /// The team's dbt wrappers declared in the config.
    pub fn wrappers(&self) -> &'t [super::invocations::wrapper::Wrapper] {
        self.modules.map_or(&[], |modules| modules.wrappers)
    }

    /// A name defined in an imported module of the DAG folders.
    fn module_value(&self, path: &str) -> Option<Value> {
        self.modules?.value(path).map(|item| item.value)
    }

    /// Records a plain function or class definition, so calls to it can be evaluated.
    pub fn define_function(&mut self, definition: Node<'t>) {
        if let Some(name) = definition.child_by_field_name("name") {
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
        if let Some(scope) = self.scopes.borrow_mut().last_mut() {
            scope.insert(name.to_owned(), item);
        }
    }

    pub fn lookup(&self, name: &str) -> Option<Item> {
        self.scopes
            .borrow()
            .iter()
            .rev()
            .find_map(|scope| scope.get(name).cloned())
    }

    pub fn push_scope(&self) {
        self.scopes.borrow_mut().push(HashMap::new());
    }

    pub fn pop_scope(&self) {
        let mut scopes = self.scopes.borrow_mut();
        if scopes.len() > 1 {
            scopes.pop();
        }
    }

    /// The dotted path a callee or attribute chain names: `cosmos.DbtTaskGroup`,
    /// `airflow.operators.bash.BashOperator`, or the text as written when it is local.
    pub fn qualified_name(&self, node: Node) -> String {
        match node.kind() {
            "identifier" => {
                let name = self.text(node);
                if let Some(Item {
                    value: Value::Path(path),
                    ..
                }) = self.lookup(name)
                {
                    return path;
                }
                self.imports.resolve(name).unwrap_or(name).to_owned()
            }
            "attribute" => {
                let object = node
                    .child_by_field_name("object")
                    .map(|o| self.qualified_name(o))
                    .unwrap_or_default();
                let attribute = node
                    .child_by_field_name("attribute")
                    .map(|a| self.text(a))
                    .unwrap_or_default();
                format!("{object}.{attribute}")
            }
            _ => self.text(node).to_owned(),
        }
    }

    pub fn eval(&self, node: Node) -> Item {
        let value = self.eval_value(node);
        Item::new(value, self.span(node))
    }

    fn eval_value(&self, node: Node) -> Value {
        match node.kind() {
            "string" => self.string(node),
            "concatenated_string" => {
                let mut text = Text::default();
                let mut cursor = node.walk();
                for part in node.named_children(&mut cursor) {
                    match self.string(part) {
                        Value::Str(piece) => text.push(piece),
                        other => return other,
                    }
                }
                Value::Str(text)
            }
            "integer" => {
                let digits = self.text(node).replace('_', "");
                let parsed =
                    if let Some(hex) = digits.strip_prefix("0x").or(digits.strip_prefix("0X")) {
                        i64::from_str_radix(hex, 16).ok()
                    } else {
                        digits.parse().ok()
                    };
                parsed.map_or_else(|| Value::Unknown("integer out of range".into()), Value::Int)
            }
            "float" => self
                .text(node)
                .replace('_', "")
                .parse()
                .map_or_else(|_| Value::Unknown("unreadable float".into()), Value::Float),
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "none" => Value::None,
            "parenthesized_expression" => node
                .named_child(0)
                .map_or(Value::None, |inner| self.eval_value(inner)),
            "list" | "tuple" | "set" => self.sequence(node),
            "dictionary" => self.dictionary(node),
            "identifier" => self.identifier(node),
            "attribute" => self.attribute(node),
            "subscript" => self.subscript(node),
            "binary_operator" => self.binary(node),
            "call" => self.call(node),
            "comparison_operator" => self.comparison(node),
            "boolean_operator" => {
                // Python's `and`/`or` return one of their operands.
                let (Some(left), Some(operator), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("operator"),
                    node.child_by_field_name("right"),
                ) else {
                    return Value::Unknown("a boolean operator".into());
                };
                let left = self.eval_value(left);
                match (self.text(operator), left.truthy()) {
                    ("and", Some(false)) | ("or", Some(true)) => left,
                    ("and", Some(true)) | ("or", Some(false)) => self.eval_value(right),
                    _ => Value::Unknown("a boolean operator".into()),
                }
            }
            "unary_operator" => {
                let operand = node
                    .child_by_field_name("argument")
                    .map(|argument| self.eval_value(argument));
                let operator = node
                    .child_by_field_name("operator")
                    .map(|operator| self.text(operator));
                match (operator, operand) {
                    (Some("-"), Some(Value::Int(n))) => n
                        .checked_neg()
                        .map_or(Value::Unknown("overflow".into()), Value::Int),
                    (Some("-"), Some(Value::Float(x))) => Value::Float(-x),
                    (Some("+"), Some(number @ (Value::Int(_) | Value::Float(_)))) => number,
                    _ => Value::Unknown("a unary operator".into()),
                }
            }
            "not_operator" => match node
                .child_by_field_name("argument")
                .and_then(|argument| self.eval_value(argument).truthy())
            {
                Some(flag) => Value::Bool(!flag),
                None => Value::Unknown("a `not`".into()),
            },
            "list_comprehension" | "generator_expression" | "set_comprehension" => {
                self.comprehension(node)
            }
            "conditional_expression" => {
                // `a if cond else b`: known only when the condition is.
                let parts: Vec<Node> = {
                    let mut cursor = node.walk();
                    node.named_children(&mut cursor).collect()
                };
                match parts.as_slice() {
                    [then, condition, otherwise] => match self.eval_value(*condition).truthy() {
                        Some(true) => self.eval_value(*then),
                        Some(false) => self.eval_value(*otherwise),
                        None => Value::Unknown("a conditional expression".into()),
                    },
                    _ => Value::Unknown("a conditional expression".into()),
                }
            }
            kind => Value::Unknown(format!("a Python `{kind}`")),
        }
    }

    fn string(&self, node: Node) -> Value {
        if node.kind() != "string" {
            return self.eval_value(node);
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        let prefix = children
            .first()
            .filter(|c| c.kind() == "string_start")
            .map(|c| {
                self.text(*c)
                    .trim_end_matches(['"', '\''])
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        if prefix.contains('b') {
            return Value::Unknown("a bytes literal".into());
        }
        let raw = prefix.contains('r');
        let formatted = prefix.contains('f');
        let mut text = Text::default();
        for child in children {
            match child.kind() {
                "string_content" => text.push(self.string_content(child, raw, formatted)),
                "interpolation" => text.push(self.interpolation(child)),
                _ => {}
            }
        }
        if text.render().is_empty() {
            // Keep the span of an empty literal, for labels pointing at `""`.
            return Value::Str(Text::literal("", self.span(node), false));
        }
        Value::Str(text)
    }

    /// A literal part of a string; exact (1:1 with the source) when it has no escapes.
    fn string_content(&self, node: Node, raw: bool, formatted: bool) -> Text {
        let span = self.span(node);
        let source = self.text(node);
        let mut cursor = node.walk();
        let escapes: Vec<Node> = node
            .named_children(&mut cursor)
            .filter(|c| {
                c.kind() == "escape_sequence" || (formatted && c.kind() == "escape_interpolation")
            })
            .collect();
        if raw || escapes.is_empty() {
            return Text::literal(source, span, true);
        }
        let mut decoded = String::with_capacity(source.len());
        let mut at = node.start_byte();
        for escape in escapes {
            decoded.push_str(&self.source.text()[at..escape.start_byte()]);
            decoded.push_str(&decode_escape(self.text(escape)));
            at = escape.end_byte();
        }
        decoded.push_str(&self.source.text()[at..node.end_byte()]);
        Text::literal(decoded, span, false)
    }

    fn interpolation(&self, node: Node) -> Text {
        let span = self.span(node);
        let Some(expression) = node.child_by_field_name("expression") else {
            return Text::unknown(span);
        };
        let item = self.eval(expression);
        match item.value {
            Value::Str(text) => text,
            Value::Int(n) => Text::literal(n.to_string(), span, false),
            Value::Float(x) => Text::literal(x.to_string(), span, false),
            Value::Bool(flag) => Text::literal(if flag { "True" } else { "False" }, span, false),
            Value::None => Text::literal("None", span, false),
            _ => Text::unknown(span),
        }
    }

    fn sequence(&self, node: Node) -> Value {
        let mut items = Vec::new();
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            if child.kind() == "list_splat" {
                let inner = child.named_child(0).map(|n| self.eval(n));
                match inner {
                    Some(Item {
                        value: Value::List(more),
                        ..
                    }) => items.extend(more),
                    _ => items.push(Item::new(
                        Value::Unknown("a `*` splat".into()),
                        self.span(child),
                    )),
                }
            } else if child.kind() == "comment" {
                continue;
            } else if matches!(child.kind(), "list_comprehension" | "generator_expression") {
                return Value::Unknown("a comprehension".into());
            } else {
                items.push(self.eval(child));
            }
        }
        Value::List(items)
    }

    fn dictionary(&self, node: Node) -> Value {
        let mut pairs: Vec<(Item, Item)> = Vec::new();
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            match child.kind() {
                "pair" => {
                    let (Some(key), Some(value)) = (
                        child.child_by_field_name("key"),
                        child.child_by_field_name("value"),
                    ) else {
                        continue;
                    };
                    pairs.push((self.eval(key), self.eval(value)));
                }
                "dictionary_splat" => {
                    let inner = child.named_child(0).map(|n| self.eval(n));
                    match inner {
                        Some(Item {
                            value: Value::Dict(more),
                            ..
                        }) => pairs.extend(more),
                        _ => return Value::Unknown("a `**` splat of an unknown dict".into()),
                    }
                }
                "dictionary_comprehension" => return Value::Unknown("a comprehension".into()),
                _ => {}
            }
        }
        Value::Dict(pairs)
    }

    fn identifier(&self, node: Node) -> Value {
        let name = self.text(node);
        if name == "__file__" {
            // The DAG file's path relative to the checked folder: paths built from it
            // (`Path(__file__).parent / "dbt"`) then name folders of the repository.
            return Value::Str(Text::literal(self.source.path(), self.span(node), false));
        }
        if let Some(item) = self.lookup(name) {
            return item.value;
        }
        if let Some(path) = self.imports.resolve(name) {
            return self
                .module_value(path)
                .unwrap_or_else(|| Value::Path(path.to_owned()));
        }
        match name {
            "dict" | "list" | "str" | "int" | "len" | "globals" => {
                Value::Path(format!("builtins.{name}"))
            }
            _ => Value::Unknown(format!("`{name}` is not defined statically")),
        }
    }

    fn attribute(&self, node: Node) -> Value {
        let (Some(object), Some(attribute)) = (
            node.child_by_field_name("object"),
            node.child_by_field_name("attribute"),
        ) else {
            return Value::Unknown("an attribute".into());
        };
        match (self.eval_value(object), self.text(attribute)) {
            (Value::Path(path), attribute) => {
                let path = format!("{path}.{attribute}");
                self.module_value(&path).unwrap_or(Value::Path(path))
            }
            // `Path(...).parent`: a path's folder.
            (Value::Str(text), "parent") => match text.known() {
                Some(path) => Value::Str(Text::literal(parent_dir(&path), self.span(node), false)),
                None => Value::Unknown("the parent of an unknown path".into()),
            },
            _ => Value::Unknown(format!("the attribute `{}`", self.text(node))),
        }
    }

    fn subscript(&self, node: Node) -> Value {
        let (Some(object), Some(key)) = (
            node.child_by_field_name("value"),
            node.child_by_field_name("subscript"),
        ) else {
            return Value::Unknown("a subscript".into());
        };
        let object = self.eval_value(object);
        let key = self.eval_value(key);
        match (&object, &key) {
            (Value::Dict(_), Value::Str(text)) => text
                .known()
                .and_then(|k| object.get(&k).map(|item| item.value.clone()))
                .unwrap_or_else(|| Value::Unknown("a missing dict key".into())),
            (Value::List(items), Value::Int(index)) => {
                let index = if *index < 0 {
                    items.len() as i64 + index
                } else {
                    *index
                };
                usize::try_from(index)
                    .ok()
                    .and_then(|i| items.get(i))
                    .map_or_else(
                        || Value::Unknown("an index out of range".into()),
                        |item| item.value.clone(),
                    )
            }
            _ => Value::Unknown(format!("the subscript `{}`", self.text(node))),
        }
    }

    /// `a == b`, `a in b`, `a < b < c`, ... on known scalars, lists and dicts.
    fn comparison(&self, node: Node) -> Value {
        let mut cursor = node.walk();
        let operands: Vec<Node> = node
            .named_children(&mut cursor)
            .filter(|n| n.kind() != "comment")
            .collect();
        let mut cursor = node.walk();
        let operators: Vec<&str> = node
            .children_by_field_name("operators", &mut cursor)
            .map(|operator| operator.kind())
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

    /// `[expr for x in xs if cond]` (and generator and set forms) over known iterables.
    fn comprehension(&self, node: Node) -> Value {
        let Some(body) = node.child_by_field_name("body") else {
            return Value::Unknown("a comprehension".into());
        };
        let mut cursor = node.walk();
        let clauses: Vec<Node> = node
            .named_children(&mut cursor)
            .filter(|n| matches!(n.kind(), "for_in_clause" | "if_clause"))
            .collect();
        let mut items = Vec::new();
        self.push_scope();
        let complete = self.comprehension_clauses(body, &clauses, &mut items);
        self.pop_scope();
        if complete {
            Value::List(items)
        } else {
            Value::Unknown("a comprehension over unknown values".into())
        }
    }

    /// Runs the clauses from the first one on, collecting `body` for every binding that passes;
    /// false when an iterable or condition is unknown.
    fn comprehension_clauses(&self, body: Node, clauses: &[Node], out: &mut Vec<Item>) -> bool {
        let Some((clause, rest)) = clauses.split_first() else {
            out.push(self.eval(body));
            return true;
        };
        match clause.kind() {
            "for_in_clause" => {
                let (Some(left), Some(right)) = (
                    clause.child_by_field_name("left"),
                    clause.child_by_field_name("right"),
                ) else {
                    return false;
                };
                let Some(elements) = iteration(self.eval_value(right)) else {
                    return false;
                };
                elements.into_iter().all(|element| {
                    self.assign(left, element);
                    self.comprehension_clauses(body, rest, out)
                })
            }
            _ => match clause
                .named_child(0)
                .and_then(|condition| self.eval_value(condition).truthy())
            {
                Some(true) => self.comprehension_clauses(body, rest, out),
                Some(false) => true,
                None => false,
            },
        }
    }

    fn binary(&self, node: Node) -> Value {
        let (Some(left), Some(operator), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("operator"),
            node.child_by_field_name("right"),
        ) else {
            return Value::Unknown("an operator".into());
        };
        let operator = self.text(operator);
        let (left_span, right_span) = (self.span(left), self.span(right));
        let (left, right) = (self.eval_value(left), self.eval_value(right));
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
            ("+", Value::Str(mut a), Value::Str(b)) => {
                a.push(b);
                Value::Str(a)
            }
            ("+", Value::List(mut a), Value::List(b)) => {
                a.extend(b);
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
                a.extend(b);
                Value::Dict(a)
            }
            (operator, _, _) => Value::Unknown(format!("the result of `{operator}`")),
        }
    }

    fn call(&self, node: Node) -> Value {
        let Some(function) = node.child_by_field_name("function") else {
            return Value::Unknown("a call".into());
        };
        let call = self.call_arguments(node);
        if self.names_function(function) {
            return self
                .with_function(function, |evaluator, definition| {
                    evaluator.call_function(definition, call)
                })
                .unwrap_or_else(|| Value::Unknown("a function".into()));
        }
        fold_call(call, function, self)
    }

    /// Whether an expression names a function or class defined in this file or in an
    /// imported module of the DAG folders.
    pub fn names_function(&self, name: Node) -> bool {
        (name.kind() == "identifier" && self.functions.contains_key(self.text(name)))
            || self
                .modules
                .and_then(|m| m.function(&self.qualified_name(name)))
                .is_some()
    }

    /// Runs `run` on the definition of the function `name` names, with an evaluator that knows
    /// the names where it is defined (this file's, or its module's).
    pub fn with_function<R>(
        &self,
        name: Node,
        run: impl FnOnce(&Evaluator<'t>, Node<'t>) -> R,
    ) -> Option<R> {
        if name.kind() == "identifier"
            && let Some(&definition) = self.functions.get(self.text(name))
        {
            return Some(run(self, definition));
        }
        let (definition, source, scope) = self.modules?.function(&self.qualified_name(name))?;
        let foreign = Evaluator::for_module(source, &scope, self.modules);
        foreign.depth.set(self.depth.get() + 1);
        Some(run(&foreign, definition))
    }

    /// A call's callee and evaluated arguments, without evaluating the call itself.
    pub fn call_arguments(&self, node: Node) -> Call {
        let callee = node
            .child_by_field_name("function")
            .map(|function| self.qualified_name(function))
            .unwrap_or_default();
        let mut call = Call {
            callee,
            args: Vec::new(),
            kwargs: Vec::new(),
            unknown_splat: false,
            span: self.span(node),
        };
        if let Some(arguments) = node.child_by_field_name("arguments") {
            // `sorted(x for x in xs)`: a generator is the only argument.
            if arguments.kind() == "generator_expression" {
                call.args.push(self.eval(arguments));
                return call;
            }
            let mut cursor = arguments.walk();
            for argument in arguments.named_children(&mut cursor) {
                match argument.kind() {
                    "keyword_argument" => {
                        let (Some(name), Some(value)) = (
                            argument.child_by_field_name("name"),
                            argument.child_by_field_name("value"),
                        ) else {
                            continue;
                        };
                        call.kwargs
                            .push((self.text(name).to_owned(), self.eval(value)));
                    }
                    "dictionary_splat" => match argument.named_child(0).map(|n| self.eval_value(n))
                    {
                        Some(Value::Dict(pairs)) => {
                            for (key, value) in pairs {
                                match key.value.as_str() {
                                    Some(key) => call.kwargs.push((key, value)),
                                    None => call.unknown_splat = true,
                                }
                            }
                        }
                        _ => call.unknown_splat = true,
                    },
                    "list_splat" => match argument.named_child(0).map(|n| self.eval_value(n)) {
                        Some(Value::List(items)) => call.args.extend(items),
                        _ => call.unknown_splat = true,
                    },
                    "comment" => {}
                    _ => call.args.push(self.eval(argument)),
                }
            }
        }
        call
    }

    /// A plain function defined in this file.
    pub fn function(&self, name: &str) -> Option<Node<'t>> {
        self.functions.get(name).copied()
    }

    /// Evaluates a call of a function defined in the file: binds its parameters and evaluates
    /// what it returns (the first `return` whose value is known, after its simple assignments).
    fn call_function(&self, definition: Node<'t>, call: Call) -> Value {
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

    /// An operator subclass that builds its base operator's arguments in `__init__`
    /// (`class DbtOperator(BashOperator)`): the instance is the base operator called with
    /// the arguments `__init__` passes to `super().__init__(...)`.
    fn instantiate_class(&self, definition: Node<'t>, call: Call) -> Value {
        let Some(base) = definition
            .child_by_field_name("superclasses")
            .and_then(|bases| bases.named_child(0))
            .filter(|base| matches!(base.kind(), "identifier" | "attribute"))
        else {
            return Value::Unknown("an instance of a class without a base class".into());
        };
        let base = self.qualified_name(base);
        let init = definition.child_by_field_name("body").and_then(|body| {
            let mut cursor = body.walk();
            body.named_children(&mut cursor).find(|member| {
                member.kind() == "function_definition"
                    && member
                        .child_by_field_name("name")
                        .is_some_and(|name| self.text(name) == "__init__")
            })
        });
        // Without its own `__init__`, the class takes its base operator's arguments.
        let Some(init) = init else {
            return Value::Call(Box::new(Call {
                callee: base,
                ..call
            }));
        };
        let (Some(parameters), Some(body)) = (
            init.child_by_field_name("parameters"),
            init.child_by_field_name("body"),
        ) else {
            return Value::Unknown("a class's `__init__`".into());
        };
        let mut bound = call.clone();
        bound.args.insert(
            0,
            Item::new(Value::Unknown("`self`".into()), call.span.clone()),
        );
        let outer = self.super_init.take();
        self.depth.set(self.depth.get() + 1);
        self.push_scope();
        self.bind_parameters(parameters, &bound);
        self.evaluate_body(body);
        self.pop_scope();
        self.depth.set(self.depth.get() - 1);
        let captured = self.super_init.replace(outer);
        match captured {
            Some(arguments) => Value::Call(Box::new(Call {
                callee: base,
                span: call.span,
                ..arguments
            })),
            None => Value::Unknown(format!(
                "the arguments `{}` passes to its base operator",
                self.text_of_name(definition)
            )),
        }
    }

    fn text_of_name(&self, definition: Node) -> String {
        definition
            .child_by_field_name("name")
            .map(|name| self.text(name).to_owned())
            .unwrap_or_default()
    }

    /// `super().__init__(...)` or `Base.__init__(self, ...)` inside a class's `__init__`.
    fn is_super_init(&self, node: Node) -> bool {
        node.kind() == "call"
            && node
                .child_by_field_name("function")
                .filter(|f| f.kind() == "attribute")
                .and_then(|f| f.child_by_field_name("attribute"))
                .is_some_and(|attribute| self.text(attribute) == "__init__")
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

    /// Binds an assignment target: a name, or names unpacked from a known list or tuple.
    pub fn assign(&self, left: Node, item: Item) {
        match left.kind() {
            "identifier" => self.bind(self.text(left), item),
            "pattern_list" | "tuple_pattern" => {
                let mut cursor = left.walk();
                let targets: Vec<Node> = left.named_children(&mut cursor).collect();
                match &item.value {
                    Value::List(values) if values.len() == targets.len() => {
                        for (target, value) in targets.into_iter().zip(values.clone()) {
                            self.assign(target, value);
                        }
                    }
                    _ => {
                        for target in targets {
                            let unknown = Item::new(
                                Value::Unknown("an unpacked value".into()),
                                item.span.clone(),
                            );
                            self.assign(target, unknown);
                        }
                    }
                }
            }
            "subscript" => {
                // `args["owner"] = "x"` on a known dict.
                let (Some(object), Some(key)) = (
                    left.child_by_field_name("value"),
                    left.child_by_field_name("subscript"),
                ) else {
                    return;
                };
                if object.kind() != "identifier" {
                    return;
                }
                let name = self.text(object).to_owned();
                if let (
                    Some(Item {
                        value: Value::Dict(mut pairs),
                        span,
                    }),
                    key,
                ) = (self.lookup(&name), self.eval(key))
                {
                    pairs.push((key, item));
                    self.bind(&name, Item::new(Value::Dict(pairs), span));
                }
            }
            _ => {}
        }
    }

    /// Statements that change a name's value without assigning it: `x += y`,
    /// `d.update({...})`, `d.pop(k)`, `l.append(v)`, `l.extend([...])`. Returns whether `node`
    /// was one.
    pub fn execute_effect(&self, node: Node<'t>) -> bool {
        match node.kind() {
            "augmented_assignment" => {
                let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
                    return true;
                };
                if left.kind() != "identifier" {
                    return true;
                }
                let name = self.text(left).to_owned();
                let current = self.lookup(&name).map(|item| item.value);
                let added = self.eval(right).value;
                let value = match (current, added) {
                    (Some(Value::Str(mut a)), Value::Str(b)) => {
                        a.push(b);
                        Value::Str(a)
                    }
                    (Some(Value::List(mut a)), Value::List(b)) => {
                        a.extend(b);
                        Value::List(a)
                    }
                    (Some(Value::Int(a)), Value::Int(b)) => a
                        .checked_add(b)
                        .map_or(Value::Unknown("overflow".into()), Value::Int),
                    _ => Value::Unknown(format!("`{name}` after `+=`")),
                };
                self.bind(&name, Item::new(value, self.span(node)));
                true
            }
            "call" => {
                let Some(function) = node.child_by_field_name("function") else {
                    return false;
                };
                let (Some(object), Some(attribute)) = (
                    function.child_by_field_name("object"),
                    function.child_by_field_name("attribute"),
                ) else {
                    return false;
                };
                let method = self.text(attribute);
                if object.kind() != "identifier"
                    || !matches!(method, "update" | "append" | "extend" | "pop")
                {
                    return false;
                }
                let name = self.text(object).to_owned();
                let Some(Item { value, span }) = self.lookup(&name) else {
                    return false;
                };
                let Value::Call(call) = self.eval_value(node) else {
                    return false;
                };
                let updated = match (method, value) {
                    ("update", Value::Dict(mut pairs)) => {
                        match call.args.first().map(|a| &a.value) {
                            Some(Value::Dict(more)) => pairs.extend(more.iter().cloned()),
                            Some(_) => return self.forget(&name, span),
                            None => {}
                        }
                        if call.unknown_splat {
                            return self.forget(&name, span);
                        }
                        for (key, value) in &call.kwargs {
                            let key = Item::new(
                                Value::Str(Text::literal(key.clone(), value.span.clone(), false)),
                                value.span.clone(),
                            );
                            pairs.push((key, value.clone()));
                        }
                        Value::Dict(pairs)
                    }
                    ("pop", Value::Dict(mut pairs)) => {
                        let Some(key) = call.args.first().and_then(|key| key.value.as_str()) else {
                            return self.forget(&name, span);
                        };
                        remove_key(&mut pairs, &key);
                        Value::Dict(pairs)
                    }
                    ("append", Value::List(mut items)) => {
                        items.extend(call.args.first().cloned());
                        Value::List(items)
                    }
                    ("extend", Value::List(mut items)) => match call.args.first().map(|a| &a.value)
                    {
                        Some(Value::List(more)) => {
                            items.extend(more.iter().cloned());
                            Value::List(items)
                        }
                        _ => return self.forget(&name, span),
                    },
                    _ => return false,
                };
                self.bind(&name, Item::new(updated, span));
                true
            }
            _ => false,
        }
    }

    /// `del d["key"]` on a known dict; `del name` forgets the name.
    pub fn delete(&self, statement: Node<'t>) {
        let mut cursor = statement.walk();
        let targets: Vec<Node<'t>> = statement
            .named_children(&mut cursor)
            .flat_map(|target| {
                // `del a, b` holds an expression list.
                if target.kind() == "expression_list" {
                    let mut inner = target.walk();
                    target.named_children(&mut inner).collect()
                } else {
                    vec![target]
                }
            })
            .collect();
        for target in targets {
            match target.kind() {
                "identifier" => {
                    let span = self.span(target);
                    self.forget(self.text(target), span);
                }
                "subscript" => {
                    let (Some(object), Some(key)) = (
                        target.child_by_field_name("value"),
                        target.child_by_field_name("subscript"),
                    ) else {
                        continue;
                    };
                    if object.kind() != "identifier" {
                        continue;
                    }
                    let name = self.text(object);
                    let Some(Item {
                        value: Value::Dict(mut pairs),
                        span,
                    }) = self.lookup(name)
                    else {
                        continue;
                    };
                    match self.eval_value(key).as_str() {
                        Some(key) => {
                            remove_key(&mut pairs, &key);
                            self.bind(name, Item::new(Value::Dict(pairs), span));
                        }
                        None => {
                            self.forget(name, span);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// A name whose value became unknown after a statement monolint cannot follow.
    fn forget(&self, name: &str, span: Span) -> bool {
        self.bind(
            name,
            Item::new(Value::Unknown(format!("`{name}` after an update")), span),
        );
        true
    }

    /// Simple assignments in order, then the first `return` that yields a known value.
    fn evaluate_body(&self, body: Node<'t>) -> Option<Value> {
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
}

impl<'t> Evaluator<'t> {
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

/// A dict without `key` (`del d[key]`, `d.pop(key)`).
fn remove_key(pairs: &mut Vec<(Item, Item)>, key: &str) {
    pairs.retain(|(k, _)| k.value.as_str().as_deref() != Some(key));
}

/// An `open(path)` call: a file, or its contents.
fn is_open(value: &Value) -> bool {
    value
        .as_call()
        .is_some_and(|call| matches!(call.callee.as_str(), "open" | "builtins.open" | "io.open"))
}

/// A list of known strings or of known numbers, sorted as Python sorts it.
fn sorted_scalars(items: &[Item]) -> Option<Vec<Item>> {
    let mut keyed: Vec<(Result<i64, String>, &Item)> = items
        .iter()
        .map(|item| match &item.value {
            Value::Int(n) => Some((Ok(*n), item)),
            Value::Str(text) => Some((Err(text.known()?), item)),
            _ => None,
        })
        .collect::<Option<_>>()?;
    // Python refuses to compare strings with numbers.
    if keyed.iter().any(|k| k.0.is_ok()) && keyed.iter().any(|k| k.0.is_err()) {
        return None;
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    Some(keyed.into_iter().map(|(_, item)| item.clone()).collect())
}

/// The elements a `for` loop over a known value visits: a list's items, a dict's keys.
pub fn iteration(value: Value) -> Option<Vec<Item>> {
    match value {
        Value::List(items) => Some(items),
        Value::Dict(pairs) => Some(pairs.into_iter().map(|(key, _)| key).collect()),
        _ => None,
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
        (Value::List(a), Value::List(b)) => {
            if a.len() != b.len() {
                return Some(false);
            }
            for (x, y) in a.iter().zip(b) {
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
fn contains(haystack: &Value, needle: &Value) -> Option<bool> {
    match haystack {
        Value::Str(text) => Some(text.known()?.contains(&needle.as_str()?)),
        Value::List(items) => {
            let mut unknown = false;
            for item in items {
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
            for (key, _) in pairs {
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

/// `return` expressions under `node`, not entering nested functions.
pub fn collect_returns<'t>(node: Node<'t>, out: &mut Vec<Node<'t>>) {
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        match child.kind() {
            "return_statement" => out.extend(child.named_child(0)),
            "function_definition" | "class_definition" | "lambda" => {}
            _ => collect_returns(child, out),
        }
    }
}

/// Folds calls whose result is known without running them: `dict(...)`, `d.copy()`,
/// `os.getenv("X", "default")`, `json.dumps(...)`, `str(...)`, `copy.deepcopy(...)`.
fn fold_call(call: Call, function: Node, evaluator: &Evaluator) -> Value {
    match call.callee.as_str() {
        "builtins.dict" | "dict" => {
            let mut pairs: Vec<(Item, Item)> = Vec::new();
            if let Some(Item {
                value: Value::Dict(base),
                ..
            }) = call.args.first()
            {
                pairs.extend(base.iter().cloned());
            }
            if call.unknown_splat {
                return Value::Unknown("a `**` splat of an unknown dict".into());
            }
            for (key, value) in call.kwargs {
                let span = value.span.clone();
                pairs.push((
                    Item::new(Value::Str(Text::literal(key, span.clone(), false)), span),
                    value,
                ));
            }
            return Value::Dict(pairs);
        }
        "json.load" | "json.loads" => {
            if let Some(value) = call
                .args
                .first()
                .and_then(|file| evaluator.load_json_file(&file.value, &call.span))
            {
                return value;
            }
        }
        "copy.deepcopy" | "copy.copy" => {
            if let Some(first) = call.args.first() {
                return first.value.clone();
            }
        }
        "sorted" => {
            if let Some(Value::List(items)) = call.args.first().map(|a| &a.value)
                && call.kwargs.is_empty()
                && let Some(sorted) = sorted_scalars(items)
            {
                return Value::List(sorted);
            }
            return Value::Unknown("a sorted list of unknown values".into());
        }
        "list" => match call
            .args
            .first()
            .map(|a| a.value.clone())
            .and_then(iteration)
        {
            Some(items) => return Value::List(items),
            None => return Value::Unknown("a list of unknown values".into()),
        },
        "len" => match call.args.first().map(|a| &a.value) {
            Some(Value::List(items)) => return Value::Int(items.len() as i64),
            Some(Value::Dict(pairs)) => return Value::Int(pairs.len() as i64),
            Some(Value::Str(text)) if text.is_known() => {
                return Value::Int(text.render().chars().count() as i64);
            }
            _ => return Value::Unknown("the length of an unknown value".into()),
        },
        "os.getenv" | "os.environ.get" => {
            // The default is what a DAG gets on a machine without the variable: the value a
            // static check can stand behind.
            return match call.arg("default", 1) {
                Some(item) => item.value.clone(),
                None => Value::Unknown("an environment variable".into()),
            };
        }
        "pathlib.Path" | "pathlib.PurePosixPath" | "Path" | "os.fspath" => {
            if let Some(
                item @ Item {
                    value: Value::Str(_),
                    ..
                },
            ) = call.args.first()
            {
                return item.value.clone();
            }
        }
        "os.path.join" => {
            let parts: Option<Vec<String>> = call.args.iter().map(|a| a.value.as_str()).collect();
            if let Some(parts) = parts
                && !call.unknown_splat
            {
                let joined = parts
                    .iter()
                    .fold(String::new(), |acc, part| join_path(&acc, part));
                return Value::Str(Text::literal(joined, call.span.clone(), false));
            }
        }
        "os.path.dirname" => {
            if let Some(path) = call.args.first().and_then(|a| a.value.as_str()) {
                return Value::Str(Text::literal(parent_dir(&path), call.span.clone(), false));
            }
        }
        "os.path.abspath" | "os.path.realpath" | "os.path.normpath" => {
            if let Some(item) = call.args.first() {
                return item.value.clone();
            }
        }
        "builtins.str" | "str" => {
            if let Some(item) = call.args.first() {
                match &item.value {
                    Value::Str(_) => return item.value.clone(),
                    Value::Int(n) => {
                        return Value::Str(Text::literal(n.to_string(), item.span.clone(), false));
                    }
                    _ => {}
                }
            }
        }
        "json.dumps" => {
            if let Some(item) = call.args.first()
                && let Some(json) = super::python_json::dumps(&item.value, &call)
            {
                return Value::Str(Text::literal(json, item.span.clone(), false));
            }
        }
        _ => {}
    }
    // `<dict>.copy()` is the dict; `<path>.resolve()` (and friends) the path.
    if function.kind() == "attribute"
        && let (Some(object), Some(attribute)) = (
            function.child_by_field_name("object"),
            function.child_by_field_name("attribute"),
        )
    {
        let method = evaluator.text(attribute);
        if let Some(value) = method_call(method, evaluator.eval_value(object), &call) {
            return value;
        }
    }
    Value::Call(Box::new(call))
}

/// Methods of known values: `str.format`, `str.join`, `str.replace`, `str.strip`/`lower`/`upper`,
/// `dict.items`/`keys`/`values`/`get`/`copy`, and `Path.resolve()` and friends.
fn method_call(method: &str, object: Value, call: &Call) -> Option<Value> {
    let span = call.span.clone();
    let known = |value: Value| Some(value);
    match (method, object) {
        ("copy", value @ Value::Dict(_)) => known(value),
        // A file's contents stand for themselves as the `open(path)` call that reads them.
        ("read", file @ Value::Call(_)) if is_open(&file) => known(file),
        ("read_text" | "read_bytes", path @ Value::Str(_)) => known(Value::Call(Box::new(Call {
            callee: "open".into(),
            args: vec![Item::new(path, span.clone())],
            kwargs: Vec::new(),
            unknown_splat: false,
            span,
        }))),
        ("resolve" | "absolute" | "as_posix", value @ Value::Str(_)) if call.args.is_empty() => {
            known(value)
        }
        ("format", Value::Str(template)) => {
            let template = template.known()?;
            let text = format_braces(&template, &call.args, &call.kwargs)?;
            known(Value::Str(Text::literal(text, span, false)))
        }
        ("join", Value::Str(separator)) => {
            let separator = separator.known()?;
            let parts: Option<Vec<String>> = call
                .args
                .first()?
                .value
                .as_list()?
                .iter()
                .map(|item| item.value.as_str())
                .collect();
            known(Value::Str(Text::literal(
                parts?.join(&separator),
                span,
                false,
            )))
        }
        ("replace", Value::Str(text)) => {
            let (from, to) = (
                call.args.first()?.value.as_str()?,
                call.args.get(1)?.value.as_str()?,
            );
            known(Value::Str(Text::literal(
                text.known()?.replace(&from, &to),
                span,
                false,
            )))
        }
        ("strip" | "lower" | "upper", Value::Str(text)) if call.args.is_empty() => {
            let text = text.known()?;
            let result = match method {
                "strip" => text.trim().to_owned(),
                "lower" => text.to_lowercase(),
                _ => text.to_uppercase(),
            };
            known(Value::Str(Text::literal(result, span, false)))
        }
        ("split" | "rsplit", Value::Str(text)) => {
            let text = text.known()?;
            let limit = match call.arg("maxsplit", 1).map(|m| &m.value) {
                None => None,
                Some(Value::Int(n)) if *n >= 0 => Some(*n as usize),
                Some(Value::Int(_)) => None,
                Some(_) => return None,
            };
            let parts: Vec<String> = match call.arg("sep", 0).map(|s| &s.value) {
                None | Some(Value::None) => {
                    let words = text.split_whitespace().map(str::to_owned);
                    match limit {
                        None => words.collect(),
                        // Whitespace splitting with a limit keeps the rest's spacing.
                        Some(_) => return None,
                    }
                }
                Some(separator) => {
                    let separator = separator.as_str().filter(|s| !s.is_empty())?;
                    match (method, limit) {
                        (_, None) => text.split(separator.as_str()).map(str::to_owned).collect(),
                        ("split", Some(n)) => text
                            .splitn(n + 1, separator.as_str())
                            .map(str::to_owned)
                            .collect(),
                        (_, Some(n)) => {
                            let mut parts: Vec<String> = text
                                .rsplitn(n + 1, separator.as_str())
                                .map(str::to_owned)
                                .collect();
                            parts.reverse();
                            parts
                        }
                    }
                }
            };
            known(Value::List(
                parts
                    .into_iter()
                    .map(|part| {
                        Item::new(
                            Value::Str(Text::literal(part, span.clone(), false)),
                            span.clone(),
                        )
                    })
                    .collect(),
            ))
        }
        ("startswith" | "endswith", Value::Str(text)) => {
            let text = text.known()?;
            let affixes: Vec<String> = match &call.args.first()?.value {
                Value::List(items) => items
                    .iter()
                    .map(|item| item.value.as_str())
                    .collect::<Option<_>>()?,
                other => vec![other.as_str()?],
            };
            known(Value::Bool(affixes.iter().any(|affix| {
                if method == "startswith" {
                    text.starts_with(affix.as_str())
                } else {
                    text.ends_with(affix.as_str())
                }
            })))
        }
        ("items", Value::Dict(pairs)) => known(Value::List(
            pairs
                .into_iter()
                .map(|(key, value)| {
                    let span = key.span.clone();
                    Item::new(Value::List(vec![key, value]), span)
                })
                .collect(),
        )),
        ("keys", Value::Dict(pairs)) => {
            known(Value::List(pairs.into_iter().map(|(key, _)| key).collect()))
        }
        ("values", Value::Dict(pairs)) => known(Value::List(
            pairs.into_iter().map(|(_, value)| value).collect(),
        )),
        ("get", dict @ Value::Dict(_)) => {
            let key = call.args.first()?.value.as_str()?;
            match dict.get(&key) {
                Some(item) => known(item.value.clone()),
                None => known(call.args.get(1).map_or(Value::None, |d| d.value.clone())),
            }
        }
        _ => None,
    }
}

/// `"{} {name} {0}".format(...)` with plain fields (no format specs).
fn format_braces(template: &str, args: &[Item], kwargs: &[(String, Item)]) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    let mut next_positional = 0;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        let close = tail.find('}')?;
        let field = &tail[1..close];
        let field = field.split([':', '!']).next().unwrap_or("");
        let item = if field.is_empty() {
            next_positional += 1;
            args.get(next_positional - 1)?
        } else if let Ok(index) = field.parse::<usize>() {
            args.get(index)?
        } else {
            &kwargs.iter().rev().find(|(k, _)| k == field)?.1
        };
        out.push_str(&scalar_text(&item.value)?);
        rest = &tail[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// `"%s and %d" % (a, b)` and `"%(name)s" % {...}`.
fn format_percent(template: &str, args: &Value) -> Option<String> {
    let positional: Vec<&Item> = match args {
        Value::List(items) => items.iter().collect(),
        Value::Dict(_) => Vec::new(),
        _ => Vec::new(),
    };
    let single = (!matches!(args, Value::List(_) | Value::Dict(_)))
        .then(|| scalar_text(args))
        .flatten();
    let mut out = String::new();
    let mut chars = template.char_indices().peekable();
    let mut next = 0;
    while let Some((i, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let rest = &template[i + 1..];
        if rest.starts_with('%') {
            out.push('%');
            chars.next();
            continue;
        }
        if let Some(named) = rest.strip_prefix('(') {
            let close = named.find(')')?;
            let key = &named[..close];
            out.push_str(&scalar_text(&args.get(key)?.value)?);
            // Skip `(key)` and the conversion letter.
            for _ in 0..close + 3 {
                chars.next();
            }
            continue;
        }
        let text = match &single {
            Some(text) if next == 0 => text.clone(),
            _ => scalar_text(&positional.get(next)?.value)?,
        };
        next += 1;
        out.push_str(&text);
        chars.next();
    }
    Some(out)
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Str(text) => text.known(),
        Value::Int(n) => Some(n.to_string()),
        Value::Float(x) => Some(x.to_string()),
        Value::Bool(flag) => Some(if *flag { "True" } else { "False" }.to_owned()),
        Value::None => Some("None".to_owned()),
        _ => None,
    }
}

/// The folder of a `/`-separated path (`dags/x.py` → `dags`, `x.py` → ``).
fn parent_dir(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    trimmed
        .rsplit_once('/')
        .map_or(String::new(), |(dir, _)| dir.to_owned())
}

/// Joins paths the way `pathlib` does (an absolute part restarts), resolving `.` and `..`.
fn join_path(base: &str, part: &str) -> String {
    let joined = if part.starts_with('/') || base.is_empty() {
        part.to_owned()
    } else {
        format!("{}/{part}", base.trim_end_matches('/'))
    };
    let absolute = joined.starts_with('/');
    let mut segments: Vec<&str> = Vec::new();
    for segment in joined.split('/') {
        match segment {
            "" | "." => {}
            ".." if segments.last().is_some_and(|s| *s != "..") => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let body = segments.join("/");
    if absolute { format!("/{body}") } else { body }
}

fn decode_escape(escape: &str) -> String {
    let body = &escape[1.min(escape.len())..];
    match body {
        "n" => "\n".into(),
        "t" => "\t".into(),
        "r" => "\r".into(),
        "0" => "\0".into(),
        "\\" => "\\".into(),
        "'" => "'".into(),
        "\"" => "\"".into(),
        "\n" => String::new(),
        "{" | "}" => body.into(),
        _ if escape == "{{" => "{".into(),
        _ if escape == "}}" => "}".into(),
        _ => {
            let hex = body
                .strip_prefix('x')
                .or(body.strip_prefix('u'))
                .or(body.strip_prefix('U'));
            hex.and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(char::from_u32)
                .map_or_else(|| escape.to_owned(), String::from)
        }
    }
}
