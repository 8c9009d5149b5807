//! dbt calls in argv lists: container commands (`["dbt", "run", ...]`), shell wrappers
//! (`["/bin/bash", "-c", "cd /dbt && dbt build ..."]`) and arguments to an image whose entrypoint
//! is dbt (`["build", "--select", ...]`).

use super::{Extraction, calls_in_command};
use crate::airflow::shell::split_commands;
use crate::airflow::value::{Item, Text, UNKNOWN_MARK, Value};
use crate::dbt::cli::parse_argv;
use crate::dbt::command::DbtCommand;
use crate::source::Spanned;

/// One argv word per item; unknown values stay in as [`UNKNOWN_MARK`].
pub fn words(items: &[&Item]) -> Vec<Spanned<String>> {
    items
        .iter()
        .map(|item| {
            let text = match &item.value {
                Value::Str(text) => text.render(),
                Value::Int(n) => n.to_string(),
                _ => UNKNOWN_MARK.to_string(),
            };
            Spanned::new(text, item.span.clone())
        })
        .collect()
}

/// A string command split the way a shell (or Docker's `shlex`) would, keeping spans.
pub fn split_text(item: &Item) -> Vec<Spanned<String>> {
    let Value::Str(text) = &item.value else {
        return words(&[item]);
    };
    split_spanned(text)
}

fn split_spanned(text: &Text) -> Vec<Spanned<String>> {
    let rendered = text.render();
    split_commands(&rendered)
        .into_iter()
        .flatten()
        .filter_map(|word| Some(Spanned::new(word.text, text.span_of(word.range)?)))
        .collect()
}

/// The dbt calls an argv runs. `entrypoint_may_be_dbt`: the argv may be arguments to an image
/// whose entrypoint is dbt (no command given), so `["build", ...]` runs `dbt build`.
pub fn calls_in_argv(items: &[&Item], entrypoint_may_be_dbt: bool) -> Extraction {
    let words = words(items);
    // `sh -c SCRIPT`, `bash -lc SCRIPT`: the script is a command line.
    if let [shell, flag, ..] = words.as_slice()
        && is_shell(&shell.value)
        && flag.value.starts_with('-')
        && flag.value.contains('c')
        && let Some(script) = items.get(2)
    {
        return match &script.value {
            Value::Str(text) => calls_in_command(text),
            _ => Extraction::default(),
        };
    }
    calls_in_words(&words, entrypoint_may_be_dbt)
}

/// Like [`calls_in_argv`], for words already split.
pub fn calls_in_words(words: &[Spanned<String>], entrypoint_may_be_dbt: bool) -> Extraction {
    let mut extraction = Extraction::default();
    if let Some(call) = parse_argv(words) {
        extraction.calls.push(call);
        return extraction;
    }
    let starts_with_subcommand = words.first().is_some_and(|first| {
        let texts: Vec<&str> = words.iter().map(|w| w.value.as_str()).collect();
        matches!(DbtCommand::parse(&texts), Some((command, _)) if !matches!(command, DbtCommand::Other(_)))
            && !first.value.contains('/')
    });
    if entrypoint_may_be_dbt && starts_with_subcommand {
        let mut with_dbt = vec![Spanned::new("dbt".to_owned(), words[0].span.clone())];
        with_dbt.extend(words.iter().cloned());
        extraction.calls.extend(parse_argv(&with_dbt));
    }
    extraction
}

fn is_shell(word: &str) -> bool {
    matches!(
        word.rsplit('/').next(),
        Some("sh" | "bash" | "zsh" | "dash")
    )
}

/// When nothing was found but the call's code mentions dbt: an opaque dbt task.
pub fn opaque_if_mentions_dbt(
    extraction: &mut Extraction,
    item_text: &str,
    span: &crate::source::Span,
    why: &str,
) {
    if extraction.calls.is_empty()
        && extraction.unresolved.is_empty()
        && item_text.to_ascii_lowercase().contains("dbt")
    {
        extraction
            .unresolved
            .push(Spanned::new(why.to_owned(), span.clone()));
    }
}
