//! Rules about monolint's own settings in the repository: suppressions.

pub mod unused_suppression;
