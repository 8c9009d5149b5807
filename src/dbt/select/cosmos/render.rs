//! The tasks a Cosmos `DbtDag`/`DbtTaskGroup` renders for its selected nodes, with the ids
//! Cosmos 1.15 gives them (`cosmos/airflow/graph.py`): one task per model, seed, snapshot and
//! (when rendered) source, grouped with a test task per model under `TestBehavior.AFTER_EACH`,
//! one `dbt build` per node under `BUILD`, one test task for the whole rendering under
//! `AFTER_ALL`.

use crate::dbt::command::DbtCommand;
use crate::dbt::graph::{DbtGraph, Node, NodeId, NodeSet, ResourceType};

/// `RenderConfig(test_behavior=...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TestBehavior {
    /// A task group per tested node: `<node>.run` then `<node>.test`.
    #[default]
    AfterEach,
    /// One test task, `<project>_test`, after every other task.
    AfterAll,
    /// `dbt build` per node: `<node>_<resource type>_build`, tests included.
    Build,
    /// No tests.
    None,
}

/// `RenderConfig(source_rendering_behavior=...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceRendering {
    /// Sources get no task.
    #[default]
    None,
    /// Every selected source gets a task (an empty one without freshness).
    All,
    /// Sources with tests or a freshness check get a task.
    WithTestsOrFreshness,
}

/// `RenderConfig(seed_rendering_behavior=...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SeedRendering {
    /// `dbt seed` on every run (also `WHEN_SEED_CHANGES`, which decides when the task runs).
    #[default]
    Always,
    /// An empty task: seeds are shown, never loaded.
    RenderOnly,
    /// Seeds get no task.
    None,
}

/// How a `DbtDag`/`DbtTaskGroup` turns its nodes into tasks, as its `RenderConfig` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    pub test_behavior: TestBehavior,
    pub source_rendering: SourceRendering,
    pub seed_rendering: SeedRendering,
    /// Cosmos' name for the project (`ProjectConfig(project_name=...)`, else the project
    /// folder's name), which names the `AFTER_ALL` test task; `None` when not known here.
    pub project_name: Option<String>,
    /// `group_nodes_by_folder=True`: a task group per folder of the node's file.
    pub group_by_folder: bool,
    /// `ephemeral_models_as_empty_operator` (default true).
    pub ephemeral_as_empty: bool,
    /// `should_detach_multiple_parents_tests` (default false).
    pub detach_multi_parent_tests: bool,
    /// `enable_owner_inheritance` (default true): a node's `meta.owner` owns its tasks.
    pub owner_inheritance: bool,
    /// Why the task ids cannot be known statically (`normalize_task_id`, `node_converters`,
    /// an argument monolint cannot read).
    pub opaque: Option<String>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            test_behavior: TestBehavior::default(),
            source_rendering: SourceRendering::default(),
            seed_rendering: SeedRendering::default(),
            project_name: None,
            group_by_folder: false,
            ephemeral_as_empty: true,
            detach_multi_parent_tests: false,
            owner_inheritance: true,
            opaque: None,
        }
    }
}

/// One task of a rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedTask {
    /// The task id inside the rendering (a `DbtTaskGroup` prefixes it with its group id).
    pub id: String,
    /// The dbt node the task stands for; `None` for the `AFTER_ALL` test task.
    pub node: Option<NodeId>,
    /// What the task runs; `None` for an empty task (`EmptyOperator`).
    pub command: Option<DbtCommand>,
    /// The nodes it executes (the node, and its tests for a test or build task).
    pub runs: Vec<NodeId>,
    /// Whether the node's `meta.owner`, when it has one, owns the task (else the owner the
    /// rendering passes on, from its `default_args`).
    pub node_owner: bool,
}

/// The tasks a rendering creates for `filtered`: the nodes Cosmos selected, with the tests it
/// attached to them. `project_folder` names the project when the options do not.
pub fn render(
    graph: &DbtGraph,
    filtered: &NodeSet,
    options: &RenderOptions,
    project_folder: &str,
) -> Vec<RenderedTask> {
    let in_filter = |id: NodeId| filtered.contains(id.index());
    let tests_of = |id: NodeId| -> Vec<NodeId> {
        graph
            .children(id)
            .iter()
            .copied()
            .filter(|&child| graph.node(child).resource_type == ResourceType::Test)
            .filter(|&child| in_filter(child))
            .collect()
    };
    let detached =
        |test: NodeId| options.detach_multi_parent_tests && graph.parents(test).len() > 1;
    let mut tasks = Vec::new();
    for index in filtered.ones() {
        let id = NodeId(index as u32);
        let node = graph.node(id);
        let tests = tests_of(id);
        let has_non_detached_test = tests.iter().any(|&test| !detached(test));
        if let Some(task) = node_task(graph, id, node, options, &tests, has_non_detached_test) {
            tasks.extend(task);
        }
    }
    let any_node = filtered.ones().next().is_some();
    match options.test_behavior {
        TestBehavior::AfterAll if any_node => {
            let project = options.project_name.as_deref().unwrap_or(project_folder);
            let runs = filtered
                .ones()
                .map(|i| NodeId(i as u32))
                .filter(|&test| graph.node(test).resource_type == ResourceType::Test)
                .collect();
            tasks.push(RenderedTask {
                id: format!("{project}_test"),
                node: None,
                command: Some(DbtCommand::Test),
                runs,
                node_owner: false,
            });
        }
        TestBehavior::AfterEach | TestBehavior::Build if options.detach_multi_parent_tests => {
            for index in filtered.ones() {
                let test = NodeId(index as u32);
                let node = graph.node(test);
                if node.resource_type != ResourceType::Test || !detached(test) {
                    continue;
                }
                let name = resource_name(node);
                tasks.push(RenderedTask {
                    id: format!("{}_test", name.split('.').next().unwrap_or(name)),
                    node: Some(test),
                    command: Some(DbtCommand::Test),
                    runs: vec![test],
                    node_owner: options.owner_inheritance,
                });
            }
        }
        _ => {}
    }
    tasks
}

/// The task (or the two tasks of a task group) of one node; `None` for a node Cosmos
/// renders no task for.
fn node_task(
    graph: &DbtGraph,
    id: NodeId,
    node: &Node,
    options: &RenderOptions,
    tests: &[NodeId],
    has_non_detached_test: bool,
) -> Option<Vec<RenderedTask>> {
    let resource = node.resource_type;
    if !matches!(
        resource,
        ResourceType::Model | ResourceType::Seed | ResourceType::Snapshot | ResourceType::Source
    ) {
        // Tests run with their node; exposures, analyses and the like have no converter.
        return None;
    }
    let build = options.test_behavior == TestBehavior::Build;
    let in_group = options.test_behavior == TestBehavior::AfterEach && has_non_detached_test;
    let suffix = match resource {
        _ if build => "build",
        ResourceType::Model => "run",
        other => other.as_str(),
    };
    let name = task_name(node);
    let folder_prefix = if options.group_by_folder {
        folder_groups(node)
    } else {
        String::new()
    };
    let id_for = |suffix: &str, with_type: bool| {
        if in_group {
            format!("{folder_prefix}{name}.{suffix}")
        } else if with_type {
            format!("{folder_prefix}{name}_{}_{suffix}", resource.as_str())
        } else {
            format!("{folder_prefix}{name}_{suffix}")
        }
    };
    let buildable = matches!(
        resource,
        ResourceType::Model | ResourceType::Seed | ResourceType::Snapshot
    );
    let mut main =
        if resource == ResourceType::Seed && options.seed_rendering != SeedRendering::Always {
            if options.seed_rendering == SeedRendering::None {
                return None;
            }
            // Seed rendering comes before the test behaviour: the suffix is always `seed`.
            empty(id_for("seed", false), id, false)
        } else if node.is_ephemeral() && options.ephemeral_as_empty {
            empty(
                id_for(suffix, build && buildable),
                id,
                options.owner_inheritance,
            )
        } else if build && buildable {
            let mut runs = vec![id];
            runs.extend(tests.iter().copied());
            RenderedTask {
                id: id_for(suffix, true),
                node: Some(id),
                command: Some(DbtCommand::Build),
                runs,
                node_owner: options.owner_inheritance,
            }
        } else if resource == ResourceType::Source {
            let fresh = graph.cosmos_loaded().has_freshness(graph, id);
            let rendered = match options.source_rendering {
                SourceRendering::None => false,
                SourceRendering::All => true,
                SourceRendering::WithTestsOrFreshness => fresh || !tests.is_empty(),
            };
            if !rendered {
                return None;
            }
            if fresh {
                RenderedTask {
                    id: id_for("source", false),
                    node: Some(id),
                    command: Some(DbtCommand::SourceFreshness),
                    runs: vec![id],
                    node_owner: options.owner_inheritance,
                }
            } else {
                empty(id_for("source", false), id, false)
            }
        } else {
            let command = match resource {
                ResourceType::Model => DbtCommand::Run,
                ResourceType::Seed => DbtCommand::Seed,
                _ => DbtCommand::Snapshot,
            };
            RenderedTask {
                id: id_for(suffix, false),
                node: Some(id),
                command: Some(command),
                runs: vec![id],
                node_owner: options.owner_inheritance,
            }
        };
    if !in_group {
        return Some(vec![main]);
    }
    let test = RenderedTask {
        id: format!("{folder_prefix}{name}.test"),
        node: Some(id),
        command: Some(DbtCommand::Test),
        runs: tests.to_vec(),
        node_owner: options.owner_inheritance,
    };
    main.node = Some(id);
    Some(vec![main, test])
}

/// An empty task standing for a node; `node_owner` as for [`RenderedTask::node_owner`].
fn empty(id: String, node: NodeId, node_owner: bool) -> RenderedTask {
    RenderedTask {
        id,
        node: Some(node),
        command: None,
        runs: Vec::new(),
        node_owner,
    }
}

/// Cosmos' `resource_name`: the unique id after `<type>.<package>.` (`orders`, `app.events`
/// for a source, `orders.v2` for a versioned model).
fn resource_name(node: &Node) -> &str {
    node.unique_id
        .splitn(3, '.')
        .nth(2)
        .unwrap_or(&node.unique_id)
}

/// Cosmos' `DbtNode.name`, which names tasks and groups: dots become underscores.
fn task_name(node: &Node) -> String {
    resource_name(node).replace('.', "_")
}

/// `group_nodes_by_folder`: one group per folder of the node's file, outermost first.
fn folder_groups(node: &Node) -> String {
    let file = node.file.as_deref().unwrap_or_default();
    let mut parts: Vec<&str> = file.split('/').filter(|p| !p.is_empty()).collect();
    parts.pop();
    parts.iter().map(|part| format!("{part}.")).collect()
}
