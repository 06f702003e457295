//! Unpacking one layer (a tar, plain, gzip or zstd) into a directory of its own.
//!
//! Layers stay separate because overlayfs stacks them (`lowerdir`), so a
//! layer's deletions are written the way overlayfs reads them, not applied:
//! the OCI whiteout `.wh.<name>` becomes a character device 0:0 named
//! `<name>`, and the opaque marker `.wh..wh..opq` becomes the xattr
//! `trusted.overlay.opaque=y` on its directory. Both need root, as the
//! runtime has.
//!
//! A layer comes from outside, so no entry may write outside the directory:
//! paths with `..` and absolute paths are refused, and no write goes through
//! a symbolic link (`a -> /etc` then `a/passwd` is refused; the link itself
//! is stored as it is, since the container resolves it inside its own root).
//! Files are created fresh (`O_CREAT|O_EXCL|O_NOFOLLOW`) after removing what
//! was there, so writing never follows a symlink or a hard link either.

use std::ffi::{CString, OsStr};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::sys::stat::{Mode, SFlag, UtimensatFlags, makedev, mknod, utimensat};
use nix::sys::time::TimeSpec;
use tar::{Entry, EntryType, Header};

use super::digest::Hashing;

/// The result of unpacking a layer.
pub(crate) struct Unpacked {
    /// The sha256 of the uncompressed tar, in hex: the layer's diff id.
    pub diff_id: String,
    /// Whether the tar ended with its end-of-archive block. A tar cut at an
    /// entry boundary reads as a shorter, valid tar otherwise; this is how
    /// a truncated root filesystem, which no digest checks, is caught.
    pub ended: bool,
}

/// Why a layer could not be unpacked, and at which entry.
#[derive(Debug)]
pub(crate) struct LayerError {
    pub entry: Option<String>,
    pub reason: String,
}

impl LayerError {
    fn whole(reason: impl Into<String>) -> LayerError {
        LayerError { entry: None, reason: reason.into() }
    }
}

/// Unpacks the layer `blob` into `dest`, an empty directory.
pub(crate) fn unpack(blob: &Path, dest: &Path) -> Result<Unpacked, LayerError> {
    let mut archive = tar::Archive::new(Hashing::new(decompressed(blob)?));
    let mut dirs = Vec::new();
    let mut end_of_last = 0;
    let mut last: Option<String> = None;
    let entries = archive.entries().map_err(|e| LayerError::whole(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| match &last {
            Some(name) => LayerError::whole(format!("after entry {name:?}: {e}")),
            None => LayerError::whole(e.to_string()),
        })?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        end_of_last = entry.raw_file_position().saturating_add(entry.size().div_ceil(512).saturating_mul(512));
        unpack_entry(dest, &mut entry, &mut dirs).map_err(|reason| LayerError { entry: Some(name.clone()), reason })?;
        last = Some(name);
    }
    let reader = archive.into_inner();
    // tar reads one all-zero block at the end; if the stream stopped right
    // after the last entry instead, the archive was cut there.
    let ended = reader.count() >= end_of_last.saturating_add(512);
    let (diff_id, _) = reader.finish().map_err(|e| LayerError::whole(e.to_string()))?;
    // Directory times last: creating their children changed them.
    for (dir, mtime) in dirs.iter().rev() {
        set_mtime(dir, *mtime).map_err(|e| LayerError::whole(format!("{}: {e}", dir.display())))?;
    }
    Ok(Unpacked { diff_id, ended })
}

/// The diff id of `blob` (the sha256 of its uncompressed tar), without
/// unpacking it: to verify a blob whose layer is already in the store.
pub(crate) fn diff_id(blob: &Path) -> Result<String, LayerError> {
    let (hex, _) = Hashing::new(decompressed(blob)?).finish().map_err(|e| LayerError::whole(e.to_string()))?;
    Ok(hex)
}

/// Whether `blob` starts with gzip's magic: the media type is not trusted
/// for this (docker-save's layers have none).
pub(crate) fn is_gzip(blob: &Path) -> io::Result<bool> {
    let mut magic = [0u8; 2];
    let n = File::open(blob)?.read(&mut magic)?;
    Ok(n == 2 && magic == [0x1f, 0x8b])
}

/// The uncompressed tar stream of `blob`, by its magic bytes.
fn decompressed(blob: &Path) -> Result<Box<dyn Read>, LayerError> {
    let file = File::open(blob).map_err(|e| LayerError::whole(format!("{}: {e}", blob.display())))?;
    let mut reader = BufReader::new(file);
    let magic = reader.fill_buf().map_err(|e| LayerError::whole(e.to_string()))?;
    if magic.starts_with(&[0x1f, 0x8b]) {
        return Ok(Box::new(flate2::read::MultiGzDecoder::new(reader)));
    }
    if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        // `application/vnd.oci.image.layer.v1.tar+zstd`, as containerd reads it.
        let decoder = ruzstd::decoding::StreamingDecoder::new(reader)
            .map_err(|e| LayerError::whole(format!("zstd data is damaged: {e}")))?;
        return Ok(Box::new(decoder));
    }
    Ok(Box::new(reader))
}

/// Unpacks one entry; the error is the reason, the caller adds the entry.
fn unpack_entry<R: Read>(root: &Path, entry: &mut Entry<R>, dirs: &mut Vec<(PathBuf, i64)>) -> Result<(), String> {
    let kind = entry.header().entry_type();
    if kind == EntryType::XGlobalHeader {
        return Ok(());
    }
    let path = entry.path_bytes().into_owned();
    let components = relative_components(&path)?;
    let Some((name, parents)) = components.split_last() else {
        // `./`: the layer's root directory, whose mode becomes the
        // container's `/`.
        if kind.is_dir() {
            apply_metadata(root, entry, false)?;
            dirs.push((root.to_path_buf(), mtime(entry.header())?));
        }
        return Ok(());
    };
    let parent = make_parents(root, parents)?;
    if let Some(hidden) = name.as_bytes().strip_prefix(b".wh.") {
        return whiteout(&parent, hidden);
    }
    let target = parent.join(name);
    match kind {
        EntryType::Directory => {
            make_dir(&target)?;
            apply_metadata(&target, entry, false)?;
            dirs.push((target, mtime(entry.header())?));
            Ok(())
        }
        EntryType::Regular | EntryType::Continuous => write_file(&target, entry),
        EntryType::Symlink => write_symlink(&target, entry),
        EntryType::Link => write_hard_link(root, &target, entry),
        EntryType::Char | EntryType::Block | EntryType::Fifo => write_special(&target, kind, entry),
        other => Err(format!("entry type {other:?} is not supported")),
    }
}

/// The path's components, refusing what could name a place outside the
/// layer (`..`, a leading `/`). `.` and empty components are dropped.
fn relative_components(path: &[u8]) -> Result<Vec<&OsStr>, String> {
    if path.starts_with(b"/") {
        return Err("absolute path: layer entries must be relative to the layer's root".into());
    }
    let mut components = Vec::new();
    for component in path.split(|&b| b == b'/') {
        match component {
            b"" | b"." => {}
            b".." => return Err("path contains `..`, which could point outside the layer".into()),
            c => components.push(OsStr::from_bytes(c)),
        }
    }
    Ok(components)
}

/// `root/parents…` as real directories, creating missing ones (tars often
/// leave them out). A symlink on the way is refused: writing through it
/// could land anywhere.
fn make_parents(root: &Path, parents: &[&OsStr]) -> Result<PathBuf, String> {
    let mut dir = root.to_path_buf();
    for (i, component) in parents.iter().enumerate() {
        dir.push(component);
        let shown = || parents[..=i].iter().map(|c| c.to_string_lossy()).collect::<Vec<_>>().join("/");
        match fs::symlink_metadata(&dir) {
            Ok(meta) if meta.is_dir() => {}
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(format!("{} is a symbolic link; unpacking never writes through one", shown()));
            }
            Ok(_) => return Err(format!("{} is not a directory", shown())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&dir).map_err(|e| format!("creating {}: {e}", shown()))?;
                fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
            }
            Err(e) => return Err(format!("{}: {e}", shown())),
        }
    }
    Ok(dir)
}

/// `.wh.<name>` as overlayfs's whiteout (a 0:0 character device), and
/// `.wh..wh..opq` as the opaque xattr on `parent`.
fn whiteout(parent: &Path, hidden: &[u8]) -> Result<(), String> {
    if hidden == b".wh..opq" {
        return set_xattr(parent, "trusted.overlay.opaque", b"y");
    }
    if hidden.starts_with(b".wh.") {
        // Other `.wh..wh.` names are aufs bookkeeping (`.wh..wh.plnk`).
        return Ok(());
    }
    if hidden.is_empty() || hidden == b"." || hidden == b".." {
        return Err("a whiteout must name a file".into());
    }
    let target = parent.join(OsStr::from_bytes(hidden));
    remove_existing(&target)?;
    mknod(&target, SFlag::S_IFCHR, Mode::empty(), makedev(0, 0)).map_err(|e| format!("whiteout (mknod 0:0): {e}"))
}

fn make_dir(target: &Path) -> Result<(), String> {
    if fs::symlink_metadata(target).is_ok_and(|meta| meta.is_dir()) {
        return Ok(());
    }
    remove_existing(target)?;
    fs::create_dir(target).map_err(|e| e.to_string())
}

fn write_file<R: Read>(target: &Path, entry: &mut Entry<R>) -> Result<(), String> {
    remove_existing(target)?;
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(target)
        .map_err(|e| e.to_string())?;
    let size = entry.size();
    let written = io::copy(entry, &mut file).map_err(|e| e.to_string())?;
    if written != size {
        return Err(format!("archive ends inside the entry ({written} of {size} bytes)"));
    }
    drop(file);
    apply_metadata(target, entry, false)?;
    set_mtime(target, mtime(entry.header())?).map_err(|e| e.to_string())
}

fn write_symlink<R: Read>(target: &Path, entry: &mut Entry<R>) -> Result<(), String> {
    let link = entry.link_name_bytes().ok_or("symbolic link without a target")?.into_owned();
    remove_existing(target)?;
    std::os::unix::fs::symlink(OsStr::from_bytes(&link), target).map_err(|e| e.to_string())?;
    apply_metadata(target, entry, true)?;
    set_mtime(target, mtime(entry.header())?).map_err(|e| e.to_string())
}

/// A hard link to an earlier entry of this layer (tar names it from the
/// archive's root), never through a symlink.
fn write_hard_link<R: Read>(root: &Path, target: &Path, entry: &mut Entry<R>) -> Result<(), String> {
    let link = entry.link_name_bytes().ok_or("hard link without a target")?.into_owned();
    let components = relative_components(&link).map_err(|e| format!("hard link target: {e}"))?;
    let Some((name, parents)) = components.split_last() else {
        return Err("hard link to the layer's root".into());
    };
    let mut source = root.to_path_buf();
    for component in parents {
        source.push(component);
        if !fs::symlink_metadata(&source).is_ok_and(|meta| meta.is_dir()) {
            return Err(format!(
                "hard link target {:?} is not inside a directory of this layer",
                String::from_utf8_lossy(&link)
            ));
        }
    }
    source.push(name);
    match fs::symlink_metadata(&source) {
        Ok(meta) if !meta.is_dir() => {}
        _ => return Err(format!("hard link target {:?} is not a file of this layer", String::from_utf8_lossy(&link))),
    }
    if source == target {
        return Ok(());
    }
    remove_existing(target)?;
    fs::hard_link(&source, target).map_err(|e| e.to_string())
}

fn write_special<R: Read>(target: &Path, kind: EntryType, entry: &mut Entry<R>) -> Result<(), String> {
    let header = entry.header();
    let flag = match kind {
        EntryType::Char => SFlag::S_IFCHR,
        EntryType::Block => SFlag::S_IFBLK,
        _ => SFlag::S_IFIFO,
    };
    let major = header.device_major().map_err(|e| e.to_string())?.unwrap_or(0);
    let minor = header.device_minor().map_err(|e| e.to_string())?.unwrap_or(0);
    remove_existing(target)?;
    mknod(target, flag, Mode::empty(), makedev(major.into(), minor.into())).map_err(|e| format!("mknod: {e}"))?;
    apply_metadata(target, entry, false)?;
    set_mtime(target, mtime(entry.header())?).map_err(|e| e.to_string())
}

/// Owner, mode (after chown, which clears set-id bits) and the xattrs
/// worth keeping (file capabilities, user.*: chown clears capabilities, so
/// they come last).
fn apply_metadata<R: Read>(target: &Path, entry: &mut Entry<R>, symlink: bool) -> Result<(), String> {
    let header = entry.header();
    let uid = header.uid().ok().and_then(|id| u32::try_from(id).ok()).ok_or("bad uid")?;
    let gid = header.gid().ok().and_then(|id| u32::try_from(id).ok()).ok_or("bad gid")?;
    std::os::unix::fs::lchown(target, Some(uid), Some(gid)).map_err(|e| format!("chown {uid}:{gid}: {e}"))?;
    if !symlink {
        let mode = header.mode().map_err(|e| e.to_string())? & 0o7777;
        fs::set_permissions(target, fs::Permissions::from_mode(mode)).map_err(|e| format!("chmod {mode:o}: {e}"))?;
    }
    let Ok(Some(extensions)) = entry.pax_extensions() else {
        return Ok(());
    };
    for extension in extensions.flatten() {
        let Some(name) = extension.key().ok().and_then(|key| key.strip_prefix("SCHILY.xattr.")) else {
            continue;
        };
        if name == "security.capability" || name.starts_with("user.") {
            set_xattr(target, name, extension.value_bytes())?;
        }
    }
    Ok(())
}

fn mtime(header: &Header) -> Result<i64, String> {
    header.mtime().ok().and_then(|t| i64::try_from(t).ok()).ok_or_else(|| "bad mtime".into())
}

fn set_mtime(target: &Path, mtime: i64) -> nix::Result<()> {
    let time = TimeSpec::new(mtime, 0);
    utimensat(None, target, &time, &time, UtimensatFlags::NoFollowSymlink)
}

/// Removes what a new entry replaces, without following it.
fn remove_existing(target: &Path) -> Result<(), String> {
    let removed = match fs::symlink_metadata(target) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(target),
        Ok(_) => fs::remove_file(target),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    };
    removed.map_err(|e| format!("replacing what is there: {e}"))
}

/// `lsetxattr`: on the link itself if `target` is one.
fn set_xattr(target: &Path, name: &str, value: &[u8]) -> Result<(), String> {
    let path = CString::new(target.as_os_str().as_bytes()).map_err(|e| e.to_string())?;
    let key = CString::new(name).map_err(|e| e.to_string())?;
    // SAFETY: both strings are NUL-terminated and live across the call; the
    // value pointer and length come from one slice.
    let rc = unsafe { libc::lsetxattr(path.as_ptr(), key.as_ptr(), value.as_ptr().cast(), value.len(), 0) };
    if rc != 0 {
        return Err(format!("setting xattr {name}: {}", io::Error::last_os_error()));
    }
    Ok(())
}
