//! The shell's syntax tree: plain data for the interpreter to walk.
//!
//! The shape follows the POSIX grammar as busybox `sh` (ash) parses it:
//!
//! ```text
//! Program  = one List per complete command (busybox parses and runs them one at a time)
//! List     = AndOrList { ; | & | newline AndOrList }
//! AndOrList= Pipeline { && | || Pipeline }
//! Pipeline = [!] Command { | Command }
//! Command  = SimpleCommand | CompoundCommand [redirections] | FunctionDefinition
//! Word     = WordPart*   (literal text, quotes and expansions, still unexpanded)
//! ```
//!
//! Nothing here is expanded or evaluated: words keep their quoting so that the
//! interpreter can do parameter expansion, command substitution, arithmetic,
//! field splitting, globbing and quote removal in POSIX order.
//!
//! Every node a learner could meet in an error message carries the
//! [`Position`] (1-based line and column) where it starts. Every type prints
//! back as shell text with `Display` (see `display.rs`); parsing that text
//! gives the same tree, positions aside.

pub use podplay_core::source::Position;

/// A whole script, as given to `sh -c`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Program {
    /// The complete commands in order. busybox reads one complete command
    /// (a line, or more when a compound command or a trailing `&&`, `||` or
    /// `|` continues it), runs it, then reads the next: see
    /// [`parse_commands`](super::parse_commands) to do the same. Blank lines
    /// and comments leave no entry.
    pub commands: Vec<List>,
}

/// And-or lists separated by `;`, `&` or newlines: the body of every
/// compound command, of a command substitution and of a case arm.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct List {
    /// Never empty, except for a case arm (`a) ;;`) or a command
    /// substitution (`$()`) with no commands.
    pub items: Vec<ListItem>,
}

/// One and-or list and how it was terminated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListItem {
    pub and_or: AndOrList,
    /// Terminated by `&`: run it in the background and go on at once, `$!`
    /// becoming its process id. Otherwise (`;`, newline, end) wait for it.
    pub background: bool,
}

/// `first && second || third`: run `first`, then each following pipeline
/// only if the status so far is zero (`&&`) or non-zero (`||`).
/// The operators have equal precedence and group from the left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AndOrList {
    pub first: Pipeline,
    pub rest: Vec<(AndOr, Pipeline)>,
}

/// The operator between two pipelines of an [`AndOrList`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AndOr {
    /// `&&`: run the next pipeline if the last status was 0.
    And,
    /// `||`: run the next pipeline if the last status was not 0.
    Or,
}

/// `[!] a | b | c`: the commands run concurrently, each one's standard
/// output connected to the next one's standard input. The status is the last
/// command's, inverted to 0/1 by `!`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pipeline {
    /// Preceded by the reserved word `!`.
    pub negated: bool,
    /// At least one command.
    pub commands: Vec<Command>,
    /// Where the pipeline starts (its `!`, or its first command).
    pub position: Position,
}

/// One command of a pipeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Simple(SimpleCommand),
    Compound(CompoundCommand),
    FunctionDefinition(FunctionDefinition),
}

/// `NAME=value ... word ... redirection ...` in any order: assignments come
/// first, the first word is the command name, the rest are its arguments.
///
/// With no words, the assignments set shell variables (`i=0`); with words,
/// they go into that one command's environment (`FOO=bar cmd`). Builtins such
/// as `[`, `test`, `echo`, `cd` and `trap` are ordinary simple commands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimpleCommand {
    pub assignments: Vec<Assignment>,
    pub words: Vec<Word>,
    /// In source order, which is the order to apply them in.
    pub redirects: Vec<Redirect>,
    pub position: Position,
}

/// `NAME=value` before a command's name. The value may be empty (`a=`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    pub name: String,
    /// Expanded without field splitting or globbing.
    pub value: Word,
    pub position: Position,
}

/// A compound command and the redirections written after it
/// (`while ...; done > log`), which apply to the whole command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompoundCommand {
    pub kind: CompoundKind,
    pub redirects: Vec<Redirect>,
    /// Where its first reserved word (or `(`) is.
    pub position: Position,
}

/// The compound commands of POSIX sh.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompoundKind {
    /// `{ list; }`: run in the current shell.
    BraceGroup(List),
    /// `( list )`: run in a subshell; variable changes and `cd` do not leak.
    Subshell(List),
    If(IfCommand),
    /// `while condition; do body; done`: loop while the condition succeeds.
    While(LoopCommand),
    /// `until condition; do body; done`: loop while the condition fails.
    Until(LoopCommand),
    For(ForCommand),
    Case(CaseCommand),
}

/// `if c1; then b1; elif c2; then b2; else b3; fi`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IfCommand {
    /// The `if` branch first, then each `elif`, in order. Never empty.
    pub branches: Vec<IfBranch>,
    /// The `else` body, if any. If no condition succeeds and there is no
    /// `else`, the status is 0.
    pub else_body: Option<List>,
}

/// One `if`/`elif` condition and the body run when it succeeds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IfBranch {
    pub condition: List,
    pub body: List,
}

/// The condition and body of a `while` or `until` loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopCommand {
    pub condition: List,
    pub body: List,
}

/// `for NAME in words; do body; done`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForCommand {
    /// A valid name (`[A-Za-z_][A-Za-z0-9_]*`); the parser checks it.
    pub variable: String,
    /// The words after `in`, expanded with field splitting and globbing.
    /// `None` when there is no `in` (`for x; do`): loop over `"$@"`.
    /// `Some(vec![])` for `for x in; do`: no iterations.
    pub words: Option<Vec<Word>>,
    pub body: List,
}

/// `case WORD in pattern|pattern) list;; ... esac`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseCommand {
    pub word: Word,
    pub arms: Vec<CaseArm>,
}

/// One `pattern|pattern) list;;` of a case command. The first arm with a
/// matching pattern runs; quoted parts of a pattern match literally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseArm {
    /// At least one.
    pub patterns: Vec<Word>,
    /// May be empty (`*) ;;`).
    pub body: List,
    pub position: Position,
}

/// `name() command`: usually `name() { list; }`. Also read from bash's
/// `function name { list; }`, which busybox accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionDefinition {
    /// A valid name that is not a special builtin; the parser checks it.
    pub name: String,
    /// Run with the function's arguments as `$1`, `$2`, ... busybox accepts
    /// any command here; scripts nearly always use a brace group.
    pub body: Box<Command>,
    pub position: Position,
}

/// `[n]op target`, such as `> file`, `2>&1`, `2>/dev/null`, `>&2`, `< in`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// The descriptor written before the operator (`2>`); `None` means the
    /// operator's default, see [`Redirect::fd`].
    pub explicit_fd: Option<u32>,
    pub op: RedirectOp,
    /// A file name for the file operators; for `>&` and `<&` a descriptor
    /// number or `-` (close) once expanded. busybox treats `>&word` where
    /// `word` is not a number like `&>word`.
    pub target: Word,
    pub position: Position,
}

impl Redirect {
    /// The descriptor this redirection changes.
    pub fn fd(&self) -> u32 {
        self.explicit_fd.unwrap_or_else(|| self.op.default_fd())
    }
}

/// Redirection operators. Here-documents (`<<`) are not supported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedirectOp {
    /// `<`: open the file for reading.
    Input,
    /// `>`: create or truncate the file for writing.
    Output,
    /// `>|`: like `>`, even with `set -C` (noclobber).
    Clobber,
    /// `>>`: open the file for appending, creating it if needed.
    Append,
    /// `<>`: open the file for reading and writing.
    ReadWrite,
    /// `<&`: duplicate an input descriptor (or close it with `-`).
    DuplicateInput,
    /// `>&`: duplicate an output descriptor (or close it with `-`).
    DuplicateOutput,
    /// `&>` (bash, accepted by busybox): standard output and standard error
    /// both to the file.
    OutputAndError,
}

impl RedirectOp {
    /// The descriptor used when none is written before the operator.
    pub fn default_fd(self) -> u32 {
        match self {
            RedirectOp::Input | RedirectOp::ReadWrite | RedirectOp::DuplicateInput => 0,
            _ => 1,
        }
    }

    /// The operator as written in shell text.
    pub fn as_str(self) -> &'static str {
        match self {
            RedirectOp::Input => "<",
            RedirectOp::Output => ">",
            RedirectOp::Clobber => ">|",
            RedirectOp::Append => ">>",
            RedirectOp::ReadWrite => "<>",
            RedirectOp::DuplicateInput => "<&",
            RedirectOp::DuplicateOutput => ">&",
            RedirectOp::OutputAndError => "&>",
        }
    }
}

/// A word before expansion: its parts, in order, with their quoting.
///
/// `"$i: $(date)"` is one word of one part, [`WordPart::DoubleQuoted`],
/// holding a parameter, a literal `": "` and a command substitution.
/// `myservice.$(cat ns).svc` is three parts: literal, command substitution,
/// literal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// Never empty for a word of a command; may be empty for an assignment
    /// value (`a=`) or an operand of `${...}` (`${a:-}`).
    pub parts: Vec<WordPart>,
    pub position: Position,
}

impl Word {
    /// The text of a word made only of unquoted literal text, such as `echo`
    /// or `/var/log/1.log`; `None` if any part is quoted or an expansion.
    pub fn as_plain_literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [WordPart::Literal(text)] => Some(text),
            _ => None,
        }
    }
}

/// A piece of a word.
///
/// Quoting: [`Literal`](WordPart::Literal) at the top of a word is unquoted
/// (subject to field splitting of expansions around it, and to globbing);
/// [`SingleQuoted`](WordPart::SingleQuoted), [`Escaped`](WordPart::Escaped)
/// and everything inside [`DoubleQuoted`](WordPart::DoubleQuoted) is quoted:
/// taken literally, never split or globbed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WordPart {
    /// Literal text, backslashes already removed. Unquoted at the top of a
    /// word, quoted inside `DoubleQuoted`.
    Literal(String),
    /// `'text'`: the text exactly as written (it cannot contain `'`).
    SingleQuoted(String),
    /// `\c` outside quotes: the character `c`, quoted.
    Escaped(char),
    /// `"..."`: may contain `Literal`, `Parameter`, `CommandSubstitution`
    /// and `Arithmetic` parts only. Empty for `""`, which still makes an
    /// (empty) argument.
    DoubleQuoted(Vec<WordPart>),
    /// `$name`, `${name}`, `$1`, `$?`, `${name:-default}`, ...
    Parameter(ParameterExpansion),
    /// `$(list)` or `` `list` ``: run the list in a subshell and substitute
    /// its output, trailing newlines removed.
    CommandSubstitution(CommandSubstitution),
    /// `$((expression))`: substitute the value in decimal.
    Arithmetic(ArithExpr),
}

/// The body of `$(...)` or `` `...` ``, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandSubstitution {
    pub body: List,
    /// Written with backquotes; the meaning is the same.
    pub backquoted: bool,
}

/// `$name`, `${name}`, `${name:-word}`, `${#name}`, ...
///
/// The words inside (`default`, `pattern`, ...) are expanded only when the
/// operation needs them. Inside double quotes (`"${x:-a b}"`) the words were
/// read in double-quote context: their literal parts are quoted, as the
/// result of the whole expansion is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterExpansion {
    pub parameter: Parameter,
    pub operation: Option<ParameterOperation>,
    /// Written with braces. Always true when `operation` is `Some`, or for
    /// positional parameters above 9.
    pub braced: bool,
}

/// Which parameter an expansion reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parameter {
    /// A shell variable: `[A-Za-z_][A-Za-z0-9_]*`.
    Named(String),
    /// `$1` ... `$9`, `${10}` ...: 1-based (`$0` is
    /// [`SpecialParameter::ShellName`]).
    Positional(u32),
    Special(SpecialParameter),
}

/// The special parameters of POSIX sh.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecialParameter {
    /// `$?`: exit status of the last command.
    LastStatus,
    /// `$$`: process id of the shell (the top-level shell, even in subshells).
    ShellPid,
    /// `$!`: process id of the last background command.
    LastBackgroundPid,
    /// `$#`: number of positional parameters.
    ArgumentCount,
    /// `$@`: the positional parameters; `"$@"` gives one field each.
    AllArguments,
    /// `$*`: the positional parameters; `"$*"` joins them with the first
    /// character of `IFS`.
    AllArgumentsJoined,
    /// `$0`: the shell's (or script's) name.
    ShellName,
    /// `$-`: the current option letters.
    Options,
}

impl SpecialParameter {
    /// The character after `$`.
    pub fn as_char(self) -> char {
        match self {
            SpecialParameter::LastStatus => '?',
            SpecialParameter::ShellPid => '$',
            SpecialParameter::LastBackgroundPid => '!',
            SpecialParameter::ArgumentCount => '#',
            SpecialParameter::AllArguments => '@',
            SpecialParameter::AllArgumentsJoined => '*',
            SpecialParameter::ShellName => '0',
            SpecialParameter::Options => '-',
        }
    }

    pub(crate) fn from_char(c: char) -> Option<SpecialParameter> {
        Some(match c {
            '?' => SpecialParameter::LastStatus,
            '$' => SpecialParameter::ShellPid,
            '!' => SpecialParameter::LastBackgroundPid,
            '#' => SpecialParameter::ArgumentCount,
            '@' => SpecialParameter::AllArguments,
            '*' => SpecialParameter::AllArgumentsJoined,
            '0' => SpecialParameter::ShellName,
            '-' => SpecialParameter::Options,
            _ => return None,
        })
    }
}

/// What `${parameter OP word}` does with the parameter.
///
/// `treat_empty_as_unset` is the `:` form (`${x:-d}`): an empty value counts
/// as unset. Without it (`${x-d}`) only an unset parameter does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParameterOperation {
    /// `${#x}`: the length of the value in characters.
    Length,
    /// `${x:-word}`: the value, or `word` if unset.
    UseDefault { treat_empty_as_unset: bool, word: Word },
    /// `${x:=word}`: like `UseDefault`, and also assign `word` to `x`.
    AssignDefault { treat_empty_as_unset: bool, word: Word },
    /// `${x:?word}`: the value, or fail with `sh: x: word` (an empty word
    /// means busybox's `parameter not set`).
    ErrorIfUnset { treat_empty_as_unset: bool, word: Word },
    /// `${x:+word}`: `word` if set, else nothing.
    UseAlternative { treat_empty_as_unset: bool, word: Word },
    /// `${x%pattern}` (shortest) or `${x%%pattern}` (longest): remove a
    /// matching suffix.
    RemoveSuffix { longest: bool, pattern: Word },
    /// `${x#pattern}` (shortest) or `${x##pattern}` (longest): remove a
    /// matching prefix.
    RemovePrefix { longest: bool, pattern: Word },
    /// `${x:offset}` or `${x:offset:length}` (bash, accepted by busybox):
    /// both words are arithmetic expressions once expanded.
    Substring { offset: Word, length: Option<Word> },
    /// `${x/pattern/replacement}` (first match) or `${x//pattern/...}` (all
    /// matches) (bash, accepted by busybox). `None` for `${x/pattern}`:
    /// delete the match.
    Replace { all: bool, pattern: Word, replacement: Option<Word> },
}

/// An arithmetic expression, as in `$((i + 1))`, with C's precedence.
///
/// Values are 64-bit signed integers with wrapping overflow, as in busybox.
/// Errors such as division by zero are the evaluator's (busybox words:
/// `divide by zero`, `exponent less than 0`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArithExpr {
    /// A literal: decimal, octal (`010`) or hexadecimal (`0x1F`). Numbers too
    /// big for 64 bits are 0, as in busybox; from 2^63 to 2^64-1 they wrap
    /// to negative values.
    Number(i64),
    /// A bare name, `i` in `i+1`. busybox evaluates the variable's value as
    /// an arithmetic expression in turn (unset or empty is 0; a name that
    /// refers back to itself is `expression recursion loop detected`).
    Variable(String),
    /// `$i`, `${i:-0}`, `$1`, `$#`, ...: busybox substitutes the text before
    /// evaluating, so the value is read as an expression (empty is 0).
    Parameter(ParameterExpansion),
    /// `$(...)` inside an arithmetic expression: its output, read as an
    /// expression.
    CommandSubstitution(CommandSubstitution),
    Unary {
        op: UnaryOp,
        operand: Box<ArithExpr>,
    },
    Binary {
        op: BinaryOp,
        left: Box<ArithExpr>,
        right: Box<ArithExpr>,
    },
    /// `condition ? then_value : else_value`: only the chosen branch is
    /// evaluated.
    Conditional {
        condition: Box<ArithExpr>,
        then_value: Box<ArithExpr>,
        else_value: Box<ArithExpr>,
    },
    /// `name = value`, `name += value`, ...: assign and yield the new value.
    Assign {
        op: AssignOp,
        name: String,
        value: Box<ArithExpr>,
    },
    /// `++name`, `name--`, ...: the variable changes by one; a prefix form
    /// yields the new value, a postfix form the old one.
    Increment {
        name: String,
        decrement: bool,
        prefix: bool,
    },
}

/// Prefix operators of arithmetic expressions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`
    Negate,
    /// `+x`
    Plus,
    /// `!x`: 1 if x is 0, else 0.
    Not,
    /// `~x`: bitwise complement.
    BitNot,
}

impl UnaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            UnaryOp::Negate => "-",
            UnaryOp::Plus => "+",
            UnaryOp::Not => "!",
            UnaryOp::BitNot => "~",
        }
    }
}

/// Infix operators of arithmetic expressions, loosest binding first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `a, b`: evaluate both, yield `b`.
    Comma,
    /// `||`: 1 or 0; `b` is evaluated only if `a` is 0.
    LogicalOr,
    /// `&&`: 1 or 0; `b` is evaluated only if `a` is not 0.
    LogicalAnd,
    BitOr,
    BitXor,
    BitAnd,
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    ShiftLeft,
    ShiftRight,
    Add,
    Subtract,
    Multiply,
    /// Truncating division; dividing by 0 is an error.
    Divide,
    /// Remainder with the sign of `a`; by 0 is an error.
    Remainder,
    /// `a ** b`; a negative `b` is an error.
    Power,
}

impl BinaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Comma => ",",
            BinaryOp::LogicalOr => "||",
            BinaryOp::LogicalAnd => "&&",
            BinaryOp::BitOr => "|",
            BinaryOp::BitXor => "^",
            BinaryOp::BitAnd => "&",
            BinaryOp::Equal => "==",
            BinaryOp::NotEqual => "!=",
            BinaryOp::Less => "<",
            BinaryOp::LessEqual => "<=",
            BinaryOp::Greater => ">",
            BinaryOp::GreaterEqual => ">=",
            BinaryOp::ShiftLeft => "<<",
            BinaryOp::ShiftRight => ">>",
            BinaryOp::Add => "+",
            BinaryOp::Subtract => "-",
            BinaryOp::Multiply => "*",
            BinaryOp::Divide => "/",
            BinaryOp::Remainder => "%",
            BinaryOp::Power => "**",
        }
    }
}

/// `=` and the compound assignments `+=`, `-=`, ...
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    Assign,
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    ShiftLeft,
    ShiftRight,
    BitAnd,
    BitXor,
    BitOr,
}

impl AssignOp {
    /// For a compound assignment `name op= value`, the `op` applied as
    /// `name = name op value`; `None` for plain `=`.
    pub fn binary_op(self) -> Option<BinaryOp> {
        Some(match self {
            AssignOp::Assign => return None,
            AssignOp::Add => BinaryOp::Add,
            AssignOp::Subtract => BinaryOp::Subtract,
            AssignOp::Multiply => BinaryOp::Multiply,
            AssignOp::Divide => BinaryOp::Divide,
            AssignOp::Remainder => BinaryOp::Remainder,
            AssignOp::ShiftLeft => BinaryOp::ShiftLeft,
            AssignOp::ShiftRight => BinaryOp::ShiftRight,
            AssignOp::BitAnd => BinaryOp::BitAnd,
            AssignOp::BitXor => BinaryOp::BitXor,
            AssignOp::BitOr => BinaryOp::BitOr,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AssignOp::Assign => "=",
            AssignOp::Add => "+=",
            AssignOp::Subtract => "-=",
            AssignOp::Multiply => "*=",
            AssignOp::Divide => "/=",
            AssignOp::Remainder => "%=",
            AssignOp::ShiftLeft => "<<=",
            AssignOp::ShiftRight => ">>=",
            AssignOp::BitAnd => "&=",
            AssignOp::BitXor => "^=",
            AssignOp::BitOr => "|=",
        }
    }
}
