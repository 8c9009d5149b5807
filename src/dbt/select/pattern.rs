//! Python `fnmatch` semantics, which dbt uses for most selector values.
//!
//! `*` matches any run of characters (including `.` and `/`), `?` one character, `[seq]` and
//! `[!seq]` a character class; there is no escaping and the whole string must match.
//! Matching is case-sensitive, as on the Linux workers that run dbt.

/// Whether `text` matches the fnmatch `pattern`.
pub fn fnmatch(text: &str, pattern: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if !has_wildcard(pattern) {
        return text == pattern;
    }
    if text.is_ascii() && pattern.is_ascii() {
        // One byte per character: no need to decode.
        return matches_from(text.as_bytes(), pattern.as_bytes());
    }
    let text: Vec<char> = text.chars().collect();
    let pattern: Vec<char> = pattern.chars().collect();
    matches_from(&text, &pattern)
}

/// Whether a value contains fnmatch wildcards (dbt's own test before wildcard matching).
pub fn has_wildcard(pattern: &str) -> bool {
    pattern.contains(['*', '?', '[', ']'])
}

/// A character of text or pattern: `u8` for ASCII input, `char` otherwise.
trait Symbol: Copy + PartialEq + PartialOrd {
    fn is(self, c: char) -> bool;
}

impl Symbol for u8 {
    fn is(self, c: char) -> bool {
        self as char == c
    }
}

impl Symbol for char {
    fn is(self, c: char) -> bool {
        self == c
    }
}

fn matches_from<C: Symbol>(text: &[C], pattern: &[C]) -> bool {
    // Iterative matcher with single-star backtracking: linear in practice.
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() {
            let c = pattern[p];
            if c.is('*') {
                star = Some((p, t));
                p += 1;
                continue;
            }
            if c.is('?') {
                t += 1;
                p += 1;
                continue;
            }
            if c.is('[') {
                if let Some((matched, next)) = class_matches(&pattern[p..], text[t]) {
                    if matched {
                        t += 1;
                        p += next;
                        continue;
                    }
                } else if text[t].is('[') {
                    // An unclosed `[` is a literal, as in Python.
                    t += 1;
                    p += 1;
                    continue;
                }
            } else if c == text[t] {
                t += 1;
                p += 1;
                continue;
            }
        }
        match star {
            Some((star_p, star_t)) => {
                p = star_p + 1;
                t = star_t + 1;
                star = Some((star_p, star_t + 1));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|c| c.is('*'))
}

/// Matches `c` against the class at the start of `pattern` (which begins with `[`).
/// Returns whether it matched and the class's length, or `None` if the class is unclosed.
fn class_matches<C: Symbol>(pattern: &[C], c: C) -> Option<(bool, usize)> {
    let mut i = 1;
    let negated = pattern.get(i).is_some_and(|ch| ch.is('!'));
    if negated {
        i += 1;
    }
    // A `]` right after `[` or `[!` is a literal member.
    let members_start = i;
    if pattern.get(i).is_some_and(|ch| ch.is(']')) {
        i += 1;
    }
    while pattern.get(i).is_some_and(|ch| !ch.is(']')) {
        i += 1;
    }
    if i >= pattern.len() {
        return None;
    }
    let members = &pattern[members_start..i];
    let mut matched = false;
    let mut j = 0;
    while j < members.len() {
        if j + 2 < members.len() && members[j + 1].is('-') {
            if members[j] <= c && c <= members[j + 2] {
                matched = true;
            }
            j += 3;
        } else {
            if members[j] == c {
                matched = true;
            }
            j += 1;
        }
    }
    Some((matched != negated, i + 1))
}

#[cfg(test)]
mod tests {
    use super::fnmatch;

    #[test]
    fn python_fnmatch_cases() {
        assert!(fnmatch("daily", "dai*"));
        assert!(fnmatch("a.b/c", "*"));
        assert!(fnmatch("stg_orders", "*stg_*"));
        assert!(!fnmatch("stg_orders", "stg_"));
        assert!(fnmatch("orders", "ord?rs"));
        assert!(fnmatch("v2", "v[0-9]"));
        assert!(!fnmatch("v2", "v[!0-9]"));
        assert!(fnmatch("a]", "a[]]"));
        assert!(fnmatch("[x", "[x"));
        assert!(!fnmatch("DAILY", "daily"));
        assert!(fnmatch("abcabc", "*abc"));
        assert!(!fnmatch("", "?"));
        assert!(fnmatch("", "*"));
        assert!(fnmatch("été", "?t?"));
        assert!(fnmatch("été", "[é]t*"));
    }
}
