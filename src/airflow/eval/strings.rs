//! String literals, f-strings, escapes, and `%` / `.format` formatting.

use tree_sitter::Node;

use super::Evaluator;
use super::dates;
use crate::airflow::grammar::{EXPRESSION, Syntax};
use crate::airflow::value::{Item, Text, Value};
use crate::airflow::walk::{self, named_children};
use crate::source::Span;

impl<'t> Evaluator<'t> {
    /// `"a" "b"`: adjacent literals, one string.
    pub(super) fn concatenated_string(&self, node: Node) -> Value {
        let mut text = Text::default();
        for part in named_children(node) {
            match self.string(part) {
                Value::Str(piece) => text.push(piece),
                other => return other,
            }
        }
        Value::Str(text)
    }

    pub(super) fn string(&self, node: Node) -> Value {
        if node.kind_name() != "string" {
            return self.eval_value(node);
        }
        if let Some(plain) = self.plain_string(node) {
            return plain;
        }
        self.walked_string(node)
    }

    /// A `string` node read from its children: prefix, contents, escapes, interpolations.
    fn walked_string(&self, node: Node) -> Value {
        let children = walk::children(node);
        let prefix = children
            .first()
            .filter(|c| c.kind_name() == "string_start")
            .map(|c| {
                self.text(*c)
                    .trim_end_matches(['"', '\''])
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        if prefix.contains('b') {
            return Value::Unknown("a bytes literal".into());
        }
        let raw = prefix.contains('r');
        let formatted = prefix.contains('f');
        let mut text = Text::default();
        for child in children {
            match child.kind_name() {
                "string_content" => text.push(self.string_content(child, raw, formatted)),
                "interpolation" => text.push(self.interpolation(child)),
                _ => {}
            }
        }
        if text.render().is_empty() {
            // Keep the span of an empty literal, for labels pointing at `""`.
            return Value::Str(Text::literal("", self.span(node), false));
        }
        Value::Str(text)
    }

    /// A string literal without prefix, escapes or line breaks (`"model"`, `'tag:daily'`),
    /// read from its text: what walking its children gives, without the walk (a DAG file that
    /// loops over a manifest's nodes compares each with such literals).
    fn plain_string(&self, node: Node) -> Option<Value> {
        let text = self.text(node);
        let quote = text.chars().next().filter(|c| matches!(c, '"' | '\''))?;
        let inner = text.strip_prefix(quote)?.strip_suffix(quote)?;
        if inner.is_empty() || inner.contains([quote, '\\', '\n', '\r']) {
            return None;
        }
        let start = node.start_byte() as u32 + 1;
        let span = Span::new(self.source.clone(), start..start + inner.len() as u32);
        Some(Value::Str(Text::literal(inner, span, true)))
    }

    /// A literal part of a string; exact (1:1 with the source) when it has no escapes.
    fn string_content(&self, node: Node, raw: bool, formatted: bool) -> Text {
        let span = self.span(node);
        let source = self.text(node);
        let escapes: Vec<Node> = named_children(node)
            .into_iter()
            .filter(|c| {
                c.kind_name() == "escape_sequence"
                    || (formatted && c.kind_name() == "escape_interpolation")
            })
            .collect();
        if raw || escapes.is_empty() {
            return Text::literal(source, span, true);
        }
        let mut decoded = String::with_capacity(source.len());
        let mut at = node.start_byte();
        for escape in escapes {
            decoded.push_str(&self.source.text()[at..escape.start_byte()]);
            decoded.push_str(&decode_escape(self.text(escape)));
            at = escape.end_byte();
        }
        decoded.push_str(&self.source.text()[at..node.end_byte()]);
        Text::literal(decoded, span, false)
    }

    fn interpolation(&self, node: Node) -> Text {
        let span = self.span(node);
        let Some(expression) = node.field(&EXPRESSION) else {
            return Text::unknown(span);
        };
        let item = self.eval(expression);
        let mut spec = None;
        for child in named_children(node) {
            match child.kind_name() {
                "format_specifier" => {
                    spec = Some(self.text(child).trim_start_matches(':').to_owned());
                }
                // `{x!r}` quotes strings; `!s` changes nothing monolint reads.
                "type_conversion" if self.text(child) != "!s" => return Text::unknown(span),
                _ => {}
            }
        }
        if let Some(spec) = spec.filter(|spec| !spec.is_empty()) {
            return match formatted(&item.value, &spec) {
                Some(text) => Text::literal(text, span, false),
                None => Text::unknown(span),
            };
        }
        match item.value {
            Value::Str(text) => text,
            Value::Int(n) => Text::literal(n.to_string(), span, false),
            Value::Float(x) => Text::literal(x.to_string(), span, false),
            Value::Bool(flag) => Text::literal(if flag { "True" } else { "False" }, span, false),
            Value::None => Text::literal("None", span, false),
            ref value @ Value::Call(_) => match dates::display(value) {
                Some(text) => Text::literal(text, span, false),
                None => Text::unknown(span),
            },
            _ => Text::unknown(span),
        }
    }
}

/// `"{} {name} {0}".format(...)` with plain fields (no format specs).
pub(super) fn format_braces(
    template: &str,
    args: &[Item],
    kwargs: &[(String, Item)],
) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    let mut next_positional = 0;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        // A lone `}`: Python raises "Single '}' encountered in format string".
        if tail.starts_with('}') {
            return None;
        }
        let close = tail.find('}')?;
        let (field, spec) = tail[1..close]
            .split_once(':')
            .unwrap_or((&tail[1..close], ""));
        if field.contains('!') {
            // `{name!r}`: conversions are not modelled.
            return None;
        }
        let item = if field.is_empty() {
            next_positional += 1;
            args.get(next_positional - 1)?
        } else if let Ok(index) = field.parse::<usize>() {
            args.get(index)?
        } else {
            &kwargs.iter().rev().find(|(k, _)| k == field)?.1
        };
        let text = if spec.is_empty() {
            scalar_text(&item.value)?
        } else {
            formatted(&item.value, spec)?
        };
        out.push_str(&text);
        rest = &tail[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// `"%s and %d" % (a, b)` and `"%(name)s" % {...}`.
pub(super) fn format_percent(template: &str, args: &Value) -> Option<String> {
    let positional: Vec<&Item> = match args {
        Value::List(items) => items.iter().collect(),
        Value::Dict(_) => Vec::new(),
        _ => Vec::new(),
    };
    let single = (!matches!(args, Value::List(_) | Value::Dict(_)))
        .then(|| scalar_text(args))
        .flatten();
    let mut out = String::new();
    let mut chars = template.char_indices().peekable();
    let mut next = 0;
    while let Some((i, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let rest = &template[i + 1..];
        if rest.starts_with('%') {
            out.push('%');
            chars.next();
            continue;
        }
        if let Some(named) = rest.strip_prefix('(') {
            let close = named.find(')')?;
            let key = &named[..close];
            out.push_str(&scalar_text(&args.get(key)?.value)?);
            // Skip `(key)` and the conversion letter.
            for _ in 0..close + 3 {
                chars.next();
            }
            continue;
        }
        let text = match &single {
            Some(text) if next == 0 => text.clone(),
            _ => scalar_text(&positional.get(next)?.value)?,
        };
        next += 1;
        out.push_str(&text);
        chars.next();
    }
    Some(out)
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Str(text) => text.known(),
        Value::Int(n) => Some(n.to_string()),
        Value::Float(x) => Some(x.to_string()),
        Value::Bool(flag) => Some(if *flag { "True" } else { "False" }.to_owned()),
        Value::None => Some("None".to_owned()),
        value @ Value::Call(_) => dates::display(value),
        _ => None,
    }
}

fn decode_escape(escape: &str) -> String {
    let body = &escape[1.min(escape.len())..];
    match body {
        "n" => "\n".into(),
        "t" => "\t".into(),
        "r" => "\r".into(),
        "0" => "\0".into(),
        "\\" => "\\".into(),
        "'" => "'".into(),
        "\"" => "\"".into(),
        "\n" => String::new(),
        "{" | "}" => body.into(),
        _ if escape == "{{" => "{".into(),
        _ if escape == "}}" => "}".into(),
        _ => {
            let hex = body
                .strip_prefix('x')
                .or(body.strip_prefix('u'))
                .or(body.strip_prefix('U'));
            hex.and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(char::from_u32)
                .map_or_else(|| escape.to_owned(), String::from)
        }
    }
}

/// A value under an f-string or `format` spec: integers padded (`02d`, `>3`, `03`), dates
/// through `strftime` (`{day:%Y-%m}`); `None` for specs monolint does not model.
pub(super) fn formatted(value: &Value, spec: &str) -> Option<String> {
    match value {
        Value::Int(n) => {
            let spec = spec.strip_suffix('d').unwrap_or(spec);
            let (fill, align, width) = match spec.as_bytes() {
                [b'0', rest @ ..] => ('0', '>', std::str::from_utf8(rest).ok()?),
                [b'>', rest @ ..] => (' ', '>', std::str::from_utf8(rest).ok()?),
                [b'<', rest @ ..] => (' ', '<', std::str::from_utf8(rest).ok()?),
                _ => (' ', '>', spec),
            };
            let width: usize = if width.is_empty() {
                0
            } else {
                width.parse().ok()?
            };
            let digits = n.unsigned_abs().to_string();
            let sign = if *n < 0 { "-" } else { "" };
            let body_width = width.saturating_sub(sign.len());
            Some(match (fill, align) {
                ('0', _) => format!("{sign}{digits:0>body_width$}"),
                (_, '<') => format!("{:<width$}", format!("{sign}{digits}")),
                _ => format!("{:>width$}", format!("{sign}{digits}")),
            })
        }
        Value::Call(_) => dates::Moment::of(value)?.format(spec),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::format_braces;
    use crate::airflow::eval::Evaluator;
    use crate::airflow::grammar::Syntax;
    use crate::airflow::value::Value;
    use crate::source::SourceFile;

    #[test]
    fn plain_strings_read_from_their_text_as_from_their_children() {
        let code = r#"a = "model"
b = 'tag:daily'
c = "ünïcode ✓"
d = ""
e = "tab\tescape"
f = f"x{a}"
g = r"raw"
h = """triple"""
i = 'it"s'
j = b"bytes"
"#;
        let tree = crate::airflow::grammar::parse(code);
        let evaluator = Evaluator::new(SourceFile::new("d.py", code), None);
        let mut plain = Vec::new();
        let mut stack = vec![tree.root_node()];
        while let Some(node) = stack.pop() {
            stack.extend(node.children(&mut node.walk()));
            if node.kind_name() != "string" {
                continue;
            }
            let Some(Value::Str(fast)) = evaluator.plain_string(node) else {
                continue;
            };
            let Value::Str(walked) = evaluator.walked_string(node) else {
                panic!(
                    "{} reads as a string from its children",
                    evaluator.text(node)
                );
            };
            assert_eq!(fast.render(), walked.render());
            let whole = 0..fast.render().len();
            let range = |text: &crate::airflow::value::Text| {
                text.span_of(whole.clone())
                    .map(|span| (span.start, span.end))
            };
            assert_eq!(range(&fast), range(&walked));
            plain.push(fast.render());
        }
        plain.sort();
        assert_eq!(plain, ["it\"s", "model", "tag:daily", "ünïcode ✓"]);
    }

    #[test]
    fn format_strings_python_rejects_are_unknown() {
        assert_eq!(
            format_braces("a {{}} b", &[], &[]).as_deref(),
            Some("a {} b")
        );
        // Python: "Single '}' encountered in format string" / "expected '}' before end".
        assert_eq!(format_braces("--select } --dir {}", &[], &[]), None);
        assert_eq!(format_braces("}", &[], &[]), None);
        assert_eq!(format_braces("{", &[], &[]), None);
    }
}
