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
            if libc::dup2(raw, STATUS_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = command.spawn().map_err(|e| format!("start {}: {e}", helper.display()))?;
    drop(command);
    drop(status_write);
    let mut text = String::new();
    let read = std::fs::File::from(status_read).read_to_string(&mut text);
    // The helper is reaped with the runtime's other children.
    let helper_pid = child.id();
    read.map_err(|e| format!("read the helper's status: {e}"))?;
    let pid = parse_status(&text)?;
    Ok(Spawned { pid, helper: helper_pid })
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
