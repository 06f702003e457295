//! The interpreter: walks the syntax tree with busybox `ash` semantics.
//!
//! Builtins run inside the shell's process; every other command is a child
//! process (so `ps` sees `sleep 3600` as busybox shows it). Blocking points
//! (`wait` for a child, `read`, a pipe) are `.await`s on the virtual kernel,
//! and every command takes a step of the process's CPU budget, so a
//! `while true` loop cannot hang the simulation.
//!
//! The interpreter core is here (the shell's state, running a script,
//! traps, nesting limits); the rest by subject: lists, pipelines and simple
//! commands (`commands`), compound commands (`compound`), redirections,
//! builtins, word expansion (`expand`, `parameter`, `arithmetic`) and
//! shell patterns (`pattern`).

mod arithmetic;
mod builtins;
mod commands;
mod compound;
mod expand;
mod parameter;
mod pattern;
mod redirect;

use litemap::LiteMap;
use std::collections::{BTreeSet, VecDeque};
use std::future::Future;
use std::pin::Pin;

use super::ast::Command;
use crate::kernel::{Pid, Sys};
use crate::programs::busybox;

/// How a list ended: normally, or with `break`/`continue`/`return`/`exit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    Normal,
    Break(u32),
    Continue(u32),
    Return,
    Exit(i32),
}

type Run<'a> = Pin<Box<dyn Future<Output = Flow> + 'a>>;

/// Most nesting levels of the interpreter: function calls, `eval`s and
/// `.`, compound commands, command substitutions and `exec`s together. Each
/// level nests Rust futures, so this bounds the stack: unoptimized, a level
/// takes about 12 KiB (up to 16 KiB), so 64 levels fit in wasm's 1 MiB
/// stack; optimized builds need a fraction of that. busybox has no such
/// limit (it crashes when its stack runs out).
const MAX_DEPTH: usize = 64;

/// What an `exec` costs in [`MAX_DEPTH`] levels: the new program runs
/// inside the shell's future, about 31 KiB deeper unoptimized.
const EXEC_LEVELS: usize = 3;

/// The longest word an expansion may build, and the most bytes all shell
/// variables may hold together. busybox grows until `malloc` fails, then
/// says `sh: out of memory` and exits 2; the simulator does the same at
/// this limit (`x=a; while true; do x=$x$x; done` would double forever).
pub const MAX_STRING: usize = 1 << 20;

/// `sh [-c SCRIPT [NAME [ARGS…]]] | sh FILE [ARGS…] | sh` (reads stdin).
pub async fn run_shell(sys: &Sys, argv: &[String]) -> i32 {
    let mut shell = Shell::new(sys, argv.first().cloned().unwrap_or_else(|| "sh".into()));
    let args: Vec<&str> = argv.iter().skip(1).map(String::as_str).collect();
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') && args[i] != "-c" && args[i].len() > 1 {
        if args[i].contains('e') {
            shell.errexit = true;
        }
        i += 1;
    }
    let (source, label) = match args.get(i) {
        Some(&"-c") => {
            let Some(script) = args.get(i + 1) else {
                shell.error("-c requires an argument");
                return 2;
            };
            if let Some(name) = args.get(i + 2) {
                shell.name = name.to_string();
            }
            shell.positional = args.iter().skip(i + 3).map(|s| s.to_string()).collect();
            (script.to_string(), None)
        }
        Some(file) => {
            let data = match sys.read_file(file) {
                Ok(d) => d,
                Err(e) => {
                    shell.error(&format!("can't open '{file}': {}", e.text()));
                    return 2;
                }
            };
            shell.name = file.to_string();
            shell.positional = args.iter().skip(i + 1).map(|s| s.to_string()).collect();
            (String::from_utf8_lossy(&data).into_owned(), Some(file.to_string()))
        }
        None => {
            // Commands from standard input (an attached terminal never types).
            let data = busybox::read_stdin(sys).await;
            (String::from_utf8_lossy(&data).into_owned(), None)
        }
    };
    shell.script = label;
    let status = shell.run_source(&source).await;
    if shell.out_of_memory {
        // Past what podplay holds for real, the string would have kept
        // growing: in a container that ends with the OOM killer (which
        // never returns here); on the node, with busybox's message.
        sys.exhaust_memory().await;
        shell.error("out of memory");
        return 2;
    }
    shell.run_exit_trap().await;
    status
}

struct Shell<'a> {
    sys: &'a Sys,
    name: String,
    script: Option<String>,
    vars: LiteMap<String, String>,
    exported: BTreeSet<String>,
    positional: Vec<String>,
    status: i32,
    last_background: Option<Pid>,
    background: Vec<Pid>,
    functions: LiteMap<String, Command>,
    traps: LiteMap<i32, String>,
    depth: usize,
    errexit: bool,
    loop_depth: u32,
    /// Input read past a line by `read`.
    stdin_buffer: VecDeque<u8>,
    current_line: u32,
    /// Bytes the script's variables hold (at most [`MAX_STRING`]; the
    /// environment the shell started with is not counted).
    vars_bytes: usize,
    /// A string grew past [`MAX_STRING`]: the shell exits after this
    /// command, out of memory.
    out_of_memory: bool,
}

impl<'a> Shell<'a> {
    fn new(sys: &'a Sys, name: String) -> Shell<'a> {
        let vars: LiteMap<String, String> = sys.env();
        let exported = vars.keys().cloned().collect();
        Shell {
            sys,
            name,
            script: None,
            vars,
            exported,
            positional: Vec::new(),
            status: 0,
            last_background: None,
            background: Vec::new(),
            functions: LiteMap::new(),
            traps: LiteMap::new(),
            depth: sys.nesting(),
            errexit: false,
            loop_depth: 0,
            stdin_buffer: VecDeque::new(),
            current_line: 1,
            vars_bytes: 0,
            out_of_memory: false,
        }
    }

    /// `sh: MESSAGE` on stderr, as busybox words it.
    fn error(&self, message: &str) {
        let prefix = match &self.script {
            Some(file) => format!("{file}: line {}", self.current_line),
            None => "sh".to_string(),
        };
        let _ = self.sys.write_fd(2, format!("{prefix}: {message}\n").as_bytes());
    }

    /// A string past [`MAX_STRING`], the most podplay holds for real: the
    /// shell ends, and its process then grows past its memory limit.
    fn memory_exhausted(&mut self) -> Flow {
        self.out_of_memory = true;
        self.status = 2;
        Flow::Exit(2)
    }

    /// One more level of nesting (a compound command, a command
    /// substitution, an `exec`); false, with a message, past [`MAX_DEPTH`].
    fn enter(&mut self) -> bool {
        self.enter_levels(1)
    }

    fn enter_levels(&mut self, levels: usize) -> bool {
        if self.depth + levels > MAX_DEPTH {
            self.error(&format!("nesting too deep (podplay's limit is {MAX_DEPTH} levels)"));
            self.status = 2;
            return false;
        }
        self.depth += levels;
        true
    }

    /// Fails when `text` is past [`MAX_STRING`].
    fn check_size(&mut self, text: &str) -> Result<(), Flow> {
        if text.len() > MAX_STRING { Err(self.memory_exhausted()) } else { Ok(()) }
    }

    async fn run_source(&mut self, source: &str) -> i32 {
        let program = match super::parse(source) {
            Ok(p) => p,
            Err(e) => {
                let _ = self.sys.write_fd(2, format!("{}\n", e.render("sh")).as_bytes());
                return 2;
            }
        };
        for list in &program.commands {
            match self.list(list).await {
                Flow::Exit(code) => return code,
                Flow::Return => return self.status,
                _ => {}
            }
        }
        self.status
    }

    async fn run_exit_trap(&mut self) {
        if let Some(action) = self.traps.remove(&0) {
            let _ = self.eval(&action).await;
        }
    }

    /// Runs pending traps (signals that arrived since the last command).
    async fn check_signals(&mut self) -> Flow {
        while let Some(sig) = self.sys.take_signal() {
            match self.traps.get(&sig).cloned() {
                Some(action) if !action.is_empty() => {
                    let saved = self.status;
                    let flow = self.eval(&action).await;
                    if let Flow::Exit(_) = flow {
                        return flow;
                    }
                    self.status = saved;
                }
                _ => {}
            }
        }
        Flow::Normal
    }

    fn eval<'s>(&'s mut self, source: &'s str) -> Run<'s> {
        Box::pin(async move {
            if self.depth >= MAX_DEPTH {
                self.error("eval: too deeply nested");
                return Flow::Exit(2);
            }
            let program = match super::parse(source) {
                Ok(p) => p,
                Err(e) => {
                    let _ = self.sys.write_fd(2, format!("{}\n", e.render("sh")).as_bytes());
                    self.status = 2;
                    return Flow::Normal;
                }
            };
            self.depth += 1;
            let mut flow = Flow::Normal;
            for list in &program.commands {
                flow = self.list(list).await;
                if flow != Flow::Normal {
                    break;
                }
            }
            self.depth -= 1;
            flow
        })
    }

    /// The environment for a child: exported variables plus `NAME=value`
    /// prefixes of this command.
    fn child_env(&self, assignments: &[(String, String)]) -> LiteMap<String, String> {
        let mut env = LiteMap::new();
        env.extend(self.exported.iter().filter_map(|k| self.vars.get(k).map(|v| (k.clone(), v.clone()))));
        for (k, v) in assignments {
            env.insert(k.clone(), v.clone());
        }
        env
    }

    fn set_var(&mut self, name: &str, value: &str) {
        let old = self.vars.get(name).map_or(0, |v| name.len() + v.len());
        let total = self.vars_bytes.saturating_sub(old).saturating_add(name.len() + value.len());
        if total > MAX_STRING {
            self.out_of_memory = true;
            return;
        }
        self.vars_bytes = total;
        self.vars.insert(name.to_string(), value.to_string());
        if self.exported.contains(name) {
            self.sys.setenv(name, value);
        }
    }
}
