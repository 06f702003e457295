//! What can go wrong in the image store, each case saying what and where:
//! the file, the member of the archive, the blob's digest, the tar entry.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// An error of [`ImageStore`](super::ImageStore). `archive` is the path
/// given to `import`; `member` a file in it (`manifest.json`,
/// `blobs/sha256/<hex>`).
#[derive(Debug)]
#[non_exhaustive]
pub enum ImageError {
    /// Reading or writing a file failed.
    Io { action: &'static str, path: PathBuf, source: io::Error },
    /// A name that is not an image reference, with
    /// `podplay_core::image_ref::check`'s message.
    InvalidReference { reference: String, message: String },
    /// A plain root filesystem, or an archive that names none of its images,
    /// imported without a name.
    NameRequired { archive: PathBuf, what: &'static str },
    /// One name given for an archive of several images.
    NameForMany { archive: PathBuf, images: usize },
    /// A file the format requires is not in the archive.
    Missing { archive: PathBuf, member: String },
    /// A member that is not what its format says (bad JSON, a layer count
    /// that does not match the config's, a name pointing outside).
    Malformed { archive: PathBuf, member: String, message: String },
    /// Content whose sha256 is not the one its descriptor, its file name or
    /// the image config's `rootfs.diff_ids` gives.
    DigestMismatch { archive: PathBuf, member: String, expected: String, actual: String },
    /// Content whose length is not its descriptor's `size`.
    SizeMismatch { archive: PathBuf, member: String, expected: u64, actual: u64 },
    /// The input is not a tar archive (nor gzip of one) or ends early.
    BadArchive { path: PathBuf, detail: String },
    /// A layer entry that cannot be unpacked safely, or failed to.
    Layer { archive: PathBuf, layer: String, entry: Option<String>, reason: String },
    /// Something this store does not read (zstd layers, sha512 digests).
    Unsupported { archive: PathBuf, member: String, what: String },
    /// An image index with no manifest for this host's platform.
    NoPlatform { archive: PathBuf, index: String, wanted: String, available: Vec<String> },
    /// No image by that reference.
    NotFound { reference: String },
    /// An id prefix that several images share.
    Ambiguous { prefix: String, ids: Vec<String> },
    /// A file of the store that is not as the store wrote it.
    Corrupt { path: PathBuf, message: String },
}

impl ImageError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> ImageError {
        let path = path.into();
        move |source| ImageError::Io { action, path, source }
    }
}

impl fmt::Display for ImageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageError::Io { action, path, source } => write!(f, "cannot {action} {}: {source}", path.display()),
            ImageError::InvalidReference { reference, message } => {
                write!(f, "invalid image name {reference:?}: {message}")
            }
            ImageError::NameRequired { archive, what } => {
                write!(f, "{}: {what} has no image name; give it one", archive.display())
            }
            ImageError::NameForMany { archive, images } => {
                write!(f, "{}: the archive holds {images} images; a name can only be given to one", archive.display())
            }
            ImageError::Missing { archive, member } => write!(f, "{}: missing {member}", archive.display()),
            ImageError::Malformed { archive, member, message } => {
                write!(f, "{}: {member}: {message}", archive.display())
            }
            ImageError::DigestMismatch { archive, member, expected, actual } => write!(
                f,
                "{}: {member}: content has digest sha256:{actual}, expected sha256:{expected}",
                archive.display()
            ),
            ImageError::SizeMismatch { archive, member, expected, actual } => {
                write!(f, "{}: {member}: {actual} bytes, its descriptor says {expected}", archive.display())
            }
            ImageError::BadArchive { path, detail } => write!(f, "{}: {detail}", path.display()),
            ImageError::Layer { archive, layer, entry: Some(entry), reason } => {
                write!(f, "{}: layer {layer}: entry {entry:?}: {reason}", archive.display())
            }
            ImageError::Layer { archive, layer, entry: None, reason } => {
                write!(f, "{}: layer {layer}: {reason}", archive.display())
            }
            ImageError::Unsupported { archive, member, what } => {
                write!(f, "{}: {member}: {what} is not supported", archive.display())
            }
            ImageError::NoPlatform { archive, index, wanted, available } => {
                write!(f, "{}: {index}: no image for {wanted} (it has: {})", archive.display(), available.join(", "))
            }
            ImageError::NotFound { reference } => write!(f, "image {reference:?} not found"),
            ImageError::Ambiguous { prefix, ids } => {
                write!(f, "image id prefix {prefix:?} is ambiguous: {}", ids.join(", "))
            }
            ImageError::Corrupt { path, message } => write!(f, "{}: {message}", path.display()),
        }
    }
}

impl std::error::Error for ImageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ImageError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
