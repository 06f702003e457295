//! The image store on images built here from `/bin/busybox` (see
//! `testing`), in temporary directories. Failing imports are checked to
//! leave the store exactly as it was.

use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use super::testing::{self, DockerSaveLayout, Entry, ImageSpec, OciIndex};
use super::*;

struct Fixture {
    dir: tempfile::TempDir,
    store: ImageStore,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = ImageStore::open(&dir.path().join("store")).unwrap();
        Fixture { dir, store }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `spec` as docker-save (blobs layout) and imports it.
    fn import_docker_save(&self, spec: &ImageSpec, file: &str) -> Vec<ImageRecord> {
        let path = self.path(file);
        testing::write_docker_save(spec, &path, DockerSaveLayout::Blobs).unwrap();
        self.store.import(&path, None).unwrap()
    }

    /// Imports `path`, expects an error whose message contains each of
    /// `words`, and checks that the store did not change.
    fn import_fails(&self, path: &Path, name: Option<&str>, words: &[&str]) -> ImageError {
        let before = listing(self.store.root());
        let error = self.store.import(path, name).expect_err("the import should fail");
        let message = error.to_string();
        for word in words {
            assert!(message.contains(word), "{message:?} should contain {word:?}");
        }
        assert_eq!(listing(self.store.root()), before, "the failed import ({message}) left files behind");
        error
    }
}

/// Every path under `root` with its type and size, sorted.
fn listing(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let shown = path.strip_prefix(root).unwrap().display().to_string();
            if meta.is_dir() {
                pending.push(path);
                out.push(format!("{shown}/"));
            } else {
                out.push(format!("{shown} {}", meta.len()));
            }
        }
    }
    out.sort();
    out
}

fn busybox(name: Option<&str>) -> ImageSpec {
    ImageSpec { name: name.map(Into::into), layers: vec![testing::busybox_layer().unwrap()], ..ImageSpec::default() }
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// The unpacked busybox layer is a working root filesystem.
fn assert_busybox_tree(layer: &Path) {
    let busybox = fs::metadata(layer.join("bin/busybox")).unwrap();
    assert_eq!(busybox.len(), fs::metadata(testing::BUSYBOX).unwrap().len());
    assert_eq!(busybox.mode() & 0o7777, 0o755);
    assert_eq!(fs::read_link(layer.join("bin/sh")).unwrap(), Path::new("busybox"));
    assert_eq!(fs::metadata(layer.join("tmp")).unwrap().mode() & 0o7777, 0o1777);
    assert_eq!(fs::symlink_metadata(layer.join("etc/passwd")).unwrap().mtime(), 1_700_000_000);
}

/// Each blob of the store is named by its content's sha256.
fn assert_blobs_named_by_content(store: &ImageStore) {
    for entry in fs::read_dir(store.root().join("blobs/sha256")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        assert_eq!(digest::of_bytes(&fs::read(entry.path()).unwrap()), name);
    }
}

#[test]
fn docker_save_imports_in_both_layouts() {
    for layout in [DockerSaveLayout::Legacy, DockerSaveLayout::Blobs] {
        let fx = Fixture::new();
        let path = fx.path("busybox.tar");
        testing::write_docker_save(&busybox(Some("busybox")), &path, layout).unwrap();
        let records = fx.store.import(&path, None).unwrap();
        assert_eq!(records.len(), 1, "{layout:?}");
        assert_eq!(records[0].reference, "docker.io/library/busybox:latest");
        assert_eq!(records[0].created.as_deref(), Some(testing::CREATED));
        let image = fx.store.resolve("busybox").unwrap().unwrap();
        assert_eq!(image.record, records[0]);
        assert_eq!(image.layers.len(), 1);
        assert_busybox_tree(&image.layers[0]);
        assert_blobs_named_by_content(&fx.store);
        // manifest (written for it), config, layer
        assert_eq!(fs::read_dir(fx.store.root().join("blobs/sha256")).unwrap().count(), 3);
        assert!(records[0].size_bytes > fs::metadata(testing::BUSYBOX).unwrap().len());
    }
}

#[test]
fn oci_layouts_import_as_directory_tar_and_nested_index() {
    let fx = Fixture::new();
    let images =
        testing::busybox_images(fx.dir.path(), "example.com/tools/busybox:1.36", &ImageRunConfig::default()).unwrap();
    let from_dir = fx.store.import(&images.oci_dir, None).unwrap();
    assert_eq!(from_dir[0].reference, "example.com/tools/busybox:1.36");
    let from_tar = fx.store.import(&images.oci_tar, Some("copy")).unwrap();
    assert_eq!(from_tar[0].reference, "docker.io/library/copy:latest");
    assert_eq!(from_tar[0].id, from_dir[0].id);
    let nested = fx.path("nested");
    testing::write_oci_layout(&busybox(Some("nested:v1")), &nested, OciIndex::Nested).unwrap();
    let from_nested = fx.store.import(&nested, None).unwrap();
    assert_eq!(from_nested[0].reference, "docker.io/library/nested:v1");
    assert_eq!(from_nested[0].id, from_dir[0].id);
    // zstd layers, as `application/vnd.oci.image.layer.v1.tar+zstd`.
    let zstd = fx.path("zstd");
    testing::write_oci_layout(&ImageSpec { zstd: true, ..busybox(Some("zstd:v1")) }, &zstd, OciIndex::Direct).unwrap();
    let from_zstd = fx.store.import(&zstd, None).unwrap();
    assert_eq!(from_zstd[0].reference, "docker.io/library/zstd:v1");
    // The layer was unpacked once, for all four: the same diff id.
    assert_eq!(fs::read_dir(fx.store.root().join("layers/sha256")).unwrap().count(), 1);
    let image = fx.store.resolve("nested:v1").unwrap().unwrap();
    assert_busybox_tree(&image.layers[0]);
    assert_blobs_named_by_content(&fx.store);
}

#[test]
fn plain_root_filesystems_import_from_tar_gzip_and_directory() {
    let fx = Fixture::new();
    let tar = fx.path("rootfs.tar");
    fs::write(&tar, testing::busybox_layer().unwrap()).unwrap();
    let gz = fx.path("rootfs.tar.gz");
    fs::write(&gz, testing::gzip(&fs::read(&tar).unwrap()).unwrap()).unwrap();
    let dir = fx.path("rootfs");
    fs::create_dir_all(dir.join("bin")).unwrap();
    fs::copy(testing::BUSYBOX, dir.join("bin/busybox")).unwrap();
    std::os::unix::fs::symlink("busybox", dir.join("bin/sh")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", dir.join("hostname")).unwrap();
    fx.import_fails(&tar, None, &["rootfs.tar", "no image name"]);

    let records = fx.store.import(&tar, Some("my/rootfs:1")).unwrap();
    assert_eq!(records[0].reference, "docker.io/my/rootfs:1");
    let image = fx.store.resolve("my/rootfs:1").unwrap().unwrap();
    assert_busybox_tree(&image.layers[0]);
    let path = format!("PATH={}", crate::DEFAULT_PATH);
    assert_eq!(image.config, ImageRunConfig { env: vec![path], ..ImageRunConfig::default() });

    let from_gz = fx.store.import(&gz, Some("gz")).unwrap();
    assert_eq!(fx.store.resolve("gz").unwrap().unwrap().layers, image.layers, "same diff id, same layer");
    assert_ne!(from_gz[0].size_bytes, records[0].size_bytes, "the blob is kept as it came");

    fx.store.import(&dir, Some("fromdir")).unwrap();
    let layer = &fx.store.resolve("fromdir").unwrap().unwrap().layers[0];
    assert_eq!(fs::read_link(layer.join("bin/sh")).unwrap(), Path::new("busybox"));
    assert_eq!(fs::read_link(layer.join("hostname")).unwrap(), Path::new("/etc/hostname"), "kept, not followed");
    assert!(fs::metadata(layer.join("bin/busybox")).unwrap().len() > 1_000_000);
}

#[test]
fn image_config_is_honoured() {
    let run = ImageRunConfig {
        entrypoint: strings(&["/bin/sh", "-c"]),
        cmd: strings(&["echo hello; sleep 3600"]),
        env: strings(&["PATH=/bin", "GREETING=hello world"]),
        working_dir: Some("/tmp".into()),
        user: Some("65534:65534".into()),
    };
    let fx = Fixture::new();
    let images = testing::busybox_images(fx.dir.path(), "configured", &run).unwrap();
    for (path, name) in [(&images.docker_save, "a"), (&images.oci_dir, "b"), (&images.oci_tar, "c")] {
        fx.store.import(path, Some(name)).unwrap();
        assert_eq!(fx.store.resolve(name).unwrap().unwrap().config, run, "{}", path.display());
    }
}

#[test]
fn resolve_by_any_spelling_id_or_digest_and_list_sorted() {
    let fx = Fixture::new();
    let record = fx.import_docker_save(&busybox(Some("busybox")), "busybox.tar").remove(0);
    let other =
        ImageSpec { run: ImageRunConfig { cmd: strings(&["sh"]), ..ImageRunConfig::default() }, ..busybox(None) };
    let path = fx.path("alpine.tar");
    testing::write_docker_save(&other, &path, DockerSaveLayout::Blobs).unwrap();
    fx.store.import(&path, Some("alpine:3")).unwrap();
    for spelling in ["busybox", "busybox:latest", "library/busybox", "docker.io/library/busybox:latest"] {
        assert_eq!(fx.store.resolve(spelling).unwrap().unwrap().record, record, "{spelling}");
    }
    let hex = record.id.strip_prefix("sha256:").unwrap();
    assert_eq!(fx.store.resolve(&record.id[..19]).unwrap().unwrap().record, record);
    assert_eq!(fx.store.resolve(&hex[..12]).unwrap().unwrap().record, record);
    let index = fs::read_to_string(fx.store.root().join("images.json")).unwrap();
    let index: serde_json::Value = serde_json::from_str(&index).unwrap();
    let manifest = index["images"]["docker.io/library/busybox:latest"]["manifest"].as_str().unwrap();
    assert_eq!(fx.store.resolve(&format!("busybox@{manifest}")).unwrap().unwrap().record, record);
    assert_eq!(fx.store.resolve("busybox:1.0").unwrap(), None);
    assert_eq!(fx.store.resolve("nginx").unwrap(), None);
    let error = fx.store.resolve("NGINX:Latest").unwrap_err();
    assert!(error.to_string().contains("must be lowercase"), "{error}");
    let listed: Vec<String> = fx.store.list().unwrap().into_iter().map(|r| r.reference).collect();
    assert_eq!(listed, ["docker.io/library/alpine:3", "docker.io/library/busybox:latest"]);
}

#[test]
fn shared_layers_unpack_once_and_stay_while_used() {
    let fx = Fixture::new();
    let base = busybox(Some("base"));
    let mut derived = busybox(Some("derived"));
    derived.layers.push(testing::layer_tar(&[Entry::dir("app"), Entry::file("app/run", b"#!/bin/sh\n")]).unwrap());
    fx.import_docker_save(&base, "base.tar");
    let shared = fx.store.resolve("base").unwrap().unwrap().layers[0].clone();
    let inode = fs::metadata(&shared).unwrap().ino();
    fx.import_docker_save(&derived, "derived.tar");
    let layers = fx.store.resolve("derived").unwrap().unwrap().layers;
    assert_eq!(layers.len(), 2);
    assert_eq!(layers[0], shared);
    assert_eq!(fs::metadata(&shared).unwrap().ino(), inode, "the shared layer was not unpacked again");
    assert!(layers[1].join("app/run").is_file());

    let removed = fx.store.remove("base").unwrap();
    assert_eq!(removed.reference, "docker.io/library/base:latest");
    assert_eq!(fx.store.resolve("base").unwrap(), None);
    assert!(shared.join("bin/busybox").is_file(), "still used by derived");
    assert_blobs_named_by_content(&fx.store);
    assert_eq!(fs::read_dir(fx.store.root().join("blobs/sha256")).unwrap().count(), 4, "derived's 4 blobs");
    let error = fx.store.remove("base").unwrap_err();
    assert!(matches!(error, ImageError::NotFound { .. }), "{error}");

    fx.store.remove("docker.io/library/derived:latest").unwrap();
    assert_eq!(fx.store.list().unwrap(), []);
    for dir in ["blobs/sha256", "layers/sha256", "tmp"] {
        assert_eq!(fs::read_dir(fx.store.root().join(dir)).unwrap().count(), 0, "{dir}");
    }
}

#[test]
fn whiteouts_and_opaque_directories_are_written_for_overlayfs() {
    let fx = Fixture::new();
    let lower = testing::layer_tar(&[
        Entry::dir("etc"),
        Entry::file("etc/hosts", b"127.0.0.1 localhost\n"),
        Entry::file("etc/motd", b"hi\n"),
        Entry::dir("opt"),
        Entry::file("opt/old", b"old\n"),
    ])
    .unwrap();
    let upper = testing::layer_tar(&[
        Entry::dir("etc"),
        Entry::file("etc/.wh.hosts", b""),
        Entry::dir("opt"),
        Entry::file("opt/.wh..wh..opq", b""),
        Entry::file("opt/new", b"new\n"),
        Entry::file(".wh.gone", b""),
    ])
    .unwrap();
    let spec = ImageSpec { name: Some("layered".into()), layers: vec![lower, upper], ..ImageSpec::default() };
    fx.import_docker_save(&spec, "layered.tar");
    let layers = fx.store.resolve("layered").unwrap().unwrap().layers;
    let top = &layers[1];
    for whiteout in ["etc/hosts", "gone"] {
        let meta = fs::symlink_metadata(top.join(whiteout)).unwrap();
        assert!(meta.file_type().is_char_device(), "{whiteout}");
        assert_eq!(meta.rdev(), 0, "{whiteout} is 0:0");
    }
    assert_eq!(xattr(&top.join("opt"), "trusted.overlay.opaque"), Some(b"y".to_vec()));
    assert_eq!(xattr(&top.join("etc"), "trusted.overlay.opaque"), None);
    assert_eq!(fs::read(top.join("opt/new")).unwrap(), b"new\n");
    let names = listing(top);
    assert!(names.iter().all(|name| !name.contains(".wh.")), "{names:?}");
    assert!(layers[0].join("etc/hosts").is_file(), "the lower layer is left as it is");
}

fn xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    let path = CString::new(path.as_os_str().as_bytes()).unwrap();
    let name = CString::new(name).unwrap();
    let mut value = [0u8; 64];
    // SAFETY: NUL-terminated strings and a buffer of the length passed.
    let n = unsafe { libc::lgetxattr(path.as_ptr(), name.as_ptr(), value.as_mut_ptr().cast(), value.len()) };
    usize::try_from(n).ok().map(|n| value[..n].to_vec())
}

#[test]
fn truncated_archives_leave_nothing() {
    let fx = Fixture::new();
    fx.import_docker_save(&busybox(Some("kept")), "kept.tar");
    let whole = fx.path("whole.tar");
    testing::write_docker_save(&busybox(Some("busybox")), &whole, DockerSaveLayout::Legacy).unwrap();
    let bytes = fs::read(&whole).unwrap();
    let half = fx.path("half.tar");
    fs::write(&half, &bytes[..bytes.len() / 2]).unwrap();
    fx.import_fails(&half, None, &["half.tar", "truncated"]);

    // Cut right after an entry: the tar still reads, only the end is gone.
    let layer = testing::busybox_layer().unwrap();
    let cut = fx.path("cut.tar");
    fs::write(&cut, &layer[..layer.len() - 1024]).unwrap();
    fx.import_fails(&cut, Some("cut"), &["cut.tar", "truncated"]);

    let gz = testing::gzip(&layer).unwrap();
    let cut_gz = fx.path("cut.tar.gz");
    fs::write(&cut_gz, &gz[..gz.len() / 2]).unwrap();
    fx.import_fails(&cut_gz, Some("cut"), &["cut.tar.gz", "truncated"]);

    let empty = fx.path("empty.tar");
    fs::write(&empty, b"").unwrap();
    fx.import_fails(&empty, Some("empty"), &["empty.tar", "truncated"]);
    let text = fx.path("notes.txt");
    fs::write(&text, "not a tar archive, no, not at all, not in any way whatsoever".repeat(20)).unwrap();
    fx.import_fails(&text, Some("notes"), &["notes.txt", "not a tar archive"]);
}

#[test]
fn digest_mismatches_leave_nothing() {
    let fx = Fixture::new();
    fx.import_docker_save(&busybox(Some("kept")), "kept.tar");
    // An OCI layer blob whose content is not its name's.
    let oci = fx.path("oci");
    let spec = ImageSpec {
        name: Some("swapped".into()),
        layers: vec![testing::busybox_layer().unwrap(), testing::layer_tar(&[Entry::file("a", b"a")]).unwrap()],
        ..ImageSpec::default()
    };
    testing::write_oci_layout(&spec, &oci, OciIndex::Direct).unwrap();
    let upper = digest::of_bytes(&testing::gzip(&spec.layers[1]).unwrap());
    let blob = oci.join("blobs/sha256").join(&upper);
    fs::write(&blob, testing::gzip(&testing::layer_tar(&[Entry::file("a", b"b")]).unwrap()).unwrap()).unwrap();
    let error = fx.import_fails(&oci, None, &[&format!("blobs/sha256/{upper}"), "expected sha256"]);
    assert!(matches!(error, ImageError::DigestMismatch { .. }), "{error}");

    // A legacy docker-save layer.tar (named by nothing) that is not the
    // config's diff id.
    let legacy = fx.path("legacy.tar");
    let mut spec = busybox(Some("legacy"));
    spec.layers.push(testing::layer_tar(&[Entry::file("a", b"a")]).unwrap());
    let diff_id = digest::of_bytes(&spec.layers[1]);
    testing::write_docker_save(&spec, &legacy, DockerSaveLayout::Legacy).unwrap();
    let mut bytes = fs::read(&legacy).unwrap();
    // Change the one data byte of `a` inside the inner layer tar.
    let inner = spec.layers[1].clone();
    let mut changed = inner.clone();
    changed[512] = b'z';
    let at = bytes.windows(inner.len()).position(|w| w == &inner[..]).unwrap();
    bytes[at..at + inner.len()].copy_from_slice(&changed);
    fs::write(&legacy, &bytes).unwrap();
    fx.import_fails(&legacy, None, &[&format!("{diff_id}/layer.tar"), &diff_id]);
}

#[test]
fn missing_manifests_and_blobs_leave_nothing() {
    let fx = Fixture::new();
    fx.import_docker_save(&busybox(Some("kept")), "kept.tar");
    let spec = busybox(Some("broken"));
    let oci = fx.path("oci");
    testing::write_oci_layout(&spec, &oci, OciIndex::Direct).unwrap();
    let layer = digest::of_bytes(&testing::gzip(&spec.layers[0]).unwrap());
    fs::remove_file(oci.join("blobs/sha256").join(&layer)).unwrap();
    fx.import_fails(&oci, None, &["oci: missing", &layer]);

    let index = fs::read_to_string(oci.join("index.json")).unwrap();
    let index: serde_json::Value = serde_json::from_str(&index).unwrap();
    let manifest = index["manifests"][0]["digest"].as_str().unwrap().strip_prefix("sha256:").unwrap().to_string();
    fs::remove_file(oci.join("blobs/sha256").join(&manifest)).unwrap();
    fx.import_fails(&oci, None, &["missing", &manifest]);
    fs::remove_file(oci.join("index.json")).unwrap();
    fx.import_fails(&oci, None, &["missing index.json"]);

    // A docker-save archive without its manifest.json.
    let dir = fx.path("docker-save");
    let tar = fx.path("docker-save.tar");
    testing::write_docker_save(&spec, &tar, DockerSaveLayout::Blobs).unwrap();
    fs::create_dir(&dir).unwrap();
    tar::Archive::new(fs::File::open(&tar).unwrap()).unpack(&dir).unwrap();
    fs::remove_file(dir.join("manifest.json")).unwrap();
    let stripped = fx.path("stripped.tar");
    testing::tar_tree(&dir, &stripped).unwrap();
    fx.import_fails(&stripped, Some("x"), &["stripped.tar", "missing manifest.json"]);
}

#[test]
fn unsafe_layer_entries_write_nothing_outside() {
    let fx = Fixture::new();
    fx.import_docker_save(&busybox(Some("kept")), "kept.tar");
    let canary = fx.path("canary");
    fs::create_dir(&canary).unwrap();
    let outside = canary.display().to_string();
    // The layer is unpacked in <tmp>/store/tmp/layer-N: three `..` reach the canary.
    let cases: Vec<(Vec<Entry>, &str, &str)> = vec![
        (vec![Entry::file("../../../canary/x", b"x")], "../../../canary/x", "`..`"),
        (vec![Entry::file("../x", b"x")], "../x", "`..`"),
        (vec![Entry::file(&format!("{outside}/x"), b"x")], "/canary/x", "absolute path"),
        (
            vec![Entry::symlink("a", &outside), Entry::file("a/passwd", b"root::0:0::/:/bin/sh\n")],
            "a/passwd",
            "a is a symbolic link",
        ),
        (vec![Entry::symlink("a", &outside), Entry::dir("a/sub")], "a/sub", "a is a symbolic link"),
        (
            vec![Entry::symlink("a", &outside), Entry::hard_link("h", "a/x")],
            "\"h\"",
            "is not inside a directory of this layer",
        ),
        (vec![Entry::hard_link("h", "../../../canary/x")], "\"h\"", "`..`"),
    ];
    for (entries, entry, reason) in cases {
        let tar = fx.path("evil.tar");
        fs::write(&tar, testing::layer_tar(&entries).unwrap()).unwrap();
        fx.import_fails(&tar, Some("evil"), &[entry, reason]);
        assert_eq!(fs::read_dir(&canary).unwrap().count(), 0, "{entry}: wrote outside the layer");
    }
    // Through docker-save too: the error names the layer blob and the entry.
    let mut spec = busybox(Some("evil"));
    spec.layers.push(testing::layer_tar(&[Entry::symlink("etc", &outside), Entry::file("etc/passwd", b"x")]).unwrap());
    let path = fx.path("evil-save.tar");
    testing::write_docker_save(&spec, &path, DockerSaveLayout::Blobs).unwrap();
    let layer = digest::of_bytes(&spec.layers[1]);
    fx.import_fails(&path, None, &[&format!("layer blobs/sha256/{layer}"), "entry \"etc/passwd\""]);
    assert_eq!(fs::read_dir(&canary).unwrap().count(), 0);
}

#[test]
fn names_are_checked_and_given_names_win() {
    let fx = Fixture::new();
    let path = fx.path("busybox.tar");
    testing::write_docker_save(&busybox(Some("busybox:1.36")), &path, DockerSaveLayout::Blobs).unwrap();
    fx.import_fails(&path, Some("NGINX:Latest"), &["invalid image name", "must be lowercase"]);
    let records = fx.store.import(&path, Some("registry.local:5000/bb")).unwrap();
    assert_eq!(records[0].reference, "registry.local:5000/bb:latest");
    assert_eq!(fx.store.resolve("busybox:1.36").unwrap(), None);

    let unnamed = fx.path("unnamed.tar");
    testing::write_docker_save(&busybox(None), &unnamed, DockerSaveLayout::Legacy).unwrap();
    fx.import_fails(&unnamed, None, &["unnamed.tar", "no image name"]);
    let unnamed_oci = fx.path("unnamed-oci");
    testing::write_oci_layout(&busybox(None), &unnamed_oci, OciIndex::Nested).unwrap();
    fx.import_fails(&unnamed_oci, None, &["unnamed-oci", "no image name"]);
    assert_eq!(fx.store.import(&unnamed_oci, Some("named")).unwrap()[0].reference, "docker.io/library/named:latest");
}

#[test]
fn owners_modes_devices_and_hard_links_are_kept() {
    let fx = Fixture::new();
    let dir = fx.path("rootfs");
    fs::create_dir_all(dir.join("dev")).unwrap();
    let tool = dir.join("tool");
    fs::write(&tool, b"#!/bin/sh\n").unwrap();
    std::os::unix::fs::chown(&tool, Some(1000), Some(2000)).unwrap();
    fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o4750)).unwrap();
    let null = dir.join("dev/null");
    nix::sys::stat::mknod(
        &null,
        nix::sys::stat::SFlag::S_IFCHR,
        nix::sys::stat::Mode::from_bits_truncate(0o666),
        nix::sys::stat::makedev(1, 3),
    )
    .unwrap();
    nix::unistd::mkfifo(&dir.join("pipe"), nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    fx.store.import(&dir, Some("owned")).unwrap();
    let layer = &fx.store.resolve("owned").unwrap().unwrap().layers[0];
    let meta = fs::metadata(layer.join("tool")).unwrap();
    assert_eq!((meta.uid(), meta.gid(), meta.mode() & 0o7777), (1000, 2000, 0o4750));
    let meta = fs::symlink_metadata(layer.join("dev/null")).unwrap();
    assert!(meta.file_type().is_char_device());
    assert_eq!(meta.rdev(), nix::sys::stat::makedev(1, 3));
    assert!(fs::symlink_metadata(layer.join("pipe")).unwrap().file_type().is_fifo());

    let linked = fx.path("linked.tar");
    let entries = [Entry::dir("bin"), Entry::file("bin/a", b"same"), Entry::hard_link("bin/b", "bin/a")];
    fs::write(&linked, testing::layer_tar(&entries).unwrap()).unwrap();
    fx.store.import(&linked, Some("linked")).unwrap();
    let layer = &fx.store.resolve("linked").unwrap().unwrap().layers[0];
    let (a, b) = (fs::metadata(layer.join("bin/a")).unwrap(), fs::metadata(layer.join("bin/b")).unwrap());
    assert_eq!((a.ino(), a.nlink()), (b.ino(), 2));
}

#[test]
fn a_leased_layer_outlives_its_image_until_the_lease_is_gone() {
    let fx = Fixture::new();
    fx.import_docker_save(&busybox(Some("running")), "running.tar");
    let image = fx.store.resolve("running").unwrap().unwrap();
    let lease = fx.store.lease(&image).unwrap();
    fx.store.remove("running").unwrap();
    assert_eq!(fx.store.resolve("running").unwrap(), None);
    assert!(image.layers.iter().all(|l| l.is_dir()), "a running container's layer was removed");
    drop(lease);
    // The next collection takes it.
    let spec = ImageSpec {
        name: Some("other".into()),
        layers: vec![testing::layer_tar(&[Entry::file("a", b"a")]).unwrap()],
        ..ImageSpec::default()
    };
    fx.import_docker_save(&spec, "other.tar");
    assert!(image.layers.iter().all(|l| !l.exists()), "an unused layer stayed");
}
