//! File system calls: read, write, stat, directories, copies.

use std::collections::BTreeSet;

use super::Sys;
use crate::kernel::errno::Errno;
use crate::kernel::events::KernelEvent;
use crate::kernel::fs::{self, FsNode, MountTable, StoreId};
use crate::kernel::state::State;
use crate::kernel::{Fd, Pid, limits};

impl State {
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
}

impl Sys {
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
        let r = self.resolve_writable(path)?;
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
        if abs.starts_with("/sys/fs") && matches!(self.owner(), crate::kernel::Owner::Container(_)) {
            return match abs.as_str() {
                "/sys/fs" | "/sys/fs/cgroup" => Some(true),
                _ => self.system_file(&abs).map(|_| false),
            };
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
        if abs == "/sys/fs/cgroup" && self.stat(&abs) == Some(true) {
            return Ok(["memory.current", "memory.events", "memory.max"].map(String::from).to_vec());
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

    /// Where `path` lives, if this process may change it (`EROFS` on a
    /// read-only mount).
    fn resolve_writable(&self, path: &str) -> Result<super::super::fs::Resolved, Errno> {
        let r = self.with(|s| s.resolve(self.pid, path))?;
        if r.read_only {
            return Err(Errno::ReadOnly);
        }
        Ok(r)
    }

    pub fn mkdir(&self, path: &str, parents: bool) -> Result<(), Errno> {
        let r = self.resolve_writable(path)?;
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
        let r = self.resolve_writable(path)?;
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

fn is_volume(label: &str) -> bool {
    !matches!(label, "rootfs" | "node" | "etc-hosts" | "etc-hostname" | "resolv-conf" | "termination-log")
}
