//! The machine's cgroup hierarchies as this process sees them: where each
//! is mounted and which cgroup the process is in, read from
//! `/proc/self/cgroup` and `/proc/self/mountinfo`. cgroup v2 (one unified
//! hierarchy), v1 (a hierarchy per controller or group of controllers) and
//! hybrid hosts (both) are all read the same way.

use std::path::{Path, PathBuf};

/// The controllers the kubelet's values go to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Controller {
    Cpu,
    /// v1's CPU accounting (`cpuacct.usage`); v2 has `cpu.stat` always.
    Cpuacct,
    Memory,
    Pids,
}

impl Controller {
    pub const ALL: [Controller; 4] = [Controller::Cpu, Controller::Cpuacct, Controller::Memory, Controller::Pids];

    pub fn name(self) -> &'static str {
        match self {
            Controller::Cpu => "cpu",
            Controller::Cpuacct => "cpuacct",
            Controller::Memory => "memory",
            Controller::Pids => "pids",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    V1,
    V2,
}

/// One mounted hierarchy, and this process's cgroup in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hierarchy {
    pub version: Version,
    /// Where it is mounted (`/sys/fs/cgroup/memory`, `/sys/fs/cgroup`).
    pub mount: PathBuf,
    /// v1: the controllers bound to it; v2: those enabled for children of
    /// this process's cgroup (its `cgroup.subtree_control`), the only ones
    /// a child cgroup of ours can use.
    pub controllers: Vec<Controller>,
    /// This process's cgroup, as a directory under `mount`.
    pub own: PathBuf,
}

/// Reads the hierarchies of the calling process.
pub fn discover() -> Result<Vec<Hierarchy>, String> {
    let membership =
        std::fs::read_to_string("/proc/self/cgroup").map_err(|e| format!("read /proc/self/cgroup: {e}"))?;
    let mountinfo =
        std::fs::read_to_string("/proc/self/mountinfo").map_err(|e| format!("read /proc/self/mountinfo: {e}"))?;
    let mut found = hierarchies(&membership, &mountinfo);
    for h in &mut found {
        if h.version == Version::V2 {
            let control = std::fs::read_to_string(h.own.join("cgroup.subtree_control")).unwrap_or_default();
            h.controllers = v2_controllers(&control);
        }
    }
    Ok(found)
}

/// The hierarchies named in `/proc/self/cgroup` that are mounted, with the
/// process's cgroup in each resolved to a directory. v2's controllers are
/// left empty (they are read from the cgroup itself).
pub fn hierarchies(membership: &str, mountinfo: &str) -> Vec<Hierarchy> {
    let mounts: Vec<CgroupMount> = mountinfo.lines().filter_map(CgroupMount::read).collect();
    let mut out = Vec::new();
    for line in membership.lines() {
        let mut fields = line.splitn(3, ':');
        let (Some(id), Some(list), Some(path)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        let v2 = id == "0" && list.is_empty();
        let wanted: Vec<Controller> =
            Controller::ALL.into_iter().filter(|c| list.split(',').any(|n| n == c.name())).collect();
        if !v2 && wanted.is_empty() {
            continue;
        }
        let mount = mounts.iter().find(|m| if v2 { m.v2 } else { !m.v2 && wanted.iter().all(|c| m.has(*c)) });
        let Some(mount) = mount else { continue };
        // A mount of a sub-tree (a container's view) shows paths below its root.
        let Some(relative) = Path::new(path).strip_prefix(&mount.root).ok() else { continue };
        let version = if v2 { Version::V2 } else { Version::V1 };
        let controllers = if v2 { Vec::new() } else { wanted };
        out.push(Hierarchy { version, mount: mount.point.clone(), controllers, own: mount.point.join(relative) });
    }
    out
}

/// `cgroup.subtree_control`'s controllers that podplay uses.
pub fn v2_controllers(subtree_control: &str) -> Vec<Controller> {
    // v2 has no cpuacct: `cpu.stat` is there without any controller.
    let mut found: Vec<Controller> =
        Controller::ALL.into_iter().filter(|c| subtree_control.split_whitespace().any(|n| n == c.name())).collect();
    found.push(Controller::Cpuacct);
    found.sort();
    found
}

/// A cgroup filesystem in the mount table.
struct CgroupMount {
    v2: bool,
    /// The cgroup the mount shows as its root.
    root: PathBuf,
    point: PathBuf,
    /// v1: the super options (`rw,cpu,cpuacct`).
    options: String,
}

impl CgroupMount {
    /// A line of `/proc/self/mountinfo`: `id parent major:minor root point
    /// options [optional…] - fstype source super-options`.
    fn read(line: &str) -> Option<CgroupMount> {
        let (head, tail) = line.split_once(" - ")?;
        let head: Vec<&str> = head.split(' ').collect();
        let mut tail = tail.split(' ');
        let fstype = tail.next()?;
        let _source = tail.next();
        let options = tail.next().unwrap_or_default().to_string();
        let v2 = match fstype {
            "cgroup2" => true,
            "cgroup" => false,
            _ => return None,
        };
        Some(CgroupMount {
            v2,
            root: PathBuf::from(unescape(head.get(3)?)),
            point: PathBuf::from(unescape(head.get(4)?)),
            options,
        })
    }

    fn has(&self, controller: Controller) -> bool {
        self.options.split(',').any(|o| o == controller.name())
    }
}

/// mountinfo escapes space, tab, newline and backslash as `\ooo`.
fn unescape(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut rest = field;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let code = rest.get(at + 1..at + 4).and_then(|d| u8::from_str_radix(d, 8).ok());
        match code {
            Some(byte) => {
                out.push(char::from(byte));
                rest = &rest[at + 4..];
            }
            None => {
                out.push('\\');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hybrid host (v1 controllers, an empty v2 hierarchy beside them),
    /// with the memory controller in a cgroup of its own.
    const HYBRID_CGROUP: &str = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/ae74\n2:cpuacct:/\n1:cpu:/\n0::/\n";
    const HYBRID_MOUNTS: &str = "\
30 25 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:28 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 30 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
37 30 0:33 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
39 30 0:35 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";

    #[test]
    fn a_hybrid_host() {
        let found = hierarchies(HYBRID_CGROUP, HYBRID_MOUNTS);
        let memory = found.iter().find(|h| h.controllers == [Controller::Memory]).unwrap();
        assert_eq!(memory.own, Path::new("/sys/fs/cgroup/memory/process_api/ae74"));
        assert_eq!(memory.version, Version::V1);
        let cpu = found.iter().find(|h| h.controllers == [Controller::Cpu]).unwrap();
        assert_eq!(cpu.own, Path::new("/sys/fs/cgroup/cpu/"));
        assert!(found.iter().any(|h| h.controllers == [Controller::Pids]));
        assert!(found.iter().any(|h| h.controllers == [Controller::Cpuacct]));
        let unified = found.iter().find(|h| h.version == Version::V2).unwrap();
        assert_eq!(unified.mount, Path::new("/sys/fs/cgroup/unified"));
        assert_eq!(found.len(), 5, "name=systemd is no controller of ours");
    }

    #[test]
    fn co_mounted_v1_controllers_and_a_v2_host() {
        let cgroup = "3:cpu,cpuacct:/user.slice\n";
        let mounts = "31 30 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n";
        let found = hierarchies(cgroup, mounts);
        assert_eq!(found[0].controllers, [Controller::Cpu, Controller::Cpuacct]);
        assert_eq!(found[0].own, Path::new("/sys/fs/cgroup/cpu,cpuacct/user.slice"));

        let cgroup = "0::/user.slice/user-0.slice/session-1.scope\n";
        let mounts = "29 24 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
        let found = hierarchies(cgroup, mounts);
        assert_eq!(found[0].version, Version::V2);
        assert_eq!(found[0].own, Path::new("/sys/fs/cgroup/user.slice/user-0.slice/session-1.scope"));
        assert_eq!(v2_controllers("cpuset cpu io memory pids\n"), Controller::ALL);
        assert_eq!(v2_controllers(""), [Controller::Cpuacct]);
    }

    #[test]
    fn a_container_sees_its_own_cgroup_as_the_root() {
        let cgroup = "0::/\n";
        let mounts = "700 690 0:26 /docker/abc /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n";
        let found = hierarchies(cgroup, mounts);
        assert!(found.is_empty(), "the path / is not below the mount's root /docker/abc");
        let cgroup = "0::/docker/abc/init\n";
        let found = hierarchies(cgroup, mounts);
        assert_eq!(found[0].own, Path::new("/sys/fs/cgroup/init"));
        assert_eq!(unescape("/a\\040b"), "/a b");
    }
}
