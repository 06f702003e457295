//! The process table: creating and ending processes, PID namespaces, and
//! delivering signals.

use litemap::LiteMap;
use std::collections::{BTreeSet, VecDeque};

use podplay_core::time::MonoTime;

use super::errno::Errno;
use super::events::KernelEvent;
use super::state::State;
use super::{ExitStatus, Fd, NsId, NsSet, Owner, Pid, SIGKILL, limits};

/// A process as the kernel tracks it.
#[derive(Clone, Debug)]
pub(super) struct Process {
    pub(super) pid: Pid,
    pub(super) ppid: Pid,
    pub(super) ns: NsSet,
    /// The PID this process has in each PID namespace it is visible in.
    pub(super) ns_pids: LiteMap<NsId, Pid>,
    pub(super) argv: Vec<String>,
    pub(super) env: LiteMap<String, String>,
    pub(super) cwd: String,
    pub(super) uid: u32,
    pub(super) fds: LiteMap<i32, Fd>,
    pub(super) owner: Owner,
    /// Signals with a handler (`trap`): they queue instead of killing.
    pub(super) caught: BTreeSet<i32>,
    /// Signals sent but not yet handled.
    pub(super) pending: VecDeque<i32>,
    /// Sleeping until then.
    pub(super) wake_at: Option<MonoTime>,
    /// Steps used at the current instant (the CPU budget).
    pub(super) steps: u64,
    pub(super) steps_at: MonoTime,
    /// How deep the shell's interpreter is nested in this process. A
    /// program `exec` starts runs inside the caller's Rust future, so an
    /// exec'd shell goes on counting from its caller's depth.
    pub(super) nesting: usize,
    /// Bytes this process holds, charged to its memory cgroup.
    pub(super) memory: u64,
}

impl Process {
    /// The command line as `ps` shows it.
    pub(super) fn cmdline(&self) -> String {
        self.argv.join(" ")
    }
}

/// One PID namespace.
#[derive(Clone, Debug)]
pub(super) struct PidNs {
    pub(super) parent: Option<NsId>,
    pub(super) next: Pid,
}

impl State {
    /// A process's PID as seen from PID namespace `ns`, if visible there.
    pub(super) fn pid_in(&self, pid: Pid, ns: NsId) -> Option<Pid> {
        self.procs.get(&pid).and_then(|p| p.ns_pids.get(&ns).copied())
    }

    /// The host PID of the process that has `ns_pid` in namespace `ns`.
    pub(super) fn host_pid(&self, ns: NsId, ns_pid: Pid) -> Option<Pid> {
        self.procs.values().find(|p| p.ns_pids.get(&ns) == Some(&ns_pid)).map(|p| p.pid)
    }

    /// Creates a process entry; returns its host PID.
    pub(super) fn create_process(&mut self, mut proc: Process) -> Result<Pid, Errno> {
        if self.procs.len() >= limits::PROCESSES {
            return Err(Errno::Again);
        }
        let pid = self.next_pid;
        self.next_pid = pid.checked_add(1).ok_or(Errno::Again)?;
        proc.pid = pid;
        let mut ns_pids = LiteMap::new();
        let mut ns = Some(proc.ns.pid);
        while let Some(id) = ns {
            let Some(pns) = self.pid_ns.get_mut(&id) else {
                break;
            };
            let local = if pns.parent.is_none() { pid } else { pns.next };
            if pns.parent.is_some() {
                pns.next += 1;
            }
            ns_pids.insert(id, local);
            ns = pns.parent;
        }
        proc.ns_pids = ns_pids;
        for fd in proc.fds.values() {
            if let Fd::Pipe { id, write } = fd {
                if let Some(p) = self.pipes.get_mut(id) {
                    if *write {
                        p.writers += 1;
                    } else {
                        p.readers += 1;
                    }
                }
            }
        }
        self.events.push(KernelEvent::Spawned {
            pid,
            owner: proc.owner.clone(),
            argv: proc.argv.clone(),
            uid: proc.uid,
        });
        self.procs.insert(pid, proc);
        self.bump();
        Ok(pid)
    }

    /// Ends a process: closes its descriptors, records its status; the first
    /// process of a container takes the rest of the container with it.
    pub(super) fn exit(&mut self, pid: Pid, status: ExitStatus) {
        let Some(proc) = self.procs.remove(&pid) else {
            return;
        };
        for fd in proc.fds.values() {
            self.close_fd(fd);
        }
        if let Some(log) = proc.owner.container_id().and_then(|c| self.logs.get_mut(c)) {
            log.end_partial_line();
        }
        for listener_ns in self.net.namespaces.iter_mut().map(|(_, v)| v) {
            listener_ns.listeners.retain(|_, l| l.pid != pid);
        }
        self.exited.insert(pid, status);
        while self.exited.len() > limits::ZOMBIES {
            let Some(oldest) = self.exited.first().map(|(pid, _)| *pid) else { break };
            self.exited.remove(&oldest);
        }
        // Connections nobody will finish or read any more.
        let procs = &self.procs;
        self.net.conns.retain(|_, c| {
            let client_gone = c.client == pid || !procs.contains_key(&c.client);
            let server_gone = c.server == pid || !procs.contains_key(&c.server);
            !(client_gone && (c.response_done || server_gone))
        });
        let container_init = self.container_inits.remove(&pid);
        self.events.push(KernelEvent::Exited { pid, owner: proc.owner.clone(), status, container_init });
        if container_init {
            let doomed: Vec<Pid> = self
                .procs
                .values()
                .filter(|p| proc.owner.is_container() && p.owner == proc.owner)
                .map(|p| p.pid)
                .collect();
            for other in doomed {
                self.exit(other, ExitStatus::Signaled(SIGKILL));
            }
        }
        // Orphans are adopted by their PID namespace's first process.
        let orphans: Vec<Pid> = self.procs.values().filter(|p| p.ppid == pid).map(|p| p.pid).collect();
        for orphan in orphans {
            let ns = self.procs[&orphan].ns.pid;
            let adopter = self.host_pid(ns, 1).unwrap_or(0);
            if let Some(p) = self.procs.get_mut(&orphan) {
                p.ppid = adopter;
            }
        }
        self.bump();
    }

    /// Delivers a signal: queued when caught, else it kills at the next poll.
    pub(super) fn signal(&mut self, pid: Pid, sig: i32) -> Result<(), Errno> {
        let proc = self.procs.get_mut(&pid).ok_or(Errno::NoSuchProcess)?;
        if sig == 0 {
            return Ok(());
        }
        // The first process of a PID namespace gets only the signals it has
        // a handler for (SIGKILL aside): the kernel drops the rest. This is
        // why `sh -c 'sleep 3600'` ignores SIGTERM and waits for SIGKILL.
        let is_ns_init = proc.ns_pids.get(&proc.ns.pid) == Some(&1)
            && self.pid_ns.get(&proc.ns.pid).is_some_and(|n| n.parent.is_some());
        if is_ns_init && sig != SIGKILL && !proc.caught.contains(&sig) {
            let owner = proc.owner.clone();
            self.events.push(KernelEvent::SignalIgnored { pid, owner, signal: sig });
            self.bump();
            return Ok(());
        }
        // Pending signals are a set, not a queue: a signal sent again before
        // it was handled is delivered once.
        if !proc.pending.contains(&sig) {
            proc.pending.push_back(sig);
        }
        let owner = proc.owner.clone();
        self.events.push(KernelEvent::Signaled { pid, owner, signal: sig });
        self.bump();
        Ok(())
    }

    /// The first pending signal that kills (not caught, or SIGKILL).
    pub(super) fn take_fatal_signal(&mut self, pid: Pid) -> Option<i32> {
        let proc = self.procs.get_mut(&pid)?;
        let position = proc.pending.iter().position(|s| *s == SIGKILL || !proc.caught.contains(s))?;
        proc.pending.remove(position)
    }
}
