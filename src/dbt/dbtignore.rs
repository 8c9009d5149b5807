//! dbt's `.dbtignore`: files in a project's resource folders that dbt never reads. It sits at
//! the project root and holds gitignore patterns, matched against paths relative to that root
//! (`**/__init__.py`, `models/scratch/`).

use std::path::Path;

use ignore::gitignore::{Gitignore, GitignoreBuilder};

/// The patterns of one project's `.dbtignore` (none when it has no such file).
pub struct DbtIgnore {
    patterns: Option<Gitignore>,
}

impl DbtIgnore {
    /// The name of the file, at the project root.
    pub const FILE: &'static str = ".dbtignore";

    /// Patterns read from the file's `text` (`None` without the file).
    pub fn new(project_dir: &Path, text: Option<&str>) -> Self {
        let patterns = text.and_then(|text| {
            let mut builder = GitignoreBuilder::new(project_dir);
            for line in text.lines() {
                // An invalid glob is left out; the others still apply.
                let _ = builder.add_line(None, line);
            }
            builder.build().ok()
        });
        DbtIgnore { patterns }
    }

    /// Whether dbt skips the file at this project-relative path (`/`-separated).
    pub fn ignores(&self, relative: &str) -> bool {
        self.patterns.as_ref().is_some_and(|patterns| {
            patterns
                .matched_path_or_any_parents(relative, false)
                .is_ignore()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignore(text: &str) -> DbtIgnore {
        DbtIgnore::new(Path::new("/project"), Some(text))
    }

    #[test]
    fn matches_like_gitignore_from_the_project_root() {
        let dbtignore = ignore("# python packages\n**/__init__.py\nmodels/scratch/\n*.tmp.sql\n");
        assert!(dbtignore.ignores("models/__init__.py"));
        assert!(dbtignore.ignores("models/marts/__init__.py"));
        assert!(dbtignore.ignores("models/scratch/try.sql"));
        assert!(dbtignore.ignores("models/marts/orders.tmp.sql"));
        assert!(!dbtignore.ignores("models/marts/orders.sql"));
        assert!(!dbtignore.ignores("models/marts/scratch.sql"));
    }

    #[test]
    fn negation_and_anchoring() {
        let dbtignore = ignore("/models/legacy\n!models/legacy/keep.sql\n");
        assert!(dbtignore.ignores("models/legacy/old.sql"));
        assert!(!dbtignore.ignores("models/legacy/keep.sql"));
        assert!(!dbtignore.ignores("models/marts/legacy/new.sql"));
    }

    #[test]
    fn without_the_file_nothing_is_ignored() {
        let dbtignore = DbtIgnore::new(Path::new("/project"), None);
        assert!(!dbtignore.ignores("models/__init__.py"));
    }
}
