//! `subPath`: a path inside a volume that must stay inside it
//! (CVE-2017-1002101). A component that is `..` or a symlink is refused,
//! so a container cannot point a subPath at `/etc` through a link it made.

use std::path::{Component, Path, PathBuf};

/// The node path of `sub_path` within `volume`, made as a directory if
/// missing, as the kubelet does.
pub fn resolve(volume: &Path, sub_path: &str) -> Result<PathBuf, String> {
    let refuse =
        |why: &str| Err(format!("failed to prepare subPath {sub_path:?} of volume {}: {why}", volume.display()));
    let mut at = volume.to_path_buf();
    for component in Path::new(sub_path).components() {
        match component {
            Component::Normal(name) => at.push(name),
            Component::CurDir => continue,
            Component::ParentDir => return refuse("it must not contain '..'"),
            Component::RootDir | Component::Prefix(_) => return refuse("it must be a relative path"),
        }
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                return refuse(&format!("{} is a symbolic link, which could lead out of the volume", at.display()));
            }
            Ok(_) => {}
            Err(_) => std::fs::create_dir(&at).map_err(|e| format!("create subPath {}: {e}", at.display()))?,
        }
    }
    Ok(at)
}
