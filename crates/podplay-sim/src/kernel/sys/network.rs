//! Sockets: listen, accept, connect, request and response; names and
//! interfaces; the outside log store's receiving end.

use std::collections::VecDeque;

use super::{Sys, poll_fn_state};
use crate::kernel::errno::Errno;
use crate::kernel::events::KernelEvent;
use crate::kernel::net::{Conn, Interface, Listener};
use crate::kernel::{Owner, Pid};

impl Sys {
    pub fn listen(&self, port: u16) -> Result<(), Errno> {
        let pid = self.pid;
        let owner = self.owner();
        self.with(|s| {
            let ns = s.procs.get(&pid).ok_or(Errno::NoSuchProcess)?.ns.net;
            let netns = s.net.namespaces.get_mut(&ns).ok_or(Errno::HostUnreach)?;
            if netns.listeners.get(&port).is_some_and(|l| l.pid != pid) {
                return Err(Errno::Exist);
            }
            netns.listeners.insert(port, Listener { pid, queue: VecDeque::new() });
            s.events.push(KernelEvent::Listening { pid, owner, port });
            s.bump();
            Ok(())
        })
    }

    /// Waits for a connection on any port this process listens on.
    pub async fn accept(&self) -> u64 {
        let pid = self.pid;
        poll_fn_state(self, move |s| {
            let ns = s.procs.get(&pid)?.ns.net;
            let netns = s.net.namespaces.get_mut(&ns)?;
            let conn = netns.pop_connection_for(pid)?;
            s.bump();
            Some(conn)
        })
        .await
    }

    /// Waits for a connection or a caught signal, whichever comes first.
    pub async fn accept_or_signal(&self) -> Result<u64, i32> {
        let pid = self.pid;
        poll_fn_state(self, move |s| {
            let p = s.procs.get_mut(&pid)?;
            if let Some(sig) = p.pending.pop_front() {
                return Some(Err(sig));
            }
            let ns = p.ns.net;
            let netns = s.net.namespaces.get_mut(&ns)?;
            let conn = netns.pop_connection_for(pid)?;
            s.bump();
            Some(Ok(conn))
        })
        .await
    }

    /// The client's address on a connection, as the server sees it.
    pub fn peer_ip(&self, conn: u64) -> String {
        let s = self.state.borrow();
        let Some(c) = s.net.conns.get(&conn) else {
            return String::new();
        };
        if c.to_ip.starts_with("127.") {
            return "127.0.0.1".into();
        }
        s.net
            .namespaces
            .get(&c.client_ns)
            .and_then(|n| n.interfaces.iter().find(|i| i.name != "lo"))
            .map(|i| i.ip.clone())
            .unwrap_or_default()
    }

    /// Connects to `host:port` and sends `request`; returns the connection.
    pub fn connect(&self, host: &str, port: u16, request: Vec<u8>) -> Result<u64, Errno> {
        let pid = self.pid;
        let client = self.owner();
        self.with(|s| {
            let from = s.procs.get(&pid).ok_or(Errno::NoSuchProcess)?.ns.net;
            let ip = s.net.resolve(host).ok_or(Errno::HostUnreach)?;
            let target = s.net.namespace_of(from, &ip).ok_or(Errno::HostUnreach)?;
            let listener = s
                .net
                .namespaces
                .get(&target)
                .and_then(|n| n.listeners.get(&port))
                .map(|l| l.pid)
                .ok_or(Errno::ConnRefused)?;
            let id = s.net.next_conn;
            s.net.next_conn += 1;
            s.net.conns.insert(
                id,
                Conn {
                    client: pid,
                    server: listener,
                    client_ns: from,
                    to_ip: ip.clone(),
                    port,
                    request,
                    response: Vec::new(),
                    response_done: false,
                },
            );
            if let Some(l) = s.net.namespaces.get_mut(&target).and_then(|n| n.listeners.get_mut(&port)) {
                l.queue.push_back(id);
            }
            let server = s.procs.get(&listener).map_or(Owner::Node, |p| p.owner.clone());
            s.events.push(KernelEvent::Connected { from: client, to: server, ip, port, same_netns: from == target });
            s.bump();
            Ok(id)
        })
    }

    /// The request a client sent on a connection.
    pub fn request(&self, conn: u64) -> Vec<u8> {
        self.with(|s| s.net.conns.get(&conn).map(|c| c.request.clone()).unwrap_or_default())
    }

    /// Answers a connection and closes it.
    pub fn respond(&self, conn: u64, response: Vec<u8>, summary: &str) {
        self.with(|s| {
            if let Some(c) = s.net.conns.get_mut(&conn) {
                c.response = response;
                c.response_done = true;
                let from = s.procs.get(&c.client).map_or(Owner::Node, |p| p.owner.clone());
                let to = s.procs.get(&c.server).map_or(Owner::Node, |p| p.owner.clone());
                let port = c.port;
                let client_gone = !s.procs.contains_key(&c.client);
                s.events.push(KernelEvent::Responded { from, to, port, summary: summary.to_string() });
                if client_gone {
                    s.net.conns.remove(&conn);
                }
            }
            s.bump();
        });
    }

    /// Waits for the answer on a connection (`None` if the server went away).
    pub async fn response(&self, conn: u64) -> Option<Vec<u8>> {
        poll_fn_state(self, move |s| {
            let c = s.net.conns.get(&conn)?;
            if c.response_done {
                let data = c.response.clone();
                s.net.conns.remove(&conn);
                return Some(Some(data));
            }
            if !s.procs.contains_key(&c.server) {
                s.net.conns.remove(&conn);
                return Some(None);
            }
            None
        })
        .await
    }

    /// A name as the Pod's resolver answers it (`None`: NXDOMAIN).
    pub fn resolve_name(&self, name: &str) -> Option<String> {
        self.state.borrow().net.resolve(name)
    }

    /// The interfaces of this process's network namespace.
    pub fn interfaces(&self) -> Vec<Interface> {
        let s = self.state.borrow();
        s.procs
            .get(&self.pid)
            .and_then(|p| s.net.namespaces.get(&p.ns.net))
            .map(|n| n.interfaces.clone())
            .unwrap_or_default()
    }

    /// Listening ports of this process's network namespace (for netstat).
    pub fn listening_ports(&self) -> Vec<(u16, Pid)> {
        let s = self.state.borrow();
        let Some(p) = s.procs.get(&self.pid) else {
            return Vec::new();
        };
        let ns = p.ns.pid;
        s.net
            .namespaces
            .get(&p.ns.net)
            .map(|n| n.listeners.iter().map(|(port, l)| (*port, s.pid_in(l.pid, ns).unwrap_or(0))).collect())
            .unwrap_or_default()
    }

    /// The outside log store keeps a document it received (see
    /// [`limits::STORE_BYTES`](crate::kernel::limits::STORE_BYTES)).
    pub fn store_document(&self, doc: String) {
        self.with(|s| s.store_document(doc));
    }
}
