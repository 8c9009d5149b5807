//! "Did you mean ...?" for a near-miss name.

/// The candidate closest to `wanted`, if it is close enough to be a likely typo: at most two
/// edits (transpositions count once), and fewer than a third of the word.
///
/// Run against every name of a large project for each unmatched selector, so candidates that
/// cannot be within the limit are dropped by two cheap lower bounds on the edit distance
/// before the distance itself is computed: the difference in length, and the characters one
/// word has more of than the other (each edit adds or removes at most one of each side).
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let length = wanted.chars().count();
    let limit = (length / 3).clamp(1, 2);
    let counts = CharCounts::of(wanted);
    candidates
        .into_iter()
        .filter(|candidate| *candidate != wanted)
        .filter(|candidate| candidate.len().abs_diff(wanted.len()) <= limit * 4)
        .filter(|candidate| candidate.chars().count().abs_diff(length) <= limit)
        .filter(|candidate| {
            counts
                .as_ref()
                .zip(CharCounts::of(candidate))
                .is_none_or(|(a, b)| a.distance_at_least(&b) <= limit)
        })
        .map(|candidate| (strsim::damerau_levenshtein(wanted, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, candidate)| candidate)
}

/// How many times each ASCII character occurs in a word (`None` for other words).
struct CharCounts([u8; 128]);

impl CharCounts {
    fn of(word: &str) -> Option<CharCounts> {
        let mut counts = [0u8; 128];
        for byte in word.bytes() {
            let slot = counts.get_mut(usize::from(byte))?;
            *slot = slot.saturating_add(1);
        }
        Some(CharCounts(counts))
    }

    /// A lower bound on the edit distance between the two words: an insertion adds one
    /// character, a deletion removes one, a substitution does both, a transposition neither.
    fn distance_at_least(&self, other: &CharCounts) -> usize {
        let (mut more, mut fewer) = (0usize, 0usize);
        for (a, b) in self.0.iter().zip(other.0.iter()) {
            match a.cmp(b) {
                std::cmp::Ordering::Greater => more += usize::from(a - b),
                std::cmp::Ordering::Less => fewer += usize::from(b - a),
                std::cmp::Ordering::Equal => {}
            }
        }
        more.max(fewer)
    }
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn finds_typos_only() {
        let tags = ["product_daily", "product_weekly", "staging"];
        assert_eq!(closest("prodcut_weekly", tags), Some("product_weekly"));
        assert_eq!(closest("stagin", tags), Some("staging"));
        assert_eq!(closest("finance", tags), None);
        assert_eq!(closest("ab", ["xy"]), None);
    }

    /// The bounds only drop candidates the distance would drop: the same answers as comparing
    /// with every candidate.
    #[test]
    fn bounds_keep_every_candidate_within_the_limit() {
        let names = [
            "fct_orders",
            "fct_order",
            "fct_ordres",
            "fct_oders",
            "dim_orders",
            "fct_orders_v2",
            "stg_orders",
            "orders",
            "fct_ørders",
            "fct_orders_daily",
            "tcf_orders",
        ];
        for wanted in names
            .iter()
            .chain(["fct_ordrs", "fct-orders", "fctorders"].iter())
        {
            let limit = (wanted.chars().count() / 3).clamp(1, 2);
            let expected = names
                .iter()
                .copied()
                .filter(|c| c != wanted)
                .map(|c| (strsim::damerau_levenshtein(wanted, c), c))
                .filter(|(d, _)| *d <= limit)
                .min()
                .map(|(_, c)| c);
            assert_eq!(closest(wanted, names), expected, "{wanted}");
        }
    }
}
