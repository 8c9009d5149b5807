//! `BashOperator(bash_command=...)`: dbt calls in a shell command line.

use super::{Extraction, Family, in_working_dir};
use crate::airflow::shell::split_commands;
use crate::airflow::value::{Call, Text, UNKNOWN_MARK, Value};
use crate::dbt::cli::parse_argv;
use crate::source::Spanned;

pub const BASH_OPERATOR: Family = Family {
    name: "BashOperator",
    // Datacoves' operators are BashOperators that run in the dbt project.
    recognizes: |call| {
        matches!(
            call.name(),
            "BashOperator" | "DatacovesBashOperator" | "DatacovesDbtOperator"
        )
    },
    extract,
};

fn extract(call: &Call) -> Extraction {
    let Some(command) = call.arg("bash_command", 0) else {
        return Extraction::default();
    };
    match &command.value {
        Value::Str(text) => {
            let mut extraction = calls_in_command(text);
            if let Some(cwd) = call.kwarg("cwd") {
                extraction.in_working_dir(cwd.value.as_str().as_deref());
            }
            extraction
        }
        other => {
            // An unknown command only counts as a dbt task when its code mentions dbt.
            let mentions_dbt = command.span.text().to_ascii_lowercase().contains("dbt");
            let mut extraction = Extraction::default();
            if mentions_dbt {
                extraction.unresolved.push(Spanned::new(
                    format!("`bash_command` is {}", other.describe()),
                    command.span.clone(),
                ));
            }
            extraction
        }
    }
}

/// The dbt calls of a shell command line. `cd DIR &&` before a call sets its project dir
/// when it has no `--project-dir`.
pub fn calls_in_command(text: &Text) -> Extraction {
    let rendered = text.render();
    let mut extraction = Extraction::default();
    let mut cwd = None;
    for words in split_commands(&rendered) {
        let spanned: Vec<Spanned<String>> = words
            .iter()
            .filter_map(|word| {
                let span = text.span_of(word.range.clone())?;
                Some(Spanned::new(word.text.clone(), span))
            })
            .collect();
        let first = spanned
            .iter()
            .position(|w| !w.value.contains('=') || w.value.starts_with('-'));
        if let Some(first) = first
            && spanned[first].value == "cd"
        {
            cwd = spanned.get(first + 1).cloned();
            continue;
        }
        if let Some(mut call) = parse_argv(&spanned) {
            if call.project_dir.is_none() {
                call.project_dir = cwd.clone();
            }
            if let Some(dir) = &cwd {
                in_working_dir(&mut call, Some(&dir.value));
            }
            extraction.calls.push(call);
        }
    }
    if extraction.calls.is_empty()
        && rendered.contains(UNKNOWN_MARK)
        && rendered.contains("dbt")
        && let Some(span) = text.span_of(0..rendered.len())
    {
        extraction.unresolved.push(Spanned::new(
            "the dbt command line is only partly known statically".to_owned(),
            span,
        ));
    }
    extraction
}
