//! Instances of operator subclasses defined in the repository, read as their base operator.

use tree_sitter::Node;

use super::Evaluator;
use crate::airflow::value::{Call, Item, Value};

impl<'t> Evaluator<'t> {
    /// An operator subclass that builds its base operator's arguments in `__init__`
    /// (`class DbtOperator(BashOperator)`): the instance is the base operator called with
    /// the arguments `__init__` passes to `super().__init__(...)`.
    pub(super) fn instantiate_class(&self, definition: Node<'t>, call: Call) -> Value {
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
    pub(super) fn is_super_init(&self, node: Node) -> bool {
        node.kind() == "call"
            && node
                .child_by_field_name("function")
                .filter(|f| f.kind() == "attribute")
                .and_then(|f| f.child_by_field_name("attribute"))
                .is_some_and(|attribute| self.text(attribute) == "__init__")
    }
}
