//! Arithmetic expressions: the inside of `$((...))`, and text given to
//! [`parse_arithmetic`](super::parse_arithmetic).
//!
//! The operators, their precedence and the odd cases follow busybox's
//! `shell/math.c`: C's operators plus `**`; unary `-`, `+`, `!`, `~` bind
//! tighter than `**` (`-2**2` is 4); `++`/`--` are increments only next to a
//! variable name (`--7` is `- -7`, `7+++v` is `7 + ++v`); in `a ? b : c`, `b`
//! is read as if parenthesized; numbers are decimal, octal (`010`) or
//! hexadecimal (`0x10`), and too big a number is 0.
//!
//! busybox reports an arithmetic syntax error only when the expansion runs;
//! podplay reports it when parsing, in the same words.

use super::ast::{ArithExpr, AssignOp, BinaryOp, Position, UnaryOp, WordPart};
use super::error::ParseError;
use super::lexer::{Lexer, is_name_char, is_name_start};
use super::word::Quoting;

/// How tall an expression tree may be (`1+1+...+1` grows one level per
/// `+`), so that walking it cannot overflow the stack.
pub const MAX_EXPRESSION_HEIGHT: u32 = 256;

/// busybox's message for every malformed expression.
const SYNTAX_ERROR: &str = "arithmetic syntax error";

/// The expression of `$((...))`, the lexer being just after `$((`; on
/// success the lexer is moved past the closing `))`.
pub(crate) fn parse_expansion(lexer: &mut Lexer<'_>, start: Position) -> Result<ArithExpr, ParseError> {
    let mut parser = ArithParser::new(lexer, true, start);
    // `$(( ))` is 0, as in busybox.
    let expr = if matches!(parser.peek()?.kind, ArithTokenKind::RightParen) {
        ArithExpr::Number(0)
    } else {
        parser.comma()?.expr
    };
    let close = parser.next()?;
    if !matches!(close.kind, ArithTokenKind::RightParen) {
        return Err(parser.syntax_error(&close));
    }
    if parser.lexer.eat(')') {
        return Ok(expr);
    }
    let at = parser.lexer.position();
    if parser.lexer.peek().is_none() {
        Err(parser.lexer.error_at_end("syntax error: missing '))'", start))
    } else {
        Err(parser.lexer.error_here(SYNTAX_ERROR, at))
    }
}

/// A whole text as one expression; empty text is 0.
pub fn parse_arithmetic(source: &str) -> Result<ArithExpr, ParseError> {
    let mut lexer = Lexer::new(source, Lexer::start_of_text(), 0);
    let start = lexer.position();
    let mut parser = ArithParser::new(&mut lexer, false, start);
    if matches!(parser.peek()?.kind, ArithTokenKind::End) {
        return Ok(ArithExpr::Number(0));
    }
    let expr = parser.comma()?.expr;
    let end = parser.next()?;
    if !matches!(end.kind, ArithTokenKind::End) {
        return Err(parser.syntax_error(&end));
    }
    Ok(expr)
}

struct ArithToken {
    kind: ArithTokenKind,
    start: Position,
}

enum ArithTokenKind {
    Number(i64),
    Name(String),
    /// `$x`, `${x:-1}`, `$(cmd)`, `` `cmd` ``, or a nested `$((...))`.
    Operand(ArithExpr),
    Operator(Operator),
    LeftParen,
    RightParen,
    End,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Operator {
    /// Also `+` and `-` when they are unary.
    Binary(BinaryOp),
    Assign(AssignOp),
    Increment {
        decrement: bool,
    },
    Not,
    BitNot,
    Question,
    Colon,
}

/// Operators, longest first so that `<<=` is not read as `<` `<=`.
const OPERATORS: &[(&str, Operator)] = &[
    ("<<=", Operator::Assign(AssignOp::ShiftLeft)),
    (">>=", Operator::Assign(AssignOp::ShiftRight)),
    ("<<", Operator::Binary(BinaryOp::ShiftLeft)),
    (">>", Operator::Binary(BinaryOp::ShiftRight)),
    ("||", Operator::Binary(BinaryOp::LogicalOr)),
    ("&&", Operator::Binary(BinaryOp::LogicalAnd)),
    ("!=", Operator::Binary(BinaryOp::NotEqual)),
    ("<=", Operator::Binary(BinaryOp::LessEqual)),
    (">=", Operator::Binary(BinaryOp::GreaterEqual)),
    ("==", Operator::Binary(BinaryOp::Equal)),
    ("|=", Operator::Assign(AssignOp::BitOr)),
    ("&=", Operator::Assign(AssignOp::BitAnd)),
    ("^=", Operator::Assign(AssignOp::BitXor)),
    ("*=", Operator::Assign(AssignOp::Multiply)),
    ("/=", Operator::Assign(AssignOp::Divide)),
    ("%=", Operator::Assign(AssignOp::Remainder)),
    ("+=", Operator::Assign(AssignOp::Add)),
    ("-=", Operator::Assign(AssignOp::Subtract)),
    ("**", Operator::Binary(BinaryOp::Power)),
    ("!", Operator::Not),
    ("~", Operator::BitNot),
    ("<", Operator::Binary(BinaryOp::Less)),
    (">", Operator::Binary(BinaryOp::Greater)),
    ("=", Operator::Assign(AssignOp::Assign)),
    ("|", Operator::Binary(BinaryOp::BitOr)),
    ("&", Operator::Binary(BinaryOp::BitAnd)),
    ("^", Operator::Binary(BinaryOp::BitXor)),
    ("*", Operator::Binary(BinaryOp::Multiply)),
    ("/", Operator::Binary(BinaryOp::Divide)),
    ("%", Operator::Binary(BinaryOp::Remainder)),
    ("+", Operator::Binary(BinaryOp::Add)),
    ("-", Operator::Binary(BinaryOp::Subtract)),
    (",", Operator::Binary(BinaryOp::Comma)),
    ("?", Operator::Question),
    (":", Operator::Colon),
];

/// The precedence of the left-associative binary operators, loosest
/// first; `,` (looser) and `**` (tighter, right-associative) are handled
/// apart.
fn climbing_precedence(op: BinaryOp) -> Option<u8> {
    Some(match op {
        BinaryOp::LogicalOr => 1,
        BinaryOp::LogicalAnd => 2,
        BinaryOp::BitOr => 3,
        BinaryOp::BitXor => 4,
        BinaryOp::BitAnd => 5,
        BinaryOp::Equal | BinaryOp::NotEqual => 6,
        BinaryOp::Less | BinaryOp::LessEqual | BinaryOp::Greater | BinaryOp::GreaterEqual => 7,
        BinaryOp::ShiftLeft | BinaryOp::ShiftRight => 8,
        BinaryOp::Add | BinaryOp::Subtract => 9,
        BinaryOp::Multiply | BinaryOp::Divide | BinaryOp::Remainder => 10,
        BinaryOp::Comma | BinaryOp::Power => return None,
    })
}

/// An expression and the height of its tree.
struct Node {
    expr: ArithExpr,
    height: u32,
}

struct ArithParser<'l, 'a> {
    lexer: &'l mut Lexer<'a>,
    peeked: Option<ArithToken>,
    /// Whether the last token read was a variable name: `++` after one is a
    /// postfix increment.
    after_name: bool,
    /// Inside `$((...))`, where the input ending means `missing '))'`.
    in_expansion: bool,
    /// Where the `$((` is.
    start: Position,
}

impl<'l, 'a> ArithParser<'l, 'a> {
    fn new(lexer: &'l mut Lexer<'a>, in_expansion: bool, start: Position) -> Self {
        ArithParser { lexer, peeked: None, after_name: false, in_expansion, start }
    }

    fn syntax_error(&self, token: &ArithToken) -> ParseError {
        if self.in_expansion && matches!(token.kind, ArithTokenKind::End) {
            self.lexer.error_at_end("syntax error: missing '))'", self.start)
        } else if matches!(token.kind, ArithTokenKind::End) {
            self.lexer.error_at_end(SYNTAX_ERROR, token.start)
        } else {
            self.lexer.error_here(SYNTAX_ERROR, token.start)
        }
    }

    fn nested<T>(&mut self, at: Position, f: impl FnOnce(&mut Self) -> Result<T, ParseError>) -> Result<T, ParseError> {
        self.lexer.enter(at)?;
        let result = f(self);
        self.lexer.leave();
        result
    }

    /// A node one level above its tallest child, if that is not too tall.
    fn node(&self, expr: ArithExpr, child_height: u32, at: Position) -> Result<Node, ParseError> {
        let height = child_height.saturating_add(1);
        if height > MAX_EXPRESSION_HEIGHT {
            return Err(self.lexer.error_here(
                &format!("arithmetic expression too complex (podplay's limit is {MAX_EXPRESSION_HEIGHT} levels)"),
                at,
            ));
        }
        Ok(Node { expr, height })
    }

    fn peek(&mut self) -> Result<&ArithToken, ParseError> {
        let token = match self.peeked.take() {
            Some(token) => token,
            None => self.lex()?,
        };
        Ok(self.peeked.insert(token))
    }

    fn next(&mut self) -> Result<ArithToken, ParseError> {
        match self.peeked.take() {
            Some(token) => Ok(token),
            None => self.lex(),
        }
    }

    fn peek_operator(&mut self) -> Result<Option<Operator>, ParseError> {
        Ok(match self.peek()?.kind {
            ArithTokenKind::Operator(op) => Some(op),
            _ => None,
        })
    }

    /// `a, b, ...`: the loosest level.
    fn comma(&mut self) -> Result<Node, ParseError> {
        let mut left = self.assignment()?;
        while self.peek_operator()? == Some(Operator::Binary(BinaryOp::Comma)) {
            let token = self.next()?;
            let right = self.assignment()?;
            left = self.binary(BinaryOp::Comma, left, right, token.start)?;
        }
        Ok(left)
    }

    /// `name op= value`, right-associative; the left side must be a name.
    fn assignment(&mut self) -> Result<Node, ParseError> {
        let left = self.conditional()?;
        let Some(Operator::Assign(op)) = self.peek_operator()? else {
            return Ok(left);
        };
        let token = self.next()?;
        let ArithExpr::Variable(name) = left.expr else {
            return Err(self.syntax_error(&token));
        };
        let value = self.nested(token.start, Self::assignment)?;
        let expr = ArithExpr::Assign { op, name, value: Box::new(value.expr) };
        self.node(expr, value.height, token.start)
    }

    /// `condition ? then : else`, right-associative.
    fn conditional(&mut self) -> Result<Node, ParseError> {
        let condition = self.climb(1)?;
        if self.peek_operator()? != Some(Operator::Question) {
            return Ok(condition);
        }
        let question = self.next()?;
        let then_value = self.nested(question.start, Self::comma)?;
        let colon = self.next()?;
        if !matches!(colon.kind, ArithTokenKind::Operator(Operator::Colon)) {
            return Err(self.syntax_error(&colon));
        }
        let else_value = self.nested(question.start, Self::conditional)?;
        let height = condition.height.max(then_value.height).max(else_value.height);
        let expr = ArithExpr::Conditional {
            condition: Box::new(condition.expr),
            then_value: Box::new(then_value.expr),
            else_value: Box::new(else_value.expr),
        };
        self.node(expr, height, question.start)
    }

    /// The left-associative binary operators binding at least as tightly as
    /// `minimum`, by precedence climbing: one call per rise in precedence
    /// (at most ten deep), not one per precedence level, which keeps the
    /// stack small for each pair of parentheses.
    fn climb(&mut self, minimum: u8) -> Result<Node, ParseError> {
        let mut left = self.power()?;
        loop {
            let climbing = match self.peek_operator()? {
                Some(Operator::Binary(op)) => climbing_precedence(op).map(|p| (op, p)),
                _ => None,
            };
            let Some((op, precedence)) = climbing.filter(|&(_, p)| p >= minimum) else {
                return Ok(left);
            };
            let token = self.next()?;
            let right = self.climb(precedence + 1)?;
            left = self.binary(op, left, right, token.start)?;
        }
    }

    /// `a ** b`, right-associative.
    fn power(&mut self) -> Result<Node, ParseError> {
        let base = self.unary()?;
        if self.peek_operator()? != Some(Operator::Binary(BinaryOp::Power)) {
            return Ok(base);
        }
        let token = self.next()?;
        let exponent = self.nested(token.start, Self::power)?;
        self.binary(BinaryOp::Power, base, exponent, token.start)
    }

    fn binary(&self, op: BinaryOp, left: Node, right: Node, at: Position) -> Result<Node, ParseError> {
        let height = left.height.max(right.height);
        let expr = ArithExpr::Binary { op, left: Box::new(left.expr), right: Box::new(right.expr) };
        self.node(expr, height, at)
    }

    /// Prefix operators, then an operand.
    fn unary(&mut self) -> Result<Node, ParseError> {
        let token = self.next()?;
        let op = match token.kind {
            ArithTokenKind::Operator(Operator::Binary(BinaryOp::Subtract)) => UnaryOp::Negate,
            ArithTokenKind::Operator(Operator::Binary(BinaryOp::Add)) => UnaryOp::Plus,
            ArithTokenKind::Operator(Operator::Not) => UnaryOp::Not,
            ArithTokenKind::Operator(Operator::BitNot) => UnaryOp::BitNot,
            ArithTokenKind::Operator(Operator::Increment { decrement }) => {
                // The lexer makes `++` a prefix increment only before a name.
                let name = self.next()?;
                let ArithTokenKind::Name(name) = name.kind else {
                    return Err(self.syntax_error(&name));
                };
                let expr = ArithExpr::Increment { name, decrement, prefix: true };
                return self.node(expr, 0, token.start);
            }
            _ => {
                self.peeked = Some(token);
                return self.primary();
            }
        };
        let operand = self.nested(token.start, Self::unary)?;
        let expr = ArithExpr::Unary { op, operand: Box::new(operand.expr) };
        self.node(expr, operand.height, token.start)
    }

    /// A number, a variable (maybe with a postfix `++`/`--`), an expansion
    /// or a parenthesized expression.
    fn primary(&mut self) -> Result<Node, ParseError> {
        let token = self.next()?;
        match token.kind {
            ArithTokenKind::Number(n) => self.node(ArithExpr::Number(n), 0, token.start),
            ArithTokenKind::Name(name) => {
                if let Some(Operator::Increment { decrement }) = self.peek_operator()? {
                    self.next()?;
                    let expr = ArithExpr::Increment { name, decrement, prefix: false };
                    return self.node(expr, 0, token.start);
                }
                self.node(ArithExpr::Variable(name), 0, token.start)
            }
            ArithTokenKind::Operand(expr) => {
                let height = height(&expr);
                self.node(expr, height, token.start)
            }
            ArithTokenKind::LeftParen => {
                let inner = self.nested(token.start, Self::comma)?;
                let close = self.next()?;
                if !matches!(close.kind, ArithTokenKind::RightParen) {
                    return Err(self.syntax_error(&close));
                }
                Ok(inner)
            }
            _ => Err(self.syntax_error(&token)),
        }
    }

    /// Reads the next token.
    fn lex(&mut self) -> Result<ArithToken, ParseError> {
        while self.lexer.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.lexer.bump();
        }
        let start = self.lexer.position();
        let kind = match self.lexer.peek() {
            None => ArithTokenKind::End,
            Some(c) if c.is_ascii_digit() => ArithTokenKind::Number(self.number(start)?),
            Some(c) if is_name_start(c) => ArithTokenKind::Name(self.name()),
            Some('$') => {
                let part = self.lexer.dollar(Quoting::DoubleQuoted)?;
                match part.and_then(operand) {
                    Some(expr) => ArithTokenKind::Operand(expr),
                    None => return Err(self.lexer.error_here(SYNTAX_ERROR, start)),
                }
            }
            Some('`') => {
                let part = self.lexer.backquoted(Quoting::DoubleQuoted)?;
                match operand(part) {
                    Some(expr) => ArithTokenKind::Operand(expr),
                    None => return Err(self.lexer.error_here(SYNTAX_ERROR, start)),
                }
            }
            Some('(') => {
                self.lexer.bump();
                ArithTokenKind::LeftParen
            }
            Some(')') => {
                self.lexer.bump();
                ArithTokenKind::RightParen
            }
            Some(_) => ArithTokenKind::Operator(self.operator(start)?),
        };
        self.after_name = matches!(kind, ArithTokenKind::Name(_));
        Ok(ArithToken { kind, start })
    }

    /// Like C's `strtoull(text, &end, 0)`; a letter or digit right after
    /// the number (`09`, `1a`) is an error; a number too big for 64 bits is
    /// 0, as in busybox.
    fn number(&mut self, start: Position) -> Result<i64, ParseError> {
        let hexadecimal = self.lexer.peek_raw() == Some('0')
            && matches!(self.lexer.peek_raw_nth(1), Some('x' | 'X'))
            && self.lexer.peek_raw_nth(2).is_some_and(|c| c.is_ascii_hexdigit());
        let radix = if hexadecimal {
            self.lexer.bump();
            self.lexer.bump();
            16
        } else if self.lexer.peek_raw() == Some('0') {
            8
        } else {
            10
        };
        let mut value: Option<u64> = Some(0);
        while let Some(digit) = self.lexer.peek_raw().and_then(|c| c.to_digit(radix)) {
            self.lexer.bump();
            value = value.and_then(|v| v.checked_mul(u64::from(radix))).and_then(|v| v.checked_add(u64::from(digit)));
        }
        if self.lexer.peek_raw().is_some_and(is_name_char) {
            return Err(self.lexer.error_here(SYNTAX_ERROR, start));
        }
        // From 2^63 up, the bits are read as a negative number, as C does.
        Ok(value.map_or(0, |v| v as i64))
    }

    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(c) = self.lexer.peek_raw().filter(|&c| is_name_char(c)) {
            self.lexer.bump();
            name.push(c);
        }
        name
    }

    fn operator(&mut self, start: Position) -> Result<Operator, ParseError> {
        let first = self.lexer.peek_raw();
        let doubled = first.is_some_and(|c| (c == '+' || c == '-') && self.lexer.peek_raw_nth(1) == Some(c));
        if doubled {
            let decrement = first == Some('-');
            if self.after_name || self.name_follows_increment() {
                self.lexer.bump();
                self.lexer.bump();
                return Ok(Operator::Increment { decrement });
            }
            // `--7` is `- -7`: take one sign only.
            self.lexer.bump();
            let op = if decrement { BinaryOp::Subtract } else { BinaryOp::Add };
            return Ok(Operator::Binary(op));
        }
        for (text, op) in OPERATORS {
            if self.lexer.starts_with(text) {
                for _ in 0..text.len() {
                    self.lexer.bump();
                }
                return Ok(*op);
            }
        }
        Err(self.lexer.error_here(SYNTAX_ERROR, start))
    }

    /// Whether a name follows the `++` or `--` at the cursor (blanks
    /// allowed), making it a prefix increment.
    fn name_follows_increment(&self) -> bool {
        let mut n = 2;
        while self.lexer.peek_raw_nth(n).is_some_and(|c| c.is_ascii_whitespace()) {
            n += 1;
        }
        self.lexer.peek_raw_nth(n).is_some_and(is_name_start)
    }
}

/// An expansion used as an operand; `None` for parts that are not
/// expansions (which `dollar` and `backquoted` never return).
fn operand(part: WordPart) -> Option<ArithExpr> {
    match part {
        WordPart::Parameter(parameter) => Some(ArithExpr::Parameter(parameter)),
        WordPart::CommandSubstitution(substitution) => Some(ArithExpr::CommandSubstitution(substitution)),
        WordPart::Arithmetic(expr) => Some(expr),
        _ => None,
    }
}

/// The height of an already parsed (hence bounded) expression.
fn height(expr: &ArithExpr) -> u32 {
    match expr {
        ArithExpr::Number(_)
        | ArithExpr::Variable(_)
        | ArithExpr::Parameter(_)
        | ArithExpr::CommandSubstitution(_)
        | ArithExpr::Increment { .. } => 0,
        ArithExpr::Unary { operand, .. } => height(operand).saturating_add(1),
        ArithExpr::Binary { left, right, .. } => height(left).max(height(right)).saturating_add(1),
        ArithExpr::Conditional { condition, then_value, else_value } => {
            height(condition).max(height(then_value)).max(height(else_value)).saturating_add(1)
        }
        ArithExpr::Assign { value, .. } => height(value).saturating_add(1),
    }
}
