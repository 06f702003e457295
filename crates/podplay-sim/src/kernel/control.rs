//! What the container runtime and the simulation ask of the kernel.

use super::errno::Errno;
use super::fs::{FsNode, Mount, MountTable, Store, StoreId};
use super::log::ContainerLog;
use super::net::loopback_and_eth0;
use super::state::{NODE_STORE, State};
use super::{ExitStatus, Fd, Kernel, NsId, NsSet, Pid};

/// What the container runtime and the simulation ask of the kernel: what
/// containerd, runc and a CNI plugin do through system calls and files on a
/// real node, and what an observer reads (logs, exit statuses, the outside
/// store). The kernel's state stays behind these calls.
impl Kernel {
    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.borrow_mut())
    }

    fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.state.borrow())
    }

    // ---- namespaces ----

    /// The node's own namespaces, which host-network (host-PID, …) Pods share.
    pub fn host_namespaces(&self) -> NsSet {
        self.read(|s| s.host_ns)
    }

    /// The node's host name (a host-network Pod's `/etc/hostname` says it).
    pub fn node_hostname(&self) -> String {
        self.read(|s| s.hostnames.get(&s.host_ns.uts).cloned().unwrap_or_default())
    }

    /// A network namespace with a loopback and `eth0` at `ip`, as a CNI
    /// plugin sets one up for a Pod (hosts outside the cluster get one too).
    pub fn new_net_ns(&mut self, ip: &str) -> NsId {
        self.with(|s| s.new_net_ns(loopback_and_eth0(ip)))
    }

    /// Removes a network namespace (its Pod sandbox is gone), listeners and all.
    pub fn remove_net_ns(&mut self, ns: NsId) {
        self.with(|s| s.net.namespaces.remove(&ns));
    }

    /// Makes the cluster DNS answer `name` with `ip` (the outside hosts' names).
    pub fn add_dns_name(&mut self, name: &str, ip: &str) {
        self.with(|s| s.net.dns.insert(name.to_string(), ip.to_string()));
    }

    /// An IPC namespace: the kernel keeps nothing in one, so it is only an id.
    pub fn new_ipc_ns(&mut self) -> NsId {
        self.with(State::new_ns_id)
    }

    /// A UTS namespace whose host name is `hostname`.
    pub fn new_uts_ns(&mut self, hostname: &str) -> NsId {
        self.with(|s| {
            let id = s.new_ns_id();
            s.hostnames.insert(id, hostname.to_string());
            id
        })
    }

    /// A PID namespace nested in `parent`, whose PIDs it also shows (`None`:
    /// a root of its own, as on another machine).
    pub fn new_pid_ns(&mut self, parent: Option<NsId>) -> NsId {
        self.with(|s| s.new_pid_ns(parent))
    }

    /// A mount namespace seeing these mounts (the one at `/` is its root).
    pub fn new_mount_ns(&mut self, mounts: Vec<Mount>) -> NsId {
        self.with(|s| {
            let id = s.new_ns_id();
            s.mount_ns.insert(id, MountTable { mounts });
            id
        })
    }

    // ---- filesystems ----

    /// Adds a filesystem tree (an image's copy, an outside host's disk) for
    /// mounts to name.
    pub fn new_store(&mut self, store: Store) -> StoreId {
        self.with(|s| s.new_store(store))
    }

    /// Writes a file on the node, creating its directories, as containerd
    /// and the kubelet do (outside the programs' disk budget).
    pub fn write_node_file(&mut self, path: &str, data: &[u8], mode: u32) {
        self.make_store_file(NODE_STORE, path, data, mode);
    }

    /// Creates a directory and its parents on the node.
    pub fn make_node_dir(&mut self, path: &str) {
        self.make_store_dir(NODE_STORE, path);
    }

    /// Whether a file or directory exists at `path` on the node (the
    /// kubelet's hostPath type checks).
    pub fn node_path_exists(&self, path: &str) -> bool {
        self.read(|s| s.stores.get(NODE_STORE).is_some_and(|st| st.contains(path)))
    }

    /// Creates a directory and its parents in a store (a mount point in a
    /// container's root).
    pub fn make_store_dir(&mut self, store: StoreId, path: &str) {
        self.with(|s| {
            if let Some(st) = s.stores.get_mut(store) {
                st.mkdir_all(path);
            }
        });
    }

    fn make_store_file(&mut self, store: StoreId, path: &str, data: &[u8], mode: u32) {
        self.with(|s| {
            if let Some(st) = s.stores.get_mut(store) {
                st.put(path, data, mode);
            }
        });
    }

    /// Creates `path` and its parents as mount namespace `mnt` sees them:
    /// runc makes a container's missing working directory.
    pub fn make_dir_in_mount_ns(&mut self, mnt: NsId, path: &str) {
        let Some(r) = self.read(|s| s.mount_ns.get(&mnt).and_then(|t| t.resolve(path))) else {
            return;
        };
        self.make_store_dir(r.store, &r.path);
    }

    /// A container's termination message file (at `path` on the node): its
    /// first 4096 bytes, as the kubelet reads them; empty when there is none.
    pub fn termination_message(&self, path: &str) -> String {
        self.read(|s| match s.stores.get(NODE_STORE).and_then(|st| st.nodes.get(path)) {
            Some(FsNode::File { data, .. }) => String::from_utf8_lossy(&data[..data.len().min(4096)]).into_owned(),
            _ => String::new(),
        })
    }

    // ---- processes ----

    /// The lowest PID whose program path ends with `program`
    /// (`/usr/bin/containerd` for `containerd`), as `pidof` finds it.
    pub fn pidof(&self, program: &str) -> Option<Pid> {
        self.read(|s| s.procs.values().find(|p| p.argv.first().is_some_and(|a| a.ends_with(program))).map(|p| p.pid))
    }

    /// A host PID as PID namespace `ns` numbers it, if it is visible there.
    pub fn pid_in(&self, pid: Pid, ns: NsId) -> Option<Pid> {
        self.read(|s| s.pid_in(pid, ns))
    }

    /// Whether the process still runs (an ended one does not, even before
    /// its status is collected).
    pub fn is_alive(&self, pid: Pid) -> bool {
        self.read(|s| s.procs.contains_key(&pid))
    }

    /// Sets container `id`'s memory limit (`memory.max`), as runc does
    /// when it creates the container's cgroup.
    pub fn set_memory_limit(&mut self, id: &str, bytes: u64) {
        self.with(|s| s.memory_limits.insert(id.to_string(), bytes));
    }

    /// The node's memory: all processes together past it is a global OOM.
    pub fn set_node_memory(&mut self, bytes: u64) {
        self.with(|s| s.node_memory = bytes);
    }

    /// OOM kills in container `id`'s cgroup so far (`memory.events`).
    pub fn oom_kills(&self, id: &str) -> u32 {
        self.read(|s| s.oom_kills.get(id).copied().unwrap_or(0))
    }

    /// Bytes charged to container `id`'s memory cgroup now.
    pub fn container_memory(&self, id: &str) -> u64 {
        self.read(|s| s.container_memory(id))
    }

    /// Sends a signal from the node (`kill(2)` by containerd, `kill -9`).
    pub fn signal(&mut self, pid: Pid, sig: i32) -> Result<(), Errno> {
        self.with(|s| s.signal(pid, sig))
    }

    /// Collects a process's exit status if it has ended, as its parent's
    /// `waitpid(…, WNOHANG)` would (the runtime waits for what it exec'd).
    pub fn try_wait(&mut self, pid: Pid) -> Option<ExitStatus> {
        self.with(|s| s.exited.remove(&pid))
    }

    // ---- an exec's output ----

    /// A pipe to collect an exec's output: the runtime holds the read end
    /// (the returned id) and hands the write end to the process.
    pub fn open_capture_pipe(&mut self) -> (u64, Fd) {
        let id = self.with(|s| s.new_pipe(0, 1));
        (id, Fd::Pipe { id, write: true })
    }

    /// What a capture pipe collected; the pipe goes away.
    pub fn take_capture(&mut self, id: u64) -> String {
        let data: Vec<u8> =
            self.with(|s| s.pipes.remove(&id).map(|p| p.buffer.into_iter().collect()).unwrap_or_default());
        String::from_utf8_lossy(&data).into_owned()
    }

    // ---- connections the kubelet makes (probes, hooks) ----

    /// Where a request on a connection stands, without waiting.
    pub fn poll_response(&self, conn: u64) -> ResponseState {
        self.read(|s| match s.net.conns.get(&conn) {
            Some(c) if c.response_done => ResponseState::Answered(c.response.clone()),
            Some(c) if s.procs.contains_key(&c.server) => ResponseState::Waiting,
            _ => ResponseState::Lost,
        })
    }

    /// The client is done with a connection (answered, or it gave up): the
    /// kernel forgets it. A server that accepts it later reads no request.
    pub fn close_connection(&mut self, conn: u64) {
        self.with(|s| s.net.conns.remove(&conn));
    }

    /// A client that connected only to see the port open (a TCP probe) hangs
    /// up at once: the connection goes, and its place in the server's accept
    /// queue too, so the server never sees it.
    pub fn drop_connection(&mut self, conn: u64) {
        self.with(|s| {
            s.net.conns.remove(&conn);
            for ns in s.net.namespaces.iter_mut().map(|(_, v)| v) {
                for l in ns.listeners.iter_mut().map(|(_, v)| v) {
                    l.queue.retain(|c| *c != conn);
                }
            }
        });
    }

    // ---- what an observer reads ----

    /// A container's log as `kubectl logs` prints it: its complete lines.
    pub fn container_log(&self, id: &str) -> Option<String> {
        self.read(|s| s.logs.get(id).map(ContainerLog::text))
    }

    /// The end of a container's log: its last `lines` lines, cut to the last
    /// `bytes` bytes (from a character boundary). The kubelet reports this
    /// for `terminationMessagePolicy: FallbackToLogsOnError`.
    pub fn container_log_tail(&self, id: &str, lines: usize, bytes: usize) -> Option<String> {
        self.read(|s| s.logs.get(id).map(|log| log.tail(lines, bytes)))
    }

    /// Whether something happened that [`Kernel::take_events`] has not
    /// handed out yet (a signal the runtime sent, say).
    pub fn has_events(&self) -> bool {
        self.read(|s| !s.events.is_empty())
    }

    /// The documents the outside log store received, oldest first.
    pub fn outside_store_documents(&self) -> Vec<String> {
        self.read(|s| s.outside_store.iter().map(|(_, d)| d.clone()).collect())
    }

    /// What the kernel holds against its [`limits`](super::limits).
    pub fn usage(&self) -> Usage {
        self.read(|s| Usage { processes: s.procs.len(), zombies: s.exited.len(), disk_bytes: s.disk_used })
    }
}

/// Where a request on a connection stands (see [`Kernel::poll_response`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResponseState {
    /// The server answered with these bytes.
    Answered(Vec<u8>),
    /// The server runs and has not answered yet.
    Waiting,
    /// The server is gone, or so is the connection.
    Lost,
}

/// What the kernel holds against its [`limits`](super::limits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    /// Processes alive ([`limits::PROCESSES`](super::limits::PROCESSES)).
    pub processes: usize,
    /// Exit statuses nobody collected yet ([`limits::ZOMBIES`](super::limits::ZOMBIES)).
    pub zombies: usize,
    /// Bytes programs added to the filesystems ([`limits::DISK_BYTES`](super::limits::DISK_BYTES)).
    pub disk_bytes: usize,
}
