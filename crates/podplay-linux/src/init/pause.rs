//! The pause process: it holds the Pod's namespaces open for as long as
//! the Pod lives, reaps zombies when it is PID 1, and exits 0 on SIGTERM
//! or SIGINT, as Kubernetes' `pause.c` does.

use std::path::Path;

use nix::sys::signal::{SigSet, SigmaskHow, Signal, sigprocmask};

use super::PAUSE_ARGV0;
use super::spec::PauseSetup;
use crate::sys::ns::NsKind;
use crate::sys::{mount, net, process};

/// The pause image's user and group.
const PAUSE_ID: u32 = 65535;

/// In the forked child, inside the new namespaces: what containerd and
/// CNI do to a fresh sandbox, then exec podplay again as `/pause`.
pub fn setup_and_exec(setup: &PauseSetup, unshared: &[NsKind]) -> String {
    if let Some(hostname) = &setup.hostname {
        if let Err(e) = nix::unistd::sethostname(hostname) {
            return format!("sethostname {hostname}: {e}");
        }
    }
    if setup.loopback {
        if let Err(e) = net::loopback_up() {
            return e.to_string();
        }
    }
    if unshared.contains(&NsKind::Mnt) {
        // Its own mount namespace, as containerd gives the sandbox; nothing
        // made in it reaches the node.
        if let Err(e) = mount::make_root_private() {
            return e.to_string();
        }
    }
    if let Err(e) = crate::runtime::install_seccomp(&setup.seccomp) {
        return e;
    }
    let exe = Path::new("/proc/self/exe");
    process::exec(exe, &[PAUSE_ARGV0.to_string()], &[]).to_string()
}

extern "C" fn ignore(_: libc::c_int) {}

/// Pause is podplay's whole binary, while the pause image's is a few
/// kilobytes of static C: the code that ran to get here (the dynamic
/// loader's, libc's, podplay's start-up) is given back. Only executable
/// mappings, which are never written, so a page needed again is read back
/// from its file; the loop below needs a handful.
fn release_code_pages() {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else { continue };
        if perms != "r-xp" {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else { continue };
        let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16)) else { continue };
        // SAFETY: a private, read-only executable mapping: dropping its pages
        // loses nothing, as they were never modified.
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED) };
    }
}

/// The pause process's main loop.
pub fn main() -> i32 {
    // The kernel names the process after the file it ran (`exe`); the pause
    // image's binary is `/pause`, and `ps` should say so.
    let _ = nix::sys::prctl::set_name(c"pause");
    // Drop to the pause image's user once the namespaces exist.
    if let Err(e) = process::set_identity(PAUSE_ID, PAUSE_ID, &[]) {
        eprintln!("pause: {e}");
        return 1;
    }
    // After the change of user, which clears it: the Pod dies with its runner.
    process::die_with_parent();
    let mut wanted = SigSet::empty();
    for sig in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGCHLD] {
        wanted.add(sig);
        // A handler, as pause.c has: PID 1 of a namespace gets only the
        // signals it handles.
        let action = nix::sys::signal::SigAction::new(
            nix::sys::signal::SigHandler::Handler(ignore),
            nix::sys::signal::SaFlags::empty(),
            SigSet::empty(),
        );
        // SAFETY: the handler does nothing.
        let _ = unsafe { nix::sys::signal::sigaction(sig, &action) };
    }
    let _ = sigprocmask(SigmaskHow::SIG_BLOCK, Some(&wanted), None);
    release_code_pages();
    loop {
        match wanted.wait() {
            Ok(Signal::SIGCHLD) => while process::reap_one().is_some() {},
            Ok(sig) => {
                // pause.c's psignal(signo, "Shutting down, got signal").
                let name = if sig == Signal::SIGTERM { "Terminated" } else { "Interrupt" };
                eprintln!("Shutting down, got signal: {name}");
                return 0;
            }
            Err(_) => continue,
        }
    }
}
