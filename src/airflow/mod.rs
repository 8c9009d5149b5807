//! The Airflow side: DAG files parsed statically with tree-sitter (never imported or run),
//! the DAGs and tasks they define, and the dbt calls those tasks make.

pub mod dbt_manifest;
pub mod eval;
pub mod extract;
pub mod invocations;
pub mod links;
pub mod model;
pub mod modules;
pub mod parse;
pub mod python_json;
pub mod python_task;
pub mod schedule;
pub mod shell;
pub mod syntax;
pub mod value;

pub use model::{Dag, DagFile, DagKind, Task};
