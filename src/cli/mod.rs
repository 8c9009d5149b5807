//! The command line: one file per subcommand. Each returns the process exit code.

pub mod check;
pub mod explain;
pub mod init;
pub mod ls;
pub mod map;
pub mod rules;
pub mod show_files;

use std::io::{IsTerminal, Write};

use clap::{Parser, Subcommand};

use crate::error::Error;
use crate::render::{Format, PathBase, RenderOptions, render_problem};

/// Exit codes: findings below `--fail-on` (or none), findings, usage/config/input error.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "monolint",
    version,
    about = "Lint a dbt project and the Airflow DAGs that run it as one data app",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the monorepo: resolve what every DAG task runs and apply the rules.
    Check(check::CheckArgs),
    /// List every rule.
    Rules(rules::RulesArgs),
    /// Show a rule's documentation.
    Explain(explain::ExplainArgs),
    /// Show which DAG task runs which dbt nodes, and the coverage.
    Map(map::MapArgs),
    /// List the dbt nodes a selection picks, exactly as `dbt ls` does, from the manifest alone.
    Ls(ls::LsArgs),
    /// Write a commented starter monolint.toml for the dbt projects and DAG folders found.
    Init(init::InitArgs),
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Rules(args) => rules::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Ls(args) => ls::run(&args),
        Command::Map(args) => map::run(&args),
    }
}

/// When to color the output (`--color`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    Always,
    Never,
}

/// Whether to color output on a stream.
pub fn use_color(is_terminal: bool, choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// Prints an error (or warning) to stderr in the chosen format.
pub fn print_problem(problem: &Error, format: Format, color: ColorChoice) {
    print_problem_from(problem, format, color, &PathBase::default());
}

/// Prints an error (or warning) about a file of the checked folder, named from `base`.
pub fn print_problem_from(problem: &Error, format: Format, color: ColorChoice, base: &PathBase) {
    let options = RenderOptions {
        color: use_color(std::io::stderr().is_terminal(), color),
        base: base.clone(),
        ..RenderOptions::default()
    };
    let text = render_problem(problem, format, &options);
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// Writes a report to `path` (`--output-file`), creating its folder if needed.
pub fn write_output(path: &std::path::Path, text: &str) -> Result<(), Error> {
    let cannot_write =
        |error: std::io::Error| Error::new(format!("cannot write {}: {error}", path.display()));
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(cannot_write)?;
    }
    std::fs::write(path, text).map_err(cannot_write)
}

/// Prints `text`, or writes it to `output_file` (`--output-file`).
pub fn emit(text: &str, output_file: Option<&std::path::Path>) -> Result<(), Error> {
    match output_file {
        None => {
            print_stdout(text);
            Ok(())
        }
        Some(path) => write_output(path, text),
    }
}

/// Writes to stdout; a closed pipe (`monolint check | head`) is not an error.
pub fn print_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// `--help` describes every argument of every subcommand.
    #[test]
    fn every_argument_has_help() {
        let cli = super::Cli::command();
        for command in cli.get_subcommands() {
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                assert!(
                    arg.get_help().is_some(),
                    "`monolint {} --{id}` has no help",
                    command.get_name()
                );
            }
        }
    }
}
