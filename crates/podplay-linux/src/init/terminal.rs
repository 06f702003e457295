//! `kubectl exec -t`: the command's terminal, made as runc makes a
//! container's console. The process opens a new pseudo-terminal in the
//! container's own `/dev/pts`, takes the slave side as its stdin, stdout,
//! stderr and controlling terminal, and sends the master side to the
//! runtime over the console socket (runc's `--console-socket`), before it
//! execs. So `tty` in the container names `/dev/pts/0`, as on a cluster.

use std::io::IoSlice;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use nix::fcntl::OFlag;
use nix::pty::{PtyMaster, grantpt, posix_openpt, ptsname_r, unlockpt};
use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};

use super::spec::TerminalSize;

/// Makes the terminal, sends its master side to the runtime and puts the
/// slave side on descriptors 0–2. Called in the container's namespaces.
pub fn take_new(size: TerminalSize, uid: u32) -> Result<(), String> {
    let fail = |what: &str, e: nix::errno::Errno| format!("{what}: {}", e.desc().to_lowercase());
    let master: PtyMaster =
        posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC).map_err(|e| fail("open /dev/ptmx", e))?;
    grantpt(&master).map_err(|e| fail("grantpt", e))?;
    unlockpt(&master).map_err(|e| fail("unlockpt", e))?;
    let name = ptsname_r(&master).map_err(|e| fail("ptsname", e))?;
    let slave = nix::fcntl::open(name.as_str(), OFlag::O_RDWR | OFlag::O_NOCTTY, nix::sys::stat::Mode::empty())
        .map_err(|e| fail(&format!("open {name}"), e))?;
    // SAFETY: `open` returned a new descriptor this function owns.
    let slave = unsafe { OwnedFd::from_raw_fd(slave) };
    // The user the command runs as owns its terminal, as runc's console.
    let _ = nix::unistd::fchown(slave.as_raw_fd(), Some(nix::unistd::Uid::from_raw(uid)), None);
    let window = libc::winsize { ws_row: size.rows, ws_col: size.cols, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCSWINSZ reads a winsize.
    unsafe { libc::ioctl(slave.as_raw_fd(), libc::TIOCSWINSZ, &window) };
    nix::unistd::setsid().map_err(|e| fail("setsid", e))?;
    // SAFETY: TIOCSCTTY takes an int; 0 = do not steal another session's.
    if unsafe { libc::ioctl(slave.as_raw_fd(), libc::TIOCSCTTY, 0) } < 0 {
        return Err(fail("make the terminal the controlling one", nix::errno::Errno::last()));
    }
    for fd in 0..=2 {
        nix::unistd::dup2(slave.as_raw_fd(), fd).map_err(|e| fail("dup2 the terminal", e))?;
    }
    let fds = [master.as_raw_fd()];
    let message = [IoSlice::new(b"t")];
    sendmsg::<()>(size.console_fd, &message, &[ControlMessage::ScmRights(&fds)], MsgFlags::empty(), None)
        .map_err(|e| fail("send the terminal to the runtime", e))?;
    Ok(())
}
