//! The map as one self-contained HTML page: the data app's single picture. DAGs and their dbt
//! tasks on the left, the models they run on the right (grouped by folder, unscheduled ones
//! in red), a line for every task → model run, the coverage figures on top, and tables below.
//! No network: styles, the SVG and the few lines of script are inline.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{DagEntry, DataAppMap, EdgeEntry, ModelEntry};

const TASK_COLUMN_WIDTH: f64 = 360.0;
const MODEL_COLUMN_X: f64 = 620.0;
const MODEL_COLUMN_WIDTH: f64 = 340.0;
const DAG_HEADER: f64 = 42.0;
const ROW: f64 = 24.0;
const GAP: f64 = 18.0;
/// Line colours, one per DAG in turn; readable on white and for common colour blindness.
const PALETTE: [&str; 8] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
];

/// The whole page. `title` names the repository.
pub fn render(map: &DataAppMap, title: &str) -> String {
    let mut page = String::with_capacity(64 * 1024);
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
<div class="figure"><b>{}</b> DAGs · <b>{}</b> unscheduled models</div>
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

/// The SVG: task rows on the left, model rows on the right, a curve per run.
fn picture(map: &DataAppMap, out: &mut String) {
    let dags: Vec<&DagEntry> = map.dags.iter().filter(|d| !d.tasks.is_empty()).collect();
    // Left column: a header per DAG, a row per dbt task.
    let mut y = 0.0;
    let mut task_rows: Vec<(f64, &DagEntry, usize)> = Vec::new();
    let mut dag_boxes: Vec<(f64, f64, &DagEntry)> = Vec::new();
    for dag in &dags {
        let top = y;
        y += DAG_HEADER;
        for index in 0..dag.tasks.len() {
            task_rows.push((y + ROW / 2.0, dag, index));
            y += ROW;
        }
        dag_boxes.push((top, y - top, dag));
        y += GAP;
    }
    let left_height = y;
    // Right column: models grouped by folder.
    let mut folders: BTreeMap<&str, Vec<&ModelEntry>> = BTreeMap::new();
    for model in &map.models {
        let folder = model.file.rsplit_once('/').map_or("", |(folder, _)| folder);
        folders.entry(folder).or_default().push(model);
    }
    let mut y = 0.0;
    // By project and name: names repeat across projects.
    let mut model_rows: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    let mut folder_rows: Vec<(f64, &str)> = Vec::new();
    for (folder, models) in &folders {
        folder_rows.push((y, folder));
        y += ROW;
        for model in models {
            model_rows.insert((&model.project, &model.name), y + ROW / 2.0);
            y += ROW;
        }
        y += GAP / 2.0;
    }
    let height = left_height.max(y).max(ROW) + 10.0;
    let width = MODEL_COLUMN_X + MODEL_COLUMN_WIDTH + 10.0;
    let _ = writeln!(
        out,
        r#"<section class="picture"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="DAG tasks and the dbt models they run">"#
    );
    // Curves first, so rows are drawn over them.
    out.push_str("<g class=\"runs\">\n");
    for (row_y, dag, index) in &task_rows {
        let colour = colour_of(&dags, dag);
        let task = &dag.tasks[*index];
        let task_key = format!("{}.{}", dag.dag_id, task.task_id);
        let runs = task.dbt.iter().flat_map(|entry| {
            let project = entry.project.as_deref().unwrap_or_default();
            entry
                .models
                .iter()
                .map(move |model| (project, model.as_str()))
        });
        for (project, model) in runs {
            let Some(model_y) = model_rows.get(&(project, model)) else {
                continue;
            };
            let (x1, x2) = (TASK_COLUMN_WIDTH, MODEL_COLUMN_X);
            let middle = (x1 + x2) / 2.0;
            let _ = writeln!(
                out,
                r#"<path d="M{x1} {row_y} C{middle} {row_y} {middle} {model_y} {x2} {model_y}" stroke="{colour}" data-task="{}" data-model="{}"/>"#,
                escape(&task_key),
                escape(model)
            );
        }
    }
    out.push_str("</g>\n");
    for (top, box_height, dag) in &dag_boxes {
        let colour = colour_of(&dags, dag);
        let _ = writeln!(
            out,
            r#"<rect class="dag" x="0.5" y="{top}" width="{TASK_COLUMN_WIDTH}" height="{box_height}" rx="6" style="stroke:{colour}"/>"#
        );
        let _ = writeln!(
            out,
            r#"<text class="dag-id" x="10" y="{}">{}</text><text class="dag-meta" x="10" y="{}">{} · {}</text>"#,
            top + 17.0,
            escape(&dag.dag_id),
            top + 33.0,
            escape(dag.owner.as_deref().unwrap_or("no owner")),
            escape(&dag.schedule.describe())
        );
    }
    for (row_y, dag, index) in &task_rows {
        let task = &dag.tasks[*index];
        let unresolved = !task.resolved();
        let runs: usize = task.dbt.iter().map(|entry| entry.models.len()).sum();
        let _ = writeln!(
            out,
            r#"<g class="task{}" data-task="{}"><text x="22" y="{}">{}</text><text class="count" x="{}" y="{}">{}</text></g>"#,
            if unresolved { " unresolved" } else { "" },
            escape(&format!("{}.{}", dag.dag_id, task.task_id)),
            row_y + 4.0,
            escape(&task.task_id),
            TASK_COLUMN_WIDTH - 10.0,
            row_y + 4.0,
            if unresolved {
                "unresolved".to_owned()
            } else {
                task_summary(task, runs)
            }
        );
    }
    for (row_y, folder) in &folder_rows {
        let _ = writeln!(
            out,
            r#"<text class="folder" x="{MODEL_COLUMN_X}" y="{}">{}/</text>"#,
            row_y + 16.0,
            escape(folder)
        );
    }
    for model in &map.models {
        let Some(row_y) = model_rows.get(&(model.project.as_str(), model.name.as_str())) else {
            continue;
        };
        let class = match model.coverage {
            "unscheduled" => " unscheduled",
            "unknown" => " unknown",
            _ => "",
        };
        let _ = writeln!(
            out,
            r#"<g class="model{}" data-model="{}"><title>{}&#10;owner: {}&#10;run by: {}</title><rect x="{MODEL_COLUMN_X}" y="{}" width="{MODEL_COLUMN_WIDTH}" height="{}" rx="4"/><text x="{}" y="{}">{}</text></g>"#,
            class,
            escape(&model.name),
            escape(&model.file),
            escape(model.owner.as_deref().unwrap_or("none")),
            escape(&run_by_text(model)),
            row_y - ROW / 2.0 + 2.0,
            ROW - 4.0,
            MODEL_COLUMN_X + 8.0,
            row_y + 4.0,
            escape(&model.name)
        );
    }
    out.push_str("</svg></section>\n");
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
                        .map(|(kind, n)| format!("{n} {kind}{}", if *n == 1 { "" } else { "s" }))
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
    let plural = |n: usize, kind: &str| format!("{n} {kind}{}", if n == 1 { "" } else { "s" });
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

fn colour_of(dags: &[&DagEntry], dag: &DagEntry) -> &'static str {
    let index = dags.iter().position(|d| std::ptr::eq(*d, dag)).unwrap_or(0);
    PALETTE[index % PALETTE.len()]
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
:root { --ink: #1d2330; --muted: #6b7280; --line: #e5e7eb; --bad: #c0392b; --bad-bg: #fde2e1; }
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
.picture { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin-top: 16px; }
svg text { font-size: 12.5px; fill: var(--ink); }
.runs path { fill: none; stroke-width: 1.6; opacity: .45; }
.runs path.on { opacity: 1; stroke-width: 2.6; }
.dag { fill: #f8fafc; stroke-width: 1.5; }
.dag-id { font-weight: 600; font-size: 13.5px; }
.dag-meta { fill: var(--muted); font-size: 11.5px; }
.task text.count { text-anchor: end; fill: var(--muted); font-size: 11.5px; }
.task.unresolved text { fill: #b45309; }
.folder { fill: var(--muted); font-size: 11.5px; }
.model rect { fill: #eef6ee; stroke: #9ccc9c; }
.model.unscheduled rect { fill: var(--bad-bg); stroke: var(--bad); }
.model.unscheduled text { fill: var(--bad); font-weight: 600; }
.model.unknown rect { stroke-dasharray: 3 2; }
.task, .model { cursor: default; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; }
tr.unresolved td, tr.invalid td { background: #fff7ed; }
tr.unscheduled td { color: var(--bad); }
small, .muted { color: var(--muted); }
.badge { background: var(--bad-bg); color: var(--bad); border-radius: 10px; padding: 0 8px; font-size: 13px; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
"#;

/// Hovering a task or a model highlights its runs.
const SCRIPT: &str = r#"
document.querySelectorAll('[data-task],[data-model]').forEach(function (el) {
  if (el.tagName === 'path') return;
  var key = el.dataset.task ? ['task', el.dataset.task] : ['model', el.dataset.model];
  el.addEventListener('mouseenter', function () {
    document.querySelectorAll('path[data-' + key[0] + '="' + CSS.escape(key[1]) + '"]')
      .forEach(function (p) { p.classList.add('on'); });
  });
  el.addEventListener('mouseleave', function () {
    document.querySelectorAll('path.on').forEach(function (p) { p.classList.remove('on'); });
  });
});
"#;

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
