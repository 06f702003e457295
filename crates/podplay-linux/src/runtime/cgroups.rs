//! The node's cgroups, as the kubelet's cgroupfs driver and runc lay them
//! out: `kubepods[/burstable|/besteffort]/pod<uid>/<id>` for the sandbox
//! and each container, with the kubelet's values written into the files of
//! the hierarchy that has each controller (v1, v2 or both on one host).
//!
//! Everything lives below the runner's own cgroup in each hierarchy, in a
//! node cgroup `podplay` (kind sets the kubelet's `--cgroup-root` the same
//! way, below the node container's cgroup): never elsewhere. Every cgroup
//! made for a Pod is written down in the state directory first, so that
//! `podplay gc` removes it after a runner that was SIGKILLed.

use std::io::Write;
use std::path::{Path, PathBuf};

use podplay_core::kubelet::resources::{LinuxResources, shares_to_weight};

use crate::sys::cgroup::{Controller, Hierarchy, Version};

/// The node cgroup below the runner's own, in each hierarchy.
const NODE_CGROUP: &str = "podplay";
/// The file in the state directory listing the cgroups a run made.
const RECORD: &str = "cgroups";

/// Where the node's cgroups go: one place per hierarchy used.
pub struct NodeCgroups {
    places: Vec<Place>,
    record: PathBuf,
    /// Controllers no hierarchy gives us, each with why (said once, as a
    /// warning: the Pod runs, without that enforcement).
    pub missing: Vec<String>,
}

/// A hierarchy, the controllers we use in it, and the node cgroup's path.
#[derive(Clone, Debug)]
struct Place {
    version: Version,
    controllers: Vec<Controller>,
    node: PathBuf,
}

/// One cgroup (a Pod's, a sandbox's, a container's) in every place.
#[derive(Clone, Debug, Default)]
pub struct Cgroup {
    dirs: Vec<(Version, Vec<Controller>, PathBuf)>,
}

impl NodeCgroups {
    /// The node's places from the runner's hierarchies.
    pub fn new(hierarchies: &[Hierarchy], state: &Path) -> NodeCgroups {
        let mut places: Vec<Place> = Vec::new();
        let mut missing = Vec::new();
        for controller in Controller::ALL {
            // v1 first: on a hybrid host, a controller bound to v1 is not in v2.
            let v1 = hierarchies.iter().find(|h| h.version == Version::V1 && h.controllers.contains(&controller));
            let v2 = hierarchies.iter().find(|h| h.version == Version::V2 && h.controllers.contains(&controller));
            let Some(h) = v1.or(v2) else {
                missing.push(why_missing(controller, hierarchies));
                continue;
            };
            let node = h.own.join(NODE_CGROUP);
            match places.iter_mut().find(|p| p.node == node) {
                Some(place) => place.controllers.push(controller),
                None => places.push(Place { version: h.version, controllers: vec![controller], node }),
            }
        }
        missing.retain(|m| !m.is_empty());
        NodeCgroups { places, record: state.join(RECORD), missing }
    }

    /// The runner's hierarchies, read from `/proc`.
    pub fn discover(state: &Path) -> NodeCgroups {
        match crate::sys::cgroup::discover() {
            Ok(found) => NodeCgroups::new(&found, state),
            Err(e) => NodeCgroups { places: Vec::new(), record: state.join(RECORD), missing: vec![e] },
        }
    }

    /// Makes the cgroup at `path` (the kubelet's name, `/kubepods/…`) in
    /// every place and writes `resources` into it. Each new directory is
    /// written down before it is made.
    pub fn create(&self, path: &str, resources: &LinuxResources) -> Result<Cgroup, String> {
        let dirs: Vec<PathBuf> = self.places.iter().map(|p| p.node.join(path.trim_start_matches('/'))).collect();
        self.note(&dirs)?;
        let mut cgroup = Cgroup::default();
        for (place, dir) in self.places.iter().zip(dirs) {
            make_dirs(place, &dir)?;
            cgroup.dirs.push((place.version, place.controllers.clone(), dir));
        }
        cgroup.write(resources)?;
        Ok(cgroup)
    }

    /// Appends `dirs` to the state directory's record, in one write.
    fn note(&self, dirs: &[PathBuf]) -> Result<(), String> {
        let lines: String = dirs.iter().map(|d| format!("{}\n", d.display())).collect();
        let failed = |e: std::io::Error| format!("write {}: {e}", self.record.display());
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&self.record).map_err(failed)?;
        file.write_all(lines.as_bytes()).map_err(failed)
    }

    /// Removes the node cgroups and the levels between, if empty: another
    /// runner's Pods may still be in them.
    pub fn remove_node_levels(&self) {
        for place in &self.places {
            remove_empty_levels(&place.node.join("kubepods/besteffort"), &place.node);
            remove_empty_levels(&place.node.join("kubepods/burstable"), &place.node);
        }
    }
}

/// Why no hierarchy gives us `controller` (empty if it does not matter).
fn why_missing(controller: Controller, hierarchies: &[Hierarchy]) -> String {
    if controller == Controller::Cpuacct {
        return String::new();
    }
    let name = controller.name();
    match hierarchies.iter().find(|h| h.version == Version::V2) {
        Some(v2) => format!(
            "cgroup v2: the runner's cgroup {} does not enable the {name} controller for its children (cgroup.subtree_control), so {name} limits are not enforced",
            v2.own.display()
        ),
        None => format!("no cgroup hierarchy has the {name} controller, so {name} limits are not enforced"),
    }
}

/// `mkdir -p`, enabling on v2 the controllers in each new level's parent.
/// Retried: a runner ending may remove an empty level between two steps.
fn make_dirs(place: &Place, dir: &Path) -> Result<(), String> {
    let mut last = None;
    for _ in 0..3 {
        match make_dirs_once(place, dir) {
            Ok(()) => return Ok(()),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_default())
}

fn make_dirs_once(place: &Place, dir: &Path) -> Result<(), String> {
    let Ok(below) = dir.strip_prefix(&place.node) else {
        return Err(format!("{} is not below {}", dir.display(), place.node.display()));
    };
    let mut at = place.node.clone();
    mkdir(&at)?;
    for part in below.components() {
        if place.version == Version::V2 {
            enable_controllers(&at, &place.controllers)?;
        }
        at.push(part);
        mkdir(&at)?;
    }
    Ok(())
}

fn mkdir(dir: &Path) -> Result<(), String> {
    match std::fs::create_dir(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(format!("create cgroup {}: {e}", dir.display())),
    }
}

/// v2: `+cpu +memory +pids` in `cgroup.subtree_control` of a cgroup of ours.
fn enable_controllers(dir: &Path, controllers: &[Controller]) -> Result<(), String> {
    let wanted: Vec<String> =
        controllers.iter().filter(|c| **c != Controller::Cpuacct).map(|c| format!("+{}", c.name())).collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let file = dir.join("cgroup.subtree_control");
    std::fs::write(&file, wanted.join(" "))
        .map_err(|e| format!("write {:?} to {}: {e}", wanted.join(" "), file.display()))
}

/// Removes empty cgroups from `from` up to `top` (included).
fn remove_empty_levels(from: &Path, top: &Path) {
    let mut at = Some(from);
    while let Some(dir) = at {
        if !dir.starts_with(top) || std::fs::remove_dir(dir).is_err() && dir.exists() {
            return;
        }
        at = dir.parent();
    }
}

impl Cgroup {
    /// Where a process joins it: each place's `cgroup.procs`.
    pub fn procs_files(&self) -> Vec<PathBuf> {
        self.dirs.iter().map(|(_, _, dir)| dir.join("cgroup.procs")).collect()
    }

    fn dir(&self, controller: Controller) -> Option<(Version, &Path)> {
        self.dirs.iter().find(|(_, cs, _)| cs.contains(&controller)).map(|(v, _, d)| (*v, d.as_path()))
    }

    /// Writes the values, as runc's fs (v1) and fs2 (v2) managers do.
    fn write(&self, r: &LinuxResources) -> Result<(), String> {
        if let Some((version, dir)) = self.dir(Controller::Cpu) {
            write_cpu(version, dir, r)?;
        }
        if let Some((version, dir)) = self.dir(Controller::Memory) {
            write_memory(version, dir, r)?;
        }
        if let (Some((_, dir)), Some(limit)) = (self.dir(Controller::Pids), r.pids_limit) {
            write_file(dir, "pids.max", &limit.to_string())?;
        }
        Ok(())
    }

    /// OOM kills in this cgroup so far: `oom_kill` of v2's `memory.events`
    /// or v1's `memory.oom_control` (kernel 4.13 on).
    pub fn oom_kills(&self) -> u64 {
        let Some((version, dir)) = self.dir(Controller::Memory) else { return 0 };
        let file = if version == Version::V2 { "memory.events" } else { "memory.oom_control" };
        let text = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        keyed(&text, "oom_kill").unwrap_or(0)
    }

    /// CPU time used, in nanoseconds: `cpuacct.usage` or v2's `cpu.stat`.
    pub fn cpu_usage_ns(&self) -> Option<u64> {
        let (version, dir) = self.dir(Controller::Cpuacct)?;
        if version == Version::V2 {
            let stat = std::fs::read_to_string(dir.join("cpu.stat")).ok()?;
            return keyed(&stat, "usage_usec").map(|us| us.saturating_mul(1000));
        }
        std::fs::read_to_string(dir.join("cpuacct.usage")).ok()?.trim().parse().ok()
    }

    /// The working set the kubelet reports: memory in use less the
    /// inactive file cache.
    pub fn memory_working_set(&self) -> Option<u64> {
        let (version, dir) = self.dir(Controller::Memory)?;
        let (usage, inactive) = match version {
            Version::V2 => ("memory.current", "inactive_file"),
            Version::V1 => ("memory.usage_in_bytes", "total_inactive_file"),
        };
        let used: u64 = std::fs::read_to_string(dir.join(usage)).ok()?.trim().parse().ok()?;
        let stat = std::fs::read_to_string(dir.join("memory.stat")).unwrap_or_default();
        Some(used.saturating_sub(keyed(&stat, inactive).unwrap_or(0)))
    }

    /// Kills what is still in the cgroup and removes it, in every place.
    pub fn remove(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (_, _, dir) in &self.dirs {
            if let Err(e) = remove_cgroup(dir) {
                problems.push(e);
            }
        }
        problems
    }
}

/// `key N` from a flat-keyed cgroup file.
fn keyed(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| l.strip_prefix(key)?.strip_prefix(' ')?.trim().parse().ok())
}

fn write_file(dir: &Path, file: &str, value: &str) -> Result<(), String> {
    let path = dir.join(file);
    std::fs::write(&path, value).map_err(|e| format!("write {value:?} to {}: {e}", path.display()))
}

fn write_cpu(version: Version, dir: &Path, r: &LinuxResources) -> Result<(), String> {
    let period = r.cpu_period.unwrap_or(podplay_core::kubelet::resources::QUOTA_PERIOD);
    match version {
        Version::V1 => {
            if let Some(shares) = r.cpu_shares {
                write_file(dir, "cpu.shares", &shares.to_string())?;
            }
            if let Some(quota) = r.cpu_quota {
                write_file(dir, "cpu.cfs_period_us", &period.to_string())?;
                write_file(dir, "cpu.cfs_quota_us", &quota.to_string())?;
            }
        }
        Version::V2 => {
            if let Some(shares) = r.cpu_shares {
                write_file(dir, "cpu.weight", &shares_to_weight(shares).to_string())?;
            }
            let quota = r.cpu_quota.map_or_else(|| "max".to_string(), |q| q.to_string());
            write_file(dir, "cpu.max", &format!("{quota} {period}"))?;
        }
    }
    Ok(())
}

fn write_memory(version: Version, dir: &Path, r: &LinuxResources) -> Result<(), String> {
    match (version, r.memory_limit_bytes) {
        (Version::V1, Some(limit)) => {
            write_file(dir, "memory.limit_in_bytes", &limit.to_string())?;
            // containerd sets swap equal to the limit: no swap at all.
            if dir.join("memory.memsw.limit_in_bytes").exists() {
                write_file(dir, "memory.memsw.limit_in_bytes", &limit.to_string())?;
            }
        }
        (Version::V2, limit) => {
            if let Some(limit) = limit {
                write_file(dir, "memory.max", &limit.to_string())?;
                if dir.join("memory.swap.max").exists() {
                    write_file(dir, "memory.swap.max", "0")?;
                }
            }
            if r.oom_group {
                write_file(dir, "memory.oom.group", "1")?;
            }
        }
        (Version::V1, None) => {}
    }
    Ok(())
}

/// SIGKILLs every process left in `dir` (they are the Pod's: nothing else
/// is ever put in a cgroup of ours) and removes it, waiting up to a second
/// for the kernel to let them go.
fn remove_cgroup(dir: &Path) -> Result<(), String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    loop {
        let procs = match std::fs::read_to_string(dir.join("cgroup.procs")) {
            Ok(p) => p,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(format!("read {}/cgroup.procs: {e}", dir.display())),
        };
        for pid in procs.lines().filter_map(|l| l.trim().parse::<u32>().ok()) {
            crate::sys::process::kill(pid, nix::sys::signal::Signal::SIGKILL);
        }
        // Children first: a cgroup with cgroups below it cannot go.
        if let Ok(entries) = std::fs::read_dir(dir) {
            for sub in entries.flatten().filter(|e| e.file_type().is_ok_and(|t| t.is_dir())) {
                remove_cgroup(&sub.path())?;
            }
        }
        match std::fs::remove_dir(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) if std::time::Instant::now() > deadline => {
                return Err(format!("remove cgroup {}: {e}", dir.display()));
            }
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
        }
    }
}

/// Removes the cgroups a run wrote down in its state directory `state`,
/// deepest first, and the empty levels above them up to the node cgroup:
/// what a SIGKILLed runner left (`podplay gc`, or a new run of its Pod).
pub fn remove_recorded(state: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(state.join(RECORD)) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = text.lines().filter(|l| !l.is_empty()).map(PathBuf::from).collect();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    dirs.dedup();
    let mut said = Vec::new();
    for dir in dirs {
        // Only a cgroup below a node cgroup of podplay's, whatever the file says.
        let Some(node) = dir.ancestors().find(|a| a.file_name().is_some_and(|n| n == NODE_CGROUP)) else {
            continue;
        };
        if !dir.starts_with("/sys/fs/cgroup") || !dir.exists() {
            continue;
        }
        match remove_cgroup(&dir) {
            Ok(()) => said.push(format!("removed cgroup {}", dir.display())),
            Err(e) => said.push(format!("error: {e}")),
        }
        if let Some(parent) = dir.parent() {
            remove_empty_levels(parent, node);
        }
    }
    said
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_files_are_read_by_key() {
        let events = "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n";
        assert_eq!(keyed(events, "oom_kill"), Some(1));
        assert_eq!(keyed("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", "oom_kill"), Some(2));
        assert_eq!(keyed("usage_usec 1500\nuser_usec 1000\n", "usage_usec"), Some(1500));
    }

    #[test]
    fn each_controller_goes_to_one_place_v1_before_v2() {
        let hybrid = vec![
            Hierarchy {
                version: Version::V1,
                mount: "/sys/fs/cgroup/memory".into(),
                controllers: vec![Controller::Memory],
                own: "/sys/fs/cgroup/memory/x".into(),
            },
            Hierarchy {
                version: Version::V2,
                mount: "/sys/fs/cgroup/unified".into(),
                controllers: crate::sys::cgroup::v2_controllers("memory pids"),
                own: "/sys/fs/cgroup/unified/y".into(),
            },
        ];
        let node = NodeCgroups::new(&hybrid, Path::new("/state"));
        let memory = node.places.iter().find(|p| p.controllers.contains(&Controller::Memory)).unwrap();
        assert_eq!(memory.node, Path::new("/sys/fs/cgroup/memory/x/podplay"));
        let v2 = node.places.iter().find(|p| p.version == Version::V2).unwrap();
        assert_eq!(v2.controllers, [Controller::Cpuacct, Controller::Pids]);
        assert_eq!(node.missing.len(), 1, "{:?}", node.missing);
        assert!(node.missing[0].contains("does not enable the cpu controller"), "{:?}", node.missing);
    }
}
