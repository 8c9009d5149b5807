//! Classes defined in the repository. An operator subclass (`class DbtOperator(BashOperator)`,
//! also through repository classes in between) is read as the Airflow operator it ends in,
//! called with the arguments the `__init__`s pass up with `super().__init__(...)`. Any other
//! class gives [`Instance`]s: their `__init__` runs, and their methods, properties and
//! attributes are evaluated where they are used.

use std::sync::Arc;

use tree_sitter::Node;

use super::Evaluator;
use crate::airflow::grammar::{
    ATTRIBUTE, BODY, DEFINITION, FUNCTION, LEFT, NAME, PARAMETERS, RIGHT, SUPERCLASSES, Syntax,
    TYPE,
};
use crate::airflow::value::{Call, Instance, Item, Value};
use crate::airflow::walk::named_children;

/// How a class's method is declared.
#[derive(Clone, Copy, PartialEq, Eq)]
enum MethodKind {
    Instance,
    Static,
    Class,
    Property,
}

impl<'t> Evaluator<'t> {
    /// What calling a repository class creates: an operator (as its Airflow base operator
    /// called with the arguments its `__init__` passes up), or an instance.
    pub(super) fn instantiate_class(&self, definition: Node<'t>, call: Call) -> Value {
        let class = self.canonical_path(&name_of(self, definition));
        if self.is_operator_class(definition, 0) {
            return self.instantiate_operator(definition, call, &class);
        }
        let instance = Value::Instance(Arc::new(Instance {
            class: class.clone(),
            attributes: Vec::new(),
        }));
        match self.call_method_value(instance.clone(), &class, "__init__", call.clone()) {
            Some(created) => created.unwrap_or(instance),
            // No `__init__` in the class's repository ancestry: a dataclass (or `NamedTuple`,
            // pydantic model...) takes its annotated fields from the call.
            None => Value::Instance(Arc::new(Instance {
                class,
                attributes: self.dataclass_fields(definition, &call),
            })),
        }
    }

    /// The attributes of a dataclass-like instance: each annotated field of the class body,
    /// in order, from the call's arguments (by position or keyword), else its default.
    fn dataclass_fields(&self, class: Node<'t>, call: &Call) -> Vec<(String, Item)> {
        let Some(body) = class.field(&BODY) else {
            return Vec::new();
        };
        let mut positional = call.args.iter();
        let mut fields = Vec::new();
        for member in named_children(body) {
            let Some(field) = member
                .named_child(0)
                .filter(|field| field.kind_name() == "assignment")
                .filter(|field| field.field(&TYPE).is_some())
            else {
                continue;
            };
            let Some(name) = field
                .field(&LEFT)
                .filter(|left| left.kind_name() == "identifier")
            else {
                continue;
            };
            let name = self.text(name).to_owned();
            let value = call
                .kwarg(&name)
                .or_else(|| positional.next())
                .cloned()
                .or_else(|| field.field(&RIGHT).map(|d| self.eval(d)));
            if let Some(value) = value {
                fields.push((name, value));
            }
        }
        fields
    }

    /// Whether a class ends, through repository classes, in an Airflow operator or sensor.
    fn is_operator_class(&self, definition: Node<'t>, depth: u32) -> bool {
        let Some(base) = base_class(definition) else {
            return false;
        };
        let path = self.qualified_name(base);
        if depth < super::MAX_CALL_DEPTH && self.defines(&path) {
            return self
                .with_definition(&path, |evaluator, base| {
                    base.kind_name() == "class_definition"
                        && evaluator.is_operator_class(base, depth + 1)
                })
                .unwrap_or(false);
        }
        let name = path.rsplit('.').next().unwrap_or(&path);
        name.ends_with("Operator") || name.ends_with("Sensor")
    }

    /// An operator subclass: its `__init__` runs with `self` an instance of `class` (the class
    /// being created, whose attributes override its bases'), and what it passes to
    /// `super().__init__(...)` (or, without an `__init__`, the call's own arguments) goes to
    /// its base: the Airflow operator, or the next repository class.
    fn instantiate_operator(&self, definition: Node<'t>, call: Call, class: &str) -> Value {
        let Some(base) = base_class(definition) else {
            return Value::Unknown("an instance of a class without a base class".into());
        };
        let base = self.qualified_name(base);
        let arguments = match find_member(self, definition, "__init__") {
            None => call.clone(),
            Some((init, _)) => {
                let this = Value::Instance(Arc::new(Instance {
                    class: class.to_owned(),
                    attributes: Vec::new(),
                }));
                let outer = self.super_init.take();
                self.run_method(init, this, &call);
                match self.super_init.replace(outer) {
                    Some(arguments) => arguments,
                    None => {
                        return Value::Unknown(format!(
                            "the arguments `{}` passes to its base operator",
                            name_of(self, definition)
                        ));
                    }
                }
            }
        };
        let arguments = Call {
            span: call.span.clone(),
            ..arguments
        };
        if self.defines(&base) {
            // A repository class in between: it builds the arguments further.
            if self.depth.get() >= super::MAX_CALL_DEPTH {
                return Value::Unknown("a deeply nested base class".into());
            }
            self.depth.set(self.depth.get() + 1);
            let value = self
                .with_definition(&base, |evaluator, base| {
                    evaluator.instantiate_operator(base, arguments, class)
                })
                .unwrap_or_else(|| Value::Unknown("a base class".into()));
            self.depth.set(self.depth.get() - 1);
            return value;
        }
        Value::Call(Box::new(Call {
            callee: base,
            ..arguments
        }))
    }

    /// Runs a method with `self` bound to `this` and the call's arguments bound to its other
    /// parameters; returns what it returns and `self` as the method left it.
    fn run_method(&self, method: Node<'t>, this: Value, call: &Call) -> (Option<Value>, Value) {
        let (Some(parameters), Some(body)) = (method.field(&PARAMETERS), method.field(&BODY))
        else {
            return (None, this);
        };
        if self.depth.get() >= super::MAX_CALL_DEPTH {
            return (None, this);
        }
        let mut bound = call.clone();
        bound
            .args
            .insert(0, Item::new(this.clone(), call.span.clone()));
        self.depth.set(self.depth.get() + 1);
        self.push_scope();
        self.bind_parameters(parameters, &bound);
        let self_name = first_parameter(self, parameters);
        let returned = self.evaluate_body(body);
        let this = self_name
            .and_then(|name| self.lookup(&name))
            .map_or(this, |item| item.value);
        self.pop_scope();
        self.depth.set(self.depth.get() - 1);
        (returned, this)
    }

    /// `instance.method(...)`: the method found in the instance's class or its repository
    /// bases; `None` when there is no such method.
    pub(super) fn call_method(
        &self,
        instance: &Arc<Instance>,
        method: &str,
        call: Call,
    ) -> Option<Value> {
        let call_span = call.span.clone();
        let value = self.call_method_value(
            Value::Instance(instance.clone()),
            &instance.class,
            method,
            call,
        )?;
        let mut value =
            value.unwrap_or_else(|| Value::Unknown(format!("what `.{method}(...)` returns")));
        // A method that builds an operator: the task is created where the method is called.
        if let Value::Call(inner) = &mut value {
            inner.span = call_span;
        }
        Some(value)
    }

    /// Calls `method` of `class` on `this`. For `__init__`, the value is the instance as the
    /// method left it; for other methods, what they return. `None` when the class has no
    /// such method.
    fn call_method_value(
        &self,
        this: Value,
        class: &str,
        method: &str,
        call: Call,
    ) -> Option<Option<Value>> {
        self.with_member(class, method, 0, |evaluator, member, kind| {
            if member.kind_name() != "function_definition" {
                return None;
            }
            if kind == MethodKind::Static {
                return Some(evaluator.call_function(member, call));
            }
            let (returned, this) = evaluator.run_method(member, this, &call);
            if method == "__init__" {
                return Some(this);
            }
            returned.filter(|value| !matches!(value, Value::Unknown(_)))
        })
    }

    /// `instance.name`: an attribute `__init__` set, else the class's own (a class attribute,
    /// a property's value, a method's unknown bound value).
    pub(super) fn instance_attribute(&self, instance: &Arc<Instance>, name: &str) -> Value {
        if let Some(item) = instance.attribute(name) {
            return item.value.clone();
        }
        let this = Value::Instance(instance.clone());
        let found = self.with_member(&instance.class, name, 0, |evaluator, member, kind| {
            match (member.kind_name(), kind) {
                ("function_definition", MethodKind::Property) => {
                    let call = Call {
                        callee: name.to_owned(),
                        args: Vec::new(),
                        kwargs: Vec::new(),
                        unknown_splat: false,
                        span: evaluator.span(member),
                    };
                    evaluator.run_method(member, this, &call).0
                }
                ("function_definition", _) => None,
                // A class attribute: `name = value` in the class body.
                _ => Some(evaluator.eval_value(member)),
            }
        });
        found
            .flatten()
            .unwrap_or_else(|| Value::Unknown(format!("the attribute `{name}`")))
    }

    /// Runs `run` on the member `name` of the class at `path` (a method definition, or the
    /// value of a class attribute), looking through the class's repository bases.
    fn with_member<R>(
        &self,
        path: &str,
        name: &str,
        depth: u32,
        run: impl FnOnce(&Evaluator<'t>, Node<'t>, MethodKind) -> R,
    ) -> Option<R> {
        if depth >= super::MAX_CALL_DEPTH {
            return None;
        }
        enum Step<R> {
            Found(R),
            Base(String),
            Missing,
        }
        let mut run = Some(run);
        let step = self.with_definition(path, |evaluator, class| {
            if class.kind_name() != "class_definition" {
                return Step::Missing;
            }
            if let Some((member, kind)) = find_member(evaluator, class, name) {
                return match run.take() {
                    Some(run) => Step::Found(run(evaluator, member, kind)),
                    None => Step::Missing,
                };
            }
            match base_class(class) {
                // The base's path as the defining module names it, usable from anywhere.
                Some(base) => Step::Base(evaluator.canonical_path(&evaluator.qualified_name(base))),
                None => Step::Missing,
            }
        })?;
        match step {
            Step::Found(result) => Some(result),
            Step::Base(base) => self.with_member(&base, name, depth + 1, run?),
            Step::Missing => None,
        }
    }

    /// `super().__init__(...)` or `Base.__init__(self, ...)` inside a class's `__init__`.
    pub(super) fn is_super_init(&self, node: Node) -> bool {
        node.kind_name() == "call"
            && node
                .field(&FUNCTION)
                .filter(|f| f.kind_name() == "attribute")
                .and_then(|f| f.field(&ATTRIBUTE))
                .is_some_and(|attribute| self.text(attribute) == "__init__")
    }
}

/// The class's first base, when it names one (`object` and keyword arguments do not count).
fn base_class(definition: Node) -> Option<Node> {
    let bases = definition.field(&SUPERCLASSES)?;
    named_children(bases)
        .into_iter()
        .find(|base| matches!(base.kind_name(), "identifier" | "attribute"))
}

fn name_of(evaluator: &Evaluator, definition: Node) -> String {
    definition
        .field(&NAME)
        .map(|name| evaluator.text(name).to_owned())
        .unwrap_or_default()
}

/// The name of a method's first parameter (`self`).
fn first_parameter(evaluator: &Evaluator, parameters: Node) -> Option<String> {
    let first = named_children(parameters).into_iter().next()?;
    let name = match first.kind_name() {
        "identifier" => first,
        _ => first.field(&NAME).or(first.named_child(0))?,
    };
    Some(evaluator.text(name).to_owned())
}

/// A member of a class body: a method (with how it is declared) or the value of a class
/// attribute (`name = value`).
fn find_member<'t>(
    evaluator: &Evaluator,
    class: Node<'t>,
    name: &str,
) -> Option<(Node<'t>, MethodKind)> {
    let body = class.field(&BODY)?;
    let mut found = None;
    for member in named_children(body) {
        let (definition, kind) = match member.kind_name() {
            "function_definition" => (member, MethodKind::Instance),
            "decorated_definition" => {
                let Some(definition) = member.field(&DEFINITION) else {
                    continue;
                };
                let kind = named_children(member)
                    .into_iter()
                    .filter(|child| child.kind_name() == "decorator")
                    .find_map(|decorator| match evaluator.text(decorator).trim() {
                        "@staticmethod" => Some(MethodKind::Static),
                        "@classmethod" => Some(MethodKind::Class),
                        text if text.starts_with("@property")
                            || text.ends_with("cached_property") =>
                        {
                            Some(MethodKind::Property)
                        }
                        _ => None,
                    })
                    .unwrap_or(MethodKind::Instance);
                (definition, kind)
            }
            "expression_statement" => {
                // `name = value`, the last one wins.
                if let Some(assignment) = member
                    .named_child(0)
                    .filter(|a| a.kind_name() == "assignment")
                    && let (Some(left), Some(right)) =
                        (assignment.field(&LEFT), assignment.field(&RIGHT))
                    && evaluator.text(left) == name
                {
                    found = Some((right, MethodKind::Instance));
                }
                continue;
            }
            _ => continue,
        };
        if definition
            .field(&NAME)
            .is_some_and(|n| evaluator.text(n) == name)
        {
            found = Some((definition, kind));
        }
    }
    found
}
