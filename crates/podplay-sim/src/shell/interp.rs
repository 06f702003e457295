//! The interpreter: walks the syntax tree with busybox `ash` semantics.
//!
//! Builtins run inside the shell's process; every other command is a child
//! process (so `ps` sees `sleep 3600` as busybox shows it). Blocking points
//! (`wait` for a child, `read`, a pipe) are `.await`s on the virtual kernel,
//! and every command takes a step of the process's CPU budget, so a
//! `while true` loop cannot hang the simulation.

use litemap::LiteMap;
use std::collections::{BTreeSet, VecDeque};
use std::future::Future;
use std::pin::Pin;

use super::ast::*;
use crate::kernel::{Errno, Sys, std_stream};
use crate::kernel::{Fd, Pid, fs, limits, signal_number};
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
    /// A variable could not be stored: the shell exits after this command.
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

    /// busybox's `out of memory`, which ends the shell: past [`MAX_STRING`].
    fn memory_exhausted(&mut self) -> Flow {
        self.error("out of memory");
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

    fn list<'s>(&'s mut self, list: &'s List) -> Run<'s> {
        Box::pin(async move {
            for item in &list.items {
                if item.background {
                    self.background_job(item).await;
                    continue;
                }
                let flow = self.and_or(&item.and_or).await;
                if flow != Flow::Normal {
                    return flow;
                }
            }
            Flow::Normal
        })
    }

    /// `cmd &`: a child shell runs it.
    async fn background_job(&mut self, item: &ListItem) {
        let text = ListItem { and_or: item.and_or.clone(), background: false }.to_string();
        let argv = vec!["sh".to_string(), "-c".to_string(), text];
        let mut fds = self.sys.fds();
        if !matches!(fds.get(&0), Some(Fd::Pipe { .. })) {
            fds.insert(0, Fd::Null);
        }
        match self.sys.spawn(argv, fds, self.child_env(&[])) {
            Ok(pid) => {
                self.last_background = Some(pid);
                self.background.push(pid);
                // Jobs never waited for: forget those the kernel forgot.
                if self.background.len() > 2 * (limits::PROCESSES + limits::ZOMBIES) {
                    let sys = self.sys;
                    self.background.retain(|p| sys.waitable(*p));
                }
                self.status = 0;
            }
            Err(e) => self.error(&format!("can't fork: {}", e.text())),
        }
    }

    fn and_or<'s>(&'s mut self, and_or: &'s AndOrList) -> Run<'s> {
        Box::pin(async move {
            let flow = self.pipeline(&and_or.first).await;
            if flow != Flow::Normal {
                return flow;
            }
            for (op, pipeline) in &and_or.rest {
                let run = match op {
                    AndOr::And => self.status == 0,
                    AndOr::Or => self.status != 0,
                };
                if run {
                    let flow = self.pipeline(pipeline).await;
                    if flow != Flow::Normal {
                        return flow;
                    }
                }
            }
            // set -e: a failing command (not tested with && or ||) exits.
            if self.errexit
                && self.status != 0
                && and_or.rest.is_empty()
                && !and_or.first.negated
                && self.loop_depth == 0
            {
                return Flow::Exit(self.status);
            }
            Flow::Normal
        })
    }

    fn pipeline<'s>(&'s mut self, pipeline: &'s Pipeline) -> Run<'s> {
        Box::pin(async move {
            self.current_line = pipeline.position.line;
            let flow = self.check_signals().await;
            if flow != Flow::Normal {
                return flow;
            }
            self.sys.tick().await;
            let flow = if pipeline.commands.len() == 1 {
                let fds = self.sys.fds();
                self.command(&pipeline.commands[0], fds).await
            } else {
                self.multi_pipeline(&pipeline.commands).await;
                Flow::Normal
            };
            if std::mem::take(&mut self.out_of_memory) {
                return Flow::Exit(2);
            }
            if pipeline.negated {
                self.status = i32::from(self.status == 0);
            }
            let after = self.check_signals().await;
            if after != Flow::Normal {
                return after;
            }
            flow
        })
    }

    /// `a | b | c`: each part in its own process, joined by pipes.
    async fn multi_pipeline(&mut self, commands: &[Command]) {
        let base = self.sys.fds();
        let mut children = Vec::new();
        let mut previous_read: Option<Fd> = None;
        for (i, cmd) in commands.iter().enumerate() {
            let mut fds = base.clone();
            if let Some(r) = previous_read.take() {
                fds.insert(0, r);
            }
            let last = i + 1 == commands.len();
            let mut next_read = None;
            let mut write_end = None;
            if !last {
                let (r, w) = self.sys.pipe();
                fds.insert(1, w.clone());
                next_read = Some(r);
                write_end = Some(w);
            }
            let stdin_end = fds.get(&0).cloned();
            let spawned = self.spawn_command(cmd, fds).await;
            // The shell keeps none of the pipe ends it handed out.
            if let Some(w) = write_end {
                self.sys.close(&w);
            }
            if i > 0 {
                if let Some(r @ Fd::Pipe { .. }) = stdin_end {
                    self.sys.close(&r);
                }
            }
            if let Some(pid) = spawned {
                children.push(pid);
            }
            previous_read = next_read;
        }
        if let Some(r) = previous_read {
            self.sys.close(&r);
        }
        let mut status = 0;
        for pid in children {
            status = self.sys.wait(pid).await.code();
        }
        self.status = status;
    }

    /// Starts one pipeline part as a process: an external command directly,
    /// anything else (builtins, compound commands) in a child shell.
    async fn spawn_command(&mut self, cmd: &Command, fds: LiteMap<i32, Fd>) -> Option<Pid> {
        if let Command::Simple(simple) = cmd {
            if simple.redirects.is_empty() && simple.assignments.is_empty() {
                if let Ok(words) = self.expand_words(&simple.words).await {
                    if let Some(name) = words.first() {
                        if !is_builtin(name) && !self.functions.contains_key(name) {
                            return match self.sys.spawn(words.clone(), fds, self.child_env(&[])) {
                                Ok(pid) => Some(pid),
                                Err(e) => {
                                    self.not_found(name, e);
                                    None
                                }
                            };
                        }
                    }
                }
            }
        }
        let argv = vec!["sh".to_string(), "-c".to_string(), cmd.to_string()];
        self.sys.spawn(argv, fds, self.child_env(&[])).ok()
    }

    fn command<'s>(&'s mut self, cmd: &'s Command, fds: LiteMap<i32, Fd>) -> Run<'s> {
        Box::pin(async move {
            match cmd {
                Command::Simple(simple) => self.simple(simple, fds).await,
                Command::FunctionDefinition(def) => {
                    self.functions.insert(def.name.clone(), (*def.body).clone());
                    self.status = 0;
                    Flow::Normal
                }
                Command::Compound(compound) => {
                    let Some(fds) = self.redirect(&compound.redirects, fds).await else {
                        self.status = 1;
                        return Flow::Normal;
                    };
                    if !self.enter() {
                        return Flow::Exit(2);
                    }
                    let saved = self.sys.set_fds(fds);
                    let flow = self.compound(&compound.kind).await;
                    self.sys.set_fds(saved);
                    self.depth -= 1;
                    flow
                }
            }
        })
    }

    fn compound<'s>(&'s mut self, kind: &'s CompoundKind) -> Run<'s> {
        Box::pin(async move {
            match kind {
                CompoundKind::BraceGroup(list) => self.list(list).await,
                CompoundKind::Subshell(list) => {
                    // A subshell's changes do not leak: run it on a copy.
                    let saved_vars = (self.vars.clone(), self.vars_bytes);
                    let saved_cwd = self.sys.cwd();
                    let flow = self.list(list).await;
                    (self.vars, self.vars_bytes) = saved_vars;
                    let _ = self.sys.chdir(&saved_cwd);
                    match flow {
                        Flow::Exit(code) => {
                            self.status = code;
                            Flow::Normal
                        }
                        _ => Flow::Normal,
                    }
                }
                CompoundKind::If(cmd) => {
                    for branch in &cmd.branches {
                        let flow = self.condition(&branch.condition).await;
                        if flow != Flow::Normal {
                            return flow;
                        }
                        if self.status == 0 {
                            return self.list(&branch.body).await;
                        }
                    }
                    match &cmd.else_body {
                        Some(body) => self.list(body).await,
                        None => {
                            self.status = 0;
                            Flow::Normal
                        }
                    }
                }
                CompoundKind::While(lp) => self.loop_(lp, false).await,
                CompoundKind::Until(lp) => self.loop_(lp, true).await,
                CompoundKind::For(f) => {
                    let items = match &f.words {
                        Some(words) => match self.expand_words(words).await {
                            Ok(items) => items,
                            Err(flow) => return flow,
                        },
                        None => self.positional.clone(),
                    };
                    self.status = 0;
                    self.loop_depth += 1;
                    let mut result = Flow::Normal;
                    for item in items {
                        self.set_var(&f.variable, &item);
                        self.sys.tick().await;
                        match self.list(&f.body).await {
                            Flow::Break(n) if n > 1 => {
                                result = Flow::Break(n - 1);
                                break;
                            }
                            Flow::Break(_) => break,
                            Flow::Continue(n) if n > 1 => {
                                result = Flow::Continue(n - 1);
                                break;
                            }
                            Flow::Continue(_) | Flow::Normal => {}
                            other => {
                                result = other;
                                break;
                            }
                        }
                    }
                    self.loop_depth -= 1;
                    result
                }
                CompoundKind::Case(c) => {
                    let word = match self.expand_single(&c.word).await {
                        Ok(w) => w,
                        Err(flow) => return flow,
                    };
                    self.status = 0;
                    for arm in &c.arms {
                        for pattern in &arm.patterns {
                            let pat = match self.expand_pattern(pattern).await {
                                Ok(p) => p,
                                Err(flow) => return flow,
                            };
                            if glob_match(&pat, &word) {
                                return self.list(&arm.body).await;
                            }
                        }
                    }
                    Flow::Normal
                }
            }
        })
    }

    /// A condition list: `set -e` does not apply inside it.
    async fn condition(&mut self, list: &List) -> Flow {
        let saved = self.errexit;
        self.errexit = false;
        let flow = self.list(list).await;
        self.errexit = saved;
        flow
    }

    async fn loop_(&mut self, lp: &LoopCommand, until: bool) -> Flow {
        self.loop_depth += 1;
        let mut body_status = 0;
        let mut result = Flow::Normal;
        loop {
            self.sys.tick().await;
            let flow = self.condition(&lp.condition).await;
            if flow != Flow::Normal {
                result = flow;
                break;
            }
            let go = (self.status == 0) != until;
            if !go {
                break;
            }
            match self.list(&lp.body).await {
                Flow::Break(n) if n > 1 => {
                    result = Flow::Break(n - 1);
                    break;
                }
                Flow::Break(_) => {
                    body_status = self.status;
                    break;
                }
                Flow::Continue(n) if n > 1 => {
                    result = Flow::Continue(n - 1);
                    break;
                }
                Flow::Continue(_) | Flow::Normal => body_status = self.status,
                other => {
                    result = other;
                    break;
                }
            }
        }
        self.loop_depth -= 1;
        if result == Flow::Normal {
            self.status = body_status;
        }
        result
    }

    async fn simple(&mut self, cmd: &SimpleCommand, fds: LiteMap<i32, Fd>) -> Flow {
        self.current_line = cmd.position.line;
        let words = match self.expand_words(&cmd.words).await {
            Ok(w) => w,
            Err(flow) => return flow,
        };
        let mut assignments = Vec::new();
        for a in &cmd.assignments {
            match self.expand_single(&a.value).await {
                Ok(v) => assignments.push((a.name.clone(), v)),
                Err(flow) => return flow,
            }
        }
        if words.is_empty() {
            // `NAME=value` alone sets shell variables; redirections still happen.
            for (name, value) in &assignments {
                self.set_var(name, value);
            }
            if self.redirect(&cmd.redirects, fds).await.is_none() {
                self.status = 1;
                return Flow::Normal;
            }
            if cmd.words.is_empty()
                && !cmd
                    .assignments
                    .iter()
                    .any(|a| a.value.parts.iter().any(|p| matches!(p, WordPart::CommandSubstitution(_))))
            {
                self.status = 0;
            }
            return Flow::Normal;
        }
        let Some(fds) = self.redirect(&cmd.redirects, fds).await else {
            self.status = 1;
            return Flow::Normal;
        };
        let name = words[0].clone();
        if let Some(body) = self.functions.get(&name).cloned() {
            return self.call_function(&body, &words, fds).await;
        }
        if is_builtin(&name) {
            let saved = self.sys.set_fds(fds);
            let flow = self.builtin(&name, &words, &assignments).await;
            self.sys.set_fds(saved);
            return flow;
        }
        let env = self.child_env(&assignments);
        match self.sys.spawn(words.clone(), fds, env) {
            Ok(pid) => {
                self.status = self.sys.wait(pid).await.code();
            }
            Err(e) => {
                self.not_found(&name, e);
            }
        }
        Flow::Normal
    }

    fn not_found(&mut self, name: &str, e: Errno) {
        match e {
            Errno::NoEnt => {
                self.error(&format!("{name}: not found"));
                self.status = 127;
            }
            other => {
                self.error(&format!("{name}: {}", other.text()));
                self.status = 126;
            }
        }
    }

    async fn call_function(&mut self, body: &Command, words: &[String], fds: LiteMap<i32, Fd>) -> Flow {
        if self.depth >= MAX_DEPTH {
            self.error(&format!("{}: function nesting too deep", words[0]));
            self.status = 2;
            return Flow::Exit(2);
        }
        let saved_args = std::mem::replace(&mut self.positional, words[1..].to_vec());
        self.depth += 1;
        let flow = self.command(body, fds).await;
        self.depth -= 1;
        self.positional = saved_args;
        match flow {
            Flow::Return => Flow::Normal,
            other => other,
        }
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
            self.error("out of memory");
            self.out_of_memory = true;
            return;
        }
        self.vars_bytes = total;
        self.vars.insert(name.to_string(), value.to_string());
        if self.exported.contains(name) {
            self.sys.setenv(name, value);
        }
    }

    /// Applies redirections to a descriptor table; `None` (with a message) on failure.
    async fn redirect(&mut self, redirects: &[Redirect], mut fds: LiteMap<i32, Fd>) -> Option<LiteMap<i32, Fd>> {
        for r in redirects {
            let target = match self.expand_single(&r.target).await {
                Ok(t) => t,
                Err(_) => return None,
            };
            let fd = i32::try_from(r.fd()).unwrap_or(1);
            let path = fs::normalize(&self.sys.cwd(), &target);
            match r.op {
                RedirectOp::Output | RedirectOp::Clobber | RedirectOp::Append | RedirectOp::OutputAndError => {
                    let append = r.op == RedirectOp::Append;
                    let file = if path == "/dev/null" {
                        Fd::Null
                    } else if let Some(stream) = std_stream(&path) {
                        fds.get(&stream).cloned().unwrap_or(Fd::Null)
                    } else {
                        // Opening creates (or truncates) the file at once.
                        if let Err(e) = self.sys.write_file(&path, b"", append) {
                            let why = match e {
                                Errno::NoEnt => "nonexistent directory".to_string(),
                                other => other.text().to_string(),
                            };
                            self.error(&format!("can't create {target}: {why}"));
                            return None;
                        }
                        Fd::File { path: path.clone(), append: true }
                    };
                    if r.op == RedirectOp::OutputAndError {
                        fds.insert(1, file.clone());
                        fds.insert(2, file);
                    } else {
                        fds.insert(fd, file);
                    }
                }
                RedirectOp::Input | RedirectOp::ReadWrite => {
                    if target == "/dev/null" {
                        fds.insert(fd, Fd::Null);
                        continue;
                    }
                    if self.sys.stat(&path).is_none() {
                        self.error(&format!("can't open '{target}': No such file or directory"));
                        return None;
                    }
                    fds.insert(fd, Fd::File { path, append: true });
                }
                RedirectOp::DuplicateOutput | RedirectOp::DuplicateInput => {
                    if target == "-" {
                        fds.remove(&fd);
                        continue;
                    }
                    match target.parse::<i32>() {
                        Ok(source) => match fds.get(&source).cloned() {
                            Some(f) => {
                                fds.insert(fd, f);
                            }
                            None => {
                                self.error(&format!("{source}: Bad file descriptor"));
                                return None;
                            }
                        },
                        Err(_) => {
                            self.error(&format!("{target}: bad number"));
                            return None;
                        }
                    }
                }
            }
        }
        Some(fds)
    }

    // ---- builtins ----

    async fn builtin(&mut self, name: &str, words: &[String], assignments: &[(String, String)]) -> Flow {
        let args: Vec<&str> = words.iter().skip(1).map(String::as_str).collect();
        let _ = assignments;
        self.status = 0;
        match name {
            ":" | "true" => {}
            "false" => self.status = 1,
            "exit" => {
                let code = args.first().and_then(|a| a.parse::<i32>().ok()).unwrap_or(self.status);
                return Flow::Exit(code & 0xff);
            }
            "return" => {
                self.status = args.first().and_then(|a| a.parse().ok()).unwrap_or(self.status);
                return Flow::Return;
            }
            "break" | "continue" => {
                let n = args.first().and_then(|a| a.parse::<u32>().ok()).unwrap_or(1).max(1);
                if self.loop_depth == 0 {
                    return Flow::Normal;
                }
                return if name == "break" { Flow::Break(n) } else { Flow::Continue(n) };
            }
            "cd" => {
                let dir = args
                    .first()
                    .map(|s| s.to_string())
                    .or_else(|| self.vars.get("HOME").cloned())
                    .unwrap_or_else(|| "/".into());
                if let Err(e) = self.sys.chdir(&dir) {
                    self.error(&format!("cd: can't cd to {dir}: {}", e.text()));
                    self.status = 2;
                } else {
                    let cwd = self.sys.cwd();
                    self.set_var("PWD", &cwd);
                }
            }
            "export" | "readonly" | "local" => {
                for a in &args {
                    let (k, v) = match a.split_once('=') {
                        Some((k, v)) => (k.to_string(), Some(v.to_string())),
                        None => (a.to_string(), None),
                    };
                    if let Some(v) = v {
                        self.set_var(&k, &v);
                    }
                    if name == "export" {
                        self.exported.insert(k.clone());
                        if let Some(v) = self.vars.get(&k).cloned() {
                            self.sys.setenv(&k, &v);
                        }
                    }
                }
            }
            "unset" => {
                for a in args.iter().filter(|a| !a.starts_with('-')) {
                    if let Some(v) = self.vars.remove(*a) {
                        self.vars_bytes = self.vars_bytes.saturating_sub(a.len() + v.len());
                    }
                    self.functions.remove(*a);
                }
            }
            "set" => {
                let mut rest = args.as_slice();
                while let Some(first) = rest.first() {
                    match *first {
                        "-e" => self.errexit = true,
                        "+e" => self.errexit = false,
                        "--" => {
                            self.positional = rest[1..].iter().map(|s| s.to_string()).collect();
                            break;
                        }
                        s if s.starts_with('-') || s.starts_with('+') => {}
                        _ => {
                            self.positional = rest.iter().map(|s| s.to_string()).collect();
                            break;
                        }
                    }
                    rest = &rest[1..];
                }
                if args.is_empty() {
                    let text: String = self.vars.iter().map(|(k, v)| format!("{k}='{v}'\n")).collect();
                    let _ = self.sys.write_fd(1, text.as_bytes());
                }
            }
            "shift" => {
                let n = args.first().and_then(|a| a.parse::<usize>().ok()).unwrap_or(1);
                if n > self.positional.len() {
                    self.status = 1;
                } else {
                    self.positional.drain(..n);
                }
            }
            "trap" => self.trap(&args),
            "wait" => {
                let targets: Vec<Pid> = if args.is_empty() { std::mem::take(&mut self.background) } else { Vec::new() };
                for pid in targets {
                    self.status = self.sys.wait(pid).await.code();
                }
                if !args.is_empty() {
                    // `wait PID`: PIDs as this namespace numbers them.
                    for a in &args {
                        let found = self
                            .background
                            .iter()
                            .copied()
                            .find(|p| self.sys.ns_pid_of(*p).map(|n| n.to_string()) == Some(a.to_string()));
                        match found {
                            Some(pid) => {
                                self.status = self.sys.wait(pid).await.code();
                                self.background.retain(|p| *p != pid);
                            }
                            None => self.status = 127,
                        }
                    }
                }
            }
            "read" => self.read(&args).await,
            "eval" => {
                let source = args.join(" ");
                return self.eval(&source).await;
            }
            "." | "source" => {
                let Some(file) = args.first() else {
                    self.status = 2;
                    return Flow::Normal;
                };
                match self.sys.read_file(file) {
                    Ok(data) => {
                        let source = String::from_utf8_lossy(&data).into_owned();
                        return self.eval(&source).await;
                    }
                    Err(e) => {
                        self.error(&format!(".: can't open '{file}': {}", e.text()));
                        self.status = 2;
                    }
                }
            }
            "exec" => {
                if args.is_empty() {
                    return Flow::Normal;
                }
                let argv: Vec<String> = args.iter().map(|s| s.to_string()).collect();
                let env = self.child_env(assignments);
                for (k, v) in &env {
                    self.sys.setenv(k, v);
                }
                // The new program runs inside this shell's future: it goes
                // on from this depth, so `exec` chains stay bounded too.
                if !self.enter_levels(EXEC_LEVELS) {
                    return Flow::Exit(2);
                }
                self.sys.set_nesting(self.depth);
                match self.sys.exec(argv) {
                    Ok(task) => {
                        // Traps do not survive exec.
                        self.traps.clear();
                        let code = task.await;
                        return Flow::Exit(code);
                    }
                    Err(e) => {
                        self.depth -= EXEC_LEVELS;
                        self.sys.set_nesting(self.depth);
                        self.not_found(args[0], e);
                        return Flow::Exit(self.status);
                    }
                }
            }
            "let" => {
                for a in &args {
                    match super::parse_arithmetic(a) {
                        Ok(expr) => match self.arith(&expr).await {
                            Ok(v) => self.status = i32::from(v == 0),
                            Err(flow) => return flow,
                        },
                        Err(_) => {
                            self.error("let: arithmetic syntax error");
                            self.status = 1;
                        }
                    }
                }
            }
            "type" | "command" => {
                let names: Vec<&str> = args.iter().copied().filter(|a| !a.starts_with('-')).collect();
                for n in names {
                    if is_builtin(n) {
                        let _ = self.sys.write_fd(1, format!("{n} is a shell builtin\n").as_bytes());
                    } else if let Some(p) = self.sys.which(n) {
                        let line = if name == "command" { format!("{p}\n") } else { format!("{n} is {p}\n") };
                        let _ = self.sys.write_fd(1, line.as_bytes());
                    } else {
                        self.status = 1;
                    }
                }
            }
            "umask" | "ulimit" | "hash" | "alias" => {}
            // Applets busybox ash runs without forking.
            _ => {
                let argv: Vec<String> = words.to_vec();
                self.status = busybox::run_applet(self.sys, name, &argv).await;
            }
        }
        Flow::Normal
    }

    fn trap(&mut self, args: &[&str]) {
        match args {
            [] => {
                let text: String = self
                    .traps
                    .iter()
                    .map(|(sig, action)| {
                        format!(
                            "trap -- '{action}' {}\n",
                            if *sig == 0 { "EXIT".to_string() } else { crate::kernel::signal_name(*sig).to_string() }
                        )
                    })
                    .collect();
                let _ = self.sys.write_fd(1, text.as_bytes());
            }
            [action, signals @ ..] => {
                for s in signals {
                    let Some(sig) = signal_number(s) else {
                        self.error(&format!("trap: {s}: bad trap"));
                        self.status = 1;
                        continue;
                    };
                    if *action == "-" {
                        self.traps.remove(&sig);
                        self.sys.uncatch(sig);
                    } else {
                        self.traps.insert(sig, action.to_string());
                        if sig != 0 {
                            self.sys.catch(sig);
                        }
                    }
                }
            }
        }
    }

    async fn read(&mut self, args: &[&str]) {
        let names: Vec<&str> = args.iter().copied().filter(|a| !a.starts_with('-')).collect();
        loop {
            if let Some(nl) = self.stdin_buffer.iter().position(|b| *b == b'\n') {
                // From the front of a deque: no copy of the rest per line.
                let line: Vec<u8> = self.stdin_buffer.drain(..=nl).collect();
                let text = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
                self.assign_read(&names, &text);
                self.status = 0;
                return;
            }
            let chunk = if self.stdin_buffer.len() > MAX_STRING { Vec::new() } else { self.sys.read_fd(0).await };
            if chunk.is_empty() {
                let rest: Vec<u8> = std::mem::take(&mut self.stdin_buffer).into();
                let text = String::from_utf8_lossy(&rest).into_owned();
                self.assign_read(&names, &text);
                self.status = 1;
                return;
            }
            self.stdin_buffer.extend(chunk);
        }
    }

    fn assign_read(&mut self, names: &[&str], line: &str) {
        let names: Vec<&str> = if names.is_empty() { vec!["REPLY"] } else { names.to_vec() };
        let mut fields: Vec<&str> = line.split_whitespace().collect();
        for (i, name) in names.iter().enumerate() {
            let value = if i + 1 == names.len() {
                let rest = fields.clone();
                fields.clear();
                rest.join(" ")
            } else if fields.is_empty() {
                String::new()
            } else {
                fields.remove(0).to_string()
            };
            self.set_var(name, &value);
        }
    }

    // ---- expansion ----

    /// Expands words into fields (parameter, command and arithmetic
    /// expansion, then field splitting of unquoted results, then globbing).
    async fn expand_words(&mut self, words: &[Word]) -> Result<Vec<String>, Flow> {
        let mut out = Vec::new();
        let mut total = 0usize;
        for w in words {
            let fields = self.expand_fields(w).await?;
            total = total.saturating_add(fields.iter().map(|f| f.len() + 1).sum());
            if total > MAX_STRING {
                return Err(self.memory_exhausted());
            }
            out.extend(fields);
        }
        Ok(out)
    }

    async fn expand_fields(&mut self, word: &Word) -> Result<Vec<String>, Flow> {
        let mut fields: Vec<String> = Vec::new();
        let mut current = String::new();
        let mut has_field = false;
        let mut globbable = false;
        // Bytes the parts added so far (fields and current together).
        let mut grown = 0usize;
        for part in &word.parts {
            let before = current.len();
            let fields_before = fields.len();
            match part {
                WordPart::Literal(text) => {
                    globbable |= text.contains(['*', '?']);
                    current.push_str(text);
                    has_field = true;
                }
                WordPart::SingleQuoted(text) => {
                    current.push_str(text);
                    has_field = true;
                }
                WordPart::Escaped(c) => {
                    current.push(*c);
                    has_field = true;
                }
                WordPart::DoubleQuoted(inner) => {
                    // "$@" makes one field per positional parameter.
                    let all_arguments = matches!(inner.as_slice(), [WordPart::Parameter(p)]
                        if p.parameter == Parameter::Special(SpecialParameter::AllArguments) && p.operation.is_none());
                    if all_arguments {
                        let args = self.positional.clone();
                        for (i, a) in args.iter().enumerate() {
                            if i > 0 {
                                fields.push(std::mem::take(&mut current));
                            }
                            current.push_str(a);
                            has_field = true;
                        }
                    } else {
                        let text = self.expand_quoted(inner).await?;
                        current.push_str(&text);
                        has_field = true;
                    }
                }
                WordPart::Parameter(p) => {
                    let value = self.parameter(p).await?;
                    split_into(&value, &mut fields, &mut current, &mut has_field);
                }
                WordPart::CommandSubstitution(cs) => {
                    let value = self.command_substitution(cs).await?;
                    split_into(&value, &mut fields, &mut current, &mut has_field);
                }
                WordPart::Arithmetic(expr) => {
                    let value = self.arith(expr).await?;
                    current.push_str(&value.to_string());
                    has_field = true;
                }
            }
            let added: usize = fields[fields_before..].iter().map(|f| f.len() + 1).sum();
            grown = grown.saturating_add(added).saturating_add(current.len().saturating_sub(before));
            if grown > MAX_STRING {
                return Err(self.memory_exhausted());
            }
        }
        if has_field {
            fields.push(current);
        }
        if globbable && fields.len() == 1 {
            if let Some(matches) = self.glob(&fields[0]) {
                return Ok(matches);
            }
        }
        Ok(fields)
    }

    /// A word expanded without field splitting (assignments, redirections):
    /// its parts read as inside double quotes.
    async fn expand_single(&mut self, word: &Word) -> Result<String, Flow> {
        self.expand_quoted(&word.parts).await
    }

    /// A pattern (case arms, `${x%pat}`): quoted parts match literally.
    async fn expand_pattern(&mut self, word: &Word) -> Result<String, Flow> {
        let mut out = String::new();
        for part in &word.parts {
            match part {
                WordPart::Literal(t) => out.push_str(t),
                WordPart::SingleQuoted(t) => out.push_str(&escape_glob(t)),
                WordPart::Escaped(c) => out.push_str(&escape_glob(&c.to_string())),
                WordPart::DoubleQuoted(inner) => {
                    let text = self.expand_quoted(inner).await?;
                    out.push_str(&escape_glob(&text));
                }
                other => {
                    let w = Word { parts: vec![other.clone()], position: word.position };
                    out.push_str(&self.expand_single(&w).await?);
                }
            }
            self.check_size(&out)?;
        }
        Ok(out)
    }

    fn expand_quoted<'s>(
        &'s mut self,
        parts: &'s [WordPart],
    ) -> Pin<Box<dyn Future<Output = Result<String, Flow>> + 's>> {
        Box::pin(async move {
            let mut out = String::new();
            for part in parts {
                match part {
                    WordPart::Literal(t) | WordPart::SingleQuoted(t) => out.push_str(t),
                    WordPart::Escaped(c) => out.push(*c),
                    WordPart::DoubleQuoted(inner) => out.push_str(&self.expand_quoted(inner).await?),
                    WordPart::Parameter(p) => out.push_str(&self.parameter(p).await?),
                    WordPart::CommandSubstitution(cs) => out.push_str(&self.command_substitution(cs).await?),
                    WordPart::Arithmetic(e) => out.push_str(&self.arith(e).await?.to_string()),
                }
                self.check_size(&out)?;
            }
            Ok(out)
        })
    }

    fn lookup(&self, p: &Parameter) -> Option<String> {
        match p {
            Parameter::Named(name) => self.vars.get(name).cloned(),
            Parameter::Positional(0) => Some(self.name.clone()),
            Parameter::Positional(n) => self.positional.get(usize::try_from(*n).unwrap_or(usize::MAX) - 1).cloned(),
            Parameter::Special(s) => Some(match s {
                SpecialParameter::LastStatus => self.status.to_string(),
                SpecialParameter::ShellPid => self.sys.getpid().to_string(),
                SpecialParameter::LastBackgroundPid => {
                    return self.last_background.and_then(|p| self.sys.ns_pid_of(p)).map(|p| p.to_string());
                }
                SpecialParameter::ArgumentCount => self.positional.len().to_string(),
                SpecialParameter::AllArguments | SpecialParameter::AllArgumentsJoined => self.positional.join(" "),
                SpecialParameter::ShellName => self.name.clone(),
                SpecialParameter::Options => {
                    if self.errexit {
                        "e".into()
                    } else {
                        String::new()
                    }
                }
            }),
        }
    }

    fn parameter<'s>(
        &'s mut self,
        p: &'s ParameterExpansion,
    ) -> Pin<Box<dyn Future<Output = Result<String, Flow>> + 's>> {
        Box::pin(async move {
            let value = self.lookup(&p.parameter);
            let Some(op) = &p.operation else {
                return Ok(value.unwrap_or_default());
            };
            let is_unset = |empty_counts: bool, v: &Option<String>| match v {
                None => true,
                Some(s) => empty_counts && s.is_empty(),
            };
            Ok(match op {
                ParameterOperation::Length => value.unwrap_or_default().chars().count().to_string(),
                ParameterOperation::UseDefault { treat_empty_as_unset, word } => {
                    if is_unset(*treat_empty_as_unset, &value) {
                        self.expand_single(word).await?
                    } else {
                        value.unwrap_or_default()
                    }
                }
                ParameterOperation::AssignDefault { treat_empty_as_unset, word } => {
                    if is_unset(*treat_empty_as_unset, &value) {
                        let v = self.expand_single(word).await?;
                        if let Parameter::Named(n) = &p.parameter {
                            self.set_var(n, &v);
                        }
                        v
                    } else {
                        value.unwrap_or_default()
                    }
                }
                ParameterOperation::ErrorIfUnset { treat_empty_as_unset, word } => {
                    if is_unset(*treat_empty_as_unset, &value) {
                        let msg = self.expand_single(word).await?;
                        let name = p.parameter.name();
                        self.error(&format!("{name}: {}", if msg.is_empty() { "parameter not set" } else { &msg }));
                        return Err(Flow::Exit(2));
                    }
                    value.unwrap_or_default()
                }
                ParameterOperation::UseAlternative { treat_empty_as_unset, word } => {
                    if is_unset(*treat_empty_as_unset, &value) {
                        String::new()
                    } else {
                        self.expand_single(word).await?
                    }
                }
                ParameterOperation::RemoveSuffix { longest, pattern } => {
                    let v = value.unwrap_or_default();
                    let pat = self.expand_pattern(pattern).await?;
                    remove_affix(&v, &pat, *longest, false)
                }
                ParameterOperation::RemovePrefix { longest, pattern } => {
                    let v = value.unwrap_or_default();
                    let pat = self.expand_pattern(pattern).await?;
                    remove_affix(&v, &pat, *longest, true)
                }
                ParameterOperation::Substring { offset, length } => {
                    let v: Vec<char> = value.unwrap_or_default().chars().collect();
                    let off = self.expand_single(offset).await?.trim().parse::<i64>().unwrap_or(0);
                    // Saturating: usize is 32 bits in wasm.
                    let start = if off < 0 {
                        v.len().saturating_sub(usize::try_from(off.unsigned_abs()).unwrap_or(usize::MAX))
                    } else {
                        usize::try_from(off).unwrap_or(usize::MAX).min(v.len())
                    };
                    let len = match length {
                        Some(l) => match self.expand_single(l).await?.trim().parse::<u64>() {
                            Ok(n) => usize::try_from(n).unwrap_or(usize::MAX),
                            Err(_) => 0,
                        },
                        None => v.len(),
                    };
                    v[start..].iter().take(len).collect()
                }
                ParameterOperation::Replace { all, pattern, replacement } => {
                    let v = value.unwrap_or_default();
                    let pat = self.expand_pattern(pattern).await?;
                    let rep = match replacement {
                        Some(r) => self.expand_single(r).await?,
                        None => String::new(),
                    };
                    let matches = if pat.is_empty() {
                        0
                    } else if *all {
                        v.matches(pat.as_str()).count()
                    } else {
                        1
                    };
                    if v.len().saturating_add(matches.saturating_mul(rep.len())) > MAX_STRING {
                        return Err(self.memory_exhausted());
                    }
                    if pat.is_empty() {
                        v
                    } else if *all {
                        v.replace(&pat, &rep)
                    } else {
                        v.replacen(&pat, &rep, 1)
                    }
                }
            })
        })
    }

    /// `$(…)`: runs the list with stdout into a pipe; trailing newlines go.
    fn command_substitution<'s>(
        &'s mut self,
        cs: &'s CommandSubstitution,
    ) -> Pin<Box<dyn Future<Output = Result<String, Flow>> + 's>> {
        Box::pin(async move {
            if !self.enter() {
                return Err(Flow::Exit(2));
            }
            let (r, w) = self.sys.pipe();
            let mut fds = self.sys.fds();
            fds.insert(1, w.clone());
            let saved = self.sys.set_fds(fds);
            let saved_vars = (self.vars.clone(), self.vars_bytes);
            let flow = self.list(&cs.body).await;
            (self.vars, self.vars_bytes) = saved_vars;
            self.sys.set_fds(saved);
            self.sys.close(&w);
            let mut fds = self.sys.fds();
            fds.insert(99, r.clone());
            let saved = self.sys.set_fds(fds);
            let mut output = Vec::new();
            // A background job may go on writing (`$(yes &)`): past the
            // limit, the shell stops reading, and the writer gets EPIPE.
            while output.len() <= MAX_STRING {
                let chunk = self.sys.read_fd(99).await;
                if chunk.is_empty() {
                    break;
                }
                output.extend(chunk);
            }
            self.sys.set_fds(saved);
            self.sys.close(&r);
            if let Flow::Exit(code) = flow {
                self.status = code;
            }
            self.depth -= 1;
            let text = String::from_utf8_lossy(&output).into_owned();
            Ok(text.trim_end_matches('\n').to_string())
        })
    }

    fn arith<'s>(&'s mut self, expr: &'s ArithExpr) -> Pin<Box<dyn Future<Output = Result<i64, Flow>> + 's>> {
        Box::pin(async move {
            Ok(match expr {
                ArithExpr::Number(n) => *n,
                ArithExpr::Variable(name) => self.arith_var(name)?,
                ArithExpr::Parameter(p) => {
                    let v = self.parameter(p).await?;
                    self.arith_value(&v)?
                }
                ArithExpr::CommandSubstitution(cs) => {
                    let v = self.command_substitution(cs).await?;
                    self.arith_value(&v)?
                }
                ArithExpr::Unary { op, operand } => {
                    let v = self.arith(operand).await?;
                    match op {
                        UnaryOp::Negate => v.wrapping_neg(),
                        UnaryOp::Plus => v,
                        UnaryOp::Not => i64::from(v == 0),
                        UnaryOp::BitNot => !v,
                    }
                }
                ArithExpr::Binary { op, left, right } => {
                    let l = self.arith(left).await?;
                    // && and || short-circuit.
                    match op {
                        BinaryOp::LogicalAnd if l == 0 => return Ok(0),
                        BinaryOp::LogicalOr if l != 0 => return Ok(1),
                        _ => {}
                    }
                    let r = self.arith(right).await?;
                    self.binary(*op, l, r)?
                }
                ArithExpr::Conditional { condition, then_value, else_value } => {
                    if self.arith(condition).await? != 0 {
                        self.arith(then_value).await?
                    } else {
                        self.arith(else_value).await?
                    }
                }
                ArithExpr::Assign { op, name, value } => {
                    let v = self.arith(value).await?;
                    let current = self.arith_var(name)?;
                    let new = match op.binary_op() {
                        None => v,
                        Some(binary) => self.binary(binary, current, v)?,
                    };
                    self.set_var(name, &new.to_string());
                    new
                }
                ArithExpr::Increment { name, decrement, prefix } => {
                    let current = self.arith_var(name)?;
                    let new = if *decrement { current.wrapping_sub(1) } else { current.wrapping_add(1) };
                    self.set_var(name, &new.to_string());
                    if *prefix { new } else { current }
                }
            })
        })
    }

    fn binary(&mut self, op: BinaryOp, l: i64, r: i64) -> Result<i64, Flow> {
        Ok(match op {
            BinaryOp::Comma => r,
            BinaryOp::LogicalOr => i64::from(l != 0 || r != 0),
            BinaryOp::LogicalAnd => i64::from(l != 0 && r != 0),
            BinaryOp::BitOr => l | r,
            BinaryOp::BitXor => l ^ r,
            BinaryOp::BitAnd => l & r,
            BinaryOp::Equal => i64::from(l == r),
            BinaryOp::NotEqual => i64::from(l != r),
            BinaryOp::Less => i64::from(l < r),
            BinaryOp::LessEqual => i64::from(l <= r),
            BinaryOp::Greater => i64::from(l > r),
            BinaryOp::GreaterEqual => i64::from(l >= r),
            BinaryOp::ShiftLeft => l.wrapping_shl(u32::try_from(r & 63).unwrap_or(0)),
            BinaryOp::ShiftRight => l.wrapping_shr(u32::try_from(r & 63).unwrap_or(0)),
            BinaryOp::Add => l.wrapping_add(r),
            BinaryOp::Subtract => l.wrapping_sub(r),
            BinaryOp::Multiply => l.wrapping_mul(r),
            BinaryOp::Divide | BinaryOp::Remainder if r == 0 => {
                self.error("arithmetic syntax error: divide by zero");
                return Err(Flow::Exit(2));
            }
            BinaryOp::Divide => l.wrapping_div(r),
            BinaryOp::Remainder => l.wrapping_rem(r),
            BinaryOp::Power => l.wrapping_pow(u32::try_from(r.clamp(0, 64)).unwrap_or(0)),
        })
    }

    fn arith_var(&mut self, name: &str) -> Result<i64, Flow> {
        let v = self.vars.get(name).cloned().unwrap_or_default();
        self.arith_value(&v)
    }

    fn arith_value(&mut self, v: &str) -> Result<i64, Flow> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(0);
        }
        match t.parse::<i64>() {
            Ok(n) => Ok(n),
            Err(_) => {
                self.error("arithmetic syntax error");
                Err(Flow::Exit(2))
            }
        }
    }

    /// Pathname expansion of the last component (`/var/log/*.log`).
    fn glob(&self, pattern: &str) -> Option<Vec<String>> {
        let (dir, file_pattern) = match pattern.rsplit_once('/') {
            Some((d, f)) => (if d.is_empty() { "/".to_string() } else { d.to_string() }, f),
            None => (".".to_string(), pattern),
        };
        if dir.contains(['*', '?']) {
            return None;
        }
        let names = self.sys.list_dir(&dir).ok()?;
        let mut hits: Vec<String> = names
            .into_iter()
            .filter(|n| !n.starts_with('.') && glob_match(file_pattern, n))
            .map(|n| if dir == "." { n } else { fs::join(&dir, &n) })
            .collect();
        hits.sort();
        (!hits.is_empty()).then_some(hits)
    }
}

/// Splits an unquoted expansion's value into fields (IFS = whitespace).
fn split_into(value: &str, fields: &mut Vec<String>, current: &mut String, has_field: &mut bool) {
    let starts_with_space = value.starts_with(char::is_whitespace);
    let ends_with_space = value.ends_with(char::is_whitespace);
    let pieces: Vec<&str> = value.split_whitespace().collect();
    if pieces.is_empty() {
        if !value.is_empty() && *has_field {
            fields.push(std::mem::take(current));
            *has_field = false;
        }
        return;
    }
    for (i, piece) in pieces.iter().enumerate() {
        if (i > 0 || starts_with_space) && *has_field {
            fields.push(std::mem::take(current));
        }
        current.push_str(piece);
        *has_field = true;
    }
    if ends_with_space {
        fields.push(std::mem::take(current));
        *has_field = false;
    }
}

/// The commands the shell runs itself (busybox ash's builtins).
fn is_builtin(name: &str) -> bool {
    matches!(
        name,
        ":" | "."
            | "break"
            | "cd"
            | "command"
            | "continue"
            | "echo"
            | "eval"
            | "exec"
            | "exit"
            | "export"
            | "false"
            | "hash"
            | "kill"
            | "let"
            | "local"
            | "printf"
            | "pwd"
            | "read"
            | "readonly"
            | "return"
            | "set"
            | "shift"
            | "source"
            | "test"
            | "["
            | "trap"
            | "true"
            | "type"
            | "ulimit"
            | "umask"
            | "unset"
            | "wait"
            | "alias"
    )
}

fn escape_glob(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Most steps one pattern match may take: the matchers below are linear for
/// the patterns scripts use, but `*a*a*a…b` against a long text is not.
/// Past this, the pattern counts as not matching.
const PATTERN_WORK: usize = 20_000_000;

/// One element of a shell pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum PatternToken {
    Star,
    Any,
    Char(char),
    /// `[...]`: inclusive ranges (a lone character is `c-c`).
    Class {
        negate: bool,
        ranges: Vec<(char, char)>,
    },
}

impl PatternToken {
    /// Whether this single-character token matches `c` (`*` does not).
    fn matches(&self, c: char) -> bool {
        match self {
            PatternToken::Star => false,
            PatternToken::Any => true,
            PatternToken::Char(p) => *p == c,
            PatternToken::Class { negate, ranges } => ranges.iter().any(|(lo, hi)| *lo <= c && c <= *hi) != *negate,
        }
    }
}

/// A pattern's tokens: `*`, `?`, `[abc]`, `[!a-z]`, `\x`; a `[` that is
/// never closed is a plain `[`.
fn pattern_tokens(pattern: &str) -> Vec<PatternToken> {
    let p: Vec<char> = pattern.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '*' => tokens.push(PatternToken::Star),
            '?' => tokens.push(PatternToken::Any),
            '[' => match class_at(&p, i) {
                Some((class, next)) => {
                    tokens.push(class);
                    i = next;
                    continue;
                }
                None => tokens.push(PatternToken::Char('[')),
            },
            '\\' if i + 1 < p.len() => {
                tokens.push(PatternToken::Char(p[i + 1]));
                i += 1;
            }
            c => tokens.push(PatternToken::Char(c)),
        }
        i += 1;
    }
    tokens
}

/// The bracket expression at `p[start]` and the index after it.
fn class_at(p: &[char], start: usize) -> Option<(PatternToken, usize)> {
    let mut i = start + 1;
    let negate = matches!(p.get(i), Some('!') | Some('^'));
    if negate {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    while i < p.len() && (p[i] != ']' || first) {
        first = false;
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            ranges.push((p[i], p[i + 2]));
            i += 3;
        } else {
            ranges.push((p[i], p[i]));
            i += 1;
        }
    }
    if i >= p.len() {
        return None;
    }
    Some((PatternToken::Class { negate, ranges }, i + 1))
}

/// Shell pattern matching: `*`, `?`, `[abc]`, `[!a-z]`, `\x`.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p = pattern_tokens(pattern);
    let t: Vec<char> = text.chars().collect();
    // Iterative matcher with backtracking on the last `*`.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    let mut work = 0usize;
    while ti < t.len() {
        work += 1;
        if work > PATTERN_WORK {
            return false;
        }
        match p.get(pi) {
            Some(PatternToken::Star) => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some(token) if token.matches(t[ti]) => {
                pi += 1;
                ti += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, st)) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|token| *token == PatternToken::Star)
}

/// For each `k` in `0..=text.len()`, whether `tokens` match the first `k`
/// characters of `text` (a set-of-states matcher: one pass over the text).
/// `None` past [`PATTERN_WORK`].
fn prefix_matches(tokens: &[PatternToken], text: impl Iterator<Item = char>) -> Option<Vec<bool>> {
    let m = tokens.len();
    // `*` matches the empty string: a state before a star is also after it.
    let close = |states: &mut Vec<usize>, seen: &mut Vec<bool>| {
        let mut i = 0;
        while i < states.len() {
            let s = states[i];
            if s < m && tokens[s] == PatternToken::Star && !seen[s + 1] {
                seen[s + 1] = true;
                states.push(s + 1);
            }
            i += 1;
        }
    };
    // Two flag buffers, reused: only the entries of listed states are set.
    let mut seen = vec![false; m + 1];
    let mut next_seen = vec![false; m + 1];
    let mut states = vec![0];
    let mut next = Vec::new();
    seen[0] = true;
    close(&mut states, &mut seen);
    let mut accepts = vec![seen[m]];
    let mut work = 0usize;
    for c in text {
        if states.is_empty() {
            accepts.push(false);
            continue;
        }
        work = work.saturating_add(states.len());
        if work > PATTERN_WORK {
            return None;
        }
        next.clear();
        for &s in &states {
            let target = match tokens.get(s) {
                Some(PatternToken::Star) => s,
                Some(token) if token.matches(c) => s + 1,
                _ => continue,
            };
            if !next_seen[target] {
                next_seen[target] = true;
                next.push(target);
            }
        }
        close(&mut next, &mut next_seen);
        accepts.push(next_seen[m]);
        for &s in &states {
            seen[s] = false;
        }
        std::mem::swap(&mut seen, &mut next_seen);
        std::mem::swap(&mut states, &mut next);
    }
    Some(accepts)
}

/// `${v#pat}`, `${v##pat}` (prefix) and `${v%pat}`, `${v%%pat}` (suffix).
fn remove_affix(value: &str, pattern: &str, longest: bool, prefix: bool) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    let mut tokens = pattern_tokens(pattern);
    // A suffix is a prefix of the reversed text, for the reversed pattern.
    let accepts = if prefix {
        prefix_matches(&tokens, chars.iter().copied())
    } else {
        tokens.reverse();
        prefix_matches(&tokens, chars.iter().rev().copied())
    };
    let Some(accepts) = accepts else {
        return value.to_string();
    };
    let lengths = (0..=n).filter(|k| accepts[*k]);
    let Some(k) = (if longest { lengths.max() } else { lengths.min() }) else {
        return value.to_string();
    };
    if prefix { chars[k..].iter().collect() } else { chars[..n - k].iter().collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*.log", "app.log"));
        assert!(!glob_match("*.log", "app.txt"));
        assert!(glob_match("a?c", "abc"));
        assert!(glob_match("[a-c]x", "bx"));
        assert!(!glob_match("[!a-c]x", "bx"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn affixes() {
        assert_eq!(remove_affix("file.tar.gz", ".*", false, false), "file.tar");
        assert_eq!(remove_affix("file.tar.gz", ".*", true, false), "file");
        assert_eq!(remove_affix("/a/b/c", "*/", true, true), "c");
        assert_eq!(remove_affix("/a/b/c", "*/", false, true), "a/b/c");
        assert_eq!(remove_affix("/a/b/c", "/*", false, false), "/a/b");
        assert_eq!(remove_affix("/a/b/c", "/*", true, false), "");
        assert_eq!(remove_affix("abc", "x*", true, true), "abc");
        assert_eq!(remove_affix("abc", "", true, true), "abc");
        assert_eq!(remove_affix("abc", "*", false, true), "abc");
        assert_eq!(remove_affix("abc", "*", true, true), "");
        assert_eq!(remove_affix("a[b", "*[", false, false), "a[b");
        assert_eq!(remove_affix("a[b", "[[]b", false, false), "a");
        assert_eq!(remove_affix("héllo", "h?", false, true), "llo");
        assert_eq!(remove_affix("x.y", "\\.y", false, false), "x");
    }

    #[test]
    fn long_texts_and_patterns_stay_fast() {
        let long = "a".repeat(1 << 20);
        assert_eq!(remove_affix(&long, "*b", true, true), long);
        assert_eq!(remove_affix(&long, "*a", true, false), "");
        let mean = format!("{}b", "*a".repeat(2000));
        assert!(!glob_match(&mean, &long));
        assert_eq!(remove_affix(&long, &mean, true, true), long);
    }
}
