//! Go's `%q` (`strconv.Quote`), which Kubernetes uses in its messages
//! (`Pulling image "nginx:1.27"`, `parsing time "x"`).
//!
//! Rust's `{:?}` quotes differently (`\u{7f}` rather than `\x7f`) and brings
//! the Unicode printability tables into the playground; Go's rules for the
//! ASCII escapes are simple. Non-ASCII characters are kept as they are: Go
//! escapes the few it considers unprintable, which names and images never hold.

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
            c if ('\u{80}'..='\u{9f}').contains(&c) => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
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
    }
}
