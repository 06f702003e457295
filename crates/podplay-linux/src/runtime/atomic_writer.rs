//! The kubelet's atomic writer (`pkg/volume/util/atomic_writer.go`), which
//! fills downwardAPI and projected volumes: the files live in a directory
//! named for the time it was written (`..2026_12_07_21_11_53.123456789`),
//! `..data` links to it, and each top-level name links into `..data`. A
//! reader that opens `<name>` always sees one whole version.
//!
//! A Pod's fields never change here (there is no API server to change
//! them), so a volume is written once, by the first container that mounts it.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Component, Path};

use podplay_core::cri::VolumeFile;
use podplay_core::time::civil::Civil;

/// Writes `files` into `dir` unless an earlier container did. With
/// `fs_group`, files and directories belong to that group and the group
/// may read them (`SetVolumeOwnership` of a read-only volume).
pub fn write_once(dir: &Path, files: &[VolumeFile], now: Civil, fs_group: Option<u32>) -> Result<(), String> {
    let data = dir.join("..data");
    if std::fs::symlink_metadata(&data).is_ok() {
        return Ok(());
    }
    // Every path is checked before anything is written.
    for file in files {
        validate_path(&file.path)?;
    }
    let io = |what: &str, path: &Path, e: std::io::Error| format!("{what} {}: {e}", path.display());
    std::fs::create_dir_all(dir).map_err(|e| io("create", dir, e))?;
    // The volume itself is a memory emptyDir the kubelet makes 0777.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).map_err(|e| io("chmod", dir, e))?;
    // `os.MkdirTemp(dir, "..2006_01_02_15_04_05.")`: a unique suffix.
    let version = format!("..{}.{}", now.strftime("%Y_%m_%d_%H_%M_%S"), std::process::id() ^ now.nanosecond);
    let version_dir = dir.join(&version);
    let written = write_version(&version_dir, files, fs_group);
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&version_dir);
        return Err(e);
    }
    let staged = dir.join("..data_tmp");
    symlink(&version, &staged).map_err(|e| io("symlink", &staged, e))?;
    std::fs::rename(&staged, &data).map_err(|e| io("rename", &staged, e))?;
    let mut top_level: Vec<&std::ffi::OsStr> = Vec::new();
    for file in files {
        if let Some(Component::Normal(first)) = Path::new(&file.path).components().next() {
            if !top_level.contains(&first) {
                top_level.push(first);
            }
        }
    }
    for name in top_level {
        let link = dir.join(name);
        symlink(Path::new("..data").join(name), &link).map_err(|e| io("symlink", &link, e))?;
    }
    Ok(())
}

/// The version directory and its files, with their modes.
fn write_version(version_dir: &Path, files: &[VolumeFile], fs_group: Option<u32>) -> Result<(), String> {
    let io = |what: &str, path: &Path, e: std::io::Error| format!("{what} {}: {e}", path.display());
    std::fs::create_dir(version_dir).map_err(|e| io("create", version_dir, e))?;
    own(version_dir, 0o755, true, fs_group)?;
    for file in files {
        let at = version_dir.join(&file.path);
        if let Some(parent) = at.parent() {
            if !parent.exists() {
                std::fs::create_dir_all(parent).map_err(|e| io("create", parent, e))?;
                own(parent, 0o755, true, fs_group)?;
            }
        }
        std::fs::write(&at, &file.content).map_err(|e| io("write", &at, e))?;
        own(&at, file.mode, false, fs_group)?;
    }
    Ok(())
}

/// Sets `mode`; with an fsGroup, the group owns the path and may read it
/// (and enter it, setgid, if a directory), as `SetVolumeOwnership` does.
fn own(path: &Path, mode: u32, dir: bool, fs_group: Option<u32>) -> Result<(), String> {
    let mut mode = mode;
    if let Some(group) = fs_group {
        nix::unistd::chown(path, None, Some(nix::unistd::Gid::from_raw(group)))
            .map_err(|e| format!("chown {}: {e}", path.display()))?;
        mode |= if dir { 0o2550 } else { 0o440 };
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("chmod {}: {e}", path.display()))
}

/// The atomic writer's `validatePath`: relative, no `..` element, no first
/// element starting with `..` (those names are the writer's own), names of
/// at most 255 bytes and paths of at most 4096.
fn validate_path(path: &str) -> Result<(), String> {
    let invalid = |why: String| Err(format!("invalid path: {why}"));
    if path.is_empty() {
        return invalid(format!("must not be empty: {path:?}"));
    }
    if path.starts_with('/') {
        return invalid(format!("must be relative path: {path}"));
    }
    if path.len() > 4096 {
        return invalid("must be less than or equal to 4096 characters".into());
    }
    let items: Vec<&str> = path.split('/').collect();
    for item in &items {
        if *item == ".." {
            return invalid(format!("must not contain '..': {path}"));
        }
        if item.len() > 255 {
            return invalid("filenames must be less than or equal to 255 characters".into());
        }
    }
    if items[0].starts_with("..") && items[0].len() > 2 {
        return invalid(format!("must not start with '..': {path}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_sit_behind_the_data_link_and_are_written_once() {
        let dir = tempfile::tempdir().unwrap();
        let vol = dir.path().join("podinfo");
        let files = vec![
            VolumeFile { path: "labels".into(), content: "app=\"web\"".into(), mode: 0o644 },
            VolumeFile { path: "meta/name".into(), content: "web".into(), mode: 0o400 },
        ];
        let now = Civil::from_unix_millis(1_796_677_913_000);
        write_once(&vol, &files, now, None).unwrap();
        assert_eq!(std::fs::read_to_string(vol.join("labels")).unwrap(), "app=\"web\"");
        assert_eq!(std::fs::read_to_string(vol.join("meta/name")).unwrap(), "web");
        assert_eq!(std::fs::read_link(vol.join("labels")).unwrap(), Path::new("..data/labels"));
        let version = std::fs::read_link(vol.join("..data")).unwrap();
        assert!(version.to_str().unwrap().starts_with("..2026_12_07_"), "{version:?}");
        let mode = std::fs::metadata(vol.join("meta/name")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o400);
        // A second container finds it written.
        write_once(&vol, &[], now, None).unwrap();
        assert_eq!(std::fs::read_to_string(vol.join("labels")).unwrap(), "app=\"web\"");
        for bad in ["../x", "/x", "..data/x", "a/../../x", ""] {
            let files = vec![
                VolumeFile { path: "ok".into(), content: String::new(), mode: 0o644 },
                VolumeFile { path: bad.into(), content: String::new(), mode: 0o644 },
            ];
            let other = dir.path().join("other");
            assert!(write_once(&other, &files, now, None).unwrap_err().starts_with("invalid path"), "{bad}");
            assert!(!other.exists(), "{bad}: something was written");
        }
        assert!(!dir.path().join("x").exists());
        // An fsGroup may read what only the owner could.
        let grouped = dir.path().join("grouped");
        let secret = vec![VolumeFile { path: "key".into(), content: "k".into(), mode: 0o400 }];
        write_once(&grouped, &secret, now, Some(2000)).unwrap();
        let meta = std::fs::metadata(grouped.join("key")).unwrap();
        assert_eq!((meta.permissions().mode() & 0o777, std::os::unix::fs::MetadataExt::gid(&meta)), (0o440, 2000));
    }
}
