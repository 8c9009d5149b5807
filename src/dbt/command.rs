//! dbt subcommands and the resource types each one executes.

use std::fmt;

use super::graph::ResourceType;

/// A dbt subcommand.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DbtCommand {
    Run,
    Build,
    Test,
    Seed,
    Snapshot,
    SourceFreshness,
    List,
    Compile,
    Clone,
    DocsGenerate,
    RunOperation,
    Retry,
    Show,
    /// Anything that does not select nodes (`deps`, `debug`, `parse`, `clean`, ...).
    Other(String),
}

use ResourceType as R;

impl DbtCommand {
    /// Reads the subcommand at the start of `words` (`source freshness` and `docs generate`
    /// take two); returns it with the number of words used.
    pub fn parse(words: &[&str]) -> Option<(DbtCommand, usize)> {
        let first = *words.first()?;
        let second = words.get(1).copied();
        let command = match (first, second) {
            // `snapshot-freshness`: its name before dbt 1.0, still in older DAGs.
            ("source", Some("freshness" | "snapshot-freshness")) => {
                return Some((DbtCommand::SourceFreshness, 2));
            }
            ("docs", Some("generate")) => return Some((DbtCommand::DocsGenerate, 2)),
            ("run", _) => DbtCommand::Run,
            ("build", _) => DbtCommand::Build,
            ("test", _) => DbtCommand::Test,
            ("seed", _) => DbtCommand::Seed,
            ("snapshot", _) => DbtCommand::Snapshot,
            ("ls" | "list", _) => DbtCommand::List,
            ("compile", _) => DbtCommand::Compile,
            ("clone", _) => DbtCommand::Clone,
            ("run-operation", _) => DbtCommand::RunOperation,
            ("retry", _) => DbtCommand::Retry,
            ("show", _) => DbtCommand::Show,
            (other, _) if other.starts_with('-') => return None,
            (other, _) => DbtCommand::Other(other.to_owned()),
        };
        Some((command, 1))
    }

    /// The resource types the command executes by default (dbt-core 1.11); empty for commands
    /// that select nothing.
    pub fn default_resource_types(&self) -> &'static [ResourceType] {
        match self {
            DbtCommand::Run => &[R::Model],
            DbtCommand::Build => &[
                R::Model,
                R::Seed,
                R::Snapshot,
                R::Test,
                R::UnitTest,
                R::SavedQuery,
                R::Exposure,
                R::Function,
            ],
            DbtCommand::Test => &[R::Test, R::UnitTest],
            DbtCommand::Seed => &[R::Seed],
            DbtCommand::Snapshot => &[R::Snapshot],
            DbtCommand::SourceFreshness => &[R::Source],
            DbtCommand::List => &[
                R::Model,
                R::Snapshot,
                R::Seed,
                R::Test,
                R::Source,
                R::Exposure,
                R::Metric,
                R::SemanticModel,
                R::SavedQuery,
                R::UnitTest,
                R::Function,
            ],
            DbtCommand::Compile | DbtCommand::DocsGenerate | DbtCommand::Show => &[
                R::Model,
                R::Test,
                R::Snapshot,
                R::Analysis,
                R::Operation,
                R::Seed,
                R::Doc,
                R::Rpc,
                R::SqlOperation,
                R::Function,
            ],
            DbtCommand::Clone => &[R::Model, R::Seed, R::Snapshot],
            DbtCommand::RunOperation | DbtCommand::Retry | DbtCommand::Other(_) => &[],
        }
    }

    /// What `--resource-type all` means for the command.
    fn all_resource_types(&self) -> Vec<ResourceType> {
        let mut types = self.default_resource_types().to_vec();
        if *self == DbtCommand::List {
            types.push(R::Analysis);
        }
        types
    }

    /// Whether the command executes a node it selected. `ls` lists everything it selects;
    /// the others skip what dbt only compiles or registers: ephemeral models (compiled into
    /// their consumers), and exposures, metrics, semantic models and saved queries (`build`
    /// selects exposures and saved queries but runs nothing for them).
    pub fn executes(&self, node: &super::graph::Node) -> bool {
        if *self == DbtCommand::List {
            return true;
        }
        let registered_only = matches!(
            node.resource_type,
            R::Exposure | R::Metric | R::SemanticModel | R::SavedQuery
        );
        let compiled_only = node.is_model() && node.is_ephemeral();
        !(registered_only || compiled_only)
    }

    /// Whether the command selects nodes with `--select`/`--exclude`/`--selector`.
    pub fn selects_nodes(&self) -> bool {
        !self.default_resource_types().is_empty()
    }

    /// Whether `--resource-type`/`--exclude-resource-type` apply.
    pub fn accepts_resource_type_flags(&self) -> bool {
        matches!(
            self,
            DbtCommand::Build | DbtCommand::List | DbtCommand::Clone | DbtCommand::Test
        )
    }

    /// The resource types kept after `--resource-type` and `--exclude-resource-type`
    /// (dbt's `resource_types_from_args`). Unknown names are returned as errors.
    pub fn resource_types(
        &self,
        include: &[&str],
        exclude: &[&str],
    ) -> Result<Vec<ResourceType>, String> {
        if !self.accepts_resource_type_flags() {
            return Ok(self.default_resource_types().to_vec());
        }
        // Names are lower-case, as dbt's `NodeType` values are; `all` only widens a selection.
        let expand = |names: &[&str], all_allowed: bool| -> Result<Vec<ResourceType>, String> {
            let mut types = Vec::new();
            for name in names {
                match *name {
                    "all" if all_allowed => types.extend(self.all_resource_types()),
                    "default" => types.extend_from_slice(self.default_resource_types()),
                    other => types.push(
                        ResourceType::parse(other)
                            .filter(|_| other != "all")
                            .ok_or_else(|| format!("'{name}' is not a valid NodeType"))?,
                    ),
                }
            }
            Ok(types)
        };
        let mut types = if include.is_empty() {
            self.default_resource_types().to_vec()
        } else {
            expand(include, true)?
        };
        let excluded = expand(exclude, false)?;
        types.retain(|t| !excluded.contains(t));
        types.sort_unstable();
        types.dedup();
        Ok(types)
    }

    pub fn as_str(&self) -> &str {
        match self {
            DbtCommand::Run => "run",
            DbtCommand::Build => "build",
            DbtCommand::Test => "test",
            DbtCommand::Seed => "seed",
            DbtCommand::Snapshot => "snapshot",
            DbtCommand::SourceFreshness => "source freshness",
            DbtCommand::List => "ls",
            DbtCommand::Compile => "compile",
            DbtCommand::Clone => "clone",
            DbtCommand::DocsGenerate => "docs generate",
            DbtCommand::RunOperation => "run-operation",
            DbtCommand::Retry => "retry",
            DbtCommand::Show => "show",
            DbtCommand::Other(name) => name,
        }
    }
}

impl fmt::Display for DbtCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
