//! Jinja expressions: the tokens and the parser (Jinja's precedence: `if`-`else`, `or`,
//! `and`, `not`, comparisons, `~`, `+`/`-`, `*`/`/`/`//`/`%`, `**`, unary signs, then
//! attributes, subscripts, calls, filters and tests).

use std::borrow::Cow;

/// How deep an expression may nest before it is refused: parsing recurses once per level.
const MAX_DEPTH: usize = 64;

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    Concat,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
}

/// An argument of a call, a filter or a test.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Positional(Expr),
    Keyword(String, Expr),
    /// `*args`, `**kwargs`: spread arguments.
    Spread(Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Const(Const),
    Name(String),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    Attr(Box<Expr>, String),
    Item(Box<Expr>, Box<Expr>),
    Slice(Box<Expr>, [Option<Box<Expr>>; 3]),
    Call(Box<Expr>, Vec<Arg>),
    Filter(Box<Expr>, String, Vec<Arg>),
    Test {
        value: Box<Expr>,
        name: String,
        args: Vec<Arg>,
        negated: bool,
    },
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a < b <= c`: each operator with its right operand.
    Compare(Box<Expr>, Vec<(CmpOp, Expr)>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cond {
        then: Box<Expr>,
        condition: Box<Expr>,
        otherwise: Option<Box<Expr>>,
    },
}

/// A token, borrowing its text from the template's.
#[derive(Debug, Clone, PartialEq)]
pub enum Token<'a> {
    Name(&'a str),
    Str(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Op(&'static str),
}

const OPERATORS: [&str; 26] = [
    "**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", ".", ",", ":",
    "|", "(", ")", "[", "]", "{", "}", ";",
];

/// The tokens of an expression or statement; `Err` on text Jinja would refuse.
pub fn tokenize(text: &str) -> Result<Vec<Token<'_>>, String> {
    let mut tokens = Vec::new();
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let c = bytes[at];
        if c.is_ascii_whitespace() {
            at += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = at;
            while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
                at += 1;
            }
            tokens.push(Token::Name(&text[start..at]));
        } else if c.is_ascii_digit() {
            let start = at;
            while at < bytes.len() && (bytes[at].is_ascii_digit() || bytes[at] == b'_') {
                at += 1;
            }
            let is_float = bytes.get(at) == Some(&b'.')
                && bytes.get(at + 1).is_some_and(|b| b.is_ascii_digit());
            if is_float {
                at += 1;
                while at < bytes.len() && bytes[at].is_ascii_digit() {
                    at += 1;
                }
            }
            let digits = &text[start..at];
            let digits = if digits.contains('_') {
                Cow::Owned(digits.replace('_', ""))
            } else {
                Cow::Borrowed(digits)
            };
            tokens.push(if is_float {
                Token::Float(digits.parse().map_err(|_| "a bad number")?)
            } else {
                Token::Int(digits.parse().map_err(|_| "a number too large")?)
            });
        } else if c == b'\'' || c == b'"' {
            let (string, length) = string_literal(&text[at..])?;
            tokens.push(Token::Str(string));
            at += length;
        } else if let Some(space) = text[at..].chars().next().filter(|c| c.is_whitespace()) {
            // Jinja's lexer skips any Unicode space (`\u{2029}` in a copied query).
            at += space.len_utf8();
        } else {
            let rest = &text[at..];
            let op = OPERATORS
                .iter()
                .find(|op| op.as_bytes()[0] == c && rest.starts_with(**op))
                .ok_or_else(|| format!("the character `{}`", rest.chars().next().unwrap_or(' ')))?;
            tokens.push(Token::Op(op));
            at += op.len();
        }
    }
    Ok(tokens)
}

/// A string at the start of `text`, quoted with its first byte (an ASCII quote), with
/// Python's escapes; and its length.
fn string_literal(text: &str) -> Result<(Cow<'_, str>, usize), String> {
    let unclosed = || "an unclosed string".to_owned();
    let bytes = text.as_bytes();
    let &quote = bytes.first().ok_or_else(unclosed)?;
    // Without escapes, the string is the text between the quotes.
    if let Some(end) = memchr::memchr2(quote, b'\\', &bytes[1..])
        && bytes[1 + end] == quote
    {
        return Ok((Cow::Borrowed(&text[1..1 + end]), end + 2));
    }
    let quote = char::from(quote);
    let mut chars = text.char_indices().skip(1);
    let mut out = String::new();
    while let Some((offset, c)) = chars.next() {
        match c {
            c if c == quote => return Ok((Cow::Owned(out), offset + 1)),
            '\\' => match chars.next().map(|(_, c)| c) {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('\\') => out.push('\\'),
                Some('\'') => out.push('\''),
                Some('"') => out.push('"'),
                Some('\n') => {}
                // Other escapes (`\d` in a regex) keep their backslash, as Python does.
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => break,
            },
            c => out.push(c),
        }
    }
    Err(unclosed())
}

/// Reads expressions from tokens.
pub struct Parser<'a> {
    tokens: &'a [Token<'a>],
    at: usize,
    depth: usize,
}

type Parsed<T> = Result<T, String>;

impl<'a> Parser<'a> {
    pub fn new(tokens: &'a [Token<'a>]) -> Self {
        Parser {
            tokens,
            at: 0,
            depth: 0,
        }
    }

    pub fn peek(&self) -> Option<&Token<'a>> {
        self.tokens.get(self.at)
    }

    pub fn is_done(&self) -> bool {
        self.at >= self.tokens.len()
    }

    fn next(&mut self) -> Option<&Token<'a>> {
        let token = self.tokens.get(self.at);
        self.at += 1;
        token
    }

    pub fn at_op(&self, op: &str) -> bool {
        matches!(self.peek(), Some(Token::Op(o)) if *o == op)
    }

    pub fn at_name(&self, name: &str) -> bool {
        matches!(self.peek(), Some(Token::Name(n)) if *n == name)
    }

    pub fn eat_op(&mut self, op: &str) -> bool {
        let found = self.at_op(op);
        if found {
            self.at += 1;
        }
        found
    }

    pub fn eat_name(&mut self, name: &str) -> bool {
        let found = self.at_name(name);
        if found {
            self.at += 1;
        }
        found
    }

    pub fn expect_op(&mut self, op: &str) -> Parsed<()> {
        if self.eat_op(op) {
            Ok(())
        } else {
            Err(format!("`{op}` expected"))
        }
    }

    pub fn name(&mut self) -> Parsed<String> {
        match self.next() {
            Some(Token::Name(name)) => Ok((*name).to_owned()),
            _ => Err("a name expected".into()),
        }
    }

    /// Everything up to the end must have been read.
    pub fn finish(&self) -> Parsed<()> {
        if self.is_done() {
            Ok(())
        } else {
            Err(format!("unexpected {:?}", self.peek()))
        }
    }

    fn enter(&mut self) -> Parsed<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("an expression nested too deep".into());
        }
        Ok(())
    }

    /// An expression, `a if b else c` included; a bare `a, b` is a tuple.
    pub fn tuple_or_expression(&mut self) -> Parsed<Expr> {
        let first = self.expression()?;
        if !self.at_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.is_done() || self.at_op(")") || self.at_op("=") {
                break;
            }
            items.push(self.expression()?);
        }
        Ok(Expr::Tuple(items))
    }

    /// A `for` loop's iterable: an expression or tuple without `a if b else c`, whose `if`
    /// filters the loop.
    pub fn iterable(&mut self) -> Parsed<Expr> {
        self.enter()?;
        let first = self.or()?;
        let expr = if self.at_op(",") {
            let mut items = vec![first];
            while self.eat_op(",") {
                if self.is_done() || self.at_name("if") {
                    break;
                }
                items.push(self.or()?);
            }
            Expr::Tuple(items)
        } else {
            first
        };
        self.depth -= 1;
        Ok(expr)
    }

    pub fn expression(&mut self) -> Parsed<Expr> {
        self.enter()?;
        let mut expr = self.or()?;
        while self.eat_name("if") {
            let condition = self.or()?;
            let otherwise = if self.eat_name("else") {
                Some(Box::new(self.expression()?))
            } else {
                None
            };
            expr = Expr::Cond {
                then: Box::new(expr),
                condition: Box::new(condition),
                otherwise,
            };
        }
        self.depth -= 1;
        Ok(expr)
    }

    fn or(&mut self) -> Parsed<Expr> {
        let mut left = self.and()?;
        while self.eat_name("or") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Parsed<Expr> {
        let mut left = self.not()?;
        while self.eat_name("and") {
            left = Expr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Parsed<Expr> {
        if self.eat_name("not") {
            self.enter()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.compare()
    }

    fn compare(&mut self) -> Parsed<Expr> {
        let left = self.concat()?;
        let mut chain = Vec::new();
        loop {
            let op = match self.peek() {
                Some(Token::Op("==")) => CmpOp::Eq,
                Some(Token::Op("!=")) => CmpOp::Ne,
                Some(Token::Op("<")) => CmpOp::Lt,
                Some(Token::Op("<=")) => CmpOp::Le,
                Some(Token::Op(">")) => CmpOp::Gt,
                Some(Token::Op(">=")) => CmpOp::Ge,
                Some(Token::Name("in")) => CmpOp::In,
                Some(Token::Name("not"))
                    if matches!(self.tokens.get(self.at + 1), Some(Token::Name("in"))) =>
                {
                    self.at += 1;
                    CmpOp::NotIn
                }
                _ => break,
            };
            self.at += 1;
            chain.push((op, self.concat()?));
        }
        Ok(if chain.is_empty() {
            left
        } else {
            Expr::Compare(Box::new(left), chain)
        })
    }

    fn concat(&mut self) -> Parsed<Expr> {
        let mut left = self.sum()?;
        while self.eat_op("~") {
            left = Expr::Binary(BinOp::Concat, Box::new(left), Box::new(self.sum()?));
        }
        Ok(left)
    }

    fn sum(&mut self) -> Parsed<Expr> {
        let mut left = self.product()?;
        loop {
            let op = if self.eat_op("+") {
                BinOp::Add
            } else if self.eat_op("-") {
                BinOp::Sub
            } else {
                return Ok(left);
            };
            left = Expr::Binary(op, Box::new(left), Box::new(self.product()?));
        }
    }

    fn product(&mut self) -> Parsed<Expr> {
        let mut left = self.power()?;
        loop {
            let op = if self.eat_op("*") {
                BinOp::Mul
            } else if self.eat_op("//") {
                BinOp::FloorDiv
            } else if self.eat_op("/") {
                BinOp::Div
            } else if self.eat_op("%") {
                BinOp::Mod
            } else {
                return Ok(left);
            };
            left = Expr::Binary(op, Box::new(left), Box::new(self.power()?));
        }
    }

    fn power(&mut self) -> Parsed<Expr> {
        let mut left = self.unary()?;
        while self.eat_op("**") {
            left = Expr::Binary(BinOp::Pow, Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Parsed<Expr> {
        self.enter()?;
        let expr = if self.eat_op("-") {
            Expr::Neg(Box::new(self.unary()?))
        } else if self.eat_op("+") {
            self.unary()?
        } else {
            let primary = self.primary()?;
            let postfix = self.postfix(primary)?;
            self.filters(postfix)?
        };
        self.depth -= 1;
        Ok(expr)
    }

    fn primary(&mut self) -> Parsed<Expr> {
        let token = self.next().cloned().ok_or("an expression expected")?;
        Ok(match token {
            Token::Name(name) => match name {
                "true" | "True" => Expr::Const(Const::Bool(true)),
                "false" | "False" => Expr::Const(Const::Bool(false)),
                "none" | "None" => Expr::Const(Const::None),
                _ => Expr::Name(name.to_owned()),
            },
            Token::Str(text) => {
                let mut text = text.into_owned();
                // Adjacent strings are one string, as in Python.
                while let Some(Token::Str(more)) = self.peek() {
                    text.push_str(more);
                    self.at += 1;
                }
                Expr::Const(Const::Str(text))
            }
            Token::Int(value) => Expr::Const(Const::Int(value)),
            Token::Float(value) => Expr::Const(Const::Float(value)),
            Token::Op("(") => {
                if self.eat_op(")") {
                    return Ok(Expr::Tuple(Vec::new()));
                }
                let first = self.expression()?;
                if self.eat_op(")") {
                    return Ok(first);
                }
                let mut items = vec![first];
                while self.eat_op(",") {
                    if self.at_op(")") {
                        break;
                    }
                    items.push(self.expression()?);
                }
                self.expect_op(")")?;
                Expr::Tuple(items)
            }
            Token::Op("[") => Expr::List(self.items("]")?),
            Token::Op("{") => {
                let mut pairs = Vec::new();
                while !self.eat_op("}") {
                    let key = self.expression()?;
                    self.expect_op(":")?;
                    let value = self.expression()?;
                    pairs.push((key, value));
                    if !self.eat_op(",") {
                        self.expect_op("}")?;
                        break;
                    }
                }
                Expr::Dict(pairs)
            }
            other => return Err(format!("unexpected {other:?}")),
        })
    }

    fn items(&mut self, close: &str) -> Parsed<Vec<Expr>> {
        let mut items = Vec::new();
        while !self.eat_op(close) {
            items.push(self.expression()?);
            if !self.eat_op(",") {
                self.expect_op(close)?;
                break;
            }
        }
        Ok(items)
    }

    fn postfix(&mut self, mut expr: Expr) -> Parsed<Expr> {
        loop {
            if self.eat_op(".") {
                let attribute = match self.next() {
                    Some(Token::Name(name)) => (*name).to_owned(),
                    Some(Token::Int(index)) => index.to_string(),
                    _ => return Err("an attribute name expected".into()),
                };
                expr = Expr::Attr(Box::new(expr), attribute);
            } else if self.eat_op("[") {
                expr = self.subscript(expr)?;
            } else if self.eat_op("(") {
                expr = Expr::Call(Box::new(expr), self.arguments()?);
            } else {
                return Ok(expr);
            }
        }
    }

    fn subscript(&mut self, target: Expr) -> Parsed<Expr> {
        let mut parts: [Option<Box<Expr>>; 3] = [None, None, None];
        let mut slot = 0;
        let mut is_slice = false;
        loop {
            if self.eat_op("]") {
                break;
            }
            if self.eat_op(":") {
                is_slice = true;
                slot += 1;
                if slot > 2 {
                    return Err("a bad slice".into());
                }
                continue;
            }
            if parts[slot].is_some() {
                return Err("`]` expected".into());
            }
            parts[slot] = Some(Box::new(self.expression()?));
        }
        if is_slice {
            return Ok(Expr::Slice(Box::new(target), parts));
        }
        let [Some(index), None, None] = parts else {
            return Err("an empty subscript".into());
        };
        Ok(Expr::Item(Box::new(target), index))
    }

    /// Call arguments, after the `(`, up to and including the `)`.
    pub fn arguments(&mut self) -> Parsed<Vec<Arg>> {
        let mut args = Vec::new();
        while !self.eat_op(")") {
            if self.eat_op("**") || self.eat_op("*") {
                args.push(Arg::Spread(self.expression()?));
            } else if let (Some(Token::Name(name)), Some(Token::Op("="))) =
                (self.peek().cloned(), self.tokens.get(self.at + 1))
            {
                self.at += 2;
                args.push(Arg::Keyword(name.to_owned(), self.expression()?));
            } else {
                args.push(Arg::Positional(self.expression()?));
            }
            if !self.eat_op(",") {
                self.expect_op(")")?;
                break;
            }
        }
        Ok(args)
    }

    fn filters(&mut self, mut expr: Expr) -> Parsed<Expr> {
        loop {
            if self.eat_op("|") {
                let name = self.dotted_name()?;
                let args = if self.eat_op("(") {
                    self.arguments()?
                } else {
                    Vec::new()
                };
                expr = Expr::Filter(Box::new(expr), name, args);
            } else if self.eat_name("is") {
                let negated = self.eat_name("not");
                let name = match self.next() {
                    Some(Token::Name(name)) => (*name).to_owned(),
                    Some(Token::Op("==")) => "eq".into(),
                    _ => return Err("a test name expected".into()),
                };
                let args = if self.eat_op("(") {
                    self.arguments()?
                } else if matches!(
                    self.peek(),
                    Some(Token::Str(_) | Token::Int(_) | Token::Float(_))
                ) || matches!(self.peek(), Some(Token::Name(n)) if !["and", "or", "else", "if", "is", "in", "not"].contains(n))
                {
                    // `x is divisibleby 3`, `x is sameas none`: one argument without parentheses.
                    vec![Arg::Positional(self.primary()?)]
                } else {
                    Vec::new()
                };
                expr = Expr::Test {
                    value: Box::new(expr),
                    name,
                    args,
                    negated,
                };
            } else {
                return Ok(expr);
            }
        }
    }

    fn dotted_name(&mut self) -> Parsed<String> {
        let mut name = self.name()?;
        while self.eat_op(".") {
            name.push('.');
            name.push_str(&self.name()?);
        }
        Ok(name)
    }
}

/// Parses one whole expression.
#[cfg(test)]
pub fn parse_expression(text: &str) -> Parsed<Expr> {
    let tokens = tokenize(text)?;
    let mut parser = Parser::new(&tokens);
    let expr = parser.tuple_or_expression()?;
    parser.finish()?;
    Ok(expr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizes_names_strings_and_operators() {
        let tokens = tokenize("x.y // 2 ** 'it''s' ~ \"a\\tb\"\u{2029}!= 'c\\'d' 'é'").unwrap();
        assert_eq!(
            tokens,
            [
                Token::Name("x"),
                Token::Op("."),
                Token::Name("y"),
                Token::Op("//"),
                Token::Int(2),
                Token::Op("**"),
                Token::Str("it".into()),
                Token::Str("s".into()),
                Token::Op("~"),
                Token::Str("a\tb".into()),
                Token::Op("!="),
                Token::Str("c'd".into()),
                Token::Str("é".into()),
            ]
        );
        assert!(tokenize("'open").is_err());
        assert!(tokenize("'open\\'").is_err());
        assert!(tokenize("a $ b").is_err());
    }

    #[test]
    fn parses_with_jinja_precedence() {
        let expr = parse_expression("a ~ b + 1 if not c else d | lower").unwrap();
        let Expr::Cond {
            then, otherwise, ..
        } = expr
        else {
            panic!("{expr:?}")
        };
        assert!(matches!(*then, Expr::Binary(BinOp::Concat, _, _)));
        assert!(matches!(otherwise.as_deref(), Some(Expr::Filter(_, name, _)) if name == "lower"));
        let expr = parse_expression("x | length > 0 and y is not none").unwrap();
        assert!(matches!(expr, Expr::And(_, _)));
        let expr = parse_expression("ref(t[1], v=2)[0:2]").unwrap();
        assert!(matches!(expr, Expr::Slice(_, _)));
        assert!(
            parse_expression("'a' 'b'").is_ok_and(|e| e == Expr::Const(Const::Str("ab".into())))
        );
        assert!(parse_expression("a b").is_err());
        assert!(parse_expression(&"(".repeat(200)).is_err());
        assert!(parse_expression(&"not ".repeat(200)).is_err());
    }
}
