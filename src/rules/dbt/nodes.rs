//! The nodes the dbt policy rules check — the root project's, not its packages' — and where
//! to point at them.

use std::collections::HashMap;

use crate::dbt::graph::{DbtGraph, Node, NodeId, ResourceType};
use crate::dbt::locate;
use crate::diagnostic::{Diagnostic, Label};
use crate::link::Monorepo;
use crate::rules::Reporter;
use crate::rules::convention::Tally;
use crate::source::{SourceFile, Span};

/// The enabled nodes of one resource type that belong to the root project (installed
/// packages are not the team's to fix).
pub fn root_nodes(
    graph: &DbtGraph,
    resource_type: ResourceType,
) -> impl Iterator<Item = (NodeId, &Node)> {
    graph
        .of_type(resource_type)
        .iter()
        .map(move |&id| (id, graph.node(id)))
        .filter(move |(_, node)| graph.is_root_project(node))
}

/// The first line of a project's `dbt_project.yml`: where findings about the whole project
/// point.
pub fn project_span(repo: &Monorepo, project: usize) -> Span {
    SourceFile::first_line_span(&repo.project_file(project, "dbt_project.yml"))
}

/// A source of the root project: the tables one `sources:` entry of a YAML file declares.
#[derive(Debug)]
pub struct Source {
    pub name: String,
    pub tables: Vec<NodeId>,
}

/// The root project's sources, in the order dbt wrote their first table.
pub fn root_sources(graph: &DbtGraph) -> Vec<Source> {
    let mut sources: Vec<Source> = Vec::new();
    let mut at: HashMap<(&str, Option<&str>), usize> = HashMap::new();
    for (id, node) in root_nodes(graph, ResourceType::Source) {
        let name = node.source_name.as_deref().unwrap_or_default();
        let key = (name, node.file.as_deref());
        match at.get(&key) {
            Some(&index) => sources[index].tables.push(id),
            None => {
                at.insert(key, sources.len());
                sources.push(Source {
                    name: name.to_owned(),
                    tables: vec![id],
                });
            }
        }
    }
    sources
}

/// A source, and the names of those of its tables that lack what a rule asks for: what the
/// source rules count in their tally.
pub struct SourceTables {
    pub source: Source,
    pub tables: Vec<String>,
}

impl SourceTables {
    /// Counts a source in a tally, in the YAML file of its first table: fine when none of
    /// its tables `lacks`.
    pub fn tally(
        graph: &DbtGraph,
        tally: &mut Tally<SourceTables>,
        source: Source,
        lacks: impl Fn(NodeId) -> bool,
    ) {
        let Some(&first) = source.tables.first() else {
            return;
        };
        let file = graph.node(first).file.clone();
        let tables: Vec<String> = source
            .tables
            .iter()
            .copied()
            .filter(|&id| lacks(id))
            .map(|id| graph.node(id).name.to_string())
            .collect();
        let ok = tables.is_empty();
        let name = source.name.clone();
        tally.check(SourceTables { source, tables }, &name, file.as_deref(), ok);
    }

    /// Whether every table of the source lacks.
    pub fn all_lack(&self) -> bool {
        self.tables.len() == self.source.tables.len()
    }

    /// `{n} of the {total} tables of source `{name}` {verb}`, the verb agreeing with `n`.
    pub fn some_lack(&self, one: &str, many: &str, rest: &str) -> String {
        let n = self.tables.len();
        format!(
            "{n} of the {} tables of source `{}` {} {rest}",
            self.source.tables.len(),
            self.source.name,
            agree(n, one, many)
        )
    }

    /// The source's finding: at its YAML entry, about each of its tables.
    pub fn diagnostic(
        self,
        repo: &Monorepo,
        project: usize,
        report: &Reporter,
        message: String,
        label: String,
        help: &str,
    ) -> Diagnostic {
        let span = source_span(repo, project, self.source.tables[0]);
        let mut diagnostic = report
            .diagnostic(message, Label::new(span, label))
            .with_help(help.to_owned());
        for id in self.source.tables {
            diagnostic = diagnostic.about(project, id);
        }
        diagnostic
    }
}

/// The `- name:` entry of a source in its YAML file (found from one of its tables), else the
/// table's own entry.
pub fn source_span(repo: &Monorepo, project: usize, table: NodeId) -> Span {
    let node = repo.projects[project].graph.node(table);
    let entry = node
        .file
        .as_deref()
        .zip(node.source_name.as_deref())
        .and_then(|(file, source)| {
            let file = repo.project_file(project, file);
            let range = locate::YamlEntries::new(file.text()).find(source, 0)?;
            Some(Span::new(file, range.start as u32..range.end as u32))
        });
    entry.unwrap_or_else(|| repo.node_span(project, table))
}

/// Backticked names joined with commas, at most `limit` of them and a count of the rest.
pub fn listed(names: impl IntoIterator<Item = impl std::fmt::Display>, limit: usize) -> String {
    let names: Vec<String> = names.into_iter().map(|name| format!("`{name}`")).collect();
    if names.len() <= limit {
        return names.join(", ");
    }
    format!(
        "{} and {} more",
        names[..limit].join(", "),
        names.len() - limit
    )
}

/// [`listed`] for names read from the graph, sorted first: the graph holds nodes in the order
/// the manifest or the project's files gave them, and a message must not depend on which.
pub fn listed_by_name(
    names: impl IntoIterator<Item = impl std::fmt::Display>,
    limit: usize,
) -> String {
    let mut names: Vec<String> = names.into_iter().map(|name| name.to_string()).collect();
    names.sort();
    listed(names, limit)
}

/// The verb that agrees with a count: `agree(1, "has", "have")` is `has`.
pub fn agree<'a>(count: usize, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 { one } else { many }
}
