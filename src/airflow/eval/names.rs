//! Names and attributes: local bindings, imported paths, module values, `__file__`, and a
//! path's `.parent`.

use tree_sitter::Node;

use super::Evaluator;
use super::paths::parent_dir;
use crate::airflow::value::{Item, Text, Value};

impl<'t> Evaluator<'t> {
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

    pub(super) fn attribute(&self, node: Node) -> Value {
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
}
