//! The image catalog: what each image holds (files, programs) and its
//! config (entrypoint, command, environment, user, stop signal).
//!
//! Images are matched by repository name; the tag is kept for display. A
//! reference whose name or tag says it does not exist (`nope`, `missing`,
//! `does-not-exist`, `nonexistent`, `notfound`) is missing from the registry,
//! so pulls fail as they would for a mistyped image; so does an official
//! name a letter or two away from one the catalog has (`ngnix`), which no
//! registry has, and the pull is denied. Any other image podplay
//! does not know is pulled as a generic image that runs a long-running
//! stand-in process (and says so).

use podplay_core::cri::ImageInfo;

use crate::kernel::Store;
use crate::kernel::executable;
use crate::programs::{busybox, nginx, tomcat::WAR_MAGIC};

#[derive(Clone, Debug)]
pub struct Image {
    /// The normalized reference (`docker.io/library/nginx:1.27`).
    pub reference: String,
    pub tree: Store,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub env: Vec<(String, String)>,
    pub working_dir: String,
    pub user: u32,
    /// The signal `docker stop` / CRI StopContainer sends first.
    pub stop_signal: i32,
    pub size_bytes: u64,
    /// False for the generic stand-in.
    pub known: bool,
}

impl Image {
    /// The image as CRI reports it: reference, id and size.
    pub fn info(&self) -> ImageInfo {
        // The catalog knows users by number; root is an image without USER.
        let user = (self.user != 0).then(|| self.user.to_string());
        ImageInfo { reference: self.reference.clone(), id: self.id(), size_bytes: self.size_bytes, user }
    }

    /// The image's id on the node as CRI's `imageRef` and a container
    /// status's `imageID` show it: the repository and a digest
    /// (`docker.io/library/nginx@sha256:…`). The catalog's images have no
    /// real layers, so the digest is made from the reference.
    fn id(&self) -> String {
        let full = &self.reference;
        format!("{}@sha256:{}", podplay_core::image_ref::repository(full), podplay_core::ids::stable_hex(full))
    }
}

/// The pause image containerd uses for sandboxes.
pub const PAUSE_IMAGE: &str = "registry.k8s.io/pause:3.10";

const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Why a pull fails: the registry has no such image.
pub fn missing_from_registry(reference: &str) -> bool {
    let lower = reference.to_ascii_lowercase();
    ["nope", "missing", "does-not-exist", "doesnotexist", "nonexistent", "notfound", "no-such"]
        .iter()
        .any(|w| lower.contains(w))
}

/// The official images podplay's registry holds, by name.
const OFFICIAL: [&str; 10] =
    ["busybox", "alpine", "debian", "ubuntu", "centos", "rockylinux", "fedora", "nginx", "tomcat", "httpd"];

/// A Docker Hub official name one or two letters away from one the
/// registry has (`ngnix`, `busyboxx`): no such repository exists, so the
/// pull is denied, as Docker Hub denies it, instead of running a stand-in.
pub fn misspelt(full: &str) -> Option<&'static str> {
    let name = podplay_core::image_ref::repository(full).strip_prefix("docker.io/library/")?;
    if name.len() < 4 || OFFICIAL.contains(&name) {
        return None;
    }
    OFFICIAL.iter().copied().find(|known| strsim::damerau_levenshtein(name, known) <= 2)
}

/// The image for a reference, as a registry would serve it.
pub fn lookup(reference: &str) -> Option<Image> {
    let full = crate::normalize_image(reference);
    if missing_from_registry(&full) || misspelt(&full).is_some() {
        return None;
    }
    let repo_no_tag = podplay_core::image_ref::repository(&full);
    let name = repo_no_tag.rsplit('/').next().unwrap_or(repo_no_tag);
    let owner = repo_no_tag.rsplit('/').nth(1).unwrap_or("");
    let mut image = match (owner, name) {
        (_, "pause") => pause(),
        (_, "busybox") => busybox_image(),
        (_, "alpine") => alpine(),
        (_, "debian" | "ubuntu" | "centos" | "rockylinux" | "fedora") => debian_like(name),
        (_, "nginx" | "nginx-unprivileged") => nginx_image(),
        ("geektime", "tomcat") => geektime_tomcat(),
        (_, "tomcat") => tomcat_image(),
        ("geektime", "sample") => geektime_sample(),
        (_, "fluent-bit") => fluent_bit(),
        (_, "stress") => stress(),
        _ => generic(&full),
    };
    image.reference = full;
    Some(image)
}

fn base_store() -> Store {
    let mut s = Store::new();
    for dir in [
        "/bin",
        "/dev",
        "/etc",
        "/home",
        "/proc",
        "/root",
        "/sys",
        "/tmp",
        "/usr/bin",
        "/usr/sbin",
        "/var/log",
        "/var/run",
        "/run",
    ] {
        s.mkdir_all(dir);
    }
    s.put("/etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n", 0o644);
    s.put("/etc/group", b"root:x:0:\nnobody:x:65534:\n", 0o644);
    s
}

fn image(tree: Store, entrypoint: &[&str], cmd: &[&str], size_bytes: u64) -> Image {
    Image {
        reference: String::new(),
        tree,
        entrypoint: entrypoint.iter().map(|s| s.to_string()).collect(),
        cmd: cmd.iter().map(|s| s.to_string()).collect(),
        env: vec![("PATH".into(), PATH.into())],
        working_dir: "/".into(),
        user: 0,
        stop_signal: crate::kernel::SIGTERM,
        size_bytes,
        known: true,
    }
}

fn pause() -> Image {
    let mut s = Store::new();
    s.put("/pause", &executable("pause"), 0o755);
    let mut i = image(s, &["/pause"], &[], 320_368);
    i.user = 65535;
    i
}

fn busybox_image() -> Image {
    let mut s = base_store();
    busybox::install(&mut s, &[]);
    image(s, &[], &["sh"], 2_155_996)
}

fn alpine() -> Image {
    let mut s = base_store();
    busybox::install(&mut s, &[]);
    s.put("/etc/alpine-release", b"3.21.0\n", 0o644);
    s.put("/etc/os-release", b"NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.21.0\n", 0o644);
    image(s, &[], &["/bin/sh"], 3_642_132)
}

/// `polinux/stress`: Alpine with `stress` 1.0.4 built into /usr/local/bin.
fn stress() -> Image {
    let mut i = alpine();
    i.tree.put("/usr/local/bin/stress", &executable("stress"), 0o755);
    i.cmd = vec!["/usr/local/bin/stress".into()];
    i.size_bytes = 4_187_425;
    i
}

/// Debian-based images: a shell and coreutils, but no `ps`, `wget`, `ip`
/// (procps, wget and iproute2 are not installed), as in the real ones.
fn debian_store() -> Store {
    let mut s = base_store();
    busybox::install(&mut s, &["ps", "wget", "nslookup", "ip", "ifconfig", "netstat"]);
    s.put("/bin/bash", &executable("busybox"), 0o755);
    s.put("/etc/debian_version", b"12.8\n", 0o644);
    s.put("/etc/os-release", b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n", 0o644);
    s
}

fn debian_like(name: &str) -> Image {
    let s = debian_store();
    let size = if name == "ubuntu" { 29_754_290 } else { 48_494_272 };
    image(s, &[], &["bash"], size)
}

fn nginx_image() -> Image {
    let mut s = debian_store();
    // The official image installs curl (its entrypoint scripts use it).
    s.put("/usr/bin/curl", &executable("busybox"), 0o755);
    s.put("/usr/sbin/nginx", &executable("nginx"), 0o755);
    s.put("/usr/share/nginx/html/index.html", nginx::INDEX_HTML.as_bytes(), 0o644);
    s.put(
        "/usr/share/nginx/html/50x.html",
        b"<!DOCTYPE html>\n<html>\n<head>\n<title>Error</title>\n</head>\n<body>\n<h1>An error occurred.</h1>\n</body>\n</html>\n",
        0o644,
    );
    s.put(
        "/etc/nginx/nginx.conf",
        b"user  nginx;\nworker_processes  auto;\n\nerror_log  /var/log/nginx/error.log notice;\npid        /var/run/nginx.pid;\n\nevents {\n    worker_connections  1024;\n}\n\nhttp {\n    include       /etc/nginx/mime.types;\n    access_log  /var/log/nginx/access.log  main;\n    include /etc/nginx/conf.d/*.conf;\n}\n",
        0o644,
    );
    s.put(
        "/etc/nginx/conf.d/default.conf",
        b"server {\n    listen       80;\n    server_name  localhost;\n\n    location / {\n        root   /usr/share/nginx/html;\n        index  index.html index.htm;\n    }\n}\n",
        0o644,
    );
    s.mkdir_all("/var/log/nginx");
    let mut i = image(s, &["/docker-entrypoint.sh"], &["nginx", "-g", "daemon off;"], 72_195_292);
    // The official image's entrypoint script ends in `exec "$@"`.
    i.tree.put(
        "/docker-entrypoint.sh",
        b"#!/bin/sh\nset -e\necho \"/docker-entrypoint.sh: Configuration complete; ready for start up\"\nexec \"$@\"\n",
        0o755,
    );
    i.env.push(("NGINX_VERSION".into(), "1.27.3".into()));
    // STOPSIGNAL SIGQUIT in the official Dockerfile: a graceful stop.
    i.stop_signal = crate::kernel::SIGQUIT;
    i
}

fn tomcat_image() -> Image {
    let mut s = debian_store();
    s.put("/usr/bin/curl", &executable("busybox"), 0o755);
    s.put("/usr/local/tomcat/bin/catalina.sh", &executable("tomcat"), 0o755);
    s.mkdir_all("/usr/local/tomcat/webapps");
    let mut i = image(s, &[], &["catalina.sh", "run"], 163_871_526);
    i.env[0].1 = format!("/usr/local/tomcat/bin:{PATH}");
    i.env.push(("CATALINA_HOME".into(), "/usr/local/tomcat".into()));
    i.working_dir = "/usr/local/tomcat".into();
    i
}

/// The course's Tomcat 7 image: its start script and webapps under /root.
fn geektime_tomcat() -> Image {
    let home = "/root/apache-tomcat-7.0.42-v2";
    let mut s = debian_store();
    s.put("/usr/bin/curl", &executable("busybox"), 0o755);
    s.put(&format!("{home}/bin/start.sh"), &executable("tomcat"), 0o755);
    s.put(&format!("{home}/bin/catalina.sh"), &executable("tomcat"), 0o755);
    s.mkdir_all(&format!("{home}/webapps"));
    image(s, &[], &[&format!("{home}/bin/start.sh")], 195_422_412)
}

/// The course's WAR image: busybox plus `/sample.war`.
fn geektime_sample() -> Image {
    let mut s = base_store();
    busybox::install(&mut s, &[]);
    let war = format!(
        "{WAR_MAGIC}<html><head><title>Sample Application</title></head><body><h1>Sample \"Hello, World\" Application</h1><p>This is the home page for the sample web application, served by Tomcat from sample.war.</p></body></html>\n"
    );
    s.put("/sample.war", war.as_bytes(), 0o644);
    image(s, &[], &["sh"], 2_160_214)
}

fn fluent_bit() -> Image {
    let mut s = base_store();
    s.put("/fluent-bit/bin/fluent-bit", &executable("fluent-bit"), 0o755);
    s.put(
        "/fluent-bit/etc/fluent-bit.conf",
        b"[INPUT]\n    Name tail\n    Path /var/log/*.log\n[OUTPUT]\n    Name stdout\n    Match *\n",
        0o644,
    );
    image(s, &["/fluent-bit/bin/fluent-bit"], &["-c", "/fluent-bit/etc/fluent-bit.conf"], 37_218_130)
}

fn generic(reference: &str) -> Image {
    let mut s = base_store();
    busybox::install(&mut s, &[]);
    s.put("/podplay-generic", &executable("generic"), 0o755);
    let mut i = image(s, &["/podplay-generic"], &[], 50_000_000);
    i.env.push(("PODPLAY_IMAGE".into(), reference.to_string()));
    i.known = false;
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog() {
        assert!(lookup("nginx").unwrap().known);
        assert_eq!(lookup("nginx:1.27").unwrap().reference, "docker.io/library/nginx:1.27");
        assert!(lookup("nginx:nope").is_none());
        assert!(!lookup("redis:7").unwrap().known);
        assert!(lookup("geektime/sample:v2").unwrap().tree.contains("/sample.war"));
    }
}
