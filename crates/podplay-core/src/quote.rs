//! Go's `%q` (`strconv.Quote`), which Kubernetes uses in its messages
//! (`Pulling image "nginx:1.27"`, `parsing time "x"`).
//!
//! Rust's `{:?}` quotes differently (`\u{7f}` rather than `\x7f`) and brings
//! the Unicode printability tables into the playground; Go's rules for the
//! ASCII escapes are simple. Non-ASCII characters are kept as they are: Go
//! escapes what `unicode.IsPrint` rejects; of that, the characters a copy and
//! paste brings (spaces other than U+0020, invisible format characters,
//! private use) are escaped here too, so a learner sees them.

use std::fmt::Write;

/// `s` in double quotes with Go's escapes.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if !is_go_printable(c) => {
                let _ = if (c as u32) < 0x10000 {
                    write!(out, "\\u{:04x}", c as u32)
                } else {
                    write!(out, "\\U{:08x}", c as u32)
                };
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `unicode.IsPrint` for the non-ASCII characters that matter in pasted
/// text: C1 controls, the spaces and separators (Zs except U+0020, Zl, Zp),
/// format characters (Cf) and private use (Co). Unassigned code points,
/// which Go also escapes, are kept.
fn is_go_printable(c: char) -> bool {
    !matches!(c as u32,
        0x80..=0x9F | 0xA0 | 0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890..=0x891 | 0x8E2 | 0x1680
        | 0x180E | 0x2000..=0x200F | 0x2028..=0x202F | 0x205F..=0x2064 | 0x2066..=0x206F | 0x3000
        | 0xE000..=0xF8FF | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F
        | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F | 0xF0000..)
}

#[cfg(test)]
mod tests {
    use super::go_quote;

    #[test]
    fn quotes_as_go_does() {
        assert_eq!(go_quote("nginx:1.27"), r#""nginx:1.27""#);
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("line\nnext\ttab\r\u{7}\u{0}\u{7f}"), r#""line\nnext\ttab\r\a\x00\x7f""#);
        assert_eq!(go_quote("网页 é"), "\"网页 é\"");
        assert_eq!(go_quote("\u{85}"), r#""\u0085""#);
        // What a copy and paste brings: a zero-width space, a no-break space.
        assert_eq!(go_quote("nginx\u{200b}:1.27\u{a0}"), r#""nginx\u200b:1.27\u00a0""#);
        assert_eq!(go_quote("\u{f0000}"), r#""\U000f0000""#);
    }
}
