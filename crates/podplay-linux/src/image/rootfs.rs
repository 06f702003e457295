//! A root filesystem given as a directory, tarred so that it is stored and
//! unpacked like any other layer (one path for every import, and a blob to
//! name it by).

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use super::ImageError;

/// Writes `dir`'s tree to the tar `out`: names sorted, so the same tree
/// gives the same layer; symlinks kept as links; owners, modes and times
/// kept; sockets left out (tar cannot hold them).
pub(crate) fn tar_directory(dir: &Path, out: &Path) -> Result<(), ImageError> {
    let file = File::create_new(out).map_err(ImageError::io("create", out))?;
    let mut builder = tar::Builder::new(BufWriter::new(file));
    builder.follow_symlinks(false);
    builder.mode(tar::HeaderMode::Complete);
    // Depth first with an explicit stack: a deep tree must not overflow ours.
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let here = dir.join(&relative);
        let mut names = Vec::new();
        for entry in fs::read_dir(&here).map_err(ImageError::io("read", &here))? {
            names.push(entry.map_err(ImageError::io("read", &here))?.file_name());
        }
        names.sort();
        let mut subdirs = Vec::new();
        for name in &names {
            let child = relative.join(name);
            let path = dir.join(&child);
            let meta = fs::symlink_metadata(&path).map_err(ImageError::io("read", &path))?;
            let kind = meta.file_type();
            if kind.is_socket() {
                continue;
            }
            let appended = if kind.is_fifo() || kind.is_char_device() || kind.is_block_device() {
                append_special(&mut builder, &meta, &child)
            } else {
                builder.append_path_with_name(&path, &child)
            };
            appended.map_err(ImageError::io("read", &path))?;
            if kind.is_dir() {
                subdirs.push(child);
            }
        }
        pending.extend(subdirs.into_iter().rev());
    }
    let mut writer = builder.into_inner().map_err(ImageError::io("write", out))?;
    writer.flush().map_err(ImageError::io("write", out))
}

/// A device or fifo. tar's own `append_path_with_name` names these by
/// their path on disk instead of the name given (tar 0.4.46), so the
/// header is made here.
fn append_special(builder: &mut tar::Builder<impl Write>, meta: &fs::Metadata, name: &Path) -> io::Result<()> {
    let kind = meta.file_type();
    let mut header = tar::Header::new_gnu();
    header.set_metadata_in_mode(meta, tar::HeaderMode::Complete);
    let entry_type = if kind.is_fifo() {
        tar::EntryType::Fifo
    } else if kind.is_char_device() {
        tar::EntryType::Char
    } else {
        tar::EntryType::Block
    };
    header.set_entry_type(entry_type);
    let major = u32::try_from(nix::sys::stat::major(meta.rdev())).map_err(io::Error::other)?;
    let minor = u32::try_from(nix::sys::stat::minor(meta.rdev())).map_err(io::Error::other)?;
    header.set_device_major(major)?;
    header.set_device_minor(minor)?;
    header.set_size(0);
    builder.append_data(&mut header, name, io::empty())
}
