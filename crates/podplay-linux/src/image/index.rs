//! `images.json`: which references name which content. It is the store's
//! only mutable file; it is replaced whole (written to `tmp/`, synced,
//! renamed), so a reader sees the old or the new one, never half of one.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::digest;
use super::{ImageError, ImageRecord};

#[derive(Serialize, Deserialize, Default)]
pub(crate) struct Index {
    /// By normalised reference (`docker.io/library/busybox:latest`).
    pub images: BTreeMap<String, Stored>,
}

/// One image's content, digests spelled `sha256:<hex>`.
#[derive(Serialize, Deserialize, Clone, PartialEq, Debug)]
pub(crate) struct Stored {
    pub manifest: String,
    pub config: String,
    /// Diff ids, lowest layer first: the directories under `layers/`.
    pub layers: Vec<String>,
    /// The layer blobs as they came, in the same order.
    pub layer_blobs: Vec<String>,
    pub size: u64,
    /// When the image was built (its config's `created`).
    pub created: Option<String>,
}

impl Stored {
    pub(crate) fn record(&self, reference: &str) -> ImageRecord {
        ImageRecord {
            reference: reference.to_string(),
            id: self.config.clone(),
            size_bytes: self.size,
            created: self.created.clone(),
        }
    }
}

impl Index {
    pub(crate) fn read(path: &Path) -> Result<Index, ImageError> {
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Index::default()),
            Err(e) => return Err(ImageError::Io { action: "read", path: path.to_path_buf(), source: e }),
        };
        let index: Index = serde_json::from_slice(&bytes)
            .map_err(|e| ImageError::Corrupt { path: path.to_path_buf(), message: e.to_string() })?;
        // Digests become file names: refuse any that is not one.
        for (reference, stored) in &index.images {
            let all = [&stored.manifest, &stored.config].into_iter().chain(&stored.layers).chain(&stored.layer_blobs);
            if let Some(bad) = all.into_iter().find(|d| digest::sha256_hex(d).is_none()) {
                let message = format!("image {reference}: {bad:?} is not a sha256 digest");
                return Err(ImageError::Corrupt { path: path.to_path_buf(), message });
            }
        }
        Ok(index)
    }

    /// Replaces `path` with this index, through `temp` (on the same
    /// filesystem).
    pub(crate) fn write(&self, path: &Path, temp: &Path) -> Result<(), ImageError> {
        let bytes = serde_json::to_vec_pretty(self)
            .map_err(|e| ImageError::Corrupt { path: path.to_path_buf(), message: e.to_string() })?;
        let mut file = File::create_new(temp).map_err(ImageError::io("create", temp))?;
        file.write_all(&bytes).and_then(|()| file.sync_all()).map_err(ImageError::io("write", temp))?;
        fs::rename(temp, path).map_err(ImageError::io("replace", path))
    }

    /// The blob and layer hexes some image still uses.
    pub(crate) fn in_use(&self) -> (BTreeSet<String>, BTreeSet<String>) {
        let hex = |d: &String| digest::sha256_hex(d).unwrap_or_default().to_string();
        let mut blobs = BTreeSet::new();
        let mut layers = BTreeSet::new();
        for stored in self.images.values() {
            blobs.extend([&stored.manifest, &stored.config].into_iter().chain(&stored.layer_blobs).map(hex));
            layers.extend(stored.layers.iter().map(hex));
        }
        (blobs, layers)
    }
}
