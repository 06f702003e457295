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

    pub(super) fn stat_proc(&self, abs: &str) -> Option<bool> {
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
