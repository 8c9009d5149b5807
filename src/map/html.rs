//! The map as one self-contained HTML page: the data app's single picture. DAGs on the left
//! (each opens onto its dbt tasks), the models on the right as a tree of folders (each opens
//! onto its subfolders and models), a line for every DAG or task → folder or model that it
//! runs, the findings of the cross-layer rules marked where they apply, a search box, and
//! tables below. Collapsed, a repository of thousands of models is a few dozen boxes.
//! No network: the styles and the script are inline; the page is built in a fixed order, so
//! its bytes depend on the map only.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use super::{DagEntry, DataAppMap, EdgeEntry, FindingEntry, ModelEntry, TaskEntry};

/// Line colours, one per DAG in turn; readable on white and for common colour blindness.
const PALETTE: [&str; 8] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
];

/// The whole page. `title` names the repository.
pub fn render(map: &DataAppMap, title: &str) -> String {
    let mut page = String::with_capacity(64 * 1024 + map.models.len() * 320);
    let c = &map.coverage;
    let percent = |part: usize, whole: usize| (part * 100).checked_div(whole).unwrap_or(100);
    let _ = write!(
        page,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · monolint map</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p class="sub">Which Airflow task runs which dbt model, as <code>monolint map</code> resolved it.</p>
<div class="figures">
<div class="figure"><b>{}/{}</b> models run by a DAG <span class="bar"><span style="width:{}%"></span></span></div>
<div class="figure"><b>{}/{}</b> dbt tasks resolved <span class="bar"><span style="width:{}%"></span></span></div>
<div class="figure"><b>{}</b> DAGs · <b>{}</b> unscheduled models · <b>{}</b> findings</div>
</div>
</header>
<main>
"#,
        c.models_scheduled,
        c.models,
        percent(c.models_scheduled, c.models),
        c.dbt_tasks_resolved,
        c.dbt_tasks,
        percent(c.dbt_tasks_resolved, c.dbt_tasks),
        map.dags.len(),
        map.unscheduled_models.len(),
        map.findings.len(),
        title = escape(title),
    );
    picture(map, &mut page);
    tables(map, &mut page);
    let _ = write!(
        page,
        "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    );
    page
}

/// The findings of the map by the task and by the model they concern.
struct Marks<'a> {
    tasks: BTreeMap<(&'a str, &'a str), Vec<&'a FindingEntry>>,
    models: BTreeMap<(&'a str, &'a str), Vec<&'a FindingEntry>>,
}

impl<'a> Marks<'a> {
    fn of(map: &'a DataAppMap) -> Marks<'a> {
        let mut marks = Marks {
            tasks: BTreeMap::new(),
            models: BTreeMap::new(),
        };
        for finding in &map.findings {
            for task in &finding.tasks {
                marks
                    .tasks
                    .entry((&task.dag_id, &task.task_id))
                    .or_default()
                    .push(finding);
            }
            for model in &finding.models {
                marks
                    .models
                    .entry((&model.project, &model.name))
                    .or_default()
                    .push(finding);
            }
        }
        marks
    }

    fn of_task(&self, dag: &'a DagEntry, task: &'a TaskEntry) -> &[&'a FindingEntry] {
        self.tasks
            .get(&(dag.dag_id.as_str(), task.task_id.as_str()))
            .map_or(&[], Vec::as_slice)
    }

    fn of_model(&self, model: &'a ModelEntry) -> &[&'a FindingEntry] {
        self.models
            .get(&(model.project.as_str(), model.name.as_str()))
            .map_or(&[], Vec::as_slice)
    }
}

/// One badge per rule, its messages as the tooltip.
fn badges(findings: &[&FindingEntry]) -> String {
    let mut by_code: BTreeMap<&str, (&str, Vec<&str>)> = BTreeMap::new();
    for finding in findings {
        let (_, messages) = by_code
            .entry(finding.code)
            .or_insert((finding.severity, Vec::new()));
        if !messages.contains(&finding.message.as_str()) {
            messages.push(&finding.message);
        }
    }
    by_code
        .into_iter()
        .map(|(code, (severity, messages))| {
            format!(
                r#"<span class="mark {severity}" title="{}">{code}</span>"#,
                lines(&messages)
            )
        })
        .collect()
}

/// Badges that count, for a box standing for many items: `X002 2` is two of its items.
#[derive(Default)]
struct Tally<'a> {
    /// Per rule code: its severity, its name and how many items have a finding of it.
    codes: BTreeMap<&'a str, (&'a str, &'a str, usize)>,
    unresolved: usize,
    unscheduled: usize,
}

impl<'a> Tally<'a> {
    fn add(&mut self, findings: &[&'a FindingEntry]) {
        let mut seen: Vec<&str> = Vec::new();
        for finding in findings {
            if seen.contains(&finding.code) {
                continue;
            }
            seen.push(finding.code);
            self.codes
                .entry(finding.code)
                .or_insert((finding.severity, finding.name, 0))
                .2 += 1;
        }
    }

    fn merge(&mut self, other: Tally<'a>) {
        for (code, (severity, name, n)) in other.codes {
            self.codes.entry(code).or_insert((severity, name, 0)).2 += n;
        }
        self.unresolved += other.unresolved;
        self.unscheduled += other.unscheduled;
    }

    /// `noun` names the counted items (`task`, `model`), for the tooltips.
    fn badges(&self, noun: &str) -> String {
        let mut out = String::new();
        if self.unresolved > 0 {
            let _ = write!(
                out,
                r#"<span class="mark unresolved" title="{}: monolint cannot tell what they run">{} unresolved</span>"#,
                plural(self.unresolved, noun),
                self.unresolved
            );
        }
        if self.unscheduled > 0 {
            let _ = write!(
                out,
                r#"<span class="mark not-run" title="{} no DAG runs">{} not run</span>"#,
                plural(self.unscheduled, noun),
                self.unscheduled
            );
        }
        for (code, (severity, name, n)) in &self.codes {
            let _ = write!(
                out,
                r#"<span class="mark {severity}" title="{code} {name}: {}">{code} {n}</span>"#,
                plural(*n, noun)
            );
        }
        out
    }
}

/// The picture: the toolbar, the DAG column and the folder tree, over the lines' SVG.
fn picture(map: &DataAppMap, out: &mut String) {
    let marks = Marks::of(map);
    let dags: Vec<&DagEntry> = map.dags.iter().filter(|d| !d.tasks.is_empty()).collect();
    let without_dbt = map.dags.len() - dags.len();
    out.push_str(
        r#"<section class="map">
<div class="toolbar">
<input type="search" id="search" placeholder="Search DAGs, tasks, models" aria-label="Search DAGs, tasks and models" autocomplete="off">
<button type="button" id="expand-all">Expand all</button>
<button type="button" id="collapse-all">Collapse all</button>
<span id="search-count" class="muted" aria-live="polite"></span>
<span class="legend"><span class="mark error">error</span><span class="mark warning">warning</span><span class="mark unresolved">unresolved</span><span class="mark not-run">not run</span></span>
</div>
"#,
    );
    let _ = writeln!(
        out,
        r#"<p class="muted hint">{} dbt{}. Click a DAG or a folder to open it; hover to follow its lines.</p>"#,
        match dags.len() {
            1 => "1 DAG runs".to_owned(),
            n => format!("{n} DAGs run"),
        },
        match without_dbt {
            0 => String::new(),
            1 => " (1 other runs none: see the table below)".to_owned(),
            n => format!(" ({n} others run none: see the table below)"),
        }
    );
    out.push_str("<div class=\"canvas\" id=\"canvas\">\n<svg class=\"lines\" id=\"lines\" aria-hidden=\"true\"></svg>\n<div class=\"column dags\">\n<p class=\"empty muted\" hidden>No DAG matches or runs what matches.</p>\n");
    // Task numbers, for the models' `data-runs`.
    let mut task_numbers: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut next_task = 0;
    for (index, dag) in dags.iter().enumerate() {
        let mut tally = Tally::default();
        let mut rows = String::new();
        // The models the DAG runs, each once however many of its tasks run it.
        let mut models: BTreeSet<(Option<&str>, &str)> = BTreeSet::new();
        for task in &dag.tasks {
            let number = *task_numbers
                .entry((&dag.dag_id, &task.task_id))
                .or_insert_with(|| {
                    next_task += 1;
                    next_task - 1
                });
            let findings = marks.of_task(dag, task);
            tally.add(findings);
            tally.unresolved += usize::from(!task.resolved());
            let runs: usize = task.dbt.iter().map(|entry| entry.models.len()).sum();
            for entry in &task.dbt {
                let project = entry.project.as_deref();
                models.extend(entry.models.iter().map(|model| (project, model.as_str())));
            }
            task_row(task, number, findings, runs, &mut rows);
        }
        let _ = write!(
            out,
            r#"<div class="dag" id="d{index}" data-name="{}" style="--c:{}">
<button type="button" class="head" aria-expanded="false"><span class="caret"></span><span class="name">{}</span><span class="marks">{}</span><span class="meta">{} · {} · {} · {}</span></button>
<ul class="tasks" hidden>
{rows}</ul>
</div>
"#,
            escape(&dag.dag_id),
            PALETTE[index % PALETTE.len()],
            escape(&dag.dag_id),
            tally.badges("task"),
            escape(dag.owner.as_deref().unwrap_or("no owner")),
            escape(&dag.schedule.describe()),
            plural(dag.tasks.len(), "dbt task"),
            plural(models.len(), "model"),
        );
    }
    out.push_str("</div>\n<div class=\"column folders\">\n<p class=\"empty muted\" hidden>No model matches or is run by what matches.</p>\n");
    let tree = Folder::of(&map.models);
    if !tree.path.is_empty() {
        let _ = writeln!(
            out,
            r#"<div class="root muted">{}/</div>"#,
            escape(&tree.path)
        );
    }
    let mut groups = 0;
    let mut top = String::new();
    if !tree.models.is_empty() {
        // Models right in the root folder get a box too: a flat project is one folder.
        let own = Folder {
            path: tree.path.clone(),
            label: ".".to_owned(),
            children: BTreeMap::new(),
            models: tree.models.clone(),
        };
        own.render(map, &marks, &task_numbers, &mut groups, &mut top);
    }
    for child in tree.children.values() {
        child.render(map, &marks, &task_numbers, &mut groups, &mut top);
    }
    out.push_str(&top);
    out.push_str("</div>\n</div>\n</section>\n");
}

/// A dbt task of a DAG: its id, what it runs, its status and findings.
fn task_row(
    task: &TaskEntry,
    number: usize,
    findings: &[&FindingEntry],
    models: usize,
    out: &mut String,
) {
    let summary = match task.status {
        "resolved" => task_summary(task, models),
        status => status.to_owned(),
    };
    let calls: Vec<String> = task
        .dbt
        .iter()
        .map(|entry| {
            format!(
                "dbt {} {}",
                entry.command.as_deref().unwrap_or("?"),
                entry.selection
            )
            .trim_end()
            .to_owned()
        })
        .collect();
    let _ = write!(
        out,
        r#"<li class="task {}" id="t{number}" data-name="{}" title="{}"><span class="name">{}</span><span class="marks">{}</span><span class="count">{}</span>"#,
        task.status,
        escape(&task.task_id),
        lines(&calls),
        escape(&task.task_id),
        badges(findings),
        escape(&summary),
    );
    if let Some(reason) = &task.reason {
        let _ = write!(
            out,
            r#"<span class="reason" title="{0}">{0}</span>"#,
            escape(reason)
        );
    }
    out.push_str("</li>\n");
}

/// A folder of models: its subfolders and its own models. A folder holding a single
/// subfolder and no model is merged with it (`sources/gitlab_dotcom/`), so no box is empty.
struct Folder {
    /// The full path, relative to the checked folder.
    path: String,
    /// The path relative to the parent box.
    label: String,
    children: BTreeMap<String, Folder>,
    /// Indices into the map's models.
    models: Vec<usize>,
}

impl Folder {
    fn of(models: &[ModelEntry]) -> Folder {
        let mut root = Folder {
            path: String::new(),
            label: String::new(),
            children: BTreeMap::new(),
            models: Vec::new(),
        };
        for (index, model) in models.iter().enumerate() {
            let folder = model.file.rsplit_once('/').map_or("", |(folder, _)| folder);
            let mut node = &mut root;
            for part in folder.split('/').filter(|part| !part.is_empty()) {
                let path = match node.path.as_str() {
                    "" => part.to_owned(),
                    parent => format!("{parent}/{part}"),
                };
                node = node.children.entry(part.to_owned()).or_insert(Folder {
                    path,
                    label: part.to_owned(),
                    children: BTreeMap::new(),
                    models: Vec::new(),
                });
            }
            node.models.push(index);
        }
        root.merge_single_children()
    }

    fn merge_single_children(mut self) -> Folder {
        while self.models.is_empty() && self.children.len() == 1 {
            let Some((_, child)) = self.children.pop_first() else {
                break;
            };
            self.label = match self.label.as_str() {
                "" => child.label,
                label => format!("{label}/{}", child.label),
            };
            self.path = child.path;
            self.children = child.children;
            self.models = child.models;
        }
        self.children = std::mem::take(&mut self.children)
            .into_iter()
            .map(|(name, child)| (name, child.merge_single_children()))
            .collect();
        self
    }

    /// Writes the folder's box (closed) and returns what it holds, for its parent's counts.
    fn render<'a>(
        &self,
        map: &'a DataAppMap,
        marks: &Marks<'a>,
        task_numbers: &BTreeMap<(&str, &str), usize>,
        groups: &mut usize,
        out: &mut String,
    ) -> (usize, Tally<'a>) {
        let id = *groups;
        *groups += 1;
        let mut inner = String::new();
        let mut count = 0;
        let mut tally = Tally::default();
        for child in self.children.values() {
            let (n, child_tally) = child.render(map, marks, task_numbers, groups, &mut inner);
            count += n;
            tally.merge(child_tally);
        }
        for &index in &self.models {
            let model = &map.models[index];
            let findings = marks.of_model(model);
            tally.add(findings);
            tally.unscheduled += usize::from(model.coverage == "unscheduled");
            count += 1;
            let runs: Vec<String> = model
                .run_by
                .iter()
                .filter_map(|task| {
                    task_numbers
                        .get(&(task.dag_id.as_str(), task.task_id.as_str()))
                        .map(|n| n.to_string())
                })
                .collect();
            let _ = writeln!(
                inner,
                r#"<div class="model {}" id="m{index}" data-name="{}" data-runs="{}" title="{}&#10;owner: {}&#10;run by: {}"><span class="name">{}</span><span class="marks">{}</span></div>"#,
                model.coverage,
                escape(&model.name),
                runs.join(" "),
                escape(&model.file),
                escape(model.owner.as_deref().unwrap_or("none")),
                escape(&run_by_text(model)),
                escape(&model.name),
                badges(findings),
            );
        }
        let _ = write!(
            out,
            r#"<div class="folder" id="g{id}" data-name="{}">
<button type="button" class="head" aria-expanded="false" title="{}/"><span class="caret"></span><span class="name">{}/</span><span class="marks">{}</span><span class="meta">{}</span></button>
<div class="children" hidden>
{inner}</div>
</div>
"#,
            escape(&self.label),
            escape(&self.path),
            escape(&self.label),
            tally.badges("model"),
            plural(count, "model"),
        );
        (count, tally)
    }
}

fn tables(map: &DataAppMap, out: &mut String) {
    out.push_str("<section><h2>DAGs</h2>\n<table><thead><tr><th>DAG</th><th>Owner</th><th>Schedule</th><th>dbt task</th><th>Command</th><th>Selection</th><th>Runs</th></tr></thead><tbody>\n");
    for dag in &map.dags {
        let dag_cell = format!(
            "<td><b>{}</b><br><small>{}:{}</small></td><td>{}</td><td>{}</td>",
            escape(&dag.dag_id),
            escape(&dag.file),
            dag.line,
            escape(dag.owner.as_deref().unwrap_or("—")),
            escape(&dag.schedule.describe())
        );
        if dag.tasks.is_empty() {
            let _ = writeln!(
                out,
                "<tr>{dag_cell}<td colspan=\"4\" class=\"muted\">no dbt task</td></tr>"
            );
            continue;
        }
        for task in &dag.tasks {
            for entry in &task.dbt {
                let runs = match entry.status {
                    "resolved" if entry.counts.is_empty() => "nothing".to_owned(),
                    "resolved" => entry
                        .counts
                        .iter()
                        .map(|(kind, n)| plural(*n, kind))
                        .collect::<Vec<_>>()
                        .join(", "),
                    "no-selection" => "—".to_owned(),
                    status => format!("{status}: {}", entry.reason.as_deref().unwrap_or("")),
                };
                let _ = writeln!(
                    out,
                    "<tr class=\"{}\">{dag_cell}<td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                    entry.status,
                    escape(&task.task_id),
                    escape(entry.command.as_deref().unwrap_or("dbt ?")),
                    escape(if entry.selection.is_empty() {
                        "(everything)"
                    } else {
                        &entry.selection
                    }),
                    escape(&runs)
                );
            }
        }
    }
    out.push_str("</tbody></table></section>\n");
    if !map.edges.is_empty() {
        out.push_str("<section><h2>Between DAGs</h2><ul>\n");
        for edge in &map.edges {
            let _ = writeln!(out, "<li>{}</li>", escape(&describe_edge(edge)));
        }
        out.push_str("</ul></section>\n");
    }
    let _ = writeln!(
        out,
        "<section><h2>Not run by any DAG <span class=\"badge\">{}</span></h2>",
        map.unscheduled_models.len()
    );
    if map.unscheduled_models.is_empty() {
        out.push_str("<p class=\"muted\">Every model is run by a DAG.</p>\n");
    } else {
        out.push_str(
            "<table><thead><tr><th>Model</th><th>File</th><th>Owner</th></tr></thead><tbody>\n",
        );
        for model in &map.unscheduled_models {
            let _ = writeln!(
                out,
                "<tr class=\"unscheduled\"><td>{}.{}</td><td>{}</td><td>{}</td></tr>",
                escape(&model.project),
                escape(&model.name),
                escape(&model.file),
                escape(model.owner.as_deref().unwrap_or("—"))
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</section>\n");
    findings_table(map, out);
}

/// The cross-layer findings, as `monolint check` reports them.
fn findings_table(map: &DataAppMap, out: &mut String) {
    let _ = writeln!(
        out,
        "<section><h2>Findings <span class=\"badge\">{}</span></h2>",
        map.findings.len()
    );
    if map.findings.is_empty() {
        out.push_str("<p class=\"muted\">No cross-layer rule finds anything.</p>\n</section>\n");
        return;
    }
    out.push_str("<table><thead><tr><th>Rule</th><th>Finding</th><th>Where</th><th>Tasks</th></tr></thead><tbody>\n");
    for finding in &map.findings {
        let tasks: Vec<String> = finding
            .tasks
            .iter()
            .map(|task| format!("{}.{}", task.dag_id, task.task_id))
            .collect();
        let _ = writeln!(
            out,
            "<tr><td><span class=\"mark {}\">{}</span> {}</td><td>{}</td><td><small>{}:{}</small></td><td><small>{}</small></td></tr>",
            finding.severity,
            finding.code,
            escape(finding.name),
            escape(&finding.message),
            escape(&finding.file),
            finding.line,
            escape(&tasks.join(", "))
        );
    }
    out.push_str("</tbody></table>\n</section>\n");
}

fn describe_edge(edge: &EdgeEntry) -> String {
    let end = |endpoint: &super::Endpoint| {
        let dag = endpoint.dag_id.as_deref().unwrap_or("?");
        match endpoint.task_ids.as_slice() {
            [] => dag.to_owned(),
            tasks => format!("{dag}.{}", tasks.join("|")),
        }
    };
    let how = match &edge.dataset {
        Some(uri) => format!("dataset {uri}"),
        None => edge.kind.to_owned(),
    };
    format!(
        "{} → {} ({how})",
        end(&edge.upstream),
        end(&edge.downstream)
    )
}

/// `4 models`, or what a task runs when it runs no model (`8 sources`), or `nothing`.
fn task_summary(task: &super::TaskEntry, models: usize) -> String {
    if models > 0 {
        return plural(models, "model");
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (kind, n) in task.dbt.iter().flat_map(|entry| &entry.counts) {
        *counts.entry(kind).or_default() += n;
    }
    counts
        .into_iter()
        .next()
        .map_or_else(|| "nothing".to_owned(), |(kind, n)| plural(n, kind))
}

fn run_by_text(model: &ModelEntry) -> String {
    if model.run_by.is_empty() {
        return "no DAG".to_owned();
    }
    model
        .run_by
        .iter()
        .map(|task| format!("{}.{}", task.dag_id, task.task_id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `1 model`, `2 models`.
fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Lines of text for a tooltip (`title`), each escaped, the page's lines kept whole.
fn lines<T: AsRef<str>>(lines: &[T]) -> String {
    lines
        .iter()
        .map(|line| escape(line.as_ref()))
        .collect::<Vec<_>>()
        .join("&#10;")
}

/// Text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { --ink: #1d2330; --muted: #6b7280; --line: #e5e7eb; --bad: #c0392b; --bad-bg: #fde2e1; --warn: #b45309; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #fafafa; }
header { padding: 24px 32px 16px; background: #fff; border-bottom: 1px solid var(--line); }
h1 { margin: 0; font-size: 22px; }
h2 { font-size: 17px; margin: 28px 0 10px; }
.sub { margin: 4px 0 14px; color: var(--muted); }
.figures { display: flex; gap: 28px; flex-wrap: wrap; }
.figure b { font-size: 18px; }
.bar { display: inline-block; width: 120px; height: 8px; background: var(--bad-bg); border-radius: 4px; vertical-align: middle; margin-left: 6px; overflow: hidden; }
.bar span { display: block; height: 100%; background: #2ca02c; }
main { padding: 8px 32px 40px; }
.map { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin-top: 16px; }
.toolbar { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
#search { width: 320px; max-width: 100%; padding: 6px 10px; border: 1px solid #cbd5e1; border-radius: 6px; font: inherit; }
.toolbar button { font: inherit; padding: 5px 12px; border: 1px solid #cbd5e1; background: #f8fafc; border-radius: 6px; cursor: pointer; }
.legend { margin-left: auto; }
.hint { margin: 8px 0 12px; font-size: 13px; }
.empty { margin: 4px 0; font-size: 13px; }
.canvas { position: relative; display: grid; grid-template-columns: minmax(280px, 420px) minmax(100px, 1fr) minmax(280px, 420px); align-items: start; }
.column { position: relative; z-index: 1; min-width: 0; }
.column.dags { grid-column: 1; }
.column.folders { grid-column: 3; }
.root { font-size: 12px; margin: 0 0 6px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.lines { position: absolute; left: 0; top: 0; pointer-events: none; }
.lines path { fill: none; opacity: var(--line-opacity, .4); }
.canvas.focus .lines path { opacity: .07; }
.canvas.focus .lines path.on { opacity: 1; }
.dag, .folder { margin: 0 0 8px; }
.head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 2px 8px; width: 100%; text-align: left; font: inherit; color: inherit; background: #f8fafc; border: 1px solid #cbd5e1; border-left: 4px solid var(--c, #94a3b8); border-radius: 6px; padding: 5px 10px; cursor: pointer; }
.head:hover { background: #f1f5f9; }
.head .name { font-weight: 600; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.head .meta { color: var(--muted); font-size: 12px; }
.dag .head .meta { flex-basis: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.folder .head .meta { margin-left: auto; white-space: nowrap; }
.caret::before { content: "\25B8"; color: var(--muted); }
[aria-expanded="true"] .caret::before { content: "\25BE"; }
.tasks { list-style: none; margin: 4px 0 0 16px; padding: 0; }
.task { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0 8px; padding: 3px 8px; margin: 0 0 3px; border: 1px solid var(--line); border-radius: 4px; background: #fff; font-size: 13px; }
.task .name { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.task .count { margin-left: auto; color: var(--muted); font-size: 12px; white-space: nowrap; }
.task .reason { flex-basis: 100%; min-width: 0; color: var(--warn); font-size: 12px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.task.unresolved, .task.invalid { background: #fff7ed; border-color: #fdba74; }
.task.unresolved .count, .task.invalid .count { color: var(--warn); font-weight: 600; }
.children { margin: 6px 0 0 16px; }
.model { display: flex; align-items: baseline; gap: 8px; padding: 1px 8px; margin: 0 0 3px; background: #eef6ee; border: 1px solid #9ccc9c; border-radius: 4px; font-size: 13px; }
.model .name { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.model .marks { margin-left: auto; white-space: nowrap; }
.model.unscheduled { background: var(--bad-bg); border-color: var(--bad); color: var(--bad); font-weight: 600; }
.model.unknown { background: #f8fafc; border-style: dashed; border-color: #94a3b8; }
.model.manual-only { background: #fefce8; border-color: #d4b106; }
.marks:empty { display: none; }
.mark { display: inline-block; font-size: 11px; line-height: 16px; padding: 0 6px; border-radius: 8px; margin: 0 2px; font-weight: 600; white-space: nowrap; }
.mark.error { background: #fde2e1; color: #b91c1c; }
.mark.warning { background: #fef3c7; color: #92400e; }
.mark.info { background: #e0f2fe; color: #075985; }
.mark.unresolved { background: #ffedd5; color: #9a3412; }
.mark.not-run { background: var(--bad); color: #fff; }
.hit > .head .name, .task.hit .name, .model.hit .name { background: #fff59d; }
.filtered { display: none !important; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; }
tr.unresolved td, tr.invalid td { background: #fff7ed; }
tr.unscheduled td { color: var(--bad); }
small, .muted { color: var(--muted); }
.badge { background: var(--bad-bg); color: var(--bad); border-radius: 10px; padding: 0 8px; font-size: 13px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
"#;

/// Draws a line per (DAG or task, folder or model) pair that runs, between the boxes on
/// screen; opens and closes boxes; highlights the lines of the hovered box; filters by name.
const SCRIPT: &str = r#"
(function () {
  var canvas = document.getElementById('canvas');
  if (!canvas) return;
  var svg = document.getElementById('lines');
  var NS = 'http://www.w3.org/2000/svg';
  function all(selector) { return Array.prototype.slice.call(canvas.querySelectorAll(selector)); }
  var dags = all('.dag'), tasks = all('.task'), models = all('.model'), folders = all('.folder');
  var boxes = dags.concat(folders);
  var taskByNumber = {};
  tasks.forEach(function (task) { taskByNumber[task.id.slice(1)] = task; task.modelsRun = []; });
  models.forEach(function (model, i) { model.index = i; });
  var runs = models.map(function (model) {
    var numbers = model.dataset.runs ? model.dataset.runs.split(' ') : [];
    return numbers.map(function (n) { return taskByNumber[n]; }).filter(Boolean);
  });
  runs.forEach(function (list, i) { list.forEach(function (task) { task.modelsRun.push(models[i]); }); });
  var paths = [];

  function isOpen(box) { return box.firstElementChild.getAttribute('aria-expanded') === 'true'; }
  function setOpen(box, open) {
    box.firstElementChild.setAttribute('aria-expanded', open ? 'true' : 'false');
    box.lastElementChild.hidden = !open;
  }
  function dagOf(task) { return task.closest('.dag'); }
  // What stands for a task on screen: the task when its DAG is open, else the DAG.
  function leftEnd(task) { var dag = dagOf(task); return isOpen(dag) ? task : dag; }
  // What stands for a model: its outermost closed folder, else the model.
  function rightEnd(model) {
    var end = model;
    for (var el = model.parentElement; el && el !== canvas; el = el.parentElement) {
      if (el.classList.contains('folder') && !isOpen(el)) end = el;
    }
    return end;
  }
  function anchor(box) { return box.classList.contains('task') || box.classList.contains('model') ? box : box.firstElementChild; }

  function draw() {
    var links = {}, order = [];
    models.forEach(function (model, i) {
      if (model.classList.contains('filtered')) return;
      var right = rightEnd(model);
      runs[i].forEach(function (task) {
        if (task.classList.contains('filtered')) return;
        var left = leftEnd(task);
        var key = left.id + '>' + right.id;
        var link = links[key];
        if (!link) {
          link = links[key] = { left: left, right: right, models: {}, n: 0, colour: dagOf(task).style.getPropertyValue('--c') };
          order.push(key);
        }
        if (!link.models[model.id]) { link.models[model.id] = true; link.n += 1; }
      });
    });
    var frame = canvas.getBoundingClientRect();
    var width = canvas.scrollWidth, height = canvas.scrollHeight;
    var drawn = [];
    order.forEach(function (key) {
      var link = links[key];
      var a = anchor(link.left).getBoundingClientRect(), b = anchor(link.right).getBoundingClientRect();
      if (!a.height || !b.height) return;
      var x1 = a.right - frame.left, y1 = a.top - frame.top + a.height / 2;
      var x2 = b.left - frame.left, y2 = b.top - frame.top + b.height / 2;
      drawn.push({ link: link, d: 'M' + x1.toFixed(1) + ' ' + y1.toFixed(1) + 'C' + ((x1 + x2) / 2).toFixed(1) + ' ' + y1.toFixed(1) + ' ' + ((x1 + x2) / 2).toFixed(1) + ' ' + y2.toFixed(1) + ' ' + x2.toFixed(1) + ' ' + y2.toFixed(1) });
    });
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    var fragment = document.createDocumentFragment();
    paths = drawn.map(function (item) {
      var path = document.createElementNS(NS, 'path');
      path.setAttribute('d', item.d);
      path.setAttribute('stroke', item.link.colour);
      path.setAttribute('stroke-width', Math.min(1 + 0.8 * Math.log2(item.link.n), 6).toFixed(1));
      path.setAttribute('data-from', item.link.left.id);
      path.setAttribute('data-to', item.link.right.id);
      path.setAttribute('data-models', item.link.n);
      fragment.appendChild(path);
      return { el: path, left: item.link.left, right: item.link.right };
    });
    svg.textContent = '';
    svg.appendChild(fragment);
    // The more lines, the fainter each: a hundred DAGs stay readable.
    svg.style.setProperty('--line-opacity', Math.max(0.12, Math.min(0.5, 20 / Math.max(paths.length, 1))).toFixed(2));
  }

  function focus(box) {
    canvas.classList.add('focus');
    paths.forEach(function (p) { p.el.classList.toggle('on', box.contains(p.left) || box.contains(p.right)); });
  }
  function unfocus() {
    canvas.classList.remove('focus');
    paths.forEach(function (p) { p.el.classList.remove('on'); });
  }
  canvas.addEventListener('mouseover', function (event) {
    var box = event.target.closest('.task, .model, .dag, .folder');
    if (box) focus(box); else unfocus();
  });
  canvas.addEventListener('mouseleave', unfocus);
  canvas.addEventListener('click', function (event) {
    var head = event.target.closest('.head');
    if (!head) return;
    var box = head.parentElement;
    setOpen(box, !isOpen(box));
    draw();
    focus(box);
  });
  document.getElementById('expand-all').addEventListener('click', function () { boxes.forEach(function (b) { setOpen(b, true); }); draw(); });
  document.getElementById('collapse-all').addEventListener('click', function () { boxes.forEach(function (b) { setOpen(b, false); }); draw(); });

  // Search: keep what matches, what runs the matching models and what the matching tasks
  // run; open the boxes holding a match. Clearing the box brings the earlier view back.
  var input = document.getElementById('search'), counter = document.getElementById('search-count');
  var before = null;
  var notes = all('.empty');
  function empty(noDag, noModel) { notes[0].hidden = !noDag; notes[1].hidden = !noModel; }
  function matches(el, query) { return (el.dataset.name || '').toLowerCase().indexOf(query) >= 0; }
  function search() {
    var query = input.value.trim().toLowerCase();
    boxes.concat(tasks, models).forEach(function (el) { el.classList.remove('hit', 'filtered'); });
    if (!query) {
      if (before) boxes.forEach(function (b) { setOpen(b, before.indexOf(b) >= 0); });
      before = null;
      counter.textContent = '';
      empty(false, false);
      draw();
      return;
    }
    if (!before) before = boxes.filter(isOpen);
    var keepTasks = new Set(), keepModels = new Set(), hits = 0;
    function keepModel(model) {
      keepModels.add(model);
      runs[model.index].forEach(function (task) { keepTasks.add(task); });
    }
    dags.forEach(function (dag) {
      var dagHit = matches(dag, query);
      if (dagHit) { dag.classList.add('hit'); hits += 1; }
      Array.prototype.forEach.call(dag.querySelectorAll('.task'), function (task) {
        var hit = matches(task, query);
        if (hit) { task.classList.add('hit'); hits += 1; }
        if (hit || dagHit) { keepTasks.add(task); task.modelsRun.forEach(function (m) { keepModels.add(m); }); }
      });
    });
    folders.forEach(function (folder) {
      if (!matches(folder, query)) return;
      folder.classList.add('hit');
      hits += 1;
      Array.prototype.forEach.call(folder.querySelectorAll('.model'), keepModel);
    });
    models.forEach(function (model) {
      if (!matches(model, query)) return;
      model.classList.add('hit');
      hits += 1;
      keepModel(model);
    });
    tasks.forEach(function (task) { task.classList.toggle('filtered', !keepTasks.has(task)); });
    models.forEach(function (model) { model.classList.toggle('filtered', !keepModels.has(model)); });
    dags.forEach(function (dag) {
      dag.classList.toggle('filtered', !dag.querySelector('.task:not(.filtered)'));
      setOpen(dag, !!dag.querySelector('.task.hit'));
    });
    folders.forEach(function (folder) {
      folder.classList.toggle('filtered', !folder.querySelector('.model:not(.filtered)'));
      setOpen(folder, !!folder.querySelector('.model.hit'));
    });
    counter.textContent = hits + (hits === 1 ? ' match' : ' matches');
    empty(dags.every(function (d) { return d.classList.contains('filtered'); }), folders.every(function (f) { return f.classList.contains('filtered'); }));
    draw();
  }
  var pending = null;
  input.addEventListener('input', function () { clearTimeout(pending); pending = setTimeout(search, 120); });
  window.addEventListener('resize', draw);
  draw();
})();
"#;

#[cfg(test)]
mod tests {
    use super::{Folder, escape};
    use crate::map::ModelEntry;

    fn model(file: &str) -> ModelEntry {
        ModelEntry {
            project: "p".to_owned(),
            name: file.rsplit('/').next().unwrap_or(file).to_owned(),
            file: file.to_owned(),
            owner: None,
            coverage: "scheduled",
            run_by: Vec::new(),
        }
    }

    /// Folders holding one subfolder and no model merge with it; the rest keep their boxes.
    #[test]
    fn folder_tree_merges_single_subfolders() {
        let models = [
            "dbt/models/sources/crm/renamed/a.sql",
            "dbt/models/sources/crm/renamed/b.sql",
            "dbt/models/marts/c.sql",
            "dbt/models/marts/finance/d.sql",
        ]
        .map(model);
        let tree = Folder::of(&models);
        assert_eq!(tree.path, "dbt/models");
        let children: Vec<(&str, &str, &[usize])> = tree
            .children
            .values()
            .map(|child| (child.label.as_str(), child.path.as_str(), &child.models[..]))
            .collect();
        assert_eq!(
            children,
            [
                ("marts", "dbt/models/marts", &[2][..]),
                (
                    "sources/crm/renamed",
                    "dbt/models/sources/crm/renamed",
                    &[0, 1][..]
                ),
            ]
        );
        let marts = &tree.children["marts"];
        assert_eq!(marts.children["finance"].models, [3]);
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
