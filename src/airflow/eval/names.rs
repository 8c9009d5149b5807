//! Names and attributes: local bindings, imported paths, module values, `__file__`, and a
//! path's `.parent`.

use tree_sitter::Node;

use super::Evaluator;
use super::dates;
use super::paths::{file_name, file_stem, parent_dir};
use crate::airflow::grammar::{ATTRIBUTE, OBJECT, SUBSCRIPT, Syntax, VALUE};
use crate::airflow::value::{Text, Value};

impl<'t> Evaluator<'t> {
    /// The dotted path a callee or attribute chain names: `cosmos.DbtTaskGroup`,
    /// `airflow.operators.bash.BashOperator`, or the text as written when it is local.
    pub fn qualified_name(&self, node: Node) -> String {
        let (base, attributes) = self.attribute_chain(node);
        let mut name = match base.map(|base| (base, base.kind_name())) {
            Some((base, "identifier")) => {
                let name = self.text(base);
                let bound_path = self.with_binding(name, |item| match &item.value {
                    Value::Path(path) => Some(path.clone()),
                    _ => None,
                });
                match bound_path.flatten() {
                    Some(path) => path,
                    None => self.imports.resolve(name).unwrap_or(name).to_owned(),
                }
            }
            Some((base, _)) => self.text(base).to_owned(),
            None => String::new(),
        };
        for attribute in attributes.iter().rev() {
            name.push('.');
            name.push_str(self.text(*attribute));
        }
        name
    }

    /// `a.b.c` as its innermost object `a` (`None` when the tree lacks it) and its attribute
    /// names, outermost first: a chain nests one level per dot and is walked without recursion.
    fn attribute_chain<'n>(&self, node: Node<'n>) -> (Option<Node<'n>>, Vec<Node<'n>>) {
        let mut attributes = Vec::new();
        let mut object = Some(node);
        while let Some(current) = object.filter(|o| o.kind_name() == "attribute") {
            // A missing attribute name reads as an empty one, as Python would never parse.
            attributes.extend(current.field(&ATTRIBUTE));
            object = current.field(&OBJECT);
        }
        (object, attributes)
    }

    pub(super) fn identifier(&self, node: Node) -> Value {
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

    /// `a.b.c`: the innermost object evaluated, then each attribute applied outward.
    pub(super) fn attribute(&self, node: Node) -> Value {
        let mut levels = Vec::new();
        let mut object = node;
        while object.kind_name() == "attribute" {
            let (Some(inner), Some(attribute)) = (object.field(&OBJECT), object.field(&ATTRIBUTE))
            else {
                return Value::Unknown("an attribute".into());
            };
            levels.push((object, self.text(attribute)));
            object = inner;
        }
        let mut value = self.eval_value(object);
        for (step, (level, attribute)) in levels.into_iter().rev().enumerate() {
            value = match (value, attribute) {
                // Outer levels of a chain keep the reason an inner one gave.
                (unknown @ Value::Unknown(_), _) if step > 0 => unknown,
                (Value::Instance(instance), attribute) => {
                    self.instance_attribute(&instance, attribute)
                }
                // `start.year`, `delta.days`.
                (value @ Value::Call(_), attribute) => dates::attribute(&value, attribute)
                    .unwrap_or_else(|| {
                        Value::Unknown(format!("the attribute `{}`", self.text(level)))
                    }),
                (Value::Path(path), attribute) => {
                    let path = format!("{path}.{attribute}");
                    self.module_value(&path).unwrap_or(Value::Path(path))
                }
                // `Path(...).parent`: a path's folder.
                (Value::Str(text), "parent") => match text.known() {
                    Some(path) => {
                        Value::Str(Text::literal(parent_dir(&path), self.span(level), false))
                    }
                    None => Value::Unknown("the parent of an unknown path".into()),
                },
                // `Path(__file__).stem`, `.name`: a DAG named after its file.
                (Value::Str(text), attribute @ ("name" | "stem")) => match text.known() {
                    Some(path) => {
                        let part = if attribute == "name" {
                            file_name(&path)
                        } else {
                            file_stem(&path)
                        };
                        Value::Str(Text::literal(part, self.span(level), false))
                    }
                    None => Value::Unknown(format!("the {attribute} of an unknown path")),
                },
                _ => Value::Unknown(format!("the attribute `{}`", self.text(level))),
            };
        }
        value
    }
}

/// One step of a chain read by reference: `[key]` or `.name`.
enum Step<'n> {
    Key(Value),
    Attribute(&'n str),
}

impl<'t> Evaluator<'t> {
    /// `name["nodes"][node_id]`, `self.data["nodes"]`: a chain of subscripts and stored
    /// attributes on a bound name, read without copying what it passes through (a loop over a
    /// manifest reads one node at a time, not the manifest each time). `None` when a step needs
    /// more than a lookup (a property, a missing key), for the evaluation step by step.
    pub(super) fn borrowed_chain(&self, node: Node) -> Option<Value> {
        let mut steps = Vec::new();
        let mut base = node;
        loop {
            match base.kind_name() {
                "subscript" => {
                    let key = base.field(&SUBSCRIPT)?;
                    steps.push(Step::Key(self.eval_value(key)));
                    base = base.field(&VALUE)?;
                }
                "attribute" => {
                    steps.push(Step::Attribute(self.text(base.field(&ATTRIBUTE)?)));
                    base = base.field(&OBJECT)?;
                }
                _ => break,
            }
        }
        if base.kind_name() != "identifier" || steps.is_empty() {
            return None;
        }
        let name = self.text(base);
        let scopes = self.scopes.borrow();
        let mut current = &scopes.iter().rev().find_map(|scope| scope.get(name))?.value;
        for step in steps.iter().rev() {
            current = match (current, step) {
                (Value::Dict(_), Step::Key(Value::Str(key))) => {
                    let key = key.known()?;
                    &current.get(&key)?.value
                }
                (Value::List(items), Step::Key(Value::Int(index))) => {
                    let index = if *index < 0 {
                        items.len() as i64 + index
                    } else {
                        *index
                    };
                    &items.get(usize::try_from(index).ok()?)?.value
                }
                (Value::Instance(instance), Step::Attribute(name)) => {
                    &instance.attribute(name)?.value
                }
                _ => return None,
            };
        }
        Some(current.clone())
    }
}
