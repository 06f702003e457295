//! The front end of podplay's `sh`: text → syntax tree, busybox flavour.
//!
//! Containers in the course and in the Kubernetes docs run scripts such as
//! `command: ["sh", "-c", "i=0; while true; do echo $i; i=$((i+1)); sleep 1; done"]`.
//! This module reads them as busybox `sh` (ash) does, accepting the same
//! scripts and rejecting the others with busybox's own messages
//! (`sh: line 1: syntax error: unexpected "done"`).
//!
//! The layers follow brush: a tokenizer with positions (`lexer`, `word`,
//! `arith`) feeding a recursive-descent parser (`parser`) that builds plain
//! data ([`ast`]); executing it is the interpreter's job. Every [`ast`] type
//! prints back as shell text (`display`).
//!
//! Bounded, for the browser: nothing here panics on any input; nesting
//! deeper than [`MAX_NESTING`] levels and arithmetic deeper than
//! [`MAX_EXPRESSION_HEIGHT`] are errors, not stack overflows; time is linear
//! in the input.
//!
//! Not supported (a parse error, or read differently from busybox):
//! here-documents (`<<`), `$'...'` strings, tilde expansion is left to the
//! interpreter (`~` is literal text here), aliases, `N#digits` numbers in
//! arithmetic.

mod arith;
pub mod ast;
mod display;
mod error;
mod lexer;
mod parser;
mod word;

pub use arith::{MAX_EXPRESSION_HEIGHT, parse_arithmetic};
pub use error::ParseError;
pub use lexer::MAX_NESTING;
pub use parser::{Commands, parse, parse_commands};
pub mod interp;
