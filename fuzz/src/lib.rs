//! What each fuzz target does with its input, as plain functions: the targets in
//! `fuzz_targets/` call them, and `tests/it/fuzz_regressions.rs` (in the main crate) replays
//! every input that once failed, and the seeds, through them.
//!
//! Each function takes arbitrary bytes and runs them through the same code a check runs on a
//! repository's files. It must return normally: a panic, an abort or a hang is a bug.

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use monolint::airflow::extract::extract_file;
use monolint::airflow::invocations::calls_in_command;
use monolint::airflow::syntax::find_problem;
use monolint::airflow::value::Text;
use monolint::config::{self, RuleArgs, RuleSelection};
use monolint::dbt::cli::DbtCall;
use monolint::dbt::graph::{DbtGraph, ResourceType};
use monolint::dbt::project::parse_selectors_file;
use monolint::dbt::resolve;
use monolint::dbt::select::{self, IndirectSelection, Request, cosmos, split_tokens};
use monolint::link::{SpelledKeys, manifest_value};
use monolint::source::{SourceFile, Span};

/// The example monorepo's manifest, written by real dbt: what selections are resolved on.
const EXAMPLE_MANIFEST: &[u8] =
    include_bytes!("../../examples/acme-analytics/dbt/target/manifest.json");

/// The example's graph, loaded once. Behind a lock because the `selectors_yml` target swaps
/// its YAML selectors in and out.
fn example_graph() -> &'static Mutex<DbtGraph> {
    static GRAPH: OnceLock<Mutex<DbtGraph>> = OnceLock::new();
    GRAPH.get_or_init(|| {
        let (graph, _) = DbtGraph::load(EXAMPLE_MANIFEST.to_vec(), Path::new("manifest.json"))
            .unwrap_or_else(|error| panic!("the example manifest loads: {error}"));
        Mutex::new(graph)
    })
}

fn with_graph<T>(run: impl FnOnce(&mut DbtGraph) -> T) -> T {
    let mut graph = example_graph()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    run(&mut graph)
}

/// Selections that touch every method family and graph operator.
const SELECTIONS: [&str; 10] = [
    "*",
    "tag:finance_daily+",
    "+fct_orders",
    "@stg_orders",
    "config.materialized:incremental",
    "path:models/marts",
    "source:*",
    "resource_type:model,tag:staging",
    "package:acme",
    "2+fct_revenue+1",
];

/// `manifest.json`: the loader, the graph, every lazily read field and a selection of each
/// kind.
pub fn manifest(data: &[u8]) {
    let Ok((graph, _)) = DbtGraph::load(data.to_vec(), Path::new("manifest.json")) else {
        return;
    };
    let keys = ["owner".to_owned()];
    for (id, node) in graph.nodes() {
        let _ = graph.meta(node);
        let _ = graph.code(node);
        let _ = graph.description(node);
        let _ = graph.config_json(id);
        let _ = graph.owner(node, &keys);
        let _ = node.selector_name();
    }
    let _ = graph.root_project_paths();
    let _ = graph.all_tags();
    for selection in SELECTIONS {
        let _ = select::select(&graph, &request(&[selection], &[]));
        let _ = cosmos::cosmos_select(&graph, "", &[selection], &[]);
    }
    for selector in &graph.selectors {
        let request = Request {
            selector: Some(&selector.name),
            ..request(&[], &[])
        };
        let _ = select::select(&graph, &request);
        let _ = cosmos::cosmos_select_yaml(&graph, "", &selector.name);
    }
    let file = SourceFile::new("dags/manifest.py", "json.load(open(path))");
    let _ = manifest_value(&graph, &file.first_line_span(), &SpelledKeys::all());
}

/// A request selecting `select` minus `exclude`, for every resource type.
fn request<'a>(select: &[&'a str], exclude: &[&'a str]) -> Request<'a> {
    Request {
        select: select.to_vec(),
        exclude: exclude.to_vec(),
        resource_types: ResourceType::ALL.to_vec(),
        ..Request::default()
    }
}

/// A Python DAG file: the syntax checks, then (when CPython would import it) the extractor,
/// and each dbt call it finds resolved on the example's graph.
pub fn dag(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parser = tree_sitter::Parser::new();
    if parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .is_err()
    {
        return;
    }
    let Some(tree) = parser.parse(text, None) else {
        return;
    };
    if find_problem(&tree, text).is_some() {
        return;
    }
    let source = SourceFile::new("dags/fuzz.py", text);
    // The evaluator bounds its own recursion separately; until then it gets a stack deep
    // enough for anything of fuzzing size, so the search goes on past nesting.
    let calls: Vec<DbtCall> = on_large_stack(move || {
        let file = extract_file(source, &tree, None);
        file.tasks
            .into_iter()
            .flat_map(|task| task.dbt_calls)
            .collect()
    });
    with_graph(|graph| {
        for call in &calls {
            let _ = resolve::selection(graph, call);
        }
    });
}

fn on_large_stack<T: Send + 'static>(run: impl FnOnce() -> T + Send + 'static) -> T {
    let handle = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(run)
        .unwrap_or_else(|error| panic!("a thread starts: {error}"));
    match handle.join() {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// A shell command line as a `bash_command` holds it: the splitter, dbt's argument parser
/// and the resolution of each call on the example's graph.
pub fn dbt_command_line(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = SourceFile::new("dags/command.py", text);
    let span = Span::new(file.clone(), 0..text.len() as u32);
    let extraction = calls_in_command(&Text::literal(text, span, true));
    with_graph(|graph| {
        for call in &extraction.calls {
            let _ = resolve::selection(graph, call);
        }
    });
}

/// Selector arguments: the first line is `--select`, the second `--exclude`, split on spaces
/// as dbt does; evaluated with dbt's semantics and with Cosmos'.
pub fn selector(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.splitn(2, '\n');
    let select: Vec<&str> = split_tokens(lines.next().unwrap_or_default())
        .map(|(_, token)| token)
        .collect();
    let exclude: Vec<&str> = lines
        .next()
        .map(|line| split_tokens(line).map(|(_, token)| token).collect())
        .unwrap_or_default();
    with_graph(|graph| {
        for indirect in [
            IndirectSelection::Eager,
            IndirectSelection::Cautious,
            IndirectSelection::Buildable,
            IndirectSelection::Empty,
        ] {
            let request = Request {
                indirect,
                ..request(&select, &exclude)
            };
            let _ = select::select(graph, &request);
        }
        let _ = cosmos::cosmos_select(graph, "", &select, &exclude);
    });
}

/// `selectors.yml`: the YAML reader, the inlining of selectors, and every selector evaluated
/// by dbt's rules and translated as Cosmos does.
pub fn selectors_yml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = SourceFile::new("dbt/selectors.yml", text);
    with_graph(|graph| {
        let Ok(selectors) = parse_selectors_file(&file, &graph.selectors) else {
            return;
        };
        let names: Vec<String> = selectors.iter().map(|s| s.name.clone()).collect();
        let original = std::mem::replace(&mut graph.selectors, selectors);
        for name in &names {
            let request = Request {
                selector: Some(name),
                ..request(&[], &[])
            };
            let _ = select::select(graph, &request);
            let _ = cosmos::cosmos_select_yaml(graph, "", name);
        }
        graph.selectors = original;
    });
}

/// A dbt properties file: where the direct YAML reader reads it, the full YAML parser must
/// read it too, to the same values.
pub fn properties_yml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let (Some(direct), full) = monolint::yaml::json_both_ways(text) {
        match full {
            Ok(full) => assert_eq!(direct, full, "{text:?}"),
            Err(error) => panic!("read directly, refused by the parser ({error:?}): {text:?}"),
        }
    }
}

/// `monolint.toml` (and the same text as `pyproject.toml`): the TOML reader, the checks of
/// rule names, and the rule selection and options it produces.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for (name, is_pyproject) in [("monolint.toml", false), ("pyproject.toml", true)] {
        let file: Arc<SourceFile> = SourceFile::new(name, text);
        let Ok(Some(config)) = config::parse(&file, is_pyproject) else {
            continue;
        };
        let _ = RuleSelection::resolve(&config, &RuleArgs::default());
        let _ = config.rules.instantiate();
        let _ = monolint::workspace::PathMap::new(config.dbt.path_map.clone());
    }
}
