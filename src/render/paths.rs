//! Paths as the user sees them: relative to the current directory, as ruff prints them. The
//! engine keeps every path relative to the checked folder (baselines and fingerprints stay the
//! same wherever monolint runs); a renderer adds where that folder is from here.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

/// The checked folder as seen from the current directory: a prefix for every path shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathBase {
    /// `""` when the checked folder is the current directory, else the folder and a `/`.
    prefix: String,
}

impl PathBase {
    /// The base for a checked folder given as on the command line.
    pub fn of(root: &Path) -> PathBase {
        let cwd = std::env::current_dir().ok();
        PathBase::from_cwd(root, cwd.as_deref())
    }

    /// A folder below the current directory is shown relative to it (`sub/dir`); one elsewhere
    /// as it was given (`../other`, `/abs/path`).
    fn from_cwd(root: &Path, cwd: Option<&Path>) -> PathBase {
        let below = if root.is_absolute() {
            cwd.and_then(|cwd| {
                let root = std::fs::canonicalize(root).ok()?;
                let cwd = std::fs::canonicalize(cwd).ok()?;
                root.strip_prefix(cwd).ok().map(Path::to_path_buf)
            })
        } else {
            Some(root.to_path_buf())
        };
        let shown = below.unwrap_or_else(|| root.to_path_buf());
        let normal: PathBuf = shown
            .components()
            .filter(|part| !matches!(part, Component::CurDir))
            .collect();
        let mut prefix = normal.to_string_lossy().replace('\\', "/");
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        PathBase { prefix }
    }

    /// A path relative to the checked folder, as shown to the user. A path outside the folder
    /// (shown absolute) stays as it is.
    pub fn show<'a>(&self, path: &'a str) -> Cow<'a, str> {
        if self.prefix.is_empty() || Path::new(path).is_absolute() || path.starts_with('/') {
            Cow::Borrowed(path)
        } else {
            Cow::Owned(format!("{}{path}", self.prefix))
        }
    }

    /// Whether paths are shown as they are (the checked folder is the current directory).
    pub fn is_empty(&self) -> bool {
        self.prefix.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_folders_prefix_paths() {
        let base = PathBase::from_cwd(Path::new("./sub/dir/"), None);
        assert_eq!(base.show("dags/x.py"), "sub/dir/dags/x.py");
        assert_eq!(base.show("/elsewhere/m.json"), "/elsewhere/m.json");
        assert!(PathBase::from_cwd(Path::new("."), None).is_empty());
        let parent = PathBase::from_cwd(Path::new("../other"), None);
        assert_eq!(parent.show("dags/x.py"), "../other/dags/x.py");
    }

    #[test]
    fn absolute_folders_below_the_current_directory_are_made_relative() {
        let cwd = std::env::temp_dir().join(format!("monolint-paths-{}", std::process::id()));
        std::fs::create_dir_all(cwd.join("sub/dir")).unwrap();
        let base = PathBase::from_cwd(&cwd.join("sub/dir"), Some(&cwd));
        assert_eq!(base.show("dags/x.py"), "sub/dir/dags/x.py");
        assert!(PathBase::from_cwd(&cwd, Some(&cwd)).is_empty());
        let outside = PathBase::from_cwd(&cwd, Some(&cwd.join("sub")));
        assert_eq!(
            outside.show("x.py"),
            format!("{}/x.py", cwd.to_string_lossy().replace('\\', "/"))
        );
        let _ = std::fs::remove_dir_all(&cwd);
    }
}
