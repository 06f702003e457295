//! Positions in the learner's text.
//!
//! Lines and columns are 1-based and columns count Unicode scalar values, the
//! way a person counts characters on a line.

use serde::Serialize;

/// A place in the source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Position {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// 0-based character offset from the start of the text.
    #[serde(skip)]
    pub offset: u32,
}

/// A range of source text, `start` inclusive, `end` exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub start: Position,
    pub end: Position,
}

impl Span {
    pub fn at(position: Position) -> Span {
        Span { start: position, end: position }
    }
}

impl From<saphyr_parser::Marker> for Position {
    fn from(m: saphyr_parser::Marker) -> Position {
        Position {
            line: saturating_u32(m.line().max(1)),
            column: saturating_u32(m.col() + 1),
            offset: saturating_u32(m.index()),
        }
    }
}

impl From<saphyr_parser::Span> for Span {
    fn from(s: saphyr_parser::Span) -> Span {
        Span { start: s.start.into(), end: s.end.into() }
    }
}

pub(crate) fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The position of the character at `byte_offset` in `text` (which must be a
/// char boundary or the end of `text`).
pub fn position_of_byte(text: &str, byte_offset: usize) -> Position {
    let prefix = text.get(..byte_offset.min(text.len())).unwrap_or(text);
    let line = prefix.matches('\n').count() + 1;
    let line_start = prefix.rfind('\n').map_or(0, |i| i + 1);
    let column = prefix[line_start..].chars().count() + 1;
    Position {
        line: saturating_u32(line),
        column: saturating_u32(column),
        offset: saturating_u32(prefix.chars().count()),
    }
}
