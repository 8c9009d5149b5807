//! Python literals as Jinja writes them in call arguments (`ref('orders', v=2)`,
//! `config(materialized='table', tags=['a'])`): strings, numbers, `True`/`False`/`None`, lists,
//! tuples and dicts. Anything else (a variable, a call, an operator) is not a literal: what it
//! holds is known only when dbt renders the template.

use serde_json::{Map, Value};

/// The arguments of one call. An argument that is not a literal is `None`: its value is known
/// only when dbt renders the template.
#[derive(Debug, Default, PartialEq)]
pub struct CallArgs {
    pub positional: Vec<Option<Value>>,
    pub keyword: Vec<(String, Option<Value>)>,
}

impl CallArgs {
    /// A keyword argument: `None` when absent, `Some(None)` when not a literal.
    pub fn keyword(&self, name: &str) -> Option<Option<&Value>> {
        self.keyword
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_ref())
    }

    /// Whether every argument is a literal.
    pub fn all_literal(&self) -> bool {
        self.positional.iter().all(Option::is_some)
            && self.keyword.iter().all(|(_, value)| value.is_some())
    }
}

/// Reads the arguments of a call from `text`, which starts just after its `(`. Returns the
/// arguments and the length read up to and including the closing `)`; `None` when the call
/// does not close.
pub fn call_args(text: &str) -> Option<(CallArgs, usize)> {
    let mut parser = Parser { text, at: 0 };
    let mut args = CallArgs::default();
    loop {
        parser.skip_space();
        if parser.eat(')') {
            return Some((args, parser.at));
        }
        let keyword = parser.keyword_name();
        let start = parser.at;
        let value = parser.value(0);
        if value.is_none() {
            parser.at = start;
            parser.skip_expression()?;
        }
        match keyword {
            Some(name) => args.keyword.push((name, value)),
            None => args.positional.push(value),
        }
        parser.skip_space();
        if !parser.eat(',') {
            parser.skip_space();
            return parser.eat(')').then_some((args, parser.at));
        }
    }
}

/// How deep literals may nest (a list of dicts of lists ...).
const MAX_DEPTH: usize = 32;

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.text[self.at..]
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, c: char) -> bool {
        if self.rest().starts_with(c) {
            self.at += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// `name=` (not `==`) at the current position: consumed, and the name returned.
    fn keyword_name(&mut self) -> Option<String> {
        let rest = self.rest();
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 || rest.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        let after = rest[len..].trim_start();
        if after.starts_with('=') && !after.starts_with("==") {
            let name = rest[..len].to_owned();
            self.at += len + (rest[len..].len() - after.len()) + 1;
            Some(name)
        } else {
            None
        }
    }

    /// Skips an expression up to the `,` or `)` that ends it (strings and brackets kept whole).
    fn skip_expression(&mut self) -> Option<()> {
        let mut depth = 0usize;
        let mut chars = self.rest().char_indices();
        let mut quote: Option<char> = None;
        while let Some((offset, c)) = chars.next() {
            match (quote, c) {
                (Some(_), '\\') => {
                    chars.next();
                }
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '(' | '[' | '{') => depth += 1,
                (None, ',' | ')') if depth == 0 => {
                    self.at += offset;
                    return Some(());
                }
                (None, ')' | ']' | '}') => depth = depth.checked_sub(1)?,
                _ => {}
            }
        }
        None
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_space();
        let value = match self.rest().chars().next()? {
            '\'' | '"' => Value::String(self.string()?),
            '[' => Value::Array(self.items(']', depth)?),
            '(' => Value::Array(self.items(')', depth)?),
            '{' => self.dict(depth)?,
            _ => self.scalar()?,
        };
        self.skip_space();
        // `'a' ~ b`, `x + 1`, `'a'.upper()`, `'a' if c else 'b'`: not a literal.
        let rest = self.rest();
        let ends = rest.starts_with([',', ')', ']', '}', ':']);
        ends.then_some(value)
    }

    fn string(&mut self) -> Option<String> {
        let quote = self.rest().chars().next()?;
        self.at += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((offset, c)) = chars.next() {
            match c {
                c if c == quote => {
                    self.at += offset + 1;
                    return Some(out);
                }
                '\\' => match chars.next()?.1 {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    other => out.push(other),
                },
                c => out.push(c),
            }
        }
        None
    }

    fn items(&mut self, close: char, depth: usize) -> Option<Vec<Value>> {
        self.at += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space();
            if self.eat(close) {
                return Some(items);
            }
            items.push(self.value(depth + 1)?);
            self.skip_space();
            if !self.eat(',') {
                self.skip_space();
                return self.eat(close).then_some(items);
            }
        }
    }

    fn dict(&mut self, depth: usize) -> Option<Value> {
        self.at += 1;
        let mut map = Map::new();
        loop {
            self.skip_space();
            if self.eat('}') {
                return Some(Value::Object(map));
            }
            let key = match self.value(depth + 1)? {
                Value::String(key) => key,
                other => other.to_string(),
            };
            self.skip_space();
            if !self.eat(':') {
                return None;
            }
            let value = self.value(depth + 1)?;
            map.insert(key, value);
            self.skip_space();
            if !self.eat(',') {
                self.skip_space();
                return self.eat('}').then_some(Value::Object(map));
            }
        }
    }

    fn scalar(&mut self) -> Option<Value> {
        let rest = self.rest();
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '+')))
            .unwrap_or(rest.len());
        let word = &rest[..len];
        let value = match word {
            "True" | "true" => Value::Bool(true),
            "False" | "false" => Value::Bool(false),
            "None" | "none" => Value::Null,
            number => {
                if let Ok(int) = number.parse::<i64>() {
                    Value::from(int)
                } else {
                    Value::from(number.parse::<f64>().ok()?)
                }
            }
        };
        self.at += len;
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_literal_arguments() {
        let (args, len) = call_args("'orders', v=2) }}").unwrap();
        assert_eq!(args.positional, [Some(json!("orders"))]);
        assert_eq!(args.keyword("v"), Some(Some(&json!(2))));
        assert_eq!(len, "'orders', v=2)".len());
        let (args, _) =
            call_args("materialized = \"table\", tags=['a', \"b\"], meta={'x': [1, True]})")
                .unwrap();
        assert_eq!(args.keyword("tags"), Some(Some(&json!(["a", "b"]))));
        assert_eq!(args.keyword("meta"), Some(Some(&json!({"x": [1, true]}))));
        assert!(args.all_literal());
        assert_eq!(call_args(")").unwrap().0, CallArgs::default());
    }

    #[test]
    fn expressions_are_not_literals() {
        for text in [
            "model_name)",
            "'a' ~ suffix)",
            "var('x'))",
            "materialized=('table' if x else 'view'))",
            "enabled=target.name == 'prod')",
        ] {
            let (args, len) = call_args(text).unwrap();
            assert!(!args.all_literal(), "{text}");
            assert_eq!(len, text.len(), "{text}");
        }
        let (args, _) = call_args("materialized='table', schema=var('s', 'x'))").unwrap();
        assert_eq!(args.keyword("materialized"), Some(Some(&json!("table"))));
        assert_eq!(args.keyword("schema"), Some(None));
        assert!(call_args("'unclosed'").is_none());
    }
}
