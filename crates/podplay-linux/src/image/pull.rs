//! Pulling an image from a registry, as containerd's CRI plugin does for
//! `PullImage`: the reference is resolved over the OCI distribution API
//! (`oci-client`: anonymous or token auth, basic credentials from the
//! Docker config), an index is narrowed to this host's platform, and the
//! manifest, config and layers are fetched into an OCI image layout of the
//! pull's own, every blob checked against its digest as it streams. The
//! layout is then imported as any layout is, so the store gets nothing the
//! import would not take, and a pull that fails or is interrupted leaves
//! nothing in it. A layer the store already has is not fetched again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::manifest::{OciDescriptor, OciImageIndex};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

use super::{ImageRecord, ImageStore};

/// What a pull may use besides the reference.
#[derive(Clone, Debug, Default)]
pub struct PullOptions {
    /// Registries (`host:port`) spoken to over plain HTTP besides loopback
    /// ones (`--insecure-registry`).
    pub insecure_registries: Vec<String>,
    /// A Docker config (`auths`), `REGISTRY_AUTH_FILE` or
    /// `~/.docker/config.json` when not given.
    pub auth_file: Option<PathBuf>,
    /// Set to stop the pull (Ctrl-C, the runner ending).
    pub cancel: Option<Arc<AtomicBool>>,
}

/// Where a pull is, for a progress line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// `sha256:` and 12 hex digits of the blob.
    pub blob: String,
    pub done: u64,
    pub total: u64,
}

/// A pull that worked.
#[derive(Clone, Debug)]
pub struct Pulled {
    pub record: ImageRecord,
    /// Bytes fetched from the registry (blobs the store had are not).
    pub fetched_bytes: u64,
    pub took: Duration,
}

/// Why a pull failed, in containerd's words, with the gRPC code the CRI
/// would carry it with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PullError {
    pub not_found: bool,
    pub message: String,
}

impl std::fmt::Display for PullError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl ImageStore {
    /// Pulls `reference` (`busybox`, `127.0.0.1:5000/app:1`, `name@sha256:…`)
    /// and stores it under its normalised name. `progress` hears of each
    /// blob as it downloads.
    pub fn pull(
        &self,
        reference: &str,
        options: &PullOptions,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Pulled, PullError> {
        let started = Instant::now();
        let full = podplay_core::image_ref::normalize(reference);
        let fail = |not_found: bool, why: String| PullError {
            not_found,
            message: format!("failed to pull and unpack image \"{full}\": {why}"),
        };
        let parsed: Reference = full.parse().map_err(|e| fail(false, format!("invalid reference: {e}")))?;
        let layout = PullDir::new(self).map_err(|e| fail(false, e))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| fail(false, format!("start the pull: {e}")))?;
        let fetch = Fetch { store: self, dir: &layout.path, reference: &parsed, full: &full, options };
        let fetched = runtime.block_on(fetch.run(progress)).map_err(|e| match e {
            FetchError::NotFound => fail(true, format!("failed to resolve reference \"{full}\": {full}: not found")),
            FetchError::Resolve(why) => fail(false, format!("failed to resolve reference \"{full}\": {why}")),
            FetchError::Other(why) => fail(false, why),
        })?;
        let records = self.import(&layout.path, Some(&full)).map_err(|e| fail(false, e.to_string()))?;
        let record = records.into_iter().next().ok_or_else(|| fail(false, "nothing was imported".into()))?;
        Ok(Pulled { record, fetched_bytes: fetched, took: started.elapsed() })
    }
}

/// The pull's own OCI layout, `<store>/pulls/<pid>-<n>`: outside `tmp/`,
/// which another writer may empty at any time; removed when the pull ends,
/// and by the next [`ImageStore::open`] if its process died.
struct PullDir {
    path: PathBuf,
}

impl PullDir {
    fn new(store: &ImageStore) -> Result<PullDir, String> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = store.root().join("pulls").join(format!("{}-{n}", std::process::id()));
        std::fs::create_dir_all(path.join("blobs/sha256")).map_err(|e| format!("create {}: {e}", path.display()))?;
        std::fs::write(path.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#)
            .map_err(|e| format!("write {}: {e}", path.display()))?;
        Ok(PullDir { path })
    }
}

impl Drop for PullDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
        // `pulls/` itself, unless another pull is under way.
        if let Some(parent) = self.path.parent() {
            let _ = std::fs::remove_dir(parent);
        }
    }
}

/// Removes the layouts of pulls whose process is gone.
pub(super) fn remove_stale_pulls(store_root: &Path) {
    let Ok(entries) = std::fs::read_dir(store_root.join("pulls")) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name.split('-').next().and_then(|p| p.parse().ok());
        if !pid.is_some_and(crate::sys::process::alive) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

enum FetchError {
    NotFound,
    Resolve(String),
    Other(String),
}

/// The manifest types a pull accepts, as containerd asks for them.
const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

struct Fetch<'a> {
    store: &'a ImageStore,
    dir: &'a Path,
    reference: &'a Reference,
    full: &'a str,
    options: &'a PullOptions,
}

impl Fetch<'_> {
    /// Fetches into the layout; returns the bytes that came over the wire.
    async fn run(&self, progress: &mut dyn FnMut(&Progress)) -> Result<u64, FetchError> {
        let registry = self.reference.resolve_registry().to_string();
        let client = Client::new(self.config(&registry));
        let auth = credentials(&registry, self.options.auth_file.as_deref());
        let (mut bytes, mut digest) =
            client.pull_manifest_raw(self.reference, &auth, MANIFEST_TYPES).await.map_err(resolve_error)?;
        // An index: the manifest for this platform, by its digest.
        if let Ok(index) = serde_json::from_slice::<OciImageIndex>(&bytes) {
            if !index.manifests.is_empty() {
                let chosen = oci_client::client::current_platform_resolver(&index.manifests).ok_or_else(|| {
                    FetchError::Other(format!(
                        "no match for platform in manifest {digest}: not found (this host is linux/{})",
                        std::env::consts::ARCH
                    ))
                })?;
                let by_digest = self.reference.clone_with_digest(chosen);
                (bytes, digest) =
                    client.pull_manifest_raw(&by_digest, &auth, MANIFEST_TYPES).await.map_err(resolve_error)?;
            }
        }
        let manifest: oci_client::manifest::OciImageManifest =
            serde_json::from_slice(&bytes).map_err(|e| FetchError::Other(format!("read manifest {digest}: {e}")))?;
        self.write_blob(&digest, &bytes)?;
        self.write_index(&digest, bytes.len() as u64, manifest.media_type.as_deref())?;
        let mut fetched = 0;
        let mut seen = BTreeMap::new();
        for blob in std::iter::once(&manifest.config).chain(manifest.layers.iter()) {
            if seen.insert(blob.digest.clone(), ()).is_some() {
                continue;
            }
            fetched += self.blob(&client, blob, progress).await?;
        }
        Ok(fetched)
    }

    /// HTTPS, except to a registry on loopback or one named insecure.
    fn config(&self, registry: &str) -> ClientConfig {
        let host = registry.rsplit_once(':').map_or(registry, |(h, _)| h).trim_matches(['[', ']']);
        let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        let mut plain = self.options.insecure_registries.clone();
        if loopback {
            plain.push(registry.to_string());
        }
        ClientConfig {
            protocol: ClientProtocol::HttpsExcept(plain),
            connect_timeout: Some(Duration::from_secs(30)),
            read_timeout: Some(Duration::from_secs(60)),
            ..Default::default()
        }
    }

    /// One blob into the layout: linked from the store if it has it,
    /// otherwise streamed from the registry, checked against its digest by
    /// `oci-client`. Returns the bytes fetched.
    async fn blob(
        &self,
        client: &Client,
        blob: &OciDescriptor,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<u64, FetchError> {
        let target = self.blob_path(&blob.digest)?;
        let stored = self.store.blob_path(&blob.digest);
        if stored.exists() && (std::fs::hard_link(&stored, &target).is_ok() || std::fs::copy(&stored, &target).is_ok())
        {
            return Ok(0);
        }
        let partial = target.with_extension("partial");
        let file = tokio::fs::File::create(&partial)
            .await
            .map_err(|e| FetchError::Other(format!("create {}: {e}", partial.display())))?;
        let short = blob.digest.chars().take(19).collect::<String>();
        let total = u64::try_from(blob.size).unwrap_or(0);
        let counter = Counting::new(file, self.options.cancel.clone());
        let done = counter.done.clone();
        let pull = client.pull_blob(self.reference, blob, counter);
        tokio::pin!(pull);
        let mut ticker = tokio::time::interval(Duration::from_millis(200));
        loop {
            tokio::select! {
                result = &mut pull => {
                    result.map_err(|e| FetchError::Other(format!("failed to copy {}: {}", blob.digest, with_causes(&e))))?;
                    break;
                }
                _ = ticker.tick() => {
                    // A stalled registry writes nothing: the cancel is seen here too.
                    if self.options.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
                        return Err(FetchError::Other("the pull was cancelled".into()));
                    }
                    progress(&Progress { blob: short.clone(), done: done.load(Ordering::Relaxed), total });
                }
            }
        }
        progress(&Progress { blob: short, done: total, total });
        std::fs::rename(&partial, &target)
            .map_err(|e| FetchError::Other(format!("rename {}: {e}", partial.display())))?;
        Ok(done.load(Ordering::Relaxed))
    }

    fn blob_path(&self, digest: &str) -> Result<PathBuf, FetchError> {
        let hex = digest
            .strip_prefix("sha256:")
            .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| FetchError::Other(format!("unsupported digest {digest:?}")))?;
        Ok(self.dir.join("blobs/sha256").join(hex))
    }

    fn write_blob(&self, digest: &str, bytes: &[u8]) -> Result<(), FetchError> {
        let path = self.blob_path(digest)?;
        std::fs::write(&path, bytes).map_err(|e| FetchError::Other(format!("write {}: {e}", path.display())))
    }

    fn write_index(&self, digest: &str, size: u64, media_type: Option<&str>) -> Result<(), FetchError> {
        let media_type = media_type.unwrap_or("application/vnd.oci.image.manifest.v1+json");
        let index = serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": media_type,
                "digest": digest,
                "size": size,
                "annotations": {"io.containerd.image.name": self.full},
            }],
        });
        let path = self.dir.join("index.json");
        std::fs::write(&path, index.to_string())
            .map_err(|e| FetchError::Other(format!("write {}: {e}", path.display())))
    }
}

/// A resolve failure: not found (an unknown tag or repository), or the
/// registry's own words.
fn resolve_error(e: oci_client::errors::OciDistributionError) -> FetchError {
    use oci_client::errors::OciDistributionError as E;
    match &e {
        E::ImageManifestNotFoundError(_) => FetchError::NotFound,
        E::RegistryError { envelope, .. }
            if envelope.errors.iter().any(|e| {
                matches!(
                    e.code,
                    oci_client::errors::OciErrorCode::ManifestUnknown | oci_client::errors::OciErrorCode::NameUnknown
                )
            }) =>
        {
            FetchError::NotFound
        }
        E::ServerError { code: 404, .. } => FetchError::NotFound,
        _ => FetchError::Resolve(with_causes(&e)),
    }
}

/// An error and what caused it, as Go's wrapped errors read: the request's
/// failure says why (`dns error: …`, `Connection refused`).
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let said = inner.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = inner.source();
    }
    text
}

/// Basic credentials for `registry` from a Docker config's `auths`
/// (`REGISTRY_AUTH_FILE`, else `~/.docker/config.json`); anonymous (with
/// the registry's token flow) without.
fn credentials(registry: &str, file: Option<&Path>) -> RegistryAuth {
    let path = file
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("REGISTRY_AUTH_FILE").map(PathBuf::from))
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".docker/config.json")));
    let Some(text) = path.and_then(|p| std::fs::read_to_string(p).ok()) else {
        return RegistryAuth::Anonymous;
    };
    match auth_from_config(&text, registry) {
        Some((user, password)) => RegistryAuth::Basic(user, password),
        None => RegistryAuth::Anonymous,
    }
}

/// `auths.<registry>.auth` (base64 of `user:password`), or its `username`
/// and `password`; Docker Hub's key is `https://index.docker.io/v1/`.
pub(crate) fn auth_from_config(text: &str, registry: &str) -> Option<(String, String)> {
    use base64::Engine;
    let config: serde_json::Value = serde_json::from_str(text).ok()?;
    let auths = config.get("auths")?.as_object()?;
    let hub = matches!(registry, "docker.io" | "index.docker.io" | "registry-1.docker.io");
    let entry = auths.iter().find_map(|(key, value)| {
        let host = key.trim_start_matches("https://").trim_start_matches("http://");
        let host = host.split('/').next().unwrap_or(host);
        (host == registry || hub && host == "index.docker.io").then_some(value)
    })?;
    if let Some(encoded) = entry.get("auth").and_then(|a| a.as_str()) {
        let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
        let (user, password) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
        return Some((user.to_string(), password.to_string()));
    }
    let user = entry.get("username")?.as_str()?;
    Some((user.to_string(), entry.get("password")?.as_str()?.to_string()))
}

/// A file writer that counts what went through it and stops when the pull
/// is cancelled.
struct Counting {
    file: tokio::fs::File,
    done: Arc<AtomicU64>,
    cancel: Option<Arc<AtomicBool>>,
}

impl Counting {
    fn new(file: tokio::fs::File, cancel: Option<Arc<AtomicBool>>) -> Counting {
        Counting { file, done: Arc::new(AtomicU64::new(0)), cancel }
    }
}

impl tokio::io::AsyncWrite for Counting {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if self.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
            return std::task::Poll::Ready(Err(std::io::Error::other("the pull was cancelled")));
        }
        let written = std::pin::Pin::new(&mut self.file).poll_write(cx, buf);
        if let std::task::Poll::Ready(Ok(n)) = &written {
            self.done.fetch_add(*n as u64, Ordering::Relaxed);
        }
        written
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.file).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.file).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_come_from_the_docker_config() {
        // "user:secret"
        let config = r#"{"auths": {"127.0.0.1:5000": {"auth": "dXNlcjpzZWNyZXQ="}, "https://index.docker.io/v1/": {"username": "hub", "password": "pw"}}}"#;
        assert_eq!(auth_from_config(config, "127.0.0.1:5000"), Some(("user".into(), "secret".into())));
        assert_eq!(auth_from_config(config, "index.docker.io"), Some(("hub".into(), "pw".into())));
        assert_eq!(auth_from_config(config, "quay.io"), None);
        assert_eq!(auth_from_config("not json", "quay.io"), None);
    }
}
