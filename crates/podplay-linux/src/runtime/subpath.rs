//! `subPath`: a path inside a volume that must stay inside it
//! (CVE-2017-1002101), done as the kubelet's `doBindSubPath` does it. Each
//! component is opened from its parent with `O_NOFOLLOW` (made if missing),
//! so a `..` or a symlink is refused and nothing is looked up by name
//! twice; the last descriptor, which a container can no longer swap, is
//! bind-mounted (through `/proc/self/fd/N`) onto a target of the runtime's
//! own, and that target is what the container mounts.

use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

use nix::fcntl::{OFlag, openat};
use nix::sys::stat::{Mode, SFlag, fstat, mkdirat};

/// Pins `sub_path` within `volume` and binds it on `target` (created as a
/// directory or an empty file, as the subpath is). Returns `target`.
pub fn bind(volume: &Path, sub_path: &str, target: &Path) -> Result<PathBuf, String> {
    let refuse =
        |why: &str| Err(format!("failed to prepare subPath {sub_path:?} of volume {}: {why}", volume.display()));
    let flags = OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
    let open = |dir: Option<&OwnedFd>, name: &Path| -> nix::Result<OwnedFd> {
        let at = dir.map(|d| d.as_raw_fd());
        // SAFETY: openat returned a new descriptor that only this owns.
        openat(at, name, flags, Mode::empty()).map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })
    };
    let mut at = open(None, volume).map_err(|e| format!("open volume {}: {e}", volume.display()))?;
    let volume_mode = fstat(at.as_raw_fd()).map(|s| s.st_mode & 0o7777).unwrap_or(0o755);
    let mut walked = volume.to_path_buf();
    for component in Path::new(sub_path).components() {
        let name = match component {
            Component::Normal(name) => Path::new(name),
            Component::CurDir => continue,
            Component::ParentDir => return refuse("it must not contain '..'"),
            Component::RootDir | Component::Prefix(_) => return refuse("it must be a relative path"),
        };
        walked.push(name);
        let next = match open(Some(&at), name) {
            Err(nix::errno::Errno::ENOENT) => {
                // `SafeMakeDir`: made with the volume root's mode.
                mkdirat(Some(at.as_raw_fd()), name, Mode::from_bits_truncate(volume_mode))
                    .map_err(|e| format!("failed to create subPath directory {}: {e}", walked.display()))?;
                open(Some(&at), name)
            }
            other => other,
        }
        .map_err(|e| format!("open {}: {e}", walked.display()))?;
        let stat = fstat(next.as_raw_fd()).map_err(|e| format!("stat {}: {e}", walked.display()))?;
        if SFlag::from_bits_truncate(stat.st_mode & SFlag::S_IFMT.bits()) == SFlag::S_IFLNK {
            return refuse(&format!("{} is a symbolic link, which could lead out of the volume", walked.display()));
        }
        at = next;
    }
    let is_dir = fstat(at.as_raw_fd()).is_ok_and(|s| s.st_mode & SFlag::S_IFMT.bits() == SFlag::S_IFDIR.bits());
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("create {}: {e}", parent.display()))?;
    }
    let made = if is_dir { std::fs::create_dir(target) } else { std::fs::File::create(target).map(drop) };
    made.map_err(|e| format!("create {}: {e}", target.display()))?;
    let pinned = format!("/proc/self/fd/{}", at.as_fd().as_raw_fd());
    crate::sys::mount::bind(Path::new(&pinned), target, false).map_err(|e| e.to_string())?;
    Ok(target.to_path_buf())
}
