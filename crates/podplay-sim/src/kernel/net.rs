//! Network namespaces, listening sockets and connections.
//!
//! Connections carry one request and one response (enough for HTTP/1.0
//! style exchanges: wget, probes, a log shipper posting lines): the client
//! writes its request, the server accepts, reads it and answers.

use litemap::LiteMap;
use std::collections::VecDeque;

use super::{NsId, Pid};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    pub ip: String,
    pub mac: String,
}

#[derive(Clone, Debug, Default)]
pub(super) struct NetNs {
    pub(super) interfaces: Vec<Interface>,
    /// Port → the listening process and its accept queue.
    pub(super) listeners: LiteMap<u16, Listener>,
}

impl NetNs {
    /// The next connection waiting on any port `pid` listens on.
    pub(super) fn pop_connection_for(&mut self, pid: Pid) -> Option<u64> {
        self.listeners.iter_mut().map(|(_, l)| l).filter(|l| l.pid == pid).find_map(|l| l.queue.pop_front())
    }
}

#[derive(Clone, Debug)]
pub(super) struct Listener {
    pub(super) pid: Pid,
    pub(super) queue: VecDeque<u64>,
}

#[derive(Clone, Debug)]
pub(super) struct Conn {
    pub(super) client: Pid,
    pub(super) server: Pid,
    pub(super) client_ns: NsId,
    pub(super) to_ip: String,
    pub(super) port: u16,
    pub(super) request: Vec<u8>,
    pub(super) response: Vec<u8>,
    pub(super) response_done: bool,
}

/// Network state of the whole node (and the outside world).
#[derive(Clone, Debug, Default)]
pub(super) struct Network {
    pub(super) namespaces: LiteMap<NsId, NetNs>,
    pub(super) conns: LiteMap<u64, Conn>,
    pub(super) next_conn: u64,
    /// Names the cluster DNS answers (service names of the outside store…).
    pub(super) dns: LiteMap<String, String>,
}

impl Network {
    /// The namespace that owns `ip`, seen from `from` (loopback stays home).
    pub(super) fn namespace_of(&self, from: NsId, ip: &str) -> Option<NsId> {
        if ip.starts_with("127.") || ip == "localhost" || ip == "::1" {
            return Some(from);
        }
        self.namespaces.iter().find(|(_, ns)| ns.interfaces.iter().any(|i| i.ip == ip)).map(|(id, _)| *id)
    }

    /// Resolves a host name the way the Pod's resolver would: an IP stays
    /// itself; `localhost`; names in the cluster DNS table (also with the
    /// search suffixes `.svc`, `.svc.cluster.local`, …).
    pub(super) fn resolve(&self, host: &str) -> Option<String> {
        if host == "localhost" {
            return Some("127.0.0.1".into());
        }
        if host.parse::<std::net::IpAddr>().is_ok() {
            return Some(host.to_string());
        }
        let trimmed = host.trim_end_matches('.');
        for candidate in [
            trimmed.to_string(),
            trimmed.trim_end_matches(".cluster.local").to_string(),
            trimmed.trim_end_matches(".svc.cluster.local").to_string(),
            trimmed.trim_end_matches(".svc").to_string(),
        ] {
            if let Some(ip) = self.dns.get(&candidate) {
                return Some(ip.clone());
            }
        }
        None
    }
}

/// A loopback and an `eth0` at `ip`: a Pod's or host's network interfaces.
pub(super) fn loopback_and_eth0(ip: &str) -> Vec<Interface> {
    vec![
        Interface { name: "lo".into(), ip: "127.0.0.1".into(), mac: "00:00:00:00:00:00".into() },
        Interface { name: "eth0".into(), ip: ip.into(), mac: mac_for(ip) },
    ]
}

/// A stable MAC address for an IP (`02:42:` + the IP's bytes), as the
/// simulator's CNI hands them out.
fn mac_for(ip: &str) -> String {
    let bytes: Vec<u8> = ip.split('.').filter_map(|p| p.parse().ok()).collect();
    let b = |i: usize| bytes.get(i).copied().unwrap_or(0);
    format!("02:42:{:02x}:{:02x}:{:02x}:{:02x}", b(0), b(1), b(2), b(3))
}
