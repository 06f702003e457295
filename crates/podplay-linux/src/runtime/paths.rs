//! Where a run keeps its state: the kubelet's and containerd's directories
//! of a real node, under one state root.
//!
//! ```text
//! <root>/kubelet/pods/<uid>/…            /var/lib/kubelet/pods/<uid> (volumes, etc-hosts)
//! <root>/pods/<ns>_<name>_<uid>/<c>/N.log /var/log/pods/… (CRI logs)
//! <root>/sandboxes/<id>/                  hostname, resolv.conf, shm
//! <root>/containers/<id>/                 rootfs, upper, work, termination-log
//! ```

use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct StateDirs {
    pub root: PathBuf,
}

impl StateDirs {
    /// A path of the node's as the kubelet names it, in this run's state:
    /// the kubelet's own directories move under the root; anything else
    /// (a hostPath) is the machine's real path.
    pub fn node_path(&self, path: &str) -> PathBuf {
        for (prefix, under) in [("/var/lib/kubelet/", "kubelet"), ("/var/log/pods/", "pods")] {
            if let Some(rest) = path.strip_prefix(prefix) {
                return self.root.join(under).join(rest);
            }
        }
        PathBuf::from(path)
    }

    pub fn sandbox(&self, id: &str) -> PathBuf {
        self.root.join("sandboxes").join(id)
    }

    pub fn container(&self, id: &str) -> PathBuf {
        self.root.join("containers").join(id)
    }
}

/// A new runtime id: 64 hex digits, random as containerd's are.
pub fn new_id() -> String {
    let mut bytes = [0u8; 32];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
    if read.is_err() {
        // Unique enough for one machine: the time and this process.
        let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
        return podplay_core::ids::stable_hex(&seed);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Removes a directory tree: first every mount under it in this mount
/// namespace (a pinned subPath bind, a Pod's shm), deepest first, so the
/// removal never reaches through a mount into a volume or the node's
/// files; then the files. Returns what it did, for the user.
pub fn remove_tree(path: &Path) -> Result<Vec<String>, String> {
    let mut removed = Vec::new();
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let prefix = format!("{}/", path.display());
    // The mount point is the fifth field (octal escapes for spaces aside).
    let mut points: Vec<&str> =
        mountinfo.lines().filter_map(|l| l.split(' ').nth(4)).filter(|p| p.starts_with(&prefix)).collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for point in points {
        nix::mount::umount2(point, nix::mount::MntFlags::MNT_DETACH).map_err(|e| format!("unmount {point}: {e}"))?;
        removed.push(format!("unmounted {point}"));
    }
    match std::fs::remove_dir_all(path) {
        Ok(()) => removed.push(format!("removed {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("remove {}: {e}", path.display())),
    }
    Ok(removed)
}

/// Removes the state of a run whose runner is gone (SIGKILLed): the mounts
/// it left in the node's namespace, then the directory. Returns what it
/// removed, for the user.
pub fn remove_stale(dir: &Path) -> Result<Vec<String>, String> {
    remove_tree(dir)
}
