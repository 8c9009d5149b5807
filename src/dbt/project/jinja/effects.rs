//! What running part of a template may do, read from its syntax without running it: record a
//! `ref()`, `source()` or `config()` call (directly or through a macro that may), or return
//! from the macro. A branch whose condition only a run tells may be skipped only when it
//! does neither.

use super::eval::{Env, Evaluator};
use super::expr::{Arg, Expr};
use super::template::Node;
use super::value::{Callable, Value};

/// What running some statements may do.
#[derive(Default)]
pub(super) struct Effects {
    /// Record a `ref()`, `source()` or `config()` call.
    pub(super) records: bool,
    /// Return from the macro.
    pub(super) returns: bool,
}

impl Evaluator<'_> {
    /// What running these statements may do.
    pub(super) fn effects(&self, nodes: &[Node], env: &Env) -> Effects {
        let mut effects = Effects::default();
        walk_nodes(nodes, &mut |visited| match visited {
            Visited::Expr(expr) => self.add_effects(expr, env, &mut effects),
            Visited::Node(node) => {
                effects.records |= matches!(node, Node::Macro(_) | Node::Call { .. });
            }
        });
        effects
    }

    pub(super) fn expr_effects(&self, expr: &Expr, env: &Env) -> Effects {
        let mut effects = Effects::default();
        walk_expr(expr, &mut |e| self.add_effects(e, env, &mut effects));
        effects
    }

    /// What this one expression may do, if it is a call.
    fn add_effects(&self, expr: &Expr, env: &Env, effects: &mut Effects) {
        let Expr::Call(callee, _) = expr else {
            return;
        };
        let records = match &**callee {
            Expr::Name(name) if name == "return" => {
                effects.returns = true;
                false
            }
            Expr::Name(name) => match env.lookup(name) {
                Some(Value::Callable(callable)) => match &**callable {
                    Callable::Macro(index) => self.scope.has_effects(*index),
                    Callable::Local(_) | Callable::Caller(..) => true,
                    _ => false,
                },
                Some(_) => false,
                None => {
                    matches!(
                        name.as_str(),
                        "ref" | "source" | "config" | "caller" | "function" | "metric"
                    ) || self.scope.may_have_effects(None, name)
                }
            },
            Expr::Attr(base, name) => match &**base {
                Expr::Name(base) => {
                    matches!(
                        (base.as_str(), name.as_str()),
                        ("config", "set") | ("adapter", "dispatch") | ("builtins", _)
                    ) || self.scope.may_have_effects(Some(base), name)
                }
                _ => false,
            },
            // `adapter.dispatch('x')(...)`.
            Expr::Call(..) => true,
            _ => false,
        };
        effects.records |= records;
    }
}

/// A statement or an expression met while walking a template.
pub(super) enum Visited<'a> {
    Node(&'a Node),
    Expr(&'a Expr),
}

/// Visits every statement of `nodes` and every expression in them.
pub(super) fn walk_nodes<'a>(nodes: &'a [Node], visit: &mut dyn FnMut(Visited<'a>)) {
    let expr = |e: &'a Expr, visit: &mut dyn FnMut(Visited<'a>)| {
        walk_expr(e, &mut |inner| visit(Visited::Expr(inner)));
    };
    for node in nodes {
        visit(Visited::Node(node));
        match node {
            Node::Output(e) | Node::Do(e) | Node::Set(_, e) => expr(e, visit),
            Node::If {
                branches,
                otherwise,
            } => {
                for (condition, body) in branches {
                    expr(condition, visit);
                    walk_nodes(body, visit);
                }
                walk_nodes(otherwise, visit);
            }
            Node::For {
                iterable,
                condition,
                body,
                otherwise,
                ..
            } => {
                expr(iterable, visit);
                if let Some(condition) = condition {
                    expr(condition, visit);
                }
                walk_nodes(body, visit);
                walk_nodes(otherwise, visit);
            }
            Node::SetBlock(_, body) | Node::Block(body) => walk_nodes(body, visit),
            Node::Macro(body) => walk_nodes(&body.body, visit),
            Node::Call { call, caller } => {
                expr(call, visit);
                walk_nodes(&caller.body, visit);
            }
        }
    }
}

/// Visits `expr` and every expression inside it.
pub(super) fn walk_expr<'a>(expr: &'a Expr, visit: &mut dyn FnMut(&'a Expr)) {
    visit(expr);
    let args = |args: &'a [Arg], visit: &mut dyn FnMut(&'a Expr)| {
        for arg in args {
            match arg {
                Arg::Positional(e) | Arg::Keyword(_, e) | Arg::Spread(e) => walk_expr(e, visit),
            }
        }
    };
    match expr {
        Expr::Const(_) | Expr::Name(_) => {}
        Expr::List(items) | Expr::Tuple(items) => {
            for item in items {
                walk_expr(item, visit);
            }
        }
        Expr::Dict(pairs) => {
            for (key, value) in pairs {
                walk_expr(key, visit);
                walk_expr(value, visit);
            }
        }
        Expr::Attr(base, _) | Expr::Not(base) | Expr::Neg(base) => walk_expr(base, visit),
        Expr::Item(base, index) => {
            walk_expr(base, visit);
            walk_expr(index, visit);
        }
        Expr::Slice(base, bounds) => {
            walk_expr(base, visit);
            for bound in bounds.iter().flatten() {
                walk_expr(bound, visit);
            }
        }
        Expr::Call(callee, call_args) => {
            walk_expr(callee, visit);
            args(call_args, visit);
        }
        Expr::Filter(value, _, filter_args) => {
            walk_expr(value, visit);
            args(filter_args, visit);
        }
        Expr::Test {
            value,
            args: test_args,
            ..
        } => {
            walk_expr(value, visit);
            args(test_args, visit);
        }
        Expr::Binary(_, left, right) | Expr::And(left, right) | Expr::Or(left, right) => {
            walk_expr(left, visit);
            walk_expr(right, visit);
        }
        Expr::Compare(first, chain) => {
            walk_expr(first, visit);
            for (_, right) in chain {
                walk_expr(right, visit);
            }
        }
        Expr::Cond {
            then,
            condition,
            otherwise,
        } => {
            walk_expr(then, visit);
            walk_expr(condition, visit);
            if let Some(otherwise) = otherwise {
                walk_expr(otherwise, visit);
            }
        }
    }
}
