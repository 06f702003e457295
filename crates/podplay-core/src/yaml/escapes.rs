//! Double-quoted escapes the way go-yaml reads them.
//!
//! saphyr-parser follows the YAML 1.2 spec; go-yaml (kubectl, the API
//! server) differs in two escapes: it accepts `\'` (as `'`) and rejects `\/`.
//! The Kubernetes documentation itself uses `\'` (`envars-file-container.yaml`),
//! so podplay must read it. The loader rewrites each `\'` the parser rejects
//! into the equivalent `\x27` and re-parses; [`Remap`] maps positions in the
//! rewritten text back to the learner's text.

use saphyr_parser::Marker;

use crate::source::{Position, Span, saturating_u32};

/// Most `\'` rewrites in one input (each costs a re-parse).
pub const MAX_REWRITES: usize = 64;

/// One rewrite: two characters became four at `index` (line, column) of the
/// rewritten text.
#[derive(Clone, Copy, Debug)]
struct Edit {
    index: usize,
    line: usize,
    col: usize,
}

const ADDED: usize = 2;

/// Maps markers of the rewritten text to positions in the original text.
#[derive(Clone, Debug, Default)]
pub struct Remap {
    edits: Vec<Edit>,
}

impl Remap {
    pub fn position(&self, m: Marker) -> Position {
        let before = self.edits.iter().filter(|e| e.index < m.index()).count();
        let before_on_line = self.edits.iter().filter(|e| e.line == m.line() && e.col < m.col()).count();
        Position {
            line: saturating_u32(m.line().max(1)),
            column: saturating_u32(m.col().saturating_sub(ADDED * before_on_line) + 1),
            offset: saturating_u32(m.index().saturating_sub(ADDED * before)),
        }
    }

    pub fn span(&self, s: saphyr_parser::Span) -> Span {
        Span { start: self.position(s.start), end: self.position(s.end) }
    }

    /// Rewrites the first `\'` in the double-quoted scalar that starts at
    /// `quote` (the parser's error marker). Returns `None` when the bad escape
    /// is something else, which stays an error.
    pub fn rewrite(&mut self, text: &str, quote: Marker) -> Option<String> {
        let mut chars = text.char_indices().skip(quote.index());
        let (_, opening) = chars.next()?;
        if opening != '"' {
            return None;
        }
        let (mut line, mut col) = (quote.line(), quote.col() + 1);
        let mut index = quote.index() + 1;
        while let Some((byte, c)) = chars.next() {
            match c {
                '"' => return None,
                '\\' => {
                    let (_, next) = chars.next()?;
                    if next == '\'' {
                        self.edits.push(Edit { index, line, col });
                        let mut out = String::with_capacity(text.len() + ADDED);
                        out.push_str(&text[..byte]);
                        out.push_str("\\x27");
                        out.push_str(&text[byte + 2..]);
                        return Some(out);
                    }
                    if next == '\n' {
                        line += 1;
                        col = 0;
                    } else {
                        col += 2;
                    }
                    index += 2;
                    continue;
                }
                '\n' => {
                    line += 1;
                    col = 0;
                }
                _ => col += 1,
            }
            index += 1;
        }
        None
    }
}

/// True when the raw double-quoted scalar `raw` (from its opening quote) has
/// an escape go-yaml rejects: `\/`.
pub fn has_escape_go_yaml_rejects(raw: &str) -> bool {
    let mut chars = raw.chars().skip(1);
    while let Some(c) = chars.next() {
        match c {
            '"' => return false,
            '\\' if chars.next() == Some('/') => {
                return true;
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slash_escape() {
        assert!(has_escape_go_yaml_rejects(r#""a\/b""#));
        assert!(!has_escape_go_yaml_rejects(r#""a\\/b""#));
        assert!(!has_escape_go_yaml_rejects(r#""a/b""#));
    }
}
