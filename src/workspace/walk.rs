//! The repository walk: every file under the checked folder that git would track, as the
//! `ignore` crate's walker finds them (`.gitignore` and `.ignore` files in each folder, the
//! deeper one first and `.ignore` over `.gitignore`; hidden files skipped unless a rule keeps
//! them; symbolic links listed, not followed), without its probes: which ignore files a
//! folder has is read from the folder's listing, which the walk reads anyway.

use std::ffi::OsString;
use std::fs::FileType;
use std::path::{Path, PathBuf};

use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::{SKIPPED_DIRS, relative_display};
use crate::error::{Error, Result};
use crate::input::{self, Boundary, ReadError, TEXT_LIMIT};

/// The files the walk reads to know what to skip, in every folder: the rules of a `.ignore`
/// win over those of a `.gitignore`, as ripgrep and the `ignore` crate have it.
pub(super) const IGNORE_FILES: [&str; 2] = [".gitignore", ".ignore"];

/// A file (or symbolic link, FIFO, ...) the walk found.
pub(super) struct WalkedFile {
    pub path: PathBuf,
    /// Relative to the checked folder, `/`-separated.
    pub relative: String,
    pub file_type: FileType,
}

/// A folder being walked: the entries not yet visited.
struct Folder {
    dir: PathBuf,
    /// Relative to the checked folder, `/`-separated.
    relative: String,
    entries: std::vec::IntoIter<(OsString, FileType)>,
    /// Whether it pushed its rules on [`Walk::rules`].
    has_rules: bool,
}

/// The ignore rules of one folder on the way down.
struct Rules {
    gitignore: Option<Gitignore>,
    ignore: Option<Gitignore>,
}

/// Walks `root`, calling `visit` for each file in name order, folder by folder. Folders that
/// cannot be read and ignore files read in part are `problems` (warnings); an ignore file of
/// the checked folder itself that cannot be read safely is an error.
pub(super) fn walk(
    root: &Path,
    boundary: &Boundary,
    problems: &mut Vec<Error>,
    visit: &mut dyn FnMut(WalkedFile),
) -> Result<()> {
    let mut walk = Walk {
        root,
        boundary,
        problems,
        visit,
        rules: Vec::new(),
    };
    let entries = walk.list(root, "");
    let rules = walk
        .rules_of(root, &entries)
        .map_err(|(path, error)| error.to_error(&relative_display(root, &path)))?;
    walk.walk_from(root, entries, rules);
    Ok(())
}

struct Walk<'a> {
    root: &'a Path,
    boundary: &'a Boundary,
    problems: &'a mut Vec<Error>,
    visit: &'a mut dyn FnMut(WalkedFile),
    /// The rules of each folder from the checked one down to the one walked.
    rules: Vec<Rules>,
}

impl Walk<'_> {
    /// The folder's entries by name; an unreadable folder is reported and has none.
    fn list(&mut self, dir: &Path, relative: &str) -> Vec<(OsString, FileType)> {
        let listing = match std::fs::read_dir(dir) {
            Ok(listing) => listing,
            Err(error) => {
                self.cannot_walk(relative, &error);
                return Vec::new();
            }
        };
        let mut entries = Vec::new();
        for entry in listing {
            let entry = entry.and_then(|entry| Ok((entry.file_name(), entry.file_type()?)));
            match entry {
                Ok(entry) => entries.push(entry),
                Err(error) => self.cannot_walk(relative, &error),
            }
        }
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        entries
    }

    fn cannot_walk(&mut self, relative: &str, error: &std::io::Error) {
        let shown = if relative.is_empty() { "." } else { relative };
        self.problems.push(
            Error::new(format!("cannot walk the checked folder: {shown}: {error}"))
                .with_help(
                    "its files could not be read, so what they define is unknown; check the permissions",
                )
                .into_warning(),
        );
    }

    /// The folder's ignore rules, or the ignore file that cannot be read safely (a FIFO, a
    /// link out of the checked folder, a huge file): then the folder is not walked.
    fn rules_of(
        &mut self,
        dir: &Path,
        entries: &[(OsString, FileType)],
    ) -> std::result::Result<Rules, (PathBuf, ReadError)> {
        let mut read = [None, None];
        for (slot, name) in read.iter_mut().zip(IGNORE_FILES) {
            if !entries.iter().any(|(entry, _)| entry == name) {
                continue;
            }
            let path = dir.join(name);
            if let Err(error) = check_ignore_file(self.boundary, &path) {
                return Err((path, error));
            }
            let mut builder = GitignoreBuilder::new(dir);
            let mut errors = Vec::new();
            errors.extend(builder.add(&path));
            let rules = builder.build().unwrap_or_else(|error| {
                errors.push(error);
                Gitignore::empty()
            });
            if !errors.is_empty() {
                let error = match errors.len() {
                    1 => errors.remove(0),
                    _ => ignore::Error::Partial(errors),
                };
                self.problems.push(read_in_part(self.root, &error));
            }
            *slot = Some(rules);
        }
        let [gitignore, ignore] = read;
        Ok(Rules { gitignore, ignore })
    }

    /// Walks down from `root`, whose entries and rules are read. Folders wait on a stack
    /// instead of a recursion: how deeply they nest never decides how much stack the walk
    /// takes.
    fn walk_from(&mut self, root: &Path, entries: Vec<(OsString, FileType)>, rules: Rules) {
        let mut stack = vec![self.enter(root.to_path_buf(), String::new(), entries, rules)];
        while let Some(folder) = stack.last_mut() {
            let Some((name, file_type)) = folder.entries.next() else {
                if folder.has_rules {
                    self.rules.pop();
                }
                stack.pop();
                continue;
            };
            let path = folder.dir.join(&name);
            let is_dir = file_type.is_dir();
            match self.matched(&path, is_dir) {
                Match::Ignore(()) => continue,
                Match::None if name.as_encoded_bytes().starts_with(b".") => continue,
                _ => {}
            }
            let name = name.to_string_lossy().replace('\\', "/");
            let child = if folder.relative.is_empty() {
                name.clone()
            } else {
                format!("{}/{name}", folder.relative)
            };
            if !is_dir {
                (self.visit)(WalkedFile {
                    path,
                    relative: child,
                    file_type,
                });
                continue;
            }
            if SKIPPED_DIRS.contains(&name.as_str()) || name.starts_with(".venv") || name == "venv"
            {
                continue;
            }
            let entries = self.list(&path, &child);
            match self.rules_of(&path, &entries) {
                Ok(rules) => stack.push(self.enter(path, child, entries, rules)),
                Err((ignore_file, error)) => {
                    let display = relative_display(self.root, &ignore_file);
                    self.problems.push(
                        error
                            .to_error(&display)
                            .with_help(format!("the folder {child}/ was not checked"))
                            .into_warning(),
                    );
                }
            }
        }
    }

    /// A folder about to be walked, its rules in force until it is left.
    fn enter(
        &mut self,
        dir: PathBuf,
        relative: String,
        entries: Vec<(OsString, FileType)>,
        rules: Rules,
    ) -> Folder {
        let has_rules = rules.gitignore.is_some() || rules.ignore.is_some();
        if has_rules {
            self.rules.push(rules);
        }
        Folder {
            dir,
            relative,
            entries: entries.into_iter(),
            has_rules,
        }
    }

    /// What the rules say of a path: from the deepest folder up, the first rule of a
    /// `.ignore` that matches, else the first of a `.gitignore`.
    fn matched(&self, path: &Path, is_dir: bool) -> Match<()> {
        let mut ignore = Match::None;
        let mut gitignore = Match::None;
        for rules in self.rules.iter().rev() {
            if ignore.is_none()
                && let Some(matcher) = &rules.ignore
            {
                ignore = matcher.matched(path, is_dir).map(|_| ());
            }
            if gitignore.is_none()
                && let Some(matcher) = &rules.gitignore
            {
                gitignore = matcher.matched(path, is_dir).map(|_| ());
            }
            if !ignore.is_none() {
                return ignore;
            }
        }
        gitignore
    }
}

/// An ignore file the walk could not read whole (a line that is no valid glob): the walk goes
/// on without the line.
fn read_in_part(root: &Path, error: &ignore::Error) -> Error {
    let message = error.to_string();
    let message = message.replace(&format!("{}/", root.display()), "");
    Error::new(format!("an ignore file was read in part: {message}")).into_warning()
}

/// An ignore file the walk may read: a regular file of a sane size inside the checked folder.
/// Reading one would otherwise block on a FIFO, read a device without end or read a file
/// outside.
fn check_ignore_file(boundary: &Boundary, path: &Path) -> std::result::Result<(), ReadError> {
    input::check_regular(&boundary.check(path)?, TEXT_LIMIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files the `ignore` crate's walker finds with the settings the walk mirrors.
    fn walked_by_ignore_crate(root: &Path) -> Vec<String> {
        let mut files: Vec<String> = ignore::WalkBuilder::new(root)
            .require_git(false)
            .parents(false)
            .git_global(false)
            .git_exclude(false)
            .build()
            .filter_map(|entry| entry.ok())
            .filter(|entry| !entry.file_type().is_some_and(|t| t.is_dir()))
            .map(|entry| relative_display(root, entry.path()))
            .collect();
        files.sort();
        files
    }

    fn walked(root: &Path) -> (Vec<String>, Vec<String>) {
        let mut files = Vec::new();
        let mut problems = Vec::new();
        walk(root, &Boundary::new(root), &mut problems, &mut |file| {
            files.push(file.relative);
        })
        .expect("the checked folder's ignore files are readable");
        let problems = problems.iter().map(|p| p.to_string()).collect();
        (files, problems)
    }

    #[test]
    fn finds_what_the_ignore_crate_finds() {
        let root = std::env::temp_dir().join(format!("monolint-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let files = [
            (
                ".gitignore",
                "*.log\n/build/\nsecret*\n!secret_ok.txt\n.keep/\ndocs/**/draft.md\n",
            ),
            (".ignore", "!kept.log\nscratch/\n"),
            (".hidden.py", ""),
            (".github/workflows/ci.yml", ""),
            ("kept.log", ""),
            ("noise.log", ""),
            ("build/out.py", ""),
            ("src/build/in_src.py", ""),
            ("secret_key.txt", ""),
            ("secret_ok.txt", ""),
            ("docs/a/b/draft.md", ""),
            ("docs/a/final.md", ""),
            ("scratch/x.py", ""),
            ("dags/.gitignore", "!*.log\ntmp_*\n"),
            ("dags/run.log", ""),
            ("dags/tmp_dag.py", ""),
            ("dags/dag.py", ""),
            ("dags/sub/.ignore", "dag.py\n"),
            ("dags/sub/dag.py", ""),
            ("dags/sub/other.py", ""),
            ("models/.gitignore", "[z-a]\n*.bak\n"),
            ("models/a.sql", ""),
            ("models/a.sql.bak", ""),
        ];
        for (path, text) in files {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let (mut files, problems) = walked(&root);
        files.sort();
        assert_eq!(files, walked_by_ignore_crate(&root));
        assert!(files.contains(&"kept.log".to_owned()), "{files:?}");
        assert!(files.contains(&"dags/run.log".to_owned()), "{files:?}");
        assert!(!files.contains(&"dags/sub/dag.py".to_owned()), "{files:?}");
        assert!(!files.contains(&".hidden.py".to_owned()), "{files:?}");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("an ignore file was read in part")
                && problems[0].contains("models/.gitignore"),
            "{problems:?}"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
