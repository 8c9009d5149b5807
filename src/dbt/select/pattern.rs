//! Python `fnmatch` semantics, which dbt uses for most selector values.
//!
//! `*` matches any run of characters (including `.` and `/`), `?` one character, `[seq]` and
//! `[!seq]` a character class; there is no escaping and the whole string must match.
//! Matching is case-sensitive, as on the Linux workers that run dbt.

/// Whether `text` matches the fnmatch `pattern`.
pub fn fnmatch(text: &str, pattern: &str) -> bool {
    if !has_wildcard(pattern) {
        return text == pattern;
    }
    let text: Vec<char> = text.chars().collect();
    let pattern: Vec<char> = pattern.chars().collect();
    matches_from(&text, &pattern)
}

/// Whether a value contains fnmatch wildcards (dbt's own test before wildcard matching).
pub fn has_wildcard(pattern: &str) -> bool {
    pattern.contains(['*', '?', '[', ']'])
}

fn matches_from(text: &[char], pattern: &[char]) -> bool {
    // Iterative matcher with single-star backtracking: linear in practice.
    let (mut t, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() {
            match pattern[p] {
                '*' => {
                    star = Some((p, t));
                    p += 1;
                    continue;
                }
                '?' => {
                    t += 1;
                    p += 1;
                    continue;
                }
                '[' => {
                    if let Some((matched, next)) = class_matches(&pattern[p..], text[t]) {
                        if matched {
                            t += 1;
                            p += next;
                            continue;
                        }
                    } else if text[t] == '[' {
                        // An unclosed `[` is a literal, as in Python.
                        t += 1;
                        p += 1;
                        continue;
                    }
                }
                c if c == text[t] => {
                    t += 1;
                    p += 1;
                    continue;
                }
                _ => {}
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
    pattern[p..].iter().all(|&c| c == '*')
}

/// Matches `c` against the class at the start of `pattern` (which begins with `[`).
/// Returns whether it matched and the class's length, or `None` if the class is unclosed.
fn class_matches(pattern: &[char], c: char) -> Option<(bool, usize)> {
    let mut i = 1;
    let negated = matches!(pattern.get(i), Some('!'));
    if negated {
        i += 1;
    }
    // A `]` right after `[` or `[!` is a literal member.
    let members_start = i;
    if pattern.get(i) == Some(&']') {
        i += 1;
    }
    while pattern.get(i).is_some_and(|&ch| ch != ']') {
        i += 1;
    }
    if i >= pattern.len() {
        return None;
    }
    let members = &pattern[members_start..i];
    let mut matched = false;
    let mut j = 0;
    while j < members.len() {
        if j + 2 < members.len() && members[j + 1] == '-' {
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
    }
}
