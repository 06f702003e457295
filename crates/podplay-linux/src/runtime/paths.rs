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
/// namespace (a pinned subPath bind, a memory emptyDir, a Pod's shm),
/// deepest first; then the files, never crossing into another filesystem,
/// so the removal cannot reach through a mount into a volume or the node's
/// files. Returns what it did, for the user (`podplay gc` and a new run
/// of a Pod whose runner was SIGKILLed say what they removed).
pub fn remove_tree(path: &Path) -> Result<Vec<String>, String> {
    let mut removed = unmount_under(path)?;
    let root = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(removed),
        Err(e) => return Err(format!("stat {}: {e}", path.display())),
    };
    remove_on_device(path, std::os::unix::fs::MetadataExt::dev(&root))?;
    removed.push(format!("removed {}", path.display()));
    Ok(removed)
}

/// Unmounts every mount at or below `path` (its canonical name, as the
/// mount table has it), deepest first.
pub fn unmount_under(path: &Path) -> Result<Vec<String>, String> {
    let canonical = match path.canonicalize() {
        Ok(p) => p,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("resolve {}: {e}", path.display())),
    };
    let mountinfo =
        std::fs::read_to_string("/proc/self/mountinfo").map_err(|e| format!("read /proc/self/mountinfo: {e}"))?;
    let prefix = format!("{}/", canonical.display());
    let mut points: Vec<String> = mountinfo
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(unescape_mount_point)
        .filter(|p| p.starts_with(&prefix) || *p == canonical.display().to_string())
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let mut done = Vec::new();
    for point in points {
        nix::mount::umount2(point.as_str(), nix::mount::MntFlags::MNT_DETACH)
            .map_err(|e| format!("unmount {point}: {e}"))?;
        done.push(format!("unmounted {point}"));
    }
    Ok(done)
}

/// A mount point as `/proc/self/mountinfo` writes it: space, tab, newline
/// and backslash as octal escapes (`\040`).
fn unescape_mount_point(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal =
            bytes.get(i + 1..i + 4).filter(|d| bytes[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)));
        let value = octal.map(|d| d.iter().fold(0u16, |v, c| v * 8 + u16::from(c - b'0')));
        match value.and_then(|v| u8::try_from(v).ok()) {
            Some(byte) => {
                out.push(byte);
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `rm -rf --one-file-system`: a directory on another device is a mount
/// still in place, and is refused rather than emptied.
fn remove_on_device(path: &Path, device: u64) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("stat {}: {e}", path.display()))?;
    if !meta.is_dir() {
        return std::fs::remove_file(path).map_err(|e| format!("remove {}: {e}", path.display()));
    }
    if meta.dev() != device {
        return Err(format!("refusing to remove {}: a mount is still there", path.display()));
    }
    for entry in std::fs::read_dir(path).map_err(|e| format!("read {}: {e}", path.display()))? {
        let entry = entry.map_err(|e| format!("read {}: {e}", path.display()))?;
        remove_on_device(&entry.path(), device)?;
    }
    std::fs::remove_dir(path).map_err(|e| format!("remove {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_points_are_read_back_from_their_escapes() {
        assert_eq!(unescape_mount_point("/run/pod\\040play/a\\011b"), "/run/pod play/a\tb");
        assert_eq!(unescape_mount_point("/plain\\9"), "/plain\\9");
    }
}
