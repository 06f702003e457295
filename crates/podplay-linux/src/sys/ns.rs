//! Namespaces: their identity (the inode number `ls -l /proc/<pid>/ns`
//! shows), joining them and making new ones.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use nix::sched::CloneFlags;
use serde::{Deserialize, Serialize};

use super::{Context, SysError};

/// The namespaces a Pod is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum NsKind {
    Net,
    Ipc,
    Uts,
    Pid,
    Mnt,
}

impl NsKind {
    /// Its name under `/proc/<pid>/ns/`.
    pub fn proc_name(self) -> &'static str {
        match self {
            NsKind::Net => "net",
            NsKind::Ipc => "ipc",
            NsKind::Uts => "uts",
            NsKind::Pid => "pid",
            NsKind::Mnt => "mnt",
        }
    }

    pub fn clone_flag(self) -> CloneFlags {
        match self {
            NsKind::Net => CloneFlags::CLONE_NEWNET,
            NsKind::Ipc => CloneFlags::CLONE_NEWIPC,
            NsKind::Uts => CloneFlags::CLONE_NEWUTS,
            NsKind::Pid => CloneFlags::CLONE_NEWPID,
            NsKind::Mnt => CloneFlags::CLONE_NEWNS,
        }
    }
}

/// `/proc/<pid>/ns/<kind>`.
pub fn ns_path(pid: u32, kind: NsKind) -> PathBuf {
    PathBuf::from(format!("/proc/{pid}/ns/{}", kind.proc_name()))
}

/// The namespace's inode number: two processes share a namespace exactly
/// when these are equal. For PID, the namespace a process's children get
/// (`pid_for_children`) is the one it lives in once it is set up.
pub fn ns_inode(pid: u32, kind: NsKind) -> Result<u64, SysError> {
    let path = ns_path(pid, kind);
    std::fs::metadata(&path).map(|m| m.ino()).context(|| format!("stat {}", path.display()))
}

/// Joins the namespace at `path` (setns). Joining a PID namespace affects
/// only the children made afterwards.
pub fn join(path: &std::path::Path, kind: NsKind) -> Result<(), SysError> {
    let file = std::fs::File::open(path).context(|| format!("open {}", path.display()))?;
    nix::sched::setns(file, kind.clone_flag()).context(|| format!("setns {}", path.display()))
}

/// Makes new namespaces of these kinds for this process (PID: for its
/// children).
pub fn unshare(kinds: &[NsKind]) -> Result<(), SysError> {
    let flags = kinds.iter().fold(CloneFlags::empty(), |f, k| f | k.clone_flag());
    if flags.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = kinds.iter().map(|k| k.proc_name()).collect();
    nix::sched::unshare(flags).context(|| format!("unshare {}", names.join(",")))
}

/// Runs `f` on a thread of its own that has joined the network namespace
/// `netns`: sockets it opens belong to that namespace for their lifetime,
/// while the runner's other threads stay where they are.
pub fn in_netns<T: Send>(
    netns: std::os::fd::BorrowedFd<'_>,
    f: impl FnOnce() -> Result<T, SysError> + Send,
) -> Result<T, SysError> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                nix::sched::setns(netns, CloneFlags::CLONE_NEWNET).context(|| "setns net".into())?;
                f()
            })
            .join()
            .unwrap_or_else(|_| Err(SysError::new("a network namespace thread", nix::errno::Errno::EFAULT)))
    })
}

/// A new, empty network namespace, held by the returned descriptor alone:
/// it goes away with its links when the descriptor is closed (when the
/// runner ends, however it ends).
pub fn new_netns() -> Result<std::os::fd::OwnedFd, SysError> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                nix::sched::unshare(CloneFlags::CLONE_NEWNET).context(|| "unshare net".into())?;
                let file = std::fs::File::open("/proc/thread-self/ns/net")
                    .context(|| "open /proc/thread-self/ns/net".into())?;
                Ok(std::os::fd::OwnedFd::from(file))
            })
            .join()
            .unwrap_or_else(|_| Err(SysError::new("a network namespace thread", nix::errno::Errno::EFAULT)))
    })
}
