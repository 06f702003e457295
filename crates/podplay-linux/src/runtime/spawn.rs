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
    spawn_inner(helper, spec, Stdio::null(), output, None)
}

/// [`spawn`] with `stdin` as the process's standard input.
pub fn spawn_with_stdin(helper: &Path, spec: &InitSpec, stdin: OwnedFd, output: Output) -> Result<Spawned, String> {
    spawn_inner(helper, spec, Stdio::from(stdin), Some(output), None)
}

/// [`spawn`] for a command that makes its own terminal: also returns the
/// terminal's master side, which it sends over a console socket.
pub fn spawn_with_terminal(helper: &Path, spec: &InitSpec) -> Result<(Spawned, OwnedFd), String> {
    use nix::sys::socket::{AddressFamily, SockFlag, SockType, socketpair};
    let (ours, theirs) = socketpair(AddressFamily::Unix, SockType::SeqPacket, None, SockFlag::SOCK_CLOEXEC)
        .map_err(|e| format!("console socket: {e}"))?;
    // Its own number, at least 10: never the status pipe's 3, never the
    // sealed binary's descriptor the helper is exec'd from.
    let raw = nix::fcntl::fcntl(theirs.as_raw_fd(), nix::fcntl::FcntlArg::F_DUPFD_CLOEXEC(10))
        .map_err(|e| format!("console socket: {e}"))?;
    // SAFETY: F_DUPFD_CLOEXEC made this descriptor; nothing else owns it.
    let theirs = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(raw) };
    let mut spec = spec.clone();
    if let crate::init::spec::Role::Exec(command) = &mut spec.role {
        if let Some(terminal) = &mut command.tty {
            terminal.console_fd = theirs.as_raw_fd();
        }
    }
    let spawned = spawn_inner(helper, &spec, Stdio::null(), None, Some(theirs))?;
    // The process sent the terminal before it exec'd: it is there now.
    let master = receive_fd(&ours).ok_or("the process sent no terminal")?;
    Ok((spawned, master))
}

fn receive_fd(socket: &OwnedFd) -> Option<OwnedFd> {
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
    use std::os::fd::FromRawFd;
    let mut byte = [0u8; 1];
    let mut iov = [std::io::IoSliceMut::new(&mut byte)];
    let mut space = nix::cmsg_space!([std::os::fd::RawFd; 1]);
    let flags = MsgFlags::MSG_CMSG_CLOEXEC | MsgFlags::MSG_DONTWAIT;
    let msg = recvmsg::<()>(socket.as_raw_fd(), &mut iov, Some(&mut space), flags).ok()?;
    let mut fds = msg.cmsgs().ok()?.filter_map(|c| match c {
        ControlMessageOwned::ScmRights(fds) => Some(fds),
        _ => None,
    });
    // SAFETY: SCM_RIGHTS gave this process a new descriptor.
    fds.next()?.first().map(|fd| unsafe { OwnedFd::from_raw_fd(*fd) })
}

fn spawn_inner(
    helper: &Path,
    spec: &InitSpec,
    stdin: Stdio,
    output: Option<Output>,
    console: Option<OwnedFd>,
) -> Result<Spawned, String> {
    let json = serde_json::to_string(spec).map_err(|e| format!("encode the helper's spec: {e}"))?;
    let (status_read, status_write) =
        nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(|e| format!("pipe for the helper's status: {e}"))?;
    let mut command = Command::new(helper);
    command.arg0("podplay-init").env_clear().env(SPEC_ENV, json).stdin(stdin);
    match output {
        Some(out) => command.stdout(Stdio::from(out.stdout)).stderr(Stdio::from(out.stderr)),
        None => command.stdout(Stdio::null()).stderr(Stdio::null()),
    };
    let status_raw = status_write.as_raw_fd();
    let console_raw = console.as_ref().map(|fd| fd.as_raw_fd());
    // SAFETY: fcntl and dup2 are async-signal-safe; they run between fork
    // and exec. The status pipe is first copied above 10 (the console
    // socket is there already, at another number), so placing it on 3
    // cannot overwrite the console; dup2 leaves the copy without CLOEXEC.
    unsafe {
        command.pre_exec(move || {
            let high = |fd: i32| {
                let copy = libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 10);
                if copy < 0 { Err(std::io::Error::last_os_error()) } else { Ok(copy) }
            };
            let status = high(status_raw)?;
            if libc::dup2(status, STATUS_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The console socket stays at its number, open across exec.
            if let Some(console) = console_raw {
                if libc::fcntl(console, libc::F_SETFD, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let child = command.spawn().map_err(|e| format!("start {}: {e}", helper.display()))?;
    drop(command);
    drop(status_write);
    drop(console);
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
