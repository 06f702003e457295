//! Test images, built inside the tests from Debian's static busybox
//! (`/bin/busybox`, package busybox-static): a root filesystem of
//! `/bin/busybox` and its applets as symlinks, written as a docker-save
//! archive or an OCI image layout with the tar crate, serde_json and sha2
//! (no docker, no external tools). For this crate's tests and the runtime's.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::ImageRunConfig;
use super::digest;

/// Where Debian's busybox-static installs the static busybox.
pub const BUSYBOX: &str = "/bin/busybox";

/// The applets the test images link to busybox, in `/bin`.
pub const APPLETS: &[&str] = &[
    "sh", "ls", "cat", "echo", "sleep", "ps", "env", "id", "pwd", "true", "false", "mkdir", "rm", "touch", "hostname",
    "kill", "grep", "head", "tail", "wc", "date", "uname", "mount", "stat", "test", "printf", "nc", "wget", "ip",
    "ifconfig", "whoami", "seq", "tee", "chmod", "ln", "readlink", "top", "nslookup", "httpd",
];

/// The `created` of test image configs.
pub const CREATED: &str = "2024-01-02T03:04:05Z";

/// One entry of a test layer. Names are written byte for byte, unchecked,
/// so a layer can hold what a hostile archive would (`../x`, `/x`).
#[derive(Debug, Clone)]
pub enum Entry {
    Dir { path: String, mode: u32 },
    File { path: String, data: Vec<u8>, mode: u32 },
    Symlink { path: String, target: String },
    HardLink { path: String, target: String },
}

impl Entry {
    pub fn dir(path: &str) -> Entry {
        Entry::Dir { path: path.into(), mode: 0o755 }
    }

    pub fn file(path: &str, data: &[u8]) -> Entry {
        Entry::File { path: path.into(), data: data.to_vec(), mode: 0o644 }
    }

    pub fn symlink(path: &str, target: &str) -> Entry {
        Entry::Symlink { path: path.into(), target: target.into() }
    }

    pub fn hard_link(path: &str, target: &str) -> Entry {
        Entry::HardLink { path: path.into(), target: target.into() }
    }
}

/// An uncompressed layer tar of `entries`, owned by root, dated 2023.
pub fn layer_tar(entries: &[Entry]) -> io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    for entry in entries {
        let mut header = tar::Header::new_gnu();
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(1_700_000_000);
        let (path, data): (&str, &[u8]) = match entry {
            Entry::Dir { path, mode } => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(*mode);
                (path, &[])
            }
            Entry::File { path, data, mode } => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(*mode);
                (path, data)
            }
            Entry::Symlink { path, target } | Entry::HardLink { path, target } => {
                let symlink = matches!(entry, Entry::Symlink { .. });
                header.set_entry_type(if symlink { tar::EntryType::Symlink } else { tar::EntryType::Link });
                header.set_mode(0o777);
                set_raw(&mut header.as_old_mut().linkname, target)?;
                (path, &[])
            }
        };
        set_raw(&mut header.as_old_mut().name, path)?;
        header.set_size(data.len() as u64);
        header.set_cksum();
        builder.append(&header, data)?;
    }
    builder.into_inner()
}

fn set_raw(field: &mut [u8; 100], value: &str) -> io::Result<()> {
    let bytes = value.as_bytes();
    let slot = field.get_mut(..bytes.len()).ok_or_else(|| io::Error::other(format!("name too long: {value}")))?;
    slot.copy_from_slice(bytes);
    Ok(())
}

/// The busybox root filesystem as a layer: `/bin/busybox`, its applets,
/// `/etc/passwd` and `/etc/group` (root, nobody), and the usual empty
/// directories.
pub fn busybox_layer() -> io::Result<Vec<u8>> {
    let busybox = fs::read(BUSYBOX).map_err(|e| io::Error::new(e.kind(), format!("{BUSYBOX}: {e}")))?;
    let mut entries = vec![Entry::dir("bin")];
    entries.push(Entry::File { path: "bin/busybox".into(), data: busybox, mode: 0o755 });
    entries.extend(APPLETS.iter().map(|applet| Entry::symlink(&format!("bin/{applet}"), "busybox")));
    for dir in ["dev", "etc", "home", "proc", "root", "sys", "usr", "usr/bin", "var"] {
        entries.push(Entry::dir(dir));
    }
    entries.push(Entry::Dir { path: "tmp".into(), mode: 0o1777 });
    entries.push(Entry::file(
        "etc/passwd",
        b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
    ));
    entries.push(Entry::file("etc/group", b"root:x:0:\nnobody:x:65534:\n"));
    layer_tar(&entries)
}

/// A test image: its layers (uncompressed tars, lowest first) and run
/// settings.
#[derive(Debug, Clone, Default)]
pub struct ImageSpec {
    /// The name the archive gives (docker-save's `RepoTags`, the OCI
    /// index's `org.opencontainers.image.ref.name`, normalised); `None` for
    /// none.
    pub name: Option<String>,
    pub layers: Vec<Vec<u8>>,
    pub run: ImageRunConfig,
    /// OCI layouts keep the layers zstd-compressed instead of gzip.
    pub zstd: bool,
}

impl ImageSpec {
    /// The image config, as docker writes it.
    pub fn config_json(&self) -> Vec<u8> {
        let diff_ids: Vec<String> = self.layers.iter().map(|l| format!("sha256:{}", digest::of_bytes(l))).collect();
        let mut run = json!({ "Entrypoint": self.run.entrypoint, "Cmd": self.run.cmd, "Env": self.run.env });
        if let Some(dir) = &self.run.working_dir {
            run["WorkingDir"] = json!(dir);
        }
        if let Some(user) = &self.run.user {
            run["User"] = json!(user);
        }
        let config = json!({
            "architecture": oci_spec::image::Arch::default().to_string(),
            "os": "linux",
            "created": CREATED,
            "config": run,
            "rootfs": { "type": "layers", "diff_ids": diff_ids },
        });
        config.to_string().into_bytes()
    }
}

/// Where docker-save puts layers: `<id>/layer.tar` and `<hex>.json` (before
/// docker 25), or `blobs/sha256/<hex>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DockerSaveLayout {
    Legacy,
    Blobs,
}

/// Writes `spec` as a docker-save tar at `path`.
pub fn write_docker_save(spec: &ImageSpec, path: &Path, layout: DockerSaveLayout) -> io::Result<()> {
    let config = spec.config_json();
    let config_hex = digest::of_bytes(&config);
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let config_name = match layout {
        DockerSaveLayout::Legacy => format!("{config_hex}.json"),
        DockerSaveLayout::Blobs => format!("blobs/sha256/{config_hex}"),
    };
    files.push((config_name.clone(), config));
    let mut layer_names = Vec::new();
    for layer in &spec.layers {
        let hex = digest::of_bytes(layer);
        let name = match layout {
            DockerSaveLayout::Legacy => format!("{hex}/layer.tar"),
            DockerSaveLayout::Blobs => format!("blobs/sha256/{hex}"),
        };
        layer_names.push(name.clone());
        files.push((name, layer.clone()));
    }
    let manifest =
        json!([{ "Config": config_name, "RepoTags": spec.name.as_ref().map(|n| vec![n]), "Layers": layer_names }]);
    files.push(("manifest.json".into(), manifest.to_string().into_bytes()));
    fs::write(path, archive_tar(&files)?)
}

/// How the OCI layout's `index.json` reaches the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OciIndex {
    /// `index.json` lists the manifest.
    Direct,
    /// `index.json` lists an image index for two platforms: an unknown
    /// `s390x` (whose manifest is absent) and this host's.
    Nested,
}

/// Writes `spec` as an OCI image layout directory `dir` (gzip layers).
pub fn write_oci_layout(spec: &ImageSpec, dir: &Path, index: OciIndex) -> io::Result<()> {
    let blobs = dir.join("blobs/sha256");
    fs::create_dir_all(&blobs)?;
    let put = |bytes: &[u8], media_type: &str| -> io::Result<Value> {
        let hex = digest::of_bytes(bytes);
        fs::write(blobs.join(&hex), bytes)?;
        Ok(json!({ "mediaType": media_type, "digest": format!("sha256:{hex}"), "size": bytes.len() }))
    };
    let mut layers = Vec::new();
    for layer in &spec.layers {
        if spec.zstd {
            let compressed = ruzstd::encoding::compress_to_vec(&layer[..], ruzstd::encoding::CompressionLevel::Fastest);
            layers.push(put(&compressed, "application/vnd.oci.image.layer.v1.tar+zstd")?);
        } else {
            layers.push(put(&gzip(layer)?, "application/vnd.oci.image.layer.v1.tar+gzip")?);
        }
    }
    let config = put(&spec.config_json(), "application/vnd.oci.image.config.v1+json")?;
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config,
        "layers": layers,
    });
    let mut top = put(manifest.to_string().as_bytes(), "application/vnd.oci.image.manifest.v1+json")?;
    let platform = json!({ "architecture": oci_spec::image::Arch::default().to_string(), "os": "linux" });
    if index == OciIndex::Nested {
        let mut ours = top.clone();
        ours["platform"] = platform;
        let other = json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": format!("sha256:{}", digest::of_bytes(b"absent")),
            "size": 6,
            "platform": { "architecture": "s390x", "os": "linux" },
        });
        let nested = json!({ "schemaVersion": 2, "manifests": [other, ours] });
        top = put(nested.to_string().as_bytes(), "application/vnd.oci.image.index.v1+json")?;
    }
    if let Some(name) = &spec.name {
        // The whole reference, as containerd exports it (a bare `busybox`
        // would read as a tag).
        let name = podplay_core::image_ref::normalize(name);
        top["annotations"] = json!({ "org.opencontainers.image.ref.name": name });
    }
    fs::write(dir.join("oci-layout"), json!({ "imageLayoutVersion": "1.0.0" }).to_string())?;
    fs::write(dir.join("index.json"), json!({ "schemaVersion": 2, "manifests": [top] }).to_string())
}

/// Writes the files under `dir` (an OCI layout) as the tar `out`.
pub fn tar_tree(dir: &Path, out: &Path) -> io::Result<()> {
    let mut files = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        for entry in fs::read_dir(dir.join(&relative))? {
            let entry = entry?;
            let child = relative.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                pending.push(child);
            } else {
                files.push((child.to_string_lossy().into_owned(), fs::read(entry.path())?));
            }
        }
    }
    files.sort();
    fs::write(out, archive_tar(&files)?)
}

/// The three archives of one busybox image.
#[derive(Debug, Clone)]
pub struct BusyboxImages {
    /// docker-save, `blobs/sha256` layout, uncompressed layer.
    pub docker_save: PathBuf,
    /// OCI image layout directory, gzip layer.
    pub oci_dir: PathBuf,
    /// The same layout as a tar.
    pub oci_tar: PathBuf,
}

/// Writes a busybox image named `name` with the run settings `run` into
/// `dir`, in each format.
pub fn busybox_images(dir: &Path, name: &str, run: &ImageRunConfig) -> io::Result<BusyboxImages> {
    let spec = ImageSpec { name: Some(name.into()), layers: vec![busybox_layer()?], run: run.clone(), zstd: false };
    let images = BusyboxImages {
        docker_save: dir.join("busybox-docker-save.tar"),
        oci_dir: dir.join("busybox-oci"),
        oci_tar: dir.join("busybox-oci.tar"),
    };
    write_docker_save(&spec, &images.docker_save, DockerSaveLayout::Blobs)?;
    write_oci_layout(&spec, &images.oci_dir, OciIndex::Direct)?;
    tar_tree(&images.oci_dir, &images.oci_tar)?;
    Ok(images)
}

/// `bytes` gzipped, as registries and OCI layouts keep layers.
pub fn gzip(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// A tar of regular files (an image archive, not a layer).
fn archive_tar(files: &[(String, Vec<u8>)]) -> io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_700_000_000);
        builder.append_data(&mut header, name, &data[..])?;
    }
    builder.into_inner()
}

/// A registry of a test's own: Debian's `docker-registry` serving
/// `dir` on a free loopback port, optionally behind basic auth (an
/// htpasswd file of bcrypt entries). Killed, by its PID, when dropped.
pub struct TestRegistry {
    child: std::process::Child,
    /// `127.0.0.1:<port>`.
    pub host: String,
}

impl TestRegistry {
    pub fn start(dir: &Path, htpasswd: Option<&Path>) -> io::Result<TestRegistry> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let host = format!("127.0.0.1:{port}");
        let data = dir.join("registry-data");
        fs::create_dir_all(&data)?;
        let auth = htpasswd.map_or(String::new(), |file| {
            format!("auth:\n  htpasswd:\n    realm: podplay-test\n    path: {}\n", file.display())
        });
        let config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {host}\n{auth}",
            data.display()
        );
        let config_path = dir.join("registry.yml");
        fs::write(&config_path, config)?;
        let log = fs::File::create(dir.join("registry.log"))?;
        let child = std::process::Command::new("docker-registry")
            .arg("serve")
            .arg(&config_path)
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let registry = TestRegistry { child, host };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(&registry.host).is_err() {
            if std::time::Instant::now() > deadline {
                return Err(io::Error::other("docker-registry did not start listening within 20 s"));
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Ok(registry)
    }

    /// `skopeo copy oci:<layout> docker://<host>/<name>`, with `creds`
    /// (`user:password`) for a registry behind auth.
    pub fn push(&self, layout: &Path, name: &str, creds: Option<&str>) -> io::Result<()> {
        let mut command = std::process::Command::new("skopeo");
        command.args(["copy", "--quiet", "--dest-tls-verify=false"]);
        if let Some(creds) = creds {
            command.args(["--dest-creds", creds]);
        }
        let source = format!("oci:{}", layout.display());
        let out = command.arg(source).arg(format!("docker://{}/{name}", self.host)).output()?;
        if !out.status.success() {
            return Err(io::Error::other(format!("skopeo copy: {}", String::from_utf8_lossy(&out.stderr))));
        }
        Ok(())
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An OCI layout of `count` layers (the busybox layer, then small layers
/// of `bytes` random-looking bytes each): what a pull benchmark fetches.
pub fn layered_image(dir: &Path, count: usize, bytes: usize) -> io::Result<PathBuf> {
    let mut layers = vec![busybox_layer()?];
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for i in 1..count {
        let mut data = Vec::with_capacity(bytes);
        while data.len() < bytes {
            // xorshift: incompressible, so gzip keeps the size.
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            data.extend_from_slice(&seed.to_le_bytes());
        }
        data.truncate(bytes);
        layers.push(layer_tar(&[Entry::file(&format!("data/layer-{i}"), &data)])?);
    }
    let spec = ImageSpec {
        name: None,
        layers,
        run: ImageRunConfig { cmd: vec!["sh".into()], ..Default::default() },
        zstd: false,
    };
    let out = dir.join(format!("layered-{count}"));
    write_oci_layout(&spec, &out, OciIndex::Direct)?;
    Ok(out)
}
