//! The evaluator: runs a node's template as dbt renders it while it parses (`execute` false,
//! `is_incremental()` false, `config.get()` empty), recording the `ref()`, `source()` and
//! `config()` calls. Values only a run tells are `Unknown`; a recorded call or a branch that
//! depends on one stops the evaluation with the reason, so what it records is exact.

use std::rc::Rc;
use std::sync::Arc;

use serde_json::Map;

use super::expr::{Arg, Const, Expr};
use super::operations;
use super::scope::{Dispatched, MacroScope};
use super::template::{MacroBody, Node, Target};
use super::value::{Callable, Frame, Value};
use crate::dbt::project::sql::{RefCall, version_text};

/// How many expressions and statements one node's evaluation may take.
const MAX_STEPS: usize = 200_000;
/// How many a macro whose value is only wanted (it records nothing) may take.
const MAX_OPTIONAL_STEPS: usize = 20_000;
/// How deep macro calls may nest.
const MAX_CALLS: usize = 24;
/// How deep blocks, expressions and calls together may nest.
const MAX_NESTING: usize = 160;

/// What the evaluation recorded.
#[derive(Debug, Default)]
pub struct Recorded {
    pub refs: Vec<RefCall>,
    pub sources: Vec<(String, String)>,
    pub config: Map<String, serde_json::Value>,
    /// `config()` keys whose value only a run tells.
    pub dynamic_config: Vec<String>,
}

/// Why evaluation stopped.
pub enum Stop {
    /// It cannot go on without guessing; `lost` when a `ref()`, `source()` or `config()` call
    /// may be missed (else only a value is unknown: a macro's result).
    Unknown { reason: String, lost: bool },
    /// `return(value)` in a macro.
    Return(Value),
}

type Run<T> = Result<T, Stop>;

/// A call's positional and keyword arguments.
type Arguments = (Vec<Value>, Vec<(String, Value)>);

/// The keyword standing for arguments spread from a value only a run tells (`**options`).
const UNKNOWN_SPREAD: &str = "**";

/// Stops where a recorded call may be missed.
fn unknown<T>(reason: impl Into<String>) -> Run<T> {
    Err(Stop::Unknown {
        reason: reason.into(),
        lost: true,
    })
}

/// Stops where only a value is unknown.
fn unknown_value<T>(reason: impl Into<String>) -> Run<T> {
    Err(Stop::Unknown {
        reason: reason.into(),
        lost: false,
    })
}

/// The variables and the macro being run.
struct Env {
    frames: Vec<Frame>,
    /// The macro whose body runs (its file's other macros are in scope), if any.
    within: Option<usize>,
    caller: Option<Value>,
}

impl Env {
    fn lookup(&self, name: &str) -> Option<Value> {
        self.frames
            .iter()
            .rev()
            .find_map(|frame| frame.get(name).cloned())
    }

    fn assign(&mut self, name: &str, value: Value) {
        if let Some(frame) = self.frames.last_mut() {
            frame.insert(name.to_owned(), value);
        }
    }
}

pub struct Evaluator<'s> {
    scope: &'s MacroScope<'s>,
    /// The node's package.
    package: &'s str,
    steps: usize,
    /// Where the step count stops the evaluation (lower while a macro's value is optional).
    limit: usize,
    calls: usize,
    /// How deep the evaluator recurses, bounded so that input cannot exhaust the stack.
    nesting: usize,
    /// The macros the template itself defines.
    template_macros: std::collections::HashMap<String, Arc<MacroBody>>,
    pub recorded: Recorded,
}

impl<'s> Evaluator<'s> {
    pub fn new(scope: &'s MacroScope<'s>, package: &'s str) -> Self {
        Evaluator {
            scope,
            package,
            steps: 0,
            limit: MAX_STEPS,
            calls: 0,
            nesting: 0,
            template_macros: Default::default(),
            recorded: Recorded::default(),
        }
    }

    /// Runs a node's template.
    pub fn run_template(&mut self, nodes: &[Node]) -> Result<(), String> {
        // Macros defined in the template see each other, wherever they are called from.
        for node in nodes {
            if let Node::Macro(body) = node {
                self.template_macros.insert(body.name.clone(), body.clone());
            }
        }
        let mut env = Env {
            frames: vec![Frame::new()],
            within: None,
            caller: None,
        };
        match self.run(nodes, &mut env) {
            Ok(()) => Ok(()),
            Err(Stop::Unknown { reason, .. }) => Err(reason),
            Err(Stop::Return(_)) => Err("a `return()` outside a macro".into()),
        }
    }

    fn step(&mut self) -> Run<()> {
        self.steps += 1;
        if self.steps > self.limit {
            let reason = "its Jinja takes too long to evaluate";
            return if self.limit < MAX_STEPS {
                unknown_value(reason)
            } else {
                unknown(reason)
            };
        }
        Ok(())
    }

    fn run(&mut self, nodes: &[Node], env: &mut Env) -> Run<()> {
        self.enter()?;
        let result = self.run_nodes(nodes, env);
        self.nesting -= 1;
        result
    }

    /// Counts one more level of the evaluator's own recursion (blocks, expressions, calls).
    fn enter(&mut self) -> Run<()> {
        if self.nesting >= MAX_NESTING {
            return unknown("its Jinja nests too deep to evaluate");
        }
        self.nesting += 1;
        Ok(())
    }

    fn run_nodes(&mut self, nodes: &[Node], env: &mut Env) -> Run<()> {
        for node in nodes {
            self.step()?;
            match node {
                Node::Output(expr) | Node::Do(expr) => {
                    self.eval(expr, env)?;
                }
                Node::If {
                    branches,
                    otherwise,
                } => self.run_if(branches, otherwise, env)?,
                Node::For {
                    target,
                    iterable,
                    condition,
                    body,
                    otherwise,
                } => self.run_for(target, iterable, condition.as_ref(), body, otherwise, env)?,
                Node::Set(target, expr) => {
                    let value = self.eval(expr, env)?;
                    self.assign(target, value, env)?;
                }
                Node::SetBlock(name, body) => {
                    self.run(body, env)?;
                    env.assign(name, Value::Unknown);
                }
                Node::Macro(body) => {
                    env.assign(
                        &body.name,
                        Value::Callable(Rc::new(Callable::Local(body.clone()))),
                    );
                }
                Node::Call { call, caller } => {
                    let Expr::Call(callee, args) = call else {
                        return unknown("a `{% call %}` of something not called");
                    };
                    let closure = Value::Callable(Rc::new(Callable::Caller(
                        caller.clone(),
                        env.frames.clone(),
                        env.within,
                    )));
                    let callee = self.eval(callee, env)?;
                    let (positional, keyword) = self.arguments(args, env)?;
                    let effects = self.effects(&caller.body, env).records;
                    self.call(&callee, positional, keyword, Some(closure), effects)?;
                }
                Node::Block(body) => self.run(body, env)?,
            }
        }
        Ok(())
    }

    fn run_if(
        &mut self,
        branches: &[(Expr, Vec<Node>)],
        otherwise: &[Node],
        env: &mut Env,
    ) -> Run<()> {
        for (at, (condition, body)) in branches.iter().enumerate() {
            match self.eval(condition, env)?.truth() {
                Some(true) => return self.run(body, env),
                Some(false) => continue,
                None => {
                    let rest: Vec<&[Node]> = branches[at..]
                        .iter()
                        .map(|(_, body)| body.as_slice())
                        .chain([otherwise])
                        .collect();
                    return self.skip(&rest, env, "a Jinja `if` on a value only a run tells");
                }
            }
        }
        self.run(otherwise, env)
    }

    fn run_for(
        &mut self,
        target: &Target,
        iterable: &Expr,
        condition: Option<&Expr>,
        body: &[Node],
        otherwise: &[Node],
        env: &mut Env,
    ) -> Run<()> {
        let reason = "a Jinja `for` over values only a run tells";
        let Some(items) = self.eval(iterable, env)?.items() else {
            return self.skip(&[body, otherwise], env, reason);
        };
        let mut kept = Vec::with_capacity(items.len());
        for item in items {
            self.step()?;
            let Some(condition) = condition else {
                kept.push(item);
                continue;
            };
            env.frames.push(Frame::new());
            self.assign(target, item.clone(), env)?;
            let keep = self.eval(condition, env)?.truth();
            env.frames.pop();
            match keep {
                Some(true) => kept.push(item),
                Some(false) => {}
                None => return self.skip(&[body, otherwise], env, reason),
            }
        }
        if kept.is_empty() {
            return self.run(otherwise, env);
        }
        let length = kept.len() as i64;
        for (index, item) in kept.into_iter().enumerate() {
            let index = index as i64;
            let mut frame = Frame::new();
            frame.insert(
                "loop".into(),
                Value::dict(vec![
                    (Value::str("index"), Value::Int(index + 1)),
                    (Value::str("index0"), Value::Int(index)),
                    (Value::str("revindex"), Value::Int(length - index)),
                    (Value::str("revindex0"), Value::Int(length - index - 1)),
                    (Value::str("first"), Value::Bool(index == 0)),
                    (Value::str("last"), Value::Bool(index == length - 1)),
                    (Value::str("length"), Value::Int(length)),
                ]),
            );
            env.frames.push(frame);
            let result = self
                .assign(target, item, env)
                .and_then(|()| self.run(body, env));
            env.frames.pop();
            result?;
        }
        Ok(())
    }

    /// Blocks that may or may not run: nothing in them may record a call, and whatever they
    /// assign or may change becomes unknown.
    fn skip(&mut self, blocks: &[&[Node]], env: &mut Env, reason: &str) -> Run<()> {
        for nodes in blocks {
            let effects = self.effects(nodes, env);
            if effects.records {
                return unknown(reason);
            }
            if effects.returns {
                return unknown_value(reason);
            }
        }
        let mut names = Vec::new();
        for nodes in blocks {
            walk_nodes(nodes, &mut |visited| match visited {
                Visited::Expr(Expr::Name(name)) => names.push(name.clone()),
                Visited::Node(Node::Set(target, _)) => match target {
                    Target::Name(name) | Target::Attribute(name, _) => names.push(name.clone()),
                    Target::Names(more) => names.extend(more.iter().cloned()),
                },
                Visited::Node(Node::SetBlock(name, _)) => names.push(name.clone()),
                _ => {}
            });
        }
        for name in names {
            if let Some(value) = env.lookup(&name) {
                value.taint();
            }
        }
        let assigned: Vec<String> = blocks
            .iter()
            .flat_map(|nodes| nodes.iter())
            .filter_map(|node| match node {
                Node::Set(Target::Name(name), _) | Node::SetBlock(name, _) => {
                    Some(vec![name.clone()])
                }
                Node::Set(Target::Names(names), _) => Some(names.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        for name in assigned {
            env.assign(&name, Value::Unknown);
        }
        Ok(())
    }

    fn assign(&mut self, target: &Target, value: Value, env: &mut Env) -> Run<()> {
        match target {
            Target::Name(name) => env.assign(name, value),
            Target::Names(names) => match value.items() {
                Some(items) if items.len() == names.len() => {
                    for (name, item) in names.iter().zip(items) {
                        env.assign(name, item);
                    }
                }
                Some(_) => return unknown_value("an unpacking of the wrong length"),
                None => {
                    for name in names {
                        env.assign(name, Value::Unknown);
                    }
                }
            },
            Target::Attribute(name, attribute) => {
                let Some(Value::Dict(pairs)) = env.lookup(name) else {
                    // An unknown or undefined namespace stays unknown.
                    return Ok(());
                };
                let mut pairs = pairs.borrow_mut();
                if let Some(dict) = pairs.as_mut() {
                    operations::insert(dict, Value::str(attribute), value);
                }
            }
        }
        Ok(())
    }

    fn eval(&mut self, expr: &Expr, env: &mut Env) -> Run<Value> {
        self.enter()?;
        let result = self.eval_expr(expr, env);
        self.nesting -= 1;
        result
    }

    fn eval_expr(&mut self, expr: &Expr, env: &mut Env) -> Run<Value> {
        self.step()?;
        Ok(match expr {
            Expr::Const(constant) => match constant {
                Const::None => Value::None,
                Const::Bool(b) => Value::Bool(*b),
                Const::Int(i) => Value::Int(*i),
                Const::Float(f) => Value::Float(*f),
                Const::Str(s) => Value::str(s),
            },
            Expr::Name(name) => self.name(name, env),
            Expr::List(items) => Value::list(self.eval_all(items, env)?),
            Expr::Tuple(items) => Value::Tuple(Rc::from(self.eval_all(items, env)?)),
            Expr::Dict(pairs) => {
                let mut dict = Vec::new();
                let mut known = true;
                for (key, value) in pairs {
                    let (key, value) = (self.eval(key, env)?, self.eval(value, env)?);
                    known &= operations::insert(&mut dict, key, value).is_some();
                }
                let dict = Value::dict(dict);
                if !known {
                    dict.taint();
                }
                dict
            }
            Expr::Attr(base, name) => {
                let base = self.eval(base, env)?;
                self.attribute(&base, name)
            }
            Expr::Item(base, index) => {
                let (base, index) = (self.eval(base, env)?, self.eval(index, env)?);
                operations::item(&base, &index)
            }
            Expr::Slice(base, bounds) => {
                let base = self.eval(base, env)?;
                let mut values: [Option<Value>; 3] = [None, None, None];
                for (slot, bound) in values.iter_mut().zip(bounds) {
                    if let Some(bound) = bound {
                        *slot = Some(self.eval(bound, env)?);
                    }
                }
                operations::slice(&base, values)
            }
            Expr::Call(callee, args) => {
                let callee_value = self.eval(callee, env)?;
                let (positional, keyword) = self.arguments(args, env)?;
                self.call(&callee_value, positional, keyword, None, false)?
            }
            Expr::Filter(value, name, args) => {
                let value = self.eval(value, env)?;
                let (args, keyword) = self.arguments(args, env)?;
                if !keyword.is_empty() {
                    return Ok(Value::Unknown);
                }
                operations::filter(name, &value, &args)
            }
            Expr::Test {
                value,
                name,
                args,
                negated,
            } => {
                let value = self.eval(value, env)?;
                let (args, _) = self.arguments(args, env)?;
                match operations::test(name, &value, &args) {
                    Some(result) => Value::Bool(result != *negated),
                    None => Value::Unknown,
                }
            }
            Expr::Not(inner) => match self.eval(inner, env)?.truth() {
                Some(truth) => Value::Bool(!truth),
                None => Value::Unknown,
            },
            Expr::Neg(inner) => match self.eval(inner, env)? {
                Value::Int(i) => i.checked_neg().map_or(Value::Unknown, Value::Int),
                Value::Float(f) => Value::Float(-f),
                _ => Value::Unknown,
            },
            Expr::Binary(op, left, right) => {
                let (left, right) = (self.eval(left, env)?, self.eval(right, env)?);
                operations::binary(*op, &left, &right)
            }
            Expr::Compare(first, chain) => {
                let mut left = self.eval(first, env)?;
                let mut result = Some(true);
                for (op, right) in chain {
                    let right = self.eval(right, env)?;
                    match operations::compare(*op, &left, &right) {
                        Some(true) => {}
                        Some(false) => {
                            result = Some(false);
                            break;
                        }
                        None => result = None,
                    }
                    left = right;
                }
                result.map_or(Value::Unknown, Value::Bool)
            }
            Expr::And(left, right) | Expr::Or(left, right) => {
                let is_and = matches!(expr, Expr::And(..));
                let left_value = self.eval(left, env)?;
                match left_value.truth() {
                    Some(truth) if truth != is_and => left_value,
                    Some(_) => self.eval(right, env)?,
                    None => self.unevaluated(right, env)?,
                }
            }
            Expr::Cond {
                then,
                condition,
                otherwise,
            } => match self.eval(condition, env)?.truth() {
                Some(true) => self.eval(then, env)?,
                Some(false) => match otherwise {
                    Some(otherwise) => self.eval(otherwise, env)?,
                    None => Value::Unknown,
                },
                None => {
                    self.unevaluated(then, env)?;
                    if let Some(otherwise) = otherwise {
                        self.unevaluated(otherwise, env)?;
                    }
                    Value::Unknown
                }
            },
        })
    }

    /// An expression that may or may not be evaluated: it may record nothing, and what it
    /// might change becomes unknown.
    fn unevaluated(&mut self, expr: &Expr, env: &mut Env) -> Run<Value> {
        let effects = self.expr_effects(expr, env);
        let reason = "a call in a Jinja expression whose condition only a run tells";
        if effects.records {
            return unknown(reason);
        }
        if effects.returns {
            return unknown_value(reason);
        }
        walk_expr(expr, &mut |e| {
            if let Expr::Name(name) = e
                && let Some(value) = env.lookup(name)
            {
                value.taint();
            }
        });
        Ok(Value::Unknown)
    }

    fn eval_all(&mut self, items: &[Expr], env: &mut Env) -> Run<Vec<Value>> {
        items.iter().map(|item| self.eval(item, env)).collect()
    }

    fn arguments(&mut self, args: &[Arg], env: &mut Env) -> Run<Arguments> {
        let mut positional = Vec::new();
        let mut keyword = Vec::new();
        for arg in args {
            match arg {
                Arg::Positional(expr) => positional.push(self.eval(expr, env)?),
                Arg::Keyword(name, expr) => keyword.push((name.clone(), self.eval(expr, env)?)),
                Arg::Spread(expr) => {
                    let value = self.eval(expr, env)?;
                    let pairs = match &value {
                        Value::Dict(pairs) => pairs.borrow().clone(),
                        _ => None,
                    };
                    let keys: Option<Vec<(String, Value)>> = pairs.and_then(|pairs| {
                        pairs
                            .into_iter()
                            .map(|(key, value)| Some((key.as_str()?.to_owned(), value)))
                            .collect()
                    });
                    match (keys, value.items()) {
                        (Some(keys), _) => keyword.extend(keys),
                        (None, Some(items)) if !matches!(value, Value::Dict(_)) => {
                            positional.extend(items)
                        }
                        _ => {
                            value.taint();
                            keyword.push((UNKNOWN_SPREAD.to_owned(), Value::Unknown));
                        }
                    }
                }
            }
        }
        Ok((positional, keyword))
    }

    /// A name: a variable, a macro, a package, or what dbt's parse context holds.
    fn name(&mut self, name: &str, env: &Env) -> Value {
        if let Some(value) = env.lookup(name) {
            return value;
        }
        if name == "caller"
            && let Some(caller) = &env.caller
        {
            return caller.clone();
        }
        if let Some(body) = self.template_macros.get(name) {
            return Value::Callable(Rc::new(Callable::Local(body.clone())));
        }
        if let Some(index) = self.scope.resolve(name, self.package, env.within) {
            return Value::Callable(Rc::new(Callable::Macro(index)));
        }
        match name {
            "execute" => Value::Bool(false),
            "ref" | "source" | "config" | "return" | "var" | "env_var" | "log" | "print"
            | "range" | "dict" | "namespace" | "zip" | "load_result" | "is_incremental"
            | "statement" | "exceptions" | "adapter" | "run_query" | "builtins" | "function"
            | "metric" => Value::builtin(builtin_name(name)),
            _ if self.scope.is_package(name) => {
                Value::Callable(Rc::new(Callable::Package(name.to_owned())))
            }
            // `target`, `this`, `graph`, `model`, `modules`, `flags`, ...: only a run tells.
            _ => Value::Unknown,
        }
    }

    fn attribute(&mut self, base: &Value, name: &str) -> Value {
        match base {
            Value::Callable(callable) => match (&**callable, name) {
                (Callable::Package(package), _) => match self.scope.qualified(package, name) {
                    Some(index) => Value::Callable(Rc::new(Callable::Macro(index))),
                    None => Value::Unknown,
                },
                (Callable::Builtin("config"), "get" | "require" | "meta_require") => {
                    Value::builtin("config.get")
                }
                (Callable::Builtin("config"), "set") => Value::builtin("config.set"),
                (Callable::Builtin("exceptions"), "warn") => Value::builtin("log"),
                (Callable::Builtin("exceptions"), _) => Value::builtin("exceptions.raise"),
                (Callable::Builtin("adapter"), "dispatch") => Value::builtin("adapter.dispatch"),
                (Callable::Builtin("builtins"), "ref" | "source" | "config" | "function") => {
                    Value::builtin(builtin_name(name))
                }
                _ => Value::Unknown,
            },
            Value::Dict(pairs) if !is_dict_method(name) => {
                operations::item(&Value::Dict(pairs.clone()), &Value::str(name))
            }
            Value::Str(_) | Value::List(_) | Value::Dict(_) => {
                Value::Callable(Rc::new(Callable::Method(base.clone(), name.to_owned())))
            }
            _ => Value::Unknown,
        }
    }

    /// Calls `callee`; `caller_has_effects` when a `{% call %}` body passed as `caller` may
    /// record calls.
    fn call(
        &mut self,
        callee: &Value,
        positional: Vec<Value>,
        keyword: Vec<(String, Value)>,
        caller: Option<Value>,
        caller_has_effects: bool,
    ) -> Run<Value> {
        let Value::Callable(callable) = callee else {
            // Something only a run tells (`adapter.get_columns_in_relation`): it may change
            // what it is given.
            if caller_has_effects {
                return unknown("a `{% call %}` of something only a run tells");
            }
            taint_all(&positional, &keyword);
            return Ok(Value::Unknown);
        };
        let spread_unknown = keyword.iter().any(|(key, _)| key == UNKNOWN_SPREAD);
        match &**callable {
            Callable::Builtin("config") if spread_unknown => {
                self.recorded.dynamic_config.push("config".into());
                Ok(Value::str(""))
            }
            Callable::Builtin("ref" | "source" | "function" | "config" | "config.set")
                if spread_unknown =>
            {
                unknown("a call with arguments only a run tells")
            }
            Callable::Macro(index) if spread_unknown => {
                if self.scope.has_effects(*index) || caller_has_effects {
                    return unknown("a macro call with arguments only a run tells");
                }
                taint_all(&positional, &keyword);
                Ok(Value::Unknown)
            }
            Callable::Local(_) | Callable::Caller(..) if spread_unknown => {
                unknown("a macro call with arguments only a run tells")
            }
            _ if spread_unknown => {
                if caller_has_effects {
                    return unknown("a `{% call %}` with arguments only a run tells");
                }
                taint_all(&positional, &keyword);
                Ok(Value::Unknown)
            }
            Callable::Macro(index) => {
                self.call_macro(*index, positional, keyword, caller, caller_has_effects)
            }
            Callable::Local(body) => {
                let body = body.clone();
                self.run_body(&body, None, positional, keyword, caller, Vec::new())
            }
            Callable::Caller(body, frames, within) => {
                let (body, frames, within) = (body.clone(), frames.clone(), *within);
                self.run_body(&body, within, positional, keyword, None, frames)?;
                Ok(Value::Unknown)
            }
            Callable::Method(receiver, name) => {
                if !keyword.is_empty() {
                    taint_all(&positional, &keyword);
                    receiver.taint();
                    return Ok(Value::Unknown);
                }
                Ok(operations::method(receiver, name, &positional))
            }
            Callable::Package(_) => Ok(Value::Unknown),
            Callable::Builtin(name) => {
                if caller_has_effects && *name != "statement" {
                    return unknown("a `{% call %}` of one of dbt's functions");
                }
                self.builtin(name, positional, keyword)
            }
        }
    }

    fn call_macro(
        &mut self,
        index: usize,
        positional: Vec<Value>,
        keyword: Vec<(String, Value)>,
        caller: Option<Value>,
        caller_has_effects: bool,
    ) -> Run<Value> {
        let required = self.scope.has_effects(index) || caller_has_effects;
        let Some(body) = self.scope.body(index) else {
            if required {
                return unknown("a macro whose Jinja it could not read");
            }
            taint_all(&positional, &keyword);
            return Ok(Value::Unknown);
        };
        if required {
            return self.run_body(&body, Some(index), positional, keyword, caller, Vec::new());
        }
        // A macro that records nothing: its value when it can be told, else unknown.
        let (arguments, keywords) = (positional.clone(), keyword.clone());
        let limit = self.limit;
        self.limit = limit.min(self.steps + MAX_OPTIONAL_STEPS);
        let before = self.recorded.len();
        let result = self.run_body(&body, Some(index), positional, keyword, caller, Vec::new());
        self.limit = limit;
        match result {
            Err(Stop::Unknown { lost: false, .. }) if self.recorded.len() == before => {
                taint_all(&arguments, &keywords);
                Ok(Value::Unknown)
            }
            other => other,
        }
    }

    /// Runs a macro body with its arguments; its value is what it returns (its rendered text,
    /// which is not kept, when it returns nothing).
    fn run_body(
        &mut self,
        body: &MacroBody,
        within: Option<usize>,
        positional: Vec<Value>,
        keyword: Vec<(String, Value)>,
        caller: Option<Value>,
        mut frames: Vec<Frame>,
    ) -> Run<Value> {
        self.calls += 1;
        if self.calls > MAX_CALLS {
            self.calls -= 1;
            return unknown("macro calls nested too deep");
        }
        let mut frame = Frame::new();
        let mut positional = positional.into_iter();
        let mut keyword = keyword;
        let mut defaults = Vec::new();
        for (name, default) in &body.params {
            if let Some(value) = positional.next() {
                frame.insert(name.clone(), value);
            } else if let Some(at) = keyword.iter().position(|(key, _)| key == name) {
                frame.insert(name.clone(), keyword.remove(at).1);
            } else if let Some(default) = default {
                defaults.push((name.clone(), default));
            } else {
                frame.insert(name.clone(), Value::Unknown);
            }
        }
        frame.insert("varargs".into(), Value::list(positional.collect()));
        frame.insert(
            "kwargs".into(),
            Value::dict(
                keyword
                    .into_iter()
                    .map(|(k, v)| (Value::str(&k), v))
                    .collect(),
            ),
        );
        frames.push(frame);
        let mut env = Env {
            frames,
            within,
            caller,
        };
        let result = (|| {
            for (name, default) in defaults {
                let value = self.eval(default, &mut env)?;
                env.assign(&name, value);
            }
            self.run(&body.body, &mut env)
        })();
        self.calls -= 1;
        match result {
            Ok(()) => Ok(Value::Unknown),
            Err(Stop::Return(value)) => Ok(value),
            Err(stop) => Err(stop),
        }
    }

    fn builtin(
        &mut self,
        name: &str,
        positional: Vec<Value>,
        keyword: Vec<(String, Value)>,
    ) -> Run<Value> {
        let text = |value: &Value| value.as_str().map(str::to_owned);
        Ok(match name {
            "ref" => {
                let version = keyword
                    .iter()
                    .find(|(key, _)| key == "v" || key == "version")
                    .map(|(_, value)| value.to_json().as_ref().and_then(version_text));
                let names: Option<Vec<String>> = positional.iter().map(text).collect();
                let call = match (names.as_deref(), version, keyword.len()) {
                    (Some([name]), None, 0) | (Some([name]), Some(Some(_)), 1) => (None, name),
                    (Some([package, name]), None, 0)
                    | (Some([package, name]), Some(Some(_)), 1) => (Some(package.clone()), name),
                    _ => return unknown("a `ref()` with arguments only a run tells"),
                };
                let version = keyword
                    .iter()
                    .find_map(|(_, value)| value.to_json().as_ref().and_then(version_text));
                self.recorded.refs.push(RefCall {
                    package: call.0,
                    name: call.1.clone(),
                    version,
                });
                Value::Relation
            }
            "source" => {
                let mut names: Vec<Option<String>> = positional.iter().map(text).collect();
                for (key, slot) in [("source_name", 0), ("table_name", 1)] {
                    if let Some((_, value)) = keyword.iter().find(|(k, _)| k == key) {
                        if names.len() != slot {
                            return unknown("a `source()` with arguments only a run tells");
                        }
                        names.push(text(value));
                    }
                }
                let [Some(source), Some(table)] = names.as_slice() else {
                    return unknown("a `source()` with arguments only a run tells");
                };
                self.recorded.sources.push((source.clone(), table.clone()));
                Value::Relation
            }
            "config" => {
                match (positional.as_slice(), keyword.is_empty()) {
                    ([options], true) => self.record_config_dict(options),
                    ([], false) => {
                        for (key, value) in keyword {
                            self.record_config(key, &value);
                        }
                    }
                    _ => return unknown("a `config()` call dbt refuses"),
                }
                Value::str("")
            }
            "config.set" => {
                let ([key, value], true) = (positional.as_slice(), keyword.is_empty()) else {
                    return unknown("a `config.set()` call dbt refuses");
                };
                match key.as_str() {
                    Some(key) => self.record_config(key.to_owned(), value),
                    None => self.recorded.dynamic_config.push("config".into()),
                }
                Value::str("")
            }
            "config.get" | "log" => Value::str(""),
            "return" => {
                let value = positional.into_iter().next().unwrap_or(Value::None);
                return Err(Stop::Return(value));
            }
            "exceptions.raise" => return unknown_value("it raises an error while dbt parses"),
            // Dependencies the reader does not resolve (user-defined functions, metrics).
            "function" => return unknown("a `function()` or `metric()` call"),
            "is_incremental" => Value::Bool(false),
            "load_result" => Value::None,
            // The body of `{% call statement() %}` runs only when dbt executes.
            "statement" => Value::str(""),
            "range" => {
                let bounds: Option<Vec<i64>> = positional
                    .iter()
                    .map(|v| match v {
                        Value::Int(i) => Some(*i),
                        _ => None,
                    })
                    .collect();
                let (start, stop) = match bounds.as_deref() {
                    Some([stop]) => (0, *stop),
                    Some([start, stop]) => (*start, *stop),
                    _ => return Ok(Value::Unknown),
                };
                if stop.saturating_sub(start) > 100_000 {
                    return Ok(Value::Unknown);
                }
                Value::list((start..stop).map(Value::Int).collect())
            }
            "dict" | "namespace" => {
                let mut pairs = Vec::new();
                if let Some(Value::Dict(base)) = positional.first() {
                    match base.borrow().as_ref() {
                        Some(base) => pairs.extend(base.iter().cloned()),
                        None => return Ok(Value::Unknown),
                    }
                }
                for (key, value) in keyword {
                    operations::insert(&mut pairs, Value::str(&key), value);
                }
                Value::dict(pairs)
            }
            "zip" => {
                let lists: Option<Vec<Vec<Value>>> = positional.iter().map(Value::items).collect();
                let Some(lists) = lists else {
                    return Ok(Value::Unknown);
                };
                let length = lists.iter().map(Vec::len).min().unwrap_or(0);
                Value::list(
                    (0..length)
                        .map(|i| {
                            Value::Tuple(Rc::from(
                                lists.iter().map(|l| l[i].clone()).collect::<Vec<_>>(),
                            ))
                        })
                        .collect(),
                )
            }
            "adapter.dispatch" => {
                let name = positional
                    .first()
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                let namespace = positional
                    .get(1)
                    .or_else(|| {
                        keyword
                            .iter()
                            .find(|(k, _)| k == "macro_namespace")
                            .map(|(_, v)| v)
                    })
                    .and_then(Value::as_str);
                let Some(name) = name else {
                    return unknown("an `adapter.dispatch()` of a name only a run tells");
                };
                let effects = self.scope.dispatch_may_have_effects(&name);
                match namespace.map(|namespace| self.scope.dispatch(&name, namespace)) {
                    Some(Dispatched::Macro(index)) => {
                        Value::Callable(Rc::new(Callable::Macro(index)))
                    }
                    _ if effects => {
                        return unknown(format!(
                            "`adapter.dispatch('{name}')` picks a macro by the adapter"
                        ));
                    }
                    _ => Value::Unknown,
                }
            }
            // `var()`, `env_var()`, `run_query()`, `adapter.*`: only a run tells.
            _ => {
                taint_all(&positional, &keyword);
                Value::Unknown
            }
        })
    }

    fn record_config_dict(&mut self, options: &Value) {
        let Value::Dict(pairs) = options else {
            self.recorded.dynamic_config.push("config".into());
            return;
        };
        let pairs = pairs.borrow().clone();
        let Some(pairs) = pairs else {
            self.recorded.dynamic_config.push("config".into());
            return;
        };
        for (key, value) in pairs {
            match key.as_str() {
                Some(key) => self.record_config(key.to_owned(), &value),
                None => self.recorded.dynamic_config.push("config".into()),
            }
        }
    }

    fn record_config(&mut self, key: String, value: &Value) {
        // dbt renames the Python spelling of hooks.
        let key = match key.as_str() {
            "pre_hook" => "pre-hook".to_owned(),
            "post_hook" => "post-hook".to_owned(),
            _ => key,
        };
        match value.to_json() {
            Some(value) => {
                self.recorded.config.insert(key, value);
            }
            None => self.recorded.dynamic_config.push(key),
        }
    }

    /// What running these statements may do.
    fn effects(&self, nodes: &[Node], env: &Env) -> Effects {
        let mut effects = Effects::default();
        walk_nodes(nodes, &mut |visited| match visited {
            Visited::Expr(expr) => self.add_effects(expr, env, &mut effects),
            Visited::Node(node) => {
                effects.records |= matches!(node, Node::Macro(_) | Node::Call { .. });
            }
        });
        effects
    }

    fn expr_effects(&self, expr: &Expr, env: &Env) -> Effects {
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
                Some(Value::Callable(callable)) => match &*callable {
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

impl Recorded {
    /// How many calls were recorded (config keys counted once).
    fn len(&self) -> usize {
        self.refs.len() + self.sources.len() + self.config.len() + self.dynamic_config.len()
    }
}

/// What running some statements may do.
#[derive(Default)]
struct Effects {
    /// Record a `ref()`, `source()` or `config()` call.
    records: bool,
    /// Return from the macro.
    returns: bool,
}

fn builtin_name(name: &str) -> &'static str {
    match name {
        "ref" => "ref",
        "source" => "source",
        "config" => "config",
        "return" => "return",
        "log" | "print" => "log",
        "range" => "range",
        "dict" => "dict",
        "namespace" => "namespace",
        "zip" => "zip",
        "load_result" => "load_result",
        "is_incremental" => "is_incremental",
        "statement" => "statement",
        "exceptions" => "exceptions",
        "adapter" => "adapter",
        "builtins" => "builtins",
        "function" | "metric" => "function",
        _ => "opaque",
    }
}

fn is_dict_method(name: &str) -> bool {
    matches!(
        name,
        "items"
            | "keys"
            | "values"
            | "get"
            | "update"
            | "pop"
            | "setdefault"
            | "copy"
            | "popitem"
            | "clear"
    )
}

fn taint_all(positional: &[Value], keyword: &[(String, Value)]) {
    for value in positional.iter().chain(keyword.iter().map(|(_, v)| v)) {
        value.taint();
    }
}

/// A statement or an expression met while walking a template.
enum Visited<'a> {
    Node(&'a Node),
    Expr(&'a Expr),
}

/// Visits every statement of `nodes` and every expression in them.
fn walk_nodes(nodes: &[Node], visit: &mut dyn FnMut(Visited<'_>)) {
    let expr = |e: &Expr, visit: &mut dyn FnMut(Visited<'_>)| {
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
fn walk_expr(expr: &Expr, visit: &mut dyn FnMut(&Expr)) {
    visit(expr);
    let args = |args: &[Arg], visit: &mut dyn FnMut(&Expr)| {
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
