//! The files and folders of the checked repository, and deployment paths mapped onto them.
//!
//! A DAG file names the paths its image gives it (`/usr/local/airflow/dbt/target/manifest.json`
//! on Astronomer, `/opt/airflow/...`, Composer's `/home/airflow/gcs/...`). Such a path does not
//! exist in the repository; the repository path that shares the longest trailing part with it
//! (`dbt/target/manifest.json`) is where it comes from, when exactly one does.

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// Every file and folder the walk found, relative to the checked folder, `/`-separated.
#[derive(Debug, Clone, Default)]
pub struct RepoPaths {
    /// Paths by their last component, for finding those that end like a given path.
    by_name: HashMap<String, BTreeSet<String>>,
    /// The files, in the order found.
    files: Vec<String>,
    /// Those of them that are symbolic links.
    links: HashSet<String>,
}

/// Where a path that does not exist in the repository comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inferred {
    /// The one repository path sharing the longest trailing part with it.
    Unique(Mapping),
    /// Several repository paths share the longest trailing part: naming one would be a guess.
    Ambiguous(Vec<String>),
    /// No repository path ends like it.
    None,
}

/// A deployment folder and the repository folder it holds, found from one path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mapping {
    /// The path as written (`/usr/local/airflow/dbt/target/manifest.json`).
    pub path: String,
    /// The repository path it maps to (`dbt/target/manifest.json`).
    pub repo_path: String,
    /// The deployment folder (`/usr/local/airflow`) ...
    pub runtime_prefix: String,
    /// ... and the repository folder it stands for (`""`, the checked folder).
    pub repo_prefix: String,
}

impl RepoPaths {
    /// Records a file (and the folders holding it) by its path relative to the checked folder.
    pub fn insert(&mut self, relative: &str) {
        // The walk's paths are plain already: their normal form is themselves.
        let path = match is_plain(relative) {
            true => relative.to_owned(),
            false => components(relative).join("/"),
        };
        // From the file up, each path a prefix of the file's: a folder already recorded came
        // with the folders above it.
        let mut end = path.len();
        let mut is_file = true;
        while end > 0 {
            let prefix = &path[..end];
            let (parent_end, name) = match prefix.rfind('/') {
                Some(slash) => (slash, &prefix[slash + 1..]),
                None => (0, prefix),
            };
            let paths = match self.by_name.get_mut(name) {
                Some(paths) => paths,
                None => self.by_name.entry(name.to_owned()).or_default(),
            };
            if !paths.contains(prefix) {
                paths.insert(prefix.to_owned());
            } else if !is_file {
                break;
            }
            is_file = false;
            end = parent_end;
        }
        self.files.push(path);
    }

    /// Records a symbolic link the walk found (and did not follow).
    pub fn insert_link(&mut self, relative: &str) {
        self.insert(relative);
        if let Some(path) = self.files.last() {
            self.links.insert(path.clone());
        }
    }

    /// Whether `relative`, written plainly (no `.`, `..` or doubled `/`), is a file or folder
    /// the walk found that is no symbolic link: then each folder on its way is one the walk
    /// entered, inside the checked folder, and none is a link.
    pub fn walked_plainly(&self, relative: &str) -> bool {
        let plain = !relative.is_empty()
            && relative
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..");
        if !plain || self.links.contains(relative) {
            return false;
        }
        if relative.contains('\\') {
            return self.contains(relative);
        }
        // A plain path is its own normalized form: looked up without rebuilding it.
        let name = relative.rsplit_once('/').map_or(relative, |(_, name)| name);
        self.by_name
            .get(name)
            .is_some_and(|paths| paths.contains(relative))
    }

    /// The files under a folder (relative to the checked folder, `""` for all of it).
    pub fn files_under<'a>(&'a self, folder: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.files.iter().map(String::as_str).filter(move |file| {
            folder.is_empty()
                || file
                    .strip_prefix(folder)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    }

    /// Whether a relative path names a file or folder of the repository.
    pub fn contains(&self, relative: &str) -> bool {
        let parts = components(relative);
        let path = parts.join("/");
        parts
            .last()
            .and_then(|name| self.by_name.get(*name))
            .is_some_and(|paths| paths.contains(&path))
    }

    /// The repository path an absolute deployment path stands for.
    pub fn infer(&self, path: &str) -> Inferred {
        let parts = components(path);
        let Some(candidates) = parts.last().and_then(|name| self.by_name.get(*name)) else {
            return Inferred::None;
        };
        let mut best = 0;
        let mut matches: Vec<&String> = Vec::new();
        for candidate in candidates {
            let shared = shared_suffix(&parts, &components(candidate));
            if shared > best {
                best = shared;
                matches.clear();
            }
            if shared == best {
                matches.push(candidate);
            }
        }
        match matches.as_slice() {
            [] => Inferred::None,
            [only] => {
                let repo_parts = components(only);
                Inferred::Unique(Mapping {
                    path: path.to_owned(),
                    repo_path: (*only).clone(),
                    runtime_prefix: format!("/{}", parts[..parts.len() - best].join("/")),
                    repo_prefix: repo_parts[..repo_parts.len() - best].join("/"),
                })
            }
            several => Inferred::Ambiguous(several.iter().map(|p| (*p).clone()).collect()),
        }
    }
}

/// Whether a path is written as [`components`] joined with `/` would write it.
fn is_plain(path: &str) -> bool {
    !path.contains('\\') && path.split('/').all(|part| !part.is_empty() && part != ".")
}

/// A path's components, without empty ones and `.`.
fn components(path: &str) -> Vec<&str> {
    path.split(['/', '\\'])
        .filter(|part| !part.is_empty() && *part != ".")
        .collect()
}

/// How many trailing components two paths share.
fn shared_suffix(a: &[&str], b: &[&str]) -> usize {
    a.iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(files: &[&str]) -> RepoPaths {
        let mut paths = RepoPaths::default();
        for file in files {
            paths.insert(file);
        }
        paths
    }

    #[test]
    fn a_path_and_its_folders_are_recorded_however_the_path_is_spelled() {
        let plain = repo(&["dbt/models/a.sql", "dbt/models/b.sql", "dags/x.py"]);
        let spelled = repo(&["./dbt//models/a.sql", "dbt\\models\\b.sql", "dags/./x.py"]);
        assert_eq!(plain.by_name, spelled.by_name);
        assert_eq!(plain.files, spelled.files);
        for recorded in ["dbt", "dbt/models", "dbt/models/a.sql", "dags", "dags/x.py"] {
            assert!(plain.contains(recorded), "{recorded}");
        }
        assert!(!plain.contains("models"));
    }

    #[test]
    fn walked_plainly_excludes_links_and_unplain_paths() {
        let mut paths = repo(&["dbt/models/a.sql"]);
        paths.insert_link("dbt/models/b.sql");
        assert!(paths.walked_plainly("dbt/models/a.sql"));
        assert!(paths.walked_plainly("dbt/models"));
        assert!(paths.walked_plainly("dbt"));
        assert!(!paths.walked_plainly("dbt/seeds"));
        assert!(!paths.walked_plainly("models/a.sql"));
        for not in [
            "dbt/models/b.sql",
            "dbt/models/../models/a.sql",
            "./dbt/models/a.sql",
            "dbt//models/a.sql",
            "/dbt/models/a.sql",
            "dbt/models/c.sql",
            "",
        ] {
            assert!(!paths.walked_plainly(not), "{not}");
        }
    }

    #[test]
    fn files_under_a_folder() {
        let paths = repo(&[
            "dbt/models/a.sql",
            "dbt/models2/b.sql",
            "./dbt//models/x/c.sql",
        ]);
        let under: Vec<&str> = paths.files_under("dbt/models").collect();
        assert_eq!(under, ["dbt/models/a.sql", "dbt/models/x/c.sql"]);
        assert_eq!(paths.files_under("").count(), 3);
    }

    #[test]
    fn longest_shared_tail_wins() {
        let paths = repo(&[
            "orchestrate/dags/dbt/dbt_project.yml",
            "transform/dbt/dbt_project.yml",
            "transform/dbt/target/manifest.json",
        ]);
        assert!(paths.contains("orchestrate/dags/dbt"));
        assert!(!paths.contains("orchestrate/dbt"));
        let Inferred::Unique(mapping) = paths.infer("/usr/local/airflow/dags/dbt") else {
            panic!("not unique");
        };
        assert_eq!(mapping.repo_path, "orchestrate/dags/dbt");
        assert_eq!(mapping.runtime_prefix, "/usr/local/airflow");
        assert_eq!(mapping.repo_prefix, "orchestrate");
        let Inferred::Unique(manifest) =
            paths.infer("/home/airflow/gcs/data/dbt/target/manifest.json")
        else {
            panic!("not unique");
        };
        assert_eq!(manifest.repo_path, "transform/dbt/target/manifest.json");
        assert_eq!(manifest.runtime_prefix, "/home/airflow/gcs/data");
        assert_eq!(manifest.repo_prefix, "transform");
    }

    #[test]
    fn ties_are_ambiguous_and_strangers_unknown() {
        let paths = repo(&["a/dbt/dbt_project.yml", "b/dbt/dbt_project.yml"]);
        assert_eq!(
            paths.infer("/opt/airflow/dbt"),
            Inferred::Ambiguous(vec!["a/dbt".into(), "b/dbt".into()])
        );
        assert_eq!(paths.infer("/opt/airflow/warehouse"), Inferred::None);
    }

    #[test]
    fn every_folder_is_recorded_whatever_the_order_of_files() {
        let files = [
            "a/b/c/one.sql",
            "a/b/two.sql",
            "a/x/c/three.sql",
            "a/b/c/d/four.sql",
        ];
        let forward = repo(&files);
        let mut reversed_files = files;
        reversed_files.reverse();
        let reversed = repo(&reversed_files);
        for path in [
            "a",
            "a/b",
            "a/b/c",
            "a/b/c/d",
            "a/x",
            "a/x/c",
            "a/b/c/d/four.sql",
        ] {
            assert!(forward.contains(path), "{path}");
            assert!(reversed.contains(path), "{path}");
        }
        assert_eq!(forward.by_name, reversed.by_name);
        assert!(!forward.contains("b/c"));
    }
}
