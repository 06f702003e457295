//! One import as a transaction: blobs are copied into `tmp/` and verified
//! there, layers unpacked into `tmp/` and checked against their diff id,
//! and only then renamed into `blobs/` and `layers/`. What this import
//! renamed in is removed again if anything fails (on drop, unless
//! committed), and `tmp/` is always emptied of its files.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use oci_spec::image::{
    Arch, ConfigBuilder, Descriptor, Digest, ImageConfiguration, ImageConfigurationBuilder, ImageManifestBuilder,
    MediaType, Os, RootFsBuilder,
};

use super::archive::{self, BlobRef, Plan, Source};
use super::digest::{self, Hashing};
use super::index::Stored;
use super::layer;
use super::{ImageError, ImageStore};

/// A blob copied into `tmp/` and hashed, not yet in `blobs/`.
struct Staged {
    path: PathBuf,
    sha256: String,
    size: u64,
}

/// A layer as the manifest lists it.
struct LayerBlob {
    sha256: String,
    size: u64,
    gzip: bool,
    diff_id: String,
}

pub(crate) struct Import<'a> {
    store: &'a ImageStore,
    /// Paths under `tmp/`, removed whatever happens.
    temps: Vec<PathBuf>,
    /// Blobs and layer directories this import added to the store.
    created: Vec<PathBuf>,
    committed: bool,
}

impl Drop for Import<'_> {
    fn drop(&mut self) {
        let undo = if self.committed { Vec::new() } else { std::mem::take(&mut self.created) };
        for path in self.temps.iter().chain(&undo) {
            // Errors are ignored: this is cleanup after an error already
            // being reported, and the next import empties `tmp/` again.
            let _ = match fs::symlink_metadata(path) {
                Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
                Ok(_) => fs::remove_file(path),
                Err(_) => Ok(()),
            };
        }
    }
}

impl<'a> Import<'a> {
    pub(crate) fn new(store: &'a ImageStore) -> Import<'a> {
        Import { store, temps: Vec::new(), created: Vec::new(), committed: false }
    }

    /// Keeps what was stored: the new `images.json` refers to it.
    pub(crate) fn commit(mut self) {
        self.committed = true;
    }

    /// A fresh path in `tmp/`, removed when the import ends.
    pub(crate) fn temp_path(&mut self, label: &str) -> PathBuf {
        let path = self.store.temp_path(label);
        self.temps.push(path.clone());
        path
    }

    /// Stores the image of an archive's plan.
    pub(crate) fn image(&mut self, source: &Source, plan: &Plan) -> Result<Stored, ImageError> {
        let config_bytes = archive::read_verified(source, &plan.config)?;
        let config: ImageConfiguration = serde_json::from_slice(&config_bytes)
            .map_err(|e| source.malformed(&plan.config.member, &format!("not an image config: {e}")))?;
        let diff_ids = config
            .rootfs()
            .diff_ids()
            .iter()
            .map(|d| digest::sha256_hex(d).map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| source.malformed(&plan.config.member, "rootfs.diff_ids: not all sha256 digests"))?;
        if diff_ids.len() != plan.layers.len() {
            let message = format!(
                "the config lists {} layers (rootfs.diff_ids), the manifest {}",
                diff_ids.len(),
                plan.layers.len()
            );
            return Err(source.malformed(&plan.config.member, &message));
        }
        let mut layers = Vec::new();
        for (blob, diff_id) in plan.layers.iter().zip(&diff_ids) {
            layers.push(self.layer(source, blob, diff_id)?);
        }
        let config_sha256 = self.put_bytes(&config_bytes)?;
        let manifest = match &plan.manifest {
            Some(bytes) => bytes.clone(),
            None => manifest_for(&config_sha256, config_bytes.len() as u64, &layers)?,
        };
        let manifest_sha256 = self.put_bytes(&manifest)?;
        Ok(stored(&manifest_sha256, &manifest, &config_sha256, &config_bytes, &layers, config.created()))
    }

    /// Stores a plain root filesystem tar (gzip or not) as a one-layer
    /// image with a config written for it.
    pub(crate) fn rootfs_tar(&mut self, tar: &Path) -> Result<Stored, ImageError> {
        self.rootfs(tar, tar)
    }

    /// Stores a root filesystem directory, tarred first, as
    /// [`rootfs_tar`](Self::rootfs_tar) does a tar.
    pub(crate) fn rootfs_dir(&mut self, dir: &Path) -> Result<Stored, ImageError> {
        let tar = self.temp_path("rootfs.tar");
        super::rootfs::tar_directory(dir, &tar)?;
        self.rootfs(dir, &tar)
    }

    /// `input` is what the user gave, for messages; `tar` the layer.
    fn rootfs(&mut self, input: &Path, tar: &Path) -> Result<Stored, ImageError> {
        let file = File::open(tar).map_err(ImageError::io("read", tar))?;
        let staged = self.stage(file, tar)?;
        let unpacked_dir = self.temp_path("layer");
        fs::create_dir(&unpacked_dir).map_err(ImageError::io("create", &unpacked_dir))?;
        let unpacked =
            layer::unpack(&staged.path, &unpacked_dir).map_err(|e| layer_error(input, "(root filesystem)", e))?;
        if !unpacked.ended {
            let detail = "the archive is truncated: it ends without tar's end-of-archive block".to_string();
            return Err(ImageError::BadArchive { path: input.to_path_buf(), detail });
        }
        let diff_id = unpacked.diff_id;
        self.place_layer(&unpacked_dir, &diff_id)?;
        let gzip = layer::is_gzip(&staged.path).map_err(ImageError::io("read", &staged.path))?;
        let layer = LayerBlob { sha256: staged.sha256.clone(), size: staged.size, gzip, diff_id };
        self.keep(staged)?;
        let config_bytes = rootfs_config(&layer.diff_id)?;
        let config_sha256 = self.put_bytes(&config_bytes)?;
        let manifest = manifest_for(&config_sha256, config_bytes.len() as u64, std::slice::from_ref(&layer))?;
        let manifest_sha256 = self.put_bytes(&manifest)?;
        let created = Some(now_rfc3339());
        Ok(stored(&manifest_sha256, &manifest, &config_sha256, &config_bytes, &[layer], &created))
    }

    /// Stores one layer blob and, unless its diff id is already there, its
    /// unpacked directory.
    fn layer(&mut self, source: &Source, blob: &BlobRef, diff_id: &str) -> Result<LayerBlob, ImageError> {
        let staged = self.stage(source.open(&blob.member)?, source.archive())?;
        archive::check(source, blob, &staged.sha256, staged.size)?;
        let mismatch = |actual: String| ImageError::DigestMismatch {
            archive: source.archive().to_path_buf(),
            member: format!("{} (uncompressed, as the config's rootfs.diff_ids)", blob.member),
            expected: diff_id.to_string(),
            actual,
        };
        if self.store.layer_path(diff_id).is_dir() {
            // Shared with an image already stored: not unpacked again. A
            // blob named by nothing is still checked, by its diff id.
            if blob.sha256.is_none() {
                let actual =
                    layer::diff_id(&staged.path).map_err(|e| layer_error(source.archive(), &blob.member, e))?;
                if actual != diff_id {
                    return Err(mismatch(actual));
                }
            }
        } else {
            let dir = self.temp_path("layer");
            fs::create_dir(&dir).map_err(ImageError::io("create", &dir))?;
            let unpacked =
                layer::unpack(&staged.path, &dir).map_err(|e| layer_error(source.archive(), &blob.member, e))?;
            if unpacked.diff_id != diff_id {
                return Err(mismatch(unpacked.diff_id));
            }
            self.place_layer(&dir, diff_id)?;
        }
        let gzip = layer::is_gzip(&staged.path).map_err(ImageError::io("read", &staged.path))?;
        let layer = LayerBlob { sha256: staged.sha256.clone(), size: staged.size, gzip, diff_id: diff_id.to_string() };
        self.keep(staged)?;
        Ok(layer)
    }

    /// Copies `reader` into `tmp/`, hashing it. `from` names it in errors.
    fn stage(&mut self, reader: impl Read, from: &Path) -> Result<Staged, ImageError> {
        let path = self.temp_path("blob");
        let mut file = File::create_new(&path).map_err(ImageError::io("create", &path))?;
        let mut hashing = Hashing::new(reader);
        io::copy(&mut hashing, &mut file).map_err(ImageError::io("read", from))?;
        let (sha256, size) = hashing.finish().map_err(ImageError::io("read", from))?;
        Ok(Staged { path, sha256, size })
    }

    /// Moves a verified blob into `blobs/` (if it is not there already).
    fn keep(&mut self, staged: Staged) -> Result<(), ImageError> {
        let target = self.store.blob_path(&staged.sha256);
        if target.exists() {
            return Ok(());
        }
        fs::rename(&staged.path, &target).map_err(ImageError::io("store", &target))?;
        self.created.push(target);
        Ok(())
    }

    /// Stores bytes (a config, a manifest) as a blob; gives its digest.
    fn put_bytes(&mut self, bytes: &[u8]) -> Result<String, ImageError> {
        let path = self.temp_path("blob");
        let mut file = File::create_new(&path).map_err(ImageError::io("create", &path))?;
        file.write_all(bytes).map_err(ImageError::io("write", &path))?;
        let staged = Staged { path, sha256: digest::of_bytes(bytes), size: bytes.len() as u64 };
        let sha256 = staged.sha256.clone();
        self.keep(staged)?;
        Ok(sha256)
    }

    /// Renames an unpacked layer into `layers/`, in one step, so that no
    /// half-unpacked layer is ever there.
    fn place_layer(&mut self, unpacked: &Path, diff_id: &str) -> Result<(), ImageError> {
        let target = self.store.layer_path(diff_id);
        if target.is_dir() {
            return Ok(());
        }
        fs::rename(unpacked, &target).map_err(ImageError::io("store", &target))?;
        self.created.push(target);
        Ok(())
    }
}

/// An OCI manifest for an image that came without one (docker-save, a
/// root filesystem), so every stored image has a manifest digest.
fn manifest_for(config: &str, config_size: u64, layers: &[LayerBlob]) -> Result<Vec<u8>, ImageError> {
    let descriptors = layers
        .iter()
        .map(|l| {
            let media_type = if l.gzip { MediaType::ImageLayerGzip } else { MediaType::ImageLayer };
            Ok(Descriptor::new(media_type, l.size, oci_digest(&l.sha256)?))
        })
        .collect::<Result<Vec<_>, ImageError>>()?;
    let manifest = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(Descriptor::new(MediaType::ImageConfig, config_size, oci_digest(config)?))
        .layers(descriptors)
        .build()
        .map_err(synthesis_error)?;
    serde_json::to_vec(&manifest).map_err(synthesis_error)
}

fn stored(
    manifest_sha256: &str,
    manifest: &[u8],
    config_sha256: &str,
    config: &[u8],
    layers: &[LayerBlob],
    created: &Option<String>,
) -> Stored {
    Stored {
        manifest: format!("sha256:{manifest_sha256}"),
        config: format!("sha256:{config_sha256}"),
        layers: layers.iter().map(|l| format!("sha256:{}", l.diff_id)).collect(),
        layer_blobs: layers.iter().map(|l| format!("sha256:{}", l.sha256)).collect(),
        // As containerd counts an image's size: its content as stored
        // (compressed layers, config, manifest), not the unpacked tree.
        size: manifest.len() as u64 + config.len() as u64 + layers.iter().map(|l| l.size).sum::<u64>(),
        created: created.clone(),
    }
}

/// The config of a root filesystem image: linux on this host's
/// architecture, containerd's default `PATH`, no command (the Pod gives it).
fn rootfs_config(diff_id: &str) -> Result<Vec<u8>, ImageError> {
    let rootfs = RootFsBuilder::default()
        .typ("layers")
        .diff_ids(vec![format!("sha256:{diff_id}")])
        .build()
        .map_err(synthesis_error)?;
    let run =
        ConfigBuilder::default().env(vec![format!("PATH={}", crate::DEFAULT_PATH)]).build().map_err(synthesis_error)?;
    let config = ImageConfigurationBuilder::default()
        .created(now_rfc3339())
        .architecture(Arch::default())
        .os(Os::Linux)
        .config(run)
        .rootfs(rootfs)
        .build()
        .map_err(synthesis_error)?;
    serde_json::to_vec(&config).map_err(synthesis_error)
}

fn oci_digest(sha256: &str) -> Result<Digest, ImageError> {
    Digest::try_from(format!("sha256:{sha256}")).map_err(synthesis_error)
}

/// Building our own JSON failed: a bug, reported rather than panicked on.
fn synthesis_error(e: impl std::fmt::Display) -> ImageError {
    ImageError::Corrupt { path: PathBuf::from("(synthesised manifest or config)"), message: e.to_string() }
}

fn layer_error(archive: &Path, layer: &str, e: layer::LayerError) -> ImageError {
    ImageError::Layer { archive: archive.to_path_buf(), layer: layer.to_string(), entry: e.entry, reason: e.reason }
}

/// The wall clock as RFC 3339, as `docker import` dates what it creates.
fn now_rfc3339() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    podplay_core::time::civil::Civil::from_unix_millis(millis).strftime("%Y-%m-%dT%H:%M:%SZ")
}
