//! podplay's `sh`, busybox flavour: text → syntax tree → [`interp`].
//!
//! Containers in the course and in the Kubernetes docs run scripts such as
//! `command: ["sh", "-c", "i=0; while true; do echo $i; i=$((i+1)); sleep 1; done"]`.
//! This module reads them as busybox `sh` (ash) does, accepting the same
//! scripts and rejecting the others with busybox's own messages
//! (`sh: line 1: syntax error: unexpected "done"`).
//!
//! The layers follow brush: a tokenizer with positions (`lexer`, `word`,
//! `arith`) feeding a recursive-descent parser (`parser`) that builds plain
//! data ([`ast`]), which [`interp`] executes. Every [`ast`] type prints back
//! as shell text (`display`). Which names are builtins, and which of them
//! are special, is written once, in `builtins`, for both.
//!
//! The front end is bounded, for the browser: it never panics on any input;
//! nesting deeper than [`MAX_NESTING`] levels and arithmetic trees taller
//! than [`MAX_EXPRESSION_HEIGHT`] are errors, not stack overflows; time is
//! linear in the input.
//!
//! Not supported: here-documents (`<<` is a parse error); bash's `$'...'`
//! (read as a literal `$` then a single-quoted string); aliases; `base#digits`
//! numbers in arithmetic. Tilde expansion is the interpreter's: `~` is
//! literal text here.

mod arith;
pub mod ast;
mod builtins;
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
