//! "Did you mean ...?" for a near-miss name.

/// The candidate closest to `wanted`, if it is close enough to be a likely typo: at most two
/// edits (transpositions count once), and fewer than a third of the word.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (wanted.chars().count() / 3).clamp(1, 2);
    candidates
        .into_iter()
        .filter(|candidate| *candidate != wanted)
        .map(|candidate| (strsim::damerau_levenshtein(wanted, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, candidate)| candidate)
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
}
