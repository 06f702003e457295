//! A process's handle on the kernel: its system calls, by subject.

mod fds;
pub(super) mod files;
mod network;
mod process;
mod procfs;

use litemap::LiteMap;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use podplay_core::time::MonoTime;

use super::errno::Errno;
use super::fs;
use super::process_table::Process;
use super::spawn::Resolver;
use super::state::State;
use super::{NsSet, Owner, Pid};

pub use process::ProcessInfo;

/// A process's handle on the kernel: its system calls.
#[derive(Clone)]
pub struct Sys {
    pub(super) state: Rc<RefCell<State>>,
    pub(super) pid: Pid,
    pub(super) resolver: Resolver,
}

impl Sys {
    pub fn now(&self) -> MonoTime {
        self.state.borrow().now
    }

    pub(super) fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.borrow_mut())
    }

    pub(super) fn proc<R>(&self, f: impl FnOnce(&Process) -> R) -> Option<R> {
        self.state.borrow().procs.get(&self.pid).map(f)
    }

    pub(super) fn proc_mut<R>(&self, f: impl FnOnce(&mut Process) -> R) -> Option<R> {
        self.state.borrow_mut().procs.get_mut(&self.pid).map(f)
    }

    // ---- identity and environment ----

    /// This process's PID in its own PID namespace.
    pub fn getpid(&self) -> Pid {
        self.proc(|p| p.ns_pids.get(&p.ns.pid).copied().unwrap_or(p.pid)).unwrap_or(0)
    }

    pub fn uid(&self) -> u32 {
        self.proc(|p| p.uid).unwrap_or(0)
    }

    pub fn set_uid(&self, uid: u32) {
        self.proc_mut(|p| p.uid = uid);
    }

    pub fn owner(&self) -> Owner {
        self.proc(|p| p.owner.clone()).unwrap_or(Owner::Node)
    }

    /// How deep the shell's interpreter is nested in this process: a
    /// program `exec` starts runs inside the caller's Rust future, so an
    /// exec'd shell goes on counting from its caller's depth.
    pub fn nesting(&self) -> usize {
        self.proc(|p| p.nesting).unwrap_or(0)
    }

    pub fn set_nesting(&self, depth: usize) {
        self.proc_mut(|p| p.nesting = depth);
    }

    pub fn argv(&self) -> Vec<String> {
        self.proc(|p| p.argv.clone()).unwrap_or_default()
    }

    /// Changes the command line `ps` shows (nginx does this).
    pub fn set_title(&self, title: &str) {
        self.proc_mut(|p| p.argv = title.split(' ').map(str::to_string).collect());
        self.with(State::bump);
    }

    pub fn env(&self) -> LiteMap<String, String> {
        self.proc(|p| p.env.clone()).unwrap_or_default()
    }

    pub fn getenv(&self, name: &str) -> Option<String> {
        self.proc(|p| p.env.get(name).cloned()).flatten()
    }

    pub fn setenv(&self, name: &str, value: &str) {
        self.proc_mut(|p| p.env.insert(name.to_string(), value.to_string()));
    }

    pub fn cwd(&self) -> String {
        self.proc(|p| p.cwd.clone()).unwrap_or_else(|| "/".into())
    }

    pub fn chdir(&self, path: &str) -> Result<(), Errno> {
        let abs = fs::normalize(&self.cwd(), path);
        match self.stat(&abs) {
            Some(true) => {
                self.proc_mut(|p| p.cwd = abs);
                Ok(())
            }
            Some(false) => Err(Errno::NotDir),
            None => Err(Errno::NoEnt),
        }
    }

    pub fn hostname(&self) -> String {
        let s = self.state.borrow();
        s.procs.get(&self.pid).and_then(|p| s.hostnames.get(&p.ns.uts).cloned()).unwrap_or_default()
    }

    pub fn namespaces(&self) -> Option<NsSet> {
        self.proc(|p| p.ns)
    }
}

/// A future that polls a condition on the kernel state.
struct StatePoll<F> {
    state: Rc<RefCell<State>>,
    f: F,
}

impl<T, F: FnMut(&mut State) -> Option<T> + Unpin> Future for StatePoll<F> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<T> {
        let state = self.state.clone();
        let mut s = state.borrow_mut();
        match (self.f)(&mut s) {
            Some(v) => Poll::Ready(v),
            None => Poll::Pending,
        }
    }
}

fn poll_fn_state<T, F: FnMut(&mut State) -> Option<T> + Unpin>(sys: &Sys, f: F) -> StatePoll<F> {
    StatePoll { state: sys.state.clone(), f }
}
