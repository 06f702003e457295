//! The executor: owns the kernel's state and every process's future, and
//! polls them on the virtual clock.

use litemap::LiteMap;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use podplay_core::time::MonoTime;

use super::fs::Store;
use super::spawn::Resolver;
use super::state::State;
use super::{Errno, ExitStatus, KernelEvent, Pid, SpawnSpec, Sys, limits};

/// A running program: a future that yields the exit code.
pub type Task = Pin<Box<dyn Future<Output = i32>>>;

/// The executor: owns the state and every process's future.
pub struct Kernel {
    pub(super) state: Rc<RefCell<State>>,
    tasks: LiteMap<Pid, Task>,
    resolver: Resolver,
}

impl Kernel {
    /// A kernel with a node: its root store, host namespaces (net with `lo`
    /// and `eth0` at `node_ip`), and hostname.
    pub fn new(resolver: Resolver, node_root: Store, hostname: &str, node_ip: &str) -> Kernel {
        let state = State::new(node_root, hostname, node_ip);
        Kernel { state: Rc::new(RefCell::new(state)), tasks: LiteMap::new(), resolver }
    }

    pub fn now(&self) -> MonoTime {
        self.state.borrow().now
    }

    /// Starts a process from an executable path in its mount namespace.
    pub fn spawn(&mut self, spec: SpawnSpec) -> Result<Pid, Errno> {
        let sys = Sys { state: self.state.clone(), pid: 0, resolver: self.resolver };
        let pid = sys.spawn_with(spec)?;
        self.adopt_spawned();
        Ok(pid)
    }

    fn adopt_spawned(&mut self) {
        let spawned = std::mem::take(&mut self.state.borrow_mut().spawned);
        for (pid, task) in spawned {
            self.tasks.insert(pid, task);
        }
    }

    /// Moves the clock to `now` (never back) without running anything, so
    /// that calls made at `now` are timed from `now`.
    pub fn advance(&mut self, now: MonoTime) {
        let mut s = self.state.borrow_mut();
        if now > s.now {
            s.now = now;
            s.bump();
        }
    }

    /// Runs every process at `now` until none can make progress.
    pub fn run(&mut self, now: MonoTime) {
        {
            let mut s = self.state.borrow_mut();
            if now > s.now {
                s.now = now;
                s.bump();
            }
        }
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        for _ in 0..limits::PASSES {
            let before = self.state.borrow().generation;
            self.adopt_spawned();
            let pids: Vec<Pid> = self.tasks.keys().copied().collect();
            for pid in pids {
                // A process the kernel already ended (SIGKILL, its container's
                // end) loses its future.
                if !self.state.borrow().procs.contains_key(&pid) {
                    self.tasks.remove(&pid);
                    continue;
                }
                let fatal = self.state.borrow_mut().take_fatal_signal(pid);
                if let Some(sig) = fatal {
                    self.tasks.remove(&pid);
                    self.state.borrow_mut().exit(pid, ExitStatus::Signaled(sig));
                    continue;
                }
                let Some(task) = self.tasks.get_mut(&pid) else {
                    continue;
                };
                if let Poll::Ready(code) = task.as_mut().poll(&mut cx) {
                    self.tasks.remove(&pid);
                    self.state.borrow_mut().exit(pid, ExitStatus::Code(code));
                }
            }
            self.adopt_spawned();
            let after = self.state.borrow().generation;
            if after == before {
                break;
            }
        }
        // Futures of processes that ended while others ran.
        let alive: BTreeSet<Pid> = self.state.borrow().procs.keys().copied().collect();
        self.tasks.retain(|pid, _| alive.contains(pid));
    }

    /// The next instant a process wants to run (a sleep ending, a throttle).
    pub fn next_wakeup(&self) -> Option<MonoTime> {
        let s = self.state.borrow();
        s.procs.values().filter_map(|p| p.wake_at).filter(|t| *t > s.now).min()
    }

    /// Drains what happened since the last call.
    pub fn take_events(&mut self) -> Vec<KernelEvent> {
        std::mem::take(&mut self.state.borrow_mut().events)
    }

    /// System calls made as process `pid`: the runtime connects as the
    /// kubelet, the simulation lists processes as a container sees them.
    pub fn sys_for(&self, pid: Pid) -> Sys {
        Sys { state: self.state.clone(), pid, resolver: self.resolver }
    }
}
