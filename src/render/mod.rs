//! Output formats. A renderer only formats `Diagnostic`s; it never decides anything.

mod concise;
pub mod fingerprint;
mod github;
mod gitlab;
mod human;
mod json;
mod junit;
mod markdown;
mod paths;
mod sarif;

pub use paths::PathBase;

use crate::Report;
use crate::error::Error;

/// How `check` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Code frames with labels and help (miette).
    Human,
    /// One line per finding: `path:line:column: CODE message`.
    Concise,
    /// A JSON document; see docs/output-formats.md.
    Json,
    /// GitHub Actions workflow commands, shown as pull-request annotations.
    Github,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML: one test suite per file, one failed test case per finding.
    Junit,
    /// GitLab Code Quality JSON (`artifacts:reports:codequality`).
    Gitlab,
    /// A Markdown report: summary, coverage and findings by rule (e.g. a CI job summary).
    Markdown,
}

#[derive(Debug, Clone)]
pub struct RenderOptions {
    pub color: bool,
    /// Terminal width for code frames.
    pub width: usize,
    /// Findings only, no summary.
    pub quiet: bool,
    /// Where the checked folder is from the current directory, for the paths shown.
    pub base: PathBase,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            width: 100,
            quiet: false,
            base: PathBase::default(),
        }
    }
}

/// The text `check` writes to stdout.
pub fn render(report: &Report, format: Format, options: &RenderOptions) -> String {
    match format {
        Format::Human => human::render(report, options),
        Format::Concise => concise::render(report, options),
        Format::Json => json::render(report, &options.base),
        Format::Github => github::render(report, &options.base),
        Format::Sarif => sarif::render(report, &options.base),
        Format::Junit => junit::render(report, &options.base),
        Format::Gitlab => gitlab::render(report, &options.base),
        Format::Markdown => markdown::render(report, &options.base),
    }
}

/// `check --statistics`: how many findings each rule has, most first. JSON for `json`, a
/// plain table otherwise.
pub fn statistics(report: &Report, format: Format) -> String {
    let mut counts: Vec<(&'static crate::rules::RuleMeta, usize)> = Vec::new();
    for diagnostic in &report.diagnostics {
        match counts
            .iter_mut()
            .find(|(meta, _)| meta.code == diagnostic.rule.code)
        {
            Some((_, count)) => *count += 1,
            None => counts.push((diagnostic.rule, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.code.cmp(b.0.code)));
    if format == Format::Json {
        let rows: Vec<serde_json::Value> = counts
            .iter()
            .map(|(meta, count)| {
                serde_json::json!({"code": meta.code, "name": meta.name, "count": count})
            })
            .collect();
        return serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n";
    }
    let width = counts
        .iter()
        .map(|(_, count)| count.to_string().len())
        .max()
        .unwrap_or(1);
    let mut out = String::new();
    for (meta, count) in &counts {
        out.push_str(&format!(
            "{count:>width$}  {:<6} {}\n",
            meta.code, meta.name
        ));
    }
    out.push_str(&summary_lines(report));
    out
}

/// An input error or warning as `check` writes it to stderr.
pub fn render_problem(problem: &Error, format: Format, options: &RenderOptions) -> String {
    match format {
        Format::Human => human::render_miette(problem, options),
        _ => format!("{}: {}\n", problem.severity, problem.message),
    }
}

/// `X002 8, X010 9`: findings per rule, by code.
fn per_rule(report: &Report) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for diagnostic in &report.diagnostics {
        *counts.entry(diagnostic.rule.code).or_default() += 1;
    }
    counts
        .iter()
        .map(|(code, count)| format!("{code} {count}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("{count} {word}")
    } else {
        format!("{count} {word}s")
    }
}

/// "Found 3 problems (1 error, 2 warnings)." and the coverage line.
fn summary_lines(report: &Report) -> String {
    use crate::diagnostic::Severity;
    let count = |severity| {
        report
            .diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    };
    let mut out = String::new();
    if report.diagnostics.is_empty() {
        out.push_str("No problems found.\n");
    } else {
        let parts: Vec<String> = [
            (Severity::Error, "error"),
            (Severity::Warning, "warning"),
            (Severity::Info, "info"),
        ]
        .into_iter()
        .filter(|(severity, _)| count(*severity) > 0)
        .map(|(severity, word)| {
            if word == "info" {
                format!("{} info", count(severity))
            } else {
                plural(count(severity), word)
            }
        })
        .collect();
        out.push_str(&format!(
            "Found {} ({}): {}.\n",
            plural(report.diagnostics.len(), "problem"),
            parts.join(", "),
            per_rule(report)
        ));
    }
    if report.suppressed > 0 {
        out.push_str(&format!(
            "{} suppressed in the code or config not shown.\n",
            plural(report.suppressed, "problem")
        ));
    }
    if report.baselined > 0 {
        out.push_str(&format!(
            "{} in the baseline not shown.\n",
            plural(report.baselined, "known problem")
        ));
    }
    let s = &report.summary;
    let manual = match s.models_manual_only {
        0 => String::new(),
        n => format!(" ({n} only by DAGs without a schedule)"),
    };
    out.push_str(&format!(
        "Coverage: {}/{} models run by a DAG{manual}; {}/{} dbt tasks resolved; {}.\n",
        s.models_scheduled,
        s.models,
        s.dbt_tasks_resolved,
        s.dbt_tasks,
        plural(s.dags, "DAG")
    ));
    for read in &s.read_from_files {
        out.push_str(&read_from_files_line(read));
    }
    // One line per reason: projects with the same unresolved tasks are said together.
    let mut reasons: Vec<(usize, Vec<&crate::UnknownCoverage>)> = Vec::new();
    for unknown in &s.unknown_coverage {
        match reasons
            .iter_mut()
            .find(|(tasks, _)| *tasks == unknown.unresolved_tasks)
        {
            Some((_, projects)) => projects.push(unknown),
            None => reasons.push((unknown.unresolved_tasks, vec![unknown])),
        }
    }
    for (tasks, projects) in reasons {
        out.push_str(&unknown_coverage_line(tasks, &projects));
    }
    out
}

/// Names the source of a dbt graph read from the project's files (with a manifest, the
/// manifest is the source and nothing is said), and says once what only rendering could tell.
fn read_from_files_line(read: &crate::ReadFromFiles) -> String {
    let project = match read.project.as_str() {
        "." => "the dbt project".to_owned(),
        dir => format!("dbt project `{dir}`"),
    };
    let unknown = match (&read.example, read.unknown) {
        (Some(example), 1) => {
            format!("; 1 node has facts only dbt's rendering can tell ({example})")
        }
        (Some(example), n) => {
            format!("; {n} nodes have facts only dbt's rendering can tell (e.g. {example})")
        }
        _ => String::new(),
    };
    format!(
        "Source: {project} read from project files (no manifest), {}{unknown}.\n",
        plural(read.nodes, "node")
    )
}

/// Says once why some models' coverage is unknown (they are not reported as unscheduled).
fn unknown_coverage_line(tasks: usize, projects: &[&crate::UnknownCoverage]) -> String {
    let models = plural(projects.iter().map(|p| p.models).sum(), "model");
    let project = match projects {
        [one] if one.project == "." => "the dbt project".to_owned(),
        [one] => format!("dbt project `{}`", one.project),
        many => format!(
            "{} dbt projects ({})",
            many.len(),
            many.iter()
                .map(|p| format!("`{}`", p.project))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let its = if projects.len() == 1 { "its" } else { "their" };
    match tasks {
        0 => format!(
            "Unknown: no DAG task runs a model of {project}, so whether {its} {models} are scheduled is not known.\n"
        ),
        tasks => format!(
            "Unknown: {} monolint could not read may run {models} of {project} that no other task runs (`--extend-select dbt-task-unresolved` lists them).\n",
            plural(tasks, "dbt task")
        ),
    }
}
