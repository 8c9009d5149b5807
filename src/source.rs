//! Source files that diagnostics point into, and byte spans within them.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// A user file (DAG, SQL, YAML, config) held in memory once and shared by every span into it.
pub struct SourceFile {
    /// Path shown to the user: relative to the workspace root, `/`-separated.
    path: String,
    text: Arc<str>,
    /// Byte offset of the start of every line, for line/column lookups.
    line_starts: Vec<u32>,
    /// A `\r` not followed by `\n` (an old Mac line break), which miette counts as a line
    /// break and `line_starts` does not.
    lone_carriage_return: bool,
    /// For text that is not all ASCII: (byte offset, characters before it) every
    /// [`CHAR_MARK_BYTES`] or so, so a column on a long line is counted from a nearby mark,
    /// not from the start of the line.
    char_marks: Option<Vec<(u32, u32)>>,
}

/// Bytes between two character-count marks.
const CHAR_MARK_BYTES: usize = 4096;
/// A code frame longer than this (a minified or generated line) shows only the part of the
/// line around the span.
const MAX_FRAME_BYTES: usize = 4096;
/// How much of a long line a code frame shows on each side of the span.
const LONG_LINE_CONTEXT: usize = 120;

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<Arc<str>>) -> Arc<Self> {
        let text: Arc<str> = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| (i + 1) as u32))
            .collect();
        let lone_carriage_return = memchr::memchr_iter(b'\r', text.as_bytes())
            .any(|at| text.as_bytes().get(at + 1) != Some(&b'\n'));
        let char_marks = (!text.is_ascii()).then(|| {
            let mut marks = vec![(0, 0)];
            for (chars, (byte, _)) in text.char_indices().enumerate() {
                if byte >= marks.len() * CHAR_MARK_BYTES {
                    marks.push((byte as u32, chars as u32));
                }
            }
            marks
        });
        Arc::new(SourceFile {
            path: path.into(),
            text,
            line_starts,
            lone_carriage_return,
            char_marks,
        })
    }

    /// How many characters come before byte `offset` (a character boundary).
    fn chars_before(&self, offset: usize) -> usize {
        let Some(marks) = &self.char_marks else {
            return offset;
        };
        let at = marks.partition_point(|&(byte, _)| byte as usize <= offset);
        let (byte, chars) = marks[at.saturating_sub(1)];
        chars as usize + self.text[byte as usize..offset].chars().count()
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// 0-based index of the line holding byte `offset`.
    fn line_index(&self, offset: u32) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// 1-based line and column of a byte offset; the column counts Unicode scalar values.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = offset.min(self.text.len() as u32);
        let line_index = self.line_index(offset);
        let line_start = self.line_starts[line_index] as usize;
        let end = floor_char_boundary(&self.text, offset as usize);
        let column = self.chars_before(end) - self.chars_before(line_start) + 1;
        LineCol {
            line: line_index + 1,
            column,
        }
    }

    /// Byte range of the 1-based line `line`, without its line break.
    pub fn line_range(&self, line: usize) -> Option<Range<u32>> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line)
            .map(|next| next - 1)
            .unwrap_or(self.text.len() as u32);
        let end = if end > start && self.text.as_bytes()[end as usize - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        Some(start..end)
    }

    /// A span covering the whole first line: the fallback anchor for "this file".
    pub fn first_line_span(self: &Arc<Self>) -> Span {
        let range = self.line_range(1).unwrap_or(0..0);
        Span::new(self.clone(), range)
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

impl fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceFile")
            .field("path", &self.path)
            .finish()
    }
}

impl SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // miette scans a `str` from its start for every span: hand it only the lines around
        // the span (one more each side), so a file with many findings is not rescanned each time.
        let start = (span.offset() as u32).min(self.text.len() as u32);
        let end = ((span.offset() + span.len()) as u32).min(self.text.len() as u32);
        let (first_line, last_line) = if self.lone_carriage_return {
            (0, self.line_starts.len())
        } else {
            (
                self.line_index(start)
                    .saturating_sub(context_lines_before + 1),
                self.line_index(end) + context_lines_after + 1,
            )
        };
        let window_start = self.line_starts[first_line] as usize;
        let window_end = self
            .line_starts
            .get(last_line + 1)
            .map_or(self.text.len(), |&next| next as usize);
        if window_end - window_start > MAX_FRAME_BYTES && !self.lone_carriage_return {
            return Ok(self.long_line_excerpt(span, context_lines_before));
        }
        let window = &self.text[window_start..window_end];
        let local = SourceSpan::new((span.offset() - window_start).into(), span.len());
        let inner = window.read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(
            MietteSpanContents::new_named(
                self.path.clone(),
                inner.data(),
                SourceSpan::new(
                    (inner.span().offset() + window_start).into(),
                    inner.span().len(),
                ),
                inner.line() + first_line,
                inner.column(),
                // miette counts the lines from the start of the text (it merges the frames of
                // two labels by it).
                inner.line_count() + first_line,
            )
            .with_language(self.language()),
        ))
    }
}

impl SourceFile {
    fn language(&self) -> &'static str {
        match self.path.rsplit('.').next() {
            Some("py") => "python",
            Some("sql") => "sql",
            Some("yml" | "yaml") => "yaml",
            Some("toml") => "toml",
            _ => "text",
        }
    }

    /// The part of the span's line around it, for a frame that would otherwise print a very
    /// long line (a minified file, a generated command line) once per finding. Starts at the
    /// span itself when no context is asked for, as miette's own reading does.
    fn long_line_excerpt<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
    ) -> Box<dyn SpanContents<'a> + 'a> {
        let text: &str = &self.text;
        let start = span.offset().min(text.len());
        let end = (span.offset() + span.len()).min(text.len());
        let line = self.line_index(start as u32);
        let line_start = self.line_starts[line] as usize;
        let line_end = self
            .line_range(line + 1)
            .map_or(text.len(), |range| range.end as usize)
            .max(end);
        let excerpt_start = if context_lines_before == 0 {
            floor_char_boundary(text, start)
        } else {
            floor_char_boundary(
                text,
                start.saturating_sub(LONG_LINE_CONTEXT).max(line_start),
            )
        };
        let excerpt_end = ceil_char_boundary(text, (end + LONG_LINE_CONTEXT).min(line_end));
        let column = self.chars_before(excerpt_start) - self.chars_before(line_start);
        Box::new(
            MietteSpanContents::new_named(
                self.path.clone(),
                &text.as_bytes()[excerpt_start..excerpt_end],
                SourceSpan::new(excerpt_start.into(), excerpt_end - excerpt_start),
                line,
                column,
                line + 1,
            )
            .with_language(self.language()),
        )
    }
}

fn ceil_char_boundary(text: &str, mut index: usize) -> usize {
    while index < text.len() && !text.is_char_boundary(index) {
        index += 1;
    }
    index.min(text.len())
}

/// A 1-based position in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// A byte range in a source file.
#[derive(Clone)]
pub struct Span {
    pub file: Arc<SourceFile>,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: Arc<SourceFile>, range: Range<u32>) -> Self {
        Span {
            file,
            start: range.start,
            end: range.end.max(range.start),
        }
    }

    /// The sub-span `range`, given relative to this span's start, clamped to this span.
    pub fn subspan(&self, range: Range<usize>) -> Span {
        let len = self.end - self.start;
        let start = self.start + (range.start as u32).min(len);
        let end = self.start + (range.end as u32).min(len);
        Span::new(self.file.clone(), start..end)
    }

    pub fn text(&self) -> &str {
        self.file
            .text()
            .get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }

    pub fn start_line_col(&self) -> LineCol {
        self.file.line_col(self.start)
    }

    pub fn end_line_col(&self) -> LineCol {
        self.file.line_col(self.end)
    }

    pub fn source_span(&self) -> SourceSpan {
        SourceSpan::new(
            (self.start as usize).into(),
            (self.end - self.start) as usize,
        )
    }

    /// Sort key: path, then position. Diagnostics are ordered by it so output bytes never depend
    /// on thread scheduling.
    pub fn sort_key(&self) -> (&str, u32, u32) {
        (self.file.path(), self.start, self.end)
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.start_line_col();
        write!(f, "{}:{}:{}", self.file.path(), at.line, at.column)
    }
}

/// A value together with the span of the source text it came from.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_lines_and_chars() {
        let file = SourceFile::new("a.py", "ab\ncé d\n");
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(file.line_col(3), LineCol { line: 2, column: 1 });
        // 'é' is two bytes: the byte after it is the third character.
        assert_eq!(file.line_col(6), LineCol { line: 2, column: 3 });
        assert_eq!(file.line_range(2), Some(3..8));
        assert_eq!(file.line_range(3), Some(9..9));
        assert_eq!(file.line_range(4), None);
    }

    /// Reading a window of lines gives what miette reads from the whole text.
    #[test]
    fn read_span_matches_miette_on_the_whole_text() {
        // The second text has an old Mac line break: it is read whole.
        for text in [
            "a\n\nbc d\r\nefg\n  h\n\ni j k\nl\n\n\nmn\nlast",
            "a\n\nbc d\r\nefg\rz\n  h\n\ni j k\nl\n",
        ] {
            read_span_matches(text);
        }
    }

    fn read_span_matches(text: &str) {
        let file = SourceFile::new("x.txt", text);
        for start in 0..=text.len() {
            for len in [0, 1, 3, 9] {
                let span = SourceSpan::new(start.into(), len.min(text.len() - start));
                for context in [0, 1, 2] {
                    let ours = file.read_span(&span, context, context);
                    let theirs = text.read_span(&span, context, context);
                    match (ours, theirs) {
                        (Ok(ours), Ok(theirs)) => {
                            assert_eq!(ours.data(), theirs.data(), "{span:?} {context}");
                            assert_eq!(ours.span(), theirs.span(), "{span:?} {context}");
                            assert_eq!(ours.line(), theirs.line(), "{span:?} {context}");
                            assert_eq!(ours.column(), theirs.column(), "{span:?} {context}");
                            assert_eq!(ours.line_count(), theirs.line_count(), "{span:?}");
                        }
                        (Err(_), Err(_)) => {}
                        (ours, theirs) => {
                            panic!("{span:?}: {:?} vs {:?}", ours.is_ok(), theirs.is_ok())
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn columns_on_long_lines_with_wide_characters() {
        let text = format!("x\n{}é{}z\n", "a".repeat(10_000), "é".repeat(5_000));
        let file = SourceFile::new("a.py", text.clone());
        let z = text.find('z').unwrap() as u32;
        assert_eq!(
            file.line_col(z),
            LineCol {
                line: 2,
                column: 15_002
            }
        );
        let ascii = SourceFile::new("b.py", "ab\ncd");
        assert_eq!(ascii.line_col(4), LineCol { line: 2, column: 2 });
    }

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let text = format!(
            "import x\ncmd = \"{}TARGET{}\"\n",
            "a ".repeat(50_000),
            " b".repeat(50_000)
        );
        let file = SourceFile::new("dags/x.py", text.clone());
        let at = text.find("TARGET").unwrap();
        let span = SourceSpan::new(at.into(), 6);
        let frame = file.read_span(&span, 1, 1).unwrap();
        assert!(frame.data().len() < 400, "{}", frame.data().len());
        let data = std::str::from_utf8(frame.data()).unwrap();
        assert!(data.contains("TARGET"));
        assert_eq!(frame.line(), 1);
        let exact = file.read_span(&span, 0, 0).unwrap();
        assert!(exact.data().starts_with(b"TARGET"));
        assert_eq!((exact.line(), exact.column()), (1, at - 9));
        // The whole diagnostic stays small.
        let diagnostic = crate::error::Error::at(
            Span::new(file.clone(), at as u32..at as u32 + 6),
            "here",
            "this",
        );
        let rendered = crate::render::render_problem(
            &diagnostic,
            crate::render::Format::Human,
            &crate::render::RenderOptions::default(),
        );
        assert!(rendered.len() < 2000, "{rendered}");
        assert!(
            rendered.contains("TARGET") && rendered.contains("dags/x.py:2:"),
            "{rendered}"
        );
    }

    #[test]
    fn subspan_is_clamped() {
        let file = SourceFile::new("a.py", "hello world");
        let span = Span::new(file, 6..11);
        assert_eq!(span.subspan(1..3).text(), "or");
        assert_eq!(span.subspan(3..99).text(), "ld");
    }
}
