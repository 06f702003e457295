//! `subPath`: a path inside a volume that must stay inside it
//! (CVE-2017-1002101), done as the kubelet's `doBindSubPath` does it. The
//! path is resolved from the volume's directory with `openat2` and
//! `RESOLVE_BENEATH`: a symlink that stays inside the volume is followed (a
//! downwardAPI item is one), one that leads out (absolute, or up through
//! `..`) is refused, and missing directories are made on the way. The last
//! descriptor, which a container can no longer swap, is bind-mounted
//! (through `/proc/self/fd/N`) onto a target of the runtime's own, and that
//! target is what the container mounts.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{OFlag, OpenHow, ResolveFlag, openat2};
use nix::sys::stat::{Mode, SFlag, fstat, mkdirat};

/// Pins `sub_path` within `volume` and binds it on `target` (created as a
/// directory or an empty file, as the subpath is). Returns `target`.
pub fn bind(volume: &Path, sub_path: &str, target: &Path) -> Result<PathBuf, String> {
    let refuse =
        |why: &str| Err(format!("failed to prepare subPath {sub_path:?} of volume {}: {why}", volume.display()));
    let root = std::fs::File::open(volume).map_err(|e| format!("open volume {}: {e}", volume.display()))?;
    let volume_mode = fstat(root.as_raw_fd()).map(|s| s.st_mode & 0o7777).unwrap_or(0o755);
    let beneath = |path: &Path| -> Result<OwnedFd, Errno> {
        let how = OpenHow::new()
            .flags(OFlag::O_PATH | OFlag::O_CLOEXEC)
            .resolve(ResolveFlag::RESOLVE_BENEATH | ResolveFlag::RESOLVE_NO_MAGICLINKS);
        // SAFETY: openat2 returned a new descriptor that only this owns.
        openat2(root.as_raw_fd(), path, how).map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })
    };
    let mut walked = PathBuf::new();
    let mut at: Option<OwnedFd> = None;
    for component in Path::new(sub_path).components() {
        let name = match component {
            Component::Normal(name) => name,
            Component::CurDir => continue,
            Component::ParentDir => return refuse("it must not contain '..'"),
            Component::RootDir | Component::Prefix(_) => return refuse("it must be a relative path"),
        };
        walked.push(name);
        let opened = match beneath(&walked) {
            Err(Errno::ENOENT) => {
                // `SafeMakeDir`: made with the volume root's mode, in the
                // directory the path so far resolved to.
                let parent = at.as_ref().map_or(root.as_raw_fd(), |fd| fd.as_raw_fd());
                mkdirat(Some(parent), name, Mode::from_bits_truncate(volume_mode))
                    .map_err(|e| format!("failed to create subPath directory {}: {e}", walked.display()))?;
                beneath(&walked)
            }
            other => other,
        };
        at = Some(match opened {
            Ok(fd) => fd,
            Err(Errno::EXDEV) | Err(Errno::ELOOP) => {
                let full = volume.join(&walked);
                return refuse(&format!(
                    "it leads out of the volume (subpath {:?} not within volume path {:?})",
                    full.display().to_string(),
                    volume.display().to_string()
                ));
            }
            Err(e) => return Err(format!("open {}: {e}", volume.join(&walked).display())),
        });
    }
    let Some(at) = at else { return refuse("it names the volume itself") };
    let is_dir = fstat(at.as_raw_fd()).is_ok_and(|s| s.st_mode & SFlag::S_IFMT.bits() == SFlag::S_IFDIR.bits());
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("create {}: {e}", parent.display()))?;
    }
    let made = if is_dir { std::fs::create_dir(target) } else { std::fs::File::create(target).map(drop) };
    made.map_err(|e| format!("create {}: {e}", target.display()))?;
    let pinned = format!("/proc/self/fd/{}", at.as_raw_fd());
    crate::sys::mount::bind(Path::new(&pinned), target, false).map_err(|e| e.to_string())?;
    Ok(target.to_path_buf())
}
