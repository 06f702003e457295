//! podplay re-executed as a helper: the pause process, or the short-lived
//! process that joins a Pod's namespaces, makes the container's own, and
//! forks the container's first process (or an exec'd command) into them.
//!
//! The helper forks once and exits, after telling the runtime the child's
//! PID; the child is then the runtime's (a subreaper's) own child, as a
//! container's process is the shim's. A PID namespace is entered only by
//! children, which is why the fork is needed at all.

mod container;
mod pause;
pub mod spec;
mod user;

use std::io::Write;
use std::os::fd::FromRawFd;

use nix::unistd::{ForkResult, fork};

use crate::sys::ns::{self, NsKind};
use spec::{InitSpec, Role, SPEC_ENV, STATUS_FD};

/// argv[0] of the pause process, as `ps` shows it.
pub const PAUSE_ARGV0: &str = "/pause";

/// If this process is podplay re-executed as a helper, runs it and returns
/// its exit code; `None` for an ordinary start. The `podplay` binary calls
/// it first thing in `main`.
pub fn dispatch() -> Option<i32> {
    if std::env::args_os().next().is_some_and(|a| a == PAUSE_ARGV0) {
        return Some(pause::main());
    }
    let spec = std::env::var(SPEC_ENV).ok()?;
    // SAFETY: single-threaded at this point (nothing has started a thread).
    unsafe { std::env::remove_var(SPEC_ENV) };
    Some(helper(&spec))
}

fn helper(spec: &str) -> i32 {
    // SAFETY: the runtime passes the status pipe as this descriptor.
    let mut status = unsafe { std::fs::File::from_raw_fd(STATUS_FD) };
    crate::sys::process::reset_signals();
    let _ = nix::fcntl::fcntl(STATUS_FD, nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC));
    let spec: InitSpec = match serde_json::from_str(spec) {
        Ok(s) => s,
        Err(e) => return fail(&mut status, &format!("podplay helper: bad spec: {e}")),
    };
    if let Err(e) = enter_namespaces(&spec) {
        return fail(&mut status, &e);
    }
    // SAFETY: single-threaded; the child only sets up and execs.
    match unsafe { fork() } {
        Err(e) => fail(&mut status, &format!("fork: {e}")),
        Ok(ForkResult::Parent { child }) => {
            let _ = writeln!(status, "pid {child}");
            0
        }
        Ok(ForkResult::Child) => {
            let error = match &spec.role {
                Role::Pause(setup) => pause::setup_and_exec(setup, &spec.unshare),
                Role::Container(setup) => container::setup_and_exec(setup),
                Role::Exec(command) => container::exec_command(command),
            };
            // Only a failure returns: report it, and end as runc's init does.
            fail(&mut status, &error);
            // SAFETY: leave at once, without running the parent's atexit work.
            unsafe { libc::_exit(127) }
        }
    }
}

/// Opens every namespace first, as joining the mount namespace changes
/// what `/proc` paths mean; then joins them in order, then unshares.
fn enter_namespaces(spec: &InitSpec) -> Result<(), String> {
    let mut files = Vec::new();
    for (kind, path) in &spec.join {
        let file = std::fs::File::open(path).map_err(|e| format!("open {}: {e}", path.display()))?;
        files.push((*kind, path, file));
    }
    files.sort_by_key(|(kind, _, _)| *kind == NsKind::Mnt);
    for (kind, path, file) in files {
        nix::sched::setns(file, kind.clone_flag()).map_err(|e| format!("setns {}: {e}", path.display()))?;
    }
    ns::unshare(&spec.unshare).map_err(|e| e.to_string())
}

fn fail(status: &mut std::fs::File, message: &str) -> i32 {
    let _ = writeln!(status, "error {}", message.replace('\n', " "));
    1
}
