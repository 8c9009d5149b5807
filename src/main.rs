//! The `monolint` binary: parse the command line, run it, exit with its code.

#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::process::ExitCode;

use clap::Parser;
use monolint::cli::{Cli, run};

/// Loading a manifest allocates millions of small strings from several threads; mimalloc
/// does that markedly faster than the system allocator (see `cargo bench`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    ExitCode::from(run(Cli::parse()))
}
