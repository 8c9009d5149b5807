//! Stable finding fingerprints for formats that track findings across runs (SARIF, GitLab).
//!
//! A fingerprint hashes what a finding is, not where it is: the rule code, the file, the text
//! under the primary span (whitespace runs collapsed) and the message. Inserting or deleting
//! lines elsewhere in the file keeps it. Findings that hash alike get an occurrence number in
//! output order (1, 2, ...), so every fingerprint in a run is unique.
//!
//! FNV-1a 64: a fixed, documented function, unlike std's `DefaultHasher`, whose output may
//! change between Rust releases.

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;

const FNV_OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a 64 of one byte string, continuing from `hash`.
fn fnv1a64_update(mut hash: u64, bytes: &[u8]) -> u64 {
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

/// FNV-1a 64 over byte strings, each followed by a 0 byte so `("ab", "c")` and `("a", "bc")`
/// differ.
pub fn fnv1a64<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> u64 {
    parts.into_iter().fold(FNV_OFFSET_BASIS, |hash, part| {
        fnv1a64_update(fnv1a64_update(hash, part), &[0])
    })
}

/// The fingerprint of one finding in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    /// Hash of code, file, primary span text and message.
    pub hash: u64,
    /// 1 for the first finding with this hash in output order, 2 for the next, ...
    pub occurrence: usize,
}

impl Fingerprint {
    /// `<16 hex digits>:<occurrence>`, the form SARIF's `partialFingerprints` carries.
    pub fn to_sarif(self) -> String {
        format!("{:016x}:{}", self.hash, self.occurrence)
    }

    /// 16 hex digits that also cover the occurrence number: one opaque unique string.
    pub fn to_hex(self) -> String {
        let occurrence = self.occurrence.to_string();
        let hash = self.hash.to_le_bytes();
        format!("{:016x}", fnv1a64([&hash[..], occurrence.as_bytes()]))
    }
}

/// What a finding is, hashed: rule code, file, the text under its primary span (whitespace
/// runs collapsed) and message. Not its line.
pub fn finding_hash(diagnostic: &Diagnostic) -> u64 {
    let text = diagnostic
        .primary
        .span
        .text()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    fnv1a64([
        diagnostic.rule.code.as_bytes(),
        diagnostic.file().path().as_bytes(),
        text.as_bytes(),
        diagnostic.message.as_bytes(),
    ])
}

/// One fingerprint per diagnostic, in the same order.
pub fn fingerprints(diagnostics: &[Diagnostic]) -> Vec<Fingerprint> {
    let mut seen: HashMap<u64, usize> = HashMap::new();
    diagnostics
        .iter()
        .map(|diagnostic| {
            let hash = finding_hash(diagnostic);
            let occurrence = seen.entry(hash).or_insert(0);
            *occurrence += 1;
            Fingerprint {
                hash,
                occurrence: *occurrence,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a64_matches_the_reference_values() {
        // Test vectors of the FNV reference implementation.
        assert_eq!(fnv1a64_update(FNV_OFFSET_BASIS, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(
            fnv1a64_update(FNV_OFFSET_BASIS, b"a"),
            0xaf63_dc4c_8601_ec8c
        );
        assert_eq!(
            fnv1a64_update(FNV_OFFSET_BASIS, b"foobar"),
            0x8594_4171_f739_67e8
        );
        assert_eq!(
            fnv1a64([&b"a"[..]]),
            fnv1a64_update(FNV_OFFSET_BASIS, b"a\0")
        );
    }

    #[test]
    fn parts_are_separated() {
        assert_ne!(fnv1a64([&b"ab"[..], b"c"]), fnv1a64([&b"a"[..], b"bc"]));
    }

    #[test]
    fn hex_covers_the_occurrence() {
        let first = Fingerprint {
            hash: 42,
            occurrence: 1,
        };
        let second = Fingerprint {
            hash: 42,
            occurrence: 2,
        };
        assert_ne!(first.to_hex(), second.to_hex());
        assert_eq!(first.to_hex().len(), 16);
        assert_eq!(first.to_sarif(), "000000000000002a:1");
    }
}
