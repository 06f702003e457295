//! Reading a CRI log back as `kubectl logs` prints it: the text of each
//! line, `P` parts joined to the line they begin.

/// The container's output from a CRI log file's content.
pub fn text(raw: &str) -> String {
    let mut out = String::new();
    for line in raw.lines() {
        // <time> <stream> <tag> <text>
        let mut parts = line.splitn(4, ' ');
        let (_time, _stream, tag) = (parts.next(), parts.next(), parts.next());
        let body = parts.next().unwrap_or("");
        out.push_str(body);
        if tag != Some("P") {
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn partial_lines_join_the_line_they_begin() {
        let raw =
            "2026-01-01T00:00:00Z stdout P hel\n2026-01-01T00:00:00Z stdout F lo\n2026-01-01T00:00:01Z stderr F oops\n";
        assert_eq!(super::text(raw), "hello\noops\n");
    }
}
