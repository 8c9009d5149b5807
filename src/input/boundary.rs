//! The checked folder as a boundary: a path that the repository's own files name (a manifest's
//! `original_file_path`, a config's `[dbt] projects`, a `model-paths` entry) is read only when
//! it stays inside, symbolic links resolved. Paths given on the command line are the user's
//! choice and are not checked.

use std::fmt;
use std::fs::Metadata;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use rustc_hash::FxHashMap as HashMap;

use super::read::{ReadError, TEXT_LIMIT, decode_text, read_regular};

/// Why a path was refused.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// Where the path really leads.
    pub resolved: PathBuf,
    /// Whether a symbolic link leads there.
    pub through_link: bool,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.through_link {
            write!(
                f,
                "a symbolic link leads to {}, outside the checked folder",
                self.resolved.display()
            )
        } else {
            write!(
                f,
                "{} is outside the checked folder",
                self.resolved.display()
            )
        }
    }
}

/// The checked folder (and any other folder the caller allows, such as a dbt project given by a
/// test), and the folders inside it already resolved.
#[derive(Debug)]
pub struct Boundary {
    /// The working folder, to make relative paths absolute without asking the OS each time.
    cwd: PathBuf,
    /// The allowed folders as given, absolute, `.` and `..` removed.
    given: Vec<PathBuf>,
    /// The allowed folders with symbolic links resolved.
    real: Vec<PathBuf>,
    /// Folders resolved so far (`None`: could not be resolved), so a check costs one `lstat`.
    folders: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
}

impl Boundary {
    pub fn new(root: &Path) -> Boundary {
        let mut boundary = Boundary {
            cwd: std::env::current_dir().unwrap_or_default(),
            given: Vec::new(),
            real: Vec::new(),
            folders: Mutex::new(HashMap::default()),
        };
        boundary.include(root);
        boundary
    }

    /// Allows a folder besides the checked one.
    pub fn include(&mut self, folder: &Path) {
        let given = lexical(&self.cwd.join(folder));
        let real = std::fs::canonicalize(folder).unwrap_or_else(|_| given.clone());
        if !self.real.iter().any(|known| real.starts_with(known)) {
            self.given.push(given);
            self.real.push(real);
        }
    }

    fn inside_given(&self, path: &Path) -> bool {
        self.given
            .iter()
            .chain(&self.real)
            .any(|folder| path.starts_with(folder))
    }

    fn inside_real(&self, path: &Path) -> bool {
        self.real.iter().any(|folder| path.starts_with(folder))
    }

    /// The path to read for `path` when it stays inside the checked folder: absolute, with
    /// `.` and `..` removed. A path that does not exist is judged by its text (reading it will
    /// say it is missing).
    pub fn check(&self, path: &Path) -> Result<PathBuf, ReadError> {
        self.resolve(path).map(|(path, _)| path)
    }

    /// [`Boundary::check`], with what `lstat` said of the path when it is not a symbolic
    /// link: that is what `stat` would say, so reading the file needs no second look.
    fn resolve(&self, path: &Path) -> Result<(PathBuf, Option<Metadata>), ReadError> {
        let path = lexical(&self.cwd.join(path));
        if !self.inside_given(&path) {
            return Err(ReadError::Outside(Refusal {
                resolved: path,
                through_link: false,
            }));
        }
        if let Some(folder) = path.parent()
            && let Some(real_folder) = self.resolve_folder(folder)
            && !self.inside_real(&real_folder)
        {
            return Err(ReadError::Outside(Refusal {
                resolved: path
                    .file_name()
                    .map_or(real_folder.clone(), |name| real_folder.join(name)),
                through_link: true,
            }));
        }
        let metadata = std::fs::symlink_metadata(&path).ok();
        if !metadata
            .as_ref()
            .is_some_and(|metadata| metadata.file_type().is_symlink())
        {
            return Ok((path, metadata));
        }
        match std::fs::canonicalize(&path) {
            Ok(target) if !self.inside_real(&target) => Err(ReadError::Outside(Refusal {
                resolved: target,
                through_link: true,
            })),
            Ok(_) => Ok((path, None)),
            // A dangling link reads as missing; a loop says so.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok((path, None)),
            Err(error) => Err(ReadError::Io(error)),
        }
    }

    /// Whether a path the repository names is an existing file or folder, if it stays inside.
    pub fn exists(&self, path: &Path) -> Result<bool, ReadError> {
        Ok(std::fs::metadata(self.check(path)?).is_ok())
    }

    /// Reads a text file the repository names, if it stays inside (see [`read_text`]).
    pub fn read_text(&self, path: &Path) -> Result<String, ReadError> {
        let (path, metadata) = self.resolve(path)?;
        decode_text(read_regular(&path, metadata, TEXT_LIMIT)?)
    }

    /// Reads a file the repository names, if it stays inside, without decoding it.
    pub fn read_bytes(&self, path: &Path) -> Result<Vec<u8>, ReadError> {
        let (path, metadata) = self.resolve(path)?;
        read_regular(&path, metadata, TEXT_LIMIT)
    }

    /// A folder with symbolic links resolved (`None`: it cannot be). A folder inside an
    /// allowed one is its parent's resolution and its name when `lstat` says it is no link:
    /// one call per folder, where resolving every component of its path took one per component.
    fn resolve_folder(&self, folder: &Path) -> Option<PathBuf> {
        if let Some(known) = self.lock_folders().get(folder) {
            return known.clone();
        }
        let allowed = (self.given.iter().zip(&self.real))
            .find(|(given, real)| *given == folder || *real == folder);
        let resolved = match allowed {
            Some((_, real)) => Some(real.clone()),
            None => match (folder.parent(), folder.file_name()) {
                (Some(parent), Some(name))
                    if self.inside_given(parent)
                        && std::fs::symlink_metadata(folder)
                            .is_ok_and(|metadata| metadata.file_type().is_dir()) =>
                {
                    self.resolve_folder(parent).map(|real| real.join(name))
                }
                _ => std::fs::canonicalize(folder).ok(),
            },
        };
        self.lock_folders()
            .insert(folder.to_path_buf(), resolved.clone());
        resolved
    }

    fn lock_folders(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Option<PathBuf>>> {
        self.folders
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// `path` with `.` removed and each `..` taking off the component before it, as the text says
/// (symbolic links are judged separately).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_removes_dots() {
        assert_eq!(lexical(Path::new("/a/./b/../c")), Path::new("/a/c"));
        assert_eq!(lexical(Path::new("/a/../../b")), Path::new("/b"));
    }

    #[cfg(unix)]
    #[test]
    fn refuses_what_leaves_the_folder() {
        let root = std::env::temp_dir().join(format!("monolint-boundary-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("models")).unwrap();
        std::fs::write(root.join("models/a.sql"), "select 1").unwrap();
        std::os::unix::fs::symlink("/etc", root.join("etc")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", root.join("models/b.sql")).unwrap();
        std::os::unix::fs::symlink("a.sql", root.join("models/c.sql")).unwrap();
        std::os::unix::fs::symlink("loop", root.join("loop")).unwrap();
        // Folders resolved from their parents: a nested real one, and links inside and out.
        std::fs::create_dir_all(root.join("models/deep/er")).unwrap();
        std::fs::write(root.join("models/deep/er/d.sql"), "select 4").unwrap();
        std::os::unix::fs::symlink("..", root.join("models/deep/up")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("models/deep/out")).unwrap();
        let boundary = Boundary::new(&root);
        for (inside, text) in [
            ("models/deep/er/d.sql", "select 4"),
            ("models/deep/up/a.sql", "select 1"),
            ("models/deep/up/deep/er/d.sql", "select 4"),
        ] {
            assert_eq!(boundary.read_text(&root.join(inside)).unwrap(), text);
        }
        let error = boundary
            .read_text(&root.join("models/deep/out/passwd"))
            .unwrap_err();
        assert!(matches!(error, ReadError::Outside(_)), "{error}");
        assert_eq!(
            boundary.read_text(&root.join("models/a.sql")).unwrap(),
            "select 1"
        );
        assert_eq!(
            boundary.read_text(&root.join("models/c.sql")).unwrap(),
            "select 1"
        );
        for outside in [
            "/etc/passwd",
            "../../../../etc/passwd",
            "etc/passwd",
            "models/b.sql",
        ] {
            let error = boundary.read_text(&root.join(outside)).unwrap_err();
            assert!(matches!(error, ReadError::Outside(_)), "{outside}: {error}");
        }
        assert!(
            boundary
                .read_text(&root.join("models/none.sql"))
                .unwrap_err()
                .is_not_found()
        );
        assert!(matches!(
            boundary.check(&root.join("loop")),
            Err(ReadError::Io(_))
        ));
        std::fs::remove_dir_all(&root).unwrap();
    }
}
