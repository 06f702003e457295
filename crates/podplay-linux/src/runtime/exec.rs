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
use crate::init::spec::{Command, InitSpec, Role};
use crate::sys::ns::{NsKind, ns_path};
use crate::sys::process;

/// Output kept from one exec (what CRI's ExecSync returns is bounded too).
const MAX_OUTPUT: usize = 16 * 1024;

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
        let Some(c) = self.containers.get(id) else {
            self.reply(call, CriReply::Error { message: format!("container {id} not found") });
            return;
        };
        let Some(pid) = c.running_pid() else {
            self.reply(call, CriReply::Error { message: "container is not running".into() });
            return;
        };
        let name = c.name().to_string();
        let join = [NsKind::Net, NsKind::Uts, NsKind::Ipc, NsKind::Pid, NsKind::Mnt]
            .into_iter()
            .map(|kind| (kind, ns_path(pid, kind)))
            .collect();
        let identity = c.identity.clone();
        let command = Command {
            argv: argv.clone(),
            // The process spec's environment, as runc's exec takes it (a
            // program may overwrite its own /proc/<pid>/environ).
            env: identity.as_ref().map(|i| i.env.clone()).unwrap_or_else(|| self.exec_env(pid)),
            cwd: identity.as_ref().map(|i| i.cwd.clone()).unwrap_or_default(),
            user: identity.as_ref().map(|i| i.user.clone()).unwrap_or_default(),
            capabilities: identity.as_ref().and_then(|i| i.capabilities.clone()),
            no_new_privs: identity.as_ref().is_some_and(|i| i.no_new_privs),
        };
        let spec = InitSpec { join, unshare: Vec::new(), role: Role::Exec(command) };
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
