//! monolint's integration tests, one module per concern, built as one test binary (one link of
//! the library instead of one per file). Run one module with `cargo test --test it <module>::`.

mod cli;
mod config_schema;
mod cosmos_oracle;
mod dagbag_oracle;
mod determinism;
mod docs;
mod formats;
mod fuzz_regressions;
mod malformed;
mod manifest_loops;
mod manifest_versions;
mod oracle;
mod policies;
mod project_oracle;
mod rule_docs;
mod rules;
mod support;
mod tidy;
