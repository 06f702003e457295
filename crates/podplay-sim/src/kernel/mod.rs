//! The virtual kernel: processes, namespaces, filesystems, pipes, network,
//! and a cooperative executor on a virtual clock.
//!
//! Programs are Rust `async` functions (the shell, nginx, pause, …) given a
//! [`Sys`] handle: their `.await` points are where a real process would block
//! (sleep, read, accept, wait). At each virtual instant the executor polls
//! every runnable process, in PID order, until none can make progress; then
//! time may move to the next wake-up. Nothing here reads a real clock or
//! starts a thread, so the same input always gives the same trace.
//!
//! The kernel's state (`state`) is private to this module. Programs reach
//! it through [`Sys`], their system calls (`sys/`: files, `/proc`,
//! descriptors and pipes, processes and signals, network); the container
//! runtime and the simulation through [`Kernel`]: the executor (`exec`) and
//! what containerd, runc and a CNI plugin would do on a node (`control`).
//! Below them: the process table (`process_table`), starting programs
//! (`spawn`), pipes, logs, filesystems (`fs`) and network namespaces (`net`).

mod control;
mod errno;
mod events;
pub mod exec;
pub mod fs;
mod log;
mod memory;
mod net;
mod pipe;
mod process_table;
mod spawn;
mod state;
mod sys;

pub use control::{ResponseState, Usage};
pub use errno::Errno;
pub use events::KernelEvent;
pub use exec::{Kernel, Task};
pub use fs::{Mount, Store, StoreId};
pub use net::Interface;
pub use spawn::{Program, SpawnSpec, executable};
pub use state::NODE_STORE;
pub use sys::files::std_stream;
pub use sys::{ProcessInfo, Sys};

pub type Pid = u32;
pub type NsId = u64;

pub const SIGHUP: i32 = 1;
pub const SIGINT: i32 = 2;
pub const SIGQUIT: i32 = 3;
pub const SIGKILL: i32 = 9;
pub const SIGUSR1: i32 = 10;
pub const SIGTERM: i32 = 15;

/// A signal's name without `SIG`: the story's table, shared by both runtimes.
pub use podplay_core::trace::signal_name;

/// The largest signal number (Linux's `SIGRTMAX`).
pub const SIGMAX: i32 = 64;

/// A signal number from `TERM`, `SIGTERM` or `15` (0 to [`SIGMAX`]).
pub fn signal_number(name: &str) -> Option<i32> {
    let n = name.trim_start_matches('-');
    let n = n.strip_prefix("SIG").unwrap_or(n);
    match n {
        "HUP" => Some(SIGHUP),
        "INT" => Some(SIGINT),
        "QUIT" => Some(SIGQUIT),
        "KILL" => Some(SIGKILL),
        "USR1" => Some(SIGUSR1),
        "TERM" => Some(SIGTERM),
        "EXIT" => Some(0),
        other => other.parse().ok().filter(|n| (0..=SIGMAX).contains(n)),
    }
}

/// The kinds of namespace the simulator models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NsKind {
    Net,
    Ipc,
    Uts,
    Pid,
    Mnt,
}

impl NsKind {
    pub fn name(self) -> &'static str {
        match self {
            NsKind::Net => "net",
            NsKind::Ipc => "ipc",
            NsKind::Uts => "uts",
            NsKind::Pid => "pid",
            NsKind::Mnt => "mnt",
        }
    }
}

/// The namespaces a process lives in (inode-like ids).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NsSet {
    pub net: NsId,
    pub ipc: NsId,
    pub uts: NsId,
    pub pid: NsId,
    pub mnt: NsId,
}

impl NsSet {
    pub fn get(&self, kind: NsKind) -> NsId {
        match kind {
            NsKind::Net => self.net,
            NsKind::Ipc => self.ipc,
            NsKind::Uts => self.uts,
            NsKind::Pid => self.pid,
            NsKind::Mnt => self.mnt,
        }
    }
}

/// Whom a process belongs to: what the trace names it after, and whose CPU
/// budget and log it uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    /// The node's own processes (init, containerd, the kubelet).
    Node,
    /// A container's or a Pod sandbox's processes, by runtime id.
    Container(String),
    /// A host outside the cluster (the log store, a web site), by host name.
    Outside(String),
}

impl Owner {
    /// The runtime id of the container (or sandbox) the process runs in.
    pub fn container_id(&self) -> Option<&str> {
        match self {
            Owner::Container(id) => Some(id),
            Owner::Node | Owner::Outside(_) => None,
        }
    }

    pub fn is_container(&self) -> bool {
        matches!(self, Owner::Container(_))
    }

    pub fn is_outside(&self) -> bool {
        matches!(self, Owner::Outside(_))
    }
}

/// Where a file descriptor points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fd {
    /// `/dev/null`.
    Null,
    /// The container's stdout/stderr log (what `kubectl logs` shows).
    Log {
        container: String,
        stderr: bool,
    },
    Pipe {
        id: u64,
        write: bool,
    },
    /// A file, resolved in the process's mount namespace.
    File {
        path: String,
        append: bool,
    },
    /// An interactive terminal with nobody typing: reads block forever.
    Tty,
}

/// Exit status as `wait` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    Code(i32),
    Signaled(i32),
}

impl ExitStatus {
    /// The shell's `$?` and the container's exit code: `128 + signal` when killed.
    pub fn code(self) -> i32 {
        match self {
            ExitStatus::Code(c) => c,
            ExitStatus::Signaled(s) => s.saturating_add(128),
        }
    }
}

/// Limits that keep every simulation bounded.
pub mod limits {
    /// Shell steps (commands, loop iterations) a process may take at one
    /// virtual instant before it is made to wait for the next tick.
    pub const STEPS_PER_INSTANT: u64 = 2_000;
    /// What starting a child costs the parent, in steps of its budget:
    /// fork and exec take a real CPU about as long as 25 shell commands, so
    /// `while true; do date; done` does not start 50 000 processes a second.
    pub const SPAWN_STEPS: u64 = 25;
    /// How long a process that used its budget waits (virtual ms).
    pub const THROTTLE_MS: u64 = 10;
    /// Bytes kept per container log (older lines are dropped).
    pub const LOG_BYTES: usize = 256 * 1024;
    /// Largest file a program may write.
    pub const FILE_BYTES: usize = 4 * 1024 * 1024;
    /// Pipe capacity, as Linux's 64 KiB: a writer past it waits (at its
    /// next `tick`) until the reader drained the pipe below it.
    pub const PIPE_BYTES: usize = 64 * 1024;
    /// What one write may put in a pipe at once, past [`PIPE_BYTES`]: a
    /// write is one call here, where Linux would block inside it.
    pub const PIPE_WRITE_BYTES: usize = FILE_BYTES;
    /// Most processes alive at once on a node.
    pub const PROCESSES: usize = 512;
    /// Shell steps the processes of a node's containers may take together
    /// at one instant (four processes' full budgets): with more processes,
    /// each one's budget shrinks, so a fork bomb of busy loops shares the
    /// CPU instead of multiplying it.
    pub const NODE_STEPS_PER_INSTANT: u64 = 4 * STEPS_PER_INSTANT;
    /// The smallest per-process budget at one instant.
    pub const MIN_STEPS_PER_INSTANT: u64 = 20;
    /// Exit statuses kept for a later `wait` (zombies); the oldest go first.
    pub const ZOMBIES: usize = 1_024;
    /// Bytes programs may add to a node's filesystems (file data, plus
    /// [`ENTRY_BYTES`] and the path per new file or directory): past it,
    /// writes fail with `No space left on device`.
    pub const DISK_BYTES: usize = 64 * 1024 * 1024;
    /// What one directory entry costs on the disk, besides its path.
    pub const ENTRY_BYTES: usize = 64;
    /// Bytes of documents the outside log store keeps (the oldest go first).
    pub const STORE_BYTES: usize = 4 * 1024 * 1024;
    /// Most executor passes at one instant (a safety net; passes stop as
    /// soon as nothing changes).
    pub const PASSES: usize = 10_000;
}
