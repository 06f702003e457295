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
/// `reference.ParseNormalizedNamed`'s verdict on an image name, as the
/// kubelet's `applyDefaultImageTag` asks it before anything is pulled: the
/// error text of github.com/distribution/reference when the name is not a
/// reference (`nginx 1.27`, `NGINX`, a short digest).
pub fn check(image: &str) -> Result<(), String> {
    const INVALID: &str = "invalid reference format";
    if image.len() == 64 && image.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(format!("invalid repository name ({image}), cannot specify 64-byte hexadecimal strings"));
    }
    // splitDockerDomain: a first component with `.` or `:`, `localhost`,
    // or an upper-case letter is a registry.
    let (domain, mut remainder) = match image.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':']) || first == "localhost" || first.to_ascii_lowercase() != first =>
        {
            (first, rest.to_string())
        }
        _ => ("docker.io", image.to_string()),
    };
    if domain == "docker.io" && !remainder.contains('/') {
        remainder = format!("library/{remainder}");
    }
    let remote = remainder.split(':').next().unwrap_or("");
    if remote.to_ascii_lowercase() != remote {
        return Err(format!("{INVALID}: repository name ({remote}) must be lowercase"));
    }
    let full = format!("{domain}/{remainder}");
    match parse_reference(&full) {
        Ok(()) => Ok(()),
        Err(Bad::Format) if parse_reference(&full.to_ascii_lowercase()).is_ok() => {
            Err("repository name must be lowercase".into())
        }
        Err(Bad::Format) => Err(INVALID.into()),
        Err(Bad::Other(message)) => Err(message),
    }
}

enum Bad {
    Format,
    Other(String),
}

/// `reference.Parse`: `domain/path[:tag][@digest]` by the grammar of
/// distribution/reference's `regexp.go`.
fn parse_reference(s: &str) -> Result<(), Bad> {
    let (name_tag, digest) = match s.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (s, None),
    };
    let last_slash = name_tag.rfind('/').unwrap_or(0);
    let (name, tag) = match name_tag.rfind(':') {
        Some(i) if i > last_slash => (&name_tag[..i], Some(&name_tag[i + 1..])),
        _ => (name_tag, None),
    };
    let (domain, path) = name.split_once('/').ok_or(Bad::Format)?;
    let word = |t: &str| t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let tag_ok = tag.is_none_or(|t| {
        t.len() <= 128 && t.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') && {
            word(&t.replace(['.', '-'], ""))
        }
    });
    if !domain_ok(domain) || !path.split('/').all(path_component_ok) || !tag_ok {
        return Err(Bad::Format);
    }
    if let Some(d) = digest {
        let (algorithm, hex) = d.split_once(':').ok_or(Bad::Format)?;
        let algorithm_ok = algorithm.split(['+', '.', '-', '_']).all(|c| {
            c.bytes().next().is_some_and(|b| b.is_ascii_alphabetic()) && c.bytes().all(|b| b.is_ascii_alphanumeric())
        });
        if !algorithm_ok || hex.len() < 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Bad::Format);
        }
        let wanted = match algorithm {
            "sha256" => 64,
            "sha384" => 96,
            "sha512" => 128,
            _ => return Err(Bad::Other("unsupported digest algorithm".into())),
        };
        if hex.len() != wanted {
            return Err(Bad::Other("invalid checksum digest length".into()));
        }
    }
    if name.len() > 255 {
        return Err(Bad::Other("repository name must not be more than 255 characters".into()));
    }
    Ok(())
}

/// `host[:port]`: dot-separated components of letters, digits and inner
/// dashes (IPv6 in brackets taken as is).
fn domain_ok(domain: &str) -> bool {
    let (host, port) = match domain.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || domain.starts_with('[') => (h, Some(p)),
        _ => (domain, None),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = if host.starts_with('[') {
        host.ends_with(']') && host.len() > 2
    } else {
        host.split('.').all(|c| {
            !c.is_empty()
                && !c.starts_with('-')
                && !c.ends_with('-')
                && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    };
    port_ok && host_ok
}

/// `[a-z0-9]+` joined by `.`, `_`, `__` or runs of `-`.
fn path_component_ok(component: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = component.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !alnum(first) || !alnum(last) {
        return false;
    }
    // Separators: one `.`, one or two `_`, or any number of `-`.
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &component[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-');
        if !ok {
            return false;
        }
    }
    true
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

    /// Cases restated from distribution/reference's `normalize_test.go`
    /// and `reference_test.go` (read, not copied), with their error texts.
    #[test]
    fn checks_names_like_parse_normalized_named() {
        for ok in [
            "nginx",
            "nginx:1.27",
            "library/nginx:1.27-alpine",
            "registry.k8s.io/pause:3.10",
            "localhost:5000/app:v1",
            "Registry.Example.com/app",
            "a.b-c/d__e/f.g-h---i:T_ag.1",
            "busybox@sha256:a3e0b17f83b5cb9e3bd5b4d7c2b8a1d1c0f2e6d4b9a8c7e6f5d4c3b2a1908070",
            "[2001:db8::1]:5000/app",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
        for (bad, error) in [
            ("NGINX:Latest", "invalid reference format: repository name (library/NGINX) must be lowercase"),
            ("nginx 1.27", "invalid reference format"),
            ("nginx:1.27@sha256:abc", "invalid reference format"),
            ("nginx@sha256:a3e0b17f83b5cb9e3bd5b4d7c2b8a1d1", "invalid checksum digest length"),
            ("nginx@md5:a3e0b17f83b5cb9e3bd5b4d7c2b8a1d1", "unsupported digest algorithm"),
            ("nginx:", "invalid reference format"),
            ("-nginx", "invalid reference format"),
            ("nginx:-tag", "invalid reference format"),
            ("repo/", "invalid reference format"),
            (
                "a3e0b17f83b5cb9e3bd5b4d7c2b8a1d1c0f2e6d4b9a8c7e6f5d4c3b2a1908070",
                "invalid repository name (a3e0b17f83b5cb9e3bd5b4d7c2b8a1d1c0f2e6d4b9a8c7e6f5d4c3b2a1908070), cannot specify 64-byte hexadecimal strings",
            ),
        ] {
            assert_eq!(check(bad), Err(error.to_string()), "{bad}");
        }
    }
}
