//! JSON string literals, escaped and decoded byte for byte as serde_json does, but a run of
//! bytes at a time: the strings decoded are mostly a manifest's code, megabytes of SQL with an
//! escaped line break every few dozen bytes.

/// Appends a string as a JSON string literal, escaped as serde_json escapes it.
pub fn write(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        let Some(special) = next_special(bytes, at) else {
            break;
        };
        out.extend_from_slice(&bytes[copied..special]);
        write_escape(out, bytes[special]);
        copied = special + 1;
        at = special + 1;
    }
    out.extend_from_slice(&bytes[copied..]);
    out.push(b'"');
}

/// Appends a value's JSON text as serde_json writes it; returns where it is.
pub fn write_value(out: &mut Vec<u8>, value: &serde_json::Value) -> std::ops::Range<usize> {
    let start = out.len();
    match value {
        serde_json::Value::String(text) => write(out, text),
        // Writing into a `Vec` cannot fail, and a `Value` always serializes.
        other => {
            let _ = serde_json::to_writer(&mut *out, other);
        }
    }
    start..out.len()
}

/// The offset of the first byte from `at` on that JSON escapes: a control character, `"`
/// or `\`.
fn next_special(bytes: &[u8], mut at: usize) -> Option<usize> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        // The high bit of a byte below 0x20, of a `"` and of a `\` is set; bytes above the
        // first such byte may be flagged wrongly, the first one never is.
        let quote = word ^ (LOW * u64::from(b'"'));
        let backslash = word ^ (LOW * u64::from(b'\\'));
        let flagged = (word.wrapping_sub(LOW * 0x20) & !word
            | quote.wrapping_sub(LOW) & !quote
            | backslash.wrapping_sub(LOW) & !backslash)
            & HIGH;
        if flagged != 0 {
            return Some(at + (flagged.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    bytes
        .iter()
        .skip(at)
        .position(|&byte| byte < 0x20 || byte == b'"' || byte == b'\\')
        .map(|i| at + i)
}

/// Appends the escape serde_json writes for a byte [`next_special`] found.
fn write_escape(out: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match byte {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        _ => {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0xf)]);
        }
    }
}

/// Decodes a JSON string literal as serde_json does. A `\\u` escape (surrogate pairs) and
/// anything a valid literal does not hold (a raw control character or quote) are left to
/// serde_json.
pub fn decode(literal: &str) -> Option<String> {
    let inner = literal.strip_prefix('"')?.strip_suffix('"')?;
    let bytes = inner.as_bytes();
    let mut decoded = String::with_capacity(inner.len());
    let mut copied = 0;
    while let Some(special) = next_special(bytes, copied) {
        decoded.push_str(&inner[copied..special]);
        decoded.push(match (bytes[special], bytes.get(special + 1)) {
            (b'\\', Some(b'"')) => '"',
            (b'\\', Some(b'\\')) => '\\',
            (b'\\', Some(b'/')) => '/',
            (b'\\', Some(b'b')) => '\u{8}',
            (b'\\', Some(b'f')) => '\u{c}',
            (b'\\', Some(b'n')) => '\n',
            (b'\\', Some(b'r')) => '\r',
            (b'\\', Some(b't')) => '\t',
            _ => return serde_json::from_str(literal).ok(),
        });
        copied = special + 2;
    }
    decoded.push_str(&inner[copied..]);
    Some(decoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cases() -> Vec<String> {
        let every_ascii: String = (0u8..128).map(char::from).collect();
        let mut cases = vec![
            String::new(),
            "select 1".to_owned(),
            "select *\n  from {{ ref('a') }}\r\n\twhere x = \"y\" -- \\ / é ✓ 🦀".to_owned(),
            every_ascii.repeat(3),
            "abcdefg\"".to_owned(),
            "\u{1f}abcdefgh\u{7f}".to_owned(),
        ];
        for at in 0..24 {
            for special in ["\n", "\"", "\\", "\u{1}", "é"] {
                let mut text = "a".repeat(24);
                text.insert_str(at, special);
                cases.push(text);
            }
        }
        cases
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for text in cases() {
            let mut out = Vec::new();
            write(&mut out, &text);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&text).unwrap(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn literals_are_decoded_as_serde_json_decodes_them() {
        for text in cases() {
            let literal = serde_json::to_string(&text).unwrap();
            assert_eq!(
                decode(&literal).as_deref(),
                Some(text.as_str()),
                "{literal}"
            );
        }
        for literal in [
            r#""a\/b""#,
            r#""\ud83e\udd80 and \u00e9""#,
            r#""a\qb""#,
            "\"a\nb\"",
            r#""a"b""#,
            r#""a\""#,
        ] {
            assert_eq!(
                decode(literal),
                serde_json::from_str::<String>(literal).ok(),
                "{literal}"
            );
        }
    }
}
