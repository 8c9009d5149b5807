//! `monolint explain RULE`: a rule's metadata and documentation page.

use clap::Args;

use super::rules::{ListFormat, RuleInfo};
use super::{EXIT_CLEAN, EXIT_ERROR, print_problem, print_stdout};
use crate::error::Error;
use crate::render::Format;
use crate::rules::{self, did_you_mean::closest};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule, by code (`X001`) or name (`model-not-scheduled`).
    pub rule: String,
    /// Output format.
    #[arg(long, visible_alias = "output-format", value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
}

pub fn run(args: &ExplainArgs) -> u8 {
    let Some(meta) = rules::find(&args.rule) else {
        let names = rules::ALL.iter().flat_map(|m| [m.code, m.name]);
        let mut error = Error::new(format!("unknown rule `{}`", args.rule));
        error = match closest(&args.rule, names) {
            Some(near) => error.with_help(format!(
                "did you mean `{near}`? (`monolint rules` lists every rule)"
            )),
            None => error.with_help("`monolint rules` lists every rule"),
        };
        print_problem(&error, Format::Human, super::ColorChoice::Auto);
        return EXIT_ERROR;
    };
    let text = match args.format {
        ListFormat::Json => {
            #[derive(serde::Serialize)]
            struct Explained {
                #[serde(flatten)]
                info: RuleInfo,
                explanation: &'static str,
            }
            let explained = Explained {
                info: RuleInfo::of(meta),
                explanation: meta.doc,
            };
            serde_json::to_string_pretty(&explained).unwrap_or_default() + "\n"
        }
        ListFormat::Human => format!(
            "{} · {}\ngroup: {} · preset: {} · default severity: {}\n\n{}",
            meta.code, meta.name, meta.group, meta.preset, meta.severity, meta.doc
        ),
    };
    print_stdout(&text);
    EXIT_CLEAN
}
