//! Names bound by `import` and `from ... import` statements.

use rustc_hash::FxHashMap as HashMap;

use crate::airflow::grammar::{ALIAS, MODULE_NAME, NAME, Syntax};
use tree_sitter::Node;

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
        match node.kind_name() {
            "import_statement" => {
                let mut cursor = node.walk();
                for name in node.fields(&NAME, &mut cursor) {
                    match name.kind_name() {
                        "aliased_import" => {
                            let (Some(path), Some(alias)) = (name.field(&NAME), name.field(&ALIAS))
                            else {
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
                let Some(module) = node.field(&MODULE_NAME) else {
                    return;
                };
                let module = text(module);
                let mut cursor = node.walk();
                for name in node.fields(&NAME, &mut cursor) {
                    let (path, alias) = match name.kind_name() {
                        "aliased_import" => {
                            let (Some(path), Some(alias)) = (name.field(&NAME), name.field(&ALIAS))
                            else {
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
