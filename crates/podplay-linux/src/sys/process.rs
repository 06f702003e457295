//! Processes: identity, signals, exec and reaping.

use std::ffi::CString;
use std::path::{Path, PathBuf};

use nix::sys::signal::{SigHandler, SigSet, SigmaskHow, Signal, signal, sigprocmask};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{Gid, Pid, Uid};

use super::{Context, SysError};

/// A process starts with what its parent blocked and ignored; a container's
/// command must start clean, as it would under runc.
pub fn reset_signals() {
    for sig in Signal::iterator() {
        if !matches!(sig, Signal::SIGKILL | Signal::SIGSTOP) {
            // SAFETY: setting the default disposition installs no handler.
            let _ = unsafe { signal(sig, SigHandler::SigDfl) };
        }
    }
    let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
}

/// The exit code a runtime reports for a wait status: the code, or
/// 128 + the signal that killed it (137 for SIGKILL).
pub fn exit_code(status: WaitStatus) -> Option<i32> {
    match status {
        WaitStatus::Exited(_, code) => Some(code),
        WaitStatus::Signaled(_, sig, _) => Some(128 + sig as i32),
        _ => None,
    }
}

/// Reaps one child that has ended, if any: its PID and exit code.
pub fn reap_one() -> Option<(u32, i32)> {
    loop {
        match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(_) => return None,
            Ok(status) => {
                let (Some(pid), Some(code)) = (status.pid(), exit_code(status)) else {
                    continue;
                };
                return Some((u32::try_from(pid.as_raw()).unwrap_or(0), code));
            }
        }
    }
}

/// Orphans among this process's descendants (a container's first process,
/// once the helper that started it exits) become its children, so it can
/// wait for them as containerd's shim does.
pub fn become_subreaper() -> Result<(), SysError> {
    // SAFETY: prctl with an integer argument.
    let r = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    if r < 0 {
        return Err(SysError::new("prctl PR_SET_CHILD_SUBREAPER", nix::errno::Errno::last()));
    }
    Ok(())
}

/// Dies with SIGKILL when the parent does (the helper that started it).
/// Set last: a change of user clears it.
pub fn die_with_parent() {
    let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
}

/// Sends a signal to a process by PID; false if it is gone.
pub fn kill(pid: u32, sig: Signal) -> bool {
    let Ok(raw) = i32::try_from(pid) else { return false };
    nix::sys::signal::kill(Pid::from_raw(raw), sig).is_ok()
}

/// Whether a process with this PID exists (signal 0); a PID of 0 or one
/// that does not fit is none.
pub fn alive(pid: u32) -> bool {
    let Ok(raw) = i32::try_from(pid) else { return false };
    raw > 0 && nix::sys::signal::kill(Pid::from_raw(raw), None).is_ok()
}

/// Sets the process's user, group and supplementary groups.
pub fn set_identity(uid: u32, gid: u32, groups: &[u32]) -> Result<(), SysError> {
    let groups: Vec<Gid> = groups.iter().map(|g| Gid::from_raw(*g)).collect();
    nix::unistd::setgroups(&groups).context(|| "setgroups".into())?;
    nix::unistd::setgid(Gid::from_raw(gid)).context(|| format!("setgid {gid}"))?;
    nix::unistd::setuid(Uid::from_raw(uid)).context(|| format!("setuid {uid}"))
}

/// The file `argv0` names, looked up in `path` (the container's `PATH`)
/// when it has no slash, as runc does; the error is runc's.
pub fn find_executable(argv0: &str, path: &str) -> Result<PathBuf, String> {
    if argv0.contains('/') {
        return if Path::new(argv0).exists() {
            Ok(PathBuf::from(argv0))
        } else {
            Err(format!("exec: \"{argv0}\": stat {argv0}: no such file or directory"))
        };
    }
    for dir in path.split(':').filter(|d| !d.is_empty()) {
        let candidate = Path::new(dir).join(argv0);
        if is_executable(&candidate) {
            return Ok(candidate);
        }
    }
    Err(format!("exec: \"{argv0}\": executable file not found in $PATH"))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Replaces this process with `path`; returns only on failure.
pub fn exec(path: &Path, argv: &[String], env: &[String]) -> SysError {
    let to_c = |s: &str| CString::new(s.as_bytes()).unwrap_or_default();
    let program = to_c(&path.display().to_string());
    let argv: Vec<CString> = argv.iter().map(|a| to_c(a)).collect();
    let env: Vec<CString> = env.iter().map(|e| to_c(e)).collect();
    match nix::unistd::execve(&program, &argv, &env) {
        Err(errno) => SysError::new(format!("exec {}", path.display()), errno),
        Ok(never) => match never {},
    }
}

/// A sealed, read-only copy of `binary` in memory, to run instead of the
/// file: a container that reaches the runner's executable through
/// `/proc/<pid>/exe` (pause is PID 1 of a shared PID namespace) finds a
/// copy nobody can write, and the file on disk out of reach
/// (CVE-2019-5736; runc did the same).
pub fn sealed_copy(binary: &Path) -> Result<std::os::fd::OwnedFd, SysError> {
    use nix::fcntl::{FcntlArg, SealFlag, fcntl};
    use nix::sys::memfd::{MemFdCreateFlag, memfd_create};
    use std::os::fd::AsRawFd;
    let fd = memfd_create(c"podplay", MemFdCreateFlag::MFD_CLOEXEC | MemFdCreateFlag::MFD_ALLOW_SEALING)
        .context(|| "memfd_create for a sealed copy of podplay".into())?;
    let mut source = std::fs::File::open(binary).context(|| format!("open {}", binary.display()))?;
    let mut copy = std::fs::File::from(fd);
    std::io::copy(&mut source, &mut copy).context(|| format!("copy {} into memory", binary.display()))?;
    let seals = SealFlag::F_SEAL_SEAL | SealFlag::F_SEAL_SHRINK | SealFlag::F_SEAL_GROW | SealFlag::F_SEAL_WRITE;
    fcntl(copy.as_raw_fd(), FcntlArg::F_ADD_SEALS(seals)).context(|| "seal the copy of podplay".into())?;
    Ok(copy.into())
}

/// SIGKILLs every process whose mount namespace is `mnt` (a container's):
/// what is left of a container without a PID namespace of its own once
/// its first process ended, as containerd's shim kills all of a shared-PID
/// container's processes. Returns how many it signalled.
pub fn kill_mount_namespace(mnt: u64) -> usize {
    use std::os::unix::fs::MetadataExt;
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    let me = std::process::id();
    let mut killed = 0;
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        if pid == me {
            continue;
        }
        let same = std::fs::metadata(format!("/proc/{pid}/ns/mnt")).is_ok_and(|m| m.ino() == mnt);
        if same && kill(pid, Signal::SIGKILL) {
            killed += 1;
        }
    }
    killed
}
