//! The parser: tokens → [`ast`](super::ast), by recursive descent.
//!
//! It follows busybox's `list`, `andor`, `pipeline`, `parse_command` and
//! `simplecmd` (ash.c) closely, so that the same scripts are accepted and the
//! same token is reported in `syntax error: unexpected ...`:
//! - reserved words are recognized only where a command name may stand
//!   (`echo done` is fine);
//! - a top-level list ends at a newline: that is one complete command, which
//!   busybox runs before reading the next ([`parse_commands`]);
//! - the body of a compound command may not be empty (`if true; then fi` is
//!   `unexpected "fi"`), the body of a case arm or of `$()` may.

use super::ast::{
    AndOr, AndOrList, Assignment, CaseArm, CaseCommand, Command, CompoundCommand, CompoundKind, ForCommand,
    FunctionDefinition, IfBranch, IfCommand, List, ListItem, LoopCommand, Pipeline, Position, Program, Redirect,
    SimpleCommand, Word, WordPart,
};
use super::builtins;
use super::error::ParseError;
use super::lexer::{Lexer, Token, TokenKind, is_name};

/// Parses a whole script.
///
/// Fails on the first syntax error. busybox would have run the complete
/// commands before the one with the error; use [`parse_commands`] to do the
/// same.
pub fn parse(source: &str) -> Result<Program, ParseError> {
    let commands = parse_commands(source).collect::<Result<Vec<_>, _>>()?;
    Ok(Program { commands })
}

/// Parses a script one complete command at a time, as busybox reads it: the
/// interpreter can run each command before the next is parsed, so that
/// `echo one; echo two` then a bad line 2 prints `one` and `two` before the
/// error. The iterator ends after the first error.
pub fn parse_commands(source: &str) -> Commands<'_> {
    Commands { parser: Some(Parser::new(Lexer::new(source, Lexer::start_of_text(), 0))) }
}

/// The complete commands of a script; see [`parse_commands`].
pub struct Commands<'a> {
    /// `None` once the script or an error has been reached.
    parser: Option<Parser<'a>>,
}

impl Iterator for Commands<'_> {
    type Item = Result<List, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        let parser = self.parser.as_mut()?;
        let result = parser.complete_command();
        match result {
            Ok(Some(list)) => Some(Ok(list)),
            Ok(None) => {
                self.parser = None;
                None
            }
            Err(error) => {
                self.parser = None;
                Some(Err(error))
            }
        }
    }
}

/// How a list ends; busybox's `list(nlflag)`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ListKind {
    /// A complete command at the top level: ends at a newline (consumed).
    /// Any other unexpected token is an error.
    TopLevel,
    /// The body of a compound command: newlines separate; ends before a
    /// token that cannot start a command, which the caller checks. Must not
    /// be empty.
    Body,
    /// Like `Body`, but may be empty: case arms, command substitutions.
    MaybeEmpty,
}

/// What the token at the start of a command begins.
enum CommandStart {
    Simple,
    Compound,
    FunctionKeyword,
    Unexpected,
}

pub(crate) struct Parser<'a> {
    lexer: Lexer<'a>,
    /// A token read but not yet consumed.
    peeked: Option<Token>,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(lexer: Lexer<'a>) -> Self {
        Parser { lexer, peeked: None }
    }

    /// The body of `$(...)`, the lexer being just after `$(`; on success the
    /// lexer is moved past the closing `)`.
    pub(crate) fn parse_substitution(lexer: &mut Lexer<'_>) -> Result<List, ParseError> {
        let mut parser = Parser::new(lexer.clone());
        let body = parser.list(ListKind::MaybeEmpty)?;
        let close = parser.next()?;
        if !matches!(close.kind, TokenKind::RightParen) {
            return Err(close.unexpected(Some("\")\"")));
        }
        // The `)` was the last token read, so the nested lexer stopped
        // right after it.
        lexer.resume_from(&parser.lexer);
        Ok(body)
    }

    /// The unescaped text between backquotes.
    pub(crate) fn parse_backquoted(lexer: Lexer<'_>) -> Result<List, ParseError> {
        let mut parser = Parser::new(lexer);
        let body = parser.list(ListKind::MaybeEmpty)?;
        let end = parser.next()?;
        if !matches!(end.kind, TokenKind::EndOfFile) {
            return Err(end.unexpected(None));
        }
        Ok(body)
    }

    /// The next complete command, `None` at the end of the script. Blank
    /// lines and comments are skipped.
    fn complete_command(&mut self) -> Result<Option<List>, ParseError> {
        loop {
            if matches!(self.peek()?.kind, TokenKind::EndOfFile) {
                return Ok(None);
            }
            let list = self.list(ListKind::TopLevel)?;
            if !list.items.is_empty() {
                return Ok(Some(list));
            }
        }
    }

    fn peek(&mut self) -> Result<&Token, ParseError> {
        let token = match self.peeked.take() {
            Some(token) => token,
            None => self.lexer.next_token()?,
        };
        Ok(self.peeked.insert(token))
    }

    fn next(&mut self) -> Result<Token, ParseError> {
        match self.peeked.take() {
            Some(token) => Ok(token),
            None => self.lexer.next_token(),
        }
    }

    fn push_back(&mut self, token: Token) {
        self.peeked = Some(token);
    }

    fn skip_newlines(&mut self) -> Result<(), ParseError> {
        while matches!(self.peek()?.kind, TokenKind::Newline) {
            self.next()?;
        }
        Ok(())
    }

    /// Consumes the reserved word `word`, or fails with
    /// `unexpected X (expecting "word")`.
    fn expect_reserved(&mut self, word: &str) -> Result<Token, ParseError> {
        let token = self.next()?;
        if token.reserved_word() == Some(word) {
            Ok(token)
        } else {
            Err(token.unexpected(Some(&format!("\"{word}\""))))
        }
    }

    /// busybox's `list()`: and-or lists separated by `;`, `&` or newlines.
    fn list(&mut self, kind: ListKind) -> Result<List, ParseError> {
        let mut items = Vec::new();
        loop {
            if kind == ListKind::TopLevel {
                match self.peek()?.kind {
                    TokenKind::Newline => {
                        self.next()?;
                        return Ok(List { items });
                    }
                    TokenKind::EndOfFile => return Ok(List { items }),
                    _ => {}
                }
            } else {
                self.skip_newlines()?;
                if matches!(self.peek()?.kind, TokenKind::EndOfFile) {
                    return Ok(List { items });
                }
            }
            // In a body, a closing token ends the list after its first item
            // (always, where the list may be empty); at the top level, and
            // before a body's first item, the command parser reports it as
            // unexpected. So `echo a; fi` fails as a whole, as in busybox.
            let may_end = match kind {
                ListKind::TopLevel => false,
                ListKind::Body => !items.is_empty(),
                ListKind::MaybeEmpty => true,
            };
            if may_end && ends_list(self.peek()?) {
                return Ok(List { items });
            }
            let and_or = self.and_or()?;
            let separator = self.next()?;
            let background = matches!(separator.kind, TokenKind::Ampersand);
            items.push(ListItem { and_or, background });
            match separator.kind {
                TokenKind::Ampersand | TokenKind::Semicolon => {}
                TokenKind::Newline if kind == ListKind::TopLevel => return Ok(List { items }),
                TokenKind::Newline => {}
                TokenKind::EndOfFile => {
                    self.push_back(separator);
                    return Ok(List { items });
                }
                _ if kind == ListKind::TopLevel => return Err(separator.unexpected(None)),
                _ => {
                    self.push_back(separator);
                    return Ok(List { items });
                }
            }
        }
    }

    /// `pipeline { && | || [newlines] pipeline }`.
    fn and_or(&mut self) -> Result<AndOrList, ParseError> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let op = match self.peek()?.kind {
                TokenKind::AndIf => AndOr::And,
                TokenKind::OrIf => AndOr::Or,
                _ => return Ok(AndOrList { first, rest }),
            };
            self.next()?;
            self.skip_newlines()?;
            rest.push((op, self.pipeline()?));
        }
    }

    /// `[!] command { | [newlines] command }`.
    fn pipeline(&mut self) -> Result<Pipeline, ParseError> {
        let first = self.peek()?;
        let position = first.start;
        let negated = first.reserved_word() == Some("!");
        if negated {
            self.next()?;
        }
        let mut commands = vec![self.command()?];
        while matches!(self.peek()?.kind, TokenKind::Pipe) {
            self.next()?;
            self.skip_newlines()?;
            commands.push(self.command()?);
        }
        Ok(Pipeline { negated, commands, position })
    }

    /// busybox's `parse_command()`: a compound command with its
    /// redirections, a function definition or a simple command.
    fn command(&mut self) -> Result<Command, ParseError> {
        let token = self.peek()?;
        let start = token.start;
        let kind = match (&token.kind, token.reserved_word()) {
            (TokenKind::Word(_), Some("function")) => CommandStart::FunctionKeyword,
            (TokenKind::LeftParen, _) | (TokenKind::Word(_), Some("if" | "while" | "until" | "for" | "case" | "{")) => {
                CommandStart::Compound
            }
            (TokenKind::Word(_), None) | (TokenKind::Redirect { .. }, _) => CommandStart::Simple,
            _ => CommandStart::Unexpected,
        };
        match kind {
            CommandStart::Simple => self.simple_command(start),
            CommandStart::FunctionKeyword => self.function_keyword(start),
            CommandStart::Compound => self.compound_command(start).map(Command::Compound),
            CommandStart::Unexpected => {
                let token = self.next()?;
                Err(token.unexpected(None))
            }
        }
    }

    /// A compound command and the redirections after it.
    fn compound_command(&mut self, start: Position) -> Result<CompoundCommand, ParseError> {
        self.lexer.enter(start)?;
        let kind = self.compound_kind()?;
        self.lexer.leave();
        let mut redirects = Vec::new();
        while matches!(self.peek()?.kind, TokenKind::Redirect { .. }) {
            redirects.push(self.redirect()?);
        }
        Ok(CompoundCommand { kind, redirects, position: start })
    }

    /// The compound command starting at the next token.
    fn compound_kind(&mut self) -> Result<CompoundKind, ParseError> {
        let token = self.next()?;
        if matches!(token.kind, TokenKind::LeftParen) {
            let body = self.list(ListKind::Body)?;
            let close = self.next()?;
            if !matches!(close.kind, TokenKind::RightParen) {
                return Err(close.unexpected(Some("\")\"")));
            }
            return Ok(CompoundKind::Subshell(body));
        }
        match token.reserved_word() {
            Some("if") => self.if_command().map(CompoundKind::If),
            Some("while") => self.loop_command().map(CompoundKind::While),
            Some("until") => self.loop_command().map(CompoundKind::Until),
            Some("for") => self.for_command().map(CompoundKind::For),
            Some("case") => self.case_command().map(CompoundKind::Case),
            Some("{") => {
                let body = self.list(ListKind::Body)?;
                self.expect_reserved("}")?;
                Ok(CompoundKind::BraceGroup(body))
            }
            _ => Err(token.unexpected(None)),
        }
    }

    /// After `if`: `list then list { elif list then list } [else list] fi`.
    fn if_command(&mut self) -> Result<IfCommand, ParseError> {
        let mut branches = vec![self.if_branch()?];
        loop {
            let token = self.next()?;
            match token.reserved_word() {
                Some("elif") => branches.push(self.if_branch()?),
                Some("else") => {
                    let else_body = self.list(ListKind::Body)?;
                    self.expect_reserved("fi")?;
                    return Ok(IfCommand { branches, else_body: Some(else_body) });
                }
                Some("fi") => {
                    return Ok(IfCommand { branches, else_body: None });
                }
                _ => return Err(token.unexpected(Some("\"fi\""))),
            }
        }
    }

    fn if_branch(&mut self) -> Result<IfBranch, ParseError> {
        let condition = self.list(ListKind::Body)?;
        self.expect_reserved("then")?;
        let body = self.list(ListKind::Body)?;
        Ok(IfBranch { condition, body })
    }

    /// After `while` or `until`: `list do list done`.
    fn loop_command(&mut self) -> Result<LoopCommand, ParseError> {
        let condition = self.list(ListKind::Body)?;
        self.expect_reserved("do")?;
        let body = self.list(ListKind::Body)?;
        self.expect_reserved("done")?;
        Ok(LoopCommand { condition, body })
    }

    /// After `for`: `name [in words (; | newline)] do list done`; the `;`
    /// may be left out when there is no `in`, as busybox allows.
    fn for_command(&mut self) -> Result<ForCommand, ParseError> {
        let token = self.next()?;
        let variable = match &token.kind {
            TokenKind::Word(word) => word.as_plain_literal().filter(|name| is_name(name)),
            _ => None,
        };
        let Some(variable) = variable.map(str::to_string) else {
            let error = ParseError::new("syntax error: bad for loop variable", token.start, token.end.line);
            return Err(if matches!(token.kind, TokenKind::EndOfFile) { error.incomplete() } else { error });
        };
        self.skip_newlines()?;
        let words = if self.peek()?.reserved_word() == Some("in") {
            self.next()?;
            let mut words = Vec::new();
            loop {
                let token = self.next()?;
                match token.kind {
                    TokenKind::Word(word) => words.push(word),
                    TokenKind::Semicolon | TokenKind::Newline => break,
                    _ => return Err(token.unexpected(None)),
                }
            }
            Some(words)
        } else {
            if matches!(self.peek()?.kind, TokenKind::Semicolon) {
                self.next()?;
            }
            None
        };
        self.skip_newlines()?;
        self.expect_reserved("do")?;
        let body = self.list(ListKind::Body)?;
        self.expect_reserved("done")?;
        Ok(ForCommand { variable, words, body })
    }

    /// After `case`: `word in { [(] pattern { | pattern } ) list ;; } esac`,
    /// the last `;;` being optional.
    fn case_command(&mut self) -> Result<CaseCommand, ParseError> {
        let token = self.next()?;
        let TokenKind::Word(word) = token.kind else {
            return Err(token.unexpected(Some("word")));
        };
        self.skip_newlines()?;
        self.expect_reserved("in")?;
        let mut arms = Vec::new();
        loop {
            self.skip_newlines()?;
            let token = self.next()?;
            if token.reserved_word() == Some("esac") {
                break;
            }
            let position = token.start;
            // `esac` is a pattern, not the end, after an opening `(`.
            let first = if matches!(token.kind, TokenKind::LeftParen) { self.next()? } else { token };
            let patterns = self.case_patterns(first)?;
            let body = self.list(ListKind::MaybeEmpty)?;
            arms.push(CaseArm { patterns, body, position });
            self.skip_newlines()?;
            let token = self.next()?;
            if token.reserved_word() == Some("esac") {
                break;
            }
            if !matches!(token.kind, TokenKind::DoubleSemicolon) {
                return Err(token.unexpected(Some("\";;\"")));
            }
        }
        Ok(CaseCommand { word, arms })
    }

    /// `pattern { | pattern } )`, `first` being the first pattern's token.
    fn case_patterns(&mut self, first: Token) -> Result<Vec<Word>, ParseError> {
        let mut patterns = Vec::new();
        let mut token = first;
        loop {
            let TokenKind::Word(pattern) = token.kind else {
                return Err(token.unexpected(Some("word")));
            };
            patterns.push(pattern);
            let separator = self.next()?;
            match separator.kind {
                TokenKind::Pipe => token = self.next()?,
                TokenKind::RightParen => return Ok(patterns),
                _ => return Err(separator.unexpected(Some("\")\""))),
            }
        }
    }

    /// busybox's `simplecmd()`: assignments, words and redirections, or a
    /// function definition `name() command`.
    fn simple_command(&mut self, start: Position) -> Result<Command, ParseError> {
        let mut command =
            SimpleCommand { assignments: Vec::new(), words: Vec::new(), redirects: Vec::new(), position: start };
        // Inside bash's `[[ ... ]]`, which busybox accepts, `&&` and `||`
        // are arguments of the test, not list operators.
        let mut in_double_brackets = false;
        loop {
            let token = self.next()?;
            match token.kind {
                TokenKind::Word(word) => {
                    if command.words.is_empty() {
                        match split_assignment(word) {
                            Ok(assignment) => {
                                command.assignments.push(assignment);
                                continue;
                            }
                            Err(word) => command.words.push(word),
                        }
                    } else {
                        command.words.push(word);
                    }
                    match command.words.last().and_then(Word::as_plain_literal) {
                        Some("[[") => in_double_brackets = true,
                        Some("]]") => in_double_brackets = false,
                        _ => {}
                    }
                }
                TokenKind::Redirect { .. } => {
                    self.push_back(token);
                    command.redirects.push(self.redirect()?);
                }
                TokenKind::AndIf | TokenKind::OrIf if in_double_brackets => {
                    let text = if matches!(token.kind, TokenKind::AndIf) { "&&" } else { "||" };
                    command
                        .words
                        .push(Word { parts: vec![WordPart::Literal(text.to_string())], position: token.start });
                }
                TokenKind::LeftParen
                    if command.words.len() == 1 && command.assignments.is_empty() && command.redirects.is_empty() =>
                {
                    let name = command.words.pop();
                    return self.function_definition(name, start);
                }
                _ => {
                    self.push_back(token);
                    return Ok(Command::Simple(command));
                }
            }
        }
    }

    /// `name ( ) [newlines] command`, after the `(`.
    fn function_definition(&mut self, name: Option<Word>, start: Position) -> Result<Command, ParseError> {
        let close = self.next()?;
        if !matches!(close.kind, TokenKind::RightParen) {
            return Err(close.unexpected(Some("\")\"")));
        }
        let name = function_name(name.as_ref())
            .ok_or_else(|| ParseError::new("syntax error: bad function name", start, close.end.line))?;
        self.function_body(name, start)
    }

    /// bash's `function name [()] compound-command`, which busybox accepts.
    fn function_keyword(&mut self, start: Position) -> Result<Command, ParseError> {
        self.next()?;
        let token = self.next()?;
        let TokenKind::Word(word) = &token.kind else {
            return Err(token.unexpected(Some("word")));
        };
        let name = function_name(Some(word))
            .ok_or_else(|| ParseError::new("syntax error: bad function name", token.start, token.end.line))?;
        if matches!(self.peek()?.kind, TokenKind::LeftParen) {
            self.next()?;
            let close = self.next()?;
            if !matches!(close.kind, TokenKind::RightParen) {
                return Err(close.unexpected(Some("\")\"")));
            }
        }
        self.skip_newlines()?;
        let body_start = self.peek()?;
        let compound = matches!(body_start.kind, TokenKind::LeftParen)
            || matches!(body_start.reserved_word(), Some("{" | "if" | "case" | "until" | "while" | "for"));
        if !compound {
            let token = self.next()?;
            return Err(token.unexpected(None));
        }
        self.function_body(name, start)
    }

    fn function_body(&mut self, name: String, start: Position) -> Result<Command, ParseError> {
        self.skip_newlines()?;
        self.lexer.enter(start)?;
        let body = self.command()?;
        self.lexer.leave();
        Ok(Command::FunctionDefinition(FunctionDefinition { name, body: Box::new(body), position: start }))
    }

    /// A redirection operator and its target word.
    fn redirect(&mut self) -> Result<Redirect, ParseError> {
        let token = self.next()?;
        let TokenKind::Redirect { fd, op } = token.kind else {
            return Err(token.unexpected(None));
        };
        let target = self.next()?;
        let TokenKind::Word(word) = target.kind else {
            return Err(target.unexpected(None));
        };
        Ok(Redirect { explicit_fd: fd, op, target: word, position: token.start })
    }
}

/// Tokens before which a list stops: busybox's `tokendlist`.
fn ends_list(token: &Token) -> bool {
    match token.kind {
        TokenKind::EndOfFile | TokenKind::RightParen | TokenKind::DoubleSemicolon => true,
        _ => matches!(token.reserved_word(), Some("do" | "done" | "elif" | "else" | "esac" | "fi" | "then" | "}")),
    }
}

/// `NAME=value` as an assignment, or the word back if it is not one: the
/// word must start with an unquoted name followed by `=`.
fn split_assignment(word: Word) -> Result<Assignment, Word> {
    let Some(WordPart::Literal(first)) = word.parts.first() else {
        return Err(word);
    };
    let Some((name, value_start)) = first.split_once('=') else {
        return Err(word);
    };
    if !is_name(name) {
        return Err(word);
    }
    let name = name.to_string();
    let value_start = value_start.to_string();
    let name_length = u32::try_from(name.chars().count() + 1).unwrap_or(u32::MAX);
    let mut value_position = word.position;
    value_position.column = value_position.column.saturating_add(name_length);
    value_position.offset = value_position.offset.saturating_add(name_length);
    // The first part, `NAME=rest`, becomes `rest` (or nothing).
    let mut parts = Vec::with_capacity(word.parts.len());
    if !value_start.is_empty() {
        parts.push(WordPart::Literal(value_start));
    }
    parts.extend(word.parts.into_iter().skip(1));
    Ok(Assignment { name, value: Word { parts, position: value_position }, position: word.position })
}

/// The function name a word spells, if it is allowed: a plain name that is
/// not a special builtin.
fn function_name(word: Option<&Word>) -> Option<String> {
    let name = word?.as_plain_literal()?;
    (is_name(name) && !builtins::is_special(name)).then(|| name.to_string())
}
