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

/// Writes `files` into `dir` unless an earlier container did.
pub fn write_once(dir: &Path, files: &[VolumeFile], now: Civil) -> Result<(), String> {
    let data = dir.join("..data");
    if std::fs::symlink_metadata(&data).is_ok() {
        return Ok(());
    }
    let io = |what: &str, path: &Path, e: std::io::Error| format!("{what} {}: {e}", path.display());
    std::fs::create_dir_all(dir).map_err(|e| io("create", dir, e))?;
    // The volume itself is a memory emptyDir the kubelet makes 0777.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).map_err(|e| io("chmod", dir, e))?;
    // `os.MkdirTemp(dir, "..2006_01_02_15_04_05.")`: a unique suffix.
    let version = format!("..{}.{}", now.strftime("%Y_%m_%d_%H_%M_%S"), std::process::id() ^ now.nanosecond);
    let version_dir = dir.join(&version);
    std::fs::create_dir(&version_dir).map_err(|e| io("create", &version_dir, e))?;
    std::fs::set_permissions(&version_dir, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| io("chmod", &version_dir, e))?;
    let mut top_level = Vec::new();
    for file in files {
        let relative = Path::new(&file.path);
        // Validation allows only relative paths without `..`; a file that
        // slipped through is refused rather than written outside.
        if !relative.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(format!("invalid downwardAPI path {:?}", file.path));
        }
        let at = version_dir.join(relative);
        if let Some(parent) = at.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io("create", parent, e))?;
        }
        std::fs::write(&at, &file.content).map_err(|e| io("write", &at, e))?;
        std::fs::set_permissions(&at, std::fs::Permissions::from_mode(file.mode)).map_err(|e| io("chmod", &at, e))?;
        if let Some(Component::Normal(first)) = relative.components().next() {
            if !top_level.contains(&first) {
                top_level.push(first);
            }
        }
    }
    let staged = dir.join("..data_tmp");
    symlink(&version, &staged).map_err(|e| io("symlink", &staged, e))?;
    std::fs::rename(&staged, &data).map_err(|e| io("rename", &staged, e))?;
    for name in top_level {
        let link = dir.join(name);
        symlink(Path::new("..data").join(name), &link).map_err(|e| io("symlink", &link, e))?;
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
        write_once(&vol, &files, now).unwrap();
        assert_eq!(std::fs::read_to_string(vol.join("labels")).unwrap(), "app=\"web\"");
        assert_eq!(std::fs::read_to_string(vol.join("meta/name")).unwrap(), "web");
        assert_eq!(std::fs::read_link(vol.join("labels")).unwrap(), Path::new("..data/labels"));
        let version = std::fs::read_link(vol.join("..data")).unwrap();
        assert!(version.to_str().unwrap().starts_with("..2026_12_07_"), "{version:?}");
        let mode = std::fs::metadata(vol.join("meta/name")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o400);
        // A second container finds it written.
        write_once(&vol, &[], now).unwrap();
        assert_eq!(std::fs::read_to_string(vol.join("labels")).unwrap(), "app=\"web\"");
        let bad = vec![VolumeFile { path: "../x".into(), content: String::new(), mode: 0o644 }];
        assert!(write_once(&dir.path().join("other"), &bad, now).is_err());
        assert!(!dir.path().join("x").exists());
    }
}
