//! Filesystems: stores of files (flat maps from absolute path to node) and
//! per-mount-namespace mount tables that map a process's path to a store.
//!
//! A container's root is a copy of its image's tree (its writable layer);
//! volumes are directories of the node's store mounted into containers, so a
//! file written through one container's mount is read through another's.

use std::collections::BTreeMap;

/// A store, by its place in the kernel's list of them.
pub type StoreId = usize;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum FsNode {
    Dir,
    File { data: Vec<u8>, mode: u32 },
}

/// One filesystem tree: absolute path → node. The root `/` always exists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Store {
    pub(super) nodes: BTreeMap<String, FsNode>,
}

impl Store {
    pub fn new() -> Store {
        let mut nodes = BTreeMap::new();
        nodes.insert("/".to_string(), FsNode::Dir);
        Store { nodes }
    }

    /// Whether a file or directory exists at `path`.
    pub fn contains(&self, path: &str) -> bool {
        self.nodes.contains_key(path)
    }

    /// The bytes of the file at `path`, if it is one.
    pub fn file(&self, path: &str) -> Option<&[u8]> {
        match self.nodes.get(path)? {
            FsNode::File { data, .. } => Some(data),
            FsNode::Dir => None,
        }
    }

    /// Creates `path` and its missing parents as directories.
    pub fn mkdir_all(&mut self, path: &str) {
        let mut current = String::new();
        for part in path.split('/').filter(|p| !p.is_empty()) {
            current.push('/');
            current.push_str(part);
            self.nodes.entry(current.clone()).or_insert(FsNode::Dir);
        }
    }

    /// Writes a file, creating parent directories (for building images).
    pub fn put(&mut self, path: &str, data: &[u8], mode: u32) {
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.mkdir_all(parent);
        }
        self.nodes.insert(path.to_string(), FsNode::File { data: data.to_vec(), mode });
    }

    /// The names directly inside `dir`, sorted.
    pub fn children(&self, dir: &str) -> Vec<String> {
        let prefix = if dir == "/" { "/".to_string() } else { format!("{dir}/") };
        self.nodes
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter_map(|(k, _)| {
                let rest = &k[prefix.len()..];
                (!rest.is_empty() && !rest.contains('/')).then(|| rest.to_string())
            })
            .collect()
    }

    /// What `path` and everything below it take on the disk (see
    /// [`limits::DISK_BYTES`](super::limits::DISK_BYTES)).
    pub fn tree_bytes(&self, path: &str) -> usize {
        let prefix = format!("{path}/");
        self.nodes
            .range(path.to_string()..)
            .take_while(|(k, _)| *k == path || k.starts_with(&prefix))
            .map(|(k, node)| entry_bytes(k) + if let FsNode::File { data, .. } = node { data.len() } else { 0 })
            .sum()
    }

    /// Removes `path` and everything below it.
    pub fn remove_tree(&mut self, path: &str) {
        let prefix = format!("{path}/");
        let doomed: Vec<String> = self
            .nodes
            .range(path.to_string()..)
            .take_while(|(k, _)| *k == path || k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect();
        for k in doomed {
            self.nodes.remove(&k);
        }
    }

    /// Copies the tree under `from` (in `source`) to `to` in this store.
    pub fn copy_tree_from(&mut self, source: &Store, from: &str, to: &str) {
        let prefix = if from == "/" { String::from("/") } else { format!("{from}/") };
        if let Some(node) = source.nodes.get(from) {
            self.nodes.insert(to.to_string(), node.clone());
        }
        for (k, node) in source.nodes.range(prefix.clone()..).take_while(|(k, _)| k.starts_with(&prefix)) {
            let rel = &k[prefix.len()..];
            let dest = join(to, rel);
            self.nodes.insert(dest, node.clone());
        }
    }
}

/// Where a mount point's files live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    /// The mount point inside the namespace (`/usr/share/nginx/html`).
    pub target: String,
    pub store: StoreId,
    /// The directory (or file) in the store that appears at `target`.
    pub source: String,
    pub read_only: bool,
    /// What the mount is, for traces: a volume name, `etc-hosts`, `rootfs`.
    pub label: String,
}

/// A mount namespace: a root mount and mounts over it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct MountTable {
    pub(super) mounts: Vec<Mount>,
}

/// A path resolved to a store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Resolved {
    pub(super) store: StoreId,
    pub(super) path: String,
    pub(super) read_only: bool,
    /// The mount's label (a volume name for volume mounts).
    pub(super) label: String,
    pub(super) mount_target: String,
}

impl MountTable {
    /// The longest mount point that contains `path` (already absolute and
    /// normalized), and the path inside its store.
    pub(super) fn resolve(&self, path: &str) -> Option<Resolved> {
        let mount = self
            .mounts
            .iter()
            .filter(|m| m.target == "/" || path == m.target || path.starts_with(&format!("{}/", m.target)))
            .max_by_key(|m| m.target.len())?;
        let rest = if mount.target == "/" { path } else { &path[mount.target.len()..] };
        let inner = if rest.is_empty() || rest == "/" {
            mount.source.clone()
        } else {
            join(&mount.source, rest.trim_start_matches('/'))
        };
        Some(Resolved {
            store: mount.store,
            path: inner,
            read_only: mount.read_only,
            label: mount.label.clone(),
            mount_target: mount.target.clone(),
        })
    }
}

/// What a new entry at `path` costs on the disk, besides its data.
pub fn entry_bytes(path: &str) -> usize {
    super::limits::ENTRY_BYTES + path.len()
}

/// `dir` + `/` + `rel`, without doubling slashes.
pub fn join(dir: &str, rel: &str) -> String {
    if rel.is_empty() {
        return dir.to_string();
    }
    if dir.ends_with('/') { format!("{dir}{rel}") } else { format!("{dir}/{rel}") }
}

/// Makes `path` absolute against `cwd` and removes `.`, `..` and repeated
/// slashes.
pub fn normalize(cwd: &str, path: &str) -> String {
    let full = if path.starts_with('/') { path.to_string() } else { join(cwd, path) };
    let mut parts: Vec<&str> = Vec::new();
    for part in full.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The fields of the `/etc/passwd` or `/etc/group` line whose id (third
/// field) is `id` (libc's `getpwuid`/`getgrgid` on the text).
pub fn id_entry(table: &str, id: u32) -> Option<Vec<&str>> {
    table.lines().map(|l| l.split(':').collect::<Vec<_>>()).find(|f| f.len() >= 3 && f[2].parse() == Ok(id))
}

/// The parent directory of an absolute, normalized path.
pub fn parent(path: &str) -> String {
    match path.rsplit_once('/') {
        Some(("", _)) | None => "/".to_string(),
        Some((p, _)) => p.to_string(),
    }
}

/// The last component of a path.
pub fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_longest_mount() {
        let table = MountTable {
            mounts: vec![
                Mount { target: "/".into(), store: 1, source: "/".into(), read_only: false, label: "rootfs".into() },
                Mount {
                    target: "/pod-data".into(),
                    store: 0,
                    source: "/data".into(),
                    read_only: false,
                    label: "shared-data".into(),
                },
            ],
        };
        let r = table.resolve("/pod-data/index.html").unwrap();
        assert_eq!((r.store, r.path.as_str(), r.label.as_str()), (0, "/data/index.html", "shared-data"));
        assert_eq!(table.resolve("/pod-datax").unwrap().store, 1);
        assert_eq!(table.resolve("/pod-data").unwrap().path, "/data");
    }

    #[test]
    fn normalizes() {
        assert_eq!(normalize("/usr", "../etc/./hosts"), "/etc/hosts");
        assert_eq!(normalize("/", "a//b/"), "/a/b");
        assert_eq!(normalize("/", ".."), "/");
    }

    #[test]
    fn children_and_copy() {
        let mut s = Store::new();
        s.put("/a/b/c.txt", b"x", 0o644);
        s.put("/a/d.txt", b"y", 0o644);
        assert_eq!(s.children("/a"), ["b", "d.txt"]);
        let mut t = Store::new();
        t.copy_tree_from(&s, "/a", "/z");
        assert!(t.nodes.contains_key("/z/b/c.txt"));
    }
}
