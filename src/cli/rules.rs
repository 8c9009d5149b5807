//! `monolint rules`: the rule table.

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{EXIT_CLEAN, print_stdout};
use crate::rules::{ALL, Preset, RuleMeta};

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, visible_alias = "output-format", value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ListFormat {
    /// Plain text for a terminal.
    #[value(alias = "text")]
    Human,
    /// JSON, for scripts.
    Json,
}

/// A rule as `rules --format json` and `explain --format json` describe it.
#[derive(Serialize)]
pub struct RuleInfo {
    pub code: &'static str,
    pub name: &'static str,
    pub group: &'static str,
    pub preset: &'static str,
    pub severity: &'static str,
    pub enabled_by_default: bool,
    pub summary: &'static str,
    pub url: String,
}

impl RuleInfo {
    pub fn of(meta: &'static RuleMeta) -> Self {
        RuleInfo {
            code: meta.code,
            name: meta.name,
            group: meta.group.as_str(),
            preset: meta.preset.as_str(),
            severity: meta.severity.as_str(),
            enabled_by_default: Preset::default().holds(meta.preset),
            summary: meta.summary(),
            url: meta.url(),
        }
    }
}

pub fn run(args: &RulesArgs) -> u8 {
    let text = match args.format {
        ListFormat::Json => {
            let infos: Vec<RuleInfo> = ALL.iter().map(|meta| RuleInfo::of(meta)).collect();
            serde_json::to_string_pretty(&infos).unwrap_or_default() + "\n"
        }
        ListFormat::Human => table(),
    };
    print_stdout(&text);
    EXIT_CLEAN
}

/// A plain-text table: code, name, group, preset, default severity, summary.
pub fn table() -> String {
    let name_width = ALL.iter().map(|m| m.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for meta in ALL {
        out.push_str(&format!(
            "{:<7} {:<name_width$}  {:<13} {:<12} {:<8} {}\n",
            meta.code,
            meta.name,
            meta.group.as_str(),
            meta.preset.as_str(),
            meta.severity.as_str(),
            meta.summary()
        ));
    }
    out
}
