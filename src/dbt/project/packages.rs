//! The packages a project reads: the root project and the packages `dbt deps` installed in
//! `dbt_packages/` (`packages-install-path`), each with its own `dbt_project.yml`, and the
//! files of each resource kind under their folders.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::input::Boundary;
use crate::yaml;

/// A package's `dbt_project.yml`, as the reader needs it.
#[derive(Debug)]
pub struct Package {
    pub name: String,
    /// Its folder.
    pub dir: PathBuf,
    /// Its folder as shown to users (relative to the checked folder).
    pub display_dir: String,
    pub is_root: bool,
    pub model_paths: Vec<String>,
    pub seed_paths: Vec<String>,
    pub snapshot_paths: Vec<String>,
    pub analysis_paths: Vec<String>,
    pub test_paths: Vec<String>,
    pub macro_paths: Vec<String>,
    /// The whole file, for its resource sections (`models:`, `seeds:`, ...).
    pub project: Map<String, Value>,
}

impl Package {
    /// The file's resource section for a resource type (`models:` for models and analyses).
    pub fn section(&self, resource_type: &str) -> Option<&Value> {
        let key = match resource_type {
            "seed" => "seeds",
            "snapshot" => "snapshots",
            "source" => "sources",
            "test" => {
                return self
                    .project
                    .get("data_tests")
                    .or_else(|| self.project.get("tests"));
            }
            "exposure" => "exposures",
            "unit_test" => "unit_tests",
            "semantic_model" => "semantic-models",
            "metric" => "metrics",
            "saved_query" => "saved-queries",
            _ => "models",
        };
        self.project.get(key)
    }

    /// dbt 1.11's `arguments:` nesting of generic test arguments (`flags:` may turn it off).
    pub fn reads_test_arguments(&self) -> bool {
        self.project
            .get("flags")
            .and_then(|flags| flags.get("require_generic_test_arguments_property"))
            .and_then(Value::as_bool)
            .unwrap_or(true)
    }
}

/// Reads the `dbt_project.yml` of the package in `dir`.
pub fn read_package(
    dir: &Path,
    display_dir: &str,
    is_root: bool,
    boundary: &Boundary,
) -> Result<Package> {
    let display = join(display_dir, "dbt_project.yml");
    let text = boundary
        .read_text(&dir.join("dbt_project.yml"))
        .map_err(|error| error.to_error(&display))?;
    let project = match yaml::json_from_str(&text) {
        Ok(Value::Object(project)) => project,
        Ok(_) => return Err(Error::new(format!("{display}: not a mapping"))),
        Err(error) => {
            return Err(Error::new(format!(
                "{display}: invalid dbt_project.yml: {}",
                error.message
            )));
        }
    };
    let paths = |key: &str, default: &str| -> Vec<String> {
        match project.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(one)) => vec![one.clone()],
            _ => vec![default.to_owned()],
        }
    };
    Ok(Package {
        name: project
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        dir: dir.to_path_buf(),
        display_dir: display_dir.to_owned(),
        is_root,
        model_paths: paths("model-paths", "models"),
        seed_paths: paths("seed-paths", "seeds"),
        snapshot_paths: paths("snapshot-paths", "snapshots"),
        analysis_paths: paths("analysis-paths", "analyses"),
        test_paths: paths("test-paths", "tests"),
        macro_paths: paths("macro-paths", "macros"),
        project,
    })
}

/// The packages installed under the root project (`packages-install-path`, `dbt_packages` by
/// default), by folder name (a folder without `dbt_project.yml` is not a package), and the
/// `local:` packages of `packages.yml` or `dependencies.yml` read where they are. A package
/// declared but not installed is reported: what it defines is unknown until `dbt deps`.
pub fn installed_packages(root: &Package, boundary: &Boundary) -> (Vec<Package>, Vec<Error>) {
    let (mut packages, mut problems) = packages_in_install_folder(root, boundary);
    let declared = declared_packages(root, boundary);
    for declaration in &declared {
        if let Some(local) = declaration.get("local").and_then(Value::as_str) {
            let dir = root.dir.join(local);
            if boundary.check(&dir).is_err() || !dir.join("dbt_project.yml").is_file() {
                continue;
            }
            let display = crate::workspace::normalize_relative(&join(&root.display_dir, local));
            match read_package(&dir, &display, false, boundary) {
                Ok(package)
                    if package.name != root.name
                        && !packages.iter().any(|p| p.name == package.name) =>
                {
                    packages.push(package)
                }
                Ok(_) => {}
                Err(error) => problems.push(error.into_warning()),
            }
        }
    }
    let missing: Vec<String> = declared
        .iter()
        .filter(|d| d.get("local").is_none())
        .filter_map(|d| {
            d.get("package")
                .or_else(|| d.get("git"))
                .or_else(|| d.get("tarball"))
                .and_then(Value::as_str)
        })
        .filter(|name| {
            let short = name
                .trim_end_matches(".git")
                .rsplit(['/', '.'])
                .next()
                .unwrap_or(name);
            !packages.iter().any(|p| {
                p.name == short
                    || short.replace('-', "_").contains(&p.name)
                    || p.dir.ends_with(short)
            })
        })
        .map(str::to_owned)
        .collect();
    if packages.is_empty() && !missing.is_empty() {
        problems.push(
            Error::new(format!(
                "{}: the packages it declares are not installed ({}): what they define is unknown",
                join(&root.display_dir, "packages.yml"),
                missing.join(", ")
            ))
            .into_warning()
            .with_help("run `dbt deps` to install them"),
        );
    }
    (packages, problems)
}

/// The entries of `packages:` in `packages.yml` and `dependencies.yml`.
fn declared_packages(root: &Package, boundary: &Boundary) -> Vec<Map<String, Value>> {
    let mut declared = Vec::new();
    for file in ["packages.yml", "dependencies.yml"] {
        let Ok(text) = boundary.read_text(&root.dir.join(file)) else {
            continue;
        };
        if let Ok(document) = yaml::json_from_str(&text) {
            declared.extend(
                document
                    .get("packages")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_object)
                    .cloned(),
            );
        }
    }
    declared
}

fn packages_in_install_folder(root: &Package, boundary: &Boundary) -> (Vec<Package>, Vec<Error>) {
    let folder = root
        .project
        .get("packages-install-path")
        .and_then(Value::as_str)
        .unwrap_or("dbt_packages");
    let install_dir = root.dir.join(folder);
    let Ok(entries) = std::fs::read_dir(&install_dir) else {
        return (Vec::new(), Vec::new());
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.join("dbt_project.yml").is_file())
        .collect();
    dirs.sort();
    let mut packages = Vec::new();
    let mut problems = Vec::new();
    for dir in dirs {
        let name = dir
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let display = join(&join(&root.display_dir, folder), &name);
        match read_package(&dir, &display, false, boundary) {
            Ok(package) if package.name != root.name => packages.push(package),
            Ok(_) => {}
            Err(error) => problems.push(error.into_warning()),
        }
    }
    (packages, problems)
}

/// The files under a package's folders, as `/`-separated paths relative to the package, sorted.
/// Symbolic links and folders that lead out of the checked folder are left out.
pub fn files_under(package: &Package, folders: &[String], boundary: &Boundary) -> Vec<String> {
    let mut found = Vec::new();
    for folder in folders {
        let start = package.dir.join(folder);
        if boundary.check(&start).is_err() {
            continue;
        }
        let mut stack = vec![(start, normalize(folder))];
        while let Some((dir, relative)) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let Ok(file_type) = entry.file_type() else {
                    continue;
                };
                let name = entry.file_name().to_string_lossy().into_owned();
                let path = join(&relative, &name);
                if file_type.is_dir() {
                    stack.push((entry.path(), path));
                } else if file_type.is_file() {
                    found.push(path);
                }
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

fn normalize(folder: &str) -> String {
    crate::workspace::normalize_relative(folder)
}

pub fn join(dir: &str, relative: &str) -> String {
    if dir.is_empty() {
        relative.to_owned()
    } else if relative.is_empty() {
        dir.to_owned()
    } else {
        format!("{dir}/{relative}")
    }
}
