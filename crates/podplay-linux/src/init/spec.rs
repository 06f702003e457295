//! What the runtime asks a re-executed podplay to do, sent as JSON in the
//! environment: which namespaces to join and make, then what the process
//! in them becomes (the pause process, a container, a command run in one).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::sys::ns::NsKind;

/// The environment variable that carries an [`InitSpec`].
pub const SPEC_ENV: &str = "PODPLAY_INIT_SPEC";
/// The status pipe's descriptor in the helper: it reports the PID it
/// made, then an error if setting up failed; it closes on exec.
pub const STATUS_FD: i32 = 3;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InitSpec {
    /// Namespaces to join first (setns), in this order; the mount
    /// namespace, if any, goes last as it changes the root.
    pub join: Vec<(NsKind, PathBuf)>,
    /// Then new namespaces to make (PID: for the process it forks).
    pub unshare: Vec<NsKind>,
    /// The `cgroup.procs` files of the cgroup the process joins, one per
    /// hierarchy: the forked process enters them before it sets up.
    #[serde(default)]
    pub cgroup_procs: Vec<PathBuf>,
    pub role: Role,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Role {
    /// The sandbox's pause process.
    Pause(PauseSetup),
    /// A container's first process.
    Container(Box<ContainerSetup>),
    /// A command run inside a running container (`ExecSync`).
    Exec(Command),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PauseSetup {
    /// Set when the Pod has its own UTS namespace.
    pub hostname: Option<String>,
    /// Bring loopback up (the Pod has its own network namespace).
    pub loopback: bool,
    /// containerd's default profile: the sandbox always asks for it.
    #[serde(default)]
    pub seccomp: crate::runtime::SeccompPrograms,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContainerSetup {
    /// Where the root filesystem is assembled.
    pub rootfs: PathBuf,
    /// The image's layers, topmost first (overlayfs' lowerdir order).
    pub layers: Vec<PathBuf>,
    pub upper: PathBuf,
    pub work: PathBuf,
    pub mounts: Vec<BindMount>,
    /// The Pod's shared memory, bound on `/dev/shm`.
    pub shm: Option<PathBuf>,
    pub read_only_root: bool,
    /// No masked paths, a read-write `/sys`, the node's devices.
    pub privileged: bool,
    pub command: Command,
}

/// A bind mount from the node into the container.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BindMount {
    pub source: PathBuf,
    /// The path inside the container.
    pub target: String,
    pub read_only: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Command {
    pub argv: Vec<String>,
    /// `KEY=value`, as execve takes them.
    pub env: Vec<String>,
    pub cwd: String,
    pub user: User,
    /// The capabilities kept (bounding, permitted, effective), by name;
    /// `None` keeps the helper's own (the pause process drops to a user).
    pub capabilities: Option<Vec<String>>,
    /// `allowPrivilegeEscalation: false`.
    pub no_new_privs: bool,
    /// The seccomp filters, installed last before exec (with
    /// no_new_privs) or before the privileges are dropped (without).
    #[serde(default)]
    pub seccomp: crate::runtime::SeccompPrograms,
    /// A new terminal of this size in the container, for stdin, stdout,
    /// stderr and as the controlling one (`kubectl exec -t`); its master
    /// side goes to the runtime over the console socket.
    #[serde(default)]
    pub tty: Option<TerminalSize>,
}

/// A terminal's rows and columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalSize {
    pub rows: u16,
    pub cols: u16,
    /// The console socket's descriptor in the helper (set by the runtime
    /// as it starts the helper): the master side is sent back through it.
    #[serde(default)]
    pub console_fd: i32,
}

/// Who the command runs as.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct User {
    /// `runAsUser`, which wins over the image's user.
    pub uid: Option<u32>,
    /// `runAsGroup`.
    pub gid: Option<u32>,
    /// The image's `USER` (`name`, `uid`, `name:group`, `uid:gid`),
    /// looked up in the container's own `/etc/passwd` and `/etc/group`.
    pub image_user: Option<String>,
    pub supplemental_groups: Vec<u32>,
}
