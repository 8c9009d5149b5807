//! Telling the encodings monolint does not read (UTF-16, UTF-32, binary) from UTF-8, so the
//! message names the encoding instead of a parse error at 1:1.

/// The UTF-8 byte order mark, which Windows editors write and Python, YAML and TOML readers
/// skip.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The encoding of text that is not UTF-8 but announces itself: a UTF-16 or UTF-32 byte order
/// mark, or UTF-16 without one (every input starts with an ASCII character, which UTF-16
/// writes as a zero byte and a non-zero one, as RFC 4627 detects JSON's encoding).
pub fn wide_encoding(bytes: &[u8]) -> Option<&'static str> {
    const MARKS: [(&[u8], &str); 4] = [
        (b"\x00\x00\xFE\xFF", "UTF-32 (big-endian)"),
        (b"\xFF\xFE\x00\x00", "UTF-32 (little-endian)"),
        (b"\xFE\xFF", "UTF-16 (big-endian)"),
        (b"\xFF\xFE", "UTF-16 (little-endian)"),
    ];
    if let Some((_, name)) = MARKS.iter().find(|(mark, _)| bytes.starts_with(mark)) {
        return Some(name);
    }
    match bytes {
        [0, 0, 0, b, ..] if *b != 0 => Some("UTF-32 (big-endian)"),
        [a, 0, 0, 0, ..] if *a != 0 => Some("UTF-32 (little-endian)"),
        [0, b, ..] if *b != 0 => Some("UTF-16 (big-endian)"),
        [a, 0, ..] if *a != 0 => Some("UTF-16 (little-endian)"),
        _ => None,
    }
}

/// 1-based line and column (in characters) of byte `offset`, counting only the valid UTF-8
/// before it.
pub fn position(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_wide_encodings() {
        assert_eq!(
            wide_encoding(b"\xFF\xFE{\x00"),
            Some("UTF-16 (little-endian)")
        );
        assert_eq!(wide_encoding(b"\xFE\xFF\x00{"), Some("UTF-16 (big-endian)"));
        assert_eq!(
            wide_encoding(b"{\x00\"\x00"),
            Some("UTF-16 (little-endian)")
        );
        assert_eq!(
            wide_encoding(b"\xFF\xFE\x00\x00{\x00\x00\x00"),
            Some("UTF-32 (little-endian)")
        );
        assert_eq!(wide_encoding(b"{\"a\": 1}"), None);
        assert_eq!(wide_encoding(b"\xEF\xBB\xBF{}"), None);
        assert_eq!(wide_encoding(b""), None);
        assert_eq!(wide_encoding(b"x"), None);
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "ab\ncé\u{fffd}x".as_bytes();
        assert_eq!(position(text, 0), (1, 1));
        assert_eq!(position(text, 3), (2, 1));
        assert_eq!(position(text, 6), (2, 3));
    }
}
