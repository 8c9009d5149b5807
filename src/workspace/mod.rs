//! Discovery: the dbt projects, their manifests and the DAG files under the checked folder.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::airflow::invocations::wrapper::DbtWrappers;
use crate::airflow::parse::FileToRead;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::input::{self, Boundary};
use crate::repo_paths::RepoPaths;

mod walk;
use walk::WalkedFile;

/// Where a dbt project and its manifest are.
#[derive(Debug, Clone)]
pub struct ProjectLocation {
    pub dir: PathBuf,
    /// The folder as shown to users: relative to the checked folder, `/`-separated (`""` for
    /// the checked folder itself).
    pub display_dir: String,
    pub manifest: PathBuf,
    /// The manifest was named on the command line: read wherever it is.
    pub manifest_given: bool,
    /// Read the project's files, not the manifest (`--no-manifest`).
    pub no_manifest: bool,
    /// Whether the user named this project or its manifest (`[dbt] projects`, `[dbt]
    /// manifest`, `--manifest`): then a project that cannot be loaded stops the check, where a
    /// discovered one is skipped with a warning.
    pub named: bool,
}

impl ProjectLocation {
    /// The folder as shown in messages: `.` for the checked folder itself.
    pub fn shown_dir(&self) -> &str {
        if self.display_dir.is_empty() {
            "."
        } else {
            &self.display_dir
        }
    }
}

/// The files a check reads.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: PathBuf,
    pub projects: Vec<ProjectLocation>,
    pub dag_files: Vec<FileToRead>,
    pub path_map: PathMap,
    /// `[[airflow.dbt-operators]]` and `[airflow] dbt-decorators`: operators and decorators from
    /// outside the DAG folders that run dbt.
    pub wrappers: DbtWrappers,
    /// `[airflow] version`.
    pub airflow_version: Option<crate::airflow::schedule::AirflowVersion>,
    /// The Airflow version the repository's requirements, constraints and images pin.
    pub airflow_pinned: Option<crate::airflow::schedule::AirflowVersion>,
    /// The major version of dag-factory the repository pins (0 or 1).
    pub dag_factory_major: Option<u32>,
    /// `[airflow] ignore-file-syntax`.
    pub ignore_syntax: Option<crate::airflow::ignore::IgnoreSyntax>,
    /// Folders that could not be walked and files refused while walking.
    pub problems: Vec<Error>,
}

impl Workspace {
    /// Reads every dbt project from its files, not its manifest (`--no-manifest`).
    pub fn read_project_files(&mut self) {
        for project in &mut self.projects {
            project.no_manifest = true;
        }
    }

    /// What monolint may read when a checked file names a path: the checked folder and the
    /// dbt project folders (found in it, or given by the caller).
    pub fn boundary(&self) -> Boundary {
        let mut boundary = Boundary::new(&self.root);
        for project in &self.projects {
            boundary.include(&project.dir);
        }
        boundary
    }
}

/// Runtime paths (where Airflow workers see the repository's files) → repository folders.
#[derive(Debug, Clone, Default)]
pub struct PathMap {
    /// Longest prefix first.
    prefixes: Vec<(String, String)>,
    /// The repository's files and folders, onto which a path no prefix maps is inferred
    /// (shared: the linked repository keeps it for its rules).
    pub repository: Arc<RepoPaths>,
}

impl PathMap {
    pub fn new(entries: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut prefixes: Vec<(String, String)> = entries
            .into_iter()
            .map(|(runtime, repo)| {
                let runtime = runtime.trim_end_matches('/').to_owned();
                let repo = normalize_relative(&repo);
                (runtime, repo)
            })
            .collect();
        prefixes.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        PathMap {
            prefixes,
            repository: Arc::default(),
        }
    }

    /// The mappings, longest runtime prefix first.
    pub fn entries(&self) -> &[(String, String)] {
        &self.prefixes
    }

    /// The repository folder a runtime path names, when a prefix of it is mapped.
    pub fn apply(&self, path: &str) -> Option<String> {
        let path = path.trim_end_matches('/');
        self.prefixes.iter().find_map(|(runtime, repo)| {
            let rest = path.strip_prefix(runtime.as_str())?;
            if !(rest.is_empty() || rest.starts_with('/')) {
                return None;
            }
            Some(normalize_relative(&format!("{repo}{rest}")))
        })
    }
}

/// `./a//b/` → `a/b`.
pub fn normalize_relative(path: &str) -> String {
    path.split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// Folders never worth walking into.
const SKIPPED_DIRS: &[&str] = &[
    "dbt_packages",
    "dbt_modules",
    "target",
    "node_modules",
    "__pycache__",
    "site-packages",
    "logs",
];

/// Finds everything under `root`, honouring `.gitignore` files; a folder without a dbt
/// project is an error.
pub fn discover(
    root: &Path,
    config: &Config,
    manifest_override: Option<&Path>,
) -> Result<Workspace> {
    let workspace = discover_layout(root, config, manifest_override)?;
    if workspace.projects.is_empty() {
        return Err(no_project(root));
    }
    Ok(workspace)
}

/// The error for a folder without a dbt project.
pub fn no_project(root: &Path) -> Error {
    Error::new(format!(
        "{}: no dbt project (dbt_project.yml) found",
        root.display()
    ))
    .with_help("run monolint on the folder that holds the dbt project, or set `[dbt] projects`")
}

/// Finds everything under `root` as [`discover`] does, whatever it holds: `monolint init`
/// writes a starter even for a folder with no dbt project yet.
pub fn discover_layout(
    root: &Path,
    config: &Config,
    manifest_override: Option<&Path>,
) -> Result<Workspace> {
    if !root.is_dir() {
        return Err(Error::new(format!("{}: no such folder", root.display())));
    }
    let boundary = Boundary::new(root);
    let mut problems = Vec::new();
    let mut link_problems = Vec::new();
    let mut project_dirs = Vec::new();
    let mut python_files = Vec::new();
    let mut repository = RepoPaths::default();
    let mut pins = Vec::new();
    let mut dag_factory_pins = Vec::new();
    walk::walk(root, &boundary, &mut problems, &mut |file| {
        let WalkedFile {
            path,
            relative,
            file_type,
        } = file;
        let is_link = file_type.is_symlink();
        if is_link {
            repository.insert_link(&relative);
        } else {
            repository.insert(&relative);
        }
        match path.file_name().and_then(|n| n.to_str()) {
            Some("dbt_project.yml") if file_type.is_file() => {
                if let Some(dir) = path.parent() {
                    project_dirs.push(dir.to_path_buf());
                }
            }
            // FIFOs and devices named `.py` are kept, so reading them says what they are.
            Some(name) if name.ends_with(".py") => {
                if is_link && let Err(error) = boundary.check(&path) {
                    if !error.is_not_found() {
                        link_problems.push(error.to_error(&relative).into_warning());
                    }
                    return;
                }
                python_files.push(path);
            }
            Some(name) if file_type.is_file() && crate::airflow::version::may_pin(name) => {
                if let Ok(text) = input::read_text(&path) {
                    pins.extend(crate::airflow::version::pinned_in(name, &text));
                    dag_factory_pins
                        .extend(crate::airflow::version::dag_factory_pinned_in(name, &text));
                }
            }
            _ => {}
        }
    })?;
    problems.append(&mut link_problems);
    project_dirs.sort();
    python_files.sort();

    let projects_named = !config.dbt.projects.is_empty();
    if projects_named {
        project_dirs = config
            .dbt
            .projects
            .iter()
            .map(|dir| configured_path(&boundary, root, "[dbt] projects", dir))
            .collect::<Result<_>>()?;
    }
    // A manifest given on the command line is the user's choice; one the config names must be
    // in the repository.
    let manifest_given = manifest_override.is_some();
    let manifest_override = match (manifest_override, &config.dbt.manifest) {
        (Some(path), _) => Some(path.to_path_buf()),
        (None, Some(path)) => Some(configured_path(&boundary, root, "[dbt] manifest", path)?),
        (None, None) => None,
    };
    if manifest_override.is_some() && project_dirs.len() > 1 {
        return Err(Error::new(
            "a manifest was given, but there are several dbt projects: say which with `[dbt] projects`",
        ));
    }
    let projects = project_dirs
        .into_iter()
        .map(|dir| ProjectLocation {
            display_dir: relative_display(root, &dir),
            named: projects_named || manifest_override.is_some(),
            manifest: manifest_override
                .clone()
                .unwrap_or_else(|| dir.join("target").join("manifest.json")),
            manifest_given,
            no_manifest: false,
            dir,
        })
        .collect::<Vec<_>>();

    let dag_folders: Vec<PathBuf> = config
        .airflow
        .dag_folders
        .iter()
        .map(|folder| configured_path(&boundary, root, "[airflow] dag-folders", folder))
        .collect::<Result<_>>()?;
    let dag_files = python_files
        .into_iter()
        .filter(|file| !projects.iter().any(|p| file.starts_with(&p.dir)))
        .filter_map(|file| {
            // The DAG folder holding the file: Airflow puts it on `sys.path`.
            let folder = if dag_folders.is_empty() {
                dags_ancestor(root, &file)
            } else {
                dag_folders
                    .iter()
                    .find(|folder| file.starts_with(folder))
                    .cloned()
            };
            if !dag_folders.is_empty() && folder.is_none() {
                return None;
            }
            // Outside the DAG folders, only a file Airflow could be given as a DAG file.
            if folder.is_none() && is_test_file(root, &file) {
                return None;
            }
            Some(FileToRead {
                display: relative_display(root, &file),
                module: folder.and_then(|folder| module_name(&folder, &file)),
                path: file,
            })
        })
        .collect();
    // Manifests sit in `target/`, which the walk skips.
    for project in &projects {
        repository.insert(&relative_display(root, &project.manifest));
    }
    let mut path_map = PathMap::new(config.dbt.path_map.clone());
    path_map.repository = Arc::new(repository);
    Ok(Workspace {
        root: root.to_path_buf(),
        projects,
        dag_files,
        path_map,
        wrappers: DbtWrappers::from_config(&config.airflow),
        airflow_version: config.airflow.version,
        airflow_pinned: crate::airflow::version::agreed(pins),
        dag_factory_major: crate::airflow::version::agreed(dag_factory_pins),
        ignore_syntax: config.airflow.ignore_file_syntax,
        problems,
    })
}

/// A folder or file the config names, relative to the checked folder, refused when it leads
/// out of it.
fn configured_path(boundary: &Boundary, root: &Path, key: &str, value: &str) -> Result<PathBuf> {
    let path = root.join(value);
    boundary.check(&path).map(|_| path).map_err(|error| {
        Error::new(format!("config `{key}` names `{value}`: {error}"))
            .with_help("paths in the config are relative to the checked folder and stay in it")
    })
}

/// A test module (`test_*.py`, `*_test.py`, `conftest.py`, or under a `tests` or `test`
/// folder): it builds DAGs and operators to test them, and Airflow never loads it.
fn is_test_file(root: &Path, file: &Path) -> bool {
    let Ok(relative) = file.strip_prefix(root) else {
        return false;
    };
    let name = file
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default();
    name.starts_with("test_")
        || name.ends_with("_test.py")
        || name == "conftest.py"
        || relative
            .parent()
            .is_some_and(|folder| folder.iter().any(|part| part == "tests" || part == "test"))
}

/// The outermost folder named `dags` above `file`, within `root`.
fn dags_ancestor(root: &Path, file: &Path) -> Option<PathBuf> {
    let relative = file.strip_prefix(root).ok()?;
    let mut folder = root.to_path_buf();
    for component in relative.parent()?.components() {
        folder.push(component);
        if component.as_os_str() == "dags" {
            return Some(folder);
        }
    }
    None
}

/// The dotted module name of `file` under `folder`: `include/dbt.py` → `include.dbt`,
/// `include/__init__.py` → `include`.
fn module_name(folder: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(folder).ok()?.with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|last| last == "__init__") {
        parts.pop();
    }
    (!parts.is_empty()).then(|| parts.join("."))
}

/// `root/a/b` → `a/b`, with `/` separators.
pub fn relative_display(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::PathMap;

    #[test]
    fn path_map_uses_the_longest_prefix() {
        let map = PathMap::new([
            (
                "/usr/local/airflow/dags".to_owned(),
                "orchestrate/dags".to_owned(),
            ),
            (
                "/usr/local/airflow/dags/dbt/".to_owned(),
                "./transform".to_owned(),
            ),
        ]);
        assert_eq!(
            map.apply("/usr/local/airflow/dags/dbt/jaffle").as_deref(),
            Some("transform/jaffle")
        );
        assert_eq!(
            map.apply("/usr/local/airflow/dags").as_deref(),
            Some("orchestrate/dags")
        );
        assert_eq!(map.apply("/usr/local/airflow/dagsx"), None);
        assert_eq!(map.apply("/opt/dbt"), None);
    }
}
