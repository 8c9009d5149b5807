//! Operators that run one dbt command named by their class, with the selection in keyword
//! arguments: airflow-dbt (GoCardless), airflow-dbt-python and Cosmos' standalone
//! `Dbt<Command><Mode>Operator`s. The packages reuse class names, so they are told apart by
//! import path.

use super::argv::words;
use super::cosmos::{profiles_file, vars_from_dict};
use super::{Extraction, Family, items_of};
use crate::airflow::value::{Call, Item, Value};
use crate::dbt::cli::{DbtCall, NamedPath, PathKind, parse_argv};
use crate::dbt::command::DbtCommand;
use crate::source::Spanned;

pub const AIRFLOW_DBT: Family = Family {
    name: "airflow-dbt",
    recognizes: |call| call.callee.starts_with("airflow_dbt.") && command_of(call.name()).is_some(),
    extract: |call| keyword_call(call, Package::AirflowDbt),
};

pub const AIRFLOW_DBT_PYTHON: Family = Family {
    name: "airflow-dbt-python",
    recognizes: |call| {
        call.callee.starts_with("airflow_dbt_python.") && command_of(call.name()).is_some()
    },
    extract: |call| keyword_call(call, Package::AirflowDbtPython),
};

/// Cosmos operators; also a bare `Dbt...Operator` whose import monolint cannot see.
pub const COSMOS_OPERATOR: Family = Family {
    name: "Cosmos operator",
    recognizes: |call| {
        let bare = !call.callee.contains('.');
        (bare || call.callee.starts_with("cosmos.")) && command_of(call.name()).is_some()
    },
    extract: |call| keyword_call(call, Package::Cosmos),
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Package {
    AirflowDbt,
    AirflowDbtPython,
    Cosmos,
}

/// Cosmos' execution modes, suffixed to the command in class names.
const MODES: [&str; 13] = [
    "WatcherKubernetes",
    "WatcherGcpGke",
    "Watcher",
    "Local",
    "Virtualenv",
    "Docker",
    "Kubernetes",
    "AwsEks",
    "AwsEcs",
    "AzureContainerInstance",
    "GcpCloudRunJob",
    "GcpGke",
    "AirflowAsync",
];

/// The dbt command a `Dbt<Command>[<Mode>]Operator` class runs.
/// Whether a Cosmos operator runs dbt on the Airflow worker (`Local`, `Virtualenv`, ...)
/// rather than in a container (`Kubernetes`, `Docker`, ...).
fn on_worker(class: &str) -> bool {
    let core = class.strip_suffix("Operator").unwrap_or(class);
    MODES
        .iter()
        .find(|mode| core.ends_with(*mode))
        .is_none_or(|mode| matches!(*mode, "Watcher" | "Local" | "Virtualenv" | "AirflowAsync"))
}

fn command_of(class: &str) -> Option<DbtCommand> {
    let core = class.strip_prefix("Dbt")?.strip_suffix("Operator")?;
    let core = MODES
        .iter()
        .find_map(|mode| core.strip_suffix(mode))
        .unwrap_or(core);
    let words: &[&str] = match core {
        "Build" => &["build"],
        "Run" => &["run"],
        "Test" => &["test"],
        "Seed" => &["seed"],
        "Snapshot" => &["snapshot"],
        "Source" | "SourceFreshness" => &["source", "freshness"],
        "LS" | "Ls" => &["ls"],
        "Compile" => &["compile"],
        "Clone" => &["clone"],
        "RunOperation" => &["run-operation"],
        "Deps" => &["deps"],
        "Parse" => &["parse"],
        "Clean" => &["clean"],
        "Debug" => &["debug"],
        docs if docs.starts_with("Docs") => &["docs", "generate"],
        _ => return None,
    };
    DbtCommand::parse(words).map(|(command, _)| command)
}

/// A selection keyword: a string (space-separated tokens) or a list of them.
fn selection(call: &Call, key: &str, out: &mut Vec<Spanned<String>>, extraction: &mut Extraction) {
    let Some(item) = call.kwarg(key) else {
        return;
    };
    if matches!(item.value, Value::None) {
        return;
    }
    for element in items_of(item) {
        match element.value.as_str() {
            Some(text) => out.push(Spanned::new(text, element.span.clone())),
            None => extraction.unresolved.push(Spanned::new(
                format!("`{key}` is {}", element.value.describe()),
                element.span.clone(),
            )),
        }
    }
}

fn text(call: &Call, key: &str) -> Option<Spanned<String>> {
    let item = call.kwarg(key)?;
    item.value
        .as_str()
        .map(|text| Spanned::new(text, item.span.clone()))
}

fn keyword_call(call: &Call, package: Package) -> Extraction {
    let mut extraction = Extraction::default();
    let Some(command) = command_of(call.name()) else {
        return extraction;
    };
    let span = call
        .span
        .text()
        .find('\n')
        .map_or(call.span.clone(), |end| call.span.subspan(0..end));
    let mut dbt = DbtCall::new(command, span);
    selection(call, "select", &mut dbt.select, &mut extraction);
    selection(call, "models", &mut dbt.select, &mut extraction);
    selection(call, "exclude", &mut dbt.exclude, &mut extraction);
    dbt.selector = text(call, "selector").or_else(|| text(call, "selector_name"));
    let dir_key = match package {
        Package::AirflowDbt => "dir",
        Package::AirflowDbtPython | Package::Cosmos => "project_dir",
    };
    dbt.project_dir = text(call, dir_key);
    dbt.profiles_dir = text(call, "profiles_dir");
    let dir_argument = match package {
        Package::AirflowDbt => "dir",
        Package::AirflowDbtPython | Package::Cosmos => "project_dir",
    };
    dbt.paths.extend(
        dbt.project_dir
            .iter()
            .map(|dir| NamedPath::new(dir_argument, PathKind::Project, dir.clone())),
    );
    dbt.paths.extend(
        dbt.profiles_dir
            .iter()
            .map(|dir| NamedPath::new("profiles_dir", PathKind::ProfilesDir, dir.clone())),
    );
    if package == Package::Cosmos {
        dbt.paths.extend(profiles_file(call));
        // In a container the paths are the image's, which the repository does not describe.
        if !on_worker(call.name()) {
            dbt.paths.clear();
        }
    }
    dbt.target = text(call, "target");
    dbt.full_refresh = call
        .kwarg("full_refresh")
        .is_some_and(|f| f.value.truthy() == Some(true));
    if let Some(types) = call
        .kwarg("resource_types")
        .or_else(|| call.kwarg("resource_type"))
    {
        dbt.resource_types = words(&items_of(types));
    }
    dbt.indirect_selection = text(call, "indirect_selection");
    if let Some(vars) = call.kwarg("vars") {
        dbt.vars = Some(vars_from_dict(vars));
    }
    // Cosmos: selection flags given as raw dbt arguments.
    if package == Package::Cosmos
        && let Some(flags) = call.kwarg("dbt_cmd_flags")
    {
        merge_flags(&mut dbt, flags);
    }
    extraction.calls.push(dbt);
    extraction
}

/// Reads `dbt_cmd_flags=["--select", "x", ...]` as if they followed the command.
fn merge_flags(dbt: &mut DbtCall, flags: &Item) {
    let flag_words = words(&items_of(flags));
    let Some(first) = flag_words.first() else {
        return;
    };
    let mut argv = vec![
        Spanned::new("dbt".to_owned(), first.span.clone()),
        Spanned::new(dbt.command.as_str().to_owned(), first.span.clone()),
    ];
    argv.extend(flag_words);
    let Some(parsed) = parse_argv(&argv) else {
        return;
    };
    dbt.select.extend(parsed.select);
    dbt.exclude.extend(parsed.exclude);
    dbt.selector = dbt.selector.take().or(parsed.selector);
    dbt.full_refresh |= parsed.full_refresh;
    if dbt.vars.is_none() {
        dbt.vars = parsed.vars;
    }
    dbt.resource_types.extend(parsed.resource_types);
    dbt.exclude_resource_types
        .extend(parsed.exclude_resource_types);
    dbt.target = dbt.target.take().or(parsed.target);
}

#[cfg(test)]
mod tests {
    use super::command_of;
    use crate::dbt::command::DbtCommand;

    #[test]
    fn commands_from_class_names() {
        assert_eq!(command_of("DbtRunLocalOperator"), Some(DbtCommand::Run));
        assert_eq!(
            command_of("DbtBuildKubernetesOperator"),
            Some(DbtCommand::Build)
        );
        assert_eq!(
            command_of("DbtSourceFreshnessOperator"),
            Some(DbtCommand::SourceFreshness)
        );
        assert_eq!(
            command_of("DbtSourceWatcherKubernetesOperator"),
            Some(DbtCommand::SourceFreshness)
        );
        assert_eq!(command_of("DbtLSOperator"), Some(DbtCommand::List));
        assert_eq!(
            command_of("DbtDocsS3Operator"),
            Some(DbtCommand::DocsGenerate)
        );
        assert_eq!(command_of("DbtCloudRunJobOperator"), None);
        assert_eq!(command_of("DbtTaskGroup"), None);
    }
}
