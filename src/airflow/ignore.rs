//! `.airflowignore`: files of a DAG folder Airflow never looks at for DAGs. Airflow 2 reads
//! each line as a regular expression searched in the path relative to the DAG folder;
//! Airflow 3 (and `[core] dag_ignore_file_syntax = glob`) as a gitignore-style pattern. The
//! files nest: a folder's patterns add to its parent's, and an ignored folder is not entered.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobMatcher};
use regex::Regex;

use super::schedule::AirflowVersion;

use crate::input::Boundary;

/// How `.airflowignore` lines are read (`[core] dag_ignore_file_syntax`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum IgnoreSyntax {
    /// Regular expressions (Airflow 2's default).
    Regexp,
    /// gitignore-style globs (Airflow 3's default).
    Glob,
}

impl IgnoreSyntax {
    /// Airflow's default for a version (Airflow 2 when unknown).
    pub fn default_for(version: Option<AirflowVersion>) -> IgnoreSyntax {
        match version {
            Some(AirflowVersion::V3) => IgnoreSyntax::Glob,
            _ => IgnoreSyntax::Regexp,
        }
    }
}

/// One line of an `.airflowignore`.
#[derive(Debug, Clone)]
enum Rule {
    Regexp(Regex),
    Glob {
        matcher: GlobMatcher,
        /// `!pattern`: un-ignores.
        negated: bool,
        /// `pattern/`: matches folders only.
        folders_only: bool,
        /// For a pattern with a `/` (other than at its end): the folder of its file, which the
        /// path is taken relative to; else only the name is matched.
        relative_to: Option<PathBuf>,
    },
}

/// The `.airflowignore` files of one DAG folder.
#[derive(Debug, Clone)]
pub struct AirflowIgnore {
    root: PathBuf,
    syntax: IgnoreSyntax,
    /// The rules in force in each folder (relative to the root): its parents' and its own.
    rules: HashMap<PathBuf, Vec<Rule>>,
}

impl AirflowIgnore {
    /// Reads the `.airflowignore` files under `root` (a DAG folder on disk) that `boundary`
    /// allows (regular files inside the checked folder).
    pub fn load(root: &Path, syntax: IgnoreSyntax, boundary: &Boundary) -> AirflowIgnore {
        let mut ignore = AirflowIgnore {
            root: root.to_path_buf(),
            syntax,
            rules: HashMap::new(),
        };
        // Folders wait on a list instead of a recursion: how deeply they nest never decides
        // how much stack reading them takes.
        let mut pending = vec![(PathBuf::new(), Vec::new())];
        while let Some((relative, inherited)) = pending.pop() {
            pending.extend(ignore.visit(&relative, inherited, boundary));
        }
        ignore
    }

    /// Reads the rules of one folder; returns its subfolders not ignored, with the rules in
    /// force in them.
    fn visit(
        &mut self,
        relative: &Path,
        inherited: Vec<Rule>,
        boundary: &Boundary,
    ) -> Vec<(PathBuf, Vec<Rule>)> {
        let folder = self.root.join(relative);
        let mut rules = inherited;
        if let Ok(text) = boundary.read_text(&folder.join(".airflowignore")) {
            for line in text.split('\n') {
                // Airflow strips `#` comments and the blanks before them, nothing else.
                let line = match line.find('#') {
                    Some(at) => line[..at].trim_end(),
                    None => line,
                };
                if line.is_empty() {
                    continue;
                }
                if let Some(rule) = self.compile(line, relative) {
                    rules.push(rule);
                }
            }
        }
        let mut children: Vec<PathBuf> = std::fs::read_dir(&folder)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
            .map(|entry| relative.join(entry.file_name()))
            .collect();
        children.sort();
        self.rules.insert(relative.to_path_buf(), rules.clone());
        children
            .into_iter()
            .filter(|child| !self.matches(child, true, &rules))
            .map(|child| (child, rules.clone()))
            .collect()
    }

    fn compile(&self, line: &str, folder: &Path) -> Option<Rule> {
        match self.syntax {
            // An invalid expression is skipped, as Airflow does (with a warning in its log).
            IgnoreSyntax::Regexp => Regex::new(line).ok().map(Rule::Regexp),
            IgnoreSyntax::Glob => {
                let (negated, pattern) = match line.strip_prefix('!') {
                    Some(rest) => (true, rest),
                    None => (false, line),
                };
                if pattern.trim() == "/" {
                    return None;
                }
                let folders_only = pattern.ends_with('/');
                let body = pattern.trim_end_matches('/');
                let anchored = pattern.starts_with('/') || body.contains('/');
                let body = body.trim_start_matches('/');
                let matcher = GlobBuilder::new(body)
                    .literal_separator(true)
                    .build()
                    .or_else(|_| Glob::new(&globset::escape(body)))
                    .ok()?
                    .compile_matcher();
                Some(Rule::Glob {
                    matcher,
                    negated,
                    folders_only,
                    relative_to: anchored.then(|| folder.to_path_buf()),
                })
            }
        }
    }

    /// Whether `relative` (to the root) is ignored by `rules`.
    fn matches(&self, relative: &Path, is_folder: bool, rules: &[Rule]) -> bool {
        let mut ignored = false;
        for rule in rules {
            match rule {
                Rule::Regexp(regex) => {
                    if regex.is_match(&relative.to_string_lossy()) {
                        return true;
                    }
                }
                Rule::Glob {
                    matcher,
                    negated,
                    folders_only,
                    relative_to,
                } => {
                    if *folders_only && !is_folder {
                        continue;
                    }
                    let subject = match relative_to {
                        Some(base) => match relative.strip_prefix(base) {
                            Ok(rest) => rest.to_path_buf(),
                            Err(_) => continue,
                        },
                        None => PathBuf::from(relative.file_name().unwrap_or_default()),
                    };
                    if matcher.is_match(&subject) {
                        ignored = !negated;
                    }
                }
            }
        }
        ignored
    }

    /// Whether Airflow skips `file` (a path under the root) when it looks for DAGs.
    pub fn ignores(&self, file: &Path) -> bool {
        let Ok(relative) = file.strip_prefix(&self.root) else {
            return false;
        };
        let folder = relative.parent().unwrap_or(Path::new(""));
        match self.rules.get(folder) {
            // A folder never visited sits inside an ignored one.
            None => true,
            Some(rules) => self.matches(relative, false, rules),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &str)]) -> tempdir::Dir {
        tempdir::Dir::with(files)
    }

    mod tempdir {
        use std::path::PathBuf;

        /// A folder under the target directory, removed when dropped.
        pub struct Dir(pub PathBuf);

        impl Dir {
            pub fn with(files: &[(&str, &str)]) -> Dir {
                let base = std::env::temp_dir().join(format!(
                    "monolint-airflowignore-{}-{}",
                    std::process::id(),
                    files.len() + files.iter().map(|(p, _)| p.len()).sum::<usize>()
                ));
                let _ = std::fs::remove_dir_all(&base);
                for (path, text) in files {
                    let path = base.join(path);
                    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                    std::fs::write(path, text).unwrap();
                }
                Dir(base)
            }
        }

        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    #[test]
    fn regexp_lines_search_the_path_from_the_dag_folder() {
        let dir = folder(&[
            (".airflowignore", "legacy/  # old DAGs\n.*_scratch\\.py$\n"),
            ("legacy/old.py", ""),
            ("a_scratch.py", ""),
            ("sub/.airflowignore", "keep_out\n"),
            ("sub/keep_out.py", ""),
            ("sub/fine.py", ""),
            ("fine.py", ""),
        ]);
        let ignore = AirflowIgnore::load(&dir.0, IgnoreSyntax::Regexp, &Boundary::new(&dir.0));
        let ignored = |p: &str| ignore.ignores(&dir.0.join(p));
        assert!(ignored("legacy/old.py"));
        assert!(ignored("a_scratch.py"));
        assert!(ignored("sub/keep_out.py"));
        assert!(!ignored("sub/fine.py"));
        assert!(!ignored("fine.py"));
    }

    #[test]
    fn glob_lines_follow_gitignore() {
        let dir = folder(&[
            (
                ".airflowignore",
                "scratch/\n*_test.py\n!keep_test.py\nsub/deep/*.py\n",
            ),
            ("scratch/a.py", ""),
            ("x_test.py", ""),
            ("keep_test.py", ""),
            ("sub/deep/b.py", ""),
            ("sub/b.py", ""),
            ("other/scratch.py", ""),
        ]);
        let ignore = AirflowIgnore::load(&dir.0, IgnoreSyntax::Glob, &Boundary::new(&dir.0));
        let ignored = |p: &str| ignore.ignores(&dir.0.join(p));
        assert!(ignored("scratch/a.py"));
        assert!(ignored("x_test.py"));
        assert!(!ignored("keep_test.py"));
        assert!(ignored("sub/deep/b.py"));
        assert!(!ignored("sub/b.py"));
        assert!(!ignored("other/scratch.py"));
    }
}
