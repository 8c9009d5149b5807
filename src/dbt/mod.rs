//! The dbt side: the manifest, its graph, dbt's command line and node selection.

pub mod checksum;
pub mod cli;
pub mod command;
pub mod dbtignore;
pub mod graph;
pub mod incremental;
pub mod index;
pub mod jinja;
pub mod json_string;
pub mod locate;
pub mod manifest;
pub mod project;
pub mod render;
pub mod resolve;
pub mod select;
pub mod vars;
