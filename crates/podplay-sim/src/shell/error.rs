//! Parse errors, worded as busybox sh words them.
//!
//! busybox prints `sh: line 1: syntax error: unexpected "done"`: the messages
//! here are the part after `line N: `, taken from busybox's `shell/ash.c`
//! (`raise_error_syntax`, `raise_error_unexpected_syntax`, `tokname`) and, for
//! arithmetic, `shell/math.c`. The few limits that are podplay's own say so.

use std::fmt;

use super::ast::Position;

/// Why a script could not be parsed, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    message: String,
    position: Position,
    reported_line: u32,
    incomplete: bool,
}

impl ParseError {
    /// An error at `position`. `reported_line` is the line busybox names:
    /// the line it had read up to when it noticed, which for an unterminated
    /// quote is the last line of the script.
    pub(crate) fn new(message: impl Into<String>, position: Position, reported_line: u32) -> Self {
        ParseError { message: message.into(), position, reported_line: reported_line.max(1), incomplete: false }
    }

    /// Marks an error caused by the input ending too early.
    pub(crate) fn incomplete(mut self) -> Self {
        self.incomplete = true;
        self
    }

    /// The message, as busybox prints it after `sh: line N: `, e.g.
    /// `syntax error: unexpected "fi"`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where to point the learner: the unexpected token, or the opening quote
    /// or bracket that is never closed.
    pub fn position(&self) -> Position {
        self.position
    }

    /// The line busybox reports in `sh: line N: ...`.
    pub fn reported_line(&self) -> u32 {
        self.reported_line
    }

    /// True when the script simply ended too early (unterminated quote, `if`
    /// without `fi`, ...): more input could make it valid, so an interactive
    /// shell would prompt for a continuation line.
    pub fn is_incomplete(&self) -> bool {
        self.incomplete
    }

    /// The error as busybox prints it on standard error, without the newline:
    /// `render("sh")` gives `sh: line 1: syntax error: unexpected "done"`.
    pub fn render(&self, shell_name: &str) -> String {
        format!("{shell_name}: line {}: {}", self.reported_line, self.message)
    }
}

impl fmt::Display for ParseError {
    /// `LINE:COLUMN: MESSAGE`, the position being where to look.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.position.line, self.position.column, self.message)
    }
}

impl std::error::Error for ParseError {}
