//! The floor of a check without a manifest: the work no reader of a dbt project's files and
//! its DAG files can skip, and nothing else. One walk of the repository; every SQL, Python
//! and YAML file of the dbt project and every Python file of the DAG folder read, on all
//! cores; the DAG files parsed by tree-sitter; the YAML read into JSON values by monolint's
//! own reader. Nothing is rendered, resolved, linked or checked. docs/performance.md ("The
//! floor without a manifest") compares it with `monolint check --no-manifest`.
//!
//! usage: files-floor REPOSITORY PROJECT DAG_FOLDER (the last two relative to the first)

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

#[global_allocator]
static ALLOCATOR: monolint::allocator::Mimalloc = monolint::allocator::Mimalloc;

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [repository, project, dags] = args.as_slice() else {
        eprintln!("usage: files-floor REPOSITORY PROJECT DAG_FOLDER");
        std::process::exit(2);
    };
    let (project, dags) = (repository.join(project), repository.join(dags));
    let start = Instant::now();
    let mut steps = Vec::new();

    let mut walked = Vec::new();
    walk(repository, &mut walked);
    let with_extension = |folder: &Path, extensions: &[&str]| -> Vec<&PathBuf> {
        (walked.iter())
            .filter(|path| path.starts_with(folder))
            .filter(|path| {
                path.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| extensions.contains(&e))
            })
            .collect()
    };
    let project_files = with_extension(&project, &["sql", "py", "yml", "yaml"]);
    let dag_files = with_extension(&dags, &["py"]);
    steps.push(("walk", start.elapsed()));

    let read = |files: &[&PathBuf]| -> Vec<(PathBuf, String)> {
        files
            .par_iter()
            .map(|path| {
                let text = monolint::input::read_walked(path)
                    .and_then(monolint::input::decode_text)
                    .unwrap_or_default();
                (path.to_path_buf(), text)
            })
            .collect()
    };
    let (project_texts, dag_texts) = rayon::join(|| read(&project_files), || read(&dag_files));
    steps.push(("read", start.elapsed()));

    let trees: Vec<Option<tree_sitter::Tree>> = dag_texts
        .par_iter()
        .map_init(python_parser, |parser, (_, text)| parser.parse(text, None))
        .collect();
    steps.push(("tree-sitter", start.elapsed()));

    let documents: Vec<serde_json::Value> = project_texts
        .par_iter()
        .filter(|(path, _)| path.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .map(|(_, text)| monolint::yaml::json_from_str(text).unwrap_or_default())
        .collect();
    steps.push(("yaml", start.elapsed()));

    let bytes = |texts: &[(PathBuf, String)]| texts.iter().map(|(_, t)| t.len()).sum::<usize>();
    println!(
        "{} files walked; {} project files ({} bytes, {} YAML documents); {} DAG files ({} bytes, {} parsed)",
        walked.len(),
        project_texts.len(),
        bytes(&project_texts),
        documents.len(),
        dag_texts.len(),
        bytes(&dag_texts),
        trees.iter().flatten().count(),
    );
    let mut before = std::time::Duration::ZERO;
    for (step, at) in steps {
        println!("{step:<12} {:>7.1} ms", (at - before).as_secs_f64() * 1e3);
        before = at;
    }
    println!("{:<12} {:>7.1} ms", "total", before.as_secs_f64() * 1e3);
}

/// Every file under `folder` but hidden ones and those in `target/`, `dbt_packages`'s
/// included (dbt reads installed packages, which `.gitignore` usually names).
fn walk(folder: &Path, files: &mut Vec<PathBuf>) {
    let mut folders = vec![folder.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(listing) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in listing.flatten() {
            let name = entry.file_name();
            if name.as_encoded_bytes().starts_with(b".") || name == "target" {
                continue;
            }
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => folders.push(entry.path()),
                Ok(kind) if kind.is_file() => files.push(entry.path()),
                _ => {}
            }
        }
    }
}

fn python_parser() -> tree_sitter::Parser {
    let mut parser = tree_sitter::Parser::new();
    // The grammar is compiled in: setting it fails only on an ABI mismatch, caught by the
    // parse returning no tree.
    let _ = parser.set_language(&tree_sitter_python::LANGUAGE.into());
    parser
}
