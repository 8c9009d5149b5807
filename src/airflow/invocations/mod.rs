//! How tasks run dbt. One module per invocation family (bash commands, Cosmos, ...), each a
//! [`Family`] in [`FAMILIES`]; adding a family means adding one file and one line here.

mod argv;
mod bash;
mod containers;
mod cosmos;
mod dbt_cloud;
mod operators;
pub mod python;
pub mod wrapper;

use super::value::{Call, Item, Value};
use crate::dbt::cli::DbtCall;
use crate::source::Spanned;

pub use bash::calls_in_command;

/// What a family reads from a task's call.
#[derive(Debug, Default)]
pub struct Extraction {
    pub calls: Vec<DbtCall>,
    /// Why the task's dbt call (or part of it) cannot be known statically.
    pub unresolved: Vec<Spanned<String>>,
}

impl Extraction {
    /// The calls run in a container image: the paths they name are the image's, which the
    /// repository's path mapping does not describe, so none is kept.
    fn in_image(mut self) -> Self {
        for call in &mut self.calls {
            call.paths.clear();
        }
        self
    }

    /// The calls run in the working directory `dir` (`cwd=dir`); see [`in_working_dir`].
    pub fn in_working_dir(&mut self, dir: Option<&str>) {
        for call in &mut self.calls {
            in_working_dir(call, dir);
        }
    }
}

/// A call runs in the working directory `dir` (`cd dir &&`, `cwd=dir`): its relative paths are
/// joined to it, or dropped when it is not known.
pub fn in_working_dir(call: &mut DbtCall, dir: Option<&str>) {
    call.paths.retain_mut(|named| {
        if named.path.value.starts_with('/') {
            return true;
        }
        let Some(dir) = dir else {
            return false;
        };
        named.path.value = format!("{}/{}", dir.trim_end_matches('/'), named.path.value);
        true
    });
}

/// An invocation family: which operator calls it reads and how.
pub struct Family {
    pub name: &'static str,
    pub recognizes: fn(&Call) -> bool,
    pub extract: fn(&Call) -> Extraction,
}

/// The first family that recognizes a call reads it: packages sharing class names come first.
pub static FAMILIES: &[Family] = &[
    bash::BASH_OPERATOR,
    cosmos::COSMOS_RENDERED,
    operators::AIRFLOW_DBT,
    operators::AIRFLOW_DBT_PYTHON,
    operators::COSMOS_OPERATOR,
    dbt_cloud::DBT_CLOUD_JOB,
    containers::KUBERNETES_POD,
    containers::DOCKER,
    containers::ECS,
    containers::CLOUD_RUN,
    containers::AZURE_CONTAINER,
];

/// The dbt calls a task's operator call makes, if a family knows the operator.
pub fn extract(call: &Call) -> Option<Extraction> {
    FAMILIES
        .iter()
        .find(|family| (family.recognizes)(call))
        .map(|family| (family.extract)(call))
}

/// The items of a list argument, or the single item of a scalar one.
fn items_of(item: &Item) -> Vec<&Item> {
    match &item.value {
        Value::List(items) => items.iter().collect(),
        _ => vec![item],
    }
}
