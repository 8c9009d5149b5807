//! The `monolint` binary: parse the command line, run it, exit with its code.

use std::process::ExitCode;

use clap::Parser;
use monolint::cli::{Cli, run};

fn main() -> ExitCode {
    ExitCode::from(run(Cli::parse()))
}
