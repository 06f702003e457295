//! The tokenizer: shell text → operators, redirections and words.
//!
//! Tokens are produced on demand, one at a time, because busybox reads a
//! script that way: it parses one complete command, runs it, then reads on,
//! so an error on line 5 does not stop lines 1 to 4 from running.
//!
//! The lexer knows nothing of reserved words (`if`, `done`, `{`): they are
//! ordinary words here, and the parser decides, from their position, whether
//! they are reserved. A word token already holds its parsed parts (quotes,
//! `$` expansions, command substitutions), read by `word.rs`; a command
//! substitution `$(...)` is parsed by a nested [`Parser`](super::parser::Parser)
//! that continues from the lexer's position, since only the grammar knows
//! which `)` ends it (`$(case x in a) ...; esac)`).

use super::ast::{Position, RedirectOp, Word};
use super::error::ParseError;

/// Compound commands, substitutions, `${...}` and parentheses in arithmetic
/// may nest this deep; deeper is an error rather than a stack overflow
/// (podplay runs in the browser, where a crash loses the page, and wasm's
/// stack is 1 MiB). Real scripts nest a handful of levels; at this limit the
/// parser needs under 1 MiB of stack even unoptimized.
pub const MAX_NESTING: u32 = 32;

/// One token and where it starts and ends.
#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub start: Position,
    pub end: Position,
}

#[derive(Clone, Debug)]
pub(crate) enum TokenKind {
    Word(Word),
    /// `[n]>`, `>>`, `<`, `>&`, ... The target is the next token.
    Redirect {
        fd: Option<u32>,
        op: RedirectOp,
    },
    Newline,
    /// `;`
    Semicolon,
    /// `&`
    Ampersand,
    /// `&&`
    AndIf,
    /// `||`
    OrIf,
    /// `|`
    Pipe,
    LeftParen,
    RightParen,
    /// `;;`
    DoubleSemicolon,
    EndOfFile,
}

/// Words that are reserved when they stand where a command name would
/// (busybox's keyword table, with bash's `function`, which busybox accepts).
pub(crate) const RESERVED_WORDS: &[&str] = &[
    "!", "case", "do", "done", "elif", "else", "esac", "fi", "for", "function", "if", "in", "then", "until", "while",
    "{", "}",
];

/// The reserved word `word` would be in command position: an unquoted word
/// spelled exactly like one.
pub(crate) fn reserved_word(word: &Word) -> Option<&'static str> {
    let text = word.as_plain_literal()?;
    RESERVED_WORDS.iter().copied().find(|&r| r == text)
}

impl Token {
    /// The reserved word this token would be in command position.
    pub fn reserved_word(&self) -> Option<&'static str> {
        match &self.kind {
            TokenKind::Word(word) => reserved_word(word),
            _ => None,
        }
    }

    /// How busybox names the token after `unexpected`: plain for end of
    /// file, newline, redirection and word; quoted for operators and
    /// reserved words (`tokname()` in ash.c).
    pub fn describe(&self) -> String {
        if let Some(reserved) = self.reserved_word() {
            return format!("\"{reserved}\"");
        }
        let operator = match &self.kind {
            TokenKind::EndOfFile => return "end of file".to_string(),
            TokenKind::Newline => return "newline".to_string(),
            TokenKind::Redirect { .. } => return "redirection".to_string(),
            TokenKind::Word(_) => return "word".to_string(),
            TokenKind::Semicolon => ";",
            TokenKind::Ampersand => "&",
            TokenKind::AndIf => "&&",
            TokenKind::OrIf => "||",
            TokenKind::Pipe => "|",
            TokenKind::LeftParen => "(",
            TokenKind::RightParen => ")",
            TokenKind::DoubleSemicolon => ";;",
        };
        format!("\"{operator}\"")
    }

    /// `syntax error: unexpected X`, or `... (expecting Y)` when one token
    /// would have fitted. `expecting` is already in busybox's form
    /// (`"\"then\""`, `"word"`).
    pub fn unexpected(&self, expecting: Option<&str>) -> ParseError {
        let mut message = format!("syntax error: unexpected {}", self.describe());
        if let Some(expected) = expecting {
            message.push_str(&format!(" (expecting {expected})"));
        }
        // busybox counts the line after reading the token, so a newline
        // token is reported on the following line.
        let error = ParseError::new(message, self.start, self.end.line);
        if matches!(self.kind, TokenKind::EndOfFile) { error.incomplete() } else { error }
    }
}

/// A cursor over the source text that turns it into tokens.
///
/// Cheap to copy: a nested parser for `$(...)` takes a copy, reads to the
/// closing `)`, and hands back where it stopped.
#[derive(Clone, Debug)]
pub(crate) struct Lexer<'a> {
    source: &'a str,
    /// Byte offset of the next character.
    offset: usize,
    /// Position of the next character.
    position: Position,
    /// How many nesting levels enclose the next character.
    depth: u32,
}

impl<'a> Lexer<'a> {
    /// A lexer reading `source`, whose first character is at `start`, inside
    /// `depth` levels of nesting.
    pub fn new(source: &'a str, start: Position, depth: u32) -> Self {
        Lexer { source, offset: 0, position: start, depth }
    }

    /// The position of the first character of a script.
    pub fn start_of_text() -> Position {
        Position { line: 1, column: 1, offset: 0 }
    }

    pub fn position(&self) -> Position {
        self.position
    }

    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// Enters one more level of nesting, failing past [`MAX_NESTING`].
    pub fn enter(&mut self, at: Position) -> Result<(), ParseError> {
        if self.depth >= MAX_NESTING {
            return Err(ParseError::new(
                format!("syntax error: nested too deeply (podplay's limit is {MAX_NESTING} levels)"),
                at,
                self.position.line,
            ));
        }
        self.depth += 1;
        Ok(())
    }

    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Runs `f` one nesting level deeper.
    pub fn nested<T>(
        &mut self,
        at: Position,
        f: impl FnOnce(&mut Self) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        self.enter(at)?;
        let result = f(self);
        self.leave();
        result
    }

    /// Continues from where `other`, a copy of this lexer, stopped.
    pub fn resume_from(&mut self, other: &Lexer<'_>) {
        self.offset = other.offset;
        self.position = other.position;
    }

    fn rest(&self) -> &'a str {
        self.source.get(self.offset..).unwrap_or("")
    }

    /// The next character exactly as written.
    pub fn peek_raw(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// The character `n` places after the next one, as written.
    pub fn peek_raw_nth(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    /// Whether the text at the cursor, as written, starts with `text`.
    pub fn starts_with(&self, text: &str) -> bool {
        self.rest().starts_with(text)
    }

    /// The next character, after removing line continuations
    /// (backslash-newline), which the shell deletes everywhere outside single
    /// quotes and comments.
    pub fn peek(&mut self) -> Option<char> {
        while self.rest().starts_with("\\\n") {
            self.bump();
            self.bump();
        }
        self.peek_raw()
    }

    /// Consumes the next character as written.
    pub fn bump(&mut self) -> Option<char> {
        let c = self.peek_raw()?;
        self.offset += c.len_utf8();
        self.position.offset = self.position.offset.saturating_add(1);
        if c == '\n' {
            self.position.line = self.position.line.saturating_add(1);
            self.position.column = 1;
        } else {
            self.position.column = self.position.column.saturating_add(1);
        }
        Some(c)
    }

    /// Consumes `c` if it comes next (after line continuations).
    pub fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// An error at `position` about something the input ended inside.
    pub fn error_at_end(&self, message: &str, position: Position) -> ParseError {
        ParseError::new(message, position, self.position.line).incomplete()
    }

    /// An error noticed at the current position.
    pub fn error_here(&self, message: &str, position: Position) -> ParseError {
        ParseError::new(message, position, self.position.line)
    }

    /// Reads the next token.
    pub fn next_token(&mut self) -> Result<Token, ParseError> {
        self.skip_blanks_and_comment();
        let start = self.position;
        let kind = match self.peek() {
            None => TokenKind::EndOfFile,
            Some('\n') => self.single(TokenKind::Newline),
            Some(';') => self.one_or_two(';', TokenKind::Semicolon, TokenKind::DoubleSemicolon),
            Some('|') => self.one_or_two('|', TokenKind::Pipe, TokenKind::OrIf),
            Some('(') => self.single(TokenKind::LeftParen),
            Some(')') => self.single(TokenKind::RightParen),
            Some('&') => {
                self.bump();
                if self.eat('&') {
                    TokenKind::AndIf
                } else if self.eat('>') {
                    TokenKind::Redirect { fd: None, op: RedirectOp::OutputAndError }
                } else {
                    TokenKind::Ampersand
                }
            }
            Some('<' | '>') => self.redirect_operator(None, start)?,
            Some(_) => match self.descriptor_before_redirect() {
                Some(fd) => self.redirect_operator(Some(fd), start)?,
                None => TokenKind::Word(self.word(start)?),
            },
        };
        Ok(Token { kind, start, end: self.position })
    }

    /// Skips spaces, tabs and a comment (to the end of the line, not
    /// including the newline, which is a token).
    fn skip_blanks_and_comment(&mut self) {
        loop {
            match self.peek() {
                Some(' ' | '\t') => {
                    self.bump();
                }
                Some('#') => {
                    while self.peek_raw().is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                _ => return,
            }
        }
    }

    fn single(&mut self, kind: TokenKind) -> TokenKind {
        self.bump();
        kind
    }

    /// `c` or `cc`, as in `|` and `||`.
    fn one_or_two(&mut self, c: char, once: TokenKind, twice: TokenKind) -> TokenKind {
        self.bump();
        if self.eat(c) { twice } else { once }
    }

    /// For `2>file`: the digits of a descriptor that come right before `<`
    /// or `>`, consumed; `None` (nothing consumed) if the next word is not
    /// such a number. Like busybox, at most 9 digits; `1234567890>x` is the
    /// word `1234567890` and then `>x`.
    fn descriptor_before_redirect(&mut self) -> Option<u32> {
        let rest = self.rest();
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        let after = rest.get(digits..)?;
        if !after.starts_with(['<', '>']) {
            return None;
        }
        let fd = rest.get(..digits)?.parse().ok()?;
        for _ in 0..digits {
            self.bump();
        }
        Some(fd)
    }

    /// The operator after `[n]`: `<`, `>`, `>>`, `>|`, `<>`, `<&`, `>&`.
    fn redirect_operator(&mut self, fd: Option<u32>, start: Position) -> Result<TokenKind, ParseError> {
        let op = match self.bump() {
            Some('>') => match self.peek() {
                Some('>') => self.single_op(RedirectOp::Append),
                Some('|') => self.single_op(RedirectOp::Clobber),
                Some('&') => self.single_op(RedirectOp::DuplicateOutput),
                _ => RedirectOp::Output,
            },
            _ => match self.peek() {
                Some('<') => {
                    return Err(
                        self.error_here("syntax error: here-documents (<<) are not supported by podplay's sh", start)
                    );
                }
                Some('&') => self.single_op(RedirectOp::DuplicateInput),
                Some('>') => self.single_op(RedirectOp::ReadWrite),
                _ => RedirectOp::Input,
            },
        };
        Ok(TokenKind::Redirect { fd, op })
    }

    fn single_op(&mut self, op: RedirectOp) -> RedirectOp {
        self.bump();
        op
    }
}

/// `[A-Za-z_]`: the first character of a variable name.
pub(crate) fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

/// `[A-Za-z0-9_]`: the other characters of a variable name.
pub(crate) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A valid variable or function name.
pub(crate) fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}
