//! Calls in a DAG file that look like they make dbt-running tasks but that extraction did not
//! read: `AirflowUtil().create_dbt_task_group(...)`, a function decorated with a vendor's
//! `@task.<name>_dbt`, a helper `run_dbt_models(...)`. Their dbt nodes are unknown, so the
//! models of the repository's dbt projects must not be reported as unscheduled.

use tree_sitter::{Node, Tree};

use super::model::DagFile;
use super::walk::{Walk, named_children, preorder, push_named_children};
use crate::airflow::grammar::{ATTRIBUTE, DEFINITION, FUNCTION, NAME, OPERATOR, Syntax};
use crate::source::{Span, Spanned};

/// The dbt-looking calls of `file` that are not part of a DAG or of a task it read as running
/// dbt (a task read as running something else, such as Python, may still run dbt).
pub fn unread_dbt_calls(tree: &Tree, file: &DagFile) -> Vec<Spanned<String>> {
    let text = file.source.text();
    if !text.contains("dbt") && !text.contains("Dbt") && !text.contains("DBT") {
        return Vec::new();
    }
    let read: Vec<(u32, u32)> = file
        .tasks
        .iter()
        .filter(|task| task.runs_dbt())
        .map(|task| (task.call.span.start, task.call.span.end))
        .chain(
            file.dags
                .iter()
                .map(|dag| (dag.call.span.start, dag.call.span.end)),
        )
        .collect();
    // Only a file with decorators has decorated functions.
    let decorated = match text.contains('@') {
        true => decorated_functions(tree, text),
        false => Decorated::default(),
    };
    let calls = match decorated.dbt_tasks.is_empty() {
        true => calls_naming_dbt(tree, text),
        false => all_calls(tree),
    };
    let mut found = Vec::new();
    for node in calls {
        if let Some(name) = callee_name(node, text)
            && !decorated.dags.iter().any(|f| f == name)
            && (names_a_dbt_task(name) || decorated.dbt_tasks.iter().any(|f| f == name))
            && makes_a_task(node)
            && !read.iter().any(|&(start, end)| {
                start <= node.start_byte() as u32 && node.end_byte() as u32 <= end
            })
        {
            let callee = node
                .field(&FUNCTION)
                .map_or(name, |f| &text[f.byte_range()]);
            found.push(Spanned::new(
                format!(
                    "`{callee}(...)` looks like it runs dbt, but monolint cannot read what it runs"
                ),
                Span::new(
                    file.source.clone(),
                    node.start_byte() as u32..node.end_byte() as u32,
                ),
            ));
        }
    }
    found
}

/// The calls whose callee's last name mentions dbt (in any case): the only ones a name can
/// make look like dbt tasks. Found from the mentions in the text, which are few, rather than
/// by walking the whole tree; in source order, outer calls first.
fn calls_naming_dbt<'t>(tree: &'t Tree, text: &str) -> Vec<Node<'t>> {
    let lower = text.to_ascii_lowercase();
    let root = tree.root_node();
    let mut calls: Vec<Node<'t>> = memchr::memmem::find_iter(lower.as_bytes(), b"dbt")
        .filter_map(|at| {
            let name = root.descendant_for_byte_range(at, at + 3)?;
            if name.kind_name() != "identifier" {
                return None;
            }
            let parent = name.parent()?;
            let call = match parent.kind_name() {
                "attribute" => parent.parent()?,
                _ => parent,
            };
            let named = call.kind_name() == "call"
                && callee_name(call, text) == text.get(name.byte_range());
            named.then_some(call)
        })
        .collect();
    calls.sort_by_key(|call| (call.start_byte(), std::cmp::Reverse(call.end_byte())));
    calls.dedup_by_key(|call| call.id());
    calls
}

/// Every call of the file, in source order (outer calls first).
fn all_calls(tree: &Tree) -> Vec<Node<'_>> {
    let mut calls = Vec::new();
    preorder(tree.root_node(), |node| {
        if node.kind_name() == "call" {
            calls.push(node);
        }
        Walk::Descend
    });
    calls
}

fn mentions_dbt(name: &str) -> bool {
    name.to_ascii_lowercase().contains("dbt")
}

/// Words a name that makes a dbt-running task holds besides `dbt`: `create_dbt_task_group`,
/// `run_dbt_models`, `DatacovesDbtOperator`; `get_dbt_vars` and `dbt_profile` compute values.
const TASK_WORDS: &[&str] = &[
    "task", "tasks", "group", "operator", "op", "run", "build", "test", "seed", "snapshot", "job",
    "cmd", "command", "exec", "execute", "invoke", "trigger",
];

fn names_a_dbt_task(name: &str) -> bool {
    let words = words(name);
    words.iter().any(|w| w.contains("dbt"))
        && words.iter().any(|w| TASK_WORDS.contains(&w.as_str()))
}

/// `create_dbt_task_group` → create, dbt, task, group; `DbtRunOperator` → dbt, run, operator.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c == '_' || !c.is_alphanumeric() {
            words.push(std::mem::take(&mut current));
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    words.push(current);
    words.retain(|w| !w.is_empty());
    words
}

/// The last name of a call's callee: `b` in `a.b(...)`, `f` in `f(...)`, `g` in `f()(...)`.
fn callee_name<'t>(call: Node, text: &'t str) -> Option<&'t str> {
    let function = call.field(&FUNCTION)?;
    let name = match function.kind_name() {
        "identifier" => function,
        "attribute" => function.field(&ATTRIBUTE)?,
        _ => return None,
    };
    text.get(name.byte_range())
}

/// Whether the call's value is used as a task: a statement of its own, assigned, chained
/// with `>>`/`<<`, or listed in one of those. A call passed as an argument, returned or
/// compared is something else (a helper computing a value).
fn makes_a_task(call: Node) -> bool {
    let mut node = call;
    while let Some(parent) = node.parent() {
        match parent.kind_name() {
            "expression_statement" | "assignment" => return true,
            "binary_operator" => {
                let operator = parent
                    .field(&OPERATOR)
                    .map(|o| o.kind_name())
                    .unwrap_or_default();
                return matches!(operator, ">>" | "<<");
            }
            "list" | "tuple" | "parenthesized_expression" => node = parent,
            _ => return false,
        }
    }
    false
}

/// The file's decorated functions that matter here.
#[derive(Default)]
struct Decorated {
    /// Decorated with a dbt-running task decorator (`@task.datacoves_dbt`,
    /// `@task.dbt_run(...)`): calling one makes a task that runs dbt.
    dbt_tasks: Vec<String>,
    /// Decorated with `@dag`: calling one makes a DAG, not a task.
    dags: Vec<String>,
}

fn decorated_functions(tree: &Tree, text: &str) -> Decorated {
    let mut decorated = Decorated::default();
    let mut stack = vec![tree.root_node()];
    let mut cursor = None;
    while let Some(node) = stack.pop() {
        if node.kind_name() == "decorated_definition"
            && let Some(name) = node.field(&DEFINITION).and_then(|d| d.field(&NAME))
        {
            let name = text[name.byte_range()].to_owned();
            for decorator in named_children(node)
                .into_iter()
                .filter(|c| c.kind_name() == "decorator")
            {
                let written = text[decorator.byte_range()].trim_start_matches('@');
                let callee = written.split('(').next().unwrap_or(written).trim();
                if callee.starts_with("task") && mentions_dbt(callee) {
                    decorated.dbt_tasks.push(name.clone());
                } else if callee == "dag" || callee.ends_with(".dag") {
                    decorated.dags.push(name.clone());
                }
            }
        }
        push_named_children(node, &mut stack, &mut cursor);
    }
    decorated
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_split_into_words() {
        assert_eq!(
            super::words("create_dbt_task_group"),
            ["create", "dbt", "task", "group"]
        );
        assert_eq!(
            super::words("DatacovesDbtOperator"),
            ["datacoves", "dbt", "operator"]
        );
        assert!(super::names_a_dbt_task(
            "run_dbt_models__standardized_onward"
        ));
        assert!(!super::names_a_dbt_task("get_dbt_vars"));
    }

    use std::sync::Arc;

    use super::*;
    use crate::airflow::extract::extract_file;
    use crate::source::SourceFile;

    fn unread(code: &str) -> Vec<String> {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        let tree = parser.parse(code, None).unwrap();
        let source: Arc<SourceFile> = SourceFile::new("dags/x.py", code);
        let file = extract_file(source, &tree, None);
        unread_dbt_calls(&tree, &file)
            .into_iter()
            .map(|found| found.span.text().to_owned())
            .collect()
    }

    #[test]
    fn a_helper_method_making_a_task_group_is_unread() {
        let found = unread(
            "from airflow.decorators import dag\nfrom utils import AirflowUtil\n\n@dag(schedule=None)\ndef facts():\n    group = AirflowUtil().create_dbt_task_group(group_id=\"g\", select_paths=[\"path:models/gold\"])\n\nfacts()\n",
        );
        assert_eq!(
            found,
            [
                "AirflowUtil().create_dbt_task_group(group_id=\"g\", select_paths=[\"path:models/gold\"])"
            ]
        );
    }

    #[test]
    fn a_vendor_dbt_decorator_makes_an_unread_task() {
        let found = unread(
            "from airflow.decorators import dag, task\n\n@dag(schedule=\"@daily\")\ndef loans():\n    @task.acme_dbt(connection_id=\"main\")\n    def transform():\n        return \"dbt build -s tag:daily\"\n    transform()\n\nloans()\n",
        );
        assert_eq!(found, ["transform()"]);
    }

    #[test]
    fn read_tasks_and_helpers_computing_values_are_not_reported() {
        let found = unread(
            "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\nwith DAG(\"d\", schedule=\"@daily\") as dag:\n    BashOperator(task_id=\"t\", bash_command=\"dbt run\", env=dbt_env())\n    dbt_vars = get_dbt_vars()\n    profile = DbtProfile()\n",
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
