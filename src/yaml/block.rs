//! A direct reader for the YAML dbt's properties files are written in: block mappings and
//! sequences, plain, quoted and block (`|`, `>`) scalars, and flow collections (`[a, b]`,
//! `{k: v}`) of those. It builds the JSON values straight from the text, where the full
//! parser first produces events and a tree of spanned nodes: a large project's properties
//! files are megabytes, most of the YAML a check reads.
//!
//! Whatever it does not read (anchors, aliases, tags, `?` keys, directives, several
//! documents, tabs in indentation, multi-line keys, explicit indentation indicators, a plain
//! scalar over several lines in a flow collection, anything malformed) makes it give up, and
//! the full parser reads the document, with its errors and positions. What it reads, it
//! reads to exactly the full parser's values: the tests compare the two on generated
//! documents and on real repositories.

use serde_json::{Map, Value};

use super::{MAX_DEPTH, key_string, plain_scalar_json};

/// The document as JSON values, or `None` when the full parser must read it.
pub(super) fn read(text: &str) -> Option<Value> {
    read_or_stop(text).ok()
}

/// The document as JSON values, or about where the reader gave up.
fn read_or_stop(text: &str) -> Result<Value, usize> {
    if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        // Lines ending in `\r\n` read as lines ending in `\n`; a lone `\r` is left to the
        // parser.
        let unix = text.replace("\r\n", "\n");
        return if unix.contains('\r') {
            Err(0)
        } else {
            read_or_stop(&unix)
        };
    }
    if !plain_characters(text) {
        return Err(0);
    }
    let mut reader = Reader {
        bytes: text.as_bytes(),
        text,
        at: 0,
        depth: 0,
    };
    reader.read().ok_or(reader.at)
}

/// Whether the text holds only characters this reader handles: no `\r`, no control
/// characters but tab and line feed, no byte order mark and none of YAML 1.1's other line
/// breaks (U+0085, U+2028, U+2029).
fn plain_characters(text: &str) -> bool {
    let bytes = text.as_bytes();
    let ascii_clean = bytes
        .iter()
        .all(|&b| (b >= 0x20 && b != 0x7f) || b == b'\n' || b == b'\t');
    ascii_clean
        && (bytes.is_ascii()
            || !text.chars().any(|c| {
                ('\u{80}'..='\u{9f}').contains(&c)
                    || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
            }))
}

struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    /// The next byte to read.
    at: usize,
    /// Collections open around the one being read.
    depth: usize,
}

/// What makes the reader give up: the full parser reads the document instead.
type Read<T> = Option<T>;

impl<'t> Reader<'t> {
    fn read(&mut self) -> Read<Value> {
        let Some(indent) = self.next_content()? else {
            return Some(Value::Null);
        };
        if !self.starts_document_marker() {
            return self.document(indent);
        }
        // `---` opens the document; content on its line is left to the full parser.
        self.at += 3;
        if !self.rest_of_line_is_empty() {
            return None;
        }
        match self.next_content()? {
            None => Some(Value::Null),
            Some(indent) => self.document(indent),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn byte_at(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    /// The column of `at` (its offset from the start of its line).
    fn column(&self, at: usize) -> usize {
        at - self.bytes[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
    }

    /// Moves to the first character of the next line with content (past blank lines and
    /// comment lines) and returns its indentation; `None` at the end of the text. Gives up on
    /// a tab in indentation. From the content of a line, returns that line's indentation;
    /// from within a line, only spaces and a comment may be left on it.
    fn next_content(&mut self) -> Read<Option<usize>> {
        let spaces_before = self.bytes[..self.at]
            .iter()
            .rev()
            .take_while(|&&b| b == b' ')
            .count();
        let line_start = self.at - spaces_before;
        if line_start == 0 || self.bytes[line_start - 1] == b'\n' {
            // At the start of a line or of its content: read the line again.
            self.at = line_start;
        } else if self.rest_of_line_is_empty() {
            self.skip_line();
        } else {
            return None;
        }
        loop {
            let start = self.at;
            while self.peek() == Some(b' ') {
                self.at += 1;
            }
            match self.peek() {
                None => return Some(None),
                Some(b'\n') => self.at += 1,
                Some(b'#') => self.skip_line(),
                Some(b'\t') => {
                    // A tab after the indentation, on a blank line, is allowed.
                    let rest = self.at;
                    while matches!(self.peek(), Some(b' ' | b'\t')) {
                        self.at += 1;
                    }
                    match self.peek() {
                        None => return Some(None),
                        Some(b'\n') => self.at += 1,
                        Some(b'#') if rest > start => self.skip_line(),
                        _ => return None,
                    }
                }
                Some(_) => return Some(Some(self.at - start)),
            }
        }
    }

    /// Moves past the line break ending the current line (or to the end).
    fn skip_line(&mut self) {
        self.at = memchr::memchr(b'\n', &self.bytes[self.at..])
            .map_or(self.bytes.len(), |i| self.at + i + 1);
    }

    /// Whether only spaces, tabs and a comment are left on this line; moves past the spaces.
    fn rest_of_line_is_empty(&mut self) -> bool {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
        match self.peek() {
            None | Some(b'\n') => true,
            // A comment starts after a space or at the start of a line.
            Some(b'#') => self.at == 0 || matches!(self.bytes[self.at - 1], b' ' | b'\t' | b'\n'),
            _ => false,
        }
    }

    /// Whether `---` or `...` starts here, at the start of a line, followed by a space or
    /// the end of the line.
    fn starts_document_marker(&self) -> bool {
        self.document_marker_at(self.at)
    }

    fn document_marker_at(&self, at: usize) -> bool {
        let rest = &self.bytes[at..];
        (rest.starts_with(b"---") || rest.starts_with(b"..."))
            && self.column(at) == 0
            && matches!(rest.get(3), None | Some(b' ' | b'\t' | b'\n'))
    }

    /// The document's one node, at `indent`; nothing may follow it.
    fn document(&mut self, indent: usize) -> Read<Value> {
        let value = self.block_node(indent, None)?;
        match self.next_content()? {
            None => Some(value),
            Some(_) => None,
        }
    }

    /// Opens a collection, giving up past the nesting limit.
    fn enter(&mut self) -> Read<()> {
        self.depth += 1;
        (self.depth < MAX_DEPTH).then_some(())
    }

    /// The node starting at the current position, on a line indented `indent`, inside a
    /// collection indented `parent` (`None` at the top).
    fn block_node(&mut self, indent: usize, parent: Option<usize>) -> Read<Value> {
        if self.starts_document_marker() {
            return None;
        }
        if self.at_sequence_entry() {
            return self.block_sequence(indent);
        }
        match self.try_key()? {
            Some(key) => self.block_mapping(indent, key),
            None => self.value_on_line(parent),
        }
    }

    /// The key of a `key: value` line starting here, with the position past its `:`;
    /// `Some(None)`, the position unchanged, when the line is not one.
    fn try_key(&mut self) -> Read<Option<String>> {
        let start = self.at;
        match self.key() {
            Some(key) if key == "<<" => None,
            Some(key) => Some(Some(key)),
            None => {
                self.at = start;
                Some(None)
            }
        }
    }

    /// `-` followed by a space or the end of the line.
    fn at_sequence_entry(&self) -> bool {
        self.peek() == Some(b'-') && matches!(self.byte_at(self.at + 1), None | Some(b' ' | b'\n'))
    }

    /// A block mapping whose keys are indented `indent`; the current position is past the
    /// `:` of its first key. A merge key (`<<`) is left to the full parser.
    fn block_mapping(&mut self, indent: usize, first: String) -> Read<Value> {
        self.enter()?;
        let mut map = Map::new();
        let mut key = first;
        loop {
            let value = self.entry_value(indent)?;
            map.insert(key, value);
            match self.next_content()? {
                Some(next) if next == indent => {
                    if self.at_sequence_entry() || self.starts_document_marker() {
                        return None;
                    }
                    key = self.key().filter(|key| key != "<<")?;
                }
                Some(next) if next > indent => return None,
                _ => break,
            }
        }
        self.depth -= 1;
        Some(Value::Object(map))
    }

    /// A mapping key and its `:`, as the text JSON keeps it (at most 1,024 bytes, YAML's
    /// limit for a key on one line).
    fn key(&mut self) -> Read<String> {
        let start = self.at;
        let key = match self.peek()? {
            b'\'' | b'"' => {
                let text = self.quoted(None)?;
                if self.peek() != Some(b':') {
                    return None;
                }
                text
            }
            _ => {
                let end = self.plain_end(false)?;
                let colon = end + self.bytes[end..].iter().take_while(|&&b| b == b' ').count();
                if self.byte_at(colon) != Some(b':') || end == start {
                    return None;
                }
                self.at = colon;
                key_string(plain_scalar_json(&self.text[start..end]))
            }
        };
        // At the `:`: a space or the end of the line must follow.
        self.at += 1;
        match self.peek() {
            None | Some(b' ' | b'\n') if self.at - start <= 1024 => Some(key),
            _ => None,
        }
    }

    /// The value after a key's `:` in a mapping indented `indent`.
    fn entry_value(&mut self, indent: usize) -> Read<Value> {
        if !self.rest_of_line_is_empty() {
            return self.value_on_line(Some(indent));
        }
        let line_end = self.at;
        match self.next_content()? {
            Some(next) if next > indent => self.block_node(next, Some(indent)),
            // A sequence may sit at its key's own indentation.
            Some(next) if next == indent && self.at_sequence_entry() => self.block_sequence(next),
            _ => {
                self.at = line_end;
                Some(Value::Null)
            }
        }
    }

    /// A block sequence whose `-` are indented `indent`; the current position is the first.
    fn block_sequence(&mut self, indent: usize) -> Read<Value> {
        self.enter()?;
        let mut items = Vec::new();
        loop {
            // Past the `-`.
            self.at += 1;
            items.push(self.sequence_item(indent)?);
            match self.next_content()? {
                Some(next) if next == indent && self.at_sequence_entry() => {}
                Some(next) if next > indent => return None,
                _ => break,
            }
        }
        self.depth -= 1;
        Some(Value::Array(items))
    }

    /// The item after a `-` of a sequence indented `indent`.
    fn sequence_item(&mut self, indent: usize) -> Read<Value> {
        let after_dash = self.at;
        if self.rest_of_line_is_empty() {
            let line_end = self.at;
            return match self.next_content()? {
                Some(next) if next > indent => self.block_node(next, Some(indent)),
                _ => {
                    self.at = line_end;
                    Some(Value::Null)
                }
            };
        }
        // On the `-`'s line: a compact sequence or mapping starts at its column (after
        // spaces: a tab cannot indent it).
        if self.bytes[after_dash..self.at].contains(&b'\t') {
            return None;
        }
        let column = self.column(self.at);
        if self.at_sequence_entry() {
            return self.block_sequence(column);
        }
        match self.try_key()? {
            Some(key) => self.block_mapping(column, key),
            None => self.value_on_line(Some(indent)),
        }
    }

    /// A value that starts on the current line (after `key: ` or `- `), inside a collection
    /// indented `parent`: a flow collection, a quoted, block or plain scalar.
    fn value_on_line(&mut self, parent: Option<usize>) -> Read<Value> {
        let value = match self.peek()? {
            b'[' | b'{' => self.flow(parent)?,
            b'\'' | b'"' => Value::String(self.quoted(parent)?),
            b'|' | b'>' => return self.block_scalar(parent?),
            _ => {
                let start = self.at;
                let end = self.plain_end(false)?;
                // In a block value, `: ` would start a mapping on the same line.
                if end == start || self.byte_at(end) == Some(b':') {
                    return None;
                }
                self.at = end;
                let first = &self.text[start..end];
                match parent {
                    Some(parent) => plain_scalar_json(&self.plain_continued(first, parent)?),
                    None => plain_scalar_json(first),
                }
            }
        };
        if !self.rest_of_line_is_empty() {
            return None;
        }
        // Nothing more indented may follow (a comment ended a plain scalar, say).
        let line_end = self.at;
        if let Some(next) = self.next_content()?
            && parent.is_some_and(|parent| next > parent)
        {
            return None;
        }
        self.at = line_end;
        Some(value)
    }

    /// A plain scalar whose first line is `first`, with the lines that continue it: those
    /// more indented than `parent` up to a comment, folded as YAML folds them (a line break
    /// is a space, unless empty lines stand for it). The position ends on its last line.
    fn plain_continued(
        &mut self,
        first: &'t str,
        parent: usize,
    ) -> Read<std::borrow::Cow<'t, str>> {
        let mut text = std::borrow::Cow::Borrowed(first);
        loop {
            let line_end = self.at;
            while matches!(self.peek(), Some(b' ' | b'\t')) {
                self.at += 1;
            }
            if self.peek() != Some(b'\n') {
                // The end of the text, or a comment: the scalar ends.
                self.at = line_end;
                return Some(text);
            }
            let (start, indent, breaks) = self.next_folded_line(self.at + 1)?;
            if start == self.bytes.len() || indent <= parent || self.bytes[start] == b'#' {
                self.at = line_end;
                return Some(text);
            }
            self.at = start;
            let end = self.plain_run_end(start, false);
            let folded = text.to_mut();
            match breaks {
                0 => folded.push(' '),
                _ => folded.extend(std::iter::repeat_n('\n', breaks)),
            }
            folded.push_str(&self.text[start..end]);
            self.at = end;
            // A `: ` would make it a key, which cannot span lines.
            let mut after = end;
            while matches!(self.byte_at(after), Some(b' ' | b'\t')) {
                after += 1;
            }
            if self.byte_at(after) == Some(b':') {
                return None;
            }
        }
    }

    /// From the start of a line, the first character of the next line that is not blank
    /// (the end of the text when none is), its indentation, and how many blank lines came
    /// before it; gives up on a tab before that character.
    fn next_folded_line(&self, mut at: usize) -> Read<(usize, usize, usize)> {
        let mut breaks = 0;
        loop {
            let spaces = self.bytes[at..].iter().take_while(|&&b| b == b' ').count();
            let mut after = at + spaces;
            while self.byte_at(after) == Some(b'\t') {
                after += 1;
            }
            match self.byte_at(after) {
                None => return Some((self.bytes.len(), 0, breaks)),
                Some(b'\n') => {
                    breaks += 1;
                    at = after + 1;
                }
                Some(_) if after > at + spaces => return None,
                Some(_) => return Some((after, spaces, breaks)),
            }
        }
    }

    /// Where the plain scalar starting here ends on its line (before trailing spaces, a
    /// comment, or a `:` followed by a space); `None` when it starts with an indicator. In a
    /// flow collection, `,`, `[`, `]`, `{` and `}` end it too.
    fn plain_end(&self, in_flow: bool) -> Read<usize> {
        let first = self.peek()?;
        match first {
            b'-' | b'?' | b':' => {
                // Allowed when followed by a character that can start a plain scalar.
                match self.byte_at(self.at + 1) {
                    None | Some(b' ' | b'\t' | b'\n') => return None,
                    Some(b',' | b'[' | b']' | b'{' | b'}') if in_flow => return None,
                    _ => {}
                }
            }
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
            | b'"' | b'%' | b'@' | b'`' | b' ' | b'\t' | b'\n' => return None,
            _ => {}
        }
        let end = self.plain_run_end(self.at, in_flow);
        // The parser refuses a word starting with `-`, `?` or `:` before a flow indicator
        // (`[a -]`); such text is rare in a flow collection, and left to it.
        let text = &self.bytes[self.at..end];
        let awkward = |pair: &[u8]| pair[0] == b' ' && matches!(pair[1], b'-' | b'?' | b':');
        if in_flow && (text.contains(&b'\t') || text.windows(2).any(awkward)) {
            return None;
        }
        Some(end)
    }

    /// Where plain text starting at `from` ends on its line: before trailing spaces, a
    /// comment or a `:` followed by a space (in a flow collection, a flow indicator too).
    fn plain_run_end(&self, from: usize, in_flow: bool) -> usize {
        if !in_flow {
            return self.block_plain_run_end(from);
        }
        let mut end = from;
        let mut i = from;
        while let Some(b) = self.byte_at(i) {
            match b {
                b'\n' => break,
                b'#' if matches!(self.byte_at(i - 1), Some(b' ' | b'\t')) => break,
                b':' => match self.byte_at(i + 1) {
                    None | Some(b' ' | b'\t' | b'\n') => break,
                    Some(b',' | b'[' | b']' | b'{' | b'}') if in_flow => break,
                    _ => {}
                },
                b',' | b'[' | b']' | b'{' | b'}' if in_flow => break,
                _ => {}
            }
            i += 1;
            if !matches!(b, b' ' | b'\t') {
                end = i;
            }
        }
        end
    }

    /// [`Self::plain_run_end`] outside flow collections: only a line break, ` #` and `: `
    /// end the text there, found with `memchr`.
    fn block_plain_run_end(&self, from: usize) -> usize {
        let mut i = from;
        let stop = loop {
            let Some(found) = memchr::memchr3(b'\n', b'#', b':', &self.bytes[i..]) else {
                break self.bytes.len();
            };
            let at = i + found;
            match self.bytes[at] {
                b'#' if matches!(self.bytes[at - 1], b' ' | b'\t') => break at,
                b':' if matches!(self.byte_at(at + 1), None | Some(b' ' | b'\t' | b'\n')) => {
                    break at;
                }
                b'\n' => break at,
                _ => i = at + 1,
            }
        };
        let text = &self.bytes[from..stop];
        from + text.len()
            - text
                .iter()
                .rev()
                .take_while(|&&b| matches!(b, b' ' | b'\t'))
                .count()
    }

    /// A single- or double-quoted scalar; the current position moves past the closing
    /// quote. Inside a collection indented `parent` it may go on over lines indented more,
    /// folded as YAML folds them; a key's (no `parent`) is on one line.
    fn quoted(&mut self, parent: Option<usize>) -> Read<String> {
        let quote = self.peek()?;
        let mut text = String::new();
        let mut i = self.at + 1;
        let mut run = i;
        loop {
            let b = self.byte_at(i)?;
            match b {
                b'\n' => {
                    let parent = parent?;
                    text.push_str(self.text[run..i].trim_end_matches([' ', '\t']));
                    let (start, indent, breaks) = self.next_folded_line(i + 1)?;
                    if start == self.bytes.len() || indent <= parent {
                        return None;
                    }
                    match breaks {
                        0 => text.push(' '),
                        _ => text.extend(std::iter::repeat_n('\n', breaks)),
                    }
                    i = start;
                    run = i;
                    continue;
                }
                b'\\' if quote == b'"' && self.byte_at(i + 1) == Some(b'\n') => {
                    // An escaped line break joins the lines.
                    let parent = parent?;
                    text.push_str(&self.text[run..i]);
                    let (start, indent, breaks) = self.next_folded_line(i + 2)?;
                    if breaks > 0 || start == self.bytes.len() || indent <= parent {
                        return None;
                    }
                    i = start;
                    run = i;
                    continue;
                }
                b'\'' if quote == b'\'' => {
                    text.push_str(&self.text[run..i]);
                    if self.byte_at(i + 1) == Some(b'\'') {
                        text.push('\'');
                        i += 2;
                        run = i;
                        continue;
                    }
                    break;
                }
                b'"' if quote == b'"' => {
                    text.push_str(&self.text[run..i]);
                    break;
                }
                b'\\' if quote == b'"' => {
                    text.push_str(&self.text[run..i]);
                    i = self.escape(i + 1, &mut text)?;
                    run = i;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        self.at = i + 1;
        Some(text)
    }

    /// Appends the character escaped at `at` (after a `\`), returning the offset after it.
    fn escape(&self, at: usize, text: &mut String) -> Read<usize> {
        let simple = match self.byte_at(at)? {
            b'0' => '\0',
            b'a' => '\u{7}',
            b'b' => '\u{8}',
            b't' | b'\t' => '\t',
            b'n' => '\n',
            b'v' => '\u{b}',
            b'f' => '\u{c}',
            b'r' => '\r',
            b'e' => '\u{1b}',
            b' ' => ' ',
            b'"' => '"',
            b'/' => '/',
            b'\\' => '\\',
            b'N' => '\u{85}',
            b'_' => '\u{a0}',
            b'L' => '\u{2028}',
            b'P' => '\u{2029}',
            b'x' => return self.hex_escape(at + 1, 2, text),
            b'u' => return self.hex_escape(at + 1, 4, text),
            b'U' => return self.hex_escape(at + 1, 8, text),
            _ => return None,
        };
        text.push(simple);
        Some(at + 1)
    }

    fn hex_escape(&self, at: usize, digits: usize, text: &mut String) -> Read<usize> {
        let hex = self.text.get(at..at + digits)?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let code = u32::from_str_radix(hex, 16).ok()?;
        text.push(char::from_u32(code)?);
        Some(at + digits)
    }

    /// A literal (`|`) or folded (`>`) scalar whose lines are indented more than `parent`,
    /// with an optional chomping indicator (`-`, `+`); the current position is its `|`/`>`.
    fn block_scalar(&mut self, parent: usize) -> Read<Value> {
        let folded = self.peek()? == b'>';
        self.at += 1;
        let chomping = match self.peek() {
            Some(b'-') => Chomping::Strip,
            Some(b'+') => Chomping::Keep,
            _ => Chomping::Clip,
        };
        if chomping != Chomping::Clip {
            self.at += 1;
        }
        // A comment needs a space before it; an indentation indicator is left to the parser.
        if !matches!(self.peek(), None | Some(b' ' | b'\t' | b'\n'))
            || !self.rest_of_line_is_empty()
        {
            return None;
        }
        self.skip_line();
        // The lines: empty ones (spaces only) and those indented at least as the first line
        // with text, which sets the indentation.
        let mut lines: Vec<&str> = Vec::new();
        let mut indent: Option<usize> = None;
        let mut longest_leading_empty = 0;
        while self.at < self.bytes.len() {
            let start = self.at;
            let end =
                memchr::memchr(b'\n', &self.bytes[start..]).map_or(self.bytes.len(), |i| start + i);
            let line = &self.text[start..end];
            let spaces = line.bytes().take_while(|&b| b == b' ').count();
            if spaces == line.len() {
                if end == self.bytes.len() && spaces > 0 {
                    // Spaces ending the text without a break are read differently.
                    return None;
                }
                match indent {
                    // Spaces past the indentation are text.
                    Some(indent) if spaces > indent => lines.push(&line[indent..]),
                    Some(_) => lines.push(""),
                    None => {
                        longest_leading_empty = longest_leading_empty.max(spaces);
                        lines.push("");
                    }
                }
            } else {
                if line.as_bytes()[spaces] == b'\t' {
                    return None;
                }
                let indent = *indent.get_or_insert(spaces);
                if spaces < indent || indent <= parent {
                    break;
                }
                lines.push(&line[indent..]);
            }
            self.at = (end + 1).min(self.bytes.len());
        }
        let Some(indent) = indent.filter(|&indent| indent > parent) else {
            // No line with text.
            return (lines.is_empty() && chomping != Chomping::Keep)
                .then(|| Value::String(String::new()));
        };
        if longest_leading_empty > indent {
            return None;
        }
        let trailing = lines
            .iter()
            .rev()
            .take_while(|line| line.is_empty())
            .count();
        let body = &lines[..lines.len() - trailing];
        let mut text = String::with_capacity(body.iter().map(|line| line.len() + 1).sum());
        if folded {
            // A break between two lines is a space, unless empty lines stand for it; around a
            // more indented line, breaks are kept.
            let mut empty_before = 0;
            let mut previous: Option<&str> = None;
            for line in body {
                if line.is_empty() {
                    empty_before += 1;
                    continue;
                }
                let spaced = |line: &str| line.starts_with([' ', '\t']);
                let breaks = match previous {
                    None => empty_before,
                    Some(previous) if spaced(previous) || spaced(line) => empty_before + 1,
                    Some(_) => empty_before,
                };
                if previous.is_some() && breaks == 0 {
                    text.push(' ');
                }
                text.extend(std::iter::repeat_n('\n', breaks));
                text.push_str(line);
                empty_before = 0;
                previous = Some(line);
            }
        } else {
            for (n, line) in body.iter().enumerate() {
                if n > 0 {
                    text.push('\n');
                }
                text.push_str(line);
            }
        }
        // The last line's break (the end of the text counts as one).
        match chomping {
            Chomping::Strip => {}
            Chomping::Clip => text.push('\n'),
            Chomping::Keep => text.extend(std::iter::repeat_n('\n', trailing + 1)),
        }
        Some(Value::String(text))
    }

    /// A flow collection starting here (`[` or `{`), which may go on over more lines indented
    /// more than `parent`.
    fn flow(&mut self, parent: Option<usize>) -> Read<Value> {
        self.enter()?;
        let open = self.peek()?;
        self.at += 1;
        let close = if open == b'[' { b']' } else { b'}' };
        let mut items = Vec::new();
        let mut map = Map::new();
        loop {
            self.flow_space(parent)?;
            if self.peek()? == close {
                self.at += 1;
                break;
            }
            if open == b'[' {
                let item = self.flow_value(parent)?;
                self.flow_space(parent)?;
                if self.peek()? == b':' {
                    // `[a: b]` holds a single-pair mapping.
                    return None;
                }
                items.push(item);
            } else {
                let key = match self.peek()? {
                    b'[' | b'{' => return None,
                    b'\'' | b'"' => self.quoted(None)?,
                    _ => key_string(plain_scalar_json(self.flow_plain()?)),
                };
                self.flow_space(parent)?;
                if self.peek()? != b':' {
                    return None;
                }
                self.at += 1;
                if !matches!(self.peek()?, b' ' | b'\n' | b',' | b'}' | b']') {
                    return None;
                }
                self.flow_space(parent)?;
                let value = match self.peek()? {
                    b',' | b'}' => Value::Null,
                    _ => self.flow_value(parent)?,
                };
                map.insert(key, value);
            }
            self.flow_space(parent)?;
            match self.peek()? {
                b',' => self.at += 1,
                b if b == close => {
                    self.at += 1;
                    break;
                }
                _ => return None,
            }
        }
        self.depth -= 1;
        Some(if open == b'[' {
            Value::Array(items)
        } else {
            Value::Object(map)
        })
    }

    /// A value inside a flow collection: a nested one, a quoted or a plain scalar.
    fn flow_value(&mut self, parent: Option<usize>) -> Read<Value> {
        match self.peek()? {
            b'[' | b'{' => self.flow(parent),
            b'\'' | b'"' => Some(Value::String(self.quoted(parent)?)),
            _ => {
                let value = plain_scalar_json(self.flow_plain()?);
                // A plain scalar going on over the next line is left to the full parser.
                let before = self.at;
                self.flow_space(parent)?;
                if !matches!(self.peek()?, b',' | b']' | b'}' | b':') {
                    return None;
                }
                self.at = before;
                Some(value)
            }
        }
    }

    /// The plain scalar starting here in a flow collection; the position moves past it.
    fn flow_plain(&mut self) -> Read<&'t str> {
        let start = self.at;
        let end = self.plain_end(true)?;
        self.at = end;
        (end > start).then(|| &self.text[start..end])
    }

    /// Skips spaces, line breaks and comments inside a flow collection; a line that goes on
    /// with it must be indented more than `parent` (a tab among them is left to the parser).
    fn flow_space(&mut self, parent: Option<usize>) -> Read<()> {
        loop {
            match self.peek()? {
                b' ' => self.at += 1,
                b'#' if matches!(
                    self.byte_at(self.at.wrapping_sub(1)),
                    Some(b' ' | b'\t' | b'\n')
                ) =>
                {
                    self.at = memchr::memchr(b'\n', &self.bytes[self.at..]).map(|i| self.at + i)?;
                }
                b'\n' => {
                    self.at += 1;
                    let spaces = self.bytes[self.at..]
                        .iter()
                        .take_while(|&&b| b == b' ')
                        .count();
                    let next = self.byte_at(self.at + spaces);
                    let blank = matches!(next, None | Some(b'\n' | b'#'));
                    if !blank && parent.is_some_and(|parent| spaces <= parent) {
                        return None;
                    }
                    if !blank && parent.is_none() && spaces == 0 && self.document_marker_at(self.at)
                    {
                        return None;
                    }
                    self.at += spaces;
                }
                _ => return Some(()),
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Chomping {
    Strip,
    Clip,
    Keep,
}

#[cfg(test)]
mod tests {
    use super::super::json_from_events;
    use super::read;

    /// The direct reader either gives up or returns what the full parser returns.
    fn agrees(text: &str) -> bool {
        match read(text) {
            None => false,
            Some(direct) => {
                let full = json_from_events(text).unwrap_or_else(|error| {
                    panic!("read {text:?}, the parser refused it: {error:?}")
                });
                assert_eq!(direct, full, "{text:?}");
                true
            }
        }
    }

    const READ: &[&str] = &[
        "",
        "# only a comment\n",
        "version: 2\n",
        "---\nversion: 2\n",
        "a: 1\nb: -2\nc: 0x1f\nd: 1.5\ne: .inf\nf: 1_000\ng: 017\nh: 1e3\ni: 1.0e3\n",
        "a: yes\nb: No\nc: ~\nd: null\ne:\nf: 'yes'\ng: \"1\"\nh: off\n",
        "a: text with spaces   # a comment\nb: text#not a comment\nc: a:b\nd: 'it''s'\n",
        "e: \"tab\\there \\\"q\\\" \\u00e9 \\x41 \\\\ \\/\"\nf: 'a # b'\ng: x, [y] {z}\n",
        "models:\n  - name: a\n    description: b\n    columns:\n      - name: id\n        tests:\n          - unique\n          - not_null\n",
        "models:\n- name: a\n  columns:\n  - name: id\n    tests:\n    - unique\n- name: b\n",
        "a:\n  b:\n    c: 1\n  d: 2\ne: 3\n",
        "tags: [a, 'b', \"c\", 1, true]\nmeta: {owner: x, tier: 1, 'q': \"w\"}\nempty: []\nnone: {}\n",
        "nested: [[a, b], {c: [d, {e: f}]}, []]\ntrailing: [a, b,]\n",
        "multi: [\n    a,\n    b,  # note\n    c\n  ]\nnext: 1\n",
        "desc: |\n  line one\n\n  line three\n    indented\nnext: 1\n",
        "desc: |-\n  strip\n\n\nkeep: |+\n  keep\n\n\nclip: |\n  clip\n\n\n",
        "folded: >\n  one\n  two\n\n  three\n\n\n  four\nnext: >-\n  a\n  b\n",
        "lead: |\n\n\n  after empty lines\nend: x\n",
        "seq:\n  - |\n    text\n  - >\n    folded\n    text\n  - plain\n",
        "- a\n- - b\n  - c\n- name: d\n  x: 1\n-\n- e: |\n    f\n",
        "1: one\ntrue: yes\nnull: x\n1.5: y\n'quoted': z\n",
        "a: 1\na: 2\n",
        "key:    \n  # comment\n  sub: 1\n",
        "é: ü\nname: \"日本\"\n",
        "a: b\t\nc: \td\n",
        "windows: lines\r\nend: |\r\n  in\r\n  crlf\r\n",
        "list:\n- a\n# comment at column 0\n- b\nafter: 1\n",
        "empty_block: |\nnext: 1\n",
        "k: -x\nl: ?y\nm: :z\nn: x?\no: \"\"\np: ''\n",
        "flow_keys: {1: a, yes: b, ~: c}\n",
        "a:\n\n\n  b: 1\n",
        "dotted: a.b.c\nurl: http://example.com/x\ntime: 12:30\n",
        "a: plain\n  continued\n\n  after a blank line\nb: x\n",
        "- name: question_id\n    - not_null\n- name: b\n  description: Enum:\"AP\" \"RQ\"\n    \"AP\" = Approved\n",
        "d: \"a quoted\n  line \\\n  joined\n\n  and broken\"\ne: 'single\n   folded'\n",
        "f: >\n  folded\n    more indented\n  back\n\n  para\n",
        "g: |\n  keep\n      \n  spaces\nh: |\n  no final break",
    ];

    #[test]
    fn reads_what_the_parser_reads() {
        for text in READ {
            assert!(agrees(text), "gave up on {text:?}");
        }
    }

    const LEFT_TO_THE_PARSER: &[&str] = &[
        "a: &x 1\nb: *x\n",
        "a: !tag 1\n",
        "<<: {a: 1}\n",
        "? complex\n: key\n",
        "%YAML 1.1\n---\na: 1\n",
        "a: 1\n---\nb: 2\n",
        "a: 1\n...\n",
        "a: 1\rb: 2\r",
        "a:\n\tb: 1\n",
        "a: |2\n   x\n",
        "a:\t2\n",
        "a: [b: c]\n",
        "a: b: c\n",
        "- a\nb: 1\n",
        "a: [b,\nc]\n",
        "a: \"\\q\"\n",
        "\u{feff}a: 1\n",
    ];

    #[test]
    fn leaves_the_rest_to_the_parser() {
        for text in LEFT_TO_THE_PARSER {
            assert_eq!(read(text), None, "{text:?}");
        }
        // Past the nesting limit, the parser reports the error.
        let deep: String = (0..200)
            .map(|level| format!("{}k:\n", " ".repeat(level)))
            .collect();
        assert_eq!(read(&deep), None);
        let error = super::super::json_from_str(&deep).unwrap_err();
        assert_eq!(error.message, "nested more than 128 levels deep");
    }

    /// Small edits of the documents above, each read directly and by the parser: where the
    /// direct reader reads one, the parser must read the same values.
    #[test]
    fn agrees_with_the_parser_on_edited_documents() {
        let seeds: u64 = std::env::var("MONOLINT_YAML_SEEDS")
            .ok()
            .and_then(|seeds| seeds.parse().ok())
            .unwrap_or(1);
        for seed in 0..seeds {
            let read_directly = edit_and_compare(0x2545_f491_4f6c_dd1d ^ seed, 30_000);
            // The edits must leave many documents readable, or the test proves little.
            assert!(read_directly > 8_000, "{read_directly}");
        }
    }

    fn edit_and_compare(mut state: u64, rounds: usize) -> usize {
        const PIECES: &[&str] = &[
            " ", "  ", "\n", "- ", ": ", ":", "#", " #", "'", "\"", "[", "]", "{", "}", ",", "|",
            ">", "-", "+", "\t", "\\", "x", "1", "~", "?", "&", "*", "!", "---", "\n  ", "\n- ",
            "é", "''", "\\n", "\r\n", "\r", "|-", ">+", "\n\n", "a: b", "  - c",
        ];
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        let mut read_directly = 0;
        for round in 0..rounds {
            let mut text = READ[round % READ.len()].to_owned();
            for _ in 0..1 + next(3) {
                let at = next(text.len() + 1);
                let at = (0..=at)
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0);
                let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
                match next(6) {
                    0 => {
                        let end = (at + 1 + next(4)).min(text.len());
                        let end = (end..=text.len())
                            .find(|&i| text.is_char_boundary(i))
                            .unwrap_or(text.len());
                        text.replace_range(at..end, "");
                    }
                    // Indent or dedent a line, or copy it.
                    1 => text.insert_str(line_start, ["  ", " "][next(2)]),
                    2 if text[line_start..].starts_with(' ') => {
                        text.replace_range(line_start..line_start + 1, "")
                    }
                    3 => {
                        let line_end = text[line_start..]
                            .find('\n')
                            .map_or(text.len(), |i| line_start + i + 1);
                        let line = text[line_start..line_end].to_owned();
                        text.insert_str(line_end, &line);
                    }
                    _ => text.insert_str(at, PIECES[next(PIECES.len())]),
                }
            }
            if let Some(direct) = read(&text) {
                read_directly += 1;
                match json_from_events(&text) {
                    Ok(full) => assert_eq!(direct, full, "{text:?}"),
                    Err(error) => panic!("read {text:?}, the parser refused it: {error:?}"),
                }
            }
        }
        read_directly
    }

    /// Every `.yml`/`.yaml` file under `MONOLINT_YAML_CORPUS` (real repositories): where the
    /// direct reader reads one, the same values as the parser; prints the share it read.
    #[test]
    #[ignore = "needs MONOLINT_YAML_CORPUS, a folder of real repositories"]
    fn agrees_with_the_parser_on_real_files() {
        let root = std::env::var("MONOLINT_YAML_CORPUS").expect("MONOLINT_YAML_CORPUS");
        let (mut files, mut direct_files, mut bytes, mut direct_bytes) = (0, 0, 0, 0);
        let mut folders = vec![std::path::PathBuf::from(root)];
        while let Some(folder) = folders.pop() {
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() && entry.file_name() != ".git" {
                    folders.push(path);
                } else if kind.is_file()
                    && path.extension().is_some_and(|e| e == "yml" || e == "yaml")
                    && let Ok(text) = std::fs::read_to_string(&path)
                    && json_from_events(&text).is_ok()
                {
                    files += 1;
                    bytes += text.len();
                    if let Some(direct) = read(&text) {
                        assert_eq!(
                            Ok(direct),
                            json_from_events(&text).map_err(|_| ()),
                            "{}",
                            path.display()
                        );
                        direct_files += 1;
                        direct_bytes += text.len();
                    } else if let Err(at) = super::read_or_stop(&text) {
                        let line = text[..at.min(text.len())].matches('\n').count() + 1;
                        let shown = text.lines().nth(line - 1).unwrap_or_default();
                        eprintln!("left to the parser: {}:{line}: {shown}", path.display());
                    }
                }
            }
        }
        eprintln!(
            "read directly: {direct_files} of {files} files, {direct_bytes} of {bytes} bytes"
        );
    }
}
