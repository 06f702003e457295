//! The image store of the real runtime: images imported from files or
//! pulled from a registry, kept content-addressed under one directory, and
//! handed to the runtime as unpacked layers plus the config's run settings.
//!
//! Imports read docker-save archives, OCI image layouts and plain root
//! filesystems ([`ImageStore::import`]); every blob is verified against its
//! digest before it is stored, each layer is unpacked once per diff id and
//! kept apart for overlayfs (whiteouts as overlayfs writes them), and a
//! failed import leaves the store as it was. References are named as
//! containerd names them (`busybox` → `docker.io/library/busybox:latest`,
//! `podplay_core::image_ref`).
//!
//! Modules, in reading order: `store` (the public operations), `archive`
//! (the formats, down to which blobs make an image), `import` (storing them
//! as a transaction), `layer` (unpacking one tar safely, plain, gzip or
//! zstd), `pull` (a registry's image into a layout of its own, then
//! imported), `index` (`images.json`), `rootfs` (tarring a directory),
//! `digest`.

mod archive;
mod digest;
mod error;
mod import;
mod index;
mod layer;
mod pull;
mod rootfs;
mod store;
#[doc(hidden)]
pub mod testing;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

pub use error::ImageError;
pub use pull::{Progress, PullError, PullOptions, Pulled};
pub use store::{ImageStore, Lease};

/// An image as `list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRecord {
    /// Normalised: `docker.io/library/busybox:latest`.
    pub reference: String,
    /// `sha256:<hex>` of the image config, as docker and containerd name an
    /// image's id.
    pub id: String,
    /// Content as stored: manifest, config and layer blobs (compressed as
    /// they came), as containerd counts it.
    pub size_bytes: u64,
    /// The config's `created` (RFC 3339); the import time for a root
    /// filesystem.
    pub created: Option<String>,
}

/// An image as a runtime needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub record: ImageRecord,
    /// Unpacked layer directories, LOWEST first. overlayfs's `lowerdir`
    /// lists the uppermost first, so it wants them reversed. Whiteouts in
    /// them are already overlayfs's (0:0 character devices,
    /// `trusted.overlay.opaque=y`).
    pub layers: Vec<PathBuf>,
    pub config: ImageRunConfig,
}

/// The image config's run settings, which a Pod's `command`/`args`/`env`/
/// `workingDir`/`securityContext` override.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageRunConfig {
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    /// `NAME=value`, in the config's order.
    pub env: Vec<String>,
    pub working_dir: Option<String>,
    /// `user`, `uid`, `user:group` or `uid:gid`, as written.
    pub user: Option<String>,
}
