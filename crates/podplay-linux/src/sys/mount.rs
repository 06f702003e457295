//! Mounts, as a container's first process makes them inside its own mount
//! namespace: they vanish with that namespace, so the host is never left
//! with one.

use std::path::{Path, PathBuf};

use nix::mount::{MntFlags, MsFlags, mount, umount2};

use super::{Context, SysError};

const NONE: Option<&str> = None;

/// Stops mount events from reaching the host (and the host's from coming in):
/// `mount --make-rprivate /`.
pub fn make_root_private() -> Result<(), SysError> {
    mount(NONE, "/", NONE, MsFlags::MS_REC | MsFlags::MS_PRIVATE, NONE).context(|| "make / rprivate".into())
}

/// An overlay of the image's layers (`lower`, topmost first) with the
/// container's own writable layer on top.
pub fn overlay(target: &Path, lower: &[PathBuf], upper: &Path, work: &Path) -> Result<(), SysError> {
    let lower: Vec<String> = lower.iter().map(|p| p.display().to_string()).collect();
    let data = format!("lowerdir={},upperdir={},workdir={}", lower.join(":"), upper.display(), work.display());
    mount(Some("overlay"), target, Some("overlay"), MsFlags::empty(), Some(data.as_str()))
        .context(|| format!("mount overlay on {} ({data})", target.display()))
}

/// A bind mount, read-only if asked (which takes a second, remounting call).
pub fn bind(source: &Path, target: &Path, read_only: bool) -> Result<(), SysError> {
    mount(Some(source), target, NONE, MsFlags::MS_BIND | MsFlags::MS_REC, NONE)
        .context(|| format!("bind mount {} on {}", source.display(), target.display()))?;
    if read_only {
        remount_read_only(target)?;
    }
    Ok(())
}

/// Makes an existing mount (a bind mount included) read-only.
pub fn remount_read_only(target: &Path) -> Result<(), SysError> {
    let flags = MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY;
    mount(NONE, target, NONE, flags, NONE).context(|| format!("remount {} read-only", target.display()))
}

/// A fresh filesystem of `fstype` (proc, sysfs, tmpfs, devpts, mqueue).
pub fn special(fstype: &str, target: &Path, flags: MsFlags, data: Option<&str>) -> Result<(), SysError> {
    mount(Some(fstype), target, Some(fstype), flags, data).context(|| format!("mount {fstype} on {}", target.display()))
}

/// Makes `rootfs` the root of this mount namespace and lets go of the old
/// root (the `pivot_root(".", ".")` way runc does it: no directory for the
/// old root is needed inside the image).
pub fn pivot_into(rootfs: &Path) -> Result<(), SysError> {
    nix::unistd::chdir(rootfs).context(|| format!("chdir {}", rootfs.display()))?;
    nix::unistd::pivot_root(".", ".").context(|| format!("pivot_root into {}", rootfs.display()))?;
    umount2(".", MntFlags::MNT_DETACH).context(|| "detach the old root".into())?;
    nix::unistd::chdir("/").context(|| "chdir /".into())
}

/// Hides a path of `/proc` or `/sys` the way containerd's default spec
/// masks it: `/dev/null` over a file, an empty read-only tmpfs over a
/// directory. A path the kernel does not have is skipped.
pub fn mask(path: &Path) -> Result<(), SysError> {
    match std::fs::metadata(path) {
        Err(_) => Ok(()),
        Ok(m) if m.is_dir() => special("tmpfs", path, MsFlags::MS_RDONLY, None),
        Ok(_) => mount(Some("/dev/null"), path, NONE, MsFlags::MS_BIND, NONE)
            .context(|| format!("mask {} with /dev/null", path.display())),
    }
}

/// A mount point for `source` at `target`: a directory, or an empty file
/// when `source` is a file (a bind mount needs the same kind on both sides).
pub fn make_mount_point(target: &Path, file: bool) -> Result<(), SysError> {
    if file {
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).context(|| format!("mkdir -p {}", parent.display()))?;
        }
        if !target.exists() {
            std::fs::write(target, b"").context(|| format!("create mount point {}", target.display()))?;
        }
        Ok(())
    } else {
        std::fs::create_dir_all(target).context(|| format!("mkdir -p {}", target.display()))
    }
}
