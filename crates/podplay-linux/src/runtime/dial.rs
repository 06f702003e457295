//! The kubelet's own network calls: httpGet and tcpSocket probes and httpGet
//! hooks. Each is made on a thread of its own (a connect may take until its
//! timeout), from the node side of the Pod network for a Pod address and
//! from the runner's namespace for loopback; a finished call wakes the
//! runner's wait through a socket pair.
//!
//! The runner dials nothing else: a probe aimed at another address fails
//! with a message saying so, and no packet leaves for it.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

use podplay_core::cri::{CallId, CriReply};
use podplay_core::time::MonoDuration;

/// What to ask once connected.
pub(super) enum Ask {
    /// A bare connect (tcpSocket).
    Connect,
    /// `GET path`, answered with the status code.
    HttpGet { path: String },
}

/// Where a call goes: the address, and the host as the probe names it.
pub(super) struct Target {
    pub ip: IpAddr,
    pub host: String,
    pub port: u16,
}

pub(super) struct Dialer {
    results: Receiver<(CallId, CriReply)>,
    sender: Sender<(CallId, CriReply)>,
    wake_read: UnixStream,
    wake_write: UnixStream,
}

impl Dialer {
    pub fn new() -> std::io::Result<Dialer> {
        let (wake_read, wake_write) = UnixStream::pair()?;
        wake_read.set_nonblocking(true)?;
        let (sender, results) = channel();
        Ok(Dialer { results, sender, wake_read, wake_write })
    }

    /// Readable when a call has finished.
    pub fn wake_fd(&self) -> BorrowedFd<'_> {
        self.wake_read.as_fd()
    }

    /// The calls that finished since the last time.
    pub fn finished(&mut self) -> Vec<(CallId, CriReply)> {
        let mut drain = [0u8; 64];
        while matches!(self.wake_read.read(&mut drain), Ok(n) if n > 0) {}
        self.results.try_iter().collect()
    }

    /// Runs `work` on a thread of its own (an image pull); its reply comes
    /// back as a dialled call's does.
    pub fn background(&self, call: CallId, work: impl FnOnce() -> CriReply + Send + 'static) {
        let sender = self.sender.clone();
        let wake = self.wake_write.try_clone();
        std::thread::spawn(move || {
            let _ = sender.send((call, work()));
            if let Ok(mut wake) = wake {
                let _ = wake.write_all(&[1]);
            }
        });
    }

    /// Starts a call to `host:port`; `netns` is where to dial from (`None`:
    /// the runner's own namespace).
    pub fn dial(&self, call: CallId, target: Target, ask: Ask, timeout: MonoDuration, netns: Option<OwnedFd>) {
        let Target { ip, host, port } = target;
        let timeout = Duration::from_millis(timeout.0.max(1));
        // The thread is the call's own: it may change namespace.
        self.background(call, move || {
            match netns.map(|ns| nix::sched::setns(ns, nix::sched::CloneFlags::CLONE_NEWNET)) {
                Some(Err(e)) => CriReply::Error { message: format!("dial tcp {host}:{port}: setns: {e}") },
                _ => dial_now(SocketAddr::new(ip, port), &host, ask, timeout),
            }
        });
    }
}

/// Where a kubelet call may go: an address of the Pod network (dialled
/// from its node side) or loopback (from the runner's own namespace).
pub(super) fn resolve(host: &str) -> Option<IpAddr> {
    if host == "localhost" {
        return Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    host.parse().ok()
}

fn dial_now(address: SocketAddr, host: &str, ask: Ask, timeout: Duration) -> CriReply {
    // One deadline for the whole call, as Go's client timeout is.
    let deadline = std::time::Instant::now() + timeout;
    let port = address.port();
    let mut stream = match TcpStream::connect_timeout(&address, timeout) {
        Ok(stream) => stream,
        Err(e) => {
            let why = connect_error(&e);
            let message = match &ask {
                Ask::Connect => format!("dial tcp {host}:{port}: {why}"),
                Ask::HttpGet { path } => format!("Get \"http://{host}:{port}{path}\": dial tcp {host}:{port}: {why}"),
            };
            return CriReply::Error { message };
        }
    };
    let Ask::HttpGet { path } = ask else {
        return CriReply::Connected;
    };
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: kube-probe/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        kube_probe_version()
    );
    let url = format!("http://{host}:{port}{path}");
    let _ = stream.set_write_timeout(Some(remaining(deadline)));
    if let Err(e) = stream.write_all(request.as_bytes()) {
        return CriReply::Error { message: format!("Get \"{url}\": write: {e}") };
    }
    match read_status(&mut stream, deadline) {
        Ok(status) => CriReply::Http { status },
        Err(message) => CriReply::Error { message: format!("Get \"{url}\": {message}") },
    }
}

/// Time left until `deadline`, at least a millisecond (zero means none).
fn remaining(deadline: std::time::Instant) -> Duration {
    deadline.saturating_duration_since(std::time::Instant::now()).max(Duration::from_millis(1))
}

/// The status code of the response's first line, read by `deadline`.
fn read_status(stream: &mut TcpStream, deadline: std::time::Instant) -> Result<u16, String> {
    const TIMED_OUT: &str = "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
    let mut head = Vec::new();
    let mut chunk = [0u8; 512];
    while !head.contains(&b'\n') && head.len() < 8192 {
        if std::time::Instant::now() >= deadline {
            return Err(TIMED_OUT.into());
        }
        let _ = stream.set_read_timeout(Some(remaining(deadline)));
        match stream.read(&mut chunk) {
            Ok(0) => return Err("EOF".into()),
            Ok(n) => head.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                return Err(TIMED_OUT.into());
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("read: {e}")),
        }
    }
    let line = String::from_utf8_lossy(&head);
    let first = line.lines().next().unwrap_or("");
    let status = first.split_whitespace().nth(1).and_then(|s| s.parse().ok());
    status.ok_or_else(|| format!("malformed HTTP response {first:?}"))
}

/// Go's words for a failed connect.
fn connect_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connect: connection refused".into(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => "i/o timeout".into(),
        _ => match e.raw_os_error() {
            Some(libc::EHOSTUNREACH) => "connect: no route to host".into(),
            Some(libc::ENETUNREACH) => "connect: network is unreachable".into(),
            _ => format!("connect: {e}"),
        },
    }
}

/// `kube-probe/<major>.<minor>`, the kubelet's User-Agent for probes.
fn kube_probe_version() -> String {
    let v = podplay_core::cluster::KUBELET_VERSION.trim_start_matches('v');
    v.rsplit_once('.').map_or(v, |(major_minor, _)| major_minor).to_string()
}
