//! DAG files that read dbt's `manifest.json` while Airflow parses them, to create one task
//! per dbt node ("exploding" the dbt DAG into Airflow tasks). monolint does not open the file
//! at the DAG's deployment path: the linking stage hands the DAG file the manifest of the dbt
//! project it loaded ([`ManifestSource`]), as the dict `json.load` would return, so the loop's
//! filters, task ids and commands evaluate to what Airflow would create from the same manifest.

use crate::source::Span;

use super::value::Value;

/// The dbt manifests DAG files may open.
pub trait ManifestSource: Sync {
    /// The manifest a DAG file opens at `path` (`/opt/airflow/dbt/target/manifest.json`), as
    /// a Python dict whose values point at `span`; `None` when no loaded project matches.
    fn manifest(&self, path: &str, span: &Span) -> Option<Value>;
}

/// Whether a path names a dbt manifest.
pub fn is_manifest_path(path: &str) -> bool {
    path.rsplit(['/', '\\']).next() == Some("manifest.json")
}
