//! Who a container's process runs as: `runAsUser`/`runAsGroup`, else the
//! image's `USER`, looked up in the container's own `/etc/passwd` and
//! `/etc/group` (read after the root is in place), as runc does.

use super::spec::User;

/// The uid, gid and supplementary groups to run as.
pub fn resolve(user: &User) -> Result<(u32, u32, Vec<u32>), String> {
    let image = user.image_user.as_deref().filter(|u| !u.is_empty());
    let (name, group) = match image {
        Some(text) => match text.split_once(':') {
            Some((n, g)) => (Some(n), Some(g)),
            None => (Some(text), None),
        },
        None => (None, None),
    };
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let (mut uid, mut gid) = (0, 0);
    if let Some(name) = name {
        match name.parse::<u32>() {
            Ok(n) => {
                uid = n;
                gid = lookup(&passwd, |f| f[2] == name).map_or(0, |f| f[3].parse().unwrap_or(0));
            }
            Err(_) => {
                let entry = lookup(&passwd, |f| f[0] == name)
                    .ok_or_else(|| format!("unable to find user {name}: no matching entries in passwd file"))?;
                uid = entry[2].parse().unwrap_or(0);
                gid = entry[3].parse().unwrap_or(0);
            }
        }
    }
    if let Some(group) = group {
        gid = match group.parse::<u32>() {
            Ok(n) => n,
            Err(_) => {
                let groups = std::fs::read_to_string("/etc/group").unwrap_or_default();
                let entry = lookup(&groups, |f| f[0] == group)
                    .ok_or_else(|| format!("unable to find group {group}: no matching entries in group file"))?;
                entry[2].parse().unwrap_or(0)
            }
        };
    }
    if let Some(u) = user.uid {
        uid = u;
        if user.gid.is_none() && image.is_none() {
            gid = 0;
        }
    }
    if let Some(g) = user.gid {
        gid = g;
    }
    Ok((uid, gid, supplemental_groups(user, uid, gid, &passwd)))
}

/// containerd's `Merge` policy: the groups of `/etc/group` that list the
/// user as a member (not the one named after it), the Pod's groups, and
/// the primary group; sorted, each once.
fn supplemental_groups(user: &User, uid: u32, gid: u32, passwd: &str) -> Vec<u32> {
    let uid_text = uid.to_string();
    let name = lookup(passwd, |f| f[2] == uid_text).map(|f| f[0].to_string());
    let mut groups = user.supplemental_groups.clone();
    groups.push(gid);
    if let Some(name) = name {
        let group_file = std::fs::read_to_string("/etc/group").unwrap_or_default();
        for fields in group_file.lines().map(|l| l.split(':').collect::<Vec<_>>()).filter(|f| f.len() >= 4) {
            if fields[0] != name && fields[3].split(',').any(|m| m == name) {
                groups.extend(fields[2].parse::<u32>().ok());
            }
        }
    }
    groups.sort_unstable();
    groups.dedup();
    groups
}

/// The first line of a colon-separated file (at least four fields) that
/// `matches`.
fn lookup(text: &str, matches: impl Fn(&[&str]) -> bool) -> Option<Vec<&str>> {
    text.lines().map(|l| l.split(':').collect::<Vec<_>>()).find(|f| f.len() >= 4 && matches(f))
}
