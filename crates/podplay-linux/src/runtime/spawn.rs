//! Starting a re-executed podplay with an [`InitSpec`] and learning the PID
//! of the process it forked, or why setting it up failed.

use std::io::Read;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

use nix::fcntl::OFlag;

use crate::init::spec::{InitSpec, SPEC_ENV, STATUS_FD};

/// Where the started process's output goes.
pub struct Output {
    pub stdout: OwnedFd,
    pub stderr: OwnedFd,
}

/// A started process and the helper that stays its parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spawned {
    /// The process itself (pause, a container's first process, an exec).
    pub pid: u32,
    /// Its parent, the runner's child: its exit status is the process's.
    pub helper: u32,
}

/// Runs `helper` (the podplay binary) with `spec` and waits for the
/// process it forks to exec (or fail).
pub fn spawn(helper: &Path, spec: &InitSpec, output: Option<Output>) -> Result<Spawned, String> {
    let json = serde_json::to_string(spec).map_err(|e| format!("encode the helper's spec: {e}"))?;
    let (status_read, status_write) =
        nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(|e| format!("pipe for the helper's status: {e}"))?;
    let mut command = Command::new(helper);
    command.arg0("podplay-init").env_clear().env(SPEC_ENV, json).stdin(Stdio::null());
    match output {
        Some(out) => command.stdout(Stdio::from(out.stdout)).stderr(Stdio::from(out.stderr)),
        None => command.stdout(Stdio::null()).stderr(Stdio::null()),
    };
    let raw = status_write.as_raw_fd();
    // SAFETY: dup2 is async-signal-safe; it runs between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if raw == STATUS_FD {
                // dup2 onto itself keeps CLOEXEC: clear it instead.
                if libc::fcntl(raw, libc::F_SETFD, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            } else if libc::dup2(raw, STATUS_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = command.spawn().map_err(|e| format!("start {}: {e}", helper.display()))?;
    drop(command);
    drop(status_write);
    // The helper is reaped with the runtime's other children.
    let helper_pid = child.id();
    let text = read_status(status_read, helper_pid)?;
    let pid = parse_status(&text)?;
    Ok(Spawned { pid, helper: helper_pid })
}

/// How long a process may take from fork to exec. Setting up reads files
/// of the container's (its `/etc/passwd`), which a container can make
/// block forever (a FIFO): the runner must not wait with it.
const SETUP_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Reads the status pipe until it closes (the process exec'd or failed),
/// for at most [`SETUP_LIMIT`]; then the helper is told to kill it.
fn read_status(pipe: OwnedFd, helper: u32) -> Result<String, String> {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use std::os::fd::AsFd;
    let deadline = std::time::Instant::now() + SETUP_LIMIT;
    let mut file = std::fs::File::from(pipe);
    let mut text = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            // SIGTERM: the shim SIGKILLs its child and exits.
            crate::sys::process::kill(helper, nix::sys::signal::Signal::SIGTERM);
            return Err(format!("the process did not start within {}s", SETUP_LIMIT.as_secs()));
        }
        let timeout = PollTimeout::try_from(left.as_millis().min(1000) as i32).unwrap_or(PollTimeout::MAX);
        let mut fds = [PollFd::new(file.as_fd(), PollFlags::POLLIN)];
        if poll(&mut fds, timeout).unwrap_or(0) == 0 {
            continue;
        }
        let mut chunk = [0u8; 512];
        match file.read(&mut chunk) {
            Ok(0) => return Ok(String::from_utf8_lossy(&text).into_owned()),
            Ok(n) => text.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("read the helper's status: {e}")),
        }
    }
}

/// The helper writes `pid N`, and its child `error …` if it failed before
/// exec.
fn parse_status(text: &str) -> Result<u32, String> {
    let mut pid = None;
    for line in text.lines() {
        if let Some(message) = line.strip_prefix("error ") {
            return Err(message.to_string());
        }
        if let Some(n) = line.strip_prefix("pid ") {
            pid = n.trim().parse::<u32>().ok();
        }
    }
    pid.ok_or_else(|| format!("the podplay helper failed without a message ({text:?})"))
}
