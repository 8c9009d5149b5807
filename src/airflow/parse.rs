//! Reads and parses the Python files of the DAG folders with tree-sitter, in three steps: every
//! file read and parsed once, in parallel (one parser per worker); the modules that other files
//! import evaluated; then every DAG file's DAGs and tasks extracted, in parallel. All three run
//! while the dbt projects load; a DAG file whose code opens the dbt manifest (to build one task
//! per model) is extracted again once the projects are loaded.

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use tree_sitter::Parser;

use super::dbt_manifest::ManifestSource;
use super::extract::extract_file;
use super::import_time::import_time;
use super::invocations::wrapper::DbtWrappers;
use super::model::DagFile;
use super::modules::{ModuleFile, Modules, imported_modules};
use super::syntax;
use super::unseen;
use super::value::Value;
use crate::error::Error;
use crate::input;
use crate::source::{SourceFile, Span};

/// A file to read: where it is and the path to show for it.
#[derive(Debug, Clone)]
pub struct FileToRead {
    pub path: PathBuf,
    pub display: String,
    /// The dotted name other files import it by, when it sits in a DAG folder (which Airflow
    /// puts on `sys.path`): `common`, `include.dbt`.
    pub module: Option<String>,
}

impl FileToRead {
    /// Whether the file sits in a DAG folder (else safe-mode discovery found it elsewhere).
    pub fn in_dag_folder(&self) -> bool {
        self.module.is_some()
    }

    /// The DAG folder holding the file (as shown): its path without the module's own parts.
    pub fn dag_folder(&self) -> Option<String> {
        let module = self.module.as_ref()?;
        let mut parts = module.split('.').count();
        if self.display.ends_with("/__init__.py") || self.display == "__init__.py" {
            parts += 1;
        }
        let components: Vec<&str> = self.display.split('/').collect();
        let kept = components.len().checked_sub(parts)?;
        Some(components[..kept].join("/"))
    }
}

/// A parsed file: importable, and a DAG file if Airflow would look for DAGs in it.
struct Parsed {
    module: ModuleFile,
    is_dag_file: bool,
}

/// Parses every file and extracts the DAG files, keeping the input order; files that read
/// the dbt manifest get it from `manifests`.
pub fn parse_dag_files(
    files: &[FileToRead],
    manifests: Option<&dyn ManifestSource>,
    wrappers: &DbtWrappers,
) -> Vec<DagFile> {
    parse_files(files).extract(manifests, wrappers)
}

/// The DAG folders' files, parsed: unreadable files already reported, DAG files and
/// importable modules waiting for extraction.
pub struct ParsedFiles {
    /// In input order: a reported unreadable file, or a DAG file still to extract.
    results: Vec<Option<DagFile>>,
    modules: Vec<ModuleFile>,
    /// Where each DAG file goes in `results`, and its index in `modules`.
    dag_positions: Vec<(usize, usize)>,
}

/// Reads and parses every file, in parallel.
///
/// Airflow only looks for DAGs in files whose text mentions both "airflow" and "dag" (its
/// default safe mode); other files of the DAG folders are still importable modules.
pub fn parse_files(files: &[FileToRead]) -> ParsedFiles {
    let parsed: Vec<Result<Option<Parsed>, Box<DagFile>>> = files
        .par_iter()
        .map_init(new_parser, |parser, file| parse_one(parser.as_mut(), file))
        .collect();
    let mut results: Vec<Option<DagFile>> = Vec::with_capacity(parsed.len());
    let mut modules = Vec::new();
    let mut dag_positions = Vec::new();
    for entry in parsed {
        match entry {
            Err(unreadable) => results.push(Some(*unreadable)),
            Ok(None) => {}
            Ok(Some(parsed)) => {
                if parsed.is_dag_file {
                    dag_positions.push((results.len(), modules.len()));
                    results.push(None);
                }
                modules.push(parsed.module);
            }
        }
    }
    ParsedFiles {
        results,
        modules,
        dag_positions,
    }
}

impl ParsedFiles {
    /// Whether a DAG file imports from `airflow.sdk`, which only Airflow 3 has.
    pub fn imports_airflow_sdk(&self) -> bool {
        self.dag_positions.iter().any(|&(_, module)| {
            self.modules[module].source.text().lines().any(|line| {
                let line = line.trim_start();
                line.starts_with("from airflow.sdk") || line.starts_with("import airflow.sdk")
            })
        })
    }

    /// The text of every Python file read (DAG files and modules).
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.modules.iter().map(|module| module.source.text())
    }

    /// Leaves out the DAG files Airflow never looks at (`.airflowignore`); they stay
    /// importable modules.
    pub fn skip_dag_files(&mut self, skipped: impl Fn(&str) -> bool) {
        let modules = &self.modules;
        self.dag_positions
            .retain(|&(_, module)| !skipped(modules[module].source.path()));
        for entry in &mut self.results {
            if entry
                .as_ref()
                .is_some_and(|file| skipped(file.source.path()))
            {
                *entry = None;
            }
        }
    }

    /// Evaluates the imported modules, then extracts every DAG file's DAGs and tasks.
    pub fn extract(
        self,
        manifests: Option<&dyn ManifestSource>,
        wrappers: &DbtWrappers,
    ) -> Vec<DagFile> {
        let extracted = self.extract_at(&self.dag_positions, manifests, wrappers);
        self.into_files(extracted)
    }

    /// [`ParsedFiles::extract`] before the dbt projects are loaded: a file whose code opens
    /// `manifest.json` gets nothing this time, and [`EarlyExtraction::finish`] extracts it
    /// again with the manifests. Few repositories have such files, so the DAG files are
    /// mostly read while the projects load.
    pub fn extract_early(self, wrappers: &DbtWrappers) -> EarlyExtraction {
        let asked = AskedManifests::default();
        let extracted = self.extract_at(&self.dag_positions, Some(&asked), wrappers);
        let asked = asked.files.into_inner().unwrap_or_else(|e| e.into_inner());
        EarlyExtraction {
            parsed: self,
            extracted,
            asked,
        }
    }

    /// Evaluates the imported modules, then extracts the DAG files at `positions`.
    fn extract_at(
        &self,
        positions: &[(usize, usize)],
        manifests: Option<&dyn ManifestSource>,
        wrappers: &DbtWrappers,
    ) -> Vec<(usize, DagFile)> {
        let modules = Modules::new(manifests, wrappers);
        modules.evaluate(&self.modules);
        positions
            .par_iter()
            .map(|&(position, module)| {
                let file = &self.modules[module];
                let mut extracted = extract_file(file.source.clone(), &file.tree, Some(&modules));
                extracted.unread_dbt = unseen::unread_dbt_calls(&file.tree, &extracted);
                extracted.import_time = import_time(&file.source, &file.tree);
                (position, extracted)
            })
            .collect()
    }

    /// The dotted names some file imports (modules a file other than their own may run).
    fn imported_modules(&self) -> HashSet<String> {
        self.modules.iter().flat_map(imported_modules).collect()
    }

    /// The files in input order: the unreadable ones and the extracted DAG files.
    fn into_files(self, extracted: Vec<(usize, DagFile)>) -> Vec<DagFile> {
        let ParsedFiles {
            mut results,
            modules,
            ..
        } = self;
        // The syntax trees are read.
        crate::free_on_worker(modules);
        for (position, file) in extracted {
            results[position] = Some(file);
        }
        results.into_iter().flatten().collect()
    }
}

/// DAG files extracted before the dbt projects were loaded ([`ParsedFiles::extract_early`]).
pub struct EarlyExtraction {
    parsed: ParsedFiles,
    extracted: Vec<(usize, DagFile)>,
    /// The files (as shown) whose code opened `manifest.json`.
    asked: BTreeSet<String>,
}

impl EarlyExtraction {
    /// The text of every Python file read (DAG files and modules).
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.parsed.texts()
    }

    /// Every DAG file, the ones whose code opens `manifest.json` extracted again with
    /// `manifests`. Only a DAG file that no other file imports opening it in its own code is
    /// redone alone; when a module opens it (at import, or in a function a DAG file calls),
    /// every DAG file is.
    pub fn finish(
        self,
        manifests: Option<&dyn ManifestSource>,
        wrappers: &DbtWrappers,
    ) -> Vec<DagFile> {
        let EarlyExtraction {
            parsed,
            mut extracted,
            asked,
        } = self;
        if asked.is_empty() {
            return parsed.into_files(extracted);
        }
        let imported = parsed.imported_modules();
        let redo: Option<Vec<(usize, usize)>> = asked
            .iter()
            .map(|shown| {
                parsed.dag_positions.iter().copied().find(|&(_, module)| {
                    let file = &parsed.modules[module];
                    file.source.path() == shown && !imported.contains(file.name.as_str())
                })
            })
            .collect();
        match redo {
            Some(positions) => {
                let again = parsed.extract_at(&positions, manifests, wrappers);
                for (position, file) in again {
                    if let Some(slot) = extracted.iter_mut().find(|(at, _)| *at == position) {
                        slot.1 = file;
                    }
                }
                parsed.into_files(extracted)
            }
            None => parsed.extract(manifests, wrappers),
        }
    }
}

/// A manifest source that gives nothing and notes which files asked.
#[derive(Default)]
struct AskedManifests {
    files: Mutex<BTreeSet<String>>,
}

impl ManifestSource for AskedManifests {
    fn manifest(&self, _path: &str, span: &Span) -> Option<Value> {
        self.files
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(span.file.path().to_owned());
        None
    }
}

fn new_parser() -> Option<Parser> {
    let mut parser = Parser::new();
    parser.set_language(&super::grammar::python()).ok()?;
    Some(parser)
}

/// Airflow's safe-mode test for a file that may define DAGs.
fn mentions_airflow_dag(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("airflow") && lower.contains("dag")
}

/// A file that cannot be read or parsed is a (boxed) DAG file holding the problem.
fn parse_one(
    parser: Option<&mut Parser>,
    file: &FileToRead,
) -> Result<Option<Parsed>, Box<DagFile>> {
    let text = match input::read_text(&file.path) {
        Ok(text) => text,
        // Like a file that does not parse: reported, and the other files are still checked.
        Err(error) => {
            return Err(unreadable(
                SourceFile::new(file.display.clone(), ""),
                error.to_error(&file.display).into_warning(),
            ));
        }
    };
    let is_dag_file = mentions_airflow_dag(&text);
    if !is_dag_file && file.module.is_none() {
        return Ok(None);
    }
    let source = SourceFile::new(file.display.clone(), text);
    let Some(parser) = parser else {
        return Err(unreadable(
            source,
            Error::new("the Python grammar failed to load"),
        ));
    };
    let Some(tree) = parser.parse(source.text(), None) else {
        return Err(unreadable(
            source.clone(),
            Error::new(format!("{}: could not be parsed", file.display)),
        ));
    };
    if let Some(problem) = syntax::find_problem(&tree, source.text()) {
        if !is_dag_file {
            // A module Python cannot parse cannot be imported either: its names stay unknown.
            return Ok(None);
        }
        let range = problem.range.start as u32..problem.range.end as u32;
        let span = Span::new(source.clone(), range);
        // A warning either way: the other files are still checked, and the run does not fail
        // for one file. In a DAG folder it is an import error Airflow shows too; elsewhere the
        // file was only picked up because its text mentions "airflow" and "dag".
        let error = if file.in_dag_folder() {
            Error::at(span, problem.message, problem.label).with_help(problem.help)
        } else {
            Error::at(
                span,
                "skipped: not Python that monolint can parse",
                problem.label,
            )
            .with_help(
                "the file is outside the DAG folders and was read because it mentions \
                 \"airflow\" and \"dag\"; set `[airflow] dag-folders` to read only the DAG folders",
            )
        };
        return Err(unreadable(source, error.into_warning()));
    }
    let name = file.module.clone().unwrap_or_default();
    Ok(Some(Parsed {
        module: ModuleFile { name, source, tree },
        is_dag_file,
    }))
}

fn unreadable(source: Arc<SourceFile>, error: Error) -> Box<DagFile> {
    Box::new(DagFile {
        source,
        dags: Vec::new(),
        tasks: Vec::new(),
        problems: vec![error],
        airflow_version: None,
        unread_dbt: Vec::new(),
        factory_calls: Vec::new(),
        import_time: Default::default(),
    })
}
