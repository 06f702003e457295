//! The Pod network, as the CNI bridge plugin lays it out on a node: a
//! bridge `cni0` holding the gateway address of the node's pod CIDR
//! (10.244.0.1/24), and for each Pod a veth pair, `eth0` in the Pod's
//! network namespace with the next free address and a default route via the
//! gateway, its peer `veth…` on the bridge.
//!
//! The node side lives in a network namespace of the runner's own, never in
//! the machine's: no Pod address is routed through the machine's interfaces,
//! and closing the one descriptor that holds the namespace (the runner
//! ending, however it ends) takes the bridge and every peer with it.

use std::net::Ipv4Addr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use crate::sys::SysError;
use crate::sys::netlink::Rtnl;
use crate::sys::ns::{in_netns, new_netns};

const BRIDGE: &str = "cni0";
const POD_INTERFACE: &str = "eth0";

/// The Pod network from the node's boot on: made on a thread of its own
/// (a new network namespace can take milliseconds, more while the last
/// run's is still being torn down), so it is ready by the time pause is.
pub(super) enum Slot {
    Making(std::thread::JoinHandle<Result<PodNetwork, String>>),
    Ready(PodNetwork),
    Failed(String),
}

impl Slot {
    pub fn start(pod_cidr: &str) -> Slot {
        let cidr = pod_cidr.to_string();
        match std::thread::Builder::new().name("pod-network".into()).spawn(move || PodNetwork::new(&cidr)) {
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
    next_host: u32,
    /// Addresses held by sandboxes, by sandbox id (host-local IPAM's
    /// reservations), given back with [`PodNetwork::release`].
    in_use: std::collections::BTreeMap<String, u32>,
}

impl PodNetwork {
    /// The bridge for a node whose pod CIDR is `pod_cidr` (`10.244.0.0/24`).
    pub fn new(pod_cidr: &str) -> Result<PodNetwork, String> {
        let (base, prefix) = parse_cidr(pod_cidr).ok_or_else(|| format!("invalid pod CIDR {pod_cidr:?}"))?;
        let netns = new_netns().map_err(|e| e.to_string())?;
        let gateway = host_address(base, 1);
        let (rtnl, bridge) = in_netns(netns.as_fd(), || {
            crate::sys::net::loopback_up()?;
            let mut rtnl = Rtnl::open()?;
            rtnl.add_bridge(BRIDGE)?;
            let bridge = rtnl.link_index(BRIDGE)?;
            rtnl.add_address(bridge, gateway, prefix)?;
            rtnl.set_up(bridge, None)?;
            Ok((rtnl, bridge))
        })
        .map_err(|e| format!("set up the Pod network: {e}"))?;
        Ok(PodNetwork { netns, rtnl, bridge, base, prefix, next_host: 2, in_use: Default::default() })
    }

    /// The namespace the node side of the network lives in.
    pub fn netns(&self) -> BorrowedFd<'_> {
        self.netns.as_fd()
    }

    /// Whether `ip` is in the pod CIDR.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & mask(self.prefix) == u32::from(self.base)
    }

    /// CNI ADD for the Pod whose pause process is `pause_pid`: the veth
    /// pair, the Pod's address and its route. Returns the Pod IP.
    pub fn attach(&mut self, pause_pid: u32, sandbox_id: &str) -> Result<Ipv4Addr, String> {
        let host = self.free_host().ok_or("failed to allocate for range 0: no IP addresses available in range set")?;
        let ip = host_address(self.base, host);
        let gateway = host_address(self.base, 1);
        let prefix = self.prefix;
        let pod_netns = std::fs::File::open(format!("/proc/{pause_pid}/ns/net"))
            .map_err(|e| format!("open the network namespace of pause ({pause_pid}): {e}"))?;
        let peer = format!("veth{}", sandbox_id.get(..8).unwrap_or(sandbox_id));
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
        .map_err(fail)?;
        self.in_use.insert(sandbox_id.to_string(), host);
        self.next_host = host + 1;
        Ok(ip)
    }

    /// CNI DEL: the sandbox's address is free again (its veth pair went
    /// with its network namespace).
    pub fn release(&mut self, sandbox_id: &str) {
        self.in_use.remove(sandbox_id);
    }

    /// host-local IPAM hands addresses out in turn from the last one given,
    /// skipping the network, gateway and broadcast addresses and those in
    /// use.
    fn free_host(&self) -> Option<u32> {
        let last = (1u32 << (32 - u32::from(self.prefix))) - 2;
        let taken = |h: &u32| self.in_use.values().any(|u| u == h);
        (self.next_host..=last).chain(2..self.next_host).find(|h| (2..=last).contains(h) && !taken(h))
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
