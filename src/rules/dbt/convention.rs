//! What the dbt policy rules share: the nodes a team writes (the root project's, not its
//! packages'), and one finding per cause — when no node of a project has what a rule asks
//! for, that is the project's convention, reported once at `dbt_project.yml` instead of once
//! per node.

use crate::dbt::graph::{DbtGraph, Node, NodeId, ResourceType};
use crate::diagnostic::Diagnostic;
use crate::link::Monorepo;
use crate::rules::Reporter;
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

/// The nodes a rule checked in one project, and those lacking what it asks for.
#[derive(Debug, Default)]
pub struct Tally {
    pub checked: usize,
    pub lacking: Vec<NodeId>,
}

impl Tally {
    /// Counts a checked node; `ok` says whether it has what the rule asks for.
    pub fn check(&mut self, id: NodeId, ok: bool) {
        self.checked += 1;
        if !ok {
            self.lacking.push(id);
        }
    }

    /// Whether no checked node has it, and there are several: the project's convention.
    pub fn is_convention(&self) -> bool {
        self.checked > 1 && self.lacking.len() == self.checked
    }

    /// Reports the lacking nodes: once for the project (`whole`, given where to point) when
    /// none has it, else one finding per node (`each`).
    pub fn report(
        self,
        repo: &Monorepo,
        project: usize,
        report: &mut Reporter,
        whole: impl FnOnce(&Reporter, Span) -> Diagnostic,
        mut each: impl FnMut(&Reporter, NodeId) -> Diagnostic,
    ) {
        if self.is_convention() {
            let diagnostic = whole(report, project_span(repo, project));
            report.emit(diagnostic);
            return;
        }
        for id in self.lacking {
            let diagnostic = each(report, id).about(project, id);
            report.emit(diagnostic);
        }
    }
}
