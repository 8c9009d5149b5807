//! `monolint check [PATH]`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{
    EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, print_problem, print_stdout, use_color, write_output,
};
use crate::baseline::Baseline;
use crate::config::RuleArgs;
use crate::diagnostic::Severity;
use crate::render::{Format, RenderOptions, render};
use crate::rules::Preset;
use crate::{CheckOptions, check};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The monorepo folder to check.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The dbt manifest to read (default: `<dbt project>/target/manifest.json`).
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// The config file (default: `monolint.toml`, else `[tool.monolint]` in `pyproject.toml`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, visible_alias = "output-format", value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the findings to FILE instead of stdout (input problems still go to stderr).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// The set of rules to start from [default: recommended].
    #[arg(long, value_enum, value_name = "PRESET")]
    pub preset: Option<Preset>,
    /// Rules to run instead of the preset's, by code, code prefix, name, group or preset
    /// (comma-separated; replaces the config's `select`).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,
    /// Rules to run in addition (comma-separated; added to the config's `extend-select`).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub extend_select: Vec<String>,
    /// Rules not to run (comma-separated; added to the config's).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,
    /// Lowest severity that makes the exit code 1 [default: warning].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Never color the output (also: the `NO_COLOR` environment variable).
    #[arg(long)]
    pub no_color: bool,
    /// Print findings only, no summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Leave out the findings recorded in FILE (see --write-baseline): fail only on new ones.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in FILE and exit 0, to adopt monolint on a repository
    /// that already has findings.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

impl From<FailOn> for Severity {
    fn from(value: FailOn) -> Self {
        match value {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

pub fn run(args: &CheckArgs) -> u8 {
    let options = CheckOptions {
        root: args.path.clone(),
        config: args.config.clone(),
        manifest: args.manifest.clone(),
        rules: RuleArgs {
            preset: args.preset,
            select: args.select.clone(),
            extend_select: args.extend_select.clone(),
            ignore: args.ignore.clone(),
            fail_on: args.fail_on.map(Severity::from),
        },
    };
    let mut report = match check(&options) {
        Ok(report) => report,
        Err(error) => {
            print_problem(&error, args.format, args.no_color);
            return EXIT_ERROR;
        }
    };
    for problem in &report.problems {
        print_problem(problem, args.format, args.no_color);
    }
    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::of(&report.diagnostics);
        if let Err(error) = write_output(path, &baseline.to_json()) {
            print_problem(&error, args.format, args.no_color);
            return EXIT_ERROR;
        }
        eprintln!(
            "monolint: recorded {} finding{} in {}",
            baseline.len(),
            if baseline.len() == 1 { "" } else { "s" },
            path.display()
        );
        return if report.has_input_errors() {
            EXIT_ERROR
        } else {
            EXIT_CLEAN
        };
    }
    if let Some(path) = &args.baseline {
        match Baseline::load(path) {
            Ok(baseline) => report.baselined = baseline.hide_known(&mut report.diagnostics),
            Err(error) => {
                print_problem(&error, args.format, args.no_color);
                return EXIT_ERROR;
            }
        }
    }
    let render_options = RenderOptions {
        color: args.output_file.is_none()
            && use_color(std::io::stdout().is_terminal(), args.no_color),
        quiet: args.quiet,
        ..RenderOptions::default()
    };
    let text = render(&report, args.format, &render_options);
    match &args.output_file {
        None => print_stdout(&text),
        Some(path) => {
            if let Err(error) = write_output(path, &text) {
                print_problem(&error, args.format, args.no_color);
                return EXIT_ERROR;
            }
        }
    }
    if report.has_input_errors() {
        EXIT_ERROR
    } else if report.has_failures() {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}
