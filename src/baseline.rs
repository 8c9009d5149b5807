//! A baseline: the findings a repository already had when it adopted monolint, so `check`
//! fails only on new ones. `check --write-baseline FILE` records the current findings;
//! `check --baseline FILE` leaves out the findings it records.
//!
//! A finding matches a recorded one by rule, file and fingerprint (the text under it and its
//! message; see `render::fingerprint`), not by line, so edits elsewhere in a file keep it
//! matched. Matching counts: a baseline holding one finding hides one of two identical ones.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::render::fingerprint::finding_hash;

/// Bumped if the file's shape changes incompatibly.
const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    rule: String,
    file: String,
    /// 16 hex digits: the finding's hash without its line.
    fingerprint: String,
    /// For people reading the file; not used for matching.
    message: String,
}

impl Entry {
    fn of(diagnostic: &Diagnostic) -> Entry {
        Entry {
            rule: diagnostic.rule.code.to_owned(),
            file: diagnostic.file().path().to_owned(),
            fingerprint: format!("{:016x}", finding_hash(diagnostic)),
            message: diagnostic.message.clone(),
        }
    }

    fn key(self) -> (String, String, String) {
        (self.rule, self.file, self.fingerprint)
    }
}

impl Baseline {
    /// The baseline of these findings, sorted so the file diffs well.
    pub fn of(diagnostics: &[Diagnostic]) -> Baseline {
        let mut findings: Vec<Entry> = diagnostics.iter().map(Entry::of).collect();
        findings.sort();
        Baseline {
            version: VERSION,
            findings,
        }
    }

    pub fn len(&self) -> usize {
        self.findings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    pub fn load(path: &Path) -> Result<Baseline> {
        let text = crate::input::read_text(path).map_err(|error| {
            error
                .to_error(&path.display().to_string())
                .with_help("write one with `monolint check --write-baseline FILE`")
        })?;
        let baseline: Baseline = serde_json::from_str(&text).map_err(|error| {
            let message = error.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(head, _)| head);
            Error::new(format!(
                "{}:{}:{}: invalid baseline: {message}",
                path.display(),
                error.line(),
                error.column()
            ))
            .with_help("rewrite it with `monolint check --write-baseline FILE`")
        })?;
        if baseline.version != VERSION {
            return Err(Error::new(format!(
                "{}: baseline version {} is not one this monolint reads ({VERSION})",
                path.display(),
                baseline.version
            )));
        }
        Ok(baseline)
    }

    /// Removes the findings the baseline records; returns how many it removed.
    pub fn hide_known(&self, diagnostics: &mut Vec<Diagnostic>) -> usize {
        let mut remaining: HashMap<(String, String, String), usize> = HashMap::new();
        for entry in &self.findings {
            *remaining.entry(entry.clone().key()).or_default() += 1;
        }
        let before = diagnostics.len();
        diagnostics.retain(
            |diagnostic| match remaining.get_mut(&Entry::of(diagnostic).key()) {
                Some(count) if *count > 0 => {
                    *count -= 1;
                    false
                }
                _ => true,
            },
        );
        before - diagnostics.len()
    }
}
