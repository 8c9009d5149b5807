//! ML001: a suppression that suppresses nothing hides the next real finding at that place.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::link::Monorepo;
use crate::rules::{Reporter, Rule, RuleMeta, declare_rule};

/// ML001; it has no options.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct UnusedSuppression {}

declare_rule!(UnusedSuppression {
    code: "ML001",
    name: "unused-suppression",
    group: Correctness,
    preset: Recommended,
    severity: Warning,
});

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    /// Nothing to check on the monorepo itself: whether a suppression is used is known only
    /// after every other rule ran, so the suppression stage (`crate::suppress`) reports it.
    fn check(&self, _repo: &Monorepo, _report: &mut Reporter) {}
}
