//! Values the static evaluator computes from DAG code, each remembering the source text it
//! came from, so a selector built from constants still points at the literal that holds it.

use std::ops::Range;
use std::sync::Arc;

use crate::source::{Span, Spanned};

/// Stands in a [`Text`] for a part whose value is not known statically.
pub const UNKNOWN_MARK: char = '\u{FFFC}';

/// An evaluated Python expression. What cannot be known is `Unknown`, never guessed.
#[derive(Debug, Clone)]
pub enum Value {
    Str(Text),
    Int(i64),
    Float(f64),
    Bool(bool),
    None,
    /// Shared, as a dict is: lists are copied wherever their name is used (a DAG file's
    /// secrets or task lists), and changed far less often (`Arc::make_mut`).
    List(Arc<Vec<Item>>),
    /// Shared: a dict is read far more than it is changed, and some are large (a manifest
    /// loaded by a DAG file); a change copies it first (`Arc::make_mut`).
    Dict(Arc<Vec<(Item, Item)>>),
    /// A call the evaluator does not fold (an operator, `timedelta(...)`, `RenderConfig(...)`).
    Call(Box<Call>),
    /// A dotted name resolved through the imports: `cosmos.constants.LoadMode.DBT_MANIFEST`.
    Path(String),
    /// A DAG defined in the same file (index into its DAGs).
    Dag(usize),
    /// A task defined in the same file (index into its tasks).
    Task(usize),
    /// An object of a class defined in the repository that is not an operator (a helper
    /// holding the dbt project's paths, a manifest reader).
    Instance(Arc<Instance>),
    Unknown(String),
}

/// An object of a repository class: the class's dotted path and its attributes as its
/// `__init__` set them (class attributes are read from the class itself).
#[derive(Debug, Clone)]
pub struct Instance {
    pub class: String,
    pub attributes: Vec<(String, Item)>,
}

impl Instance {
    pub fn attribute(&self, name: &str) -> Option<&Item> {
        self.attributes
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, item)| item)
    }
}

/// A value and the span of the expression it was computed from.
pub type Item = Spanned<Value>;

/// A call: its callee as a dotted path (resolved through imports when possible) and its
/// evaluated arguments.
#[derive(Debug, Clone)]
pub struct Call {
    pub callee: String,
    pub args: Vec<Item>,
    pub kwargs: Vec<(String, Item)>,
    /// A `**splat` whose contents are unknown: any keyword may be hidden in it.
    pub unknown_splat: bool,
    pub span: Span,
}

impl Call {
    pub fn kwarg(&self, name: &str) -> Option<&Item> {
        // The last one wins, as when `**defaults` is followed by an explicit keyword.
        self.kwargs
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, v)| v)
    }

    /// A keyword argument, or else the positional argument at `position`.
    pub fn arg(&self, name: &str, position: usize) -> Option<&Item> {
        self.kwarg(name).or_else(|| self.args.get(position))
    }

    /// Airflow hands an operator the `default_args` (of its task groups, innermost first, then
    /// of its DAG) as the keyword arguments it was not given: `owner`, `retries`, but also
    /// operator-specific ones such as airflow-dbt's `dir`.
    pub fn inherit_default_args<'a>(&mut self, sources: impl Iterator<Item = &'a Item>) {
        let mut inherited: Vec<(String, Item)> = Vec::new();
        for args in sources {
            let Value::Dict(pairs) = &args.value else {
                continue;
            };
            // A later key of the same dict wins (`{**base, "owner": "x"}`).
            for (key, value) in pairs.iter().rev() {
                let Some(key) = key.value.as_str() else {
                    continue;
                };
                let given = self.kwargs.iter().any(|(k, _)| *k == key)
                    || inherited.iter().any(|(k, _)| *k == key);
                if !given {
                    inherited.push((key, value.clone()));
                }
            }
        }
        // Inherited values go first: a keyword given explicitly (read last) wins.
        inherited.append(&mut self.kwargs);
        self.kwargs = inherited;
    }

    /// The callee's last dotted segment: the class or function name.
    pub fn name(&self) -> &str {
        self.callee.rsplit('.').next().unwrap_or(&self.callee)
    }
}

impl Value {
    pub fn list(items: Vec<Item>) -> Value {
        Value::List(Arc::new(items))
    }

    pub fn as_text(&self) -> Option<&Text> {
        match self {
            Value::Str(text) => Some(text),
            _ => None,
        }
    }

    /// The string value when it is fully known.
    pub fn as_str(&self) -> Option<String> {
        self.as_text().and_then(Text::known)
    }

    pub fn as_call(&self) -> Option<&Call> {
        match self {
            Value::Call(call) => Some(call),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Item]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// Looks up a string key in a dict value.
    pub fn get(&self, key: &str) -> Option<&Item> {
        match self {
            Value::Dict(pairs) => pairs
                .iter()
                .rev()
                .find(|(k, _)| k.value.as_text().is_some_and(|text| text.is(key)))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Python truthiness when it is known.
    pub fn truthy(&self) -> Option<bool> {
        match self {
            Value::Bool(flag) => Some(*flag),
            Value::None => Some(false),
            Value::Int(n) => Some(*n != 0),
            Value::Str(text) => text.known().map(|s| !s.is_empty()),
            Value::List(items) => Some(!items.is_empty()),
            Value::Dict(pairs) => Some(!pairs.is_empty()),
            _ => None,
        }
    }

    /// A short description for messages: the text of known scalars, else the kind.
    pub fn describe(&self) -> String {
        match self {
            Value::Str(text) => text.render(),
            Value::Int(n) => n.to_string(),
            Value::Float(x) => x.to_string(),
            Value::Bool(flag) => if *flag { "True" } else { "False" }.to_owned(),
            Value::None => "None".to_owned(),
            Value::List(_) => "a list".to_owned(),
            Value::Dict(_) => "a dict".to_owned(),
            Value::Call(call) => format!("{}(...)", call.name()),
            Value::Path(path) => path.clone(),
            Value::Dag(_) => "a DAG".to_owned(),
            Value::Task(_) => "a task".to_owned(),
            Value::Instance(instance) => format!(
                "an instance of `{}`",
                instance.class.rsplit('.').next().unwrap_or(&instance.class)
            ),
            Value::Unknown(reason) => format!("unknown ({reason})"),
        }
    }
}

/// A string built from pieces of source: literals, constants, f-string parts.
#[derive(Debug, Clone, Default)]
pub struct Text {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone)]
struct Piece {
    text: String,
    span: Span,
    /// Whether byte `i` of `text` is byte `i` of the source span (a literal without escapes).
    exact: bool,
    known: bool,
}

impl Text {
    /// Text copied verbatim from the source span (`exact`) or decoded from it.
    pub fn literal(text: impl Into<String>, span: Span, exact: bool) -> Self {
        Text {
            pieces: vec![Piece {
                text: text.into(),
                span,
                exact,
                known: true,
            }],
        }
    }

    /// A part whose value is unknown (an f-string field that cannot be evaluated).
    pub fn unknown(span: Span) -> Self {
        Text {
            pieces: vec![Piece {
                text: UNKNOWN_MARK.to_string(),
                span,
                exact: false,
                known: false,
            }],
        }
    }

    pub fn push(&mut self, other: Text) {
        for piece in other.pieces {
            if piece.text.is_empty() {
                continue;
            }
            self.pieces.push(piece);
        }
    }

    /// Whether the string is known and equals `other`, compared without building it.
    pub fn is(&self, other: &str) -> bool {
        let mut rest = other;
        for piece in &self.pieces {
            if !piece.known {
                return false;
            }
            match rest.strip_prefix(piece.text.as_str()) {
                Some(after) => rest = after,
                None => return false,
            }
        }
        rest.is_empty()
    }

    /// The full string when every piece is known.
    pub fn known(&self) -> Option<String> {
        self.pieces.iter().all(|p| p.known).then(|| self.render())
    }

    pub fn is_known(&self) -> bool {
        self.pieces.iter().all(|p| p.known)
    }

    /// The string with each unknown part written as the code that computes it, in braces:
    /// `backfill-{year}-{month:02d}` for `f"backfill-{year}-{month:02d}"` over unknown values.
    pub fn pattern(&self) -> String {
        self.pieces
            .iter()
            .map(|piece| {
                if piece.known {
                    return piece.text.clone();
                }
                let code = piece.span.text();
                if code.starts_with('{') {
                    code.to_owned()
                } else {
                    format!("{{{code}}}")
                }
            })
            .collect()
    }

    /// The string with [`UNKNOWN_MARK`] standing for unknown parts.
    pub fn render(&self) -> String {
        self.pieces.iter().map(|p| p.text.as_str()).collect()
    }

    /// Maps a byte range of [`Text::render`]'s output back to source: exact within a literal
    /// copied verbatim, else the span of the piece holding the range's start.
    pub fn span_of(&self, range: Range<usize>) -> Option<Span> {
        let mut offset = 0;
        for piece in &self.pieces {
            let end = offset + piece.text.len();
            if range.start < end || (range.start == end && range.end == end && end > offset) {
                if !piece.exact {
                    return Some(piece.span.clone());
                }
                let local_end = range.end.min(end) - offset;
                return Some(piece.span.subspan(range.start - offset..local_end));
            }
            offset = end;
        }
        self.pieces.last().map(|p| p.span.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn span_of_maps_through_pieces() {
        let file = SourceFile::new("d.py", r#"A = "dbt run"; B = f"{A} -s tag:x""#.to_owned());
        let a = Text::literal("dbt run", Span::new(file.clone(), 5..12), true);
        let mut text = a.clone();
        text.push(Text::literal(
            " -s tag:x",
            Span::new(file.clone(), 24..33),
            true,
        ));
        assert_eq!(text.render(), "dbt run -s tag:x");
        assert_eq!(text.span_of(11..16).unwrap().text(), "tag:x");
        assert_eq!(text.span_of(4..7).unwrap().text(), "run");
        let mut partial = Text::unknown(Span::new(file, 0..1));
        partial.push(a);
        assert!(partial.known().is_none());
        assert!(partial.render().starts_with(UNKNOWN_MARK));
    }
}
