//! A template's statements as a tree: `{{ }}` outputs, `if`, `for`, `set`, `do`, `macro`,
//! `call` and `filter` blocks. The text between them is left out: only what the statements do
//! matters to what dbt records while it parses.

use std::sync::Arc;

use super::effects::{Visited, walk_nodes};
use super::expr::{Expr, Parser, Token, tokenize};
use crate::dbt::jinja::{jinja_blocks, strip_comments};

/// How deep blocks may nest before a template is refused: parsing recurses once per block.
const MAX_NESTING: usize = 64;

/// What `set` and `for` assign to.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Name(String),
    Names(Vec<String>),
    /// `{% set ns.count = 1 %}`: an attribute of a `namespace()`.
    Attribute(String, String),
}

/// A macro defined with `{% macro %}` (or called back with `caller()`).
#[derive(Debug)]
pub struct MacroBody {
    pub name: String,
    pub params: Vec<(String, Option<Expr>)>,
    pub body: Vec<Node>,
    /// Whether the body names `varargs` or `kwargs`: a call binds them only then, since
    /// nothing else can tell them apart from unbound names.
    pub uses_extra_arguments: bool,
}

impl MacroBody {
    fn new(name: String, params: Vec<(String, Option<Expr>)>, body: Vec<Node>) -> Self {
        let uses_extra_arguments = names_any(&body, &["varargs", "kwargs"]);
        MacroBody {
            name,
            params,
            body,
            uses_extra_arguments,
        }
    }
}

#[derive(Debug)]
pub enum Node {
    Output(Expr),
    If {
        branches: Vec<(Expr, Vec<Node>)>,
        otherwise: Vec<Node>,
    },
    For {
        target: Target,
        iterable: Expr,
        condition: Option<Expr>,
        body: Vec<Node>,
        otherwise: Vec<Node>,
        /// Whether the body names `loop`: each iteration builds it only then.
        uses_loop: bool,
    },
    Set(Target, Expr),
    /// `{% set name %}...{% endset %}`: the rendered text, which is not kept.
    SetBlock(String, Vec<Node>),
    Do(Expr),
    Macro(Arc<MacroBody>),
    /// `{% call name(args) %}body{% endcall %}`: the body is the callee's `caller()`.
    Call {
        call: Expr,
        caller: Arc<MacroBody>,
    },
    /// `{% filter upper %}...{% endfilter %}`: the body renders in place.
    Block(Vec<Node>),
}

/// One `{{ }}` or `{% %}` of the template, as tokens.
enum Piece<'a> {
    Output(Vec<Token<'a>>),
    Statement(&'a str, Vec<Token<'a>>),
}

/// Parses a template (comments and raw blocks left out).
pub fn parse_template(code: &str) -> Result<Vec<Node>, String> {
    let code = strip_comments(code);
    let pieces = pieces(&code)?;
    let mut reader = Reader {
        pieces: &pieces,
        at: 0,
        depth: 0,
    };
    let (nodes, end) = reader.nodes(&[])?;
    match end {
        None => Ok(nodes),
        Some(keyword) => Err(format!("an unexpected `{keyword}`")),
    }
}

/// The blocks of a template without its comments.
fn pieces(code: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut pieces = Vec::new();
    let mut raw = false;
    for block in jinja_blocks(code) {
        let inner = &code[block.inner];
        let inner = inner.strip_prefix(['-', '+']).unwrap_or(inner);
        let inner = inner.strip_suffix(['-', '+']).unwrap_or(inner);
        if !block.is_statement {
            if !raw {
                pieces.push(Piece::Output(tokenize(inner)?));
            }
            continue;
        }
        let statement = inner.trim();
        let keyword_end = statement
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(statement.len());
        let keyword = &statement[..keyword_end];
        if raw {
            raw = keyword != "endraw";
            continue;
        }
        if keyword == "raw" {
            raw = true;
            continue;
        }
        pieces.push(Piece::Statement(
            keyword,
            tokenize(&statement[keyword_end..])?,
        ));
    }
    Ok(pieces)
}

struct Reader<'a> {
    pieces: &'a [Piece<'a>],
    at: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    /// Reads nodes up to one of `ends` (returned with its tokens' position), or the end.
    fn nodes(&mut self, ends: &[&str]) -> Result<(Vec<Node>, Option<&'a str>), String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err("blocks nested too deep".into());
        }
        let mut nodes = Vec::new();
        while let Some(piece) = self.pieces.get(self.at) {
            self.at += 1;
            let (keyword, tokens) = match piece {
                Piece::Output(tokens) => {
                    nodes.push(Node::Output(whole(tokens, |p| p.tuple_or_expression())?));
                    continue;
                }
                Piece::Statement(keyword, tokens) => (*keyword, tokens),
            };
            if ends.contains(&keyword) {
                self.depth -= 1;
                return Ok((nodes, Some(keyword)));
            }
            nodes.push(self.statement(keyword, tokens)?);
        }
        self.depth -= 1;
        Ok((nodes, None))
    }

    /// The tokens of the statement just read.
    fn tokens(&self) -> &'a [Token<'a>] {
        match self.pieces.get(self.at.wrapping_sub(1)) {
            Some(Piece::Statement(_, tokens)) => tokens,
            _ => &[],
        }
    }

    fn expect_end(&mut self, ends: &[&str]) -> Result<(Vec<Node>, &'a str), String> {
        match self.nodes(ends)? {
            (nodes, Some(end)) => Ok((nodes, end)),
            (_, None) => Err(format!("`{}` missing", ends.join("` or `"))),
        }
    }

    fn statement(&mut self, keyword: &str, tokens: &[Token<'_>]) -> Result<Node, String> {
        Ok(match keyword {
            "if" => {
                let mut branches = Vec::new();
                let mut condition = whole(tokens, |p| p.tuple_or_expression())?;
                loop {
                    let (body, end) = self.expect_end(&["elif", "else", "endif"])?;
                    branches.push((condition, body));
                    match end {
                        "elif" => condition = whole(self.tokens(), |p| p.tuple_or_expression())?,
                        "else" => {
                            let (otherwise, _) = self.expect_end(&["endif"])?;
                            break Node::If {
                                branches,
                                otherwise,
                            };
                        }
                        _ => {
                            break Node::If {
                                branches,
                                otherwise: Vec::new(),
                            };
                        }
                    }
                }
            }
            "for" => {
                let mut parser = Parser::new(tokens);
                let target = target(&mut parser)?;
                if !parser.eat_name("in") {
                    return Err("`in` expected".into());
                }
                let iterable = parser.iterable()?;
                let condition = if parser.eat_name("if") {
                    Some(parser.expression()?)
                } else {
                    None
                };
                if parser.eat_name("recursive") {
                    return Err("a recursive loop".into());
                }
                parser.finish()?;
                let (body, end) = self.expect_end(&["else", "endfor"])?;
                let otherwise = if end == "else" {
                    self.expect_end(&["endfor"])?.0
                } else {
                    Vec::new()
                };
                Node::For {
                    target,
                    iterable,
                    condition,
                    uses_loop: names_any(&body, &["loop"]),
                    body,
                    otherwise,
                }
            }
            "set" => {
                let mut parser = Parser::new(tokens);
                let target = target(&mut parser)?;
                if parser.eat_op("=") {
                    let value = parser.tuple_or_expression()?;
                    parser.finish()?;
                    Node::Set(target, value)
                } else {
                    parser.finish()?;
                    let Target::Name(name) = target else {
                        return Err("a block `set` of several names".into());
                    };
                    Node::SetBlock(name, self.expect_end(&["endset"])?.0)
                }
            }
            "do" => Node::Do(whole(tokens, |p| p.tuple_or_expression())?),
            "macro" => {
                let mut parser = Parser::new(tokens);
                let name = parser.name()?;
                parser.expect_op("(")?;
                let params = params(&mut parser)?;
                parser.finish()?;
                let body = self.expect_end(&["endmacro"])?.0;
                Node::Macro(Arc::new(MacroBody::new(name, params, body)))
            }
            "call" => {
                let mut parser = Parser::new(tokens);
                let params = if parser.eat_op("(") {
                    params(&mut parser)?
                } else {
                    Vec::new()
                };
                let call = parser.expression()?;
                parser.finish()?;
                let body = self.expect_end(&["endcall"])?.0;
                Node::Call {
                    call,
                    caller: Arc::new(MacroBody::new("caller".into(), params, body)),
                }
            }
            "filter" => Node::Block(self.expect_end(&["endfilter"])?.0),
            other => return Err(format!("the `{other}` statement")),
        })
    }
}

/// Whether any expression in `nodes` (nested macros and `call` bodies included) is one of
/// these names.
fn names_any(nodes: &[Node], names: &[&str]) -> bool {
    let mut found = false;
    walk_nodes(nodes, &mut |visited| {
        if let Visited::Expr(Expr::Name(name)) = visited {
            found |= names.contains(&name.as_str());
        }
    });
    found
}

fn whole<T>(
    tokens: &[Token<'_>],
    read: impl FnOnce(&mut Parser<'_>) -> Result<T, String>,
) -> Result<T, String> {
    let mut parser = Parser::new(tokens);
    let value = read(&mut parser)?;
    parser.finish()?;
    Ok(value)
}

/// `name`, `a, b`, `(a, b)` or `ns.attribute`.
fn target(parser: &mut Parser<'_>) -> Result<Target, String> {
    let parenthesized = parser.eat_op("(");
    let first = parser.name()?;
    if !parenthesized && parser.eat_op(".") {
        return Ok(Target::Attribute(first, parser.name()?));
    }
    let mut names = vec![first];
    while parser.eat_op(",") {
        if parser.at_op(")") {
            break;
        }
        names.push(parser.name()?);
    }
    if parenthesized {
        parser.expect_op(")")?;
    }
    Ok(if names.len() == 1 && !parenthesized {
        Target::Name(names.remove(0))
    } else {
        Target::Names(names)
    })
}

/// A macro's parameters, after the `(`, up to and including the `)`.
fn params(parser: &mut Parser<'_>) -> Result<Vec<(String, Option<Expr>)>, String> {
    let mut params = Vec::new();
    while !parser.eat_op(")") {
        let name = parser.name()?;
        let default = if parser.eat_op("=") {
            Some(parser.expression()?)
        } else {
            None
        };
        params.push((name, default));
        if !parser.eat_op(",") {
            parser.expect_op(")")?;
            break;
        }
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_statement_tree() {
        let nodes = parse_template(
            "{% macro m(a, b=[1]) %}{% for x, y in a if x %}{{ y }}{% else %}none{% endfor %}\
             {% endmacro %}{# {% if %} #}{% raw %}{% if %}{% endraw %}\
             {%- set t %}{{ ref('a') }}{% endset -%}{% call m(1) %}c{% endcall %}",
        )
        .unwrap();
        assert_eq!(nodes.len(), 3);
        let Node::Macro(body) = &nodes[0] else {
            panic!("{nodes:?}")
        };
        assert_eq!(body.params.len(), 2);
        assert!(
            matches!(&body.body[0], Node::For { target: Target::Names(n), .. } if n.len() == 2)
        );
        assert!(matches!(&nodes[1], Node::SetBlock(name, _) if name == "t"));
        assert!(parse_template("{% if a %}").is_err());
        assert!(parse_template("{% include 'x' %}").is_err());
        assert!(parse_template(&"{% if a %}".repeat(100)).is_err());
    }
}
