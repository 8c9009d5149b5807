//! A dbt call's arguments, and reading them from a dbt command line (argv words).

use super::command::DbtCommand;
use super::select::cosmos::render::RenderOptions;
use super::vars::Vars;
use crate::source::{Span, Spanned};

/// One dbt call as monolint understands it: from a command line, a Cosmos config or an
/// operator's keyword arguments. Values keep the span of the DAG-file text they came from.
#[derive(Debug, Clone)]
pub struct DbtCall {
    pub command: DbtCommand,
    /// Where the call is written (the command word, or the first line of the operator call).
    pub span: Span,
    /// Where vars are (or would be) given: the `--vars` argument or the command word on a
    /// command line; Cosmos' `operator_args`.
    pub vars_site: Span,
    /// `--select`/`-s`/`--models`/`-m` arguments, each possibly several space-separated tokens.
    pub select: Vec<Spanned<String>>,
    pub exclude: Vec<Spanned<String>>,
    pub selector: Option<Spanned<String>>,
    /// `--models`/`-m` was used: for `dbt ls` it also restricts output to models.
    pub models_flag: bool,
    pub resource_types: Vec<Spanned<String>>,
    pub exclude_resource_types: Vec<Spanned<String>>,
    pub indirect_selection: Option<Spanned<String>>,
    pub vars: Option<Vars>,
    pub project_dir: Option<Spanned<String>>,
    pub profiles_dir: Option<Spanned<String>>,
    pub target: Option<Spanned<String>>,
    pub full_refresh: bool,
    /// Whose selector semantics apply to `select`/`exclude`.
    pub dialect: SelectorDialect,
    /// How the call is written, for advice that fits it.
    pub written_as: WrittenAs,
    /// For a Cosmos rendering: how it turns the selected nodes into tasks.
    pub cosmos: Option<RenderOptions>,
    /// The files and folders the call names (project, profiles, manifest), each as written.
    pub paths: Vec<NamedPath>,
}

/// A file or folder a dbt call names, with the argument that names it.
#[derive(Debug, Clone)]
pub struct NamedPath {
    /// How the DAG file gives it: `--project-dir`, `ProjectConfig(manifest_path=...)`.
    pub argument: &'static str,
    pub kind: PathKind,
    pub path: Spanned<String>,
}

/// What a named path stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    /// The dbt project's folder.
    Project,
    /// The folder holding `profiles.yml`.
    ProfilesDir,
    /// A `profiles.yml` file.
    ProfilesFile,
    /// A `manifest.json` file.
    Manifest,
}

impl NamedPath {
    pub fn new(argument: &'static str, kind: PathKind, path: Spanned<String>) -> Self {
        NamedPath {
            argument,
            kind,
            path,
        }
    }
}

/// How a dbt call is written in the DAG file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrittenAs {
    /// A dbt command line (`dbt build -s ...`), in a shell command or an argv list.
    CommandLine,
    /// A Cosmos `DbtTaskGroup`/`DbtDag` rendering (`RenderConfig`, `operator_args`).
    CosmosRender,
}

/// Whose rules read a call's selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectorDialect {
    /// dbt's own: each argument is split on spaces into tokens.
    Dbt,
    /// Cosmos rendering from a manifest (`LoadMode.DBT_MANIFEST`, `CUSTOM`, `AUTOMATIC`):
    /// each list element is one token, never split on spaces.
    CosmosManifest,
}

impl DbtCall {
    pub fn new(command: DbtCommand, span: Span) -> Self {
        DbtCall {
            command,
            vars_site: span.clone(),
            span,
            select: Vec::new(),
            exclude: Vec::new(),
            selector: None,
            models_flag: false,
            resource_types: Vec::new(),
            exclude_resource_types: Vec::new(),
            indirect_selection: None,
            vars: None,
            project_dir: None,
            profiles_dir: None,
            target: None,
            full_refresh: false,
            dialect: SelectorDialect::Dbt,
            written_as: WrittenAs::CommandLine,
            cosmos: None,
            paths: Vec::new(),
        }
    }
}

/// Executables that run dbt: `dbt`, dbt Fusion's `dbtf`, OpenLineage's `dbt-ol`, also as paths.
pub fn is_dbt_executable(word: &str) -> bool {
    let name = word.rsplit('/').next().unwrap_or(word);
    matches!(name, "dbt" | "dbtf" | "dbt-ol")
}

/// Finds where dbt's own arguments start: after `dbt`, `/venv/bin/dbt`, `dbt-ol`,
/// `python -m dbt` (also `python -m dbt.cli.main`) or a runner such as `uv run dbt`.
///
/// A word naming dbt counts when a dbt subcommand or flag follows it, so a path such as
/// `uv run --project /opt/dbt dbt run` is not taken for the executable.
pub fn dbt_arguments_start(words: &[&str]) -> Option<usize> {
    let candidates: Vec<usize> = words
        .iter()
        .enumerate()
        .filter(|&(i, word)| {
            is_dbt_executable(word)
                || (i >= 1
                    && words[i - 1] == "-m"
                    && (*word == "dbt" || word.starts_with("dbt.cli")))
        })
        .map(|(i, _)| i + 1)
        .collect();
    let followed_by_dbt_arguments = |start: &usize| match words.get(*start) {
        Some(next) if next.starts_with('-') => true,
        Some(_) => matches!(
            DbtCommand::parse(&words[*start..]),
            Some((command, _)) if !matches!(command, DbtCommand::Other(_))
        ),
        None => false,
    };
    candidates
        .iter()
        .copied()
        .find(followed_by_dbt_arguments)
        .or_else(|| candidates.first().copied())
}

/// How a dbt option consumes values.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Arity {
    Flag,
    One,
    /// Every following word up to the next one that starts with `-`.
    Many,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Opt {
    Select,
    Models,
    Exclude,
    Selector,
    ResourceType,
    ExcludeResourceType,
    IndirectSelection,
    Vars,
    ProjectDir,
    ProfilesDir,
    Target,
    FullRefresh,
    Other(Arity),
}

impl Opt {
    fn arity(self) -> Arity {
        match self {
            Opt::Select
            | Opt::Models
            | Opt::Exclude
            | Opt::ResourceType
            | Opt::ExcludeResourceType => Arity::Many,
            Opt::FullRefresh => Arity::Flag,
            Opt::Other(arity) => arity,
            _ => Arity::One,
        }
    }
}

fn option(name: &str) -> Opt {
    match name {
        "--select" | "-s" => Opt::Select,
        "--models" | "--model" | "-m" => Opt::Models,
        "--exclude" => Opt::Exclude,
        "--selector" => Opt::Selector,
        "--resource-type" | "--resource-types" => Opt::ResourceType,
        "--exclude-resource-type" | "--exclude-resource-types" => Opt::ExcludeResourceType,
        "--indirect-selection" => Opt::IndirectSelection,
        "--vars" => Opt::Vars,
        "--project-dir" => Opt::ProjectDir,
        "--profiles-dir" => Opt::ProfilesDir,
        "--target" | "-t" => Opt::Target,
        "--full-refresh" | "-f" => Opt::FullRefresh,
        "--output-keys" => Opt::Other(Arity::Many),
        "--profile"
        | "--threads"
        | "--state"
        | "--defer-state"
        | "--target-path"
        | "--log-path"
        | "--log-level"
        | "--log-level-file"
        | "--log-format"
        | "--log-format-file"
        | "--event-time-start"
        | "--event-time-end"
        | "--args"
        | "--output"
        | "-o"
        | "--warn-error-options"
        | "--printer-width"
        | "--macro"
        | "--inline"
        | "--limit"
        | "--sample"
        | "--record-timing-info"
        | "-r"
        | "--log-file-max-bytes"
        | "--invocation-id"
        | "--config-dir"
        | "--resource-type-dir" => Opt::Other(Arity::One),
        _ => Opt::Other(Arity::Flag),
    }
}

/// Reads a dbt call from one simple command's words (with spans), e.g. the words of
/// `dbt --no-write-json build -s tag:daily --vars '{...}'`. Returns `None` when the words do
/// not run dbt, or run it without a subcommand.
pub fn parse_argv(words: &[Spanned<String>]) -> Option<DbtCall> {
    let texts: Vec<&str> = words.iter().map(|w| w.value.as_str()).collect();
    let mut i = dbt_arguments_start(&texts)?;
    let mut pending: Vec<(Opt, Spanned<String>)> = Vec::new();
    // Global options may come before the subcommand.
    let (command, command_span) = loop {
        let word = texts.get(i)?;
        if word.starts_with('-') {
            i += consume_option(words, i, &mut pending);
            continue;
        }
        let (command, used) = DbtCommand::parse(&texts[i..])?;
        let span = words[i].span.clone();
        i += used;
        break (command, span);
    };
    while i < words.len() {
        if texts[i].starts_with('-') {
            i += consume_option(words, i, &mut pending);
        } else {
            // Positional words (a `run-operation` macro name) carry no selection.
            i += 1;
        }
    }
    let mut call = DbtCall::new(command, command_span);
    for (opt, value) in pending {
        match opt {
            Opt::Select => call.select.push(value),
            Opt::Models => {
                call.models_flag = true;
                call.select.push(value);
            }
            Opt::Exclude => call.exclude.push(value),
            Opt::Selector => call.selector = Some(value),
            Opt::ResourceType => call.resource_types.push(value),
            Opt::ExcludeResourceType => call.exclude_resource_types.push(value),
            Opt::IndirectSelection => call.indirect_selection = Some(value),
            Opt::Vars => call.vars = Some(Vars::from_cli_text(&value.value, value.span.clone())),
            Opt::ProjectDir => {
                let named = NamedPath::new("--project-dir", PathKind::Project, value.clone());
                call.paths.push(named);
                call.project_dir = Some(value);
            }
            Opt::ProfilesDir => {
                let named = NamedPath::new("--profiles-dir", PathKind::ProfilesDir, value.clone());
                call.paths.push(named);
                call.profiles_dir = Some(value);
            }
            Opt::Target => call.target = Some(value),
            Opt::FullRefresh => call.full_refresh = true,
            Opt::Other(_) => {}
        }
    }
    Some(call)
}

/// Consumes the option at `words[i]` and its values; returns how many words it used.
fn consume_option(
    words: &[Spanned<String>],
    i: usize,
    out: &mut Vec<(Opt, Spanned<String>)>,
) -> usize {
    let word = &words[i];
    if let Some((name, value)) = word.value.split_once('=')
        && name.starts_with("--")
    {
        let start = name.len() + 1;
        let value = Spanned::new(value.to_owned(), word.span.subspan(start..word.value.len()));
        out.push((option(name), value));
        return 1;
    }
    let opt = option(&word.value);
    match opt.arity() {
        Arity::Flag => {
            out.push((opt, word.clone()));
            1
        }
        Arity::One => {
            if let Some(value) = words.get(i + 1) {
                out.push((opt, value.clone()));
                2
            } else {
                1
            }
        }
        Arity::Many => {
            let values = words[i + 1..]
                .iter()
                .take_while(|w| !w.value.starts_with('-'))
                .cloned()
                .collect::<Vec<_>>();
            let used = values.len() + 1;
            out.extend(values.into_iter().map(|value| (opt, value)));
            used
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    /// Words of `line` split on spaces, each spanned in a file holding `line`.
    fn words(line: &str) -> Vec<Spanned<String>> {
        let file = SourceFile::new("t.py", line.to_owned());
        let mut offset = 0;
        line.split(' ')
            .map(|word| {
                let span = Span::new(file.clone(), offset as u32..(offset + word.len()) as u32);
                offset += word.len() + 1;
                Spanned::new(word.to_owned(), span)
            })
            .collect()
    }

    fn texts(values: &[Spanned<String>]) -> Vec<&str> {
        values.iter().map(|v| v.value.as_str()).collect()
    }

    #[test]
    fn reads_selection_flags() {
        let call = parse_argv(&words(
            "dbt --no-write-json build -s tag:a tag:b --exclude c -x --target prod --select=d",
        ))
        .unwrap();
        assert_eq!(call.command, DbtCommand::Build);
        assert_eq!(texts(&call.select), ["tag:a", "tag:b", "d"]);
        assert_eq!(texts(&call.exclude), ["c"]);
        assert_eq!(call.target.unwrap().value, "prod");
        assert_eq!(call.span.text(), "build");
    }

    #[test]
    fn finds_the_executable() {
        assert!(
            parse_argv(&words("/venv/bin/dbt run -m x"))
                .unwrap()
                .models_flag
        );
        assert_eq!(
            parse_argv(&words("uv run dbt source freshness"))
                .unwrap()
                .command,
            DbtCommand::SourceFreshness
        );
        assert_eq!(
            parse_argv(&words(
                "dbt source snapshot-freshness --profiles-dir profile"
            ))
            .unwrap()
            .command,
            DbtCommand::SourceFreshness
        );
        let paths = parse_argv(&words("dbt run --project-dir dbt --profiles-dir /p")).unwrap();
        let named: Vec<(&str, PathKind, &str)> = paths
            .paths
            .iter()
            .map(|n| (n.argument, n.kind, n.path.value.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                ("--project-dir", PathKind::Project, "dbt"),
                ("--profiles-dir", PathKind::ProfilesDir, "/p")
            ]
        );
        assert_eq!(
            parse_argv(&words("python -m dbt seed")).unwrap().command,
            DbtCommand::Seed
        );
        assert!(parse_argv(&words("echo dbt")).is_none());
        let uv = parse_argv(&words(
            "uv run --project /opt/airflow/dbt dbt run --select x",
        ))
        .unwrap();
        assert_eq!(uv.command, DbtCommand::Run);
        assert!(parse_argv(&words("python run.py")).is_none());
    }

    #[test]
    fn equals_form_keeps_value_span() {
        let call = parse_argv(&words("dbt run --select=tag:x")).unwrap();
        assert_eq!(call.select[0].span.text(), "tag:x");
    }
}
