//! Rules: metadata, the registry and the context a rule's check runs in.
//!
//! A rule is one file: a struct that is its own options (serde, `Default` = the documented
//! defaults), `declare_rule!` for its metadata (which embeds `rules/<name>.md`, so a rule
//! without docs does not compile) and an `impl Rule` with the check.

pub mod airflow;
pub mod convention;
pub mod cross;
pub mod dbt;
pub mod did_you_mean;
pub mod monolint;
pub mod policy;
mod registry;

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::link::Monorepo;

pub use registry::{ALL, RuleOptions};

/// Rule families users can select together: what a rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Group {
    /// dbt and Airflow disagree: something will not run, or run wrong.
    Correctness,
    /// Someone to page is declared.
    Ownership,
    /// Retries, alerting, schedules.
    Operations,
    /// Descriptions and docs.
    Documentation,
    /// Tests and freshness checks that catch bad data.
    Testing,
    /// The shape of the dbt project: layers, naming and dependencies.
    Structure,
    /// Interfaces other teams rely on: access and contracts.
    Governance,
    /// The team's own checks, declared as `[[policy]]` tables in the config.
    Policy,
}

impl Group {
    pub const ALL: [Group; 8] = [
        Group::Correctness,
        Group::Ownership,
        Group::Operations,
        Group::Documentation,
        Group::Testing,
        Group::Structure,
        Group::Governance,
        Group::Policy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Group::Correctness => "correctness",
            Group::Ownership => "ownership",
            Group::Operations => "operations",
            Group::Documentation => "documentation",
            Group::Testing => "testing",
            Group::Structure => "structure",
            Group::Governance => "governance",
            Group::Policy => "policy",
        }
    }
}

/// How widely a rule is enabled. Each preset holds its own rules and those of the smaller
/// presets, as dbt-bouncer's `minimal`/`standard`/`strict` and ruff's small default set do:
/// the default is the rules whose findings real repositories want fixed; policy a team adopts
/// by choice is in `strict`; `all` adds rules still being tuned.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// The default: findings that are true and wanted on real repositories.
    #[default]
    Recommended,
    /// Adds the policies teams choose: owners, documentation, operations.
    Strict,
    /// Every rule, including those still being tuned.
    All,
}

impl Preset {
    pub const ALL: [Preset; 3] = [Preset::Recommended, Preset::Strict, Preset::All];

    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Recommended => "recommended",
            Preset::Strict => "strict",
            Preset::All => "all",
        }
    }

    /// Whether this preset enables a rule whose smallest preset is `rule`.
    pub fn holds(self, rule: Preset) -> bool {
        rule <= self
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a rule is: code, name, group, default severity and its documentation page.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub group: Group,
    /// The smallest preset that enables the rule.
    pub preset: Preset,
    pub severity: Severity,
    /// `rules/<name>.md`, embedded at compile time.
    pub doc: &'static str,
}

/// Where rule pages are published (the `rules/` folder of the repository).
pub const DOCS_BASE_URL: &str = "https://github.com/monolint/monolint/blob/main/rules";

/// Where `[[policy]]` tables are documented: a policy's own page is its config entry.
pub const POLICY_DOCS_URL: &str =
    "https://github.com/monolint/monolint/blob/main/docs/configuration.md#policy";

impl RuleMeta {
    /// The one-line summary: the first paragraph line of the doc page.
    pub fn summary(&self) -> &'static str {
        self.doc
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty() && !line.starts_with('#'))
            .unwrap_or_default()
    }

    /// Whether `text` is the rule's code or name, ignoring case. A policy answers to its code
    /// only: policies share one name.
    pub fn is_named(&self, text: &str) -> bool {
        let text = text.trim();
        text.eq_ignore_ascii_case(self.code)
            || (self.group != Group::Policy && text.eq_ignore_ascii_case(self.name))
    }

    pub fn url(&self) -> String {
        match self.group {
            Group::Policy => POLICY_DOCS_URL.to_owned(),
            _ => format!("{DOCS_BASE_URL}/{}.md", self.name),
        }
    }
}

/// A configured rule, ready to check a monorepo.
pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, repo: &Monorepo, report: &mut Reporter);
}

/// Collects one rule's diagnostics, stamped with its metadata and effective severity.
pub struct Reporter {
    meta: &'static RuleMeta,
    severity: Severity,
    diagnostics: Vec<Diagnostic>,
}

impl Reporter {
    pub fn new(meta: &'static RuleMeta, severity: Severity) -> Self {
        Reporter {
            meta,
            severity,
            diagnostics: Vec::new(),
        }
    }

    /// Starts a diagnostic of this rule; pass it to [`Reporter::emit`] when complete.
    pub fn diagnostic(&self, message: impl Into<String>, primary: Label) -> Diagnostic {
        Diagnostic::new(self.meta, self.severity, message, primary)
    }

    pub fn emit(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}

/// Declares a rule's metadata and ties it to `rules/<name>.md`.
macro_rules! declare_rule {
    ($rule:ident {
        code: $code:literal,
        name: $name:literal,
        group: $group:ident,
        preset: $preset:ident,
        severity: $severity:ident $(,)?
    }) => {
        impl $rule {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                code: $code,
                name: $name,
                group: $crate::rules::Group::$group,
                preset: $crate::rules::Preset::$preset,
                severity: $crate::diagnostic::Severity::$severity,
                doc: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $name, ".md")),
            };
        }
    };
}
pub(crate) use declare_rule;

/// The rules one run knows: the built-in rules, then the config's policies.
#[derive(Debug, Clone, Copy, Default)]
pub struct Catalog<'a> {
    policies: &'a [&'static RuleMeta],
}

impl<'a> Catalog<'a> {
    pub fn new(policies: &'a [&'static RuleMeta]) -> Self {
        Catalog { policies }
    }

    /// Every rule, built-in rules first (in `ALL` order), then the policies.
    pub fn rules(self) -> impl Iterator<Item = &'static RuleMeta> + 'a {
        ALL.iter().copied().chain(self.policies.iter().copied())
    }

    /// Finds rules by code (`X001`), code prefix (`X`, `DBT0`), name (`model-not-scheduled`),
    /// group (`ownership`) or preset (`recommended`, `strict`, `all`). Case-insensitive.
    /// `None` when the selector names nothing (a group without rules yet still names
    /// something).
    pub fn matching(self, selector: &str) -> Option<Vec<&'static RuleMeta>> {
        let wanted = selector.trim().to_ascii_lowercase();
        let is_group = Group::ALL.iter().any(|group| group.as_str() == wanted);
        let preset = Preset::ALL.into_iter().find(|p| p.as_str() == wanted);
        let rules: Vec<&'static RuleMeta> = self
            .rules()
            .filter(|meta| {
                preset.is_some_and(|preset| preset.holds(meta.preset))
                    || meta.is_named(&wanted)
                    || meta.group.as_str() == wanted
                    || meta.code.to_ascii_lowercase().starts_with(&wanted)
            })
            .collect();
        (is_group || preset.is_some() || !rules.is_empty()).then_some(rules)
    }

    /// The rule with this exact code or name (a policy by its code: policies share one
    /// name).
    pub fn find(self, code_or_name: &str) -> Option<&'static RuleMeta> {
        self.rules().find(|meta| meta.is_named(code_or_name))
    }
}

/// The built-in rule with this exact code or name.
pub fn find(code_or_name: &str) -> Option<&'static RuleMeta> {
    Catalog::default().find(code_or_name)
}
