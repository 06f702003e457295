//! What the kernel tells the outside: the runtime learns of container
//! exits from these, and the trace shows them.

use super::{ExitStatus, Owner, Pid};

/// What the kernel tells the outside (the runtime, the trace).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelEvent {
    Spawned {
        pid: Pid,
        owner: Owner,
        argv: Vec<String>,
        uid: u32,
    },
    Exited {
        pid: Pid,
        owner: Owner,
        status: ExitStatus,
        container_init: bool,
    },
    Signaled {
        pid: Pid,
        owner: Owner,
        signal: i32,
    },
    /// A signal the kernel dropped: PID 1 of a namespace without a handler.
    SignalIgnored {
        pid: Pid,
        owner: Owner,
        signal: i32,
    },
    /// A memory cgroup went over its limit: the OOM killer's victim and
    /// the cgroup's use and limit, in bytes.
    OomKill {
        owner: Owner,
        pid: Pid,
        name: String,
        victim_bytes: u64,
        usage: u64,
        limit: u64,
    },
    /// A file written through a volume mount.
    VolumeWrite {
        owner: Owner,
        volume: String,
        path: String,
        bytes: usize,
    },
    /// A file read through a volume mount.
    VolumeRead {
        owner: Owner,
        volume: String,
        path: String,
        bytes: usize,
    },
    /// A connection between two processes.
    Connected {
        from: Owner,
        to: Owner,
        ip: String,
        port: u16,
        same_netns: bool,
    },
    /// A request answered.
    Responded {
        from: Owner,
        to: Owner,
        port: u16,
        summary: String,
    },
    Listening {
        pid: Pid,
        owner: Owner,
        port: u16,
    },
}
