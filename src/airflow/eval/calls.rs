//! Calls: their arguments, calls of functions defined in the repository, and `json.load`
//! of the dbt manifest.

use std::sync::Arc;

use tree_sitter::Node;

use super::Evaluator;
use super::fold::fold_call;
use crate::airflow::grammar::{ARGUMENTS, ATTRIBUTE, FUNCTION, NAME, OBJECT, Syntax, VALUE};
use crate::airflow::value::{Call, Value};
use crate::airflow::walk::named_children;
use crate::source::Span;

impl<'t> Evaluator<'t> {
    /// What `json.load(file)` returns for a file monolint knows: the dbt manifest of a
    /// loaded project. Other JSON files stay unknown (monolint reads only the repository's
    /// dbt and Airflow sources).
    pub(super) fn load_json_file(&self, file: &Value, span: &Span) -> Option<Value> {
        if !is_open(file) {
            return None;
        }
        let path = file.as_call()?.arg("file", 0)?.value.as_str()?;
        if !crate::airflow::dbt_manifest::is_manifest_path(&path) {
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

    pub(super) fn call(&self, node: Node) -> Value {
        let Some(function) = node.field(&FUNCTION) else {
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
        // `object.method(...)`: the object is evaluated once, for a method of a repository
        // class or of a known value.
        let receiver =
            match (
                function.kind_name(),
                function.field(&OBJECT),
                function.field(&ATTRIBUTE),
            ) {
                ("attribute", Some(object), Some(attribute)) => {
                    let method = self.text(attribute);
                    match self.eval_value(object) {
                        Value::Instance(instance) => {
                            return self.call_method(&instance, method, call).unwrap_or_else(
                                || Value::Unknown(format!("what `.{method}(...)` returns")),
                            );
                        }
                        value => Some((method, value)),
                    }
                }
                _ => None,
            };
        fold_call(call, receiver, self)
    }

    /// Whether an expression names a function or class defined in this file or in an
    /// imported module of the DAG folders.
    pub fn names_function(&self, name: Node) -> bool {
        matches!(name.kind_name(), "identifier" | "attribute")
            && self.defines(&self.qualified_name(name))
    }

    /// Whether a dotted path (as this evaluator names it) is a function or class of the
    /// repository.
    pub(super) fn defines(&self, path: &str) -> bool {
        self.local_name(path).is_some() || self.modules.and_then(|m| m.function(path)).is_some()
    }

    /// The name in this evaluator's own definitions that a path names: the path itself, or
    /// `module.name` of the module this evaluator runs.
    fn local_name<'p>(&self, path: &'p str) -> Option<&'p str> {
        if self.local_function(path).is_some() {
            return Some(path);
        }
        let module = self.module.as_deref()?;
        let local = path.strip_prefix(module)?.strip_prefix('.')?;
        self.local_function(local).is_some().then_some(local)
    }

    /// The path other evaluators know a definition of this one by: `module.name` inside an
    /// imported module, the plain name in the DAG file.
    pub(super) fn canonical_path(&self, path: &str) -> String {
        match (&self.module, self.local_function(path).is_some()) {
            (Some(module), true) => format!("{module}.{path}"),
            _ => path.to_owned(),
        }
    }

    /// Runs `run` on the definition of the function `name` names, with an evaluator that knows
    /// the names where it is defined (this file's, or its module's).
    pub fn with_function<R>(
        &self,
        name: Node,
        run: impl FnOnce(&Evaluator<'t>, Node<'t>) -> R,
    ) -> Option<R> {
        self.with_definition(&self.qualified_name(name), run)
    }

    /// Like [`Evaluator::with_function`], for a dotted path.
    pub(super) fn with_definition<R>(
        &self,
        path: &str,
        run: impl FnOnce(&Evaluator<'t>, Node<'t>) -> R,
    ) -> Option<R> {
        if let Some(local) = self.local_name(path)
            && let Some(definition) = self.local_function(local)
        {
            return Some(run(self, definition));
        }
        let definition = self.modules?.function(path)?;
        let foreign = self.for_module(&definition);
        Some(run(&foreign, definition.node))
    }

    /// A call's callee and evaluated arguments, without evaluating the call itself.
    pub fn call_arguments(&self, node: Node) -> Call {
        let callee = node
            .field(&FUNCTION)
            .map(|function| self.qualified_name(function))
            .unwrap_or_default();
        let mut call = Call {
            callee,
            args: Vec::new(),
            kwargs: Vec::new(),
            unknown_splat: false,
            span: self.span(node),
        };
        if let Some(arguments) = node.field(&ARGUMENTS) {
            // `sorted(x for x in xs)`: a generator is the only argument.
            if arguments.kind_name() == "generator_expression" {
                call.args.push(self.eval(arguments));
                return call;
            }
            for argument in named_children(arguments) {
                match argument.kind_name() {
                    "keyword_argument" => {
                        let (Some(name), Some(value)) =
                            (argument.field(&NAME), argument.field(&VALUE))
                        else {
                            continue;
                        };
                        call.kwargs
                            .push((self.text(name).to_owned(), self.eval(value)));
                    }
                    "dictionary_splat" => match argument.named_child(0).map(|n| self.eval_value(n))
                    {
                        Some(Value::Dict(pairs)) => {
                            for (key, value) in pairs.iter() {
                                match key.value.as_str() {
                                    Some(key) => call.kwargs.push((key, value.clone())),
                                    None => call.unknown_splat = true,
                                }
                            }
                        }
                        _ => call.unknown_splat = true,
                    },
                    "list_splat" => match argument.named_child(0).map(|n| self.eval_value(n)) {
                        Some(Value::List(items)) => call.args.extend(Arc::unwrap_or_clone(items)),
                        _ => call.unknown_splat = true,
                    },
                    "comment" => {}
                    _ => call.args.push(self.eval(argument)),
                }
            }
        }
        call
    }

    /// A plain function defined in this file (or in the module whose code this runs).
    pub fn function(&self, name: &str) -> Option<Node<'t>> {
        self.local_function(name)
    }
}

/// An `open(path)` call: a file, or its contents.
pub(super) fn is_open(value: &Value) -> bool {
    value
        .as_call()
        .is_some_and(|call| matches!(call.callee.as_str(), "open" | "builtins.open" | "io.open"))
}
