//! X019: a project, profiles or manifest path a DAG gives dbt that names nothing in the
//! repository: the task fails at run time (or the DAG at import).

use schemars::JsonSchema;
use serde::Deserialize;

use crate::airflow::value::UNKNOWN_MARK;
use crate::dbt::cli::{NamedPath, PathKind};
use crate::diagnostic::Label;
use crate::link::Monorepo;
use crate::repo_paths::Inferred;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// X019, `[rules.dbt-project-path-missing]` in the config (no options).
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct DbtProjectPathMissing {}

declare_rule!(DbtProjectPathMissing {
    code: "X019",
    name: "dbt-project-path-missing",
    group: Correctness,
    preset: Recommended,
    severity: Error,
});

/// How a path the DAG file writes was placed in the repository.
enum Placement {
    /// A relative path, tried from the DAG file's folders and the repository's root.
    Relative,
    /// A `[dbt] path-map` entry maps it.
    PathMap,
    /// The deployment folder holding it was mapped onto the repository from another path the
    /// DAG files name (`/usr/local/airflow` is the repository's root).
    Inferred {
        runtime_prefix: String,
        repo_prefix: String,
    },
}

/// A path placed in the repository where nothing exists.
struct Missing {
    /// What was looked for, relative to the checked folder.
    repo_path: String,
    placement: Placement,
}

impl Rule for DbtProjectPathMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, repo: &Monorepo, report: &mut Reporter) {
        // One finding per missing folder and file it is written in: a renamed folder named by
        // several arguments (or a module constant used by many tasks) is one cause.
        let mut findings: Vec<Finding> = Vec::new();
        for file in &repo.dag_files {
            let dag_file = file.source.path();
            for task in &file.tasks {
                for named in task.dbt_calls.iter().flat_map(|call| &call.paths) {
                    let Some(missing) = missing(repo, dag_file, named) else {
                        continue;
                    };
                    let span = &named.path.span;
                    let same = findings.iter_mut().find(|finding| {
                        finding.missing.repo_path == missing.repo_path
                            && finding.first.path.span.file.path() == span.file.path()
                    });
                    match same {
                        Some(finding) => {
                            let known = finding.first.path.span.sort_key() == span.sort_key()
                                || finding.also.iter().any(|s| s.sort_key() == span.sort_key());
                            if !known {
                                finding.also.push(span.clone());
                            }
                        }
                        None => findings.push(Finding {
                            first: named.clone(),
                            missing,
                            also: Vec::new(),
                        }),
                    }
                }
            }
        }
        for finding in findings {
            report.emit(diagnostic(report, finding));
        }
    }
}

/// A missing path, where it is first named and the other places naming it in the same file.
struct Finding {
    first: NamedPath,
    missing: Missing,
    also: Vec<crate::source::Span>,
}

fn diagnostic(report: &Reporter, finding: Finding) -> crate::diagnostic::Diagnostic {
    let Finding {
        first: named,
        missing: Missing {
            repo_path,
            placement,
        },
        also,
    } = finding;
    let written = named.path.value.trim();
    let label = match placement {
        Placement::Relative => {
            format!("no file or folder `{repo_path}` in the repository")
        }
        Placement::PathMap => {
            format!("`[dbt] path-map` places it at `{repo_path}`, which does not exist")
        }
        Placement::Inferred {
            runtime_prefix,
            repo_prefix,
        } => {
            let folder = if repo_prefix.is_empty() {
                "the repository's root".to_owned()
            } else {
                format!("`{repo_prefix}`")
            };
            format!(
                "`{runtime_prefix}` holds {folder} (as other paths of the DAG files show): `{repo_path}` does not exist"
            )
        }
    };
    let mut diagnostic = report
        .diagnostic(
            format!(
                "`{}` names `{written}`, which is not in the repository",
                named.argument
            ),
            Label::new(named.path.span.clone(), label),
        )
        .with_help(
            "fix the path (was the folder moved or renamed?); if the deployment creates it, map it with `[dbt] path-map`",
        );
    for span in also {
        diagnostic = diagnostic.with_label(Label::new(span, format!("also names `{repo_path}`")));
    }
    diagnostic
}

/// Where a path is looked for and found missing, or `None` when it exists, is not fully known,
/// or cannot be placed in the repository (it may exist in the deployment image).
fn missing(repo: &Monorepo, dag_file: &str, named: &NamedPath) -> Option<Missing> {
    let written = named.path.value.trim();
    if !fully_known(written) {
        return None;
    }
    let checked = checked_part(written, named.kind)?;
    if checked.starts_with('/') {
        absolute(repo, &checked)
    } else {
        relative(repo, dag_file, &checked)
    }
}

/// Whether the text is a path as the file system reads it: no variable, template, home folder
/// or glob left to expand, and no part monolint could not evaluate.
fn fully_known(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('~')
        && !path.contains(UNKNOWN_MARK)
        && !path.contains("://")
        && !path.contains(['$', '{', '}', '*', '?', '[', '`', '%', '\\'])
}

/// The part of a path that must be in the repository. dbt writes `target/` (and installs
/// `dbt_packages/`) when it runs, so a manifest there is checked up to the folder holding it;
/// `profiles.yml` often holds secrets the deployment writes, so its folder is checked; a
/// hidden profiles folder (`.dbt`) is made on the worker, and not checked.
fn checked_part(path: &str, kind: PathKind) -> Option<String> {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = path
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect();
    if let Some(built) = parts
        .iter()
        .position(|part| matches!(*part, "target" | "dbt_packages" | "logs"))
    {
        parts.truncate(built);
    } else if kind == PathKind::ProfilesFile {
        parts.pop();
    }
    if matches!(kind, PathKind::ProfilesDir | PathKind::ProfilesFile)
        && parts.last().is_some_and(|last| last.starts_with('.'))
    {
        return None;
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, true) => None,
        (true, false) => Some(format!("/{joined}")),
        (false, _) => Some(joined),
    }
}

/// A deployment path: placed by `[dbt] path-map`, else by the deployment folders inferred
/// from the other paths the DAG files name; never when some repository path ends like it.
fn absolute(repo: &Monorepo, path: &str) -> Option<Missing> {
    if let Some(repo_path) = repo.path_map.apply(path) {
        return (repo.repo_path_exists(&repo_path) == Some(false)).then_some(Missing {
            repo_path,
            placement: Placement::PathMap,
        });
    }
    // The repository has a path ending like this one: it is deployed from there.
    if repo.path_map.repository.infer(path) != Inferred::None {
        return None;
    }
    let under = |prefix: &str| {
        prefix != "/"
            && path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    let longest = repo
        .inferred_paths
        .iter()
        .filter(|mapping| under(&mapping.runtime_prefix))
        .map(|mapping| mapping.runtime_prefix.len())
        .max()?;
    let mut placed: Vec<(String, &crate::repo_paths::Mapping)> = repo
        .inferred_paths
        .iter()
        .filter(|mapping| mapping.runtime_prefix.len() == longest && under(&mapping.runtime_prefix))
        .map(|mapping| {
            let rest = path[mapping.runtime_prefix.len()..].trim_start_matches('/');
            (join(&mapping.repo_prefix, rest), mapping)
        })
        .collect();
    placed.dedup_by(|a, b| a.0 == b.0);
    // Every place the deployment may hold it from must lack it.
    if placed
        .iter()
        .any(|(repo_path, _)| repo.repo_path_exists(repo_path) != Some(false))
    {
        return None;
    }
    let (repo_path, mapping) = placed.into_iter().next()?;
    Some(Missing {
        repo_path,
        placement: Placement::Inferred {
            runtime_prefix: mapping.runtime_prefix.clone(),
            repo_prefix: mapping.repo_prefix.clone(),
        },
    })
}

/// A relative path: its working directory is not known, so it counts as present when it
/// exists from the repository's root or any folder holding the DAG file or a dbt project, or
/// when some repository path ends with it.
fn relative(repo: &Monorepo, dag_file: &str, path: &str) -> Option<Missing> {
    let mut bases: Vec<String> = folders_holding(dag_file);
    bases.extend(
        repo.projects
            .iter()
            .flat_map(|project| folders_holding(&format!("{}/", project.display_dir))),
    );
    bases.sort();
    bases.dedup();
    let tried: Vec<String> = bases
        .iter()
        .filter_map(|base| inside(&join(base, path)))
        .collect();
    // Every try leads out of the repository: not monolint's to judge.
    let first = tried.first()?.clone();
    if tried
        .iter()
        .any(|candidate| repo.repo_path_exists(candidate) != Some(false))
    {
        return None;
    }
    if !path.contains("..") {
        let ends_like = match repo.path_map.repository.infer(path) {
            Inferred::Unique(mapping) => vec![mapping.repo_path],
            Inferred::Ambiguous(paths) => paths,
            Inferred::None => Vec::new(),
        };
        let suffix = format!("/{path}");
        if ends_like
            .iter()
            .any(|candidate| candidate == path || candidate.ends_with(&suffix))
        {
            return None;
        }
    }
    Some(Missing {
        repo_path: inside(path).unwrap_or(first),
        placement: Placement::Relative,
    })
}

/// The folders holding a file, innermost first, ending with the root (`""`).
fn folders_holding(file: &str) -> Vec<String> {
    let mut folders = Vec::new();
    let mut rest = file;
    while let Some((folder, _)) = rest.rsplit_once('/') {
        folders.push(folder.to_owned());
        rest = folder;
    }
    folders.push(String::new());
    folders
}

fn join(base: &str, rest: &str) -> String {
    match (base.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_owned(),
        (false, true) => base.to_owned(),
        (false, false) => format!("{base}/{rest}"),
    }
}

/// A relative path with `.` and `..` resolved, when it stays inside the repository.
fn inside(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_and_secret_parts_are_not_checked() {
        assert_eq!(
            checked_part(
                "/usr/local/airflow/dbt/target/manifest.json",
                PathKind::Manifest
            )
            .as_deref(),
            Some("/usr/local/airflow/dbt")
        );
        assert_eq!(
            checked_part("dbt/profiles.yml", PathKind::ProfilesFile).as_deref(),
            Some("dbt")
        );
        assert_eq!(
            checked_part("/home/airflow/.dbt", PathKind::ProfilesDir),
            None
        );
        assert_eq!(
            checked_part("./dbt/./jaffle/", PathKind::Project).as_deref(),
            Some("dbt/jaffle")
        );
    }

    #[test]
    fn only_fully_known_paths_are_checked() {
        assert!(fully_known("/usr/local/airflow/dbt"));
        for unknown in [
            "$DBT_DIR",
            "~/dbt",
            "{{ var.value.dbt }}",
            "",
            "a/\u{FFFC}/b",
        ] {
            assert!(!fully_known(unknown), "{unknown}");
        }
    }

    #[test]
    fn relative_paths_resolve_inside_or_not_at_all() {
        assert_eq!(inside("dags/../dbt").as_deref(), Some("dbt"));
        assert_eq!(inside("../dbt"), None);
        assert_eq!(folders_holding("a/b/c.py"), ["a/b", "a", ""]);
    }
}
