//! The store's directory and its public operations. Writers (`import`,
//! `remove`) hold an exclusive `flock` on `<root>/lock`; readers (`list`,
//! `resolve`) need none, since `images.json` is only ever replaced whole.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use nix::fcntl::{Flock, FlockArg};
use oci_spec::image::ImageConfiguration;
use podplay_core::image_ref;

use super::archive::{self, Input, Plan};
use super::import::Import;
use super::index::{Index, Stored};
use super::{Image, ImageError, ImageRecord, ImageRunConfig};

/// A content-addressed image store rooted at a directory:
///
/// ```text
/// <root>/blobs/sha256/<hex>          every blob: layers as they came, configs, manifests
/// <root>/layers/sha256/<diff id>/    each layer unpacked once, by its uncompressed digest
/// <root>/images.json                 reference -> manifest, config, layers, size, created
/// <root>/tmp/                        imports in progress (emptied by the next writer)
/// <root>/leases/<diff id>            shared-locked while a container runs on that layer
/// <root>/lock                        held by writers
/// ```
///
/// As in containerd, removing an image removes its name; a layer a running
/// container holds a lease on stays until a later collection after the
/// lease is gone (the lock dies with the process that held it).
#[derive(Debug, Clone)]
pub struct ImageStore {
    root: PathBuf,
}

impl ImageStore {
    /// Opens the store at `root`, creating its directories.
    pub fn open(root: &Path) -> Result<ImageStore, ImageError> {
        let store = ImageStore { root: root.to_path_buf() };
        for dir in [store.root.join("blobs/sha256"), store.root.join("layers/sha256"), store.tmp_dir()] {
            fs::create_dir_all(&dir).map_err(ImageError::io("create", &dir))?;
        }
        drop(store.lock_file()?);
        super::pull::remove_stale_pulls(&store.root);
        Ok(store)
    }

    /// The directory the store lives in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Imports a docker-save archive (tar, optionally gzip), an OCI image
    /// layout (directory or tar of one), or a plain root filesystem (tar,
    /// tar.gz or directory). `name` names the image: required for a root
    /// filesystem; for an archive it replaces the names the archive gives
    /// (docker-save's `RepoTags`, the OCI index's annotations), and is
    /// required if it gives none. An image imported under a name already
    /// in the store replaces it. Nothing stays in the store if it fails.
    pub fn import(&self, path: &Path, name: Option<&str>) -> Result<Vec<ImageRecord>, ImageError> {
        let _lock = self.lock()?;
        let mut import = Import::new(self);
        let scratch = import.temp_path("input.tar");
        let mut stored: Vec<(Vec<String>, Stored)> = Vec::new();
        match archive::detect(path, &scratch)? {
            Input::DockerSave(source) => {
                for (names, plan) in name_plans(path, archive::docker_save_plans(&source)?, name)? {
                    stored.push((names, import.image(&source, &plan)?));
                }
            }
            Input::Oci(source) => {
                for (names, plan) in name_plans(path, archive::oci_plans(&source)?, name)? {
                    stored.push((names, import.image(&source, &plan)?));
                }
            }
            Input::RootfsTar(tar) => stored.push((rootfs_name(path, name)?, import.rootfs_tar(&tar)?)),
            Input::RootfsDir(dir) => stored.push((rootfs_name(path, name)?, import.rootfs_dir(&dir)?)),
        }
        let mut index = Index::read(&self.index_path())?;
        let mut records = Vec::new();
        for (names, image) in stored {
            for reference in names {
                records.push(image.record(&reference));
                index.images.insert(reference, image.clone());
            }
        }
        index.write(&self.index_path(), &import.temp_path("images.json"))?;
        import.commit();
        // Content of images this import replaced. Failing here leaves only
        // unused files, which the next `remove` collects.
        let _ = self.collect_garbage(&index);
        Ok(records)
    }

    /// The images, sorted by reference.
    pub fn list(&self) -> Result<Vec<ImageRecord>, ImageError> {
        let index = Index::read(&self.index_path())?;
        Ok(index.images.iter().map(|(reference, stored)| stored.record(reference)).collect())
    }

    /// Removes the image named `reference` (any spelling, or an id prefix),
    /// and the blobs and layers no other image uses and no running
    /// container holds (see [`ImageStore::lease`]).
    pub fn remove(&self, reference: &str) -> Result<ImageRecord, ImageError> {
        let _lock = self.lock()?;
        let mut index = Index::read(&self.index_path())?;
        let Some((key, _)) = find(&index, reference)? else {
            return Err(ImageError::NotFound { reference: reference.to_string() });
        };
        let key = key.clone();
        let Some(stored) = index.images.remove(&key) else {
            return Err(ImageError::NotFound { reference: reference.to_string() });
        };
        index.write(&self.index_path(), &self.temp_path("images.json"))?;
        self.collect_garbage(&index)?;
        Ok(stored.record(&key))
    }

    /// Holds `image`'s layers for a container's lifetime: no removal or
    /// replacement collects them until the returned lease is dropped.
    pub fn lease(&self, image: &Image) -> Result<Lease, ImageError> {
        // Not under the writers' lock, which an import holds for as long as
        // it reads its archive: the lease is taken first, then the layer
        // checked. A collection holds the lease file exclusively while it
        // takes a layer away, and lease files are never removed, so a layer
        // found after its lease is taken stays.
        let dir = self.root.join("leases");
        fs::create_dir_all(&dir).map_err(ImageError::io("create", &dir))?;
        let mut held = Vec::new();
        for layer in &image.layers {
            let name = layer.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let path = dir.join(&name);
            let file = File::options()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(ImageError::io("open", &path))?;
            // Blocks only while a collection takes this very layer away.
            let shared = Flock::lock(file, FlockArg::LockShared).map_err(|(_, errno)| ImageError::Io {
                action: "lock",
                path: path.clone(),
                source: errno.into(),
            })?;
            held.push(shared);
            if !layer.is_dir() {
                let message = format!("layer of image {} is missing", image.record.reference);
                return Err(ImageError::Corrupt { path: layer.clone(), message });
            }
        }
        Ok(Lease { _held: held })
    }

    /// Takes the layer `diff_id` away unless a running container holds it
    /// (a shared lock on its lease). The lease file is held exclusively
    /// while the layer is moved aside, so no lease is taken meanwhile.
    fn collect_layer(&self, diff_id: &str, layer: &Path) -> Result<(), ImageError> {
        let path = self.root.join("leases").join(diff_id);
        let exclusive = match File::options().write(true).open(&path) {
            Ok(file) => match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                Ok(held) => Some(held),
                Err(_) => return Ok(()),
            },
            Err(_) => None,
        };
        let doomed = self.tmp_dir().join(format!("removed-{diff_id}"));
        fs::rename(layer, &doomed).map_err(ImageError::io("remove", layer))?;
        drop(exclusive);
        fs::remove_dir_all(&doomed).map_err(ImageError::io("remove", &doomed))
    }

    /// The image as a runtime needs it, by any spelling of its reference
    /// (`busybox` is `docker.io/library/busybox:latest`), by
    /// `name@sha256:<manifest digest>`, or by a prefix of its id or
    /// manifest digest (`sha256:` optional). `None` if no image matches.
    pub fn resolve(&self, reference: &str) -> Result<Option<Image>, ImageError> {
        let index = Index::read(&self.index_path())?;
        let Some((key, stored)) = find(&index, reference)? else {
            return Ok(None);
        };
        let mut layers = Vec::new();
        for diff_id in &stored.layers {
            let dir = self.layer_path(diff_id);
            if !dir.is_dir() {
                let message = format!("layer of image {key} is missing");
                return Err(ImageError::Corrupt { path: dir, message });
            }
            layers.push(dir);
        }
        let config = self.run_config(&stored.config)?;
        Ok(Some(Image { record: stored.record(key), layers, config }))
    }

    /// `blobs/sha256/<hex>` for a digest (`sha256:` optional).
    pub(crate) fn blob_path(&self, digest: &str) -> PathBuf {
        let hex = super::digest::sha256_hex(digest).unwrap_or("invalid");
        self.root.join("blobs/sha256").join(hex)
    }

    /// `layers/sha256/<hex>` for a diff id (`sha256:` optional).
    pub(crate) fn layer_path(&self, diff_id: &str) -> PathBuf {
        let hex = super::digest::sha256_hex(diff_id).unwrap_or("invalid");
        self.root.join("layers/sha256").join(hex)
    }

    pub(crate) fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// A path in `tmp/` that no other writer uses.
    pub(crate) fn temp_path(&self, label: &str) -> PathBuf {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        self.tmp_dir().join(format!("{label}-{}-{n}", std::process::id()))
    }

    fn index_path(&self) -> PathBuf {
        self.root.join("images.json")
    }

    /// The writers' lock. Whatever is in `tmp/` once it is held was left by
    /// a writer that died, and goes.
    fn lock(&self) -> Result<Flock<File>, ImageError> {
        let lock = Flock::lock(self.lock_file()?, FlockArg::LockExclusive).map_err(|(_, errno)| ImageError::Io {
            action: "lock",
            path: self.root.join("lock"),
            source: errno.into(),
        })?;
        let tmp = self.tmp_dir();
        for entry in fs::read_dir(&tmp).map_err(ImageError::io("read", &tmp))?.flatten() {
            let path = entry.path();
            let _ = if path.is_dir() { fs::remove_dir_all(&path) } else { fs::remove_file(&path) };
        }
        Ok(lock)
    }

    fn lock_file(&self) -> Result<File, ImageError> {
        let path = self.root.join("lock");
        File::options().create(true).truncate(false).write(true).open(&path).map_err(ImageError::io("open", &path))
    }

    /// Removes blobs and layers that no image in `index` uses. A layer
    /// directory is first renamed into `tmp/`, so none is ever seen half
    /// removed.
    fn collect_garbage(&self, index: &Index) -> Result<(), ImageError> {
        let (blobs, layers) = index.in_use();
        let blob_dir = self.root.join("blobs/sha256");
        for entry in fs::read_dir(&blob_dir).map_err(ImageError::io("read", &blob_dir))?.flatten() {
            if !blobs.contains(&*entry.file_name().to_string_lossy()) {
                fs::remove_file(entry.path()).map_err(ImageError::io("remove", entry.path()))?;
            }
        }
        let layer_dir = self.root.join("layers/sha256");
        for entry in fs::read_dir(&layer_dir).map_err(ImageError::io("read", &layer_dir))?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !layers.contains(&name) {
                self.collect_layer(&name, &entry.path())?;
            }
        }
        Ok(())
    }

    fn run_config(&self, config: &str) -> Result<ImageRunConfig, ImageError> {
        let path = self.blob_path(config);
        let bytes = fs::read(&path).map_err(ImageError::io("read", &path))?;
        let parsed: ImageConfiguration = serde_json::from_slice(&bytes)
            .map_err(|e| ImageError::Corrupt { path: path.clone(), message: format!("not an image config: {e}") })?;
        let Some(run) = parsed.config() else {
            return Ok(ImageRunConfig::default());
        };
        let non_empty = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
        Ok(ImageRunConfig {
            entrypoint: run.entrypoint().clone().unwrap_or_default(),
            cmd: run.cmd().clone().unwrap_or_default(),
            env: run.env().clone().unwrap_or_default(),
            working_dir: non_empty(run.working_dir()),
            user: non_empty(run.user()),
        })
    }
}

/// The stored image `reference` names: by name first (as docker does), then
/// by id or manifest digest prefix.
fn find<'a>(index: &'a Index, reference: &str) -> Result<Option<(&'a String, &'a Stored)>, ImageError> {
    let name_error = image_ref::check(reference).err();
    if name_error.is_none() {
        let full = image_ref::normalize(reference);
        if let Some(found) = index.images.get_key_value(&full) {
            return Ok(Some(found));
        }
        if let Some((_, digest)) = full.split_once('@') {
            let repository = image_ref::repository(&full);
            let mut by_digest = index.images.iter();
            if let Some(found) =
                by_digest.find(|(key, stored)| image_ref::repository(key) == repository && stored.manifest == digest)
            {
                return Ok(Some(found));
            }
        }
    }
    let prefix = reference.strip_prefix("sha256:").unwrap_or(reference);
    let is_hex = !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !is_hex {
        return match name_error {
            Some(message) => Err(ImageError::InvalidReference { reference: reference.to_string(), message }),
            None => Ok(None),
        };
    }
    let starts = |digest: &str| digest.strip_prefix("sha256:").is_some_and(|hex| hex.starts_with(prefix));
    let matches: Vec<_> =
        index.images.iter().filter(|(_, stored)| starts(&stored.config) || starts(&stored.manifest)).collect();
    let mut ids: Vec<String> = matches.iter().map(|(_, stored)| stored.config.clone()).collect();
    ids.sort();
    ids.dedup();
    if ids.len() > 1 {
        return Err(ImageError::Ambiguous { prefix: reference.to_string(), ids });
    }
    Ok(matches.into_iter().next())
}

/// The references each plan is stored under, checked and normalised.
fn name_plans(archive: &Path, plans: Vec<Plan>, name: Option<&str>) -> Result<Vec<(Vec<String>, Plan)>, ImageError> {
    // Entries for the same image under several names become one.
    let mut merged: Vec<Plan> = Vec::new();
    for plan in plans {
        match merged.iter_mut().find(|m| m.config == plan.config && m.layers == plan.layers) {
            Some(same) => same.names.extend(plan.names),
            None => merged.push(plan),
        }
    }
    if let Some(name) = name {
        let name = checked(name)?;
        return match merged.len() {
            1 => Ok(merged.into_iter().map(|plan| (vec![name.clone()], plan)).collect()),
            images => Err(ImageError::NameForMany { archive: archive.to_path_buf(), images }),
        };
    }
    let mut named = Vec::new();
    for plan in merged {
        if plan.names.is_empty() {
            return Err(ImageError::NameRequired { archive: archive.to_path_buf(), what: "an image of the archive" });
        }
        let mut names = plan.names.iter().map(|n| checked(n)).collect::<Result<Vec<_>, _>>()?;
        names.sort();
        names.dedup();
        named.push((names, plan));
    }
    Ok(named)
}

fn rootfs_name(path: &Path, name: Option<&str>) -> Result<Vec<String>, ImageError> {
    match name {
        Some(name) => Ok(vec![checked(name)?]),
        None => Err(ImageError::NameRequired { archive: path.to_path_buf(), what: "a plain root filesystem" }),
    }
}

/// `podplay_core::image_ref::check`, then containerd's spelling.
fn checked(name: &str) -> Result<String, ImageError> {
    image_ref::check(name).map_err(|message| ImageError::InvalidReference { reference: name.to_string(), message })?;
    Ok(image_ref::normalize(name))
}

/// A running container's hold on its image's layers (shared locks on
/// their lease files), released when dropped or when its process ends.
#[derive(Debug)]
pub struct Lease {
    _held: Vec<Flock<File>>,
}
