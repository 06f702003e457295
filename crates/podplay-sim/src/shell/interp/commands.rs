//! Lists, pipelines and simple commands: what runs in the shell, what in a
//! child process.

use litemap::LiteMap;

use super::{Flow, MAX_DEPTH, Run, Shell};
use crate::kernel::{Errno, Fd, Pid, limits};
use crate::shell::ast::*;
use crate::shell::builtins;

impl Shell<'_> {
    pub(super) fn list<'s>(&'s mut self, list: &'s List) -> Run<'s> {
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
            // What the script's variables hold is the shell's memory.
            self.sys.use_memory(self.vars_bytes as u64).await;
            let flow = if pipeline.commands.len() == 1 {
                let fds = self.sys.fds();
                self.command(&pipeline.commands[0], fds).await
            } else {
                self.multi_pipeline(&pipeline.commands).await;
                Flow::Normal
            };
            if self.out_of_memory {
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
                        if builtins::lookup(name).is_none() && !self.functions.contains_key(name) {
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
        if let Some(builtin) = builtins::lookup(&name) {
            let saved = self.sys.set_fds(fds);
            let flow = self.builtin(builtin, &words, &assignments).await;
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

    pub(super) fn not_found(&mut self, name: &str, e: Errno) {
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
}
