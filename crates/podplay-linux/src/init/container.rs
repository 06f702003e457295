//! A container's first process, in the forked child: the root filesystem
//! assembled and pivoted into, `/proc`, `/dev`, `/sys`, the volumes and the
//! kubelet's files, the masked paths, then the user and the command.

use std::path::{Path, PathBuf};

use nix::mount::MsFlags;

use super::spec::{Command, ContainerSetup};
use super::user;
use crate::sys::{SysError, caps, mount, process};

/// Paths of `/proc` and `/sys` the kubelet masks in every container
/// (`defaultMaskedPaths`).
const MASKED: [&str; 11] = [
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
];
/// And those it makes read-only (`defaultReadonlyPaths`).
const READ_ONLY: [&str; 5] = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];
/// The devices runc creates in every container (bound from the host's).
const DEVICES: [&str; 6] = ["null", "zero", "full", "random", "urandom", "tty"];

/// Sets the container up and execs its command; returns only the error
/// that stopped it.
pub fn setup_and_exec(setup: &ContainerSetup) -> String {
    match root_filesystem(setup) {
        Ok(()) => exec_command(&setup.command),
        Err(e) => e.to_string(),
    }
}

fn root_filesystem(setup: &ContainerSetup) -> Result<(), SysError> {
    let root = &setup.rootfs;
    mount::make_root_private()?;
    mount::overlay(root, &setup.layers, &setup.upper, &setup.work)?;
    let nosuid_noexec_nodev = MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC | MsFlags::MS_NODEV;
    let proc = inside(root, "/proc");
    mount::make_mount_point(&proc, false)?;
    mount::special("proc", &proc, nosuid_noexec_nodev, None)?;
    if setup.privileged {
        host_dev(root, setup.shm.as_deref())?;
    } else {
        dev(root, setup.shm.as_deref())?;
    }
    let sys = inside(root, "/sys");
    mount::make_mount_point(&sys, false)?;
    let sys_ro = if setup.privileged { MsFlags::empty() } else { MsFlags::MS_RDONLY };
    mount::special("sysfs", &sys, nosuid_noexec_nodev | sys_ro, None)?;
    // CRI mounts, fewest path components first, so a volume inside another
    // lands on top of it.
    let mut binds: Vec<_> = setup.mounts.iter().collect();
    binds.sort_by_key(|m| m.target.matches('/').count());
    for m in binds {
        let target = inside(root, &m.target);
        mount::make_mount_point(&target, !m.source.is_dir())?;
        mount::bind(&m.source, &target, m.read_only)?;
    }
    mount::pivot_into(root)?;
    if !setup.privileged {
        mask_proc_and_sys()?;
    }
    if setup.read_only_root {
        mount::remount_read_only(Path::new("/"))?;
    }
    Ok(())
}

/// The kubelet's masked and read-only paths (a privileged container gets
/// neither).
fn mask_proc_and_sys() -> Result<(), SysError> {
    for path in MASKED {
        mount::mask(Path::new(path))?;
    }
    for path in READ_ONLY {
        let path = Path::new(path);
        if path.exists() {
            mount::bind(path, path, true)?;
        }
    }
    Ok(())
}

/// A privileged container sees the node's devices: its `/dev` is the
/// node's, with the Pod's shared memory on `/dev/shm`.
fn host_dev(root: &Path, shm: Option<&Path>) -> Result<(), SysError> {
    let dev = inside(root, "/dev");
    mount::make_mount_point(&dev, false)?;
    mount::bind(Path::new("/dev"), &dev, false)?;
    if let Some(source) = shm {
        mount::bind(source, &dev.join("shm"), false)?;
    }
    Ok(())
}

/// runc's `/dev`: a small tmpfs with the usual devices bound from the host,
/// a private devpts, the Pod's shared memory, and the standard symlinks.
fn dev(root: &Path, shm: Option<&Path>) -> Result<(), SysError> {
    let dev = inside(root, "/dev");
    mount::make_mount_point(&dev, false)?;
    mount::special("tmpfs", &dev, MsFlags::MS_NOSUID | MsFlags::MS_STRICTATIME, Some("mode=755,size=65536k"))?;
    for name in DEVICES {
        let target = dev.join(name);
        mount::make_mount_point(&target, true)?;
        mount::bind(&Path::new("/dev").join(name), &target, false)?;
    }
    let pts = dev.join("pts");
    mount::make_mount_point(&pts, false)?;
    let pts_flags = MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC;
    mount::special("devpts", &pts, pts_flags, Some("newinstance,ptmxmode=0666,mode=0620,gid=5"))?;
    let shm_target = dev.join("shm");
    mount::make_mount_point(&shm_target, false)?;
    match shm {
        Some(source) => mount::bind(source, &shm_target, false)?,
        None => mount::special(
            "tmpfs",
            &shm_target,
            MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC | MsFlags::MS_NODEV,
            Some("mode=1777,size=65536k"),
        )?,
    }
    let links = [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
        ("ptmx", "pts/ptmx"),
    ];
    for (name, target) in links {
        let at = dev.join(name);
        std::os::unix::fs::symlink(target, &at).map_err(|e| io_error(&format!("symlink {}", at.display()), &e))?;
    }
    Ok(())
}

/// The command, as the container's process: working directory, user, a
/// clean signal state and the container's environment.
pub fn exec_command(command: &Command) -> String {
    let (uid, gid, groups) = match user::resolve(&command.user) {
        Ok(ids) => ids,
        Err(e) => return e,
    };
    if let Some(size) = command.tty {
        if let Err(e) = super::terminal::take_new(size, uid) {
            return e;
        }
    }
    if !command.cwd.is_empty() {
        // runc makes a missing working directory.
        let _ = std::fs::create_dir_all(&command.cwd);
        if let Err(e) = nix::unistd::chdir(command.cwd.as_str()) {
            return format!(
                "chdir to cwd (\"{}\") set in config.json failed: {}",
                command.cwd,
                e.desc().to_lowercase()
            );
        }
    }
    let path = command.env.iter().find_map(|e| e.strip_prefix("PATH=")).unwrap_or(crate::DEFAULT_PATH);
    let Some(argv0) = command.argv.first() else {
        return "no command given".into();
    };
    let program = match process::find_executable(argv0, path) {
        Ok(p) => p,
        Err(e) => return e,
    };
    // As runc: with no_new_privs the filters go in as late as possible;
    // without, while CAP_SYS_ADMIN is still held (the kernel asks for one).
    if !command.no_new_privs {
        if let Err(e) = crate::runtime::install_seccomp(&command.seccomp) {
            return e;
        }
    }
    if let Err(e) = drop_privileges(command, uid, gid, &groups) {
        return e.to_string();
    }
    if command.no_new_privs {
        if let Err(e) = crate::runtime::install_seccomp(&command.seccomp) {
            return e;
        }
    }
    process::reset_signals();
    process::die_with_parent();
    process::exec(&program, &command.argv, &command.env).to_string()
}

/// The user, groups and capabilities the command keeps, in runc's order:
/// the bounding set first (while still root), then the user with the
/// permitted set kept across setuid, then the sets themselves.
fn drop_privileges(command: &Command, uid: u32, gid: u32, groups: &[u32]) -> Result<(), SysError> {
    if let Some(keep) = &command.capabilities {
        caps::limit_bounding(keep)?;
        caps::keep_across_setuid();
    }
    process::set_identity(uid, gid, groups)?;
    if let Some(keep) = &command.capabilities {
        caps::apply(keep)?;
    }
    if command.no_new_privs {
        nix::sys::prctl::set_no_new_privs().map_err(|e| SysError::new("prctl PR_SET_NO_NEW_PRIVS", e))?;
    }
    Ok(())
}

/// `path` (absolute, inside the container) under the root being built,
/// resolved as the container will see it: a symlink in the image is
/// followed inside the root (an absolute one from the root), and `..`
/// stops at the root, as runc's securejoin does. A plain `root.join`
/// would follow an image's `etc/hostname -> /etc/nologin` onto the host.
fn inside(root: &Path, path: &str) -> PathBuf {
    secure_join(root, path)
}

/// The most symlinks followed in one path, as the kernel's limit.
const MAX_LINKS: usize = 40;

pub(crate) fn secure_join(root: &Path, path: &str) -> PathBuf {
    let mut resolved = PathBuf::new();
    let mut pending: Vec<String> = path.split('/').rev().filter(|c| !c.is_empty()).map(String::from).collect();
    let mut links = 0;
    while let Some(component) = pending.pop() {
        match component.as_str() {
            "." => continue,
            ".." => {
                resolved.pop();
                continue;
            }
            _ => {}
        }
        let candidate = resolved.join(&component);
        let target = std::fs::read_link(root.join(&candidate)).ok();
        match target {
            Some(target) if links < MAX_LINKS => {
                links += 1;
                let text = target.to_string_lossy().into_owned();
                if text.starts_with('/') {
                    resolved = PathBuf::new();
                }
                pending.extend(text.split('/').rev().filter(|c| !c.is_empty()).map(String::from));
            }
            _ => resolved = candidate,
        }
    }
    root.join(resolved)
}

fn io_error(what: &str, e: &std::io::Error) -> SysError {
    SysError::new(what, nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO)))
}

#[cfg(test)]
mod tests {
    use super::secure_join;

    #[test]
    fn symlinks_and_dot_dot_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::os::unix::fs::symlink("/etc/nologin", root.join("etc/hostname")).unwrap();
        std::os::unix::fs::symlink("../../..", root.join("etc/up")).unwrap();
        std::os::unix::fs::symlink("loop", root.join("loop")).unwrap();
        assert_eq!(secure_join(root, "/etc/hostname"), root.join("etc/nologin"));
        assert_eq!(secure_join(root, "/etc/up/passwd"), root.join("passwd"));
        assert_eq!(secure_join(root, "/../../x"), root.join("x"));
        assert!(secure_join(root, "/loop/a").starts_with(root));
        assert_eq!(secure_join(root, "/dev/shm"), root.join("dev/shm"));
    }
}
