//! How dbt fingerprints a project's files, and which files differ from what the manifest
//! recorded: a manifest built before the last edit describes another project.

use std::collections::HashSet;
use std::path::Path;

use md5::Md5;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::dbtignore::DbtIgnore;
use super::graph::NodeId;
use super::project::DbtProject;
use crate::input::ReadError;

/// The checksum dbt records for a file: sha256 of its UTF-8 text without surrounding
/// whitespace (Python's `str.strip()`), as lowercase hex.
pub fn file_checksum(text: &str) -> String {
    let stripped = text.trim_matches(is_python_whitespace);
    hex(&Sha256::digest(stripped.as_bytes()))
}

/// dbt's `project_id`: the MD5 of the project's name, as lowercase hex. Manifests before
/// dbt 1.6 (schema v10) name the root project only through it.
pub fn project_id(name: &str) -> String {
    hex(&Md5::digest(name.as_bytes()))
}

/// Bytes as lowercase hex, as Python's `hexdigest()` writes a digest.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    hex
}

/// `str.isspace()`: Unicode whitespace plus the ASCII information separators.
fn is_python_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// A difference between the project's files and the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stale {
    /// The node's file changed since the manifest was built.
    Changed(NodeId),
    /// The node's file no longer exists.
    Missing(NodeId),
    /// A resource file (project-relative path) the manifest does not know.
    New(String),
}

/// Compares the root project's resource files with the manifest. Reads (with `read`, given a
/// project-relative path) and hashes only the files that exist, in parallel. A file that
/// cannot be read for another reason than its absence is left out (`read` reports it), and so
/// is a file the project's `.dbtignore` hides from dbt. New files are looked for among those
/// the repository walk found (`listed` gives them under a project folder, project-relative):
/// walking the folders again would read their ignore files unchecked.
pub fn stale_files(
    project: &DbtProject,
    read: &(dyn Fn(&str) -> Result<Vec<u8>, ReadError> + Sync),
    listed: &dyn Fn(&str) -> Vec<String>,
) -> Vec<Stale> {
    let graph = &project.graph;
    let nodes: Vec<(NodeId, &str, &str)> = graph
        .nodes()
        .filter(|(_, node)| graph.is_root_project(node))
        .filter_map(|(id, node)| Some((id, node.file.as_deref()?, node.checksum.as_deref()?)))
        .collect();
    let mut stale: Vec<Stale> = nodes
        .par_iter()
        .filter_map(|&(id, file, recorded)| match read(file) {
            Err(error) if error.is_not_found() => Some(Stale::Missing(id)),
            Err(_) => None,
            Ok(bytes) => {
                // Most files are valid UTF-8: checked at full speed, copied only when not.
                let text = match std::str::from_utf8(&bytes) {
                    Ok(text) => std::borrow::Cow::Borrowed(text),
                    Err(_) => String::from_utf8_lossy(&bytes),
                };
                (file_checksum(&text) != recorded).then_some(Stale::Changed(id))
            }
        })
        .collect();

    let known: HashSet<&str> = graph
        .nodes()
        .filter(|(_, node)| graph.is_root_project(node))
        .filter_map(|(_, node)| node.file.as_deref())
        .chain(
            graph
                .disabled
                .iter()
                .filter(|node| *node.package == *graph.project_name)
                .filter_map(|node| node.file.as_deref()),
        )
        .collect();
    let dbtignore = read(DbtIgnore::FILE)
        .ok()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
    let dbtignore = DbtIgnore::new(&project.dir, dbtignore.as_deref());
    let paths = &project.paths;
    let folders = [
        (&paths.model_paths, &["sql", "py"][..]),
        (&paths.snapshot_paths, &["sql", "py"][..]),
        (&paths.analysis_paths, &["sql", "py"][..]),
        (&paths.seed_paths, &["csv"][..]),
    ];
    let mut new_files = Vec::new();
    for (folders, extensions) in folders {
        for folder in folders {
            for file in listed(folder) {
                let extension = Path::new(&file).extension().and_then(|e| e.to_str());
                if extension.is_some_and(|e| extensions.contains(&e))
                    && !known.contains(file.as_str())
                    && !dbtignore.ignores(&file)
                {
                    new_files.push(file);
                }
            }
        }
    }
    new_files.sort();
    new_files.dedup();
    stale.extend(new_files.into_iter().map(Stale::New));
    stale
}

#[cfg(test)]
mod tests {
    use super::{file_checksum, project_id};

    #[test]
    fn project_id_is_the_md5_of_the_name() {
        for (input, digest) in [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ] {
            assert_eq!(project_id(input), digest, "{input:?}");
        }
    }

    #[test]
    fn strips_like_python() {
        assert_eq!(file_checksum("select 1\n"), file_checksum("  \n\tselect 1"));
        assert_ne!(file_checksum("select 1"), file_checksum("select 2"));
        assert_eq!(
            file_checksum("select 1\n\n"),
            "822ae07d4783158bc1912bb623e5107cc9002d519e1143a9c200ed6ee18b6d0f"
        );
    }
}
