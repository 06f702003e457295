//! `ExecSync`: a command run in a running container (probes, hooks,
//! `kubectl exec`), its output captured until it ends or times out.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use nix::fcntl::OFlag;
use nix::sys::signal::Signal;

use podplay_core::cri::{CallId, CriReply};
use podplay_core::quote::go_quote;
use podplay_core::time::MonoTime;
use podplay_core::trace::Note;

use super::{LinuxNode, spawn};
use crate::init::spec::{Command, InitSpec, Role, TerminalSize};
use crate::sys::ns::{NsKind, ns_path};
use crate::sys::process;

/// Output kept from one exec (what CRI's ExecSync returns is bounded too).
const MAX_OUTPUT: usize = 16 * 1024;

/// Where an attached exec's stdin, stdout and stderr are.
pub enum AttachIo {
    /// The caller's own.
    Descriptors([OwnedFd; 3]),
    /// A new terminal of this size in the container.
    Terminal(TerminalSize),
}

/// A `kubectl exec -i/-t` process: its output goes straight to the caller.
pub(super) struct Attached {
    pub ticket: u64,
    pub pid: u32,
    pub helper: u32,
}

pub(super) struct Exec {
    call: CallId,
    pub pid: u32,
    /// Its parent, whose exit carries its status.
    pub helper: u32,
    pub deadline: MonoTime,
    output: Vec<u8>,
    stream: Option<OwnedFd>,
    command_text: String,
}

impl Exec {
    pub fn stream(&self) -> Option<BorrowedFd<'_>> {
        self.stream.as_ref().map(|fd| fd.as_fd())
    }

    pub fn read_output(&mut self) {
        let Some(fd) = &self.stream else { return };
        let mut chunk = [0u8; 4096];
        loop {
            match nix::unistd::read(fd.as_raw_fd(), &mut chunk) {
                Ok(0) => {
                    self.stream = None;
                    return;
                }
                Ok(n) => {
                    let room = MAX_OUTPUT.saturating_sub(self.output.len());
                    self.output.extend_from_slice(&chunk[..n.min(room)]);
                }
                Err(nix::errno::Errno::EINTR) => continue,
                Err(_) => return,
            }
        }
    }
}

impl LinuxNode {
    /// Joins every namespace of the container's first process (its mount
    /// namespace last, which puts the process in the container's root) and
    /// runs the command there as the container's user.
    pub(super) fn start_exec(&mut self, call: CallId, id: &str, argv: Vec<String>, deadline: MonoTime) {
        let (spec, name) = match self.exec_spec(id, &argv, None) {
            Ok(found) => found,
            Err(message) => {
                self.reply(call, CriReply::Error { message });
                return;
            }
        };
        self.notes.push_back(Note::ExecStarted { container: name, command: argv.clone() });
        let (read, write) = match nix::unistd::pipe2(OFlag::O_CLOEXEC) {
            Ok(pair) => pair,
            Err(e) => {
                self.reply(call, CriReply::Error { message: format!("pipe: {e}") });
                return;
            }
        };
        let _ = nix::fcntl::fcntl(read.as_raw_fd(), nix::fcntl::FcntlArg::F_SETFL(OFlag::O_NONBLOCK));
        let copy = match write.try_clone() {
            Ok(fd) => fd,
            Err(e) => {
                self.reply(call, CriReply::Error { message: format!("dup: {e}") });
                return;
            }
        };
        match spawn::spawn(&self.helper, &spec, Some(spawn::Output { stdout: write, stderr: copy })) {
            Ok(spawn::Spawned { pid, helper }) => self.execs.push(Exec {
                call,
                pid,
                helper,
                deadline,
                output: Vec::new(),
                stream: Some(read),
                command_text: argv.join(" "),
            }),
            Err(why) => {
                let message =
                    format!("OCI runtime exec failed: exec failed: unable to start container process: {why}: unknown");
                self.reply(call, CriReply::Exec { exit_code: 126, output: message });
            }
        }
    }

    /// What runs `argv` in the container `id`: every namespace of its first
    /// process, its environment, user and capabilities. Also the
    /// container's name.
    fn exec_spec(&self, id: &str, argv: &[String], tty: Option<TerminalSize>) -> Result<(InitSpec, String), String> {
        let c = self.containers.get(id).ok_or_else(|| format!("container {id} not found"))?;
        let pid = c.running_pid().ok_or("container is not running")?;
        let join = [NsKind::Net, NsKind::Uts, NsKind::Ipc, NsKind::Pid, NsKind::Mnt]
            .into_iter()
            .map(|kind| (kind, ns_path(pid, kind)))
            .collect();
        let identity = c.identity.as_ref();
        let command = Command {
            argv: argv.to_vec(),
            // The process spec's environment, as runc's exec takes it (a
            // program may overwrite its own /proc/<pid>/environ).
            env: identity.map(|i| i.env.clone()).unwrap_or_else(|| self.exec_env(pid)),
            cwd: identity.map(|i| i.cwd.clone()).unwrap_or_default(),
            user: identity.map(|i| i.user.clone()).unwrap_or_default(),
            capabilities: identity.and_then(|i| i.capabilities.clone()),
            no_new_privs: identity.is_some_and(|i| i.no_new_privs),
            seccomp: identity.map(|i| i.seccomp.clone()).unwrap_or_default(),
            tty,
        };
        Ok((
            InitSpec { join, unshare: Vec::new(), cgroup_procs: c.cgroup_procs(), role: Role::Exec(command) },
            c.name().to_string(),
        ))
    }

    /// CRI's streaming `Exec` (`kubectl exec -i/-t`): the command runs on
    /// the caller's own stdin, stdout and stderr, or on a new terminal in
    /// the container whose master side is returned. Also returns a ticket
    /// for [`LinuxNode::attached_exit`].
    pub fn start_attached_exec(
        &mut self,
        container: &str,
        argv: Vec<String>,
        io: AttachIo,
    ) -> Result<(u64, Option<OwnedFd>), String> {
        let id = self
            .containers
            .iter()
            .filter(|(_, c)| c.name() == container && c.running_pid().is_some())
            .map(|(id, _)| id.clone())
            .next()
            .ok_or_else(|| format!("container {container} is not running"))?;
        let size = match &io {
            AttachIo::Terminal(size) => Some(*size),
            AttachIo::Descriptors(_) => None,
        };
        let (spec, name) = self.exec_spec(&id, &argv, size)?;
        self.notes.push_back(Note::ExecStarted { container: name, command: argv });
        let failed = |why: String| {
            format!("OCI runtime exec failed: exec failed: unable to start container process: {why}: unknown")
        };
        let (spawned, master) = match io {
            AttachIo::Descriptors([stdin, stdout, stderr]) => {
                let output = spawn::Output { stdout, stderr };
                (spawn::spawn_with_stdin(&self.helper, &spec, stdin, output).map_err(failed)?, None)
            }
            AttachIo::Terminal(_) => {
                let (spawned, master) = spawn::spawn_with_terminal(&self.helper, &spec).map_err(failed)?;
                (spawned, Some(master))
            }
        };
        self.next_ticket += 1;
        self.attached.push(Attached { ticket: self.next_ticket, pid: spawned.pid, helper: spawned.helper });
        Ok((self.next_ticket, master))
    }

    /// The client of an attached exec went away: the command is killed,
    /// as the streaming server ends it when its stream closes.
    pub fn abandon_attached(&mut self, ticket: u64) {
        if let Some(a) = self.attached.iter().find(|a| a.ticket == ticket) {
            process::kill(a.pid, Signal::SIGKILL);
            self.abandoned.insert(ticket);
        }
        self.attached_done.remove(&ticket);
    }

    /// The exit code of an attached exec once it ended.
    pub fn attached_exit(&mut self, ticket: u64) -> Option<i32> {
        self.attached_done.remove(&ticket)
    }

    /// An exec'd process sees the container's environment, as runc's exec
    /// takes the container's process spec.
    fn exec_env(&self, pid: u32) -> Vec<String> {
        let raw = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        raw.split(|b| *b == 0).filter(|s| !s.is_empty()).map(|s| String::from_utf8_lossy(s).into_owned()).collect()
    }

    pub(super) fn exec_finished(&mut self, mut done: Exec, code: i32, _now: MonoTime) {
        done.read_output();
        let output = String::from_utf8_lossy(&done.output).into_owned();
        self.reply(done.call, CriReply::Exec { exit_code: code, output });
    }

    pub(super) fn expire_execs(&mut self, now: MonoTime) {
        let (late, running): (Vec<Exec>, Vec<Exec>) =
            std::mem::take(&mut self.execs).into_iter().partition(|e| now >= e.deadline);
        self.execs = running;
        for e in late {
            process::kill(e.pid, Signal::SIGKILL);
            // Reaped later as an unknown child.
            let message = format!("command {} timed out", go_quote(&e.command_text));
            self.reply(e.call, CriReply::Error { message });
        }
    }
}
