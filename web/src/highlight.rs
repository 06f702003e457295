//! A line-based YAML highlighter for the editor: keys, strings, numbers and
//! booleans (as go-yaml reads them), comments, list dashes. Pure, so it can
//! be tested natively; the editor draws its output under the textarea.

/// A highlighted piece of a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// CSS class: `key`, `string`, `literal`, `comment`, `punct`, or empty.
    pub class: &'static str,
    pub text: String,
}

fn token(class: &'static str, text: &str) -> Token {
    Token { class, text: text.to_string() }
}

/// The tokens of one line; their texts concatenate to the line.
pub fn line(text: &str) -> Vec<Token> {
    let mut out = tokens(text);
    out.retain(|t| !t.text.is_empty());
    out
}

/// One line as markup: its tokens in `<span class>`s, the whole in a
/// `<span>` that ends with the line's newline (so that the lines of a
/// `<pre>` can be replaced one by one).
pub fn line_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    out.push_str("<span>");
    for t in line(text) {
        if t.class.is_empty() {
            crate::markup::escape_into(&mut out, &t.text);
        } else {
            out.push_str("<span class=\"");
            out.push_str(t.class);
            out.push_str("\">");
            crate::markup::escape_into(&mut out, &t.text);
            out.push_str("</span>");
        }
    }
    out.push_str("\n</span>");
    out
}

/// What changed between two versions of a text's lines: how many lines
/// at the start and at the end are the same (never overlapping, so the
/// lines between are the ones to draw again).
pub fn unchanged_ends<A: AsRef<str>, B: AsRef<str>>(old: &[A], new: &[B]) -> (usize, usize) {
    let same = |a: &A, b: &B| a.as_ref() == b.as_ref();
    let start = old.iter().zip(new).take_while(|(a, b)| same(a, b)).count();
    let room = old.len().min(new.len()) - start;
    let end = old.iter().rev().zip(new.iter().rev()).take(room).take_while(|(a, b)| same(a, b)).count();
    (start, end)
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let indent_len = text.len() - text.trim_start().len();
    out.push(token("", &text[..indent_len]));
    let mut rest = &text[indent_len..];
    if rest.starts_with('#') {
        out.push(token("comment", rest));
        return out;
    }
    while let Some(after) = rest.strip_prefix("- ") {
        out.push(token("punct", "- "));
        rest = after;
    }
    if rest == "-" || rest.starts_with("---") {
        out.push(token("punct", rest));
        return out;
    }
    // `key:` (plain keys only; a quoted key is left as text).
    if let Some(colon) = key_end(rest) {
        out.push(token("key", &rest[..colon]));
        out.push(token("punct", ":"));
        rest = &rest[colon + 1..];
    }
    value(rest, &mut out);
    out
}

/// The position of the `:` that ends a plain key, if the line starts with one.
fn key_end(s: &str) -> Option<usize> {
    let first = s.chars().next()?;
    if matches!(first, '"' | '\'' | '[' | '{' | '#' | '|' | '>') {
        return None;
    }
    let bytes = s.as_bytes();
    (0..bytes.len()).find(|&i| bytes[i] == b':' && (i + 1 == bytes.len() || bytes[i + 1] == b' ')).filter(|&i| i > 0)
}

fn value(s: &str, out: &mut Vec<Token>) {
    let lead = s.len() - s.trim_start().len();
    out.push(token("", &s[..lead]));
    let v = &s[lead..];
    if v.is_empty() {
        return;
    }
    // A trailing comment starts at ` #` outside quotes.
    let (body, comment) = split_comment(v);
    let class = classify(body.trim_end());
    out.push(token(class, body));
    if !comment.is_empty() {
        out.push(token("comment", comment));
    }
}

fn split_comment(v: &str) -> (&str, &str) {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in v.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') if i == 0 || prev == ' ' || prev == '[' || prev == ',' => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if prev == ' ' || i == 0 => return (&v[..i], &v[i..]),
            _ => {}
        }
        prev = c;
    }
    (v, "")
}

fn classify(v: &str) -> &'static str {
    if v.starts_with('"') || v.starts_with('\'') {
        return "string";
    }
    if v.starts_with('[') || v.starts_with('{') || v == "|" || v == ">" || v.starts_with("|-") || v.starts_with(">-") {
        return "punct";
    }
    match podplay_core::yaml::scalar::resolve_plain(v) {
        podplay_core::yaml::Value::String(_) => "",
        _ => "literal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_one_span_with_its_newline_and_escaped_text() {
        assert_eq!(
            line_markup("  name: <x> # a"),
            "<span>  <span class=\"key\">name</span><span class=\"punct\">:</span> &lt;x&gt; <span class=\"comment\"># a</span>\n</span>"
        );
    }

    #[test]
    fn only_the_lines_between_the_unchanged_ends_are_drawn_again() {
        let old = ["a", "b", "c", "d"];
        assert_eq!(unchanged_ends(&old, &["a", "b", "x", "d"]), (2, 1));
        assert_eq!(unchanged_ends(&old, &["a", "b", "c", "d"]), (4, 0));
        // A line typed twice in a row: the ends never overlap.
        assert_eq!(unchanged_ends(&["a", "a"], &["a", "a", "a"]), (2, 0));
        assert_eq!(unchanged_ends(&["a", "b"], &["b"]), (0, 1));
        assert_eq!(unchanged_ends::<&str, &str>(&[], &["a"]), (0, 0));
    }

    fn classes(text: &str) -> Vec<(&'static str, String)> {
        line(text).into_iter().map(|t| (t.class, t.text)).collect()
    }

    #[test]
    fn keys_values_and_comments() {
        assert_eq!(
            classes("  name: web"),
            [("", "  ".into()), ("key", "name".into()), ("punct", ":".into()), ("", " ".into()), ("", "web".into())]
        );
        assert_eq!(classes("- name: web").iter().filter(|(c, _)| *c == "key").count(), 1);
        assert_eq!(classes("    containerPort: 80")[4], ("literal", "80".into()));
        assert_eq!(classes("  value: yes # a boolean!")[4], ("literal", "yes ".into()));
        assert_eq!(classes("  value: yes # a boolean!")[5], ("comment", "# a boolean!".into()));
        assert_eq!(classes("# comment"), [("comment", "# comment".into())]);
        assert_eq!(classes("  image: \"nginx:1.27\"")[4], ("string", "\"nginx:1.27\"".into()));
        assert_eq!(classes("    image: nginx:1.27")[4], ("", "nginx:1.27".into()));
        // The tokens always give back the line.
        for l in ["", "a", "  - - x: 'y' # z", "http://x", "key: [a, b]"] {
            assert_eq!(line(l).iter().map(|t| t.text.as_str()).collect::<String>(), l);
        }
    }
}
