//! Oracle test: monolint's re-implementation of Cosmos' selector against what real Cosmos
//! selected for the same select/exclude lists (or YAML selector) on the same manifests
//! (recorded by `scripts/record-cosmos-select.sh` into `tests/oracle/cosmos-select/`).

use monolint::dbt::graph::{DbtGraph, NodeId, NodeSet};
use monolint::dbt::select::Side;
use monolint::dbt::select::cosmos::{
    CosmosErrorKind, CosmosSelectError, cosmos_select, cosmos_select_yaml, with_attached_tests,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Record {
    cosmos_version: String,
    project: String,
    manifest: String,
    project_dir: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    case: String,
    select: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    selector: Option<String>,
    selected: Option<Vec<String>>,
    rendered: Option<Vec<String>>,
    error: Option<Raised>,
}

#[derive(Deserialize)]
struct Raised {
    #[serde(rename = "type")]
    kind: String,
    message: String,
}

fn sorted_ids(graph: &DbtGraph, nodes: &NodeSet) -> Vec<String> {
    let mut ids: Vec<String> = nodes
        .ones()
        .map(|i| graph.node(NodeId(i as u32)).unique_id.to_string())
        .collect();
    ids.sort();
    ids
}

/// The recorded message prefix that tells Cosmos' `CosmosValueError`s apart.
fn message_prefix(kind: CosmosErrorKind) -> &'static [&'static str] {
    match kind {
        CosmosErrorKind::UnsupportedMethod => &["Invalid select filter", "Invalid exclude filter"],
        CosmosErrorKind::EmptyPackage => &["package: selector requires"],
        CosmosErrorKind::SelectorDefinition => &["Error(s) parsing selector"],
        CosmosErrorKind::UnknownSelector => &["Selector", "Selectors not found"],
        CosmosErrorKind::Malformed => &[""],
    }
}

/// Whether our error is the one Cosmos raised: the same exception, told apart by its message,
/// and our message names the element (or selector) at fault.
fn same_error(ours: &CosmosSelectError, theirs: &Raised, case: &Case) -> Result<(), String> {
    if !ours
        .kind
        .python_exceptions()
        .contains(&theirs.kind.as_str())
        || !message_prefix(ours.kind)
            .iter()
            .any(|prefix| theirs.message.starts_with(prefix))
    {
        return Err(format!(
            "error kinds differ: monolint {:?} ({}), Cosmos {}: {}",
            ours.kind, ours.message, theirs.kind, theirs.message
        ));
    }
    let culprit = match (ours.token, &case.selector) {
        (Some(token), _) => {
            let side = match token.side {
                Side::Select => &case.select,
                Side::Exclude => &case.exclude,
            };
            side.as_ref()
                .and_then(|elements| elements.get(token.index))
                .cloned()
                .ok_or("the error points at no element")?
        }
        (None, Some(selector)) => selector.clone(),
        (None, None) => return Err("the error names no element".into()),
    };
    if !ours.message.contains(culprit.trim()) {
        return Err(format!(
            "the message does not name `{culprit}`: {}",
            ours.message
        ));
    }
    // Cosmos names the element in "Invalid select filter: X" (for a YAML selector, the element
    // it translated the selector into): ours must name the same one.
    if let Some(named) = theirs.message.split_once("filter: ").map(|(_, e)| e)
        && (!ours.message.contains(named) || (ours.token.is_some() && named != culprit))
    {
        return Err(format!(
            "Cosmos rejects `{named}`, monolint: {}",
            ours.message
        ));
    }
    Ok(())
}

/// Runs one recorded case; returns a description of the disagreement, if any.
fn disagreement(graph: &DbtGraph, project_dir: &str, case: &Case) -> Option<String> {
    let strings = |list: &Option<Vec<String>>| -> Vec<String> { list.clone().unwrap_or_default() };
    let (select, exclude) = (strings(&case.select), strings(&case.exclude));
    let select: Vec<&str> = select.iter().map(String::as_str).collect();
    let exclude: Vec<&str> = exclude.iter().map(String::as_str).collect();
    let result = match &case.selector {
        Some(name) => cosmos_select_yaml(graph, project_dir, name),
        None => cosmos_select(graph, project_dir, &select, &exclude),
    };
    match (result, &case.error) {
        (Ok(selection), None) => {
            let selected = sorted_ids(graph, &selection.nodes);
            let rendered = sorted_ids(graph, &with_attached_tests(graph, &selection.nodes));
            let diff = |ours: &[String], theirs: &Option<Vec<String>>, what: &str| {
                let theirs = theirs.clone().unwrap_or_default();
                (ours != theirs.as_slice()).then(|| {
                    let extra: Vec<&String> = ours.iter().filter(|i| !theirs.contains(i)).collect();
                    let missing: Vec<&String> =
                        theirs.iter().filter(|i| !ours.contains(i)).collect();
                    format!("{what} differ: extra {extra:?}, missing {missing:?}")
                })
            };
            diff(&selected, &case.selected, "selected nodes")
                .or_else(|| diff(&rendered, &case.rendered, "rendered nodes"))
        }
        (Ok(selection), Some(raised)) => Some(format!(
            "Cosmos raised {}: {}, monolint selected {} nodes",
            raised.kind,
            raised.message,
            selection.nodes.count_ones(..)
        )),
        (Err(error), None) => Some(format!("monolint failed: {}", error.message)),
        (Err(error), Some(raised)) => same_error(&error, raised, case).err(),
    }
}

#[test]
fn cosmos_select_agrees_with_cosmos() {
    let root = crate::support::repo_root();
    let dir = root.join("tests/oracle/cosmos-select");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/oracle/cosmos-select")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 3,
        "expected the shop, jaffle and warehouse records"
    );
    let (mut total, mut errors, mut failures) = (0, 0, Vec::new());
    for file in files {
        let record: Record =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let manifest = root.join(&record.manifest);
        let (graph, _) = DbtGraph::load(std::fs::read(&manifest).unwrap(), &manifest).unwrap();
        for case in &record.cases {
            total += 1;
            errors += usize::from(case.error.is_some());
            if let Some(why) = disagreement(&graph, &record.project_dir, case) {
                failures.push(format!(
                    "[{} cosmos {}] {}\n    {why}",
                    record.project, record.cosmos_version, case.case
                ));
            }
        }
    }
    println!(
        "Cosmos selector oracle: {}/{total} cases agree ({errors} of them Cosmos errors)",
        total - failures.len()
    );
    assert!(total >= 80, "only {total} recorded cases");
    assert!(
        failures.is_empty(),
        "{} of {total} cases disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
