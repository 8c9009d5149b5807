//! Reads a large manifest in parallel parts.
//!
//! Most of a manifest is the `nodes` object: `"model.pkg.x": {...}, "test.pkg.y": {...}, ...`.
//! Part boundaries are found by pattern (`}, "model.` and the like) near evenly spaced
//! offsets, then each part is read by a positional reader. A boundary is trusted only when the
//! part before it, read from a position known to be right, ends exactly there; otherwise that
//! part simply reads on and the later part's work is dropped. Anything unexpected makes the
//! whole read give up, and the caller reads the plain way.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use super::{ManifestSink, Metadata, NODE_COLLECTIONS};

/// Below this size one part is fastest.
const MIN_PARALLEL_BYTES: usize = 8 << 20;

/// Prefixes of the unique ids keying node collections.
const NODE_ID_PREFIXES: [&str; 14] = [
    "model.",
    "test.",
    "seed.",
    "snapshot.",
    "analysis.",
    "operation.",
    "sql_operation.",
    "source.",
    "exposure.",
    "metric.",
    "semantic_model.",
    "saved_query.",
    "unit_test.",
    "function.",
];

/// Reads the manifest in as many parts as there are worker threads; `None` when it cannot be
/// read this way.
pub fn read<'a, S, F>(bytes: &'a [u8], new_sink: &F) -> Option<Vec<S>>
where
    S: ManifestSink<'a> + Send,
    F: Fn(usize) -> S + Sync,
{
    let parts = rayon::current_num_threads().clamp(1, 8);
    let targets: Vec<usize> = if bytes.len() >= MIN_PARALLEL_BYTES {
        let weighted = weighted_len(bytes);
        (1..parts).map(|k| weighted * k / parts).collect()
    } else {
        Vec::new()
    };
    read_parts(bytes, new_sink, &targets)
}

/// How much of the manifest to share out evenly: up to the dependency maps dbt writes after
/// the nodes (`parent_map`, `child_map`), which are only skipped over, several times faster
/// than nodes are read. Sharing the whole file would give the last part the lighter work.
fn weighted_len(bytes: &[u8]) -> usize {
    let tail = bytes.len().saturating_sub(bytes.len() / 4);
    memchr::memmem::rfind(&bytes[tail..], b"\"parent_map").map_or(bytes.len(), |at| tail + at)
}

/// Reads in parts starting at the first entry boundaries after each of `targets` (ascending).
fn read_parts<'a, S, F>(bytes: &'a [u8], new_sink: &F, targets: &[usize]) -> Option<Vec<S>>
where
    S: ManifestSink<'a> + Send,
    F: Fn(usize) -> S + Sync,
{
    // Checked once here, the text is read as `str`: serde_json then skips checking each
    // string it reads.
    let text = std::str::from_utf8(bytes).ok()?;
    read_text_parts(text, new_sink, targets)
}

fn read_text_parts<'a, S, F>(text: &'a str, new_sink: &F, targets: &[usize]) -> Option<Vec<S>>
where
    S: ManifestSink<'a> + Send,
    F: Fn(usize) -> S + Sync,
{
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    for &target in targets {
        match entry_boundary(bytes, target.max(*starts.last()? + 1)) {
            Some(boundary) => starts.push(boundary),
            None => break,
        }
    }
    let ends: Vec<Option<usize>> = starts
        .iter()
        .skip(1)
        .map(|&s| Some(s))
        .chain([None])
        .collect();
    let outcomes: Vec<Option<(S, Finish)>> = {
        use rayon::prelude::*;
        starts
            .par_iter()
            .zip(ends.par_iter())
            .enumerate()
            .map(|(index, (&start, &stop))| {
                let mut reader = Reader {
                    text,
                    bytes,
                    pos: start,
                    stop,
                    // The first sink also receives the later parts (see `parse_in_parts`).
                    sink: new_sink(if index == 0 {
                        bytes.len()
                    } else {
                        stop.unwrap_or(bytes.len()) - start
                    }),
                };
                let finish = if index == 0 {
                    reader.read_from_start()
                } else {
                    reader.read_from_entry()
                }?;
                Some((reader.sink, finish))
            })
            .collect()
    };
    // Keep parts while each one ended exactly where the next began.
    let mut sinks = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        let (sink, finish) = outcome?;
        sinks.push(sink);
        match finish {
            Finish::AtStop => continue,
            Finish::End => return Some(sinks),
        }
    }
    None
}

/// Where the text after `from` has an entry of a node collection: the `"` opening a key like
/// `"model.pkg.name"` right after `},` and followed by `:` and `{` (dbt writes `}, "` and
/// `": {`; compact writers leave the spaces out).
fn entry_boundary(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    memchr::memmem::find_iter(rest, b"},").find_map(|found| {
        let mut at = from + found + 2;
        at += spaces(&bytes[at..]);
        let quote = at;
        let key_start = quote + 1;
        let key = bytes.get(key_start..)?;
        if !NODE_ID_PREFIXES
            .iter()
            .any(|p| key.starts_with(p.as_bytes()))
        {
            return None;
        }
        let len = key
            .iter()
            .take(512)
            .position(|&b| b == b'"' || b == b'\\')?;
        if key[len] != b'"' {
            return None;
        }
        let mut after = key_start + len + 1;
        after += spaces(&bytes[after..]);
        (bytes.get(after) == Some(&b':')).then_some(())?;
        after += 1;
        after += spaces(&bytes[after..]);
        (bytes.get(after) == Some(&b'{')).then_some(quote)
    })
}

/// The number of JSON whitespace bytes `bytes` starts with.
fn spaces(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
        .count()
}

/// How a part's reading ended.
enum Finish {
    /// It reached the next part's start exactly.
    AtStop,
    /// It read to the end of the manifest.
    End,
}

/// What the reader stands in.
#[derive(Clone, Copy)]
enum Entries {
    Nodes,
    Groups,
    DisabledLists,
    Macros,
}

/// Reads values at byte positions with serde_json, handing them to the sink.
struct Reader<'a, S> {
    text: &'a str,
    /// `text` as bytes.
    bytes: &'a [u8],
    pos: usize,
    /// The next part's start: stop there.
    stop: Option<usize>,
    sink: S,
}

/// Control flow inside the reader: stop early at the next part, or give up.
enum Halt {
    AtStop,
    GiveUp,
}

type Step<T = ()> = Result<T, Halt>;

impl<'a, S: ManifestSink<'a>> Reader<'a, S> {
    /// Reads from the top of the manifest.
    fn read_from_start(&mut self) -> Option<Finish> {
        let result = self.expect(b'{').and_then(|()| self.top_level_body());
        self.finish(result)
    }

    /// Reads from the start of an entry of a node collection, on to the end of the manifest.
    fn read_from_entry(&mut self) -> Option<Finish> {
        let result = self
            .entries_body(Entries::Nodes)
            .and_then(|()| self.after_top_level_value());
        self.finish(result)
    }

    fn finish(&mut self, result: Step) -> Option<Finish> {
        match result {
            Ok(()) => {
                self.skip_whitespace();
                (self.pos == self.bytes.len()).then_some(Finish::End)
            }
            Err(Halt::AtStop) => Some(Finish::AtStop),
            Err(Halt::GiveUp) => None,
        }
    }

    fn skip_whitespace(&mut self) {
        while self.pos < self.bytes.len()
            && matches!(self.bytes[self.pos], b' ' | b'\n' | b'\r' | b'\t')
        {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Step<u8> {
        self.skip_whitespace();
        self.bytes.get(self.pos).copied().ok_or(Halt::GiveUp)
    }

    fn expect(&mut self, byte: u8) -> Step {
        if self.peek()? == byte {
            self.pos += 1;
            Ok(())
        } else {
            Err(Halt::GiveUp)
        }
    }

    /// Deserializes one value at the current position.
    fn value<T: Deserialize<'a>>(&mut self) -> Step<T> {
        let rest = self.text.get(self.pos..).ok_or(Halt::GiveUp)?;
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<T>();
        match stream.next() {
            Some(Ok(value)) => {
                self.pos += stream.byte_offset();
                Ok(value)
            }
            _ => Err(Halt::GiveUp),
        }
    }

    fn key(&mut self) -> Step<Cow<'a, str>> {
        let key = self.value::<Cow<'a, str>>()?;
        self.expect(b':')?;
        Ok(key)
    }

    /// `"key": value, ...` up to the closing `}` of the top-level object.
    fn top_level_body(&mut self) -> Step {
        if self.peek()? == b'}' {
            self.pos += 1;
            return Ok(());
        }
        loop {
            if self.stop.is_some_and(|stop| self.pos >= stop) {
                // The next part starts inside a node collection, never between top-level keys.
                return Err(Halt::GiveUp);
            }
            let key = self.key()?;
            match key.as_ref() {
                "metadata" => {
                    let metadata: Option<Metadata<'a>> = self.value()?;
                    self.sink.metadata(metadata.unwrap_or_default());
                }
                collection if NODE_COLLECTIONS.contains(&collection) => {
                    self.entries(Entries::Nodes)?
                }
                "groups" => self.entries(Entries::Groups)?,
                "macros" => self.entries(Entries::Macros)?,
                "disabled" => self.entries(Entries::DisabledLists)?,
                "selectors" => {
                    if let Some(selectors) = self.value::<Option<&'a RawValue>>()? {
                        self.sink.selectors(selectors);
                    }
                }
                _ => {
                    self.value::<IgnoredAny>()?;
                }
            }
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(Halt::GiveUp),
            }
        }
    }

    /// After a top-level value read by a part that started mid-collection: the rest of the
    /// top-level object.
    fn after_top_level_value(&mut self) -> Step {
        match self.peek()? {
            b',' => {
                self.pos += 1;
                self.top_level_body()
            }
            b'}' => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(Halt::GiveUp),
        }
    }

    /// A collection object (or `null`).
    fn entries(&mut self, kind: Entries) -> Step {
        match self.peek()? {
            b'n' => self.value::<IgnoredAny>().map(|_| ()),
            b'{' => {
                self.pos += 1;
                if self.peek()? == b'}' {
                    self.pos += 1;
                    return Ok(());
                }
                self.entries_body(kind)
            }
            _ => Err(Halt::GiveUp),
        }
    }

    /// `"id": value, ...` up to and including the collection's closing `}`.
    fn entries_body(&mut self, kind: Entries) -> Step {
        loop {
            self.skip_whitespace();
            if let Some(stop) = self.stop
                && self.pos >= stop
            {
                return Err(if self.pos == stop {
                    Halt::AtStop
                } else {
                    Halt::GiveUp
                });
            }
            self.key()?;
            match kind {
                Entries::Nodes => {
                    let node = self.value::<S::Node>()?;
                    self.sink.node(node);
                }
                Entries::Groups => {
                    let group = self.value()?;
                    self.sink.group(group);
                }
                Entries::Macros => {
                    let definition = self.value()?;
                    self.sink.macro_def(definition);
                }
                Entries::DisabledLists => {
                    let definitions: Option<Vec<S::Node>> = self.value()?;
                    for node in definitions.into_iter().flatten() {
                        self.sink.disabled(node);
                    }
                }
            }
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(Halt::GiveUp),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dbt::manifest::{RawGroup, RawNode};

    /// Collects node ids, disabled ids, group names and whether metadata was seen.
    #[derive(Default)]
    struct Ids {
        nodes: Vec<String>,
        disabled: Vec<String>,
        groups: Vec<String>,
        metadata: bool,
        selectors: bool,
    }

    impl<'a> ManifestSink<'a> for Ids {
        type Node = RawNode<'a>;
        fn metadata(&mut self, _: Metadata<'a>) {
            self.metadata = true;
        }
        fn node(&mut self, node: RawNode<'a>) {
            self.nodes.push(node.unique_id.into_owned());
        }
        fn disabled(&mut self, node: RawNode<'a>) {
            self.disabled.push(node.unique_id.into_owned());
        }
        fn group(&mut self, group: RawGroup<'a>) {
            self.groups.push(group.name.into_owned());
        }
        fn selectors(&mut self, _: &'a RawValue) {
            self.selectors = true;
        }
    }

    fn merged(parts: Vec<Ids>) -> Ids {
        let mut all = Ids::default();
        for part in parts {
            all.nodes.extend(part.nodes);
            all.disabled.extend(part.disabled);
            all.groups.extend(part.groups);
            all.metadata |= part.metadata;
            all.selectors |= part.selectors;
        }
        all
    }

    fn sequential(bytes: &[u8]) -> Ids {
        let mut ids = Ids::default();
        crate::dbt::manifest::read_all(bytes, std::path::Path::new("m.json"), &mut ids).unwrap();
        ids
    }

    #[test]
    fn parts_read_what_one_reader_reads() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/acme-analytics/dbt/target/manifest.json"
        );
        let bytes = std::fs::read(path).unwrap();
        let expected = sequential(&bytes);
        assert!(expected.nodes.len() > 100);
        // Split points inside the node collections (in this small manifest, macros dominate).
        let entries: Vec<usize> = (0..bytes.len())
            .filter(|&i| bytes[i..].starts_with(b"}, \"test."))
            .collect();
        for parts in 2..=5 {
            let targets: Vec<usize> = (1..parts)
                .map(|k| entries[entries.len() * k / parts])
                .collect();
            let read = read_parts(&bytes, &|_| Ids::default(), &targets).expect("a split read");
            assert_eq!(read.len(), parts);
            let got = merged(read);
            assert_eq!(got.nodes, expected.nodes, "{parts} parts");
            assert_eq!(got.groups, expected.groups);
            assert!(got.metadata && got.selectors);
        }
    }

    #[test]
    fn compact_json_splits_too() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/acme-analytics/dbt/target/manifest.json"
        );
        let value: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let bytes = serde_json::to_vec(&value).unwrap();
        let expected = sequential(&bytes);
        let middle = bytes.len() / 2;
        let boundary = entry_boundary(&bytes, middle).expect("a boundary in compact JSON");
        assert!(bytes[..boundary].ends_with(b"},"));
        let read = read_parts(&bytes, &|_| Ids::default(), &[middle]).expect("a split read");
        assert_eq!(read.len(), 2);
        assert_eq!(merged(read).nodes, expected.nodes);
    }

    #[test]
    fn the_dependency_maps_are_not_shared_out() {
        let nodes = format!(
            r#"{{"nodes": {{"model.p.a": {{"x": "{}"}}}}, "#,
            "y".repeat(100)
        );
        let manifest = format!(r#"{nodes}"parent_map": {{}}, "child_map": {{}}}}"#);
        assert_eq!(weighted_len(manifest.as_bytes()), nodes.len());
        let without = r#"{"nodes": {}, "sources": {}}"#;
        assert_eq!(weighted_len(without.as_bytes()), without.len());
    }

    #[test]
    fn a_boundary_inside_a_node_is_not_trusted() {
        // A column map keyed like a node id: the pattern matches inside a node.
        let fake = r#"{"metadata": {}, "nodes": {"model.p.a": {"unique_id": "model.p.a", "columns": {"x": {}, "model.p.fake": {"name": "c"}}}, "model.p.b": {"unique_id": "model.p.b"}}, "sources": {}}"#;
        let from = fake.find("\"x\"").unwrap();
        assert_eq!(
            entry_boundary(fake.as_bytes(), from),
            fake.find("\"model.p.fake\"")
        );
        let read = read_parts(fake.as_bytes(), &|_| Ids::default(), &[from]);
        // Either the split gives up (and the caller reads sequentially) or it is right.
        if let Some(parts) = read {
            assert_eq!(merged(parts).nodes, ["model.p.a", "model.p.b"]);
        }
    }
}
