//! Reads and parses DAG files with tree-sitter, in parallel: one parser per worker thread,
//! each file read and parsed once.

use std::path::PathBuf;

use rayon::prelude::*;
use tree_sitter::{Node, Parser};

use super::extract::extract_file;
use super::model::DagFile;
use crate::error::Error;
use crate::source::{SourceFile, Span};

/// A file to read: where it is and the path to show for it.
#[derive(Debug, Clone)]
pub struct FileToRead {
    pub path: PathBuf,
    pub display: String,
    /// Outside the DAG folders a file counts only if it mentions both "airflow" and "dag"
    /// (case-insensitive), the test Airflow's own safe-mode DAG discovery applies.
    pub only_if_mentions_airflow: bool,
}

/// Parses and extracts every DAG file, keeping the input order.
pub fn parse_dag_files(files: &[FileToRead]) -> Vec<DagFile> {
    let parsed: Vec<Option<DagFile>> = files
        .par_iter()
        .map_init(new_parser, |parser, file| parse_one(parser.as_mut(), file))
        .collect();
    parsed.into_iter().flatten().collect()
}

fn new_parser() -> Option<Parser> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .ok()?;
    Some(parser)
}

fn parse_one(parser: Option<&mut Parser>, file: &FileToRead) -> Option<DagFile> {
    let text = match std::fs::read(&file.path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map_err(|_| Error::new(format!("{}: not UTF-8 text", file.display))),
        Err(error) => Err(Error::io(&file.path, &error)),
    };
    let text = match text {
        Ok(text) => text,
        Err(error) => return Some(unreadable(SourceFile::new(file.display.clone(), ""), error)),
    };
    if file.only_if_mentions_airflow {
        let lower = text.to_ascii_lowercase();
        if !(lower.contains("airflow") && lower.contains("dag")) {
            return None;
        }
    }
    let source = SourceFile::new(file.display.clone(), text);
    let Some(parser) = parser else {
        return Some(unreadable(
            source,
            Error::new("the Python grammar failed to load"),
        ));
    };
    let Some(tree) = parser.parse(source.text(), None) else {
        return Some(unreadable(
            source.clone(),
            Error::new(format!("{}: could not be parsed", file.display)),
        ));
    };
    if tree.root_node().has_error() {
        let node = first_error(tree.root_node()).unwrap_or(tree.root_node());
        let span = Span::new(
            source.clone(),
            node.start_byte() as u32..node.end_byte().max(node.start_byte() + 1) as u32,
        );
        let error = Error::at(span, "invalid Python syntax", "Python cannot parse this").with_help(
            "Airflow cannot import this file either, so none of its DAGs exist; fix the syntax",
        );
        return Some(unreadable(source, error));
    }
    Some(extract_file(source, &tree))
}

fn unreadable(source: std::sync::Arc<SourceFile>, error: Error) -> DagFile {
    DagFile {
        source,
        dags: Vec::new(),
        tasks: Vec::new(),
        problems: vec![error],
    }
}

/// The first (innermost, leftmost) syntax error node.
fn first_error(node: Node) -> Option<Node> {
    if node.is_error() || node.is_missing() {
        let mut cursor = node.walk();
        let inner = node.children(&mut cursor).find_map(first_error);
        return inner.or(Some(node));
    }
    if !node.has_error() {
        return None;
    }
    let mut cursor = node.walk();
    node.children(&mut cursor).find_map(first_error)
}
