//! The runner's API for `podplay kubectl` from another terminal: a unix
//! socket in the run's state directory (mode 0600: root only), one JSON
//! request per connection and one JSON answer, as kubectl talks to the API
//! server. An exec or a delete is answered when it is done.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use podplay_core::cri::CallId;
use serde::{Deserialize, Serialize};

/// The socket's name in a run's state directory.
pub const SOCKET: &str = "kubectl.sock";

/// What `podplay kubectl` asks.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "verb", rename_all = "lowercase")]
pub enum Request {
    /// The `kubectl get pods` row.
    Get,
    /// The Pod as the API returns it (`-o json`).
    Pod,
    Describe,
    /// The log from byte `offset` on (`-f` asks again from `next`).
    Logs {
        container: String,
        previous: bool,
        offset: usize,
    },
    Exec {
        container: String,
        command: Vec<String>,
    },
    /// `kubectl exec -i/-t`. Without `terminal`, the command runs on the
    /// caller's stdin, stdout and stderr, sent with the request
    /// (SCM_RIGHTS). With it, the command gets a new terminal of that size
    /// in the container, whose master side comes back in a
    /// [`Response::Terminal`] first. Answered with the exit code when the
    /// command ends.
    Attach {
        container: String,
        command: Vec<String>,
        terminal: Option<crate::init::spec::TerminalSize>,
    },
    /// `kubectl top pod`: what each running container uses.
    Top,
    Delete,
}

/// The runner's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Response {
    Row(Row),
    Pod(serde_json::Value),
    Text(String),
    /// Log text, where the next read starts, and whether the container
    /// has ended (nothing more will come).
    Logs {
        text: String,
        next: usize,
        done: bool,
    },
    Exec {
        exit_code: i32,
        output: String,
    },
    /// The master side of an attached command's terminal rides along
    /// (SCM_RIGHTS); the exit code follows when the command ends.
    Terminal,
    Deleted,
    Usage(Vec<ContainerUsage>),
    Error(String),
}

/// A running container's use of its cgroup, as metrics-server reports it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ContainerUsage {
    pub name: String,
    /// CPU over the time since the last `top` (or since the start).
    pub cpu_millicores: u64,
    /// The working set: memory in use less the inactive file cache.
    pub memory_bytes: u64,
}

/// The columns of `kubectl get pods -o wide`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub name: String,
    pub ready: String,
    pub status: String,
    pub restarts: String,
    pub age: String,
    pub ip: String,
    pub node: String,
}

/// A request answered later.
pub(crate) enum Waiting {
    Exec { stream: UnixStream, call: CallId },
    Attach { stream: UnixStream, ticket: u64 },
    Delete { stream: UnixStream },
}

/// The listening socket and the requests still waiting for their answer.
pub struct ApiServer {
    pub(crate) listener: UnixListener,
    path: PathBuf,
    pub(crate) waiting: Vec<Waiting>,
}

impl ApiServer {
    /// Listens at `path`, readable and writable by root only.
    pub fn bind(path: &Path) -> Result<ApiServer, String> {
        let _ = std::fs::remove_file(path);
        // Born 0600: no moment with the umask's mode.
        let old = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o177));
        let bound = UnixListener::bind(path);
        nix::sys::stat::umask(old);
        let listener = bound.map_err(|e| format!("listen on {}: {e}", path.display()))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("chmod 0600 {}: {e}", path.display()))?;
        listener.set_nonblocking(true).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(ApiServer { listener, path: path.to_path_buf(), waiting: Vec::new() })
    }

    /// What the runner's wait watches: the listening socket, and the
    /// connections of attached commands (their clients may hang up).
    pub fn fds(&self) -> Vec<BorrowedFd<'_>> {
        let attached = self.waiting.iter().filter_map(|w| match w {
            Waiting::Attach { stream, .. } => Some(stream.as_fd()),
            _ => None,
        });
        std::iter::once(self.listener.as_fd()).chain(attached).collect()
    }

    /// The next connection with its request and the descriptors sent with
    /// it, if one is waiting.
    pub(crate) fn accept(&self) -> Option<(UnixStream, Result<Request, String>, Vec<OwnedFd>)> {
        let (stream, _) = self.listener.accept().ok()?;
        let _ = stream.set_nonblocking(false);
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        // A client that stops reading must not stop the runner.
        let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
        let (line, fds) = read_line_with_fds(&stream);
        let request = line.and_then(|l| serde_json::from_str(&l).map_err(|e| format!("bad request: {e}")));
        Some((stream, request, fds))
    }
}

/// Reads one request line, keeping the descriptors that came with it.
fn read_line_with_fds(stream: &UnixStream) -> (Result<String, String>, Vec<OwnedFd>) {
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
    let mut bytes = Vec::new();
    let mut fds = Vec::new();
    let mut chunk = [0u8; 4096];
    while !bytes.contains(&b'\n') && bytes.len() < MAX_REQUEST {
        let mut space = nix::cmsg_space!([std::os::fd::RawFd; 3]);
        let mut iov = [std::io::IoSliceMut::new(&mut chunk)];
        let received = recvmsg::<()>(stream.as_raw_fd(), &mut iov, Some(&mut space), MsgFlags::MSG_CMSG_CLOEXEC);
        let msg = match received {
            Ok(msg) => msg,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return (Err(format!("read the request: {e}")), fds),
        };
        if let Ok(cmsgs) = msg.cmsgs() {
            for cmsg in cmsgs {
                if let ControlMessageOwned::ScmRights(raw) = cmsg {
                    // SAFETY: SCM_RIGHTS gave this process these new descriptors.
                    fds.extend(raw.into_iter().map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }));
                }
            }
        }
        let n = msg.bytes;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
    (String::from_utf8(bytes).map_err(|_| "bad request: not UTF-8".to_string()), fds)
}

/// A request is a line of JSON: a longer one is refused.
const MAX_REQUEST: usize = 1 << 20;

impl Drop for ApiServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Writes a first answer with a descriptor (the terminal's master side),
/// keeping the connection for the final one.
pub(crate) fn answer_with_fd(stream: &UnixStream, response: &Response, fd: BorrowedFd<'_>) -> Result<(), String> {
    use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
    let mut text = serde_json::to_string(response).map_err(|e| e.to_string())?;
    text.push('\n');
    let raw = [fd.as_raw_fd()];
    let iov = [std::io::IoSlice::new(text.as_bytes())];
    sendmsg::<()>(stream.as_raw_fd(), &iov, &[ControlMessage::ScmRights(&raw)], MsgFlags::empty(), None)
        .map_err(|e| format!("send the terminal: {e}"))?;
    Ok(())
}

/// Writes the answer and closes the connection; a client that went away
/// is no error.
pub(crate) fn answer(mut stream: UnixStream, response: &Response) {
    let text = serde_json::to_string(response).unwrap_or_else(|_| "{\"error\":\"encode\"}".into());
    let _ = stream.write_all(text.as_bytes()).and_then(|()| stream.write_all(b"\n"));
}

/// Sends a request to a runner's socket and reads its answer (the client's
/// side, for `podplay kubectl`).
pub fn call(socket: &Path, request: &Request) -> Result<Response, String> {
    let mut stream = UnixStream::connect(socket).map_err(|e| format!("connect to {}: {e}", socket.display()))?;
    let mut text = serde_json::to_string(request).map_err(|e| e.to_string())?;
    text.push('\n');
    stream.write_all(text.as_bytes()).map_err(|e| format!("send to {}: {e}", socket.display()))?;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).map_err(|e| format!("read from {}: {e}", socket.display()))?;
    if line.is_empty() {
        return Err("the runner ended before it answered".into());
    }
    serde_json::from_str(&line).map_err(|e| format!("bad answer from the runner: {e}"))
}

/// Sends an attach request with descriptors (`kubectl exec -i/-t`), for
/// [`read_answer`] to wait on: the answer may take as long as the command
/// runs, so the caller polls the returned stream beside what it relays.
pub fn send_attach(socket: &Path, request: &Request, fds: &[BorrowedFd<'_>]) -> Result<UnixStream, String> {
    use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
    let stream = UnixStream::connect(socket).map_err(|e| format!("connect to {}: {e}", socket.display()))?;
    let mut text = serde_json::to_string(request).map_err(|e| e.to_string())?;
    text.push('\n');
    let raw: Vec<std::os::fd::RawFd> = fds.iter().map(|fd| fd.as_raw_fd()).collect();
    let iov = [std::io::IoSlice::new(text.as_bytes())];
    let rights = [ControlMessage::ScmRights(&raw)];
    let sent = sendmsg::<()>(stream.as_raw_fd(), &iov, &rights, MsgFlags::empty(), None)
        .map_err(|e| format!("send to {}: {e}", socket.display()))?;
    if sent != text.len() {
        return Err(format!("send to {}: short write", socket.display()));
    }
    Ok(stream)
}

/// The runner's next answer on an attach stream, with the descriptors that
/// came with it (the terminal's master side with [`Response::Terminal`]).
/// A message carrying descriptors is read on its own (the kernel ends a
/// read there), so no second answer is read along with it.
pub fn read_answer(stream: &UnixStream) -> Result<(Response, Vec<OwnedFd>), String> {
    let (line, fds) = read_line_with_fds(stream);
    let line = line?;
    if line.is_empty() {
        return Err("the runner ended before it answered".into());
    }
    let response = serde_json::from_str(&line).map_err(|e| format!("bad answer from the runner: {e}"))?;
    Ok((response, fds))
}
