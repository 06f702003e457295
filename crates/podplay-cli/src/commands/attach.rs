//! `podplay kubectl exec -i/-t`: the command runs in the container on this
//! terminal's own descriptors, passed to the runner over its socket.
//!
//! With `-t` the command makes a terminal in the container (as runc makes a
//! console) and the runner hands its master side back here; this side puts
//! the user's terminal in raw mode, relays keys and output until the runner
//! says the command ended, and restores the terminal on every way out, as
//! kubectl's terminal handling does. Without `-t`, the command's stdin,
//! stdout and stderr are pipes this side relays, as kubectl streams them.

use std::io::{IsTerminal, Write};
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
        let stream = api::send_attach(socket, &request, &[])?;
        let (first, mut fds) = api::read_answer(&stream)?;
        let (Response::Terminal, Some(master)) = (&first, fds.pop()) else {
            return answered(first);
        };
        relay_terminal(&master, stream.as_fd(), stdin);
        api::read_answer(&stream)?.0
    } else {
        // Pipes of this side's own, never this terminal itself: the command
        // cannot read the user's keys once this client is gone.
        let (input, to_input) = pipe()?;
        let (from_output, output) = pipe()?;
        let (from_errors, errors) = pipe()?;
        let request = Request::Attach { container, command, terminal: None };
        let stream = api::send_attach(socket, &request, &[input.as_fd(), output.as_fd(), errors.as_fd()])?;
        drop((input, output, errors));
        let to_input = stdin.then_some(to_input);
        relay_pipes(to_input, from_output, from_errors, stream.as_fd());
        api::read_answer(&stream)?.0
    };
    answered(response)
}

fn answered(response: Response) -> Result<i32, String> {
    match response {
        Response::Exec { exit_code, .. } => Ok(exit_code),
        Response::Error(message) => Err(message),
        other => Err(format!("unexpected answer from the runner: {other:?}")),
    }
}

fn pipe() -> Result<(OwnedFd, OwnedFd), String> {
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| format!("pipe: {e}"))
}

/// Copies stdin into the command's input (closing it at stdin's end) and
/// its output and errors out, until the answer comes; then what is left.
fn relay_pipes(mut input: Option<OwnedFd>, output: OwnedFd, errors: OwnedFd, answer: BorrowedFd<'_>) {
    let mut buf = [0u8; 8192];
    let keyboard = std::io::stdin();
    // Which of output and errors are still open (one that ended stays out
    // of the poll, which would otherwise report its end again and again).
    let mut open = [true, true];
    loop {
        let mut fds = vec![PollFd::new(answer, PollFlags::POLLIN)];
        let streams = [&output, &errors];
        let watched: Vec<usize> = (0..2).filter(|i| open[*i]).collect();
        fds.extend(watched.iter().map(|i| PollFd::new(streams[*i].as_fd(), PollFlags::POLLIN)));
        if input.is_some() {
            fds.push(PollFd::new(keyboard.as_fd(), PollFlags::POLLIN));
        }
        let _ = poll(&mut fds, PollTimeout::NONE);
        let ready: Vec<bool> = fds.iter().map(|f| f.revents().is_some_and(|r| !r.is_empty())).collect();
        for (slot, i) in watched.iter().enumerate() {
            if ready[1 + slot] {
                let to: &mut dyn Write = if *i == 0 { &mut std::io::stdout() } else { &mut std::io::stderr() };
                open[*i] = copy(streams[*i], to, &mut buf).is_ok();
            }
        }
        if input.is_some() && ready.get(1 + watched.len()) == Some(&true) {
            match nix::unistd::read(0, &mut buf) {
                Ok(n) if n > 0 => {
                    if let Some(pipe) = &input {
                        let _ = nix::unistd::write(pipe, &buf[..n]);
                    }
                }
                // End of input: the command sees it too.
                _ => input = None,
            }
        }
        if ready[0] {
            for (i, from) in streams.into_iter().enumerate() {
                let to: &mut dyn Write = if i == 0 { &mut std::io::stdout() } else { &mut std::io::stderr() };
                let _ =
                    nix::fcntl::fcntl(from.as_raw_fd(), nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK));
                while copy(from, to, &mut buf).is_ok_and(|n| n > 0) {}
            }
            return;
        }
    }
}

/// Copies what one read of `from` gives to `to`; `Err` at its end.
fn copy(from: &OwnedFd, to: &mut dyn Write, buf: &mut [u8]) -> Result<usize, ()> {
    match nix::unistd::read(from.as_raw_fd(), buf) {
        Ok(0) => Err(()),
        Ok(n) => {
            let _ = to.write_all(&buf[..n]).and_then(|()| to.flush());
            Ok(n)
        }
        Err(nix::errno::Errno::EAGAIN) => Ok(0),
        Err(_) => Err(()),
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
fn relay_terminal(master: &OwnedFd, answer: BorrowedFd<'_>, stdin: bool) {
    let mut buf = [0u8; 8192];
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
        if output && copy(master, &mut std::io::stdout(), &mut buf).is_err() && !answered {
            // The command's side closed (it ended): the answer follows.
            let mut fds = [PollFd::new(answer, PollFlags::POLLIN)];
            let _ = poll(&mut fds, PollTimeout::from(5000u16));
            return;
        }
        if keys {
            match nix::unistd::read(0, &mut buf) {
                Ok(n) if n > 0 => {
                    let _ = nix::unistd::write(master, &buf[..n]);
                }
                _ => input_open = false,
            }
        }
        if answered {
            // What the command wrote last is still in the terminal.
            let _ = nix::fcntl::fcntl(master.as_raw_fd(), nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK));
            while copy(master, &mut std::io::stdout(), &mut buf).is_ok_and(|n| n > 0) {}
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
