//! Memory cgroups: each process's memory use, each container's limit
//! (`memory.max`), and the OOM killer. Programs report what they hold
//! (buffers, strings, a stress worker's allocation); bytes are counted,
//! not allocated, so a simulated gigabyte costs nothing real.

use super::events::KernelEvent;
use super::state::State;
use super::{Owner, Pid, SIGKILL};

impl State {
    /// Sets `pid`'s memory use. Over its container's limit, the OOM killer
    /// picks the cgroup's largest process and, as the kubelet sets
    /// `memory.oom.group=1` on cgroup v2, kills every process of the
    /// container with it. True when `pid` survives.
    pub(super) fn use_memory(&mut self, pid: Pid, bytes: u64) -> bool {
        let Some(proc) = self.procs.get_mut(&pid) else {
            return false;
        };
        // Less than before, or the same: no limit can be newly passed.
        if bytes <= proc.memory {
            proc.memory = bytes;
            return true;
        }
        proc.memory = bytes;
        let owner = proc.owner.clone();
        // The container's own limit first; without one, the node's memory
        // (a global OOM, whose victim's group goes the same way).
        let (in_cgroup, limit) = match &owner {
            Owner::Container(id) if self.memory_limits.contains_key(id) => (true, self.memory_limits[id]),
            _ => (false, self.node_memory),
        };
        let charged = |p: &&super::process_table::Process| !in_cgroup || p.owner == owner;
        let usage: u64 = self.procs.values().filter(charged).map(|p| p.memory).sum();
        if usage <= limit || limit == 0 {
            return true;
        }
        let members = self.members(|p| !in_cgroup || p.owner == owner);
        let Some((victim, victim_bytes, name, victim_owner)) =
            members.iter().max_by_key(|(p, m, _, _)| (*m, *p)).cloned()
        else {
            return true;
        };
        let Owner::Container(id) = victim_owner.clone() else {
            // podplay's node processes hold nothing: never the victim.
            return true;
        };
        let count = self.oom_kills.get(&id).copied().unwrap_or(0);
        self.oom_kills.insert(id, count + 1);
        self.events.push(KernelEvent::OomKill {
            owner: victim_owner.clone(),
            pid: victim,
            name,
            victim_bytes,
            usage,
            limit,
        });
        let group: Vec<Pid> = self.procs.values().filter(|p| p.owner == victim_owner).map(|p| p.pid).collect();
        for member in group {
            let _ = self.signal(member, SIGKILL);
        }
        self.procs.contains_key(&pid) && !self.procs[&pid].pending.contains(&SIGKILL)
    }

    /// Grows `pid` past whatever limit applies to it: what a program that
    /// keeps allocating beyond what podplay holds for real reaches.
    pub(super) fn exhaust_memory(&mut self, pid: Pid) -> bool {
        let limit = match self.procs.get(&pid).map(|p| &p.owner) {
            Some(Owner::Container(id)) => self.memory_limits.get(id).copied().unwrap_or(self.node_memory),
            _ => return true,
        };
        self.use_memory(pid, limit.saturating_add(1))
    }

    /// (pid, bytes, name, owner) of the processes `pick` selects.
    fn members(&self, pick: impl Fn(&super::process_table::Process) -> bool) -> Vec<(Pid, u64, String, Owner)> {
        self.procs
            .values()
            .filter(|p| pick(p))
            .map(|p| (p.pid, p.memory, p.argv.first().cloned().unwrap_or_default(), p.owner.clone()))
            .collect()
    }

    /// The memory now charged to container `id`'s cgroup.
    pub(super) fn container_memory(&self, id: &str) -> u64 {
        self.procs.values().filter(|p| matches!(&p.owner, Owner::Container(c) if c == id)).map(|p| p.memory).sum()
    }
}
