//! One finding per cause. When most of what a rule checked in a folder lacks what it asks
//! for, that is the folder's convention, not a slip per model: one finding for the folder,
//! with the count and names. When that folder is the whole project, the finding is at
//! `dbt_project.yml`. Only what is left is reported one by one.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Label};
use crate::link::Monorepo;
use crate::rules::Reporter;
use crate::rules::dbt::nodes::{listed, project_span};
use crate::source::Span;

/// The fewest lacking items a finding for the whole project stands for (one is reported as
/// itself), and for a folder of it (two are reported as themselves).
const MIN_PROJECT: usize = 2;
const MIN_FOLDER: usize = 3;

/// How a rule words what it counts, for the findings that stand for many.
pub struct Counted<'a> {
    /// What was checked, plural: `models`.
    pub noun: &'a str,
    /// What none of them does: `has a description`.
    pub verb: &'a str,
    /// What the lacking ones do not: `have no description`.
    pub lack: &'a str,
    /// The label of the project's finding, at `dbt_project.yml`.
    pub project_label: String,
    /// What to do, for the project's and folders' findings.
    pub help: String,
    /// What the tally covers when not the whole project (`` `**/marts/**` ``), and where its
    /// finding points when most of it lacks.
    pub scope: Option<(String, Span)>,
}

/// One checked item (a node, a source): its name, file (relative to the project) and whether
/// it has what the rule asks for.
#[derive(Debug)]
struct Checked<T> {
    item: T,
    name: String,
    file: String,
    ok: bool,
}

/// The items a rule checked in one project.
#[derive(Debug)]
pub struct Tally<T> {
    items: Vec<Checked<T>>,
}

impl<T> Default for Tally<T> {
    fn default() -> Self {
        Tally { items: Vec::new() }
    }
}

impl<T> Tally<T> {
    /// Counts a checked item, named `name`, in `file`, and whether it is `ok`.
    pub fn check(&mut self, item: T, name: &str, file: Option<&str>, ok: bool) {
        self.items.push(Checked {
            item,
            name: name.to_owned(),
            file: file.unwrap_or_default().to_owned(),
            ok,
        });
    }

    /// Reports what lacks: once per folder where most lacks (the project's when that is the
    /// whole project), else once per item (`each` builds an item's own finding and says
    /// which nodes it is about).
    pub fn report(
        self,
        repo: &Monorepo,
        project: usize,
        report: &mut Reporter,
        counted: &Counted,
        mut each: impl FnMut(&Reporter, T) -> Diagnostic,
    ) {
        let folders = lacking_folders(&self.items);
        let mut groups: Vec<Group> = folders
            .into_iter()
            .map(|(folder, checked)| Group {
                folder,
                checked,
                names: Vec::new(),
                members: Vec::new(),
            })
            .collect();
        for Checked {
            item,
            name,
            file,
            ok,
        } in self.items
        {
            if ok {
                continue;
            }
            let diagnostic = each(report, item);
            match groups
                .iter_mut()
                .find(|group| in_folder(&file, &group.folder))
            {
                Some(group) => {
                    group.names.push(name);
                    group.members.push(diagnostic);
                }
                None => report.emit(diagnostic),
            }
        }
        for group in groups {
            let diagnostic = group.diagnostic(repo, project, report, counted);
            report.emit(diagnostic);
        }
    }
}

/// The lacking items of one folder where most lack.
struct Group {
    folder: String,
    checked: usize,
    names: Vec<String>,
    members: Vec<Diagnostic>,
}

impl Group {
    fn diagnostic(
        self,
        repo: &Monorepo,
        project: usize,
        report: &Reporter,
        counted: &Counted,
    ) -> Diagnostic {
        let Counted {
            noun, verb, lack, ..
        } = counted;
        // In the order of the user's files, not the manifest's.
        let mut members: Vec<(String, Diagnostic)> =
            self.names.into_iter().zip(self.members).collect();
        members.sort_by(|(_, a), (_, b)| a.primary.span.sort_key().cmp(&b.primary.span.sort_key()));
        let count = members.len();
        let (checked, whole) = (self.checked, self.folder.is_empty());
        let scope = match (&counted.scope, whole) {
            (Some((scope, _)), true) => format!("under {scope}"),
            (None, true) => format!("of dbt project `{}`", repo.projects[project].name),
            (_, false) => format!("under `{}/`", self.folder),
        };
        let message = if count == checked {
            format!("none of the {count} {noun} {scope} {verb}")
        } else {
            format!("{count} of the {checked} {noun} {scope} {lack}")
        };
        let listed = listed(members.iter().map(|(name, _)| name), 8);
        let primary = match (&counted.scope, whole) {
            (Some((_, span)), true) => {
                Label::new(span.clone(), format!("{}: {listed}", counted.project_label))
            }
            (None, true) => Label::new(
                project_span(repo, project),
                format!("{}: {listed}", counted.project_label),
            ),
            (_, false) => Label::new(
                members[0].1.primary.span.clone(),
                format!("{lack}: {listed}"),
            ),
        };
        report
            .diagnostic(message, primary)
            .with_help(counted.help.clone())
            .about_all(members.into_iter().flat_map(|(_, member)| member.subjects))
    }
}

/// The folders (relative to the project; `""` for the whole project) where most items lack
/// (more than half, and at least [`MIN_PROJECT`] or [`MIN_FOLDER`]), each not inside another
/// such folder, with how many items each holds.
fn lacking_folders<T>(items: &[Checked<T>]) -> Vec<(String, usize)> {
    // Per folder: (items, lacking items) under it, at any depth.
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for checked in items {
        for folder in ancestors(&checked.file) {
            let entry = counts.entry(folder).or_default();
            entry.0 += 1;
            entry.1 += usize::from(!checked.ok);
        }
    }
    let mostly_lacking = |folder: &str| {
        let least = if folder.is_empty() {
            MIN_PROJECT
        } else {
            MIN_FOLDER
        };
        counts
            .get(folder)
            .is_some_and(|&(checked, lacking)| lacking >= least && lacking * 2 > checked)
    };
    let mut folders: Vec<(String, usize)> = Vec::new();
    for checked in items.iter().filter(|checked| !checked.ok) {
        // The outermost such folder above the item.
        if let Some(folder) = ancestors(&checked.file).find(|folder| mostly_lacking(folder))
            && !folders.iter().any(|(f, _)| f == folder)
        {
            folders.push((folder.to_owned(), counts[folder].0));
        }
    }
    folders
}

/// The folders above a file, outermost first: `""`, `models`, `models/staging`.
fn ancestors(file: &str) -> impl Iterator<Item = &str> {
    std::iter::once("").chain(file.match_indices('/').map(|(at, _)| &file[..at]))
}

fn in_folder(file: &str, folder: &str) -> bool {
    folder.is_empty()
        || file
            .strip_prefix(folder)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(files: &[(&str, bool)]) -> Vec<Checked<()>> {
        files
            .iter()
            .map(|(file, ok)| Checked {
                item: (),
                name: String::new(),
                file: (*file).to_owned(),
                ok: *ok,
            })
            .collect()
    }

    #[test]
    fn the_outermost_folder_where_most_lack() {
        let found = lacking_folders(&items(&[
            ("models/staging/a.sql", true),
            ("models/staging/b.sql", true),
            ("models/staging/c.sql", true),
            ("models/marts/x/d.sql", false),
            ("models/marts/y/e.sql", false),
            ("models/marts/y/f.sql", false),
            ("models/marts/y/g.sql", true),
            ("models/legacy/h.sql", false),
        ]));
        assert_eq!(found, [("models/marts".to_owned(), 4)]);
    }

    #[test]
    fn half_is_not_most() {
        let mut files = vec![("models/clean/a.sql", true)];
        files.extend(std::iter::repeat_n(("models/clean/b.sql", false), 4));
        files.extend(std::iter::repeat_n(("models/marts/c.sql", true), 4));
        assert_eq!(
            lacking_folders(&items(&files)),
            [("models/clean".to_owned(), 5)]
        );
        files[1].1 = true;
        files[2].1 = true;
        assert!(
            lacking_folders(&items(&files)).is_empty(),
            "2 of 5 lack: each is its own finding"
        );
    }

    #[test]
    fn the_whole_project_when_most_lack() {
        let found = lacking_folders(&items(&[("models/a.sql", false), ("seeds/b.csv", false)]));
        assert_eq!(found, [(String::new(), 2)]);
        assert!(
            lacking_folders(&items(&[("models/a.sql", false)])).is_empty(),
            "one lacking item is reported as itself"
        );
    }
}
