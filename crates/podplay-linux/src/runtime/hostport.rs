//! `hostPort`: a container port reachable on the node's address. The CNI
//! portmap plugin does it with iptables DNAT rules on the node; podplay,
//! whose node address is the machine's loopback and whose Pod network lives
//! in a namespace of its own, does it as docker-proxy does: a listener on
//! `<node address>:<hostPort>` that carries each connection, from the node
//! side of the Pod network, to `<Pod IP>:<containerPort>`. TCP only.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::sys::Context;

/// One forwarded port; closed when dropped.
pub(super) struct HostPort {
    listening: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl HostPort {
    /// Listens on `node:host_port` and forwards to `pod:container_port`,
    /// dialling from the namespace `netns`.
    pub fn open(node: Ipv4Addr, host_port: u16, pod: SocketAddrV4, netns: OwnedFd) -> Result<HostPort, String> {
        let listening = SocketAddr::V4(SocketAddrV4::new(node, host_port));
        let listener = TcpListener::bind(listening)
            .context(|| format!("plugin type=\"portmap\" failed (add): listen tcp {listening}: bind"))
            .map_err(|e| e.to_string())?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let netns = Arc::new(netns);
        std::thread::Builder::new()
            .name(format!("hostport-{host_port}"))
            .spawn(move || {
                for client in listener.incoming() {
                    if stopped.load(Ordering::Relaxed) {
                        break;
                    }
                    if let Ok(client) = client {
                        let netns = netns.clone();
                        std::thread::spawn(move || forward(client, pod, &netns));
                    }
                }
            })
            .map_err(|e| format!("start the hostPort {host_port} forwarder: {e}"))?;
        Ok(HostPort { listening, stop })
    }
}

impl Drop for HostPort {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wakes the accept so that the listener closes now.
        let _ = TcpStream::connect_timeout(&self.listening, std::time::Duration::from_millis(100));
    }
}

/// One connection: dialled from the Pod network's node side, then bytes
/// both ways until either end closes.
fn forward(client: TcpStream, pod: SocketAddrV4, netns: &OwnedFd) {
    let Ok(ns) = netns.try_clone() else { return };
    // This thread is the connection's own: it may change namespace.
    if nix::sched::setns(ns, nix::sched::CloneFlags::CLONE_NEWNET).is_err() {
        return;
    }
    let Ok(server) = TcpStream::connect_timeout(&SocketAddr::V4(pod), std::time::Duration::from_secs(5)) else {
        return;
    };
    let (Ok(client_in), Ok(server_out)) = (client.try_clone(), server.try_clone()) else { return };
    let upstream = std::thread::spawn(move || copy(client_in, server_out));
    copy(server, client);
    let _ = upstream.join();
}

fn copy(mut from: TcpStream, mut to: TcpStream) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}
