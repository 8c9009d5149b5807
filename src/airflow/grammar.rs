//! The Python grammar's node kinds and fields, looked up by number. tree-sitter's `Node::kind`
//! measures and checks a C string on every call, and `child_by_field_name` searches the
//! grammar's field names each time; reading a DAG file asks both hundreds of thousands of
//! times, so each name is found once and kept.

use std::num::NonZeroU16;
use std::sync::OnceLock;

use tree_sitter::{Language, Node, TreeCursor};

/// The Python grammar.
pub fn python() -> Language {
    tree_sitter_python::LANGUAGE.into()
}

/// Python code parsed with the grammar, for tests.
#[cfg(test)]
pub fn parse(code: &str) -> tree_sitter::Tree {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&python())
        .expect("the Python grammar loads");
    parser
        .parse(code, None)
        .expect("tree-sitter parses any text")
}

/// Whether a `string` node (its text) may hold a call: only an f-string's `{...}` can, so
/// walks looking for calls skip the others.
pub fn may_hold_calls(string: &str) -> bool {
    string.contains('{')
}

/// A node's kind and fields, by the grammar's numbers.
pub trait Syntax<'t> {
    /// The node's kind (`call`, `identifier`, ...): what `Node::kind` says.
    fn kind_name(&self) -> &'static str;
    /// The child in `field`: what `Node::child_by_field_name` finds.
    fn field(&self, field: &Field) -> Option<Node<'t>>;
    /// Every child in `field`: what `Node::children_by_field_name` finds.
    fn fields<'c>(
        &self,
        field: &Field,
        cursor: &'c mut TreeCursor<'t>,
    ) -> impl Iterator<Item = Node<'t>> + 'c;
}

impl<'t> Syntax<'t> for Node<'t> {
    fn kind_name(&self) -> &'static str {
        kind_names()
            .get(usize::from(self.kind_id()))
            .copied()
            .unwrap_or_else(|| self.kind())
    }

    fn field(&self, field: &Field) -> Option<Node<'t>> {
        self.child_by_field_id(field.id()?.get())
    }

    fn fields<'c>(
        &self,
        field: &Field,
        cursor: &'c mut TreeCursor<'t>,
    ) -> impl Iterator<Item = Node<'t>> + 'c {
        let id = field.id();
        let children = id.map(|id| self.children_by_field_id(id, cursor));
        children.into_iter().flatten()
    }
}

/// Every kind's name, indexed by its number.
fn kind_names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let language = python();
        (0..language.node_kind_count())
            .map(|id| {
                u16::try_from(id)
                    .ok()
                    .and_then(|id| language.node_kind_for_id(id))
                    .unwrap_or("")
            })
            .collect()
    })
}

/// A field of the grammar (`body`, `function`, ...), its number found on first use.
pub struct Field {
    name: &'static str,
    id: OnceLock<Option<NonZeroU16>>,
}

impl Field {
    const fn new(name: &'static str) -> Field {
        Field {
            name,
            id: OnceLock::new(),
        }
    }

    fn id(&self) -> Option<NonZeroU16> {
        *self
            .id
            .get_or_init(|| python().field_id_for_name(self.name))
    }
}

macro_rules! fields {
    ($($constant:ident = $name:literal),* $(,)?) => {
        $(
            #[doc = concat!("The `", $name, "` field.")]
            pub static $constant: Field = Field::new($name);
        )*
    };
}

fields! {
    ALIAS = "alias",
    ALTERNATIVE = "alternative",
    ARGUMENT = "argument",
    ARGUMENTS = "arguments",
    ATTRIBUTE = "attribute",
    BODY = "body",
    CONDITION = "condition",
    CONSEQUENCE = "consequence",
    DEFINITION = "definition",
    EXPRESSION = "expression",
    FUNCTION = "function",
    KEY = "key",
    LEFT = "left",
    MODULE_NAME = "module_name",
    NAME = "name",
    OBJECT = "object",
    OPERATOR = "operator",
    OPERATORS = "operators",
    PARAMETERS = "parameters",
    RIGHT = "right",
    SUBSCRIPT = "subscript",
    SUPERCLASSES = "superclasses",
    TYPE = "type",
    VALUE = "value",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_fields_match_the_names_tree_sitter_gives() {
        let code = "def f(a):\n    return g(a).b[0]\nif a < b <= c:\n    pass\nelif a:\n    pass\nelse:\n    pass\nimport x, y\n";
        let tree = parse(code);
        let mut cursor = tree.walk();
        let mut stack = vec![tree.root_node()];
        let mut seen = 0;
        while let Some(node) = stack.pop() {
            assert_eq!(node.kind_name(), node.kind());
            for (field, name) in [
                (&BODY, "body"),
                (&NAME, "name"),
                (&FUNCTION, "function"),
                (&OBJECT, "object"),
                (&ATTRIBUTE, "attribute"),
                (&VALUE, "value"),
                (&SUBSCRIPT, "subscript"),
                (&PARAMETERS, "parameters"),
            ] {
                assert_eq!(node.field(field), node.child_by_field_name(name));
                seen += usize::from(node.field(field).is_some());
            }
            for (field, name) in [
                (&OPERATORS, "operators"),
                (&ALTERNATIVE, "alternative"),
                (&NAME, "name"),
            ] {
                let mut by_id = tree.walk();
                let mut by_name = tree.walk();
                let found: Vec<Node> = node.fields(field, &mut by_id).collect();
                let expected: Vec<Node> = node.children_by_field_name(name, &mut by_name).collect();
                assert_eq!(found, expected);
                seen += usize::from(found.len() > 1);
            }
            stack.extend(node.children(&mut cursor));
        }
        assert!(
            seen >= 10,
            "the fields were looked at on real nodes: {seen}"
        );
    }
}
