//! `monolint check [PATH]`.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{
    ColorChoice, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, emit, print_problem, print_problem_from,
    print_stdout, use_color, write_output,
};
use crate::baseline::Baseline;
use crate::config::RuleArgs;
use crate::diagnostic::Severity;
use crate::render::{Format, PathBase, RenderOptions, render};
use crate::rules::Preset;
use crate::{CheckOptions, check};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The monorepo folder to check.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The dbt manifest to read (default: `<dbt project>/target/manifest.json`; without one,
    /// the project's files are read).
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Read the dbt projects from their files, not their manifests (no `dbt parse` needed).
    #[arg(long, conflicts_with = "manifest")]
    pub no_manifest: bool,
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
    /// When to color the output: `auto` (on a terminal, unless `NO_COLOR` is set),
    /// `always` or `never`.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Never color the output (the same as `--color never`).
    #[arg(long, conflicts_with = "color")]
    pub no_color: bool,
    /// Print how many findings each rule has, instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Exit with code 0 even when there are findings (input errors still exit with 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Print what discovery found (config, dbt projects and manifests, DAG folders and files,
    /// path mappings, Airflow version) and exit, without checking.
    #[arg(long)]
    pub show_files: bool,
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
    let color = if args.no_color {
        ColorChoice::Never
    } else {
        args.color
    };
    let options = CheckOptions {
        root: args.path.clone(),
        config: args.config.clone(),
        manifest: args.manifest.clone(),
        no_manifest: args.no_manifest,
        rules: RuleArgs {
            preset: args.preset,
            select: args.select.clone(),
            extend_select: args.extend_select.clone(),
            ignore: args.ignore.clone(),
            fail_on: args.fail_on.map(Severity::from),
        },
    };
    if args.show_files {
        return match super::show_files::run(&options) {
            Ok(text) => {
                print_stdout(&text);
                EXIT_CLEAN
            }
            Err(error) => {
                print_problem(&error, args.format, color);
                EXIT_ERROR
            }
        };
    }
    // Paths are shown from the current directory, as the user named the checked folder.
    let base = PathBase::of(&args.path);
    let mut report = match check(&options) {
        Ok(report) => report,
        Err(error) => {
            print_problem_from(&error, args.format, color, &base);
            return EXIT_ERROR;
        }
    };
    for problem in &report.problems {
        print_problem_from(problem, args.format, color, &base);
    }
    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::of(&report.diagnostics);
        if let Err(error) = write_output(path, &baseline.to_json()) {
            print_problem(&error, args.format, color);
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
                print_problem(&error, args.format, color);
                return EXIT_ERROR;
            }
        }
    }
    let render_options = RenderOptions {
        color: args.output_file.is_none() && use_color(std::io::stdout().is_terminal(), color),
        quiet: args.quiet,
        base,
        ..RenderOptions::default()
    };
    let text = if args.statistics {
        crate::render::statistics(&report, args.format)
    } else {
        render(&report, args.format, &render_options)
    };
    if let Err(error) = emit(&text, args.output_file.as_deref()) {
        print_problem(&error, args.format, color);
        return EXIT_ERROR;
    }
    if report.has_input_errors() {
        EXIT_ERROR
    } else if report.has_failures() && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}
