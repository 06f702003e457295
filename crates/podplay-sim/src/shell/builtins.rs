//! busybox ash's builtins: the commands the shell runs in its own process.
//! Each name is written once, here (the applets ash also runs itself, such
//! as `echo` and `test`, are marked in busybox's applet table); the parser
//! asks which are special, the interpreter which to run.

use crate::programs::busybox;

/// What a builtin does; the interpreter runs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Builtin {
    /// `:`, and what changes nothing in the simulator (`umask`, `alias`, …).
    NoOp,
    Break,
    Cd,
    Command,
    Continue,
    Eval,
    Exec,
    Exit,
    Export,
    Let,
    Local,
    Read,
    Readonly,
    Return,
    Set,
    Shift,
    /// `.` and `source`.
    Source,
    Trap,
    Type,
    Unset,
    Wait,
    /// A busybox applet ash runs without forking (`echo`, `test`, `kill`, …).
    Applet,
}

/// One name of ash's.
struct Entry {
    name: &'static str,
    /// `None`: busybox has it, the simulator does not (it runs as a command).
    builtin: Option<Builtin>,
    /// A POSIX special builtin: busybox refuses it as a function name.
    special: bool,
}

const fn regular(name: &'static str, builtin: Builtin) -> Entry {
    Entry { name, builtin: Some(builtin), special: false }
}

const fn special(name: &'static str, builtin: Builtin) -> Entry {
    Entry { name, builtin: Some(builtin), special: true }
}

const BUILTINS: &[Entry] = &[
    special(":", Builtin::NoOp),
    special(".", Builtin::Source),
    regular("alias", Builtin::NoOp),
    special("break", Builtin::Break),
    regular("cd", Builtin::Cd),
    regular("command", Builtin::Command),
    special("continue", Builtin::Continue),
    special("eval", Builtin::Eval),
    special("exec", Builtin::Exec),
    special("exit", Builtin::Exit),
    special("export", Builtin::Export),
    regular("hash", Builtin::NoOp),
    regular("let", Builtin::Let),
    regular("local", Builtin::Local),
    regular("read", Builtin::Read),
    special("readonly", Builtin::Readonly),
    special("return", Builtin::Return),
    special("set", Builtin::Set),
    special("shift", Builtin::Shift),
    special("source", Builtin::Source),
    Entry { name: "times", builtin: None, special: true },
    special("trap", Builtin::Trap),
    regular("type", Builtin::Type),
    regular("ulimit", Builtin::NoOp),
    regular("umask", Builtin::NoOp),
    special("unset", Builtin::Unset),
    regular("wait", Builtin::Wait),
];

/// The builtin `name` runs, if the shell runs it itself.
pub(super) fn lookup(name: &str) -> Option<Builtin> {
    match BUILTINS.iter().find(|e| e.name == name) {
        Some(entry) => entry.builtin,
        None => busybox::runs_in_shell(name).then_some(Builtin::Applet),
    }
}

/// Whether `name` is a special builtin, which cannot name a function.
pub(super) fn is_special(name: &str) -> bool {
    BUILTINS.iter().any(|e| e.special && e.name == name)
}
