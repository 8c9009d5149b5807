//! Listing and reading a package's files, in parallel.

use super::*;
use crate::dbt::dbtignore::DbtIgnore;

/// The kinds of files a package holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum FileKind {
    Model,
    Analysis,
    Snapshot,
    SingularTest,
    Seed,
}

/// A code file: its kind, path relative to the package, path relative to its resource
/// folder, and text (empty for a seed).
pub(super) type CodeFile = (FileKind, String, String, String);

/// A package's files, read.
pub(super) struct PackageFiles {
    pub(super) code: Vec<CodeFile>,
    /// Properties YAML files: path and document.
    pub(super) properties: Vec<(String, Value)>,
    pub(super) macros: Vec<MacroDef>,
    pub(super) problems: Vec<Error>,
}

pub(super) fn read_files(package: &Package, boundary: &Boundary) -> PackageFiles {
    let mut wanted: Vec<(FileKind, String, String)> = Vec::new();
    let mut yaml_files: Vec<String> = Vec::new();
    let mut macro_files: Vec<String> = Vec::new();
    let groups: [(Option<FileKind>, &Vec<String>, &[&str]); 6] = [
        (Some(FileKind::Model), &package.model_paths, &["sql", "py"]),
        (Some(FileKind::Analysis), &package.analysis_paths, &["sql"]),
        (Some(FileKind::Snapshot), &package.snapshot_paths, &["sql"]),
        (Some(FileKind::SingularTest), &package.test_paths, &["sql"]),
        (Some(FileKind::Seed), &package.seed_paths, &["csv"]),
        (None, &package.macro_paths, &["sql"]),
    ];
    // dbt skips what the package's `.dbtignore` names, in every resource folder.
    let dbtignore = boundary.read_text(&package.dir.join(DbtIgnore::FILE)).ok();
    let dbtignore = DbtIgnore::new(&package.dir, dbtignore.as_deref());
    for (kind, folders, extensions) in groups {
        for folder in folders.iter() {
            let prefix = crate::workspace::normalize_relative(folder);
            for file in files_under(package, std::slice::from_ref(folder), boundary) {
                if dbtignore.ignores(&file) {
                    continue;
                }
                let extension = file.rsplit_once('.').map_or("", |(_, e)| e);
                if matches!(extension, "yml" | "yaml") {
                    yaml_files.push(file);
                    continue;
                }
                if !extensions.contains(&extension) {
                    continue;
                }
                let relative = file
                    .strip_prefix(&prefix)
                    .map_or(file.as_str(), |rest| rest.trim_start_matches('/'))
                    .to_owned();
                match kind {
                    // Generic tests live in `tests/generic/`: macros, not singular tests.
                    Some(FileKind::SingularTest)
                        if relative.split('/').next() == Some("generic") =>
                    {
                        macro_files.push(file)
                    }
                    Some(kind) => wanted.push((kind, file, relative)),
                    None => macro_files.push(file),
                }
            }
        }
    }
    yaml_files.sort();
    yaml_files.dedup();
    // `files_under` listed these as regular files (no symbolic links) in folders inside the
    // checked folder: they are read without resolving their paths again, as the DAG files
    // the repository walk listed are.
    let read = |file: &str| -> std::result::Result<String, Error> {
        crate::input::read_walked(&package.dir.join(file))
            .and_then(crate::input::decode_text)
            .map_err(|error| {
                error
                    .to_error(&join(&package.display_dir, file))
                    .into_warning()
            })
    };
    let code: Vec<std::result::Result<(FileKind, String, String, String), Error>> = wanted
        .into_par_iter()
        .map(|(kind, file, relative)| {
            let text = if kind == FileKind::Seed {
                String::new()
            } else {
                read(&file)?
            };
            Ok((kind, file, relative, text))
        })
        .collect();
    let properties: Vec<std::result::Result<(String, Value), Error>> = yaml_files
        .into_par_iter()
        .map(|file| {
            let text = read(&file)?;
            let document = yaml::json_from_str(&text).map_err(|error| {
                Error::new(format!(
                    "{}: invalid YAML: {}",
                    join(&package.display_dir, &file),
                    error.message
                ))
                .into_warning()
            })?;
            Ok((file, document))
        })
        .collect();
    let macros: Vec<std::result::Result<Vec<MacroDef>, Error>> = macro_files
        .into_par_iter()
        .map(|file| Ok(macros_in(&read(&file)?, &package.name)))
        .collect();
    let mut files = PackageFiles {
        code: Vec::new(),
        properties: Vec::new(),
        macros: Vec::new(),
        problems: Vec::new(),
    };
    for result in code {
        match result {
            Ok(entry) => files.code.push(entry),
            Err(error) => files.problems.push(error),
        }
    }
    for result in properties {
        match result {
            Ok(entry) => files.properties.push(entry),
            Err(error) => files.problems.push(error),
        }
    }
    for result in macros {
        match result {
            Ok(found) => files.macros.extend(found),
            Err(error) => files.problems.push(error),
        }
    }
    files
}
