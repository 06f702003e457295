//! The runner's API for `podplay kubectl` from another terminal: a unix
//! socket in the run's state directory (mode 0600: root only), one JSON
//! request per connection and one JSON answer, as kubectl talks to the API
//! server. An exec or a delete is answered when it is done.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsFd, BorrowedFd};
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
    Deleted,
    Error(String),
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

    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.listener.as_fd()
    }

    /// The next connection with its request, if one is waiting.
    pub(crate) fn accept(&self) -> Option<(UnixStream, Result<Request, String>)> {
        let (stream, _) = self.listener.accept().ok()?;
        let _ = stream.set_nonblocking(false);
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        // A client that stops reading must not stop the runner.
        let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
        let mut line = String::new();
        let request = match stream.try_clone().map(BufReader::new).and_then(|mut r| r.read_line(&mut line)) {
            Ok(_) => serde_json::from_str(&line).map_err(|e| format!("bad request: {e}")),
            Err(e) => Err(format!("read the request: {e}")),
        };
        Some((stream, request))
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
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
