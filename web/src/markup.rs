//! Markup written as text, for the parts of the page that are drawn as one
//! string (the picture's SVG, the editor's highlighted lines and gutter)
//! instead of one virtual node per element.

/// `text` as element content or an attribute value.
pub fn escape_into(out: &mut String, text: &str) {
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(ch),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_characters_are_escaped() {
        let mut out = String::new();
        super::escape_into(&mut out, r#"a <b> & "c""#);
        assert_eq!(out, "a &lt;b&gt; &amp; &quot;c&quot;");
    }
}
