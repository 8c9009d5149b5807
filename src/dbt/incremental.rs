//! How an incremental model chooses its rows on an incremental run: whether it has an
//! `is_incremental()` filter (in its SQL or in a macro it calls), and which dbt vars bound
//! that filter's time window.
//!
//! Only vars that bound a time window count: a `start`/`end` pair (`start_date`, `end_date`;
//! `from_ts`, `to_ts`), or one point in time (`run_date`, `ds`). A look-back day count, a
//! column-name override, an id bound, a fixed floor such as `telemetry_start_date` alone, or
//! an optional override whose default is empty are not the run's data interval.

use std::collections::BTreeMap;

use super::graph::{DbtGraph, Node};
use super::jinja::{VarCall, VarDefault, incremental_blocks, macro_calls, var_calls};

/// How deep macro calls are followed from the model.
const MACRO_DEPTH: usize = 3;

/// What a model's incremental runs filter on.
#[derive(Debug, Default)]
pub struct IncrementalFilter {
    /// An `is_incremental()` block exists in the model or in a macro it calls.
    pub present: bool,
    /// The vars bounding the filter's time window, in order of first use, each once.
    pub window_vars: Vec<String>,
    /// Text of the model's SQL where the filter is: `is_incremental`, or the call of the macro
    /// that holds it (`incremental_window(`).
    pub anchor: String,
}

/// The role a var plays in a time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Start,
    End,
    Point,
}

/// Reads a model's incremental filter; `project_vars` are `dbt_project.yml`'s `vars:`.
pub fn filter(
    graph: &DbtGraph,
    node: &Node,
    project_vars: &BTreeMap<String, VarDefault>,
) -> IncrementalFilter {
    let code = graph.code(node).unwrap_or_default();
    let mut filter = IncrementalFilter::default();
    let mut vars: Vec<VarCall> = Vec::new();
    let mut seen_macros: Vec<String> = Vec::new();
    collect(
        graph,
        &node.package,
        &code,
        false,
        0,
        &mut filter,
        &mut vars,
        &mut seen_macros,
    );
    let mut roles: Vec<(String, Role)> = Vec::new();
    for var in vars {
        let default = var.default.or_else(|| project_vars.get(&var.name).cloned());
        if let Some(role) = role(&var.name, default.as_ref())
            && !roles.iter().any(|(name, _)| *name == var.name)
        {
            roles.push((var.name, role));
        }
    }
    let has = |wanted: Role| roles.iter().any(|(_, role)| *role == wanted);
    let window = (has(Role::Start) && has(Role::End)) || has(Role::Point);
    if window {
        filter.window_vars = roles.into_iter().map(|(name, _)| name).collect();
    }
    if filter.anchor.is_empty() {
        filter.anchor = "is_incremental".to_owned();
    }
    filter
}

/// Gathers the vars read on incremental runs: inside `is_incremental()` blocks, and anywhere
/// in a macro called from inside such a block.
#[allow(clippy::too_many_arguments)]
fn collect(
    graph: &DbtGraph,
    package: &str,
    code: &str,
    all_incremental: bool,
    depth: usize,
    filter: &mut IncrementalFilter,
    vars: &mut Vec<VarCall>,
    seen_macros: &mut Vec<String>,
) {
    let blocks = incremental_blocks(code);
    filter.present |= !blocks.is_empty() || all_incremental;
    if all_incremental {
        vars.extend(var_calls(code));
    } else {
        for block in &blocks {
            vars.extend(var_calls(&code[block.clone()]));
        }
    }
    if depth >= MACRO_DEPTH {
        return;
    }
    for (namespace, name) in macro_calls(code) {
        let key = format!("{}.{name}", namespace.as_deref().unwrap_or(package));
        if seen_macros.contains(&key) {
            continue;
        }
        seen_macros.push(key);
        let Some(body) = graph.macro_code(&name, package, namespace.as_deref()) else {
            continue;
        };
        let called_incrementally = all_incremental
            || blocks
                .iter()
                .any(|block| code[block.clone()].contains(&format!("{name}(")));
        let macro_package = namespace.as_deref().unwrap_or(package);
        let before = (filter.present, vars.len());
        collect(
            graph,
            macro_package,
            &body,
            called_incrementally,
            depth + 1,
            filter,
            vars,
            seen_macros,
        );
        // The model's own SQL points at the macro that holds its filter.
        if depth == 0
            && incremental_blocks(code).is_empty()
            && before != (filter.present, vars.len())
            && filter.anchor.is_empty()
        {
            filter.anchor = format!("{name}(");
        }
    }
}

/// Words in a var name that mean it is not a point in time: counts, ids, names of things.
const NOT_A_TIME: &[&str] = &[
    "days",
    "hours",
    "minutes",
    "seconds",
    "weeks",
    "months",
    "years",
    "lookback",
    "count",
    "num",
    "number",
    "limit",
    "offset",
    "size",
    "id",
    "ids",
    "key",
    "keys",
    "column",
    "columns",
    "col",
    "cols",
    "field",
    "table",
    "schema",
    "database",
    "env",
    "environment",
    "flag",
    "enabled",
    "force",
    "refresh",
    "full",
];
const START: &[&str] = &[
    "start", "from", "begin", "since", "min", "lower", "low", "after",
];
const END: &[&str] = &[
    "end", "to", "until", "till", "max", "upper", "high", "before", "stop", "through",
];
const TIME: &[&str] = &[
    "date",
    "time",
    "ts",
    "timestamp",
    "datetime",
    "dt",
    "day",
    "hour",
    "ds",
    "period",
    "window",
    "interval",
];
/// Names of one point in time a run processes.
const POINTS: &[&str] = &[
    "ds",
    "date",
    "run_date",
    "execution_date",
    "logical_date",
    "batch_date",
    "process_date",
    "processing_date",
    "partition_date",
    "load_date",
    "snapshot_date",
    "as_of_date",
    "run_ts",
    "report_date",
    "event_date",
];

/// The role a var plays in a time window, or `None` when it bounds no time window.
fn role(name: &str, default: Option<&VarDefault>) -> Option<Role> {
    let date_default = match default {
        None => false,
        Some(VarDefault::Text(text)) if looks_like_a_date(text) => true,
        // An empty or non-date default is an optional override or a name, not a bound; a
        // number is a count; an expression computes the value when the run renders.
        Some(_) => return None,
    };
    let words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    if words.iter().any(|w| NOT_A_TIME.contains(&w.as_str())) {
        return None;
    }
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    if !(has(TIME) || date_default) {
        return None;
    }
    if has(START) {
        Some(Role::Start)
    } else if has(END) {
        Some(Role::End)
    } else if POINTS.contains(&name.to_ascii_lowercase().as_str()) {
        Some(Role::Point)
    } else {
        None
    }
}

/// `2024-01-01`, `2024-01-01T00:00:00`, `20240101`.
fn looks_like_a_date(text: &str) -> bool {
    let bytes = text.trim().as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|b| b.iter().all(u8::is_ascii_digit))
    };
    (digits(0..4) && bytes.get(4) == Some(&b'-') && digits(5..7))
        || (bytes.len() == 8 && digits(0..8))
}

/// `dbt_project.yml`'s `vars:` as defaults: top-level entries (package-scoped tables are
/// left out).
pub fn project_var_defaults(
    vars: &serde_json::Map<String, serde_json::Value>,
) -> BTreeMap<String, VarDefault> {
    vars.iter()
        .filter_map(|(name, value)| {
            let default = match value {
                serde_json::Value::String(text) => VarDefault::Text(text.clone()),
                serde_json::Value::Object(_) | serde_json::Value::Array(_) => return None,
                other => VarDefault::Scalar(other.to_string()),
            };
            Some((name.clone(), default))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> Option<VarDefault> {
        Some(VarDefault::Text(value.to_owned()))
    }

    #[test]
    fn only_window_bounds_have_a_role() {
        assert_eq!(role("start_date", None), Some(Role::Start));
        assert_eq!(
            role("end_date", text("2024-01-02").as_ref()),
            Some(Role::End)
        );
        assert_eq!(role("ds", None), Some(Role::Point));
        assert_eq!(role("from_ts", None), Some(Role::Start));
        assert_eq!(
            role("start", text("2024-01-01").as_ref()),
            Some(Role::Start)
        );
        // A look-back count, a column name, an id bound, an optional override, a computed
        // default and a name without a time are not bounds of the run's window.
        assert_eq!(role("lookback_days", None), None);
        assert_eq!(
            role("incremental_backfill_date", text("behavior_at").as_ref()),
            None
        );
        assert_eq!(role("min_id", None), None);
        assert_eq!(role("DBT_INCREMENTAL_START_DATE", text("").as_ref()), None);
        assert_eq!(
            role(
                "month",
                Some(&VarDefault::Expression("run_started_at.month".into()))
            ),
            None
        );
        assert_eq!(role("start", None), None);
        assert_eq!(role("region", None), None);
    }
}
