//! `monolint map [PATH]`: which DAG task runs which dbt nodes, and the coverage.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{EXIT_CLEAN, EXIT_ERROR, emit, print_problem};
use crate::map::DataAppMap;
use crate::render::Format;

#[derive(Debug, Args)]
pub struct MapArgs {
    /// The monorepo folder.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The dbt manifest to read (default: `<dbt project>/target/manifest.json`).
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Read the dbt projects from their files, not their manifests.
    #[arg(long, conflicts_with = "manifest")]
    pub no_manifest: bool,
    /// The config file (default: `monolint.toml`, else `[tool.monolint]` in `pyproject.toml`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, visible_alias = "output-format", value_enum, default_value_t = MapFormat::Human)]
    pub format: MapFormat,
    /// Write the map to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MapFormat {
    /// Aligned text for a terminal.
    #[value(alias = "table")]
    Human,
    /// The map as JSON (see docs/map.md).
    Json,
    /// Markdown tables, e.g. for a job summary.
    Markdown,
    /// A Mermaid flowchart, e.g. for a README.
    Mermaid,
    /// One self-contained HTML page (no network): the data app's picture.
    Html,
}

pub fn run(args: &MapArgs) -> u8 {
    let options = crate::CheckOptions {
        root: args.path.clone(),
        config: args.config.clone(),
        manifest: args.manifest.clone(),
        no_manifest: args.no_manifest,
        ..Default::default()
    };
    let map = match build(&options) {
        Ok(map) => map,
        Err(error) => {
            print_problem(&error, Format::Human, super::ColorChoice::Auto);
            return EXIT_ERROR;
        }
    };
    let text = match args.format {
        MapFormat::Human => table(&map),
        MapFormat::Json => serde_json::to_string_pretty(&map).unwrap_or_default() + "\n",
        MapFormat::Markdown => markdown(&map),
        MapFormat::Mermaid => mermaid(&map),
        MapFormat::Html => crate::map::html::render(&map, &repository_name(&args.path)),
    };
    if let Err(error) = emit(&text, args.output_file.as_deref()) {
        print_problem(&error, Format::Human, super::ColorChoice::Auto);
        return EXIT_ERROR;
    }
    EXIT_CLEAN
}

/// The checked folder's name, for the page title.
fn repository_name(path: &std::path::Path) -> String {
    std::fs::canonicalize(path)
        .ok()
        .and_then(|full| full.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "monorepo".to_owned())
}

/// Loads and links the monorepo, then builds its map.
pub fn build(options: &crate::CheckOptions) -> crate::error::Result<DataAppMap> {
    let (loaded, workspace) = options.discover()?;
    let rule_args = Default::default();
    let selection = crate::config::RuleSelection::resolve(&loaded.config, &rule_args)?;
    let (mut repo, problems) =
        crate::link_workspace(&workspace, crate::checks_staleness(&selection))?;
    let report = crate::check_linked(&mut repo, problems, &loaded.config, &rule_args)?;
    let map = DataAppMap::build(&repo, &report.diagnostics);
    crate::free_on_worker(repo);
    Ok(map)
}

fn runs(entry: &crate::map::DbtEntry) -> String {
    match entry.status {
        "resolved" if entry.counts.is_empty() => "nothing".to_owned(),
        "resolved" => entry
            .counts
            .iter()
            .map(|(kind, n)| format!("{n} {kind}{}", if *n == 1 { "" } else { "s" }))
            .collect::<Vec<_>>()
            .join(", "),
        "no-selection" => "-".to_owned(),
        status => format!("{status}: {}", entry.reason.as_deref().unwrap_or("")),
    }
}

fn coverage_line(map: &DataAppMap) -> String {
    let c = &map.coverage;
    let unknown = match c.models_unknown {
        0 => String::new(),
        n => format!(" ({n} of the others may be run by tasks monolint could not read)"),
    };
    format!(
        "Coverage: {}/{} models run by a DAG{unknown}; {}/{} dbt tasks resolved.\n",
        c.models_scheduled, c.models, c.dbt_tasks_resolved, c.dbt_tasks
    )
}

fn table(map: &DataAppMap) -> String {
    let mut rows: Vec<[String; 4]> = Vec::new();
    let mut out = String::new();
    for dag in &map.dags {
        rows.push([
            format!("{} ({}:{})", dag.dag_id, dag.file, dag.line),
            format!("owner {}", dag.owner.as_deref().unwrap_or("-")),
            format!("schedule {}", dag.schedule.describe()),
            String::new(),
        ]);
        for task in &dag.tasks {
            for entry in &task.dbt {
                let renders = match &entry.rendered_tasks {
                    Some(tasks) => format!(" ({} Cosmos tasks)", tasks.len()),
                    None => String::new(),
                };
                rows.push([
                    format!("  {}{renders}", task.task_id),
                    entry.command.clone().unwrap_or_else(|| "dbt ?".into()),
                    if entry.selection.is_empty() {
                        "(everything)".into()
                    } else {
                        entry.selection.clone()
                    },
                    runs(entry),
                ]);
            }
        }
    }
    let widths: Vec<usize> = (0..3)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let line = format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if !map.edges.is_empty() {
        out.push_str("\nBetween DAGs:\n");
        for edge in &map.edges {
            out.push_str(&format!("  {}\n", describe_edge(edge)));
        }
    }
    if !map.inferred_paths.is_empty() {
        out.push_str(
            "\nDeployment paths read as repository paths (inferred; `[dbt] path-map` overrides):\n",
        );
        for path in &map.inferred_paths {
            out.push_str(&format!("  {} → {}\n", path.path, path.repository_path));
        }
    }
    if !map.unscheduled_models.is_empty() {
        out.push_str(&format!(
            "\nNot run by any DAG ({}):\n",
            map.unscheduled_models.len()
        ));
        for model in &map.unscheduled_models {
            out.push_str(&format!(
                "  {}.{}  {}\n",
                model.project, model.name, model.file
            ));
        }
    }
    if !map.unknown_models.is_empty() {
        out.push_str(&format!(
            "\nCoverage unknown ({}): a task monolint could not read may run them:\n",
            map.unknown_models.len()
        ));
        for model in &map.unknown_models {
            out.push_str(&format!(
                "  {}.{}  {}\n",
                model.project, model.name, model.file
            ));
        }
    }
    out.push('\n');
    out.push_str(&coverage_line(map));
    out
}

/// `upstream.task → downstream (waits for)`, for text formats.
fn describe_edge(edge: &crate::map::EdgeEntry) -> String {
    let endpoint = |end: &crate::map::Endpoint| {
        let dag = end.dag_id.as_deref().unwrap_or("?");
        match end.task_ids.as_slice() {
            [] => dag.to_owned(),
            tasks => format!("{dag}.{}", tasks.join("|")),
        }
    };
    let how = match (edge.kind, &edge.dataset) {
        ("dataset", Some(uri)) => format!("dataset {uri}"),
        ("waits-for", _) => "sensor".to_owned(),
        (kind, _) => kind.to_owned(),
    };
    format!(
        "{} -> {} ({how}; {}:{})",
        endpoint(&edge.upstream),
        endpoint(&edge.downstream),
        edge.file,
        edge.line
    )
}

fn markdown(map: &DataAppMap) -> String {
    let mut out =
        String::from("| DAG | Task | dbt | Selection | Runs |\n| --- | --- | --- | --- | --- |\n");
    let cell = |text: &str| text.replace('|', "\\|");
    for dag in &map.dags {
        for task in &dag.tasks {
            for entry in &task.dbt {
                out.push_str(&format!(
                    "| `{}` | `{}` | {} | `{}` | {} |\n",
                    cell(&dag.dag_id),
                    cell(&task.task_id),
                    cell(entry.command.as_deref().unwrap_or("?")),
                    cell(if entry.selection.is_empty() {
                        "(everything)"
                    } else {
                        &entry.selection
                    }),
                    cell(&runs(entry))
                ));
            }
        }
    }
    if !map.edges.is_empty() {
        out.push_str("\n**Between DAGs:**\n\n");
        for edge in &map.edges {
            out.push_str(&format!("- {}\n", cell(&describe_edge(edge))));
        }
    }
    if !map.inferred_paths.is_empty() {
        out.push_str("\n**Deployment paths read as repository paths (inferred):**\n\n");
        for path in &map.inferred_paths {
            out.push_str(&format!(
                "- `{}` → `{}`\n",
                cell(&path.path),
                cell(&path.repository_path)
            ));
        }
    }
    if !map.unscheduled_models.is_empty() {
        out.push_str("\n**Not run by any DAG:** ");
        let names: Vec<String> = map
            .unscheduled_models
            .iter()
            .map(|m| format!("`{}`", m.name))
            .collect();
        out.push_str(&names.join(", "));
        out.push('\n');
    }
    if !map.unknown_models.is_empty() {
        out.push_str(&format!(
            "\n**Coverage unknown:** {} models a task monolint could not read may run.\n",
            map.unknown_models.len()
        ));
    }
    out.push('\n');
    out.push_str(&coverage_line(map));
    out
}

/// DAGs as subgraphs of their dbt tasks, each task linked to the models it runs; models no task
/// runs are highlighted.
fn mermaid(map: &DataAppMap) -> String {
    let id = |prefix: &str, text: &str| -> String {
        let safe: String = text
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        format!("{prefix}_{safe}")
    };
    let mut out = String::from("flowchart LR\n");
    let mut models: Vec<String> = Vec::new();
    for dag in &map.dags {
        if dag.tasks.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "  subgraph {}[\"{}\"]\n",
            id("dag", &dag.dag_id),
            dag.dag_id
        ));
        for task in &dag.tasks {
            out.push_str(&format!(
                "    {}[\"{}\"]\n",
                id("task", &format!("{}_{}", dag.dag_id, task.task_id)),
                task.task_id
            ));
        }
        out.push_str("  end\n");
        for task in &dag.tasks {
            let task_id = id("task", &format!("{}_{}", dag.dag_id, task.task_id));
            for model in task.dbt.iter().flat_map(|e| &e.models) {
                out.push_str(&format!("  {task_id} --> {}\n", id("model", model)));
                if !models.contains(model) {
                    models.push(model.clone());
                }
            }
        }
    }
    for model in &models {
        out.push_str(&format!("  {}([\"{model}\"])\n", id("model", model)));
    }
    // Cross-DAG edges join DAG subgraphs (or plain DAG nodes, for DAGs without dbt tasks).
    for edge in &map.edges {
        let (Some(upstream), Some(downstream)) = (&edge.upstream.dag_id, &edge.downstream.dag_id)
        else {
            continue;
        };
        let label = match &edge.dataset {
            Some(uri) => uri.clone(),
            None => edge.kind.to_owned(),
        };
        out.push_str(&format!(
            "  {} -.->|\"{label}\"| {}\n",
            id("dag", upstream),
            id("dag", downstream)
        ));
    }
    for model in &map.unscheduled_models {
        out.push_str(&format!(
            "  {}([\"{}\"]):::unscheduled\n",
            id("model", &model.name),
            model.name
        ));
    }
    out.push_str("  classDef unscheduled fill:#fde2e1,stroke:#c0392b,color:#7b241c\n");
    out
}
