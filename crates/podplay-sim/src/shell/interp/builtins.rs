//! Running the builtins (their names are in [`crate::shell::builtins`]).

use super::{EXEC_LEVELS, Flow, MAX_STRING, Shell};
use crate::kernel::{Pid, signal_number};
use crate::programs::busybox;
use crate::shell::builtins::{self, Builtin};

impl Shell<'_> {
    /// Runs a builtin in the shell's process; `words` is the command line,
    /// its name first. `$?` starts at 0 (so a bare `exit` exits 0).
    pub(super) async fn builtin(
        &mut self,
        builtin: Builtin,
        words: &[String],
        assignments: &[(String, String)],
    ) -> Flow {
        let name = words.first().map_or("", String::as_str);
        let args: Vec<&str> = words.iter().skip(1).map(String::as_str).collect();
        self.status = 0;
        match builtin {
            Builtin::NoOp => Flow::Normal,
            Builtin::Exit => {
                let code = args.first().and_then(|a| a.parse::<i32>().ok()).unwrap_or(self.status);
                Flow::Exit(code & 0xff)
            }
            Builtin::Return => {
                self.status = args.first().and_then(|a| a.parse().ok()).unwrap_or(self.status);
                Flow::Return
            }
            Builtin::Break => self.leave_loop(&args, Flow::Break),
            Builtin::Continue => self.leave_loop(&args, Flow::Continue),
            Builtin::Cd => self.cd(&args),
            Builtin::Export => self.declare(&args, true),
            Builtin::Readonly | Builtin::Local => self.declare(&args, false),
            Builtin::Unset => self.unset(&args),
            Builtin::Set => self.set(&args),
            Builtin::Shift => self.shift(&args),
            Builtin::Trap => self.trap(&args),
            Builtin::Wait => self.wait(&args).await,
            Builtin::Read => self.read(&args).await,
            Builtin::Eval => self.eval(&args.join(" ")).await,
            Builtin::Source => self.source(&args).await,
            Builtin::Exec => self.exec(&args, assignments).await,
            Builtin::Let => self.let_arithmetic(&args).await,
            Builtin::Type => self.describe_commands(&args, false),
            Builtin::Command => self.describe_commands(&args, true),
            Builtin::Applet => {
                self.status = busybox::run_applet(self.sys, name, words).await;
                Flow::Normal
            }
        }
    }

    /// `break [N]` and `continue [N]`, with `leave` the one it is; outside a
    /// loop they do nothing.
    fn leave_loop(&mut self, args: &[&str], leave: fn(u32) -> Flow) -> Flow {
        let n = args.first().and_then(|a| a.parse::<u32>().ok()).unwrap_or(1).max(1);
        if self.loop_depth == 0 { Flow::Normal } else { leave(n) }
    }

    fn cd(&mut self, args: &[&str]) -> Flow {
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
        Flow::Normal
    }

    /// `export`, `readonly` and `local` (`NAME[=value]…`): only `export`
    /// does more than assign, handing the variables to children.
    fn declare(&mut self, args: &[&str], export: bool) -> Flow {
        for a in args {
            let (k, v) = match a.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (a.to_string(), None),
            };
            if let Some(v) = v {
                self.set_var(&k, &v);
            }
            if export {
                self.exported.insert(k.clone());
                if let Some(v) = self.vars.get(&k).cloned() {
                    self.sys.setenv(&k, &v);
                }
            }
        }
        Flow::Normal
    }

    fn unset(&mut self, args: &[&str]) -> Flow {
        for a in args.iter().filter(|a| !a.starts_with('-')) {
            if let Some(v) = self.vars.remove(*a) {
                self.vars_bytes = self.vars_bytes.saturating_sub(a.len() + v.len());
            }
            self.functions.remove(*a);
        }
        Flow::Normal
    }

    /// `set -e`, `set +e`, `set -- ARGS` and `set ARGS`; alone, the variables.
    fn set(&mut self, args: &[&str]) -> Flow {
        let mut rest = args;
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
        Flow::Normal
    }

    fn shift(&mut self, args: &[&str]) -> Flow {
        let n = args.first().and_then(|a| a.parse::<usize>().ok()).unwrap_or(1);
        if n > self.positional.len() {
            self.status = 1;
        } else {
            self.positional.drain(..n);
        }
        Flow::Normal
    }

    /// `wait` for every background job, or `wait PID…` (PIDs as this
    /// namespace numbers them). A signal the shell traps interrupts it
    /// (POSIX): `wait` returns 128 + the signal and the trap runs next.
    async fn wait(&mut self, args: &[&str]) -> Flow {
        let targets: Vec<Option<Pid>> = if args.is_empty() {
            self.background.iter().copied().map(Some).collect()
        } else {
            args.iter()
                .map(|a| {
                    self.background
                        .iter()
                        .copied()
                        .find(|p| self.sys.ns_pid_of(*p).map(|n| n.to_string()) == Some(a.to_string()))
                })
                .collect()
        };
        for target in targets {
            let Some(pid) = target else {
                self.status = 127;
                continue;
            };
            match self.sys.wait_interruptible(pid).await {
                Some(status) => {
                    self.status = status.code();
                    self.background.retain(|p| *p != pid);
                }
                None => {
                    self.status = 128 + self.sys.peek_signal().unwrap_or(0);
                    return Flow::Normal;
                }
            }
        }
        Flow::Normal
    }

    /// `. FILE` and `source FILE`.
    async fn source(&mut self, args: &[&str]) -> Flow {
        let Some(file) = args.first() else {
            self.status = 2;
            return Flow::Normal;
        };
        match self.sys.read_file(file) {
            Ok(data) => {
                let source = String::from_utf8_lossy(&data).into_owned();
                self.eval(&source).await
            }
            Err(e) => {
                self.error(&format!(".: can't open '{file}': {}", e.text()));
                self.status = 2;
                Flow::Normal
            }
        }
    }

    /// `exec CMD…`: the shell's process becomes the command.
    async fn exec(&mut self, args: &[&str], assignments: &[(String, String)]) -> Flow {
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
                Flow::Exit(code)
            }
            Err(e) => {
                self.depth -= EXEC_LEVELS;
                self.sys.set_nesting(self.depth);
                self.not_found(args[0], e);
                Flow::Exit(self.status)
            }
        }
    }

    /// `let EXPR…`: succeeds when the last value is not zero.
    async fn let_arithmetic(&mut self, args: &[&str]) -> Flow {
        for a in args {
            match crate::shell::parse_arithmetic(a) {
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
        Flow::Normal
    }

    /// `type NAME…` (`NAME is /bin/ls`), or `command -v NAME…` (`/bin/ls`)
    /// when `path_only`.
    fn describe_commands(&mut self, args: &[&str], path_only: bool) -> Flow {
        let names: Vec<&str> = args.iter().copied().filter(|a| !a.starts_with('-')).collect();
        for n in names {
            if builtins::lookup(n).is_some() {
                let _ = self.sys.write_fd(1, format!("{n} is a shell builtin\n").as_bytes());
            } else if let Some(p) = self.sys.which(n) {
                let line = if path_only { format!("{p}\n") } else { format!("{n} is {p}\n") };
                let _ = self.sys.write_fd(1, line.as_bytes());
            } else {
                self.status = 1;
            }
        }
        Flow::Normal
    }

    /// `trap` lists the traps; `trap ACTION SIGNAL…` sets them (`-` resets).
    fn trap(&mut self, args: &[&str]) -> Flow {
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
        Flow::Normal
    }

    /// `read [NAME…]`: a line of standard input into variables.
    async fn read(&mut self, args: &[&str]) -> Flow {
        let names: Vec<&str> = args.iter().copied().filter(|a| !a.starts_with('-')).collect();
        loop {
            if let Some(nl) = self.stdin_buffer.iter().position(|b| *b == b'\n') {
                // From the front of a deque: no copy of the rest per line.
                let line: Vec<u8> = self.stdin_buffer.drain(..=nl).collect();
                let text = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
                self.assign_read(&names, &text);
                self.status = 0;
                return Flow::Normal;
            }
            let chunk = if self.stdin_buffer.len() > MAX_STRING { Vec::new() } else { self.sys.read_fd(0).await };
            if chunk.is_empty() {
                let rest: Vec<u8> = std::mem::take(&mut self.stdin_buffer).into();
                let text = String::from_utf8_lossy(&rest).into_owned();
                self.assign_read(&names, &text);
                self.status = 1;
                return Flow::Normal;
            }
            self.stdin_buffer.extend(chunk);
        }
    }

    /// Splits a line read on whitespace into `names` (`REPLY` when none);
    /// the last name takes the rest.
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
}
