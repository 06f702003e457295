//! `/proc`: the files and namespace links the kernel makes up for each
//! process.

use super::Sys;
use crate::kernel::errno::Errno;
use crate::kernel::fs;
use crate::kernel::{NsKind, Pid};

impl Sys {
    /// Synthesized `/proc` files: `cmdline`, `status`; and the namespace
    /// links read with `readlink`.
    pub(super) fn read_proc(&self, path: &str) -> Option<Result<Vec<u8>, Errno>> {
        let abs = fs::normalize(&self.cwd(), path);
        if let Some(text) = self.system_file(&abs) {
            return Some(Ok(text.into_bytes()));
        }
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
            "status" => {
                let name = p.argv.first().map_or("", |a| fs::base_name(a));
                let ns_pid = p.ns_pids.get(&s.procs.get(&self.pid).map_or(0, |me| me.ns.pid)).copied().unwrap_or(0);
                let ppid = s.procs.get(&p.ppid).and_then(|pp| pp.ns_pids.get(&p.ns.pid)).copied().unwrap_or(0);
                let kib = p.memory / 1024;
                // The reader is the one process running now.
                let state = if pid == self.pid { "R (running)" } else { "S (sleeping)" };
                Ok(format!(
                    "Name:\t{name}\nState:\t{state}\nPid:\t{ns_pid}\nPPid:\t{ppid}\nUid:\t{u}\t{u}\t{u}\t{u}\nVmRSS:\t{kib:>8} kB\n",
                    u = p.uid
                )
                .into_bytes())
            }
            _ => Err(Errno::NoEnt),
        })
    }

    pub(super) fn stat_proc(&self, abs: &str) -> Option<bool> {
        if abs == "/proc" {
            return Some(true);
        }
        if self.system_file(abs).is_some() {
            return Some(false);
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
            (Some("ns"), Some(_)) | (Some("cmdline" | "comm" | "status"), None) => Some(false),
            _ => None,
        }
    }

    /// The kernel's files that are not a process's: `/proc/uptime`,
    /// `/proc/meminfo` (the node's memory: a container sees the machine's,
    /// not its limit) and, in a container, its cgroup's memory files under
    /// `/sys/fs/cgroup` (cgroup v2 as the container's cgroup namespace shows
    /// it): `memory.max`, `memory.current`, `memory.events`.
    pub(super) fn system_file(&self, abs: &str) -> Option<String> {
        let s = self.state.borrow();
        match abs {
            "/proc/uptime" => {
                let ms = s.now.0;
                return Some(format!(
                    "{}.{:02} {}.{:02}\n",
                    ms / 1000,
                    ms % 1000 / 10,
                    ms * 2 / 1000,
                    ms * 2 % 1000 / 10
                ));
            }
            "/proc/meminfo" => {
                let total = s.node_memory / 1024;
                let used: u64 = s.procs.values().map(|p| p.memory).sum::<u64>() / 1024;
                let free = total.saturating_sub(used);
                return Some(format!(
                    "MemTotal:       {total:>8} kB\nMemFree:        {free:>8} kB\nMemAvailable:   {free:>8} kB\n"
                ));
            }
            _ => {}
        }
        let file = abs.strip_prefix("/sys/fs/cgroup/")?;
        let crate::kernel::Owner::Container(id) = s.procs.get(&self.pid)?.owner.clone() else {
            return None;
        };
        Some(match file {
            "memory.max" => s.memory_limits.get(&id).map_or_else(|| "max\n".to_string(), |l| format!("{l}\n")),
            "memory.current" => format!("{}\n", s.container_memory(&id)),
            "memory.events" => {
                let kills = s.oom_kills.get(&id).copied().unwrap_or(0);
                format!("low 0\nhigh 0\nmax {kills}\noom {kills}\noom_kill {kills}\noom_group_kill {kills}\n")
            }
            _ => return None,
        })
    }

    /// `self` or a PID of this process's namespace → host PID.
    pub(super) fn proc_pid(&self, who: &str) -> Option<Pid> {
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
}
