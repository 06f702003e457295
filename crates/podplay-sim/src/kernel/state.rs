//! Everything the kernel knows, in one place: the process table, the
//! namespaces, the filesystems, pipes, the network, logs. Only the kernel's
//! own modules reach into it; the rest of the simulator goes through
//! [`Kernel`](super::Kernel) and [`Sys`](super::Sys).

use litemap::LiteMap;
use std::collections::BTreeSet;

use podplay_core::time::MonoTime;

use super::events::KernelEvent;
use super::exec::Task;
use super::fs::{Mount, MountTable, Store, StoreId};
use super::log::ContainerLog;
use super::net::{Interface, NetNs, Network, loopback_and_eth0};
use super::pipe::Pipe;
use super::process_table::{PidNs, Process};
use super::{ExitStatus, NsId, NsSet, Pid, limits};

/// Everything the kernel knows.
pub(super) struct State {
    pub(super) now: MonoTime,
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
    pub(super) spawned: Vec<(Pid, Task)>,
    /// Documents received by the outside log store.
    pub(super) outside_store: Vec<(MonoTime, String)>,
    /// Bytes of `outside_store`'s documents.
    pub(super) outside_bytes: usize,
    /// Bytes programs added to the filesystems (see [`limits::DISK_BYTES`]).
    pub(super) disk_used: usize,
    /// Each process's step budget, and the instant it was computed for.
    pub(super) budget: (MonoTime, u64),
    /// Containers' memory limits in bytes (`memory.max`), by container id.
    pub(super) memory_limits: LiteMap<String, u64>,
    /// OOM kills in each container's cgroup (`memory.events` `oom_kill`).
    pub(super) oom_kills: LiteMap<String, u32>,
    /// The node's memory in bytes: past it, a global OOM (0: no limit).
    pub(super) node_memory: u64,
}

/// The node's store: index 0.
pub const NODE_STORE: StoreId = 0;

impl State {
    /// A node: its root store, host namespaces (net with `lo` and `eth0` at
    /// `node_ip`), and hostname.
    pub(super) fn new(node_root: Store, hostname: &str, node_ip: &str) -> State {
        let mut state = State {
            now: MonoTime::ZERO,
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
            budget: (MonoTime(u64::MAX), limits::STEPS_PER_INSTANT),
            memory_limits: LiteMap::new(),
            oom_kills: LiteMap::new(),
            node_memory: 0,
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
        state
    }

    /// Marks a change: the executor runs another pass while anything changes.
    pub(super) fn bump(&mut self) {
        self.generation += 1;
    }

    /// The steps each process may take at this instant: a fair share of
    /// [`limits::NODE_STEPS_PER_INSTANT`] among the containers' processes
    /// (counted once per instant), at most [`limits::STEPS_PER_INSTANT`].
    pub(super) fn step_budget(&mut self) -> u64 {
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
}
