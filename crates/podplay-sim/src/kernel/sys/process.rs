//! Processes, signals and time: wait, kill, `ps`, traps, sleep and the CPU
//! budget.

use podplay_core::time::MonoDuration;

use super::{Sys, poll_fn_state};
use crate::kernel::errno::Errno;
use crate::kernel::state::State;
use crate::kernel::{ExitStatus, Pid, limits};

impl Sys {
    /// A host PID as this process's PID namespace numbers it.
    pub fn ns_pid_of(&self, host: Pid) -> Option<Pid> {
        let s = self.state.borrow();
        let ns = s.procs.get(&self.pid)?.ns.pid;
        s.pid_in(host, ns)
    }

    /// Waits for a child to end.
    pub async fn wait(&self, child: Pid) -> ExitStatus {
        poll_fn_state(self, move |s| {
            let status = s.exited.remove(&child);
            if status.is_none() && !s.procs.contains_key(&child) {
                return Some(ExitStatus::Code(127));
            }
            status
        })
        .await
    }

    /// `wait` as a shell with traps does it: a caught signal interrupts it
    /// (`None` then, the child still running).
    pub async fn wait_interruptible(&self, child: Pid) -> Option<ExitStatus> {
        let me = self.pid;
        poll_fn_state(self, move |s| {
            if let Some(status) = s.exited.remove(&child) {
                return Some(Some(status));
            }
            if !s.procs.contains_key(&child) {
                return Some(Some(ExitStatus::Code(127)));
            }
            (!s.procs.get(&me)?.pending.is_empty()).then_some(None)
        })
        .await
    }

    /// Sets how many bytes this process holds (its buffers, strings,
    /// allocations). Over the container's memory limit the OOM killer ends
    /// it (and the container's other processes): then this never returns,
    /// and the process dies of SIGKILL at the kernel's next pass.
    pub async fn use_memory(&self, bytes: u64) {
        let survived = self.with(|s| s.use_memory(self.pid, bytes));
        if !survived {
            std::future::pending::<()>().await;
        }
    }

    /// Grows past any memory limit (a program allocating beyond what podplay
    /// holds for real): the OOM killer ends it; this never returns then.
    pub async fn exhaust_memory(&self) {
        let survived = self.with(|s| s.exhaust_memory(self.pid));
        if !survived {
            std::future::pending::<()>().await;
        }
    }

    /// The first caught signal waiting to be handled, left in place.
    pub fn peek_signal(&self) -> Option<i32> {
        self.proc(|p| p.pending.front().copied()).flatten()
    }

    /// Whether `pid` still runs or has a status left to collect.
    pub fn waitable(&self, pid: Pid) -> bool {
        let s = self.state.borrow();
        s.procs.contains_key(&pid) || s.exited.contains_key(&pid)
    }

    /// Has the child ended? (Non-blocking `wait`.)
    pub fn try_wait(&self, child: Pid) -> Option<ExitStatus> {
        self.with(|s| s.exited.remove(&child))
    }

    /// `kill(pid, sig)` with a PID of this process's namespace.
    pub fn kill(&self, ns_pid: Pid, sig: i32) -> Result<(), Errno> {
        let host = self.proc_pid(&ns_pid.to_string()).ok_or(Errno::NoSuchProcess)?;
        self.with(|s| s.signal(host, sig))
    }

    /// Processes visible in this process's PID namespace, by PID there.
    pub fn processes(&self) -> Vec<ProcessInfo> {
        let s = self.state.borrow();
        let Some(me) = s.procs.get(&self.pid) else {
            return Vec::new();
        };
        let ns = me.ns.pid;
        let mut out: Vec<ProcessInfo> = s
            .procs
            .values()
            .filter_map(|p| {
                Some(ProcessInfo {
                    pid: *p.ns_pids.get(&ns)?,
                    ppid: s.pid_in(p.ppid, ns).unwrap_or(0),
                    uid: p.uid,
                    cmdline: p.cmdline(),
                })
            })
            .collect();
        out.sort_by_key(|p| p.pid);
        out
    }

    /// Installs a handler for `sig` (so it queues instead of killing).
    pub fn catch(&self, sig: i32) {
        self.proc_mut(|p| p.caught.insert(sig));
    }

    pub fn uncatch(&self, sig: i32) {
        self.proc_mut(|p| p.caught.remove(&sig));
    }

    /// The next caught signal that arrived, if any.
    pub fn take_signal(&self) -> Option<i32> {
        self.proc_mut(|p| p.pending.pop_front()).flatten()
    }

    pub fn has_signal(&self) -> bool {
        self.proc(|p| !p.pending.is_empty()).unwrap_or(false)
    }

    // ---- time ----

    /// Sleeps; a caught signal cuts it short (returns false then).
    pub async fn sleep(&self, d: MonoDuration) -> bool {
        let until = self.now() + d;
        self.proc_mut(|p| p.wake_at = Some(until));
        let pid = self.pid;
        let done = poll_fn_state(self, move |s| {
            let p = s.procs.get(&pid)?;
            if s.now >= until {
                return Some(true);
            }
            (!p.pending.is_empty()).then_some(false)
        })
        .await;
        self.proc_mut(|p| p.wake_at = None);
        done
    }

    /// Uses one step of the CPU budget; past the budget, waits for the next
    /// tick of virtual time (so `while true` never hangs the simulation).
    pub async fn tick(&self) {
        // A full pipe blocks its writer until the reader drains it (or
        // goes away).
        let me = self.pid;
        poll_fn_state(self, move |s| {
            let p = s.procs.get(&me)?;
            let full = p.fds.values().any(|fd| match fd {
                crate::kernel::Fd::Pipe { id, write: true } => {
                    s.pipes.get(id).is_some_and(|pipe| pipe.readers > 0 && pipe.buffer.len() >= limits::PIPE_BYTES)
                }
                _ => false,
            });
            (!full).then_some(())
        })
        .await;
        let now = self.now();
        let budget = self.with(State::step_budget);
        let over = self
            .proc_mut(|p| {
                if p.steps_at != now {
                    p.steps_at = now;
                    p.steps = 0;
                }
                p.steps += 1;
                p.steps > budget
            })
            .unwrap_or(false);
        if over {
            self.sleep(MonoDuration(limits::THROTTLE_MS)).await;
        }
    }
}

/// What `ps` lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessInfo {
    pub pid: Pid,
    pub ppid: Pid,
    pub uid: u32,
    pub cmdline: String,
}
