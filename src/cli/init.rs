//! `monolint init [PATH]`: writes a commented starter `monolint.toml` for the layout found.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use clap::Args;

use super::{EXIT_CLEAN, EXIT_ERROR, print_problem, print_stdout};
use crate::config::Config;
use crate::error::Error;
use crate::input::{self, Boundary};
use crate::render::Format;
use crate::workspace::{self, Workspace};

const CONFIG_FILE: &str = "monolint.toml";
const DOCS_URL: &str = "https://github.com/monolint/monolint/blob/main/docs/configuration.md";

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The monorepo folder to write `monolint.toml` in.
    #[arg(default_value = ".")]
    pub path: PathBuf,
}

pub fn run(args: &InitArgs) -> u8 {
    match init(&args.path) {
        Ok(message) => {
            print_stdout(&message);
            EXIT_CLEAN
        }
        Err(error) => {
            print_problem(&error, Format::Human, super::ColorChoice::Auto);
            EXIT_ERROR
        }
    }
}

fn init(root: &Path) -> Result<String, Error> {
    let target = root.join(CONFIG_FILE);
    // Anything by that name, a dangling symbolic link included: writing through a link could
    // write outside the folder.
    if let Ok(existing) = std::fs::symlink_metadata(&target) {
        let what = if existing.file_type().is_symlink() {
            "already exists (as a symbolic link)"
        } else {
            "already exists"
        };
        return Err(Error::new(format!("{} {what}", target.display()))
            .with_help("monolint init never overwrites a config: edit it, or delete it first"));
    }
    if has_pyproject_config(root) {
        return Err(Error::new(format!(
            "{} already has a [tool.monolint] table",
            root.join("pyproject.toml").display()
        ))
        .with_help("a monolint.toml would take its place: keep one of the two"));
    }
    let workspace = workspace::discover_layout(root, &Config::default(), None)?;
    let text = starter_config(&workspace);
    write_new(&target, &text)
        .map_err(|error| Error::new(format!("cannot write {}: {error}", target.display())))?;
    let projects = workspace.projects.len();
    let next = if projects == 0 {
        "Say where the dbt project is (`[dbt] projects`), then run `monolint check`."
    } else {
        "Run `monolint check` to use it."
    };
    Ok(format!(
        "Wrote {} ({} dbt project{}, {} DAG file{} found).\n{next}\n",
        target.display(),
        projects,
        if projects == 1 { "" } else { "s" },
        workspace.dag_files.len(),
        if workspace.dag_files.len() == 1 {
            ""
        } else {
            "s"
        }
    ))
}

/// Creates `path` and writes `text` to it; fails if anything is already there (`O_EXCL`, which
/// never follows a symbolic link).
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

/// Whether `pyproject.toml` in `root` has a `[tool.monolint]` table.
fn has_pyproject_config(root: &Path) -> bool {
    let Ok(text) = Boundary::new(root).read_text(&root.join("pyproject.toml")) else {
        return false;
    };
    let Ok(value) = text.parse::<toml::Table>() else {
        return false;
    };
    value
        .get("tool")
        .and_then(|tool| tool.get("monolint"))
        .is_some()
}

/// A TOML list of strings on one line: `["a", "b"]`.
fn toml_list<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    let quoted: Vec<String> = items
        .into_iter()
        .map(|item| toml::Value::String(item.clone()).to_string())
        .collect();
    format!("[{}]", quoted.join(", "))
}

/// Where the DAG files are: the folders named `dags` that hold them, and the files found
/// elsewhere by safe-mode discovery (Python files that mention "airflow" and "dag").
struct DagLayout {
    folders: BTreeSet<String>,
    elsewhere: Vec<String>,
}

fn dag_layout(workspace: &Workspace) -> DagLayout {
    let mut layout = DagLayout {
        folders: BTreeSet::new(),
        elsewhere: Vec::new(),
    };
    for file in &workspace.dag_files {
        if file.module.is_none() {
            // The same test the DAG parser applies to such files.
            let mentions = input::read_text(&file.path).is_ok_and(|text| {
                let lower = text.to_ascii_lowercase();
                lower.contains("airflow") && lower.contains("dag")
            });
            if mentions {
                layout.elsewhere.push(file.display.clone());
            }
            continue;
        }
        // The outermost folder named `dags` on the file's path.
        let relative = file
            .path
            .strip_prefix(&workspace.root)
            .unwrap_or(&file.path);
        let mut folder = PathBuf::new();
        for component in relative.components() {
            if let Component::Normal(name) = component {
                folder.push(name);
                if name == "dags" {
                    layout
                        .folders
                        .insert(folder.to_string_lossy().replace('\\', "/"));
                    break;
                }
            }
        }
    }
    layout
}

fn starter_config(workspace: &Workspace) -> String {
    let mut out = format!(
        "# monolint configuration, written by `monolint init`. Every key is optional; the\n\
         # commented values are the defaults. All keys: {DOCS_URL}\n\
         \n\
         # The rules to start from: recommended, strict (adds owners, docs, operations) or all.\n\
         # preset = \"recommended\"\n\
         # More rules, or fewer: by code (X001), code prefix (X, DBT, DAG), name, group or preset.\n\
         # extend-select = [\"ownership\"]\n\
         # ignore = []\n\
         \n\
         # Lowest severity that makes `monolint check` exit with code 1: error, warning or info.\n\
         # fail-on = \"warning\"\n\
         \n\
         [dbt]\n"
    );
    let projects: Vec<String> = workspace
        .projects
        .iter()
        .map(|project| project.shown_dir().to_owned())
        .collect();
    if projects.is_empty() {
        out.push_str(
            "# No dbt project (dbt_project.yml) was found. Say where it is, relative to this folder:\n\
             # projects = [\"transform\"]\n",
        );
    } else {
        out.push_str(&format!(
            "# The dbt projects found (folders holding a dbt_project.yml).\nprojects = {}\n",
            toml_list(&projects)
        ));
    }
    for project in &workspace.projects {
        if !project.manifest.is_file() {
            let manifest = workspace::relative_display(&workspace.root, &project.manifest);
            out.push_str(&format!(
                "# {manifest} does not exist yet: write it with `{}`.\n",
                crate::dbt::project::parse_command(project)
            ));
        }
    }
    if workspace.projects.len() == 1 {
        let manifest =
            workspace::relative_display(&workspace.root, &workspace.projects[0].manifest);
        out.push_str(&format!(
            "# The manifest to read, if dbt writes it elsewhere:\n# manifest = {}\n",
            toml::Value::String(manifest)
        ));
    }

    out.push_str("\n[airflow]\n");
    let layout = dag_layout(workspace);
    let folders: Vec<String> = layout.folders.iter().cloned().collect();
    if layout.elsewhere.is_empty() && !folders.is_empty() {
        out.push_str(&format!(
            "# The DAG folders found. Only these are read; without this key, monolint reads every\n\
             # folder named `dags` and any Python file that mentions \"airflow\" and \"dag\".\n\
             dag-folders = {}\n",
            toml_list(&folders)
        ));
    } else if folders.is_empty() && layout.elsewhere.is_empty() {
        out.push_str(
            "# No DAG file was found. Say where they are, relative to this folder:\n\
             # dag-folders = [\"dags\"]\n",
        );
    } else {
        out.push_str(
            "# DAG files were found outside folders named `dags` (Python files that mention\n\
             # \"airflow\" and \"dag\"), so discovery stays automatic. Setting dag-folders makes\n\
             # monolint read every Python file in those folders, and nothing else. Found:\n",
        );
        for folder in &folders {
            out.push_str(&format!("#   {folder}/\n"));
        }
        for file in &layout.elsewhere {
            out.push_str(&format!("#   {file}\n"));
        }
        let mut suggested = folders.clone();
        suggested.extend(
            layout
                .elsewhere
                .iter()
                .map(|file| match file.rsplit_once('/') {
                    Some((folder, _)) => folder.to_owned(),
                    None => ".".to_owned(),
                }),
        );
        suggested.sort();
        suggested.dedup();
        out.push_str(&format!("# dag-folders = {}\n", toml_list(&suggested)));
    }

    out.push_str(
        "\n# Severity per rule (code or name): error, warning or info.\n\
         [severity]\n\
         # model-not-scheduled = \"error\"\n\
         \n\
         # Options per rule; `monolint explain <rule>` lists them.\n\
         # [rules.model-not-scheduled]\n\
         # Models meant to run outside Airflow, as dbt selectors:\n\
         # exclude = [\"tag:manual\"]\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The groups the starter suggests selecting all hold rules.
    #[test]
    fn suggested_groups_hold_rules() {
        let empty = std::env::temp_dir().join(format!("monolint-init-{}", std::process::id()));
        std::fs::create_dir_all(&empty).unwrap();
        let workspace = workspace::discover_layout(&empty, &Config::default(), None).unwrap();
        let _ = std::fs::remove_dir(&empty);
        let text = starter_config(&workspace);
        let line = text
            .lines()
            .find(|line| line.starts_with("# extend-select = "))
            .unwrap();
        let list: Vec<String> = toml::from_str::<toml::Table>(line.trim_start_matches("# "))
            .unwrap()["extend-select"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        assert!(!list.is_empty());
        for group in list {
            assert!(
                crate::rules::ALL
                    .iter()
                    .any(|meta| meta.group.as_str() == group),
                "{group} holds no rule"
            );
        }
    }
}
