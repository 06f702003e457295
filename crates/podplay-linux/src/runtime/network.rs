//! The Pod network, as the CNI bridge plugin lays it out on a node: a
//! bridge `cni0` holding the gateway address of the node's pod CIDR
//! (10.244.0.1/24), and for each Pod a veth pair, `eth0` in the Pod's
//! network namespace with the next free address and a default route via the
//! gateway, its peer `veth…` on the bridge.
//!
//! The node side lives in a network namespace of podplay's own, never in
//! the machine's: no Pod address is routed through the machine's
//! interfaces. Every runner of one state root shares it, as the Pods of one
//! node share its bridge, so Pods run from two terminals reach each other
//! by address. It is kept in `<root>/.network/`:
//!
//! ```text
//! netns          the namespace, bind-mounted (as `ip netns add` keeps one)
//! leases/<ip>    host-local IPAM: the sandbox holding the address, and its runner's PID
//! runners/<pid>  the runners using the network
//! ```
//!
//! The first runner makes it, the last one to leave removes it (and `podplay
//! gc` after runners that were killed); every change happens under an
//! exclusive `flock` of the state root directory.

use std::net::Ipv4Addr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use crate::sys::SysError;
use crate::sys::netlink::Rtnl;
use crate::sys::ns::{in_netns, new_netns};

const BRIDGE: &str = "cni0";
const POD_INTERFACE: &str = "eth0";
/// The shared network's directory in a state root.
const DIR: &str = ".network";
/// `statfs` type of a namespace file (`NSFS_MAGIC`).
const NSFS_MAGIC: i64 = 0x6e73_6673;

/// The Pod network from the node's boot on: joined (or made) on a thread
/// of its own (a new network namespace can take milliseconds, more while
/// the last run's is still being torn down), so it is ready by the time
/// pause is.
pub(super) enum Slot {
    Making(std::thread::JoinHandle<Result<PodNetwork, String>>),
    Ready(PodNetwork),
    Failed(String),
}

impl Slot {
    pub fn start(root: &Path, pod_cidr: &str) -> Slot {
        let (root, cidr) = (root.to_path_buf(), pod_cidr.to_string());
        match std::thread::Builder::new().name("pod-network".into()).spawn(move || PodNetwork::join(&root, &cidr)) {
            Ok(handle) => Slot::Making(handle),
            Err(e) => Slot::Failed(format!("start making the Pod network: {e}")),
        }
    }

    /// The network, waiting for it if it is still being made.
    pub fn get(&mut self) -> Result<&mut PodNetwork, String> {
        if let Slot::Making(_) = self {
            let failed = Slot::Failed("making the Pod network failed".into());
            if let Slot::Making(handle) = std::mem::replace(self, failed) {
                match handle.join() {
                    Ok(Ok(network)) => *self = Slot::Ready(network),
                    Ok(Err(e)) => *self = Slot::Failed(e),
                    Err(_) => {}
                }
            }
        }
        match self {
            Slot::Ready(network) => Ok(network),
            Slot::Failed(e) => Err(e.clone()),
            Slot::Making(_) => Err("the Pod network is not made yet".into()),
        }
    }

    /// The network, if it is made.
    pub fn ready(&self) -> Option<&PodNetwork> {
        match self {
            Slot::Ready(network) => Some(network),
            _ => None,
        }
    }
}

pub(super) struct PodNetwork {
    /// The node side's namespace, where the kubelet's probes dial from.
    netns: OwnedFd,
    rtnl: Rtnl,
    bridge: u32,
    base: Ipv4Addr,
    prefix: u8,
    /// The state root (its directory is the lock) and `<root>/.network`.
    root: PathBuf,
    dir: PathBuf,
    /// This runner's leases, by sandbox id.
    in_use: std::collections::BTreeMap<String, Ipv4Addr>,
}

impl PodNetwork {
    /// Joins the node network of the state root `root`, making it (the
    /// bridge for a node whose pod CIDR is `pod_cidr`) if no runner has.
    pub fn join(root: &Path, pod_cidr: &str) -> Result<PodNetwork, String> {
        let (base, prefix) = parse_cidr(pod_cidr).ok_or_else(|| format!("invalid pod CIDR {pod_cidr:?}"))?;
        let dir = root.join(DIR);
        let _lock = lock(root)?;
        prune_dead(&dir);
        for sub in ["leases", "runners"] {
            std::fs::create_dir_all(dir.join(sub)).map_err(|e| format!("create {}: {e}", dir.join(sub).display()))?;
        }
        let file = dir.join("netns");
        let gateway = host_address(base, 1);
        let netns = if is_netns(&file) {
            let netns = std::fs::File::open(&file).map_err(|e| format!("open {}: {e}", file.display()))?;
            check_cidr(&dir, pod_cidr)?;
            OwnedFd::from(netns)
        } else {
            make(&file, gateway, prefix).map_err(|e| format!("set up the Pod network: {e}"))?
        };
        let _ = std::fs::write(dir.join("cidr"), pod_cidr);
        let (rtnl, bridge) = in_netns(netns.as_fd(), || {
            let mut rtnl = Rtnl::open()?;
            let bridge = rtnl.link_index(BRIDGE)?;
            Ok((rtnl, bridge))
        })
        .map_err(|e| format!("join the Pod network: {e}"))?;
        let me = dir.join("runners").join(std::process::id().to_string());
        std::fs::write(&me, "").map_err(|e| format!("write {}: {e}", me.display()))?;
        Ok(PodNetwork { netns, rtnl, bridge, base, prefix, root: root.to_path_buf(), dir, in_use: Default::default() })
    }

    /// The namespace the node side of the network lives in.
    pub fn netns(&self) -> BorrowedFd<'_> {
        self.netns.as_fd()
    }

    /// What CNI ADD did for sandbox `sandbox_id`, for the story.
    pub fn attached(&self, sandbox_id: &str) -> podplay_core::trace::CniAttach {
        podplay_core::trace::CniAttach {
            host_veth: podplay_core::trace::CniAttach::veth_name(sandbox_id),
            prefix: self.prefix,
            gateway: host_address(self.base, 1).to_string(),
        }
    }

    /// Whether `ip` is in the pod CIDR.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & mask(self.prefix) == u32::from(self.base)
    }

    /// CNI ADD for the Pod whose pause process is `pause_pid`: the veth
    /// pair, the Pod's address and its route. Returns the Pod IP.
    pub fn attach(&mut self, pause_pid: u32, sandbox_id: &str) -> Result<Ipv4Addr, String> {
        let ip = self.lease(sandbox_id)?;
        let attached = self.plug(pause_pid, sandbox_id, ip);
        if attached.is_err() {
            self.release(sandbox_id);
        }
        attached.map(|()| ip)
    }

    fn plug(&mut self, pause_pid: u32, sandbox_id: &str, ip: Ipv4Addr) -> Result<(), String> {
        let gateway = host_address(self.base, 1);
        let prefix = self.prefix;
        let pod_netns = std::fs::File::open(format!("/proc/{pause_pid}/ns/net"))
            .map_err(|e| format!("open the network namespace of pause ({pause_pid}): {e}"))?;
        let peer = podplay_core::trace::CniAttach::veth_name(sandbox_id);
        let fail = |e: SysError| format!("plugin type=\"bridge\" failed (add): {e}");
        self.rtnl.add_veth(&peer, POD_INTERFACE, pod_netns.as_raw_fd()).map_err(fail)?;
        let index = self.rtnl.link_index(&peer).map_err(fail)?;
        self.rtnl.set_up(index, Some(self.bridge)).map_err(fail)?;
        in_netns(pod_netns.as_fd(), || {
            let mut rtnl = Rtnl::open()?;
            let eth0 = rtnl.link_index(POD_INTERFACE)?;
            rtnl.add_address(eth0, ip, prefix)?;
            rtnl.set_up(eth0, None)?;
            rtnl.add_default_route(gateway)
        })
        .map_err(fail)
    }

    /// host-local IPAM: the next free address after the last one handed
    /// out, skipping the network, gateway and broadcast addresses and those
    /// leased, written down as `leases/<ip>`.
    fn lease(&mut self, sandbox_id: &str) -> Result<Ipv4Addr, String> {
        let _lock = lock(&self.root)?;
        let leases = self.dir.join("leases");
        let last_file = leases.join("last_reserved_ip");
        let last = std::fs::read_to_string(&last_file).ok().and_then(|t| t.trim().parse::<Ipv4Addr>().ok());
        let last_host = last.map_or(1, |ip| u32::from(ip).wrapping_sub(u32::from(self.base)));
        let highest = (1u32 << (32 - u32::from(self.prefix))) - 2;
        let free = (last_host + 1..=highest)
            .chain(2..=last_host.min(highest))
            .map(|h| host_address(self.base, h))
            .find(|ip| !leases.join(ip.to_string()).exists())
            .ok_or("failed to allocate for range 0: no IP addresses available in range set")?;
        let entry = format!("{sandbox_id}\n{}\n", std::process::id());
        std::fs::write(leases.join(free.to_string()), entry).map_err(|e| format!("write the lease of {free}: {e}"))?;
        let _ = std::fs::write(&last_file, free.to_string());
        self.in_use.insert(sandbox_id.to_string(), free);
        Ok(free)
    }

    /// CNI DEL: the sandbox's address is free again (its veth pair went
    /// with its network namespace).
    pub fn release(&mut self, sandbox_id: &str) {
        if let Some(ip) = self.in_use.remove(sandbox_id) {
            let _lock = lock(&self.root);
            let _ = std::fs::remove_file(self.dir.join("leases").join(ip.to_string()));
        }
    }
}

impl Drop for PodNetwork {
    /// The runner leaves: its leases go, and the network too if no other
    /// runner uses it.
    fn drop(&mut self) {
        let Ok(_lock) = lock(&self.root) else { return };
        for ip in std::mem::take(&mut self.in_use).into_values() {
            let _ = std::fs::remove_file(self.dir.join("leases").join(ip.to_string()));
        }
        let _ = std::fs::remove_file(self.dir.join("runners").join(std::process::id().to_string()));
        prune_dead(&self.dir);
    }
}

/// An exclusive `flock` on the state root directory, released on drop.
fn lock(root: &Path) -> Result<nix::fcntl::Flock<std::fs::File>, String> {
    let dir = std::fs::File::open(root).map_err(|e| format!("open {}: {e}", root.display()))?;
    nix::fcntl::Flock::lock(dir, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, e)| format!("lock {}: {e}", root.display()))
}

// `f_type` is `__fsword_t`, whose width differs between architectures.
#[allow(clippy::unnecessary_cast)]
fn is_netns(file: &Path) -> bool {
    nix::sys::statfs::statfs(file).is_ok_and(|s| s.filesystem_type().0 as i64 == NSFS_MAGIC)
}

/// A new namespace with the bridge at the gateway address, bind-mounted on
/// `file` so that it outlives this runner.
fn make(file: &Path, gateway: Ipv4Addr, prefix: u8) -> Result<OwnedFd, SysError> {
    use crate::sys::Context;
    let netns = new_netns()?;
    in_netns(netns.as_fd(), || {
        crate::sys::net::loopback_up()?;
        let mut rtnl = Rtnl::open()?;
        rtnl.add_bridge(BRIDGE)?;
        let bridge = rtnl.link_index(BRIDGE)?;
        rtnl.add_address(bridge, gateway, prefix)?;
        rtnl.set_up(bridge, None)
    })?;
    std::fs::write(file, "").context(|| format!("create {}", file.display()))?;
    let source = PathBuf::from(format!("/proc/self/fd/{}", netns.as_raw_fd()));
    crate::sys::mount::bind(&source, file, false)?;
    Ok(netns)
}

/// A network made for another pod CIDR is not this node's.
fn check_cidr(dir: &Path, pod_cidr: &str) -> Result<(), String> {
    match std::fs::read_to_string(dir.join("cidr")) {
        Ok(theirs) if theirs.trim() != pod_cidr => {
            Err(format!("the Pod network of this state root is {}, not {pod_cidr}: end its Pods first", theirs.trim()))
        }
        _ => Ok(()),
    }
}

/// Forgets runners that are gone and their leases; with no runner left,
/// removes the network (the caller holds the lock). Returns what it did.
pub(super) fn prune_dead(dir: &Path) -> Vec<String> {
    let mut said = Vec::new();
    let alive = |pid: &str| pid.parse().is_ok_and(crate::sys::process::alive);
    let runners: Vec<String> = std::fs::read_dir(dir.join("runners"))
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    for pid in runners.iter().filter(|p| !alive(p)) {
        let _ = std::fs::remove_file(dir.join("runners").join(pid));
    }
    for lease in std::fs::read_dir(dir.join("leases")).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(lease.path()).unwrap_or_default();
        if text.lines().nth(1).is_some_and(|p| !alive(p)) {
            let _ = std::fs::remove_file(lease.path());
            said.push(format!("released {} (its runner is gone)", lease.file_name().to_string_lossy()));
        }
    }
    if runners.iter().any(|p| alive(p)) {
        return said;
    }
    let file = dir.join("netns");
    if file.exists() {
        let _ = nix::mount::umount2(&file, nix::mount::MntFlags::MNT_DETACH);
        said.push(format!("removed the Pod network {}", file.display()));
    }
    let _ = std::fs::remove_dir_all(dir);
    said
}

/// `podplay gc`: the shared network of the state root `root`, if its
/// runners are all gone.
pub fn collect(root: &Path) -> Vec<String> {
    let dir = root.join(DIR);
    if !dir.exists() {
        return Vec::new();
    }
    match lock(root) {
        Ok(_lock) => prune_dead(&dir),
        Err(e) => vec![format!("error: {e}")],
    }
}

fn parse_cidr(cidr: &str) -> Option<(Ipv4Addr, u8)> {
    let (ip, prefix) = cidr.split_once('/')?;
    let prefix: u8 = prefix.parse().ok().filter(|p| (8..=30).contains(p))?;
    let ip: Ipv4Addr = ip.parse().ok()?;
    // The network's own address, whatever host bits were written.
    Some((Ipv4Addr::from(u32::from(ip) & mask(prefix)), prefix))
}

/// The network mask of a prefix of 8 to 30 bits (`parse_cidr` checks).
fn mask(prefix: u8) -> u32 {
    u32::MAX << (32 - u32::from(prefix))
}

fn host_address(base: Ipv4Addr, host: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(base).wrapping_add(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_arithmetic() {
        let (base, prefix) = parse_cidr("10.244.0.0/24").unwrap();
        assert_eq!((base, prefix), (Ipv4Addr::new(10, 244, 0, 0), 24));
        assert_eq!(host_address(base, 2), Ipv4Addr::new(10, 244, 0, 2));
        assert!(parse_cidr("10.244.0.0").is_none());
        assert!(parse_cidr("10.244.0.0/31").is_none());
        assert_eq!(parse_cidr("10.244.0.7/24").unwrap().0, Ipv4Addr::new(10, 244, 0, 0));
    }
}
