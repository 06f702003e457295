//! `podplay kubectl exec -i/-t`: the command runs in the container on this
//! terminal's own descriptors, passed to the runner over its socket.
//!
//! With `-t` the command makes a terminal in the container (as runc makes a
//! console) and the runner hands its master side back here; this side puts
//! the user's terminal in raw mode, relays keys and output until the runner
//! says the command ended, and restores the terminal on every way out, as
//! kubectl's terminal handling does. Without `-t`, stdin, stdout and stderr
//! are handed over as they are.

use std::io::{IsTerminal, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::Path;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::pty::Winsize;
use nix::sys::termios::{SetArg, Termios, cfmakeraw, tcgetattr, tcsetattr};
use podplay_linux::api::{self, Request, Response};
use podplay_linux::init::spec::TerminalSize;

/// Runs `command` attached and returns its exit code.
pub fn attach(socket: &Path, container: String, command: Vec<String>, stdin: bool, tty: bool) -> Result<i32, String> {
    let tty = tty && std::io::stdin().is_terminal();
    let response = if tty {
        let size = window_size();
        let terminal = Some(TerminalSize { rows: size.ws_row, cols: size.ws_col, console_fd: -1 });
        let request = Request::Attach { container, command, terminal };
        let _raw = RawMode::enter()?;
        api::call_with_fds(socket, &request, &[], &mut |master, answer| relay(&master, answer, stdin))?
    } else {
        let request = Request::Attach { container, command, terminal: None };
        let input: OwnedFd = if stdin {
            std::io::stdin().as_fd().try_clone_to_owned().map_err(|e| format!("dup stdin: {e}"))?
        } else {
            std::fs::File::open("/dev/null").map_err(|e| format!("open /dev/null: {e}"))?.into()
        };
        let (out, err) = (std::io::stdout(), std::io::stderr());
        api::call_with_fds(socket, &request, &[input.as_fd(), out.as_fd(), err.as_fd()], &mut |_, _| {})?
    };
    match response {
        Response::Exec { exit_code, .. } => Ok(exit_code),
        Response::Error(message) => Err(message),
        other => Err(format!("unexpected answer from the runner: {other:?}")),
    }
}

/// The user's terminal in raw mode for as long as this lives.
struct RawMode {
    saved: Termios,
}

impl RawMode {
    fn enter() -> Result<RawMode, String> {
        let stdin = std::io::stdin();
        let saved = tcgetattr(stdin.as_fd()).map_err(|e| format!("read the terminal's mode: {e}"))?;
        let mut raw = saved.clone();
        cfmakeraw(&mut raw);
        tcsetattr(stdin.as_fd(), SetArg::TCSANOW, &raw).map_err(|e| format!("set the terminal raw: {e}"))?;
        Ok(RawMode { saved })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = tcsetattr(std::io::stdin().as_fd(), SetArg::TCSANOW, &self.saved);
    }
}

fn window_size() -> Winsize {
    let mut size = Winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCGWINSZ writes a winsize into `size`.
    unsafe { libc::ioctl(std::io::stdin().as_raw_fd(), libc::TIOCGWINSZ, &mut size) };
    size
}

/// Copies keys to the container's terminal and its output to stdout until
/// the answer comes, passing on changes of the window's size.
fn relay(master: &OwnedFd, answer: BorrowedFd<'_>, stdin: bool) {
    let mut buf = [0u8; 4096];
    let mut input_open = stdin;
    let keyboard = std::io::stdin();
    let mut size = window_size();
    loop {
        let mut fds = vec![PollFd::new(answer, PollFlags::POLLIN), PollFd::new(master.as_fd(), PollFlags::POLLIN)];
        if input_open {
            fds.push(PollFd::new(keyboard.as_fd(), PollFlags::POLLIN));
        }
        let _ = poll(&mut fds, PollTimeout::from(250u16));
        let ready = |i: usize| fds.get(i).and_then(|f| f.revents()).is_some_and(|r| !r.is_empty());
        let (answered, output, keys) = (ready(0), ready(1), ready(2));
        if output && copy_output(master, &mut buf).is_err() && !answered {
            // The command's side closed (it ended): the answer follows.
            let mut fds = [PollFd::new(answer, PollFlags::POLLIN)];
            let _ = poll(&mut fds, PollTimeout::from(5000u16));
            return;
        }
        if keys {
            match keyboard.lock().read(&mut buf) {
                Ok(0) | Err(_) => input_open = false,
                Ok(n) => {
                    let _ = nix::unistd::write(master, &buf[..n]);
                }
            }
        }
        if answered {
            // What the command wrote last is still in the terminal.
            let _ = nix::fcntl::fcntl(master.as_raw_fd(), nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK));
            while copy_output(master, &mut buf).is_ok_and(|n| n > 0) {}
            return;
        }
        let now = window_size();
        if (now.ws_row, now.ws_col) != (size.ws_row, size.ws_col) {
            size = now;
            // SAFETY: TIOCSWINSZ reads a winsize.
            unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &now) };
        }
    }
}

fn copy_output(master: &OwnedFd, buf: &mut [u8]) -> Result<usize, ()> {
    match nix::unistd::read(master.as_raw_fd(), buf) {
        Ok(0) => Err(()),
        Ok(n) => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(&buf[..n]).and_then(|()| out.flush());
            Ok(n)
        }
        Err(nix::errno::Errno::EAGAIN) => Ok(0),
        Err(_) => Err(()),
    }
}
