//! The Airflow side: DAG files parsed statically with tree-sitter (never imported or run),
//! the DAGs and tasks they define, and the dbt calls those tasks make.

pub mod cron;
pub mod dbt_manifest;
pub mod eval;
pub mod extract;
pub mod factories;
pub mod grammar;
pub mod ignore;
pub mod import_time;
pub mod invocations;
pub mod links;
pub mod model;
pub mod modules;
pub mod ordering;
pub mod owner;
pub mod parse;
pub mod precedence;
pub mod python_json;
pub mod python_task;
pub mod schedule;
pub mod shell;
pub mod syntax;
pub mod unseen;
pub mod value;
pub mod version;
pub mod walk;

pub use model::{Dag, DagFile, DagKind, Task};
