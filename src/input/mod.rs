//! How monolint reads the user's files: one way for every input (manifest, YAML, SQL, Python,
//! config, baseline), so every read is of a regular file, within a size cap, decoded with a
//! clear message for a wrong encoding, and — for paths the repository itself names — inside
//! the checked folder.

mod boundary;
mod encoding;
mod mapped;
mod read;

pub use boundary::{Boundary, Refusal};
pub use mapped::{Bytes, truncated_file};
pub use read::{
    MANIFEST_LIMIT, ReadError, TEXT_LIMIT, check_regular, decode_text, read_manifest, read_text,
    read_walked,
};
