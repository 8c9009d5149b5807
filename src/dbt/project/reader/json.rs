//! Writing the JSON texts the graph keeps: strings escaped byte for byte as `serde_json`
//! escapes them, eight bytes at a time where none needs escaping (most of a model's SQL).

use std::ops::Range;

use serde_json::Value;

/// Appends a value's JSON text; returns where it is.
pub(super) fn write_value(out: &mut Vec<u8>, value: &Value) -> Range<usize> {
    let start = out.len();
    match value {
        Value::String(text) => write_str(out, text),
        // Writing into a `Vec` cannot fail, and a `Value` always serializes.
        other => {
            let _ = serde_json::to_writer(&mut *out, other);
        }
    }
    start..out.len()
}

/// Appends a string as a JSON string.
pub(super) fn write_str(out: &mut Vec<u8>, text: &str) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let every_ascii: String = (0u8..128).map(char::from).collect();
        let cases = [
            String::new(),
            "select 1".to_owned(),
            "select *\n  from {{ ref('a') }}\r\n\twhere x = \"y\" -- \\ é ✓ 🦀".to_owned(),
            every_ascii.repeat(3),
            "abcdefg\"".to_owned(),
            "\u{1f}abcdefgh\u{7f}".to_owned(),
        ];
        let placed = (0..24).flat_map(|at| {
            ["\n", "\"", "\\", "\u{1}", "é"].map(|special| {
                let mut text = "a".repeat(24);
                text.insert_str(at, special);
                text
            })
        });
        for text in cases.into_iter().chain(placed) {
            let mut out = Vec::new();
            write_str(&mut out, &text);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&text).unwrap(),
                "{text:?}"
            );
        }
        let mut out = Vec::new();
        let range = write_value(&mut out, &serde_json::json!({"a": ["b\n", 1, null]}));
        assert_eq!(&out[range], br#"{"a":["b\n",1,null]}"#);
    }
}
