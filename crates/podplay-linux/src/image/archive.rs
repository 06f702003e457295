//! The formats `import` reads, down to plans: which blobs make an image
//! and what each must hash to. Nothing here writes to the store.
//!
//! - docker-save: `manifest.json` (`[{Config, RepoTags, Layers}]`), layers
//!   as `<id>/layer.tar` (older docker, named by nothing: the config's
//!   diff ids check them) or `blobs/sha256/<hex>` (docker 25 and later).
//! - OCI image layout: `oci-layout`, `index.json`, `blobs/sha256/<hex>`,
//!   an index entry pointing to a manifest or to a nested index.
//! - anything else is a plain root filesystem.
//!
//! Each comes as a directory or a tar (gzip or not) of one.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use oci_spec::image::{Arch, Descriptor, ImageIndex, ImageManifest, MediaType, OciLayout, Os};
use serde::Deserialize;
use tar::EntryType;

use super::ImageError;
use super::digest;

/// JSON documents (manifests, indexes, configs) are read whole; this bounds
/// what a hostile archive can make us allocate (containerd's manifest limit
/// is 4 MiB; configs with long histories run larger).
pub(crate) const MAX_JSON: u64 = 64 << 20;

/// What `import` was given.
pub(crate) enum Input {
    DockerSave(Source),
    Oci(Source),
    RootfsTar(PathBuf),
    RootfsDir(PathBuf),
}

/// Tells the format of `path`. A gzip file is first decompressed to
/// `scratch` (a temporary file of the store) so that its members can be
/// read in any order.
pub(crate) fn detect(path: &Path, scratch: &Path) -> Result<Input, ImageError> {
    let meta = std::fs::metadata(path).map_err(ImageError::io("read", path))?;
    if meta.is_dir() {
        let source = Source { archive: path.to_path_buf(), files: Files::Dir(path.to_path_buf()) };
        return Ok(classify(source)?.unwrap_or_else(|| Input::RootfsDir(path.to_path_buf())));
    }
    let tar = if is_gzip_file(path)? {
        gunzip(path, scratch)?;
        scratch
    } else {
        path
    };
    let members = index_tar(path, tar)?;
    let source = Source { archive: path.to_path_buf(), files: Files::Tar { file: tar.to_path_buf(), members } };
    Ok(classify(source)?.unwrap_or_else(|| Input::RootfsTar(path.to_path_buf())))
}

/// An OCI layout if it has the marker file, docker-save if it has its
/// manifest (docker 25 writes both; the OCI side names manifests by digest).
fn classify(source: Source) -> Result<Option<Input>, ImageError> {
    if source.has("oci-layout") {
        return Ok(Some(Input::Oci(source)));
    }
    if source.has("manifest.json") {
        return Ok(Some(Input::DockerSave(source)));
    }
    if source.looks_like_image() {
        let member = "manifest.json (docker-save) or oci-layout (OCI image layout)".to_string();
        return Err(ImageError::Missing { archive: source.archive, member });
    }
    Ok(None)
}

/// The files of an image archive, as a directory or an indexed tar.
pub(crate) struct Source {
    archive: PathBuf,
    files: Files,
}

enum Files {
    Dir(PathBuf),
    Tar { file: PathBuf, members: BTreeMap<String, Member> },
}

/// A tar member: its data's place in the (uncompressed) file, or a link.
enum Member {
    Data { offset: u64, size: u64 },
    Link(String),
}

impl Source {
    /// The path given to `import`, for messages.
    pub(crate) fn archive(&self) -> &Path {
        &self.archive
    }

    fn has(&self, member: &str) -> bool {
        match &self.files {
            Files::Dir(dir) => dir.join(member).is_file(),
            Files::Tar { members, .. } => members.contains_key(member),
        }
    }

    /// An image archive that lost its manifest, rather than a root
    /// filesystem: it has the other files of one (an OCI `index.json`,
    /// docker-save's `repositories`, `blobs/sha256/`, `<id>/layer.tar`).
    fn looks_like_image(&self) -> bool {
        let layer_tar = |name: &str| name.strip_suffix("/layer.tar").is_some_and(digest::is_hex64);
        match &self.files {
            Files::Dir(dir) => self.has("index.json") || self.has("repositories") || dir.join("blobs/sha256").is_dir(),
            Files::Tar { members, .. } => members.keys().any(|name| {
                name == "index.json" || name == "repositories" || name.starts_with("blobs/sha256/") || layer_tar(name)
            }),
        }
    }

    /// Opens `member` (a `/`-separated name from the archive's JSON).
    pub(crate) fn open(&self, member: &str) -> Result<Box<dyn Read>, ImageError> {
        let missing = || ImageError::Missing { archive: self.archive.clone(), member: member.to_string() };
        match &self.files {
            Files::Dir(dir) => {
                let name = normalize(member, "").ok_or_else(|| self.malformed(member, "names a file outside"))?;
                let path = dir.join(name);
                match File::open(&path) {
                    Ok(file) => Ok(Box::new(file)),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Err(missing()),
                    Err(e) => Err(ImageError::Io { action: "read", path, source: e }),
                }
            }
            Files::Tar { file, members } => {
                let (offset, size) = resolve_member(members, member).ok_or_else(missing)?;
                let mut f = File::open(file).map_err(ImageError::io("read", file))?;
                f.seek(SeekFrom::Start(offset)).map_err(ImageError::io("read", file))?;
                Ok(Box::new(f.take(size)))
            }
        }
    }

    /// Reads a JSON member whole (at most [`MAX_JSON`] bytes).
    pub(crate) fn read_small(&self, member: &str) -> Result<Vec<u8>, ImageError> {
        let mut bytes = Vec::new();
        self.open(member)?
            .take(MAX_JSON + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| self.malformed(member, &format!("reading: {e}")))?;
        if bytes.len() as u64 > MAX_JSON {
            return Err(self.malformed(member, "larger than 64 MiB"));
        }
        Ok(bytes)
    }

    pub(crate) fn malformed(&self, member: &str, message: &str) -> ImageError {
        ImageError::Malformed { archive: self.archive.clone(), member: member.to_string(), message: message.into() }
    }
}

/// A member's data, following links (older docker-save links shared
/// `layer.tar`s to the first copy).
fn resolve_member(members: &BTreeMap<String, Member>, name: &str) -> Option<(u64, u64)> {
    let mut name = normalize(name, "")?;
    for _ in 0..16 {
        match members.get(&name)? {
            Member::Data { offset, size } => return Some((*offset, *size)),
            Member::Link(target) => name = target.clone(),
        }
    }
    None
}

/// `name` joined to `base` with `.` and `..` resolved; `None` if it climbs
/// above the root.
fn normalize(name: &str, base: &str) -> Option<String> {
    let mut parts: Vec<&str> =
        if name.starts_with('/') { Vec::new() } else { base.split('/').filter(|p| !p.is_empty()).collect() };
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn is_gzip_file(path: &Path) -> Result<bool, ImageError> {
    super::layer::is_gzip(path).map_err(ImageError::io("read", path))
}

fn gunzip(path: &Path, scratch: &Path) -> Result<(), ImageError> {
    let file = File::open(path).map_err(ImageError::io("read", path))?;
    let mut out = File::create(scratch).map_err(ImageError::io("write", scratch))?;
    io::copy(&mut flate2::read::MultiGzDecoder::new(io::BufReader::new(file)), &mut out).map_err(|e| {
        ImageError::BadArchive { path: path.to_path_buf(), detail: format!("gzip data is damaged or truncated: {e}") }
    })?;
    Ok(())
}

/// Where each member's data is. Also what proves the tar whole: every
/// member's data inside the file, and the end-of-archive block present (a
/// tar cut between two members reads as a shorter tar otherwise).
fn index_tar(archive: &Path, tar: &Path) -> Result<BTreeMap<String, Member>, ImageError> {
    let bad = |detail: String| ImageError::BadArchive { path: archive.to_path_buf(), detail };
    let file = File::open(tar).map_err(ImageError::io("read", tar))?;
    let len = file.metadata().map_err(ImageError::io("read", tar))?.len();
    let mut reader = tar::Archive::new(file);
    let entries = reader.entries_with_seek().map_err(|e| bad(format!("not a tar archive: {e}")))?;
    let mut members = BTreeMap::new();
    let mut end = 0;
    for entry in entries {
        let entry = entry.map_err(|e| bad(format!("not a tar archive, or a damaged one: {e}")))?;
        let (offset, size) = (entry.raw_file_position(), entry.size());
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if offset.saturating_add(size) > len {
            return Err(bad(format!("the archive is truncated: entry {name:?} ends past the end of the file")));
        }
        end = offset + size.div_ceil(512) * 512;
        let Some(key) = normalize(&name, "") else { continue };
        let parent = key.rsplit_once('/').map_or("", |(parent, _)| parent);
        let link = || entry.link_name_bytes().map(|l| String::from_utf8_lossy(&l).into_owned());
        let member = match entry.header().entry_type() {
            EntryType::Regular | EntryType::Continuous => Member::Data { offset, size },
            EntryType::Symlink => match link().and_then(|l| normalize(&l, parent)) {
                Some(target) => Member::Link(target),
                None => continue,
            },
            EntryType::Link => match link().and_then(|l| normalize(&l, "")) {
                Some(target) => Member::Link(target),
                None => continue,
            },
            _ => continue,
        };
        members.insert(key, member);
    }
    if len < end + 512 {
        return Err(bad("the archive is truncated: it ends without tar's end-of-archive block".into()));
    }
    Ok(members)
}

/// A blob of an archive and what it must hash to, if the format says.
#[derive(Clone, PartialEq)]
pub(crate) struct BlobRef {
    pub member: String,
    /// The sha256 hex, from a descriptor or the file's name.
    pub sha256: Option<String>,
    pub size: Option<u64>,
}

/// One image found in an archive, before anything is stored.
pub(crate) struct Plan {
    /// References as the archive spells them (checked and normalised later).
    pub names: Vec<String>,
    /// The manifest as read (verified), or `None` for docker-save, whose
    /// images get an OCI manifest written for them.
    pub manifest: Option<Vec<u8>>,
    pub config: BlobRef,
    /// Lowest first.
    pub layers: Vec<BlobRef>,
}

/// One element of docker-save's `manifest.json`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerSaveImage {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    #[serde(default)]
    layers: Vec<String>,
}

pub(crate) fn docker_save_plans(source: &Source) -> Result<Vec<Plan>, ImageError> {
    let bytes = source.read_small("manifest.json")?;
    let images: Vec<DockerSaveImage> =
        serde_json::from_slice(&bytes).map_err(|e| source.malformed("manifest.json", &e.to_string()))?;
    let plans = images
        .into_iter()
        .map(|image| Plan {
            names: image.repo_tags.unwrap_or_default(),
            manifest: None,
            config: BlobRef { sha256: digest_in_name(&image.config), member: image.config, size: None },
            layers: image
                .layers
                .into_iter()
                .map(|member| BlobRef { sha256: digest_in_name(&member), member, size: None })
                .collect(),
        })
        .collect();
    Ok(plans)
}

/// The digest docker-save's file names carry: `blobs/sha256/<hex>` and
/// `<hex>.json` (configs); `<id>/layer.tar` carries none.
fn digest_in_name(member: &str) -> Option<String> {
    let file = member.rsplit('/').next().unwrap_or(member);
    let hex = file.strip_suffix(".json").unwrap_or(file);
    digest::is_hex64(hex).then(|| hex.to_string())
}

/// containerd's name for an image of an OCI layout: its own annotation,
/// else `org.opencontainers.image.ref.name` if that is a whole reference
/// (it may be only a tag, such as `latest`, which names nothing alone).
const CONTAINERD_NAME: &str = "io.containerd.image.name";

pub(crate) fn oci_plans(source: &Source) -> Result<Vec<Plan>, ImageError> {
    let layout: OciLayout = parse_json(source, "oci-layout", &source.read_small("oci-layout")?)?;
    if !layout.image_layout_version().starts_with("1.") {
        let what = format!("image layout version {}", layout.image_layout_version());
        return Err(ImageError::Unsupported { archive: source.archive.clone(), member: "oci-layout".into(), what });
    }
    let index: ImageIndex = parse_json(source, "index.json", &source.read_small("index.json")?)?;
    let mut plans = Vec::new();
    for descriptor in index.manifests() {
        let annotations = descriptor.annotations().as_ref();
        let name = annotations.and_then(|a| a.get(CONTAINERD_NAME)).or_else(|| {
            annotations
                .and_then(|a| a.get(oci_spec::image::ANNOTATION_REF_NAME))
                .filter(|name| name.contains([':', '/', '@']))
        });
        let (bytes, manifest) = manifest_for(source, descriptor, 0)?;
        plans.push(Plan {
            names: name.into_iter().cloned().collect(),
            manifest: Some(bytes),
            config: blob_ref(source, manifest.config())?,
            layers: manifest.layers().iter().map(|layer| blob_ref(source, layer)).collect::<Result<_, _>>()?,
        });
    }
    Ok(plans)
}

fn parse_json<T: serde::de::DeserializeOwned>(source: &Source, member: &str, bytes: &[u8]) -> Result<T, ImageError> {
    serde_json::from_slice(bytes).map_err(|e| source.malformed(member, &e.to_string()))
}

enum Kind {
    Index,
    Manifest,
    Other,
}

fn kind(media_type: &MediaType) -> Kind {
    match media_type.as_ref() {
        "application/vnd.oci.image.index.v1+json" | "application/vnd.docker.distribution.manifest.list.v2+json" => {
            Kind::Index
        }
        "application/vnd.oci.image.manifest.v1+json" | "application/vnd.docker.distribution.manifest.v2+json" => {
            Kind::Manifest
        }
        _ => Kind::Other,
    }
}

/// The manifest a descriptor leads to, through nested indexes (choosing
/// this host's platform), with its bytes as stored.
fn manifest_for(
    source: &Source,
    descriptor: &Descriptor,
    depth: usize,
) -> Result<(Vec<u8>, ImageManifest), ImageError> {
    let blob = blob_ref(source, descriptor)?;
    match kind(descriptor.media_type()) {
        Kind::Manifest => {
            let bytes = read_verified(source, &blob)?;
            let manifest = parse_json(source, &blob.member, &bytes)?;
            Ok((bytes, manifest))
        }
        Kind::Index if depth < 4 => {
            let index: ImageIndex = parse_json(source, &blob.member, &read_verified(source, &blob)?)?;
            manifest_for(source, choose_platform(source, &blob.member, &index)?, depth + 1)
        }
        Kind::Index => Err(source.malformed(&blob.member, "image indexes nested more than 4 deep")),
        Kind::Other => Err(ImageError::Unsupported {
            archive: source.archive.clone(),
            member: blob.member,
            what: format!("media type {}", descriptor.media_type()),
        }),
    }
}

/// The entry for linux on this host's architecture; if the index has a
/// single image, that one whatever it says.
fn choose_platform<'a>(source: &Source, member: &str, index: &'a ImageIndex) -> Result<&'a Descriptor, ImageError> {
    let images: Vec<&Descriptor> =
        index.manifests().iter().filter(|d| !matches!(kind(d.media_type()), Kind::Other)).collect();
    let host = Arch::default();
    let fits =
        |d: &&&Descriptor| d.platform().as_ref().is_some_and(|p| *p.os() == Os::Linux && *p.architecture() == host);
    if let Some(found) = images.iter().find(fits) {
        return Ok(found);
    }
    match images.as_slice() {
        [only] => Ok(only),
        _ => Err(ImageError::NoPlatform {
            archive: source.archive.clone(),
            index: member.to_string(),
            wanted: format!("linux/{host}"),
            available: images
                .iter()
                .map(|d| d.platform().as_ref().map_or("unknown".into(), |p| format!("{}/{}", p.os(), p.architecture())))
                .collect(),
        }),
    }
}

/// `blobs/sha256/<hex>` for a descriptor; other algorithms are refused.
fn blob_ref(source: &Source, descriptor: &Descriptor) -> Result<BlobRef, ImageError> {
    let Some(hex) = descriptor.as_digest_sha256() else {
        return Err(ImageError::Unsupported {
            archive: source.archive.clone(),
            member: descriptor.digest().to_string(),
            what: format!("digest algorithm {}", descriptor.digest().algorithm()),
        });
    };
    Ok(BlobRef { member: format!("blobs/sha256/{hex}"), sha256: Some(hex.to_string()), size: Some(descriptor.size()) })
}

/// A small blob (JSON) read whole and checked against its digest and size.
pub(crate) fn read_verified(source: &Source, blob: &BlobRef) -> Result<Vec<u8>, ImageError> {
    let bytes = source.read_small(&blob.member)?;
    check(source, blob, &digest::of_bytes(&bytes), bytes.len() as u64)?;
    Ok(bytes)
}

/// Compares content read with what its reference promised.
pub(crate) fn check(source: &Source, blob: &BlobRef, sha256: &str, size: u64) -> Result<(), ImageError> {
    if let Some(expected) = blob.size.filter(|&expected| expected != size) {
        return Err(ImageError::SizeMismatch {
            archive: source.archive.clone(),
            member: blob.member.clone(),
            expected,
            actual: size,
        });
    }
    match &blob.sha256 {
        Some(expected) if expected != sha256 => Err(ImageError::DigestMismatch {
            archive: source.archive.clone(),
            member: blob.member.clone(),
            expected: expected.clone(),
            actual: sha256.to_string(),
        }),
        _ => Ok(()),
    }
}
