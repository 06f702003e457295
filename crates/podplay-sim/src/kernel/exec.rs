//! The executor and the system-call surface programs use.

use litemap::LiteMap;
use std::cell::RefCell;
use std::collections::{BTreeSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use podplay_core::time::{SimDuration, SimTime};

use super::fs::{self, FsNode, Mount, MountTable, Store, StoreId};
use super::net::{Conn, Interface, Listener, NetNs, Network};
use super::{
    ContainerLog, ExitStatus, Fd, LogLine, NsId, NsKind, NsSet, Owner, Pid, PidNs, Pipe, Process, SIGKILL, limits,
};

/// A running program: a future that yields the exit code.
pub type Task = Pin<Box<dyn Future<Output = i32>>>;

/// Starts a program: what an executable file stands for.
pub type Program = fn(Sys, Vec<String>) -> Task;

/// Finds the program an executable file's content names.
pub type Resolver = fn(&str) -> Option<Program>;

/// Errors as `errno` would report them, with libc's texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Errno {
    NoEnt,
    IsDir,
    NotDir,
    Exist,
    ReadOnly,
    ConnRefused,
    HostUnreach,
    NoSuchProcess,
    TooBig,
    NoExec,
    Again,
    NoSpace,
}

impl Errno {
    pub fn text(self) -> &'static str {
        match self {
            Errno::NoEnt => "No such file or directory",
            Errno::IsDir => "Is a directory",
            Errno::NotDir => "Not a directory",
            Errno::Exist => "File exists",
            Errno::ReadOnly => "Read-only file system",
            Errno::ConnRefused => "Connection refused",
            Errno::HostUnreach => "No route to host",
            Errno::NoSuchProcess => "No such process",
            Errno::TooBig => "File too large",
            Errno::NoExec => "Exec format error",
            Errno::Again => "Resource temporarily unavailable",
            Errno::NoSpace => "No space left on device",
        }
    }
}

/// What the kernel tells the outside (the runtime, the trace).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelEvent {
    Spawned {
        pid: Pid,
        owner: Owner,
        argv: Vec<String>,
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

/// Everything the kernel knows.
pub(super) struct State {
    pub(super) now: SimTime,
    pub(super) generation: u64,
    pub(super) procs: LiteMap<Pid, Process>,
    pub(super) exited: LiteMap<Pid, ExitStatus>,
    pub(super) next_pid: Pid,
    pub(super) pid_ns: LiteMap<NsId, PidNs>,
    pub(super) next_ns: NsId,
    pub(super) host_ns: NsSet,
    pub(super) hostnames: LiteMap<NsId, String>,
    pub(super) mount_ns: LiteMap<NsId, MountTable>,
    pub(super) stores: Vec<Store>,
    pub(super) pipes: LiteMap<u64, Pipe>,
    pub(super) next_pipe: u64,
    pub(super) net: Network,
    pub(super) logs: LiteMap<String, ContainerLog>,
    pub(super) events: Vec<KernelEvent>,
    /// Processes that are the first process of a container.
    pub(super) container_inits: BTreeSet<Pid>,
    /// Processes to hand to the executor.
    spawned: Vec<(Pid, Task)>,
    /// Documents received by the outside log store.
    pub(super) outside_store: Vec<(SimTime, String)>,
    /// Bytes of `outside_store`'s documents.
    outside_bytes: usize,
    /// Bytes programs added to the filesystems (see [`limits::DISK_BYTES`]).
    pub(super) disk_used: usize,
    /// Each process's step budget, and the instant it was computed for.
    budget: (SimTime, u64),
}

/// The node's store: index 0.
pub const NODE_STORE: StoreId = 0;

impl State {
    fn bump(&mut self) {
        self.generation += 1;
    }

    /// The steps each process may take at this instant: a fair share of
    /// [`limits::NODE_STEPS_PER_INSTANT`] among the containers' processes
    /// (counted once per instant), at most [`limits::STEPS_PER_INSTANT`].
    fn step_budget(&mut self) -> u64 {
        if self.budget.0 != self.now {
            let busy = self.procs.values().filter(|p| p.owner.is_container());
            let count = u64::try_from(busy.count()).unwrap_or(u64::MAX).max(1);
            let share = (limits::NODE_STEPS_PER_INSTANT / count)
                .clamp(limits::MIN_STEPS_PER_INSTANT, limits::STEPS_PER_INSTANT);
            self.budget = (self.now, share);
        }
        self.budget.1
    }

    /// A new namespace id, inode-like (`4026532160`, …).
    pub(super) fn new_ns_id(&mut self) -> NsId {
        let id = self.next_ns;
        self.next_ns += 1;
        id
    }

    pub(super) fn new_pid_ns(&mut self, parent: Option<NsId>) -> NsId {
        let id = self.new_ns_id();
        self.pid_ns.insert(id, PidNs { parent, next: 1 });
        id
    }

    pub(super) fn new_store(&mut self, store: Store) -> StoreId {
        self.stores.push(store);
        self.stores.len() - 1
    }

    pub(super) fn new_net_ns(&mut self, interfaces: Vec<Interface>) -> NsId {
        let id = self.new_ns_id();
        self.net.namespaces.insert(id, NetNs { interfaces, listeners: LiteMap::new() });
        id
    }

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
        self.events.push(KernelEvent::Spawned { pid, owner: proc.owner.clone(), argv: proc.argv.clone() });
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
            if !log.partial.is_empty() {
                let text = std::mem::take(&mut log.partial);
                let at = self.now;
                push_log_line(log, LogLine { at, stderr: false, text });
            }
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

    fn close_fd(&mut self, fd: &Fd) {
        if let Fd::Pipe { id, write } = fd {
            if let Some(p) = self.pipes.get_mut(id) {
                if *write {
                    p.writers = p.writers.saturating_sub(1);
                } else {
                    p.readers = p.readers.saturating_sub(1);
                }
                if p.writers == 0 && p.readers == 0 {
                    self.pipes.remove(id);
                }
            }
        }
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

    /// The mount table of a process.
    fn mounts_of(&self, pid: Pid) -> Option<&MountTable> {
        let proc = self.procs.get(&pid)?;
        self.mount_ns.get(&proc.ns.mnt)
    }

    fn resolve(&self, pid: Pid, path: &str) -> Result<fs::Resolved, Errno> {
        let cwd = self.procs.get(&pid).map_or("/", |p| p.cwd.as_str());
        let abs = fs::normalize(cwd, path);
        self.mounts_of(pid).and_then(|m| m.resolve(&abs)).ok_or(Errno::NoEnt)
    }

    /// Appends output to a container's log, line by line, capped.
    fn write_log(&mut self, container: &str, stderr: bool, data: &[u8]) {
        let at = self.now;
        let log = self.logs.entry(container.to_string()).or_default();
        let mut text = std::mem::take(&mut log.partial);
        text.push_str(&String::from_utf8_lossy(data));
        // In one pass (draining line by line from the front would copy the
        // rest for every line); lines older than the log keeps are skipped.
        let mut rest = text.as_str();
        if rest.len() > 2 * limits::LOG_BYTES {
            let from = rest.len() - limits::LOG_BYTES;
            if let Some(nl) = rest.as_bytes()[from..].iter().position(|b| *b == b'\n') {
                let skipped = &rest[..=from + nl];
                log.dropped += u64::try_from(skipped.matches('\n').count()).unwrap_or(u64::MAX);
                rest = &rest[from + nl + 1..];
            }
        }
        while let Some(nl) = rest.find('\n') {
            push_log_line(log, LogLine { at, stderr, text: rest[..nl].to_string() });
            rest = &rest[nl + 1..];
        }
        log.partial = rest.to_string();
        if log.partial.len() > 4096 {
            let text = std::mem::take(&mut log.partial);
            push_log_line(log, LogLine { at, stderr, text });
        }
        self.bump();
    }
}

fn push_log_line(log: &mut ContainerLog, line: LogLine) {
    log.bytes += line.text.len() + 1;
    log.lines.push_back(line);
    while log.bytes > limits::LOG_BYTES {
        match log.lines.pop_front() {
            Some(old) => {
                log.bytes -= old.text.len() + 1;
                log.dropped += 1;
            }
            None => break,
        }
    }
}

/// The executor: owns the state and every process's future.
pub struct Kernel {
    state: Rc<RefCell<State>>,
    tasks: LiteMap<Pid, Task>,
    resolver: Resolver,
}

impl Kernel {
    /// A kernel with a node: its root store, host namespaces (net with `lo`
    /// and `eth0` at `node_ip`), and hostname.
    pub fn new(resolver: Resolver, node_root: Store, hostname: &str, node_ip: &str) -> Kernel {
        let mut state = State {
            now: SimTime::ZERO,
            generation: 0,
            procs: LiteMap::new(),
            exited: LiteMap::new(),
            next_pid: 1,
            pid_ns: LiteMap::new(),
            next_ns: 4_026_531_835,
            host_ns: NsSet { net: 0, ipc: 0, uts: 0, pid: 0, mnt: 0 },
            hostnames: LiteMap::new(),
            mount_ns: LiteMap::new(),
            stores: vec![node_root],
            pipes: LiteMap::new(),
            next_pipe: 1,
            net: Network::default(),
            logs: LiteMap::new(),
            events: Vec::new(),
            container_inits: BTreeSet::new(),
            spawned: Vec::new(),
            outside_store: Vec::new(),
            outside_bytes: 0,
            disk_used: 0,
            budget: (SimTime(u64::MAX), limits::STEPS_PER_INSTANT),
        };
        // The host's initial namespaces get the well-known low inode numbers.
        let _cgroup = state.new_ns_id();
        let pid = state.new_pid_ns(None);
        let _user = state.new_ns_id();
        let uts = state.new_ns_id();
        let ipc = state.new_ns_id();
        let mnt = state.new_ns_id();
        let net = state.new_net_ns(loopback_and_eth0(node_ip));
        state.hostnames.insert(uts, hostname.to_string());
        state.mount_ns.insert(
            mnt,
            MountTable {
                mounts: vec![Mount {
                    target: "/".into(),
                    store: NODE_STORE,
                    source: "/".into(),
                    read_only: false,
                    label: "node".into(),
                }],
            },
        );
        state.host_ns = NsSet { net, ipc, uts, pid, mnt };
        // Later namespaces are numbered from here, as on a booted node.
        state.next_ns = 4_026_532_160;
        Kernel { state: Rc::new(RefCell::new(state)), tasks: LiteMap::new(), resolver }
    }

    pub fn now(&self) -> SimTime {
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
    pub fn advance(&mut self, now: SimTime) {
        let mut s = self.state.borrow_mut();
        if now > s.now {
            s.now = now;
            s.bump();
        }
    }

    /// Runs every process at `now` until none can make progress.
    pub fn run(&mut self, now: SimTime) {
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
                let fatal = fatal_signal(&mut self.state.borrow_mut(), pid);
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
    pub fn next_wakeup(&self) -> Option<SimTime> {
        let s = self.state.borrow();
        s.procs.values().filter_map(|p| p.wake_at).filter(|t| *t > s.now).min()
    }

    /// Drains what happened since the last call.
    pub fn take_events(&mut self) -> Vec<KernelEvent> {
        std::mem::take(&mut self.state.borrow_mut().events)
    }

    pub fn sys_for(&self, pid: Pid) -> Sys {
        Sys { state: self.state.clone(), pid, resolver: self.resolver }
    }
}

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
        self.with(|s| {
            let id = s.next_pipe;
            s.next_pipe += 1;
            s.pipes.insert(id, Pipe { buffer: VecDeque::new(), writers: 0, readers: 1 });
            (id, Fd::Pipe { id, write: true })
        })
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
        self.read(|s| s.logs.get(id).map(|log| log.lines.iter().map(|l| format!("{}\n", l.text)).collect()))
    }

    /// The end of a container's log: its last `lines` lines, cut to the last
    /// `bytes` bytes (from a character boundary). The kubelet reports this
    /// for `terminationMessagePolicy: FallbackToLogsOnError`.
    pub fn container_log_tail(&self, id: &str, lines: usize, bytes: usize) -> Option<String> {
        self.read(|s| {
            s.logs.get(id).map(|l| {
                let tail: Vec<&str> = l.lines.iter().rev().take(lines).map(|l| l.text.as_str()).collect();
                let mut text: String = tail.into_iter().rev().map(|l| format!("{l}\n")).collect();
                if text.len() > bytes {
                    let mut cut = text.len() - bytes;
                    while !text.is_char_boundary(cut) {
                        cut += 1;
                    }
                    text = text[cut..].to_string();
                }
                text
            })
        })
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

    /// What the kernel holds against its [`limits`].
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

/// What the kernel holds against its [`limits`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    /// Processes alive ([`limits::PROCESSES`]).
    pub processes: usize,
    /// Exit statuses nobody collected yet ([`limits::ZOMBIES`]).
    pub zombies: usize,
    /// Bytes programs added to the filesystems ([`limits::DISK_BYTES`]).
    pub disk_bytes: usize,
}

/// A loopback and an `eth0` at `ip`: a Pod's or host's network interfaces.
fn loopback_and_eth0(ip: &str) -> Vec<Interface> {
    vec![
        Interface { name: "lo".into(), ip: "127.0.0.1".into(), mac: "00:00:00:00:00:00".into() },
        Interface { name: "eth0".into(), ip: ip.into(), mac: mac_for(ip) },
    ]
}

/// The first pending signal that kills (not caught, or SIGKILL).
fn fatal_signal(state: &mut State, pid: Pid) -> Option<i32> {
    let proc = state.procs.get_mut(&pid)?;
    let position = proc.pending.iter().position(|s| *s == SIGKILL || !proc.caught.contains(s))?;
    proc.pending.remove(position)
}

/// How to start a process.
#[derive(Clone, Debug)]
pub struct SpawnSpec {
    pub argv: Vec<String>,
    pub env: LiteMap<String, String>,
    pub cwd: String,
    pub ns: NsSet,
    pub fds: LiteMap<i32, Fd>,
    pub owner: Owner,
    pub parent: Pid,
    pub uid: u32,
    /// The first process of a container.
    pub container_init: bool,
}

/// A process's handle on the kernel: its system calls.
#[derive(Clone)]
pub struct Sys {
    state: Rc<RefCell<State>>,
    pid: Pid,
    resolver: Resolver,
}

impl Sys {
    pub fn now(&self) -> SimTime {
        self.state.borrow().now
    }

    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.borrow_mut())
    }

    fn proc<R>(&self, f: impl FnOnce(&Process) -> R) -> Option<R> {
        self.state.borrow().procs.get(&self.pid).map(f)
    }

    fn proc_mut<R>(&self, f: impl FnOnce(&mut Process) -> R) -> Option<R> {
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

    /// The interpreter nesting of this process (see [`Process::nesting`]).
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

    // ---- files ----

    /// Reads a whole file.
    pub fn read_file(&self, path: &str) -> Result<Vec<u8>, Errno> {
        if let Some(data) = self.read_proc(path) {
            return data;
        }
        let r = self.with(|s| s.resolve(self.pid, path))?;
        let data = {
            let s = self.state.borrow();
            match s.stores.get(r.store).and_then(|st| st.nodes.get(&r.path)) {
                Some(FsNode::File { data, .. }) => data.clone(),
                Some(FsNode::Dir) => return Err(Errno::IsDir),
                None => return Err(Errno::NoEnt),
            }
        };
        if is_volume(&r.label) {
            let owner = self.owner();
            let abs = fs::normalize(&self.cwd(), path);
            self.with(|s| {
                s.events.push(KernelEvent::VolumeRead { owner, volume: r.label.clone(), path: abs, bytes: data.len() })
            });
        }
        Ok(data)
    }

    /// Writes (or appends to) a file; its directory must exist.
    pub fn write_file(&self, path: &str, data: &[u8], append: bool) -> Result<(), Errno> {
        let abs = fs::normalize(&self.cwd(), path);
        if abs == "/dev/null" {
            return Ok(());
        }
        if let Some(fd) = std_stream(&abs) {
            // A descriptor opened on one of these names would write to
            // itself forever (the shell duplicates them instead).
            if matches!(self.fd(fd), Some(Fd::File { path, .. }) if std_stream(&path).is_some()) {
                return Ok(());
            }
            return self.write_fd(fd, data);
        }
        let r = self.with(|s| s.resolve(self.pid, path))?;
        if r.read_only {
            return Err(Errno::ReadOnly);
        }
        let abs = fs::normalize(&self.cwd(), path);
        let written = self.with(|s| {
            let store = s.stores.get_mut(r.store).ok_or(Errno::NoEnt)?;
            match store.nodes.get(&fs::parent(&r.path)) {
                Some(FsNode::Dir) => {}
                Some(_) => return Err(Errno::NotDir),
                None => return Err(Errno::NoEnt),
            }
            // What the write adds on the disk: the new entry, the data.
            let (old_len, new_entry) = match store.nodes.get(&r.path) {
                Some(FsNode::Dir) => return Err(Errno::IsDir),
                Some(FsNode::File { data: existing, .. }) => (existing.len(), 0),
                None => (0, fs::entry_bytes(&r.path)),
            };
            let new_len = if append { old_len.saturating_add(data.len()) } else { data.len() };
            let growth = (new_len + new_entry).saturating_sub(old_len);
            if new_len <= limits::FILE_BYTES && s.disk_used.saturating_add(growth) > limits::DISK_BYTES {
                return Err(Errno::NoSpace);
            }
            let entry = store.nodes.entry(r.path.clone()).or_insert(FsNode::File { data: Vec::new(), mode: 0o644 });
            let FsNode::File { data: existing, .. } = entry else {
                return Err(Errno::IsDir);
            };
            if !append {
                existing.clear();
            }
            let result = if existing.len() + data.len() > limits::FILE_BYTES {
                Err(Errno::TooBig)
            } else {
                existing.extend_from_slice(data);
                Ok(data.len())
            };
            s.disk_used = (s.disk_used + existing.len() + new_entry).saturating_sub(old_len);
            result
        })?;
        let owner = self.owner();
        self.with(|s| {
            if is_volume(&r.label) {
                s.events.push(KernelEvent::VolumeWrite { owner, volume: r.label.clone(), path: abs, bytes: written });
            }
            s.bump();
        });
        Ok(())
    }

    /// `Some(true)` for a directory, `Some(false)` for a file.
    pub fn stat(&self, path: &str) -> Option<bool> {
        let abs = fs::normalize(&self.cwd(), path);
        if abs == "/proc" || abs.starts_with("/proc/") {
            return self.stat_proc(&abs);
        }
        let r = self.with(|s| s.resolve(self.pid, path)).ok()?;
        let s = self.state.borrow();
        match s.stores.get(r.store)?.nodes.get(&r.path)? {
            FsNode::Dir => Some(true),
            FsNode::File { .. } => Some(false),
        }
    }

    /// File mode bits (for `ls -l`, `test -x`).
    pub fn mode(&self, path: &str) -> Option<u32> {
        let r = self.with(|s| s.resolve(self.pid, path)).ok()?;
        let s = self.state.borrow();
        match s.stores.get(r.store)?.nodes.get(&r.path)? {
            FsNode::Dir => Some(0o755),
            FsNode::File { mode, .. } => Some(*mode),
        }
    }

    /// The names in a directory, sorted (mount points included).
    pub fn list_dir(&self, path: &str) -> Result<Vec<String>, Errno> {
        let abs = fs::normalize(&self.cwd(), path);
        if abs == "/proc" {
            let s = self.state.borrow();
            let ns = s.procs.get(&self.pid).map(|p| p.ns.pid).unwrap_or(0);
            let mut pids: Vec<Pid> = s.procs.values().filter_map(|p| p.ns_pids.get(&ns).copied()).collect();
            pids.sort_unstable();
            let mut names: Vec<String> = pids.iter().map(|p| p.to_string()).collect();
            names.push("self".into());
            return Ok(names);
        }
        match self.stat(&abs) {
            Some(true) => {}
            Some(false) => return Err(Errno::NotDir),
            None => return Err(Errno::NoEnt),
        }
        let r = self.with(|s| s.resolve(self.pid, &abs))?;
        let s = self.state.borrow();
        let mut names: BTreeSet<String> =
            s.stores.get(r.store).map(|st| st.children(&r.path)).unwrap_or_default().into_iter().collect();
        // Mount points directly under this directory show up too.
        if let Some(table) = s.procs.get(&self.pid).and_then(|p| s.mount_ns.get(&p.ns.mnt)) {
            for m in &table.mounts {
                if m.target != "/" && fs::parent(&m.target) == abs {
                    names.insert(fs::base_name(&m.target).to_string());
                }
            }
        }
        Ok(names.into_iter().collect())
    }

    pub fn mkdir(&self, path: &str, parents: bool) -> Result<(), Errno> {
        let r = self.with(|s| s.resolve(self.pid, path))?;
        if r.read_only {
            return Err(Errno::ReadOnly);
        }
        self.with(|s| {
            let store = s.stores.get_mut(r.store).ok_or(Errno::NoEnt)?;
            match store.nodes.get(&r.path) {
                Some(FsNode::Dir) if parents => return Ok(()),
                Some(_) => return Err(Errno::Exist),
                None => {}
            }
            if parents {
                // The missing directories on the way, and what they cost.
                let mut cost = 0;
                let mut current = String::new();
                for part in r.path.split('/').filter(|p| !p.is_empty()) {
                    current.push('/');
                    current.push_str(part);
                    if !store.nodes.contains_key(&current) {
                        cost += fs::entry_bytes(&current);
                    }
                }
                if s.disk_used.saturating_add(cost) > limits::DISK_BYTES {
                    return Err(Errno::NoSpace);
                }
                store.mkdir_all(&r.path);
                s.disk_used += cost;
            } else {
                match store.nodes.get(&fs::parent(&r.path)) {
                    Some(FsNode::Dir) => {
                        let cost = fs::entry_bytes(&r.path);
                        if s.disk_used.saturating_add(cost) > limits::DISK_BYTES {
                            return Err(Errno::NoSpace);
                        }
                        store.nodes.insert(r.path.clone(), FsNode::Dir);
                        s.disk_used += cost;
                    }
                    _ => return Err(Errno::NoEnt),
                }
            }
            s.bump();
            Ok(())
        })
    }

    pub fn remove(&self, path: &str, recursive: bool) -> Result<(), Errno> {
        let r = self.with(|s| s.resolve(self.pid, path))?;
        if r.read_only {
            return Err(Errno::ReadOnly);
        }
        self.with(|s| {
            let store = s.stores.get_mut(r.store).ok_or(Errno::NoEnt)?;
            match store.nodes.get(&r.path) {
                None => Err(Errno::NoEnt),
                Some(FsNode::Dir) if !recursive => {
                    if store.children(&r.path).is_empty() {
                        store.nodes.remove(&r.path);
                        s.disk_used = s.disk_used.saturating_sub(fs::entry_bytes(&r.path));
                        Ok(())
                    } else {
                        Err(Errno::IsDir)
                    }
                }
                Some(_) => {
                    let freed = store.tree_bytes(&r.path);
                    store.remove_tree(&r.path);
                    s.disk_used = s.disk_used.saturating_sub(freed);
                    s.bump();
                    Ok(())
                }
            }
        })
    }

    /// Copies a file or (recursively) a directory. A directory the copy
    /// itself created is not copied again (`cp -r /tmp /tmp/sub` would never
    /// end): its source paths are returned, for busybox's `recursion
    /// detected, omitting directory`.
    pub fn copy(&self, from: &str, to: &str) -> Result<Vec<String>, Errno> {
        let mut made = BTreeSet::new();
        let mut omitted = Vec::new();
        self.copy_into(from, to, &mut made, &mut omitted)?;
        Ok(omitted)
    }

    fn copy_into(
        &self,
        from: &str,
        to: &str,
        made: &mut BTreeSet<(StoreId, String)>,
        omitted: &mut Vec<String>,
    ) -> Result<(), Errno> {
        match self.stat(from) {
            None => Err(Errno::NoEnt),
            Some(false) => {
                let data = self.read_file(from)?;
                let mode = self.mode(from).unwrap_or(0o644);
                self.write_file(to, &data, false)?;
                self.set_mode(to, mode);
                Ok(())
            }
            Some(true) => {
                let resolved = |path: &str| self.with(|s| s.resolve(self.pid, path)).ok().map(|r| (r.store, r.path));
                if resolved(from).is_some_and(|source| made.contains(&source)) {
                    omitted.push(from.to_string());
                    return Ok(());
                }
                self.mkdir(to, true)?;
                made.extend(resolved(to));
                for name in self.list_dir(from)? {
                    self.copy_into(&fs::join(from, &name), &fs::join(to, &name), made, omitted)?;
                }
                Ok(())
            }
        }
    }

    pub fn set_mode(&self, path: &str, new_mode: u32) {
        if let Ok(r) = self.with(|s| s.resolve(self.pid, path)) {
            self.with(|s| {
                if let Some(FsNode::File { mode, .. }) =
                    s.stores.get_mut(r.store).and_then(|st| st.nodes.get_mut(&r.path))
                {
                    *mode = new_mode;
                }
            });
        }
    }

    /// Synthesized `/proc` files: `cmdline`, `status`; and the namespace
    /// links read with `readlink`.
    fn read_proc(&self, path: &str) -> Option<Result<Vec<u8>, Errno>> {
        let abs = fs::normalize(&self.cwd(), path);
        let rest = abs.strip_prefix("/proc/")?;
        let (who, file) = rest.split_once('/').unwrap_or((rest, ""));
        let pid = self.proc_pid(who)?;
        let s = self.state.borrow();
        let Some(p) = s.procs.get(&pid) else {
            return Some(Err(Errno::NoEnt));
        };
        Some(match file {
            "cmdline" => Ok(p.argv.join("\0").into_bytes()),
            "comm" => Ok(format!("{}\n", p.argv.first().map_or("", |a| fs::base_name(a))).into_bytes()),
            _ => Err(Errno::NoEnt),
        })
    }

    fn stat_proc(&self, abs: &str) -> Option<bool> {
        if abs == "/proc" {
            return Some(true);
        }
        let rest = abs.strip_prefix("/proc/")?;
        let mut parts = rest.split('/');
        let pid = self.proc_pid(parts.next()?)?;
        if !self.state.borrow().procs.contains_key(&pid) {
            return None;
        }
        match (parts.next(), parts.next()) {
            (None, _) => Some(true),
            (Some("ns"), None) => Some(true),
            (Some("ns"), Some(_)) | (Some("cmdline" | "comm"), None) => Some(false),
            _ => None,
        }
    }

    /// `self` or a PID of this process's namespace → host PID.
    fn proc_pid(&self, who: &str) -> Option<Pid> {
        if who == "self" {
            return Some(self.pid);
        }
        let n: Pid = who.parse().ok()?;
        let s = self.state.borrow();
        let ns = s.procs.get(&self.pid)?.ns.pid;
        s.host_pid(ns, n)
    }

    /// `readlink /proc/<pid>/ns/net` → `net:[4026532281]`.
    pub fn readlink(&self, path: &str) -> Result<String, Errno> {
        let abs = fs::normalize(&self.cwd(), path);
        let rest = abs.strip_prefix("/proc/").ok_or(Errno::NoEnt)?;
        let mut parts = rest.split('/');
        let pid = parts.next().and_then(|w| self.proc_pid(w)).ok_or(Errno::NoEnt)?;
        if parts.next() != Some("ns") {
            return Err(Errno::NoEnt);
        }
        let kind = match parts.next() {
            Some("net") => NsKind::Net,
            Some("ipc") => NsKind::Ipc,
            Some("uts") => NsKind::Uts,
            Some("pid") => NsKind::Pid,
            Some("mnt") => NsKind::Mnt,
            _ => return Err(Errno::NoEnt),
        };
        let s = self.state.borrow();
        let p = s.procs.get(&pid).ok_or(Errno::NoEnt)?;
        Ok(format!("{}:[{}]", kind.name(), p.ns.get(kind)))
    }

    // ---- descriptors ----

    pub fn fd(&self, n: i32) -> Option<Fd> {
        self.proc(|p| p.fds.get(&n).cloned()).flatten()
    }

    pub fn fds(&self) -> LiteMap<i32, Fd> {
        self.proc(|p| p.fds.clone()).unwrap_or_default()
    }

    /// Writes to a descriptor: the container log, a pipe, a file.
    pub fn write_fd(&self, n: i32, data: &[u8]) -> Result<(), Errno> {
        match self.fd(n) {
            None | Some(Fd::Null) => Ok(()),
            Some(Fd::Tty) => Ok(()),
            Some(Fd::Log { container, stderr }) => {
                self.with(|s| s.write_log(&container, stderr, data));
                Ok(())
            }
            Some(Fd::Pipe { id, .. }) => self.with(|s| {
                let pipe = s.pipes.get_mut(&id).ok_or(Errno::Again)?;
                if pipe.readers == 0 {
                    return Err(Errno::Again);
                }
                let room = limits::PIPE_BYTES.saturating_sub(pipe.buffer.len());
                pipe.buffer.extend(data.iter().take(room));
                s.bump();
                Ok(())
            }),
            Some(Fd::File { path, append }) => {
                let result = self.write_file(&path, data, append);
                // Later writes through the same descriptor append.
                self.proc_mut(|p| p.fds.insert(n, Fd::File { path, append: true }));
                result
            }
        }
    }

    /// Reads what is available from a descriptor, waiting for data; an empty
    /// result means end of file.
    pub async fn read_fd(&self, n: i32) -> Vec<u8> {
        match self.fd(n) {
            Some(Fd::Pipe { id, .. }) => {
                poll_fn_state(self, move |s| {
                    let Some(pipe) = s.pipes.get_mut(&id) else {
                        return Some(Vec::new());
                    };
                    if !pipe.buffer.is_empty() {
                        let data: Vec<u8> = pipe.buffer.drain(..).collect();
                        s.bump();
                        return Some(data);
                    }
                    (pipe.writers == 0).then(Vec::new)
                })
                .await
            }
            Some(Fd::File { path, .. }) => {
                // A file as stdin is read whole at once; later reads see EOF.
                let data = self.read_file(&path).unwrap_or_default();
                self.proc_mut(|p| p.fds.insert(n, Fd::Null));
                data
            }
            Some(Fd::Tty) => {
                // Nobody types: block forever (until a signal ends us).
                poll_fn_state(self, |_| None::<Vec<u8>>).await
            }
            _ => Vec::new(),
        }
    }

    /// A new pipe, both ends held by this process (release them with
    /// [`Sys::close`]): (read end, write end).
    pub fn pipe(&self) -> (Fd, Fd) {
        self.with(|s| {
            let id = s.next_pipe;
            s.next_pipe += 1;
            s.pipes.insert(id, Pipe { buffer: VecDeque::new(), writers: 1, readers: 1 });
            (Fd::Pipe { id, write: false }, Fd::Pipe { id, write: true })
        })
    }

    /// Releases this process's hold on a descriptor (pipes count their ends).
    pub fn close(&self, fd: &Fd) {
        self.with(|s| {
            s.close_fd(fd);
            s.bump();
        });
    }

    /// Replaces the process's descriptor table (the shell does this around
    /// builtins with redirections); returns the old one.
    pub fn set_fds(&self, fds: LiteMap<i32, Fd>) -> LiteMap<i32, Fd> {
        self.proc_mut(|p| std::mem::replace(&mut p.fds, fds)).unwrap_or_default()
    }

    /// `execve`: this process becomes `argv`'s program (same PID). Returns
    /// the program to run in place of the caller.
    pub fn exec(&self, argv: Vec<String>) -> Result<Task, Errno> {
        let name = argv.first().cloned().unwrap_or_default();
        let path = self.which(&name).ok_or(Errno::NoEnt)?;
        let content = self.read_file(&path)?;
        let text = String::from_utf8_lossy(&content).into_owned();
        let (program, argv) = match program_marker(&text) {
            Some(marker) => ((self.resolver)(marker).ok_or(Errno::NoExec)?, argv),
            None => {
                let interp = text
                    .strip_prefix("#!")
                    .and_then(|r| r.lines().next())
                    .map(|l| l.trim().to_string())
                    .ok_or(Errno::NoExec)?;
                let interp_path = interp.split_whitespace().next().unwrap_or("").to_string();
                let interp_content = self.read_file(&interp_path)?;
                let marker = program_marker(&String::from_utf8_lossy(&interp_content))
                    .map(str::to_string)
                    .ok_or(Errno::NoExec)?;
                let program = (self.resolver)(&marker).ok_or(Errno::NoExec)?;
                (
                    program,
                    std::iter::once(interp_path)
                        .chain(std::iter::once(path.clone()))
                        .chain(argv.into_iter().skip(1))
                        .collect(),
                )
            }
        };
        self.proc_mut(|p| {
            p.argv = argv.clone();
            // Handlers do not survive exec; ignored signals would, but the
            // simulator's shell never ignores at exec time.
            p.caught.clear();
        });
        self.with(State::bump);
        Ok(program(self.clone(), argv))
    }

    // ---- processes ----

    /// Starts a child: resolves `argv[0]` on `PATH` in this process's mount
    /// namespace and runs the program the file stands for.
    pub fn spawn(&self, argv: Vec<String>, fds: LiteMap<i32, Fd>, env: LiteMap<String, String>) -> Result<Pid, Errno> {
        let (ns, cwd, owner, uid) =
            self.proc(|p| (p.ns, p.cwd.clone(), p.owner.clone(), p.uid)).ok_or(Errno::NoSuchProcess)?;
        let now = self.now();
        self.proc_mut(|p| {
            if p.steps_at != now {
                p.steps_at = now;
                p.steps = 0;
            }
            p.steps += limits::SPAWN_STEPS;
        });
        self.spawn_with(SpawnSpec { argv, env, cwd, ns, fds, owner, parent: self.pid, uid, container_init: false })
    }

    /// The executable a command name stands for, searched on `PATH`.
    pub fn which(&self, name: &str) -> Option<String> {
        if name.contains('/') {
            return (self.stat(name) == Some(false)).then(|| fs::normalize(&self.cwd(), name));
        }
        let path = self
            .getenv("PATH")
            .unwrap_or_else(|| "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into());
        path.split(':').map(|dir| fs::join(dir, name)).find(|candidate| self.stat(candidate) == Some(false))
    }

    pub fn spawn_with(&self, spec: SpawnSpec) -> Result<Pid, Errno> {
        let name = spec.argv.first().cloned().unwrap_or_default();
        // Resolve in the new process's own mount namespace.
        let probe = Sys { state: self.state.clone(), pid: 0, resolver: self.resolver };
        let (program, interpreter) = {
            let s = self.state.borrow();
            let table = s.mount_ns.get(&spec.ns.mnt).cloned().unwrap_or_default();
            let env_path = spec
                .env
                .get("PATH")
                .cloned()
                .unwrap_or_else(|| "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into());
            drop(s);
            let lookup = |p: &str| -> Option<Vec<u8>> {
                let abs = fs::normalize(&spec.cwd, p);
                let r = table.resolve(&abs)?;
                match probe.state.borrow().stores.get(r.store)?.nodes.get(&r.path)? {
                    FsNode::File { data, .. } => Some(data.clone()),
                    FsNode::Dir => None,
                }
            };
            // The path the kernel sees: a bare name is found on PATH first,
            // as execvp does, and a script's interpreter gets that full path.
            let found = if name.contains('/') {
                lookup(&name).map(|c| (name.clone(), c))
            } else {
                env_path.split(':').map(|dir| fs::join(dir, &name)).find_map(|p| lookup(&p).map(|c| (p, c)))
            };
            let (resolved, content) = found.ok_or(Errno::NoEnt)?;
            let text = String::from_utf8_lossy(&content).into_owned();
            match program_marker(&text) {
                Some(marker) => ((self.resolver)(marker).ok_or(Errno::NoExec)?, None),
                None => match text.strip_prefix("#!") {
                    // A script: run its interpreter with the script's path.
                    Some(rest) => {
                        let interp = rest.lines().next().unwrap_or("").trim().to_string();
                        let interp_path = interp.split_whitespace().next().unwrap_or("").to_string();
                        let interp_content = lookup(&interp_path).ok_or(Errno::NoEnt)?;
                        let marker = program_marker(&String::from_utf8_lossy(&interp_content))
                            .map(str::to_string)
                            .ok_or(Errno::NoExec)?;
                        ((self.resolver)(&marker).ok_or(Errno::NoExec)?, Some((interp_path, resolved)))
                    }
                    None => return Err(Errno::NoExec),
                },
            }
        };
        let mut argv = spec.argv.clone();
        if let Some((interp, script)) = interpreter {
            argv = std::iter::once(interp)
                .chain(std::iter::once(script))
                .chain(spec.argv.iter().skip(1).cloned())
                .collect();
        }
        let now = self.now();
        let proc = Process {
            pid: 0,
            ppid: spec.parent,
            ns: spec.ns,
            ns_pids: LiteMap::new(),
            argv: argv.clone(),
            env: spec.env.clone(),
            cwd: spec.cwd.clone(),
            uid: spec.uid,
            fds: spec.fds.clone(),
            owner: spec.owner.clone(),
            caught: BTreeSet::new(),
            pending: VecDeque::new(),
            wake_at: None,
            steps: 0,
            steps_at: now,
            nesting: 0,
        };
        let pid = self.with(|s| s.create_process(proc))?;
        if spec.container_init {
            self.with(|s| s.container_inits.insert(pid));
        }
        let sys = Sys { state: self.state.clone(), pid, resolver: self.resolver };
        let task = program(sys, argv);
        self.with(|s| s.spawned.push((pid, task)));
        Ok(pid)
    }

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
    pub async fn sleep(&self, d: SimDuration) -> bool {
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
            self.sleep(SimDuration(limits::THROTTLE_MS)).await;
        }
    }

    // ---- network ----

    pub fn listen(&self, port: u16) -> Result<(), Errno> {
        let pid = self.pid;
        let owner = self.owner();
        self.with(|s| {
            let ns = s.procs.get(&pid).ok_or(Errno::NoSuchProcess)?.ns.net;
            let netns = s.net.namespaces.get_mut(&ns).ok_or(Errno::HostUnreach)?;
            if netns.listeners.get(&port).is_some_and(|l| l.pid != pid) {
                return Err(Errno::Exist);
            }
            netns.listeners.insert(port, Listener { pid, queue: VecDeque::new() });
            s.events.push(KernelEvent::Listening { pid, owner, port });
            s.bump();
            Ok(())
        })
    }

    /// Waits for a connection on any port this process listens on.
    pub async fn accept(&self) -> u64 {
        let pid = self.pid;
        poll_fn_state(self, move |s| {
            let ns = s.procs.get(&pid)?.ns.net;
            let netns = s.net.namespaces.get_mut(&ns)?;
            let conn = netns.pop_connection_for(pid)?;
            s.bump();
            Some(conn)
        })
        .await
    }

    /// Waits for a connection or a caught signal, whichever comes first.
    pub async fn accept_or_signal(&self) -> Result<u64, i32> {
        let pid = self.pid;
        poll_fn_state(self, move |s| {
            let p = s.procs.get_mut(&pid)?;
            if let Some(sig) = p.pending.pop_front() {
                return Some(Err(sig));
            }
            let ns = p.ns.net;
            let netns = s.net.namespaces.get_mut(&ns)?;
            let conn = netns.pop_connection_for(pid)?;
            s.bump();
            Some(Ok(conn))
        })
        .await
    }

    /// The client's address on a connection, as the server sees it.
    pub fn peer_ip(&self, conn: u64) -> String {
        let s = self.state.borrow();
        let Some(c) = s.net.conns.get(&conn) else {
            return String::new();
        };
        if c.to_ip.starts_with("127.") {
            return "127.0.0.1".into();
        }
        s.net
            .namespaces
            .get(&c.client_ns)
            .and_then(|n| n.interfaces.iter().find(|i| i.name != "lo"))
            .map(|i| i.ip.clone())
            .unwrap_or_default()
    }

    /// Connects to `host:port` and sends `request`; returns the connection.
    pub fn connect(&self, host: &str, port: u16, request: Vec<u8>) -> Result<u64, Errno> {
        let pid = self.pid;
        let client = self.owner();
        self.with(|s| {
            let from = s.procs.get(&pid).ok_or(Errno::NoSuchProcess)?.ns.net;
            let ip = s.net.resolve(host).ok_or(Errno::HostUnreach)?;
            let target = s.net.namespace_of(from, &ip).ok_or(Errno::HostUnreach)?;
            let listener = s
                .net
                .namespaces
                .get(&target)
                .and_then(|n| n.listeners.get(&port))
                .map(|l| l.pid)
                .ok_or(Errno::ConnRefused)?;
            let id = s.net.next_conn;
            s.net.next_conn += 1;
            s.net.conns.insert(
                id,
                Conn {
                    client: pid,
                    server: listener,
                    client_ns: from,
                    to_ip: ip.clone(),
                    port,
                    request,
                    response: Vec::new(),
                    response_done: false,
                },
            );
            if let Some(l) = s.net.namespaces.get_mut(&target).and_then(|n| n.listeners.get_mut(&port)) {
                l.queue.push_back(id);
            }
            let server = s.procs.get(&listener).map_or(Owner::Node, |p| p.owner.clone());
            s.events.push(KernelEvent::Connected { from: client, to: server, ip, port, same_netns: from == target });
            s.bump();
            Ok(id)
        })
    }

    /// The request a client sent on a connection.
    pub fn request(&self, conn: u64) -> Vec<u8> {
        self.with(|s| s.net.conns.get(&conn).map(|c| c.request.clone()).unwrap_or_default())
    }

    /// Answers a connection and closes it.
    pub fn respond(&self, conn: u64, response: Vec<u8>, summary: &str) {
        self.with(|s| {
            if let Some(c) = s.net.conns.get_mut(&conn) {
                c.response = response;
                c.response_done = true;
                let from = s.procs.get(&c.client).map_or(Owner::Node, |p| p.owner.clone());
                let to = s.procs.get(&c.server).map_or(Owner::Node, |p| p.owner.clone());
                let port = c.port;
                let client_gone = !s.procs.contains_key(&c.client);
                s.events.push(KernelEvent::Responded { from, to, port, summary: summary.to_string() });
                if client_gone {
                    s.net.conns.remove(&conn);
                }
            }
            s.bump();
        });
    }

    /// Waits for the answer on a connection (`None` if the server went away).
    pub async fn response(&self, conn: u64) -> Option<Vec<u8>> {
        poll_fn_state(self, move |s| {
            let c = s.net.conns.get(&conn)?;
            if c.response_done {
                let data = c.response.clone();
                s.net.conns.remove(&conn);
                return Some(Some(data));
            }
            if !s.procs.contains_key(&c.server) {
                s.net.conns.remove(&conn);
                return Some(None);
            }
            None
        })
        .await
    }

    /// A name as the Pod's resolver answers it (`None`: NXDOMAIN).
    pub fn resolve_name(&self, name: &str) -> Option<String> {
        self.state.borrow().net.resolve(name)
    }

    /// The interfaces of this process's network namespace.
    pub fn interfaces(&self) -> Vec<Interface> {
        let s = self.state.borrow();
        s.procs
            .get(&self.pid)
            .and_then(|p| s.net.namespaces.get(&p.ns.net))
            .map(|n| n.interfaces.clone())
            .unwrap_or_default()
    }

    /// Listening ports of this process's network namespace (for netstat).
    pub fn listening_ports(&self) -> Vec<(u16, Pid)> {
        let s = self.state.borrow();
        let Some(p) = s.procs.get(&self.pid) else {
            return Vec::new();
        };
        let ns = p.ns.pid;
        s.net
            .namespaces
            .get(&p.ns.net)
            .map(|n| n.listeners.iter().map(|(port, l)| (*port, s.pid_in(l.pid, ns).unwrap_or(0))).collect())
            .unwrap_or_default()
    }

    /// The outside log store receives a document.
    pub fn store_document(&self, doc: String) {
        self.with(|s| {
            let now = s.now;
            s.outside_bytes += doc.len();
            s.outside_store.push((now, doc));
            // Like a log, the store keeps the newest documents.
            if s.outside_bytes > limits::STORE_BYTES {
                let mut drop = 0;
                while s.outside_bytes > limits::STORE_BYTES / 2 && drop < s.outside_store.len() {
                    s.outside_bytes -= s.outside_store[drop].1.len();
                    drop += 1;
                }
                s.outside_store.drain(..drop);
            }
            s.bump();
        });
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

/// The descriptor a path stands for when written: `/dev/stdout`,
/// `/dev/stderr`, and `/proc/1/fd/1` (PID 1's stdout, which in a container
/// is the log; taken as the writer's own stdout).
pub fn std_stream(path: &str) -> Option<i32> {
    match path {
        "/dev/stdout" | "/proc/1/fd/1" => Some(1),
        "/dev/stderr" => Some(2),
        _ => None,
    }
}

/// The program name an executable's content names (`\0podplay:busybox`).
pub fn program_marker(text: &str) -> Option<&str> {
    text.strip_prefix("\u{7f}ELF podplay:").map(|rest| rest.lines().next().unwrap_or("").trim())
}

/// The content of an executable that stands for program `name`.
pub fn executable(name: &str) -> Vec<u8> {
    format!("\u{7f}ELF podplay:{name}\n").into_bytes()
}

fn is_volume(label: &str) -> bool {
    !matches!(label, "rootfs" | "node" | "etc-hosts" | "etc-hostname" | "resolv-conf" | "termination-log")
}

/// A stable MAC address for an IP (`02:42:` + the IP's bytes), as the
/// simulator's CNI hands them out.
fn mac_for(ip: &str) -> String {
    let bytes: Vec<u8> = ip.split('.').filter_map(|p| p.parse().ok()).collect();
    let b = |i: usize| bytes.get(i).copied().unwrap_or(0);
    format!("02:42:{:02x}:{:02x}:{:02x}:{:02x}", b(0), b(1), b(2), b(3))
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
