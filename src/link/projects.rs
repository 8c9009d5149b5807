//! Which dbt project a dbt call runs in, or a DAG file's `manifest.json` belongs to: the one
//! its path names through `[dbt] path-map`, as a folder of the repository, as a deployment path
//! mapped onto the repository by its longest shared tail, or by its folder or project name;
//! the only one when there is one. A call naming a project that could not be loaded is not
//! resolved in another one.

use crate::dbt::project::DbtProject;
use crate::repo_paths::{Inferred, Mapping};
use crate::workspace::{PathMap, normalize_relative};

/// The dbt projects a call may name: those loaded, and those skipped because they could not be.
#[derive(Clone, Copy)]
pub struct KnownProjects<'p> {
    pub loaded: &'p [DbtProject],
    /// Folders (as shown) of the projects that could not be loaded.
    pub skipped: &'p [String],
}

/// The project found, and the deployment-path mapping inferred to find it.
#[derive(Debug)]
pub struct Found {
    pub project: usize,
    pub inferred: Option<Mapping>,
}

impl Found {
    fn plain(project: usize) -> Self {
        Found {
            project,
            inferred: None,
        }
    }
}

/// The project a call runs in, from its project dir (`None` when the call names none).
pub fn which_project(
    known: KnownProjects,
    path_map: &PathMap,
    dir: Option<&str>,
) -> Result<Found, String> {
    let projects = known.loaded;
    let Some(dir) = dir else {
        return match projects.len() {
            1 => Ok(Found::plain(0)),
            _ => Err(
                "there are several dbt projects and this call does not name one (`--project-dir`)"
                    .into(),
            ),
        };
    };
    let skipped_at = |wanted: &str| {
        known
            .skipped
            .iter()
            .find(|display| names_folder(wanted, display))
            .map(|display| {
                format!(
                    "the dbt project `{display}` it runs in could not be loaded (see the warning)"
                )
            })
    };
    if let Some(repo_dir) = path_map.apply(dir) {
        return projects
            .iter()
            .position(|project| project.display_dir == repo_dir)
            .map(Found::plain)
            .ok_or_else(|| {
                skipped_at(&repo_dir).unwrap_or_else(|| {
                    format!("`{dir}` maps to `{repo_dir}`, which holds no dbt project")
                })
            });
    }
    let wanted = normalize_relative(dir);
    if let Some(exact) = projects
        .iter()
        .position(|project| project.display_dir == wanted)
    {
        return Ok(Found::plain(exact));
    }
    let mut unmapped = None;
    match infer(projects, path_map, dir) {
        Inference::Project(found) => return Ok(found),
        Inference::Ambiguous(message) => unmapped = Some(message),
        Inference::OutsideProjects(mapping) => {
            unmapped = Some(format!(
                "`{dir}` is `{}` in this repository, which holds no dbt project",
                mapping.repo_path
            ));
        }
        Inference::Nothing => {}
    }
    let last = wanted.rsplit('/').next().unwrap_or(&wanted);
    let matches: Vec<usize> = projects
        .iter()
        .enumerate()
        .filter(|(_, project)| names_folder(&wanted, &project.display_dir) || last == project.name)
        .map(|(index, _)| index)
        .collect();
    if matches.is_empty()
        && let Some(reason) = skipped_at(&wanted)
    {
        return Err(reason);
    }
    match (matches.as_slice(), projects.len()) {
        ([one], _) => Ok(Found::plain(*one)),
        // A deployment path such as `/opt/airflow/dbt` with a single project in the repository.
        ([], 1) => Ok(Found::plain(0)),
        ([], _) => Err(unmapped.unwrap_or_else(|| {
            format!(
                "no dbt project of this repository matches `{dir}`; map it with `[dbt] path-map`"
            )
        })),
        _ => Err(unmapped.unwrap_or_else(|| {
            format!("several dbt projects match `{dir}`; map it with `[dbt] path-map`")
        })),
    }
}

/// The project whose manifest a DAG file opens at `path`
/// (`/usr/local/airflow/dbt/target/manifest.json`): the whole path is mapped onto the
/// repository first, its longer tail telling projects apart better than the folder's.
pub fn project_of_manifest(
    known: KnownProjects,
    path_map: &PathMap,
    path: &str,
) -> Result<Found, String> {
    if path_map.apply(path).is_none()
        && let Inference::Project(found) = infer(known.loaded, path_map, path)
    {
        return Ok(found);
    }
    let folder = path
        .rsplit_once(['/', '\\'])
        .map_or("", |(folder, _)| folder);
    let project_dir = folder
        .strip_suffix("/target")
        .or_else(|| folder.strip_suffix("\\target"))
        .unwrap_or(folder);
    which_project(
        known,
        path_map,
        (!project_dir.is_empty()).then_some(project_dir),
    )
}

enum Inference {
    Project(Found),
    /// The path maps to one repository path, in no project.
    OutsideProjects(Mapping),
    Ambiguous(String),
    Nothing,
}

/// An absolute path that does not exist in the repository, mapped onto the repository path
/// sharing its longest tail, and the innermost project holding that path. Among several
/// equally long tails, the one in a project is taken when only one is.
fn infer(projects: &[DbtProject], path_map: &PathMap, path: &str) -> Inference {
    let repository = &path_map.repository;
    if !path.starts_with('/') || repository.contains(path) {
        return Inference::Nothing;
    }
    match repository.infer(path) {
        Inferred::Unique(mapping) => match holding_project(projects, &mapping.repo_path) {
            Some(project) => Inference::Project(Found {
                project,
                inferred: Some(mapping),
            }),
            None => Inference::OutsideProjects(mapping),
        },
        Inferred::Ambiguous(candidates) => {
            let in_projects: Vec<(&String, usize)> = candidates
                .iter()
                .filter_map(|c| Some((c, holding_project(projects, c)?)))
                .collect();
            if let [(repo_path, project)] = in_projects.as_slice()
                && let Inferred::Unique(mapping) = narrowed(path, repo_path)
            {
                return Inference::Project(Found {
                    project: *project,
                    inferred: Some(mapping),
                });
            }
            Inference::Ambiguous(format!(
                "`{path}` ends like several paths of this repository ({}); map it with \
                 `[dbt] path-map`",
                candidates.join(", ")
            ))
        }
        Inferred::None => Inference::Nothing,
    }
}

/// The mapping of `path` onto one chosen repository path.
fn narrowed(path: &str, repo_path: &str) -> Inferred {
    let mut only = crate::repo_paths::RepoPaths::default();
    only.insert(repo_path);
    only.infer(path)
}

/// The innermost project whose folder holds `repo_path` (or is it).
fn holding_project(projects: &[DbtProject], repo_path: &str) -> Option<usize> {
    projects
        .iter()
        .enumerate()
        .filter(|(_, project)| {
            let dir = project.display_dir.as_str();
            dir.is_empty()
                || repo_path == dir
                || repo_path
                    .strip_prefix(dir)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .max_by_key(|(_, project)| project.display_dir.len())
        .map(|(index, _)| index)
}

/// Whether a project dir as a call writes it (normalized) names the project folder `display`:
/// the same folder, a deployment path ending with it, or the same last folder name.
fn names_folder(wanted: &str, display: &str) -> bool {
    let last = wanted.rsplit('/').next().unwrap_or(wanted);
    let folder = display.rsplit('/').next().unwrap_or(display);
    wanted == display
        || (!display.is_empty() && wanted.ends_with(&format!("/{display}")))
        || (!folder.is_empty() && last == folder)
}
