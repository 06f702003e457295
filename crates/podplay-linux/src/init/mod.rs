//! podplay re-executed as a helper: the pause process, or the short-lived
//! process that joins a Pod's namespaces, makes the container's own, and
//! forks the container's first process (or an exec'd command) into them.
//!
//! The helper forks once (a PID namespace is entered only by children),
//! tells the runtime the child's PID, and stays as the child's parent, as
//! containerd's shim does: it dies with the runner and exits with the
//! child's status.

mod container;
mod pause;
pub mod spec;
mod terminal;
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
    // Descriptors the runner inherited without CLOEXEC (from sudo, a shell
    // or CI) must not reach the container: runc closes all from 3 on.
    // SAFETY: close_range with CLOEXEC only marks descriptors.
    unsafe {
        libc::syscall(
            libc::SYS_close_range,
            (STATUS_FD + 1) as libc::c_uint,
            libc::c_uint::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    // A session of its own, as runc gives a container: the terminal's
    // Ctrl-C goes to the runner (which deletes the Pod gracefully), never
    // straight to the Pod's processes.
    let _ = nix::unistd::setsid();
    let _ = nix::fcntl::fcntl(STATUS_FD, nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC));
    let spec: InitSpec = match serde_json::from_str(spec) {
        Ok(s) => s,
        Err(e) => return fail(&mut status, &format!("podplay helper: bad spec: {e}")),
    };
    // Opened while the node's /sys/fs/cgroup is still in view.
    let cgroups = match open_cgroups(&spec) {
        Ok(files) => files,
        Err(e) => return fail(&mut status, &e),
    };
    if let Err(e) = enter_namespaces(&spec) {
        return fail(&mut status, &e);
    }
    if matches!(spec.role, Role::Pause(_)) {
        // PID 1 of a namespace drops a signal it has no handler for, but a
        // blocked one waits: blocked from before the fork to pause's
        // sigwait, a SIGTERM sent in pause's first instant is not lost.
        block_pause_signals();
    }
    // SAFETY: single-threaded; the child only sets up and execs.
    match unsafe { fork() } {
        Err(e) => fail(&mut status, &format!("fork: {e}")),
        Ok(ForkResult::Parent { child }) => {
            let _ = writeln!(status, "pid {child}");
            drop(status);
            shim(child)
        }
        Ok(ForkResult::Child) => {
            // Into its cgroups before anything else: what it allocates is
            // counted from its first page (the helper stays outside, as
            // containerd's shim does).
            if let Err(e) = join_cgroups(cgroups) {
                fail(&mut status, &e);
                // SAFETY: leave at once, without running the parent's atexit work.
                unsafe { libc::_exit(127) }
            }
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

/// What the helper does once the child runs: like containerd's shim, it
/// stays its parent, takes it along when the runner dies (so a SIGKILLed
/// runner leaves no Pod behind) and hands the child's exit status on as
/// its own.
fn shim(child: nix::unistd::Pid) -> i32 {
    use nix::sys::signal::{SigSet, SigmaskHow, Signal, kill, sigprocmask};
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    let runner = nix::unistd::getppid();
    let mut set = SigSet::empty();
    set.add(Signal::SIGTERM);
    set.add(Signal::SIGCHLD);
    let _ = sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), None);
    // The runner's death arrives as SIGTERM; the child then gets SIGKILL
    // from here, which reaches even PID 1 of a PID namespace.
    let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGTERM);
    if nix::unistd::getppid() != runner {
        let _ = kill(child, Signal::SIGKILL);
    }
    // The container's output pipes are the child's alone: the runner sees
    // their end when the child's last copy closes.
    if let Ok(null) = std::fs::OpenOptions::new().read(true).write(true).open("/dev/null") {
        for fd in 0..3 {
            let _ = nix::unistd::dup2(std::os::fd::AsRawFd::as_raw_fd(&null), fd);
        }
    }
    loop {
        match waitpid(child, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => {}
            Ok(status) => {
                if let Some(code) = crate::sys::process::exit_code(status) {
                    return code;
                }
            }
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return 1,
        }
        if let Ok(Signal::SIGTERM) = set.wait() {
            let _ = kill(child, Signal::SIGKILL);
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

fn open_cgroups(spec: &InitSpec) -> Result<Vec<(std::fs::File, &std::path::Path)>, String> {
    let mut files = Vec::new();
    for path in &spec.cgroup_procs {
        let file = std::fs::OpenOptions::new().write(true).open(path);
        files.push((file.map_err(|e| format!("open {}: {e}", path.display()))?, path.as_path()));
    }
    Ok(files)
}

/// Writes `0` (the writer itself) into each `cgroup.procs`.
fn join_cgroups(files: Vec<(std::fs::File, &std::path::Path)>) -> Result<(), String> {
    for (mut file, path) in files {
        file.write_all(b"0").map_err(|e| format!("join cgroup {}: {e}", path.display()))?;
    }
    Ok(())
}

fn fail(status: &mut std::fs::File, message: &str) -> i32 {
    let _ = writeln!(status, "error {}", message.replace('\n', " "));
    1
}

/// The signals pause waits for, blocked (the mask survives fork and exec).
fn block_pause_signals() {
    use nix::sys::signal::{SigSet, SigmaskHow, Signal, sigprocmask};
    let mut set = SigSet::empty();
    for sig in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGCHLD] {
        set.add(sig);
    }
    let _ = sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), None);
}
