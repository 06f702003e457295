//! Image references as a runtime resolves them: Docker Hub is the default
//! registry, `library/` the default namespace for one-word names, `latest`
//! the default tag (the rules of containerd's and Docker's
//! `reference.ParseNormalizedNamed`). Both runtimes name images this way.

/// `nginx` → `docker.io/library/nginx:latest`, as containerd reports images.
pub fn normalize(image: &str) -> String {
    let (name, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let last_slash = name.rfind('/');
    let has_tag = name[last_slash.map_or(0, |i| i + 1)..].contains(':');
    let first = name.split('/').next().unwrap_or("");
    let has_registry = name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let mut full = match (has_registry, name.contains('/')) {
        (true, _) => name.to_string(),
        (false, true) => format!("docker.io/{name}"),
        (false, false) => format!("docker.io/library/{name}"),
    };
    if !has_tag && digest.is_none() {
        full.push_str(":latest");
    }
    if let Some(d) = digest {
        full.push('@');
        full.push_str(d);
    }
    full
}
/// The repository of a normalized reference, without tag or digest
/// (`docker.io/library/nginx:1.27` → `docker.io/library/nginx`).
pub fn repository(full: &str) -> &str {
    let repo = full.split('@').next().unwrap_or(full);
    match repo.rfind(':') {
        Some(i) if !repo[i..].contains('/') => &repo[..i],
        _ => repo,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_containerd() {
        assert_eq!(normalize("nginx"), "docker.io/library/nginx:latest");
        assert_eq!(normalize("nginx:1.27"), "docker.io/library/nginx:1.27");
        assert_eq!(normalize("geektime/tomcat:7.0"), "docker.io/geektime/tomcat:7.0");
        assert_eq!(normalize("registry.k8s.io/pause:3.10"), "registry.k8s.io/pause:3.10");
        assert_eq!(repository("docker.io/library/nginx:1.27"), "docker.io/library/nginx");
        assert_eq!(repository("localhost:5000/app@sha256:00"), "localhost:5000/app");
    }
}
