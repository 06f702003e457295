//! Words: quoting and `$` expansions, read into [`WordPart`]s.
//!
//! The rules are busybox's (`readtoken1` and `parsesub` in ash.c):
//! - outside quotes, `\c` quotes `c`; a word ends at a blank, a newline or
//!   one of `; & | < > ( )`;
//! - inside `'...'` nothing is special;
//! - inside `"..."`, `$` and `` ` `` expand, and `\` quotes only `$ ` \ "`
//!   (elsewhere it stays a backslash);
//! - inside `${name OP word}` the word runs to the matching `}`: blanks and
//!   operators are ordinary characters there;
//! - `$((` always starts arithmetic, as in busybox (write `$( (cmd) )` for a
//!   subshell inside a command substitution).

use super::arith;
use super::ast::{
    CommandSubstitution, Parameter, ParameterExpansion, ParameterOperation, Position, SpecialParameter, Word, WordPart,
};
use super::error::ParseError;
use super::lexer::{Lexer, is_name_char, is_name_start};
use super::parser::Parser;

/// Where the word being read stops.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WordEnd {
    /// A word of a command: at a blank, newline or operator character.
    Metacharacter,
    /// The word of `${x:-word}`: at `}`.
    Brace,
    /// The offset of `${x:offset:length}`: at `:` or `}`.
    BraceOrColon,
    /// The pattern of `${x/pattern/replacement}`: at `/` or `}`.
    BraceOrSlash,
}

impl WordEnd {
    fn stops_at(self, c: char) -> bool {
        match self {
            WordEnd::Metacharacter => matches!(c, ' ' | '\t' | '\n' | ';' | '&' | '|' | '<' | '>' | '(' | ')'),
            WordEnd::Brace => c == '}',
            WordEnd::BraceOrColon => c == '}' || c == ':',
            WordEnd::BraceOrSlash => c == '}' || c == '/',
        }
    }
}

/// Whether the characters being read are inside double quotes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Quoting {
    Unquoted,
    DoubleQuoted,
}

/// Collects parts, merging runs of literal characters into one part.
#[derive(Default)]
struct Parts {
    parts: Vec<WordPart>,
    literal: String,
}

impl Parts {
    fn push_char(&mut self, c: char) {
        self.literal.push(c);
    }

    fn push(&mut self, part: WordPart) {
        self.flush();
        self.parts.push(part);
    }

    fn flush(&mut self) {
        if !self.literal.is_empty() {
            let text = std::mem::take(&mut self.literal);
            self.parts.push(WordPart::Literal(text));
        }
    }

    fn finish(mut self) -> Vec<WordPart> {
        self.flush();
        self.parts
    }
}

impl Lexer<'_> {
    /// A word of a command, starting at the next character (which is not a
    /// blank or an operator).
    pub(crate) fn word(&mut self, start: Position) -> Result<Word, ParseError> {
        let parts = self.word_parts(WordEnd::Metacharacter, Quoting::Unquoted)?;
        Ok(Word { parts, position: start })
    }

    /// Reads parts until `end` (not consumed) or the end of the input.
    fn word_parts(&mut self, end: WordEnd, quoting: Quoting) -> Result<Vec<WordPart>, ParseError> {
        let mut parts = Parts::default();
        while let Some(c) = self.peek() {
            if end.stops_at(c) {
                break;
            }
            match c {
                '\\' => {
                    self.bump();
                    self.backslash(&mut parts, quoting, end);
                }
                '\'' if quoting == Quoting::Unquoted => parts.push(self.single_quoted()?),
                '"' => parts.push(self.double_quoted()?),
                '$' => match self.dollar(quoting)? {
                    Some(part) => parts.push(part),
                    None => parts.push_char('$'),
                },
                '`' => parts.push(self.backquoted(quoting)?),
                _ => {
                    self.bump();
                    parts.push_char(c);
                }
            }
        }
        Ok(parts.finish())
    }

    /// After a backslash in a word (line continuations were already removed).
    fn backslash(&mut self, parts: &mut Parts, quoting: Quoting, end: WordEnd) {
        match (quoting, self.peek_raw()) {
            // A backslash ending the script stands for itself, quoted.
            (Quoting::Unquoted, None) => parts.push(WordPart::Escaped('\\')),
            (Quoting::Unquoted, Some(c)) => {
                self.bump();
                parts.push(WordPart::Escaped(c));
            }
            // In "${x:-...}", `\}` is a brace as well.
            (Quoting::DoubleQuoted, Some(c))
                if matches!(c, '$' | '`' | '"' | '\\') || (c == '}' && end != WordEnd::Metacharacter) =>
            {
                self.bump();
                parts.push_char(c);
            }
            (Quoting::DoubleQuoted, _) => parts.push_char('\\'),
        }
    }

    /// `'...'`, from the opening quote.
    fn single_quoted(&mut self) -> Result<WordPart, ParseError> {
        let start = self.position();
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                Some('\'') => return Ok(WordPart::SingleQuoted(text)),
                Some(c) => text.push(c),
                None => return Err(self.unterminated_quote(start)),
            }
        }
    }

    /// `"..."`, from the opening quote.
    fn double_quoted(&mut self) -> Result<WordPart, ParseError> {
        let start = self.position();
        self.bump();
        let mut parts = Parts::default();
        loop {
            match self.peek() {
                None => return Err(self.unterminated_quote(start)),
                Some('"') => {
                    self.bump();
                    return Ok(WordPart::DoubleQuoted(parts.finish()));
                }
                Some('\\') => {
                    self.bump();
                    match self.peek_raw() {
                        Some(c @ ('$' | '`' | '"' | '\\')) => {
                            self.bump();
                            parts.push_char(c);
                        }
                        _ => parts.push_char('\\'),
                    }
                }
                Some('$') => match self.dollar(Quoting::DoubleQuoted)? {
                    Some(part) => parts.push(part),
                    None => parts.push_char('$'),
                },
                Some('`') => parts.push(self.backquoted(Quoting::DoubleQuoted)?),
                Some(c) => {
                    self.bump();
                    parts.push_char(c);
                }
            }
        }
    }

    fn unterminated_quote(&self, start: Position) -> ParseError {
        self.error_at_end("syntax error: unterminated quoted string", start)
    }

    /// An expansion starting with `$` (the next character). `None`, with the
    /// `$` consumed, when the `$` expands nothing (`$`, `$/`, `$"..."`) and
    /// stands for itself.
    pub(crate) fn dollar(&mut self, quoting: Quoting) -> Result<Option<WordPart>, ParseError> {
        let start = self.position();
        self.bump();
        let simple =
            |parameter| Some(WordPart::Parameter(ParameterExpansion { parameter, operation: None, braced: false }));
        let Some(c) = self.peek() else {
            return Ok(None);
        };
        match c {
            '{' => {
                self.bump();
                let expansion = self.nested(start, |lexer| lexer.braced_parameter(start, quoting))?;
                Ok(Some(WordPart::Parameter(expansion)))
            }
            '(' => {
                self.bump();
                if self.eat('(') {
                    let expr = self.nested(start, |lexer| arith::parse_expansion(lexer, start))?;
                    Ok(Some(WordPart::Arithmetic(expr)))
                } else {
                    let body = self.nested(start, Parser::parse_substitution)?;
                    Ok(Some(WordPart::CommandSubstitution(CommandSubstitution { body, backquoted: false })))
                }
            }
            c if is_name_start(c) => Ok(simple(Parameter::Named(self.name()))),
            c if c.is_ascii_digit() => {
                self.bump();
                Ok(simple(digit_parameter(u32::from(c) - u32::from('0'))))
            }
            c => match SpecialParameter::from_char(c) {
                Some(special) => {
                    self.bump();
                    Ok(simple(Parameter::Special(special)))
                }
                None => Ok(None),
            },
        }
    }

    /// A variable name (the next character starts one).
    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(c) = self.peek().filter(|&c| is_name_char(c)) {
            self.bump();
            name.push(c);
        }
        name
    }

    /// `${...}` after the `{`, up to and including the `}`.
    fn braced_parameter(&mut self, start: Position, quoting: Quoting) -> Result<ParameterExpansion, ParseError> {
        let length_of = self.starts_length_expansion();
        if length_of {
            self.bump();
        }
        let parameter = self.braced_parameter_name(start)?;
        let operation =
            if length_of { Some(ParameterOperation::Length) } else { self.parameter_operation(start, quoting)? };
        match self.peek() {
            Some('}') => {
                self.bump();
                Ok(ParameterExpansion { parameter, operation, braced: true })
            }
            None => Err(self.error_at_end("syntax error: missing '}'", start)),
            Some(_) => Err(self.bad_substitution(start)),
        }
    }

    /// Whether `#` at the cursor means "length of" (`${#x}`, `${#1}`,
    /// `${#?}`) rather than the parameter `$#` (`${#}`, `${#:-0}`).
    fn starts_length_expansion(&mut self) -> bool {
        if self.peek() != Some('#') {
            return false;
        }
        match self.peek_raw_nth(1) {
            Some(c) if is_name_start(c) || c.is_ascii_digit() => true,
            Some(c) => SpecialParameter::from_char(c).is_some() && self.peek_raw_nth(2) == Some('}'),
            None => false,
        }
    }

    /// The parameter inside `${`: a name, digits or a special character.
    fn braced_parameter_name(&mut self, start: Position) -> Result<Parameter, ParseError> {
        match self.peek() {
            Some(c) if is_name_start(c) => Ok(Parameter::Named(self.name())),
            Some(c) if c.is_ascii_digit() => {
                let mut number: u32 = 0;
                while let Some(digit) = self.peek().and_then(|c| c.to_digit(10)) {
                    self.bump();
                    // `${99999999999}` names a parameter that is never set.
                    number = number.saturating_mul(10).saturating_add(digit);
                }
                Ok(digit_parameter(number))
            }
            Some(c) => match SpecialParameter::from_char(c) {
                Some(special) => {
                    self.bump();
                    Ok(Parameter::Special(special))
                }
                None => Err(self.bad_substitution(start)),
            },
            None => Err(self.error_at_end("syntax error: missing '}'", start)),
        }
    }

    /// What follows the parameter inside `${...}`, up to the closing `}`
    /// (not consumed). `None` if the `}` comes at once.
    fn parameter_operation(
        &mut self,
        start: Position,
        quoting: Quoting,
    ) -> Result<Option<ParameterOperation>, ParseError> {
        let Some(c) = self.peek() else {
            return Err(self.error_at_end("syntax error: missing '}'", start));
        };
        let treat_empty_as_unset = c == ':';
        if treat_empty_as_unset {
            self.bump();
        }
        let operation = match self.peek() {
            Some('}') if !treat_empty_as_unset => return Ok(None),
            Some(c @ ('-' | '=' | '?' | '+')) => {
                self.bump();
                let word = self.operand(WordEnd::Brace, quoting)?;
                match c {
                    '-' => ParameterOperation::UseDefault { treat_empty_as_unset, word },
                    '=' => ParameterOperation::AssignDefault { treat_empty_as_unset, word },
                    '?' => ParameterOperation::ErrorIfUnset { treat_empty_as_unset, word },
                    _ => ParameterOperation::UseAlternative { treat_empty_as_unset, word },
                }
            }
            // bash's ${x:offset:length}, which busybox accepts.
            _ if treat_empty_as_unset => {
                let offset = self.operand(WordEnd::BraceOrColon, quoting)?;
                let length = if self.eat(':') { Some(self.operand(WordEnd::Brace, quoting)?) } else { None };
                ParameterOperation::Substring { offset, length }
            }
            // Patterns are read as outside quotes even in "${x#'a'}", as
            // busybox does.
            Some(c @ ('%' | '#')) => {
                self.bump();
                let longest = self.eat(c);
                let pattern = self.operand(WordEnd::Brace, Quoting::Unquoted)?;
                if c == '%' {
                    ParameterOperation::RemoveSuffix { longest, pattern }
                } else {
                    ParameterOperation::RemovePrefix { longest, pattern }
                }
            }
            // bash's ${x/pattern/replacement}, which busybox accepts.
            Some('/') => {
                self.bump();
                let all = self.eat('/');
                let pattern = self.operand(WordEnd::BraceOrSlash, Quoting::Unquoted)?;
                let replacement =
                    if self.eat('/') { Some(self.operand(WordEnd::Brace, Quoting::Unquoted)?) } else { None };
                ParameterOperation::Replace { all, pattern, replacement }
            }
            _ => return Err(self.bad_substitution(start)),
        };
        Ok(Some(operation))
    }

    /// A word inside `${...}`.
    fn operand(&mut self, end: WordEnd, quoting: Quoting) -> Result<Word, ParseError> {
        let position = self.position();
        let parts = self.word_parts(end, quoting)?;
        Ok(Word { parts, position })
    }

    fn bad_substitution(&self, start: Position) -> ParseError {
        self.error_here("syntax error: bad substitution", start)
    }

    /// `` `...` ``, from the opening backquote. The text up to the closing
    /// backquote is unescaped (`\\`, `` \` ``, `\$`, and `\"` inside double
    /// quotes, lose their backslash) and then parsed as a list, as busybox
    /// does. Positions inside are counted from the opening backquote and
    /// drift by one column per removed backslash.
    pub(crate) fn backquoted(&mut self, quoting: Quoting) -> Result<WordPart, ParseError> {
        let start = self.position();
        self.bump();
        let body_start = self.position();
        let mut text = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(self.error_at_end("syntax error: EOF in backquote substitution", start));
                }
                Some('`') => {
                    self.bump();
                    break;
                }
                Some('\\') => {
                    self.bump();
                    match self.peek_raw() {
                        Some(c) if matches!(c, '\\' | '`' | '$') || (c == '"' && quoting == Quoting::DoubleQuoted) => {
                            self.bump();
                            text.push(c);
                        }
                        _ => text.push('\\'),
                    }
                }
                Some(c) => {
                    self.bump();
                    text.push(c);
                }
            }
        }
        let body =
            self.nested(start, |lexer| Parser::parse_backquoted(Lexer::new(&text, body_start, lexer.depth())))?;
        Ok(WordPart::CommandSubstitution(CommandSubstitution { body, backquoted: true }))
    }
}

/// `$0` is the shell's name; `$1` and up are positional.
fn digit_parameter(number: u32) -> Parameter {
    if number == 0 { Parameter::Special(SpecialParameter::ShellName) } else { Parameter::Positional(number) }
}
