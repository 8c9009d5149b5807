//! Work a DAG file does while Airflow imports it: network, database and process calls, and
//! reads of dbt's artifacts, in the code that runs at import time. Airflow re-imports every DAG
//! file on each parse loop (`[dag_processor] min_file_process_interval`, 30 s by default), so
//! this work runs again and again, and a slow or failing call stalls or breaks the parse.
//!
//! Import time is the module's top level, class bodies, decorators and default values, and
//! the bodies of the file's functions that those call (a `@dag` function, a helper building
//! tasks), followed through the file. Bodies of task callables (`@task` functions, functions
//! passed as `python_callable`) and lambdas run when a task runs, so they are left out, as is
//! an `if __name__ == "__main__":` block.

use std::collections::HashMap;
use std::sync::Arc;

use tree_sitter::{Node, Tree};

use super::eval::Imports;
use super::walk::{named_children, push_named_children};
use crate::airflow::grammar::{
    ARGUMENTS, ATTRIBUTE, BODY, CONDITION, FUNCTION, LEFT, NAME, OBJECT, PARAMETERS, RIGHT, Syntax,
    may_hold_calls,
};
use crate::source::{SourceFile, Span};

/// What kind of work an import-time call does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Work {
    /// `Variable.get(...)`: a query of Airflow's metadata database or secrets backend.
    Variable,
    /// `BaseHook.get_connection(...)`, or a hook's method: a connection looked up, and often
    /// the external system queried.
    Connection,
    /// `requests.get(...)` and kin.
    Http,
    /// A cloud SDK client (`boto3.client(...)`, `bigquery.Client()`): credentials resolved,
    /// often over the network.
    CloudClient,
    /// A database connection (`psycopg2.connect`, `sqlalchemy.create_engine`).
    Database,
    /// `pd.read_csv(...)` and kin: a whole file or query loaded into memory.
    DataFrame,
    /// `subprocess.run(...)`, `os.system(...)`: a process started.
    Process,
    /// `open(".../manifest.json")`: a dbt artifact (megabytes of JSON) read and parsed.
    DbtArtifact,
    /// `dbtRunner().invoke(...)`: dbt itself run.
    DbtRun,
}

impl Work {
    /// What the work is, for messages: "queries Airflow's metadata database".
    pub fn describe(self) -> &'static str {
        match self {
            Work::Variable => "queries Airflow's metadata database (or secrets backend)",
            Work::Connection => "looks up an Airflow connection",
            Work::Http => "makes an HTTP request",
            Work::CloudClient => "creates a cloud client, resolving credentials",
            Work::Database => "connects to a database",
            Work::DataFrame => "loads data into a DataFrame",
            Work::Process => "starts a process",
            Work::DbtArtifact => "reads a dbt artifact",
            Work::DbtRun => "runs dbt",
        }
    }
}

/// What runs while Airflow imports a DAG file.
#[derive(Debug, Clone, Default)]
pub struct ImportTime {
    /// Calls doing slow or external work, in source order.
    pub calls: Vec<ImportTimeCall>,
    /// Attributes set on objects after they are made (`dag.catchup = False`), by name: a DAG
    /// argument may be set this way instead of in the constructor.
    pub assigned_attributes: Vec<String>,
}

impl ImportTime {
    pub fn assigns_attribute(&self, name: &str) -> bool {
        self.assigned_attributes
            .iter()
            .any(|assigned| assigned == name)
    }
}

/// One call that runs at import time.
#[derive(Debug, Clone)]
pub struct ImportTimeCall {
    pub work: Work,
    /// The callee as written: `Variable.get`, `requests.get`, `open`.
    pub callee: String,
    /// The whole call.
    pub span: Span,
}

/// What the code of `tree` (the file `source`) does at import time.
pub fn import_time(source: &Arc<SourceFile>, tree: &Tree) -> ImportTime {
    let text = source.text();
    let root = tree.root_node();
    let mut scan = Scan {
        text,
        imports: Imports::default(),
        functions: HashMap::new(),
        assignments: HashMap::new(),
        hooks: Vec::new(),
        found: Vec::new(),
        attributes: Vec::new(),
    };
    scan.index(root);
    let mut scheduled: Vec<usize> = Vec::new();
    let mut pending: Vec<Node> = vec![root];
    while let Some(scope) = pending.pop() {
        for callee in scan.scope(scope) {
            let Some(definitions) = scan.functions.get(callee) else {
                continue;
            };
            for definition in definitions {
                if definition.runs_as_task || scheduled.contains(&definition.node.id()) {
                    continue;
                }
                scheduled.push(definition.node.id());
                if let Some(body) = definition.node.field(&BODY) {
                    pending.push(body);
                }
            }
        }
    }
    let mut assigned_attributes: Vec<String> = scan
        .attributes
        .iter()
        .map(|name| (*name).to_owned())
        .collect();
    assigned_attributes.sort();
    assigned_attributes.dedup();
    let mut calls: Vec<ImportTimeCall> = scan
        .found
        .into_iter()
        .map(|(work, callee, node)| ImportTimeCall {
            work,
            callee,
            span: Span::new(
                source.clone(),
                node.start_byte() as u32..node.end_byte() as u32,
            ),
        })
        .collect();
    calls.sort_by_key(|call| (call.span.start, call.span.end));
    calls.dedup_by_key(|call| (call.span.start, call.span.end));
    ImportTime {
        calls,
        assigned_attributes,
    }
}

/// A function defined in the file.
struct Definition<'t> {
    node: Node<'t>,
    /// Decorated as a task (`@task`, `@task.bash`): calling it creates a task, whose body runs
    /// when the task runs.
    runs_as_task: bool,
}

struct Scan<'t> {
    text: &'t str,
    imports: Imports,
    /// Every function of the file, by name (nested ones too: names are not scoped here).
    functions: HashMap<&'t str, Vec<Definition<'t>>>,
    /// `NAME = <expression>` anywhere in the file: what a name may hold, for paths.
    assignments: HashMap<&'t str, Vec<Node<'t>>>,
    /// Names bound to a hook at import time (`hook = PostgresHook(...)`).
    hooks: Vec<&'t str>,
    found: Vec<(Work, String, Node<'t>)>,
    /// `name.attribute = ...` at import time: the attribute names.
    attributes: Vec<&'t str>,
}

impl<'t> Scan<'t> {
    fn text(&self, node: Node) -> &'t str {
        self.text.get(node.byte_range()).unwrap_or_default()
    }

    /// Records the file's imports, functions and assignments.
    fn index(&mut self, root: Node<'t>) {
        let mut stack = vec![root];
        let mut cursor = None;
        while let Some(node) = stack.pop() {
            match node.kind_name() {
                "import_statement" | "import_from_statement" => {
                    self.imports.record(node, self.text);
                }
                "function_definition" => {
                    if let Some(name) = node.field(&NAME) {
                        let runs_as_task = node.parent().is_some_and(|parent| {
                            parent.kind_name() == "decorated_definition"
                                && self.decorated_as_task(parent)
                        });
                        self.functions
                            .entry(self.text(name))
                            .or_default()
                            .push(Definition { node, runs_as_task });
                    }
                }
                "assignment" => {
                    if let (Some(left), Some(right)) = (node.field(&LEFT), node.field(&RIGHT))
                        && left.kind_name() == "identifier"
                    {
                        self.assignments
                            .entry(self.text(left))
                            .or_default()
                            .push(right);
                    }
                }
                kind if HOLDS_NO_STATEMENT.contains(&kind) => continue,
                _ => {}
            }
            push_named_children(node, &mut stack, &mut cursor);
        }
    }

    /// Whether a decorated definition is a task: `@task`, `@task(...)`, `@task.bash`,
    /// `@task.virtualenv(...)`, not `@task_group`.
    fn decorated_as_task(&self, decorated: Node) -> bool {
        named_children(decorated)
            .into_iter()
            .filter(|child| child.kind_name() == "decorator")
            .any(|decorator| {
                let Some(expression) = decorator.named_child(0) else {
                    return false;
                };
                let target = match expression.kind_name() {
                    "call" => expression.field(&FUNCTION).unwrap_or(expression),
                    _ => expression,
                };
                let path = self.qualified(target);
                let mut segments = path.rsplit('.');
                let last = segments.next().unwrap_or_default();
                last == "task" || segments.any(|segment| segment == "task")
            })
    }

    /// A dotted callee with its first name resolved through the imports.
    fn qualified(&self, node: Node) -> String {
        let written = self.text(node);
        let (first, rest) = match written.split_once('.') {
            Some((first, rest)) => (first, Some(rest)),
            None => (written, None),
        };
        let first = self.imports.resolve(first).unwrap_or(first);
        match rest {
            Some(rest) => format!("{first}.{rest}"),
            None => first.to_owned(),
        }
    }

    /// Walks the code of one import-time scope, recording heavy calls; returns the names of
    /// the file's functions it calls.
    fn scope(&mut self, scope: Node<'t>) -> Vec<&'t str> {
        let mut called = Vec::new();
        let mut stack = vec![scope];
        let mut cursor = None;
        while let Some(node) = stack.pop() {
            match node.kind_name() {
                // Runs when called: only its default values run now.
                "function_definition" => {
                    if let Some(parameters) = node.field(&PARAMETERS) {
                        stack.push(parameters);
                    }
                    continue;
                }
                "lambda" => continue,
                "string" if !may_hold_calls(self.text(node)) => continue,
                "if_statement" if self.is_main_guard(node) => continue,
                "assignment" => {
                    self.remember_hook(node);
                    self.remember_attribute(node);
                }
                "call" => {
                    if let Some(function) = node.field(&FUNCTION) {
                        if function.kind_name() == "identifier" {
                            called.push(self.text(function));
                        }
                        if let Some((work, callee)) = self.classify(node, function) {
                            self.found.push((work, callee, node));
                        }
                    }
                }
                _ => {}
            }
            push_named_children(node, &mut stack, &mut cursor);
        }
        called
    }

    /// `if __name__ == "__main__":`, which does not run when Airflow imports the file.
    fn is_main_guard(&self, node: Node) -> bool {
        node.field(&CONDITION).is_some_and(|condition| {
            let text = self.text(condition);
            text.contains("__name__") && text.contains("__main__")
        })
    }

    /// `hook = PostgresHook(...)`: later method calls on `hook` use a connection.
    fn remember_hook(&mut self, assignment: Node<'t>) {
        if let (Some(left), Some(right)) = (assignment.field(&LEFT), assignment.field(&RIGHT))
            && left.kind_name() == "identifier"
            && right.kind_name() == "call"
            && right
                .field(&FUNCTION)
                .is_some_and(|function| last_segment(self.text(function)).ends_with("Hook"))
        {
            self.hooks.push(self.text(left));
        }
    }

    /// `dag.catchup = False`: the attribute set on a named object.
    fn remember_attribute(&mut self, assignment: Node<'t>) {
        if let Some(left) = assignment.field(&LEFT)
            && left.kind_name() == "attribute"
            && left
                .field(&OBJECT)
                .is_some_and(|object| object.kind_name() == "identifier")
            && let Some(attribute) = left.field(&ATTRIBUTE)
        {
            self.attributes.push(self.text(attribute));
        }
    }

    /// What a call does, if it is work worth reporting: the kind and the callee as written.
    fn classify(&self, call: Node, function: Node) -> Option<(Work, String)> {
        let written = self.text(function);
        let callee = || written.split_whitespace().collect::<String>();
        // A method of an object made in place: `PostgresHook(...).get_records(...)`,
        // `dbtRunner().invoke(...)`, or of a name bound to a hook.
        if function.kind_name() == "attribute"
            && let (Some(object), Some(method)) =
                (function.field(&OBJECT), function.field(&ATTRIBUTE))
        {
            let method = self.text(method);
            let object_name = match object.kind_name() {
                "call" => object.field(&FUNCTION).map(|f| last_segment(self.text(f))),
                "identifier" if self.hooks.contains(&self.text(object)) => Some("Hook"),
                _ => None,
            };
            if let Some(name) = object_name {
                if name.ends_with("Hook") {
                    return Some((Work::Connection, callee()));
                }
                if name == "dbtRunner" && method == "invoke" {
                    return Some((Work::DbtRun, callee()));
                }
            }
        }
        let path = self.qualified(function);
        let work = classify_path(&path).or_else(|| {
            let reads = matches!(path.as_str(), "open" | "builtins.open" | "io.open")
                || (function.kind_name() == "attribute"
                    && matches!(
                        last_segment(&path),
                        "read_text" | "read_bytes" | "open" | "load" | "loads"
                    ));
            (reads && self.names_dbt_artifact(call)).then_some(Work::DbtArtifact)
        })?;
        Some((work, callee()))
    }

    /// Whether the call's arguments or receiver (or the names they use, through their
    /// assignments) spell the file name of one of dbt's JSON artifacts.
    fn names_dbt_artifact(&self, call: Node) -> bool {
        let mut seen: Vec<&str> = Vec::new();
        let mut stack: Vec<Node> = call
            .field(&ARGUMENTS)
            .into_iter()
            .chain(call.field(&FUNCTION).and_then(|f| f.field(&OBJECT)))
            .collect();
        let mut cursor = None;
        while let Some(node) = stack.pop() {
            if node.kind_name() == "string" && mentions_dbt_artifact(self.text(node)) {
                return true;
            }
            if node.kind_name() == "identifier" {
                let name = self.text(node);
                // Follow a name to what it was assigned, a few levels deep (a name alone
                // says little: teams call their own YAML files manifests too).
                if !seen.contains(&name) && seen.len() < 16 {
                    seen.push(name);
                    stack.extend(self.assignments.get(name).into_iter().flatten().copied());
                }
            }
            push_named_children(node, &mut stack, &mut cursor);
        }
        false
    }
}

/// Expressions, which hold no statement (imports, definitions and assignments are
/// statements): the index does not walk into them, and they are most of a DAG file's nodes.
const HOLDS_NO_STATEMENT: &[&str] = &[
    "argument_list",
    "attribute",
    "binary_operator",
    "boolean_operator",
    "call",
    "comparison_operator",
    "concatenated_string",
    "conditional_expression",
    "decorator",
    "dictionary",
    "dictionary_comprehension",
    "generator_expression",
    "keyword_argument",
    "lambda",
    "list",
    "list_comprehension",
    "not_operator",
    "pair",
    "parenthesized_expression",
    "set",
    "set_comprehension",
    "string",
    "subscript",
    "tuple",
    "unary_operator",
];

/// The names of dbt's JSON artifacts (before `.json`), which DAG files read to build tasks.
const DBT_ARTIFACTS: &[&str] = &["manifest", "catalog", "run_results"];

/// Whether `text` names one of dbt's JSON artifacts, in any case. Every string argument of
/// every call is asked (SQL included): found from each `.`, nothing allocated.
fn mentions_dbt_artifact(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'.', bytes).any(|dot| {
        let before = &bytes[..dot];
        bytes
            .get(dot + 1..dot + 5)
            .is_some_and(|extension| extension.eq_ignore_ascii_case(b"json"))
            && DBT_ARTIFACTS.iter().any(|name| {
                before.len() >= name.len()
                    && before[before.len() - name.len()..].eq_ignore_ascii_case(name.as_bytes())
            })
    })
}

/// The work a call of this resolved callee does.
fn classify_path(path: &str) -> Option<Work> {
    let last = last_segment(path);
    let module = path.split('.').next().unwrap_or_default();
    let work = match module {
        "requests" | "httpx"
            if matches!(
                last,
                "get" | "post" | "put" | "patch" | "delete" | "head" | "options" | "request"
            ) =>
        {
            Work::Http
        }
        "urllib" if last == "urlopen" => Work::Http,
        "boto3" if matches!(last, "client" | "resource") => Work::CloudClient,
        "google" if path.starts_with("google.cloud.") && last == "Client" => Work::CloudClient,
        "psycopg2" | "psycopg" | "pymysql" | "pyodbc" | "cx_Oracle" | "oracledb"
        | "redshift_connector"
            if last == "connect" =>
        {
            Work::Database
        }
        "snowflake" | "mysql" if path.ends_with(".connector.connect") => Work::Database,
        "sqlalchemy" if last == "create_engine" => Work::Database,
        "pandas" | "polars" if last.starts_with("read_") => Work::DataFrame,
        "subprocess"
            if matches!(
                last,
                "run"
                    | "call"
                    | "check_call"
                    | "check_output"
                    | "Popen"
                    | "getoutput"
                    | "getstatusoutput"
            ) =>
        {
            Work::Process
        }
        "os" if matches!(last, "system" | "popen") => Work::Process,
        _ if path.ends_with("Variable.get") && (module == "airflow" || path == "Variable.get") => {
            Work::Variable
        }
        _ if last == "get_connection"
            || path.ends_with("Connection.get_connection_from_secrets") =>
        {
            Work::Connection
        }
        _ => return None,
    };
    Some(work)
}

fn last_segment(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(code: &str) -> ImportTime {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        let tree = parser.parse(code, None).unwrap();
        let source = SourceFile::new("dags/d.py", code);
        import_time(&source, &tree)
    }

    #[test]
    fn dbt_artifacts_are_named_in_any_case() {
        assert!(mentions_dbt_artifact("/opt/dbt/target/manifest.json"));
        assert!(mentions_dbt_artifact("RUN_RESULTS.JSON"));
        assert!(mentions_dbt_artifact("s3://bucket/catalog.json.gz"));
        assert!(!mentions_dbt_artifact("manifest.yml"));
        assert!(!mentions_dbt_artifact("my_manifest.jso"));
        assert!(!mentions_dbt_artifact(".json"));
        assert!(!mentions_dbt_artifact("select * from t where x = 'a.json'"));
    }

    fn calls(code: &str) -> Vec<(Work, String)> {
        scan(code)
            .calls
            .into_iter()
            .map(|call| (call.work, call.callee))
            .collect()
    }

    #[test]
    fn top_level_calls_are_import_time_and_task_bodies_are_not() {
        let found = calls(
            "from airflow.models import Variable\nfrom airflow.decorators import dag, task\nimport requests\n\nBUCKET = Variable.get(\"bucket\")\n\ndef fetch():\n    return requests.get(\"https://api\").json()\n\n@task\ndef load():\n    return Variable.get(\"in_task\")\n\n@dag(schedule=None)\ndef pipeline():\n    rows = requests.post(\"https://api/rows\")\n    load()\n\npipeline()\nop = PythonOperator(task_id=\"t\", python_callable=fetch)\n",
        );
        assert_eq!(
            found,
            [
                (Work::Variable, "Variable.get".to_owned()),
                (Work::Http, "requests.post".to_owned()),
            ]
        );
    }

    #[test]
    fn helpers_called_at_import_time_are_followed() {
        let found = calls(
            "import json\n\nMANIFEST = \"/opt/airflow/dbt/target/manifest.json\"\n\ndef nodes():\n    with open(MANIFEST) as f:\n        return json.load(f)[\"nodes\"]\n\nfor node in nodes():\n    pass\n\nwith open(\"config.yml\") as f:\n    pass\n",
        );
        assert_eq!(found, [(Work::DbtArtifact, "open".to_owned())]);
    }

    #[test]
    fn hooks_subprocesses_and_main_guards() {
        let found = calls(
            "import subprocess\nfrom airflow.providers.postgres.hooks.postgres import PostgresHook\n\nhook = PostgresHook(postgres_conn_id=\"pg\")\nTABLES = hook.get_records(\"select 1\")\nVERSION = subprocess.check_output([\"git\", \"rev-parse\", \"HEAD\"])\n\nif __name__ == \"__main__\":\n    subprocess.run([\"airflow\", \"dags\", \"test\"])\n",
        );
        assert_eq!(
            found,
            [
                (Work::Connection, "hook.get_records".to_owned()),
                (Work::Process, "subprocess.check_output".to_owned()),
            ]
        );
    }

    #[test]
    fn attributes_set_after_construction() {
        let found = scan(
            "from airflow import DAG\n\ndag = DAG(\"cleanup\", schedule=\"@daily\")\nif hasattr(dag, \"catchup\"):\n    dag.catchup = False\n\ndef later(op):\n    op.doc_md = \"x\"\n",
        );
        assert_eq!(found.assigned_attributes, ["catchup"]);
    }
}
