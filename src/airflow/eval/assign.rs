//! Statements that bind or change names: assignments, unpacking, `+=`, in-place dict and
//! list methods, `del`.

use std::sync::Arc;

use tree_sitter::Node;

use super::Evaluator;
use super::operators::contains;
use crate::airflow::grammar::{
    ATTRIBUTE, FUNCTION, LEFT, OBJECT, OPERATOR, RIGHT, SUBSCRIPT, Syntax, VALUE,
};
use crate::airflow::value::{Item, Text, Value};
use crate::airflow::walk::named_children;
use crate::source::Span;

impl<'t> Evaluator<'t> {
    /// Binds an assignment target: a name, or names unpacked from a known list or tuple.
    pub fn assign(&self, left: Node, item: Item) {
        // A target nested past the limit stays unbound, so reading it is unknown.
        if !self.descend(left) {
            return;
        }
        self.assign_target(left, item);
        self.ascend();
    }

    fn assign_target(&self, left: Node, item: Item) {
        match left.kind_name() {
            "identifier" => self.bind(self.text(left), item),
            "pattern_list" | "tuple_pattern" => {
                let targets = named_children(left);
                match &item.value {
                    Value::List(values) if values.len() == targets.len() => {
                        for (target, value) in targets.into_iter().zip(values.iter().cloned()) {
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
                let (Some(object), Some(key)) = (left.field(&VALUE), left.field(&SUBSCRIPT)) else {
                    return;
                };
                if object.kind_name() != "identifier" {
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
                    Arc::make_mut(&mut pairs).push((key, item));
                    self.bind(&name, Item::new(Value::Dict(pairs), span));
                }
            }
            "attribute" => {
                // `self.project_dir = path` on an instance of a repository class.
                let (Some(object), Some(attribute)) = (left.field(&OBJECT), left.field(&ATTRIBUTE))
                else {
                    return;
                };
                if object.kind_name() != "identifier" {
                    return;
                }
                let name = self.text(object).to_owned();
                if let Some(Item {
                    value: Value::Instance(mut instance),
                    span,
                }) = self.lookup(&name)
                {
                    Arc::make_mut(&mut instance)
                        .attributes
                        .push((self.text(attribute).to_owned(), item));
                    self.bind(&name, Item::new(Value::Instance(instance), span));
                }
            }
            _ => {}
        }
    }

    /// Statements that change a name's value without assigning it: `x += y`,
    /// `d.update({...})`, `d.pop(k)`, `l.append(v)`, `l.extend([...])`. Returns whether `node`
    /// was one.
    pub fn execute_effect(&self, node: Node<'t>) -> bool {
        match node.kind_name() {
            "augmented_assignment" => {
                let (Some(left), Some(right)) = (node.field(&LEFT), node.field(&RIGHT)) else {
                    return true;
                };
                if left.kind_name() != "identifier" {
                    return true;
                }
                let name = self.text(left).to_owned();
                let operator = node
                    .field(&OPERATOR)
                    .map_or("", |operator| self.text(operator));
                // `x += y` is `x = x + y` (for the values monolint models).
                let value = match (self.lookup(&name), operator.strip_suffix('=')) {
                    (Some(current), Some(binary)) => {
                        let added = self.eval(right);
                        self.apply_binary(
                            node,
                            binary,
                            (current.value, current.span),
                            (added.value, added.span),
                        )
                    }
                    _ => Value::Unknown(format!("`{name}` after `{operator}`")),
                };
                self.bind(&name, Item::new(value, self.span(node)));
                true
            }
            "call" => {
                let Some(function) = node.field(&FUNCTION) else {
                    return false;
                };
                let (Some(object), Some(attribute)) =
                    (function.field(&OBJECT), function.field(&ATTRIBUTE))
                else {
                    return false;
                };
                let method = self.text(attribute);
                if object.kind_name() != "identifier"
                    || !matches!(method, "update" | "append" | "extend" | "pop" | "add")
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
                    ("update", Value::Dict(mut shared)) => {
                        let pairs = Arc::make_mut(&mut shared);
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
                        Value::Dict(shared)
                    }
                    ("pop", Value::Dict(mut pairs)) => {
                        let Some(key) = call.args.first().and_then(|key| key.value.as_str()) else {
                            return self.forget(&name, span);
                        };
                        remove_key(Arc::make_mut(&mut pairs), &key);
                        Value::Dict(pairs)
                    }
                    ("append", Value::List(mut items)) => {
                        Arc::make_mut(&mut items).extend(call.args.first().cloned());
                        Value::List(items)
                    }
                    // A set, held as a list of distinct values.
                    ("add", Value::List(mut items)) => {
                        let Some(added) = call.args.first() else {
                            return self.forget(&name, span);
                        };
                        match contains(&Value::List(items.clone()), &added.value) {
                            Some(true) => {}
                            Some(false) => Arc::make_mut(&mut items).push(added.clone()),
                            None => return self.forget(&name, span),
                        }
                        Value::List(items)
                    }
                    ("extend", Value::List(mut items)) => match call.args.first().map(|a| &a.value)
                    {
                        Some(Value::List(more)) => {
                            Arc::make_mut(&mut items).extend(more.iter().cloned());
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
        let targets: Vec<Node<'t>> = named_children(statement)
            .into_iter()
            .flat_map(|target| {
                // `del a, b` holds an expression list.
                if target.kind_name() == "expression_list" {
                    named_children(target)
                } else {
                    vec![target]
                }
            })
            .collect();
        for target in targets {
            match target.kind_name() {
                "identifier" => {
                    let span = self.span(target);
                    self.forget(self.text(target), span);
                }
                "subscript" => {
                    let (Some(object), Some(key)) =
                        (target.field(&VALUE), target.field(&SUBSCRIPT))
                    else {
                        continue;
                    };
                    if object.kind_name() != "identifier" {
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
                            remove_key(Arc::make_mut(&mut pairs), &key);
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
}

/// A dict without `key` (`del d[key]`, `d.pop(key)`).
fn remove_key(pairs: &mut Vec<(Item, Item)>, key: &str) {
    pairs.retain(|(k, _)| k.value.as_str().as_deref() != Some(key));
}
