//! The evaluator: runs a node's template as dbt renders it while it parses (`execute` false,
//! `is_incremental()` false, `config.get()` empty), recording the `ref()`, `source()` and
//! `config()` calls. Values only a run tells are `Unknown`; a recorded call or a branch that
//! depends on one stops the evaluation with the reason, so what it records is exact.

use std::rc::Rc;
use std::sync::Arc;

use serde_json::Map;

use super::effects::{Visited, walk_expr, walk_nodes};
use super::expr::{Arg, Const, Expr};
use super::operations;
use super::scope::MacroScope;
use super::template::{MacroBody, Node, Target};
use super::value::{Callable, Captured, Frame, Value};
use crate::dbt::project::sql::RefCall;

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

pub(super) type Run<T> = Result<T, Stop>;

/// A call's positional and keyword arguments.
pub(super) type Arguments = (Vec<Value>, Vec<(String, Value)>);

/// The fields of a `for` loop's `loop`.
const LOOP_FIELDS: [&str; 7] = [
    "index",
    "index0",
    "revindex",
    "revindex0",
    "first",
    "last",
    "length",
];

/// The keyword standing for arguments spread from a value only a run tells (`**options`).
pub(super) const UNKNOWN_SPREAD: &str = "**";

/// Stops where a recorded call may be missed.
pub(super) fn unknown<T>(reason: impl Into<String>) -> Run<T> {
    Err(Stop::Unknown {
        reason: reason.into(),
        lost: true,
    })
}

/// Stops where only a value is unknown.
pub(super) fn unknown_value<T>(reason: impl Into<String>) -> Run<T> {
    Err(Stop::Unknown {
        reason: reason.into(),
        lost: false,
    })
}

/// The variables and the macro being run; `'a` is the template that names the variables.
pub(super) struct Env<'a> {
    pub(super) frames: Vec<Frame<'a>>,
    /// The macro whose body runs (its file's other macros are in scope), if any.
    pub(super) within: Option<usize>,
    pub(super) caller: Option<Value>,
}

impl<'a> Env<'a> {
    pub(super) fn lookup(&self, name: &str) -> Option<&Value> {
        self.frames.iter().rev().find_map(|frame| {
            frame
                .iter()
                .find_map(|(bound, value)| (*bound == name).then_some(value))
        })
    }

    pub(super) fn assign(&mut self, name: &'a str, value: Value) {
        if let Some(frame) = self.frames.last_mut() {
            bind(frame, name, value);
        }
    }

    /// The variables as a `{% call %}` body keeps them.
    fn capture(&self) -> Captured {
        self.frames
            .iter()
            .map(|frame| {
                frame
                    .iter()
                    .map(|(name, value)| (Rc::from(*name), value.clone()))
                    .collect()
            })
            .collect()
    }
}

pub struct Evaluator<'s> {
    pub(super) scope: &'s MacroScope<'s>,
    /// The node's package.
    pub(super) package: &'s str,
    steps: usize,
    /// Where the step count stops the evaluation (lower while a macro's value is optional).
    limit: usize,
    calls: usize,
    /// How deep the evaluator recurses, bounded so that input cannot exhaust the stack.
    nesting: usize,
    /// The macros the template itself defines.
    pub(super) template_macros: rustc_hash::FxHashMap<String, Arc<MacroBody>>,
    /// [`LOOP_FIELDS`] as strings, made once and shared by every `loop`.
    loop_fields: Option<[Value; 7]>,
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
            loop_fields: None,
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

    /// A value built from others, or `Unknown` when it would nest too deep; looking costs steps.
    pub(super) fn bounded(&mut self, value: Value) -> Run<Value> {
        let (too_deep, visited) = value.too_deep();
        self.steps += visited;
        self.step()?;
        Ok(if too_deep { Value::Unknown } else { value })
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

    fn run<'a>(&mut self, nodes: &'a [Node], env: &mut Env<'a>) -> Run<()> {
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

    fn run_nodes<'a>(&mut self, nodes: &'a [Node], env: &mut Env<'a>) -> Run<()> {
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
                    uses_loop,
                } => {
                    let looped = Loop {
                        target,
                        condition: condition.as_ref(),
                        body,
                        uses_loop: *uses_loop,
                    };
                    self.run_for(&looped, iterable, otherwise, env)?
                }
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
                        env.capture(),
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

    fn run_if<'a>(
        &mut self,
        branches: &'a [(Expr, Vec<Node>)],
        otherwise: &'a [Node],
        env: &mut Env<'a>,
    ) -> Run<()> {
        for (at, (condition, body)) in branches.iter().enumerate() {
            match self.eval(condition, env)?.truth() {
                Some(true) => return self.run(body, env),
                Some(false) => continue,
                None => {
                    let rest: Vec<&'a [Node]> = branches[at..]
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

    fn run_for<'a>(
        &mut self,
        looped: &Loop<'a>,
        iterable: &Expr,
        otherwise: &'a [Node],
        env: &mut Env<'a>,
    ) -> Run<()> {
        let reason = "a Jinja `for` over values only a run tells";
        let Some(items) = self.eval(iterable, env)?.items() else {
            return self.skip(&[looped.body, otherwise], env, reason);
        };
        let mut kept = Vec::with_capacity(items.len());
        // One frame per item, its allocation reused from one item to the next.
        let mut frame = Frame::new();
        for item in items {
            self.step()?;
            let Some(condition) = looped.condition else {
                kept.push(item);
                continue;
            };
            env.frames.push(frame);
            let keep = self
                .assign(looped.target, item.clone(), env)
                .and_then(|()| self.eval(condition, env));
            frame = env.frames.pop().unwrap_or_default();
            frame.clear();
            match keep?.truth() {
                Some(true) => kept.push(item),
                Some(false) => {}
                None => return self.skip(&[looped.body, otherwise], env, reason),
            }
        }
        if kept.is_empty() {
            return self.run(otherwise, env);
        }
        let length = kept.len();
        for (index, item) in kept.into_iter().enumerate() {
            if looped.uses_loop {
                frame.push(("loop", self.loop_variable(index, length)));
            }
            env.frames.push(frame);
            let result = self
                .assign(looped.target, item, env)
                .and_then(|()| self.run(looped.body, env));
            frame = env.frames.pop().unwrap_or_default();
            frame.clear();
            result?;
        }
        Ok(())
    }

    /// Jinja's `loop` for the item at `index` of `length`.
    fn loop_variable(&mut self, index: usize, length: usize) -> Value {
        let fields = self
            .loop_fields
            .get_or_insert_with(|| LOOP_FIELDS.map(Value::str));
        let (index, length) = (index as i64, length as i64);
        let values = [
            Value::Int(index + 1),
            Value::Int(index),
            Value::Int(length - index),
            Value::Int(length - index - 1),
            Value::Bool(index == 0),
            Value::Bool(index == length - 1),
            Value::Int(length),
        ];
        Value::dict(fields.iter().cloned().zip(values).collect())
    }

    /// Blocks that may or may not run: nothing in them may record a call, and whatever they
    /// assign or may change becomes unknown.
    fn skip<'a>(&mut self, blocks: &[&'a [Node]], env: &mut Env<'a>, reason: &str) -> Run<()> {
        for nodes in blocks {
            let effects = self.effects(nodes, env);
            if effects.records {
                return unknown(reason);
            }
            if effects.returns {
                return unknown_value(reason);
            }
        }
        let taint = |name: &str| {
            if let Some(value) = env.lookup(name) {
                value.taint();
            }
        };
        for nodes in blocks {
            walk_nodes(nodes, &mut |visited| match visited {
                Visited::Expr(Expr::Name(name)) => taint(name),
                Visited::Node(Node::Set(target, _)) => match target {
                    Target::Name(name) | Target::Attribute(name, _) => taint(name),
                    Target::Names(more) => more.iter().for_each(|name| taint(name)),
                },
                Visited::Node(Node::SetBlock(name, _)) => taint(name),
                _ => {}
            });
        }
        for node in blocks.iter().flat_map(|nodes| nodes.iter()) {
            match node {
                Node::Set(Target::Name(name), _) | Node::SetBlock(name, _) => {
                    env.assign(name, Value::Unknown);
                }
                Node::Set(Target::Names(names), _) => {
                    for name in names {
                        env.assign(name, Value::Unknown);
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn assign<'a>(&mut self, target: &'a Target, value: Value, env: &mut Env<'a>) -> Run<()> {
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
                let value = self.bounded(value)?;
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

    fn eval(&mut self, expr: &Expr, env: &mut Env<'_>) -> Run<Value> {
        self.enter()?;
        let result = self.eval_expr(expr, env);
        self.nesting -= 1;
        result
    }

    fn eval_expr(&mut self, expr: &Expr, env: &mut Env<'_>) -> Run<Value> {
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
            Expr::List(items) => {
                let items = self.eval_all(items, env)?;
                self.bounded(Value::list(items))?
            }
            Expr::Tuple(items) => {
                let items = self.eval_all(items, env)?;
                self.bounded(Value::Tuple(Rc::from(items)))?
            }
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
                self.bounded(dict)?
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
    fn unevaluated(&mut self, expr: &Expr, env: &mut Env<'_>) -> Run<Value> {
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

    fn eval_all(&mut self, items: &[Expr], env: &mut Env<'_>) -> Run<Vec<Value>> {
        let mut values = Vec::with_capacity(items.len());
        for item in items {
            values.push(self.eval(item, env)?);
        }
        Ok(values)
    }

    fn arguments(&mut self, args: &[Arg], env: &mut Env<'_>) -> Run<Arguments> {
        let keywords = args
            .iter()
            .filter(|arg| matches!(arg, Arg::Keyword(..)))
            .count();
        let mut positional = Vec::with_capacity(args.len() - keywords);
        let mut keyword = Vec::with_capacity(keywords);
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
            Callable::Local(body) => self.run_body(body, None, positional, keyword, caller, None),
            Callable::Caller(body, captured, within) => {
                self.run_body(body, *within, positional, keyword, None, Some(captured))?;
                Ok(Value::Unknown)
            }
            Callable::Method(receiver, name) => {
                let mut too_deep = false;
                for argument in &positional {
                    too_deep |= matches!(self.bounded(argument.clone())?, Value::Unknown)
                        && !matches!(argument, Value::Unknown);
                }
                if !keyword.is_empty() || (too_deep && operations::is_mutating(name)) {
                    taint_all(&positional, &keyword);
                    receiver.taint();
                    return Ok(Value::Unknown);
                }
                let result = operations::method(receiver, name, &positional);
                self.bounded(result)
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
            return self.run_body(body, Some(index), positional, keyword, caller, None);
        }
        // A macro that records nothing: its value when it can be told, else unknown (and what
        // it was given may have changed: only lists, tuples and dicts can).
        let containers: Vec<Value> = positional
            .iter()
            .chain(keyword.iter().map(|(_, value)| value))
            .filter(|value| value.is_container())
            .cloned()
            .collect();
        let limit = self.limit;
        self.limit = limit.min(self.steps + MAX_OPTIONAL_STEPS);
        let before = self.recorded.len();
        let result = self.run_body(body, Some(index), positional, keyword, caller, None);
        self.limit = limit;
        match result {
            Err(Stop::Unknown { lost: false, .. }) if self.recorded.len() == before => {
                containers.iter().for_each(Value::taint);
                Ok(Value::Unknown)
            }
            other => other,
        }
    }

    /// Runs a macro body with its arguments (and the variables a `{% call %}` body captured);
    /// its value is what it returns (its rendered text, which is not kept, when it returns
    /// nothing).
    fn run_body<'a>(
        &mut self,
        body: &'a MacroBody,
        within: Option<usize>,
        positional: Vec<Value>,
        keyword: Vec<(String, Value)>,
        caller: Option<Value>,
        captured: Option<&'a Captured>,
    ) -> Run<Value> {
        self.calls += 1;
        if self.calls > MAX_CALLS {
            self.calls -= 1;
            return unknown("macro calls nested too deep");
        }
        // Room for the parameters, `varargs` and `kwargs`, and a few `set`s.
        let mut frame = Frame::with_capacity(body.params.len() + 4);
        let mut positional = positional.into_iter();
        let mut keyword = keyword;
        let mut defaults = Vec::new();
        for (name, default) in &body.params {
            let value = if let Some(value) = positional.next() {
                value
            } else if let Some(at) = keyword.iter().position(|(key, _)| key == name) {
                keyword.remove(at).1
            } else if let Some(default) = default {
                defaults.push((name.as_str(), default));
                continue;
            } else {
                Value::Unknown
            };
            bind(&mut frame, name, value);
        }
        if body.uses_extra_arguments {
            bind(&mut frame, "varargs", Value::list(positional.collect()));
            let keyword = keyword.into_iter().map(|(k, v)| (Value::str(&k), v));
            bind(&mut frame, "kwargs", Value::dict(keyword.collect()));
        }
        let mut frames = Vec::with_capacity(captured.map_or(0, Vec::len) + 1);
        for outer in captured.into_iter().flatten() {
            frames.push(
                outer
                    .iter()
                    .map(|(name, value)| (&**name, value.clone()))
                    .collect(),
            );
        }
        frames.push(frame);
        let mut env = Env {
            frames,
            within,
            caller,
        };
        let result = (|| {
            for (name, default) in defaults {
                let value = self.eval(default, &mut env)?;
                env.assign(name, value);
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
}

/// Binds `name` in `frame`, replacing its value if it has one.
fn bind<'a>(frame: &mut Frame<'a>, name: &'a str, value: Value) {
    match frame.iter_mut().find(|(bound, _)| *bound == name) {
        Some(binding) => binding.1 = value,
        None => frame.push((name, value)),
    }
}

/// A `for` loop's parts that each item runs.
struct Loop<'a> {
    target: &'a Target,
    condition: Option<&'a Expr>,
    body: &'a [Node],
    uses_loop: bool,
}

impl Recorded {
    /// How many calls were recorded (config keys counted once).
    pub(super) fn len(&self) -> usize {
        self.refs.len() + self.sources.len() + self.config.len() + self.dynamic_config.len()
    }
}

pub(super) fn taint_all(positional: &[Value], keyword: &[(String, Value)]) {
    for value in positional.iter().chain(keyword.iter().map(|(_, v)| v)) {
        value.taint();
    }
}
