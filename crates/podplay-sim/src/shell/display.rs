//! Printing the syntax tree back as shell text.
//!
//! The output is normalized (single spaces, `;` before `done`, `fi`, `}`,
//! redirections after the words), not the learner's exact text, but parsing
//! it gives the same tree, positions aside. Useful for tests, error context
//! and `set -x`-style traces.

use std::fmt::{self, Display, Formatter, Write};

use super::ast::{
    AndOr, AndOrList, ArithExpr, Assignment, BinaryOp, CaseArm, CaseCommand, Command, CommandSubstitution,
    CompoundCommand, CompoundKind, ForCommand, FunctionDefinition, IfCommand, List, ListItem, LoopCommand, Parameter,
    ParameterExpansion, ParameterOperation, Pipeline, Program, Redirect, RedirectOp, SimpleCommand, Word, WordPart,
};
use super::lexer::{RESERVED_WORDS, reserved_word};

impl Display for Program {
    /// One complete command per line.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, command) in self.commands.iter().enumerate() {
            if i > 0 {
                f.write_char('\n')?;
            }
            write!(f, "{command}")?;
        }
        Ok(())
    }
}

impl Display for List {
    /// `a; b & c`: no `;` after the last item.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut previous_background = None;
        for item in &self.items {
            match previous_background {
                Some(true) => f.write_char(' ')?,
                Some(false) => f.write_str("; ")?,
                None => {}
            }
            write!(f, "{item}")?;
            previous_background = Some(item.background);
        }
        Ok(())
    }
}

impl Display for ListItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.and_or)?;
        if self.background {
            f.write_str(" &")?;
        }
        Ok(())
    }
}

/// A list that a reserved word follows (`do`, `then`, `}`, ...): it needs a
/// terminator, `;` unless its last item already ends with `&`.
struct Body<'a>(&'a List);

impl Display for Body<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        match self.0.items.last() {
            Some(item) if item.background => Ok(()),
            _ => f.write_char(';'),
        }
    }
}

impl Display for AndOrList {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.first)?;
        for (op, pipeline) in &self.rest {
            let op = match op {
                AndOr::And => "&&",
                AndOr::Or => "||",
            };
            write!(f, " {op} {pipeline}")?;
        }
        Ok(())
    }
}

impl Display for Pipeline {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.negated {
            f.write_str("! ")?;
        }
        for (i, command) in self.commands.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{command}")?;
        }
        Ok(())
    }
}

impl Display for Command {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Command::Simple(command) => write!(f, "{command}"),
            Command::Compound(command) => write!(f, "{command}"),
            Command::FunctionDefinition(definition) => write!(f, "{definition}"),
        }
    }
}

impl Display for SimpleCommand {
    /// Assignments, words, then redirections: the order the shell applies
    /// them in, whatever order they were written in.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        // `>x if` runs a command named `if`; printed `if > x`, it would
        // start an if command. Such a name keeps its redirections in front.
        let reserved_name = self.assignments.is_empty() && self.words.first().and_then(reserved_word).is_some();
        let mut separator = "";
        for assignment in &self.assignments {
            write!(f, "{separator}{assignment}")?;
            separator = " ";
        }
        if reserved_name {
            for redirect in &self.redirects {
                write!(f, "{separator}{redirect}")?;
                separator = " ";
            }
        }
        for word in &self.words {
            write!(f, "{separator}{word}")?;
            separator = " ";
        }
        if !reserved_name {
            for redirect in &self.redirects {
                write!(f, "{separator}{redirect}")?;
                separator = " ";
            }
        }
        Ok(())
    }
}

impl Display for Assignment {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value)
    }
}

impl Display for Redirect {
    /// `> file`, `2>/dev/null` style aside: a space before a file name,
    /// none before a descriptor (`2>&1`).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(fd) = self.explicit_fd {
            write!(f, "{fd}")?;
        }
        f.write_str(self.op.as_str())?;
        if !matches!(self.op, RedirectOp::DuplicateInput | RedirectOp::DuplicateOutput) {
            f.write_char(' ')?;
        }
        write!(f, "{}", self.target)
    }
}

impl Display for CompoundCommand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            CompoundKind::BraceGroup(body) => write!(f, "{{ {} }}", Body(body))?,
            CompoundKind::Subshell(body) => write!(f, "( {body} )")?,
            CompoundKind::If(command) => write!(f, "{command}")?,
            CompoundKind::While(command) => write_loop(f, "while", command)?,
            CompoundKind::Until(command) => write_loop(f, "until", command)?,
            CompoundKind::For(command) => write!(f, "{command}")?,
            CompoundKind::Case(command) => write!(f, "{command}")?,
        }
        for redirect in &self.redirects {
            write!(f, " {redirect}")?;
        }
        Ok(())
    }
}

fn write_loop(f: &mut Formatter<'_>, keyword: &str, command: &LoopCommand) -> fmt::Result {
    write!(f, "{keyword} {} do {} done", Body(&command.condition), Body(&command.body))
}

impl Display for IfCommand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, branch) in self.branches.iter().enumerate() {
            let keyword = if i == 0 { "if" } else { " elif" };
            write!(f, "{keyword} {} then {}", Body(&branch.condition), Body(&branch.body))?;
        }
        if let Some(else_body) = &self.else_body {
            write!(f, " else {}", Body(else_body))?;
        }
        f.write_str(" fi")
    }
}

impl Display for ForCommand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "for {}", self.variable)?;
        if let Some(words) = &self.words {
            f.write_str(" in")?;
            for word in words {
                write!(f, " {word}")?;
            }
        }
        write!(f, "; do {} done", Body(&self.body))
    }
}

impl Display for CaseCommand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "case {} in ", self.word)?;
        for arm in &self.arms {
            write!(f, "{arm} ")?;
        }
        f.write_str("esac")
    }
}

impl Display for CaseArm {
    /// `a|b) list;;`
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        // A first pattern spelled `esac` would end the case without `(`.
        if self.patterns.first().and_then(Word::as_plain_literal) == Some("esac") {
            f.write_char('(')?;
        }
        for (i, pattern) in self.patterns.iter().enumerate() {
            if i > 0 {
                f.write_char('|')?;
            }
            write!(f, "{pattern}")?;
        }
        f.write_char(')')?;
        if !self.body.items.is_empty() {
            write!(f, " {}", self.body)?;
        }
        f.write_str(";;")
    }
}

impl Display for FunctionDefinition {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        // busybox accepts `function if { ...; }`; only that form reads back.
        if RESERVED_WORDS.contains(&self.name.as_str()) {
            f.write_str("function ")?;
        }
        write!(f, "{}() {}", self.name, self.body)
    }
}

/// Where a word part is printed: which characters of literal text need a
/// backslash so that the lexer reads them back the same way.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// A word of a command.
    Unquoted,
    /// Inside `"..."`.
    DoubleQuoted,
    /// The word of `${x:-word}` (or a pattern) outside double quotes; `stop`
    /// is the extra character ending it there (`:` or `/`), if any.
    BraceUnquoted { stop: Option<char> },
    /// The word of `${x:-word}` inside double quotes.
    BraceDoubleQuoted,
}

impl Context {
    fn needs_backslash(self, c: char) -> bool {
        match self {
            // Characters the lexer never leaves in unquoted literal text.
            Context::Unquoted => {
                matches!(c, ' ' | '\t' | '\n' | ';' | '&' | '|' | '<' | '>' | '(' | ')' | '\'' | '"' | '\\' | '`')
            }
            Context::DoubleQuoted => matches!(c, '$' | '`' | '"' | '\\'),
            Context::BraceUnquoted { stop } => matches!(c, '}' | '\'' | '"' | '\\' | '`') || Some(c) == stop,
            Context::BraceDoubleQuoted => matches!(c, '$' | '`' | '"' | '\\' | '}'),
        }
    }

    fn is_double_quoted(self) -> bool {
        matches!(self, Context::DoubleQuoted | Context::BraceDoubleQuoted)
    }
}

impl Display for Word {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        // The `&&` and `||` arguments of `[[ ... ]]` are read back as such.
        if let Some(operator @ ("&&" | "||")) = self.as_plain_literal() {
            return f.write_str(operator);
        }
        write_parts(f, &self.parts, Context::Unquoted)
    }
}

fn write_parts(f: &mut Formatter<'_>, parts: &[WordPart], context: Context) -> fmt::Result {
    for part in parts {
        write_part(f, part, context)?;
    }
    Ok(())
}

fn write_part(f: &mut Formatter<'_>, part: &WordPart, context: Context) -> fmt::Result {
    match part {
        WordPart::Literal(text) => {
            for c in text.chars() {
                if context.needs_backslash(c) {
                    f.write_char('\\')?;
                }
                f.write_char(c)?;
            }
            Ok(())
        }
        WordPart::SingleQuoted(text) => write!(f, "'{text}'"),
        WordPart::Escaped(c) => write!(f, "\\{c}"),
        WordPart::DoubleQuoted(parts) => {
            f.write_char('"')?;
            write_parts(f, parts, Context::DoubleQuoted)?;
            f.write_char('"')
        }
        WordPart::Parameter(expansion) => write_parameter(f, expansion, context.is_double_quoted()),
        WordPart::CommandSubstitution(substitution) => write!(f, "{substitution}"),
        WordPart::Arithmetic(expr) => write!(f, "$(({expr}))"),
    }
}

impl Display for ParameterExpansion {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_parameter(f, self, false)
    }
}

/// `$x` or `${x...}`; the words inside are printed in the quoting they were
/// read in.
impl Parameter {
    /// The name as written after `$`: `x`, `1`, `?`.
    pub fn name(&self) -> String {
        match self {
            Parameter::Named(name) => name.clone(),
            Parameter::Positional(n) => n.to_string(),
            Parameter::Special(special) => special.as_char().to_string(),
        }
    }
}

fn write_parameter(f: &mut Formatter<'_>, expansion: &ParameterExpansion, double_quoted: bool) -> fmt::Result {
    let name = expansion.parameter.name();
    let braced = expansion.braced
        || expansion.operation.is_some()
        || matches!(expansion.parameter, Parameter::Positional(n) if n > 9);
    if !braced {
        return write!(f, "${name}");
    }
    let Some(operation) = &expansion.operation else {
        return write!(f, "${{{name}}}");
    };
    let words = if double_quoted { Context::BraceDoubleQuoted } else { Context::BraceUnquoted { stop: None } };
    let patterns = Context::BraceUnquoted { stop: None };
    let colon = |treat_empty_as_unset: bool| if treat_empty_as_unset { ":" } else { "" };
    match operation {
        ParameterOperation::Length => return write!(f, "${{#{name}}}"),
        ParameterOperation::UseDefault { treat_empty_as_unset, word } => {
            write_operand(f, &name, &format!("{}-", colon(*treat_empty_as_unset)), word, words)?
        }
        ParameterOperation::AssignDefault { treat_empty_as_unset, word } => {
            write_operand(f, &name, &format!("{}=", colon(*treat_empty_as_unset)), word, words)?
        }
        ParameterOperation::ErrorIfUnset { treat_empty_as_unset, word } => {
            write_operand(f, &name, &format!("{}?", colon(*treat_empty_as_unset)), word, words)?
        }
        ParameterOperation::UseAlternative { treat_empty_as_unset, word } => {
            write_operand(f, &name, &format!("{}+", colon(*treat_empty_as_unset)), word, words)?
        }
        ParameterOperation::RemoveSuffix { longest, pattern } => {
            write_operand(f, &name, if *longest { "%%" } else { "%" }, pattern, patterns)?;
        }
        ParameterOperation::RemovePrefix { longest, pattern } => {
            write_operand(f, &name, if *longest { "##" } else { "#" }, pattern, patterns)?;
        }
        ParameterOperation::Substring { offset, length } => {
            let offset_context =
                if double_quoted { Context::BraceDoubleQuoted } else { Context::BraceUnquoted { stop: Some(':') } };
            write_operand(f, &name, ":", offset, offset_context)?;
            if let Some(length) = length {
                f.write_char(':')?;
                write_parts(f, &length.parts, words)?;
            }
        }
        ParameterOperation::Replace { all, pattern, replacement } => {
            let pattern_context = Context::BraceUnquoted { stop: Some('/') };
            write_operand(f, &name, if *all { "//" } else { "/" }, pattern, pattern_context)?;
            if let Some(replacement) = replacement {
                f.write_char('/')?;
                write_parts(f, &replacement.parts, patterns)?;
            }
        }
    }
    f.write_char('}')
}

/// `${name` + operator + word (the closing brace is the caller's).
fn write_operand(f: &mut Formatter<'_>, name: &str, operator: &str, word: &Word, context: Context) -> fmt::Result {
    write!(f, "${{{name}{operator}")?;
    write_parts(f, &word.parts, context)
}

impl Display for CommandSubstitution {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let body = self.body.to_string();
        if self.backquoted {
            // Backslash the characters that the backquote reader unescapes.
            f.write_char('`')?;
            for c in body.chars() {
                if matches!(c, '\\' | '`' | '$') {
                    f.write_char('\\')?;
                }
                f.write_char(c)?;
            }
            f.write_char('`')
        } else if body.starts_with('(') {
            // `$((` would start arithmetic.
            write!(f, "$( {body})")
        } else {
            write!(f, "$({body})")
        }
    }
}

/// How tightly an expression binds when printed: a child binding less
/// tightly than its place requires gets parentheses.
fn precedence(expr: &ArithExpr) -> u8 {
    match expr {
        ArithExpr::Binary { op, .. } => binary_precedence(*op),
        ArithExpr::Assign { .. } => 2,
        ArithExpr::Conditional { .. } => 3,
        ArithExpr::Unary { .. } | ArithExpr::Increment { prefix: true, .. } => 15,
        ArithExpr::Increment { prefix: false, .. } => 16,
        ArithExpr::Number(_) | ArithExpr::Variable(_) | ArithExpr::Parameter(_) | ArithExpr::CommandSubstitution(_) => {
            17
        }
    }
}

fn binary_precedence(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Comma => 1,
        BinaryOp::LogicalOr => 4,
        BinaryOp::LogicalAnd => 5,
        BinaryOp::BitOr => 6,
        BinaryOp::BitXor => 7,
        BinaryOp::BitAnd => 8,
        BinaryOp::Equal | BinaryOp::NotEqual => 9,
        BinaryOp::Less | BinaryOp::LessEqual | BinaryOp::Greater | BinaryOp::GreaterEqual => 10,
        BinaryOp::ShiftLeft | BinaryOp::ShiftRight => 11,
        BinaryOp::Add | BinaryOp::Subtract => 12,
        BinaryOp::Multiply | BinaryOp::Divide | BinaryOp::Remainder => 13,
        BinaryOp::Power => 14,
    }
}

/// `expr`, parenthesized if it binds less tightly than `minimum`.
struct Operand<'a> {
    expr: &'a ArithExpr,
    minimum: u8,
}

impl Display for Operand<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if precedence(self.expr) < self.minimum { write!(f, "({})", self.expr) } else { write!(f, "{}", self.expr) }
    }
}

fn operand(expr: &ArithExpr, minimum: u8) -> Operand<'_> {
    Operand { expr, minimum }
}

impl Display for ArithExpr {
    /// With spaces around binary operators and only the parentheses needed.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            // Negative values come from numbers of 2^63 and up; printing the
            // same 64 bits unsigned reads back as the same value.
            ArithExpr::Number(n) if *n < 0 => write!(f, "{}", *n as u64),
            ArithExpr::Number(n) => write!(f, "{n}"),
            ArithExpr::Variable(name) => f.write_str(name),
            ArithExpr::Parameter(expansion) => write_parameter(f, expansion, true),
            ArithExpr::CommandSubstitution(substitution) => write!(f, "{substitution}"),
            ArithExpr::Unary { op, operand: inner } => {
                let inner = operand(inner, 15).to_string();
                // `- -x`, not `--x`, which is a decrement.
                let space = if inner.starts_with(['-', '+']) { " " } else { "" };
                write!(f, "{}{space}{inner}", op.as_str())
            }
            ArithExpr::Binary { op, left, right } => {
                let p = binary_precedence(*op);
                let (left_minimum, right_minimum) = if *op == BinaryOp::Power { (p + 1, p) } else { (p, p + 1) };
                let separator = if *op == BinaryOp::Comma { "" } else { " " };
                write!(f, "{}{separator}{} {}", operand(left, left_minimum), op.as_str(), operand(right, right_minimum))
            }
            ArithExpr::Conditional { condition, then_value, else_value } => {
                write!(f, "{} ? {} : {}", operand(condition, 4), operand(then_value, 1), operand(else_value, 3))
            }
            ArithExpr::Assign { op, name, value } => {
                write!(f, "{name} {} {}", op.as_str(), operand(value, 2))
            }
            ArithExpr::Increment { name, decrement, prefix } => {
                let op = if *decrement { "--" } else { "++" };
                if *prefix { write!(f, "{op}{name}") } else { write!(f, "{name}{op}") }
            }
        }
    }
}
